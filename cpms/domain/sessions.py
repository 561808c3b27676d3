"""Transactions as chargers report them: start, meter values, stop. Version-agnostic.

A session is keyed by its charge point and `transaction_id` (the charger's name for it: the
session id in OCPP 1.6, the charger's own string in 2.0.1). What a charger reports is recorded,
never refused: the id token's verdict goes back in the answer and the charger acts on it.

- A start is matched first to its retransmission (same EVSE, id tag, meter start and timestamp:
  the same session answers), then to a remote start waiting on that EVSE for that id tag
  (pending -> active), else it is a new session. A start for an EVSE cpms does not know is
  recorded (flagged `unknown_evse`, no EVSE) and answered Invalid, so the charger ends it.
- A new start on an EVSE that still has an active session closes that one
  (`new_start_transaction_received`): the charger has evidently forgotten it.
- A stop for a transaction cpms never saw (started while cpms was unreachable and lost, or
  another charger's) is recorded as a finished session of this charger (`unknown_transaction`);
  the other charger's session is never touched. The same stop twice changes nothing.
- Meter values for an unknown transaction, or without one, are kept as charger-level readings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from cpms.domain import authorizations as auth
from cpms.domain import charging_periods, meter_values, session_events, session_progress
from cpms.domain.meter_values import Reading
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import connectors, evses
from cpms.storage.tables.sessions import sessions

log = logging.getLogger("cpms.sessions")
s = sessions.c


@dataclass
class Start:
    charge_point_id: int
    evse_network_id: str
    id_tag: str
    meter_start: float
    timestamp: datetime
    transaction_id: str | None = None  # None: the session id becomes the transaction id (OCPP 1.6)
    reservation_id: int | None = None
    readings: list[Reading] = field(default_factory=list)


@dataclass
class Started:
    session_id: int
    transaction_id: str
    verdict: auth.Verdict


@dataclass
class Stop:
    charge_point_id: int
    transaction_id: str
    meter_stop: float
    timestamp: datetime
    reason: str | None = None  # the contract's spelling (lower case OCPP reason)
    id_tag: str | None = None
    readings: list[Reading] = field(default_factory=list)


async def find(tx: Tx, charge_point_id: int, transaction_id: str) -> Any:
    return (await tx.conn.execute(select(sessions).where(s.charge_point_id == charge_point_id,
                                                         s.transaction_id == transaction_id)
                                  .order_by(s.id.desc()).limit(1))).first()


async def find_evse(tx: Tx, charge_point_id: int, network_id: str) -> Any:
    """The EVSE the charger calls `network_id` (exactly, else as the same number) with its first connector."""
    c, e = connectors.c, evses.c
    first = (select(c.id).where(c.evse_id == e.id).order_by(c.number, c.id).limit(1)).scalar_subquery()
    rows = (await tx.conn.execute(select(e.id, e.network_id, e.physical_reference, first.label("connector_id"))
                                  .where(e.charge_point_id == charge_point_id).order_by(e.id))).all()
    exact = [row for row in rows if row.network_id == network_id]
    if exact:
        return exact[0]
    number = _number(network_id)
    return next((row for row in rows if number is not None and _number(row.network_id) == number), None)


def _number(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


async def start(tx: Tx, data: Start, now: datetime, window: timedelta = auth.DEFAULT_START_WINDOW) -> Started:
    evse = await find_evse(tx, data.charge_point_id, data.evse_network_id)
    again = await _retransmitted(tx, data)
    if again is not None:
        verdict = auth.Verdict(again.start_id_tag_status or auth.ACCEPTED,
                               parent_id_tag=auth.user_identifier(again.user_id) if again.user_id else None)
        return Started(again.id, again.transaction_id, verdict)
    if evse is not None:
        waiting = await _waiting_remote_start(tx, data, evse.id, now - window)
        if waiting is not None:
            return await _activate(tx, waiting, data, evse, now)
    verdict = await auth.judge(tx.conn, data.charge_point_id, data.id_tag, now, window)
    evse_id = evse.id if evse is not None else None
    if evse is None:
        log.warning("charge point %s started a transaction on EVSE %r, which cpms does not know: answered Invalid",
                    data.charge_point_id, data.evse_network_id)
        verdict.status = auth.INVALID
        authorization_id, _ = await auth.record(tx, data.charge_point_id, data.id_tag, verdict, now,
                                                rejection="unknown_evse")
    else:
        authorization_id = await _authorization_for(tx, data, verdict, evse_id, now, window)
        await _close_forgotten(tx, evse_id, data.timestamp, now)
    values = {
        "charge_point_id": data.charge_point_id, "evse_id": evse_id,
        "connector_id": evse.connector_id if evse is not None else None, "evse_network_id": data.evse_network_id,
        "status": "active", "user_id": verdict.user_id, "authorization_id": authorization_id, "id_tag": data.id_tag,
        "id_tag_key": auth.key(data.id_tag), "id_tag_label": verdict.label, "start_id_tag_status": verdict.status,
        "started_at": data.timestamp, "meter_start": data.meter_start, "energy": 0.0,
        "evse_physical_reference": evse.physical_reference if evse is not None else None,
        "anomaly": None if evse is not None else "unknown_evse", "attrs": {}, "created_at": now,
        "last_updated_at": now,
    }
    session_id = (await tx.conn.execute(sessions.insert().values(values).returning(s.id))).scalar_one()
    transaction_id = data.transaction_id or str(session_id)
    await tx.conn.execute(sessions.update().where(s.id == session_id).values(transaction_id=transaction_id))
    await charging_periods.open_period(tx, session_id, data.timestamp, data.meter_start)
    await _use_reservation(tx, data, session_id, now)
    row = await session_events.changed(tx, session_id, now, "session.started")
    await _progress(tx, row, data.readings, now)
    return Started(session_id, transaction_id, verdict)


async def _retransmitted(tx: Tx, data: Start) -> Any:
    return (await tx.conn.execute(select(sessions).where(
        s.charge_point_id == data.charge_point_id, s.evse_network_id == data.evse_network_id,
        s.id_tag_key == auth.key(data.id_tag), s.meter_start == data.meter_start, s.started_at == data.timestamp,
        s.status.in_(("active", "finished"))).order_by(s.id.desc()).limit(1))).first()


async def _waiting_remote_start(tx: Tx, data: Start, evse_id: int, since: datetime) -> Any:
    """A remote start on this EVSE for this id tag: pending, or failed only because the answer was late."""
    late = (s.status == "failed") & (s.reason == "charge_point_timeout")
    return (await tx.conn.execute(select(sessions).where(
        s.charge_point_id == data.charge_point_id, s.evse_id == evse_id, s.id_tag_key == auth.key(data.id_tag),
        (s.status == "pending") | late, s.created_at >= since).order_by(s.id.desc()).limit(1))).first()


async def _activate(tx: Tx, row: Any, data: Start, evse: Any, now: datetime) -> Started:
    await _close_forgotten(tx, evse.id, data.timestamp, now, keep=row.id)
    transaction_id = data.transaction_id or str(row.id)
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(
        status="active", reason=None, started_at=data.timestamp, meter_start=data.meter_start, energy=0.0,
        transaction_id=transaction_id, evse_network_id=data.evse_network_id,
        connector_id=row.connector_id or evse.connector_id, start_id_tag_status=auth.ACCEPTED, last_updated_at=now))
    await charging_periods.open_period(tx, row.id, data.timestamp, data.meter_start)
    if row.authorization_id is not None:
        await auth.attach_evse(tx, row.authorization_id, evse.id, now)
    await _use_reservation(tx, data, row.id, now)
    fresh = await session_events.changed(tx, row.id, now, "session.started", "session.updated")
    await _progress(tx, fresh, data.readings, now)
    verdict = auth.Verdict(auth.ACCEPTED, user_id=row.user_id,
                           parent_id_tag=auth.user_identifier(row.user_id) if row.user_id else None)
    return Started(row.id, transaction_id, verdict)


async def _authorization_for(tx: Tx, data: Start, verdict: auth.Verdict, evse_id: int, now: datetime,
                             window: timedelta) -> int:
    """The authorization behind this start: the remote start's, the charger's own recent Authorize, or a new one."""
    existing = verdict.remote_authorization_id
    if existing is None and verdict.accepted:
        existing = await auth.unused_accepted(tx.conn, data.charge_point_id, data.id_tag, now - window)
    if existing is not None:
        await auth.attach_evse(tx, existing, evse_id, now)
        return existing
    return (await auth.record(tx, data.charge_point_id, data.id_tag, verdict, now, evse_id=evse_id))[0]


async def _close_forgotten(tx: Tx, evse_id: int, at: datetime, now: datetime, keep: int | None = None) -> None:
    where = [s.evse_id == evse_id, s.status == "active"]
    if keep is not None:
        where.append(s.id != keep)
    for row in (await tx.conn.execute(select(sessions).where(*where))).all():
        log.warning("EVSE %s started a new transaction while session %s was active: closing it", evse_id, row.id)
        await _finish(tx, row, max(at, row.started_at), None, "new_start_transaction_received", now)


async def _use_reservation(tx: Tx, data: Start, session_id: int, now: datetime) -> None:
    if data.reservation_id is not None:
        from cpms.domain import reservations

        await reservations.use(tx, data.charge_point_id, data.reservation_id, session_id, now)


async def _progress(tx: Tx, row: Any, readings: list[Reading], now: datetime) -> None:
    fresh = await meter_values.store(tx, row.charge_point_id, readings, now, session_id=row.id, evse_id=row.evse_id,
                                     evse_network_id=row.evse_network_id)
    if fresh and row.status == "active":
        changed = await session_progress.apply(tx, row, fresh, now)
        await session_progress.announce_readings(tx, row, fresh, changed, now)


async def record_meter_values(tx: Tx, charge_point_id: int, evse_network_id: str | None,
                              transaction_id: str | None, readings: list[Reading], now: datetime) -> int | None:
    """Store readings; those of a known transaction move its session. Returns the session id, if any."""
    row = await find(tx, charge_point_id, transaction_id) if transaction_id is not None else None
    if row is None:
        if transaction_id is not None:
            log.warning("charge point %s sent meter values for transaction %s, which it does not have in cpms%s: "
                        "kept as charger-level readings", charge_point_id, transaction_id,
                        await _owner(tx, charge_point_id, transaction_id))
        evse = None
        if evse_network_id not in (None, "0"):
            evse = await find_evse(tx, charge_point_id, evse_network_id)
        await meter_values.store(tx, charge_point_id, readings, now, session_id=None,
                                 evse_id=evse.id if evse is not None else None, evse_network_id=evse_network_id)
        return None
    await _progress(tx, row, readings, now)
    return int(row.id)


async def _owner(tx: Tx, charge_point_id: int, transaction_id: str) -> str:
    """For the log: the charge point that does own such a transaction, if one does."""
    other = (await tx.conn.execute(select(s.charge_point_id).where(s.transaction_id == transaction_id,
                                                                   s.charge_point_id != charge_point_id)
                                   .limit(1))).scalar()
    return f" (it is charge point {other}'s)" if other is not None else ""


async def stop(tx: Tx, data: Stop, now: datetime) -> auth.Verdict | None:
    """Finish the transaction; returns the verdict on the stop's id tag (None without one)."""
    row = await find(tx, data.charge_point_id, data.transaction_id)
    if row is None:
        log.warning("charge point %s stopped transaction %s, which it does not have in cpms%s: recorded as a "
                    "finished session of its own", data.charge_point_id, data.transaction_id,
                    await _owner(tx, data.charge_point_id, data.transaction_id))
        row = await _orphan(tx, data, now)
    elif row.status == "finished" and row.meter_stop is not None:
        pass  # a retransmission: answered again, nothing changes
    else:
        await _progress(tx, row, data.readings, now)
        row = await session_events.fetch(tx, row.id)
        await _finish(tx, row, data.timestamp, data.meter_stop, row.reason or data.reason or "local", now)
    if data.id_tag is None:
        return None
    return await auth.judge(tx.conn, data.charge_point_id, data.id_tag, now, exclude_session=row.id)


