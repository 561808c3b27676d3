"""A running session's progress from its readings: energy, power, SoC, charging periods.

Energy is the register's progress since the start (never below zero: a meter that was replaced
or reset does not make energy negative). Power is the measured Power.Active.Import, or, where the
charger does not sample power, derived from the register's progress between two readings. A
reading older than the newest one already applied is stored but moves nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cpms.domain import session_events
from cpms.domain.charging_periods import Periods
from cpms.domain.meter_values import Reading
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import sessions

# what a session.updated is about; the average moves with the clock and is no news by itself
PROGRESS_FIELDS = ("energy", "power_latest", "soc_percent")


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def progress(row: Any, readings: list[Reading], periods: Periods, *,
             charging: bool | None = None) -> tuple[dict[str, Any] | None, bool]:
    """Fresh readings (time order) applied to active session `row`, its periods moved in `periods`:
    the session's new column values (None when no reading was new enough to count) and whether its
    figures changed (what a session.updated is about). Nothing is written here."""
    register, latest_at = row.last_register, row.last_reading_at
    meter_start = row.meter_start
    if register is None:
        register = meter_start
    power, peak, soc = row.power_latest, row.power_peak, row.soc_percent
    moved = False
    for reading in readings:
        if latest_at is not None and reading.timestamp < latest_at:
            continue
        energy, measured = reading.energy, reading.power
        derived = None
        if (measured is None and energy is not None and register is not None and latest_at is not None
                and _seconds(reading.timestamp, latest_at) > 0):
            derived = max(0.0, (energy - register) * 3600 / _seconds(reading.timestamp, latest_at))
        state, since = _state(charging, energy, measured, register, latest_at or row.started_at, reading.timestamp)
        periods.advance(row.id, reading.timestamp, energy, state, since=since, previous=register)
        if energy is not None:
            register = energy
            if meter_start is None:  # the charger told no start register: its first reading is the start
                meter_start = energy
        if measured is not None or derived is not None:
            power = measured if measured is not None else derived
            peak = power if peak is None else max(peak, power)
        if reading.soc is not None:
            soc = reading.soc
        latest_at = reading.timestamp
        moved = True
    if not moved:
        return None, False
    energy_total = row.energy
    if register is not None and meter_start is not None:
        energy_total = max(0.0, register - meter_start)
    values = {"energy": energy_total, "power_latest": power, "power_peak": peak, "soc_percent": soc,
              "power_average": average_power(energy_total, row.started_at, latest_at)}
    changed = any(getattr(row, name) != values[name] for name in PROGRESS_FIELDS)
    values.update(last_register=register, last_reading_at=latest_at, meter_start=meter_start)
    return values, changed


def moments(fresh: list[Reading], charging: bool | None, at: datetime | None) -> list[Reading]:
    """The moments that move a session: its fresh readings, and the moment the charger told its
    state (`charging` since `at`) when no reading is at that moment."""
    if charging is not None and at is not None and all(r.timestamp != at for r in fresh):
        return sorted([*fresh, Reading(at)], key=lambda r: r.timestamp)
    return fresh


async def apply(tx: Tx, row: Any, readings: list[Reading], now: datetime, *,
                charging: bool | None = None) -> bool:
    """Apply fresh readings (time order) to active session `row`; True if its figures changed."""
    periods = await Periods.load(tx, [row.id])
    values, changed = progress(row, readings, periods, charging=charging)
    if values is None:
        return False
    await periods.flush(tx)
    if changed:
        values["last_updated_at"] = now
    await tx.conn.execute(sessions.update().where(sessions.c.id == row.id).values(values))
    return changed


def _state(told: bool | None, energy: float | None, power: float | None, register: float | None,
           previous_at: datetime, at: datetime) -> tuple[bool | None, datetime]:
    """Whether the session was charging, and since when (see cpms.domain.charging_periods)."""
    if told is not None:
        return told, at
    if energy is not None and register is not None:
        return (energy > register if at > previous_at else None), previous_at
    if power is not None:
        return power > 0, at
    return None, at


async def account_stop(tx: Tx, row: Any, at: datetime, meter_stop: float | None) -> None:
    """The stop's register is the last reading: the periods take it, then close."""
    register = row.last_register if row.last_register is not None else row.meter_start
    periods = await Periods.load(tx, [row.id])
    if meter_stop is not None and row.status == "active":
        state, since = _state(None, meter_stop, None, register, row.last_reading_at or row.started_at, at)
        periods.advance(row.id, at, meter_stop, state, since=since, previous=register)
        register = meter_stop
    periods.close(row.id, at, register if meter_stop is None else meter_stop)
    await periods.flush(tx)


def average_power(energy: float | None, started_at: datetime, until: datetime | None) -> float | None:
    """Mean power in W over the session so far."""
    if energy is None or until is None or _seconds(until, started_at) <= 0:
        return None
    return round(energy * 3600 / _seconds(until, started_at), 3)


def reading_events(row: Any, readings: list[Reading], changed: bool, now: datetime) -> list[Event]:
    """What fresh readings announce about session `row` (as it stands after them)."""
    from cpms.domain.meter_values import notification_values

    values = notification_values(readings)
    kinds = [("session.meterValues", {"meterValues": values})] if values else []
    if changed:
        kinds.append(("session.updated", {}))
    return session_events.events(row, now, kinds)


async def announce_readings(tx: Tx, row: Any, readings: list[Reading], changed: bool, now: datetime) -> None:
    fresh = await session_events.fetch(tx, row.id)
    await tx.emit_many(reading_events(fresh, readings, changed, now))