async def _orphan(tx: Tx, data: Stop, now: datetime) -> Any:
    registers = [(r.timestamp, r.energy) for r in sorted(data.readings, key=lambda r: r.timestamp)
                 if r.energy is not None]
    started_at = min([r.timestamp for r in data.readings], default=data.timestamp)
    meter_start = registers[0][1] if registers else data.meter_stop
    values = {
        "charge_point_id": data.charge_point_id, "transaction_id": data.transaction_id, "status": "active",
        "id_tag": data.id_tag, "id_tag_key": auth.key(data.id_tag) if data.id_tag else None,
        "started_at": min(started_at, data.timestamp), "meter_start": meter_start, "energy": 0.0,
        "anomaly": "unknown_transaction", "attrs": {}, "created_at": now, "last_updated_at": now,
    }
    session_id = (await tx.conn.execute(sessions.insert().values(values).returning(s.id))).scalar_one()
    await charging_periods.open_period(tx, session_id, values["started_at"], meter_start)
    row = await session_events.changed(tx, session_id, now, "session.started")
    await _progress(tx, row, data.readings, now)
    row = await session_events.fetch(tx, session_id)
    await _finish(tx, row, data.timestamp, data.meter_stop, data.reason or "local", now)
    return await session_events.fetch(tx, session_id)


async def _finish(tx: Tx, row: Any, at: datetime, meter_stop: float | None, reason: str | None,
                  now: datetime) -> None:
    """The session ends at `at`; with `meter_stop` its energy is final (cpms closing it alone: last known)."""
    energy = row.energy
    if meter_stop is not None and row.meter_start is not None:
        energy = max(0.0, meter_stop - row.meter_start)
    stopped_at = max(at, row.started_at)
    await tx.conn.execute(sessions.update().where(s.id == row.id).values(
        status="finished", stopped_at=stopped_at, meter_stop=meter_stop, energy=energy, reason=reason,
        last_register=meter_stop if meter_stop is not None else row.last_register,
        power_average=session_progress.average_power(energy, row.started_at, stopped_at), last_updated_at=now))
    await session_progress.account_stop(tx, row, stopped_at, meter_stop)
    kinds = ("session.stopped", "session.updated") if row.status != "finished" else ("session.updated",)
    await session_events.changed(tx, row.id, now, *kinds)


async def close_by_cpms(tx: Tx, session_id: int, reason: str, now: datetime) -> bool:
    """cpms ends an active session itself (force stop): energy as last known until the charger reports."""
    row = await session_events.fetch(tx, session_id)
    if row is None or row.status != "active":
        return False
    await _finish(tx, row, now, None, reason, now)
    return True
