"""What a session consumed over time, read from its readings: consumption stats and clock-aligned
energy. Read-only; every figure is in Wh and W.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import iso
from cpms.storage.tables.sessions import meter_values

MAX_FINISHED_POINTS = 300


async def readings_of(conn: AsyncConnection, session_ids: list[int]) -> dict[int, list[Any]]:
    """(timestamp, energy register, power) per session, in time order: one query for a page."""
    m = meter_values.c
    out: dict[int, list[Any]] = defaultdict(list)
    if not session_ids:
        return out
    rows = await conn.execute(select(m.session_id, m.timestamp, m.energy, m.power)
                              .where(m.session_id.in_(session_ids)).order_by(m.session_id, m.timestamp, m.id))
    for row in rows.all():
        out[row.session_id].append(row)
    return out


def stats(meter_start: float | None, readings: list[Any], finished: bool) -> list[dict[str, Any]]:
    """Cumulative energy and power at each reading; a finished session's series thinned to 300 points."""
    points = []
    for row in readings:
        if row.energy is None and row.power is None:
            continue
        energy = None
        if row.energy is not None and meter_start is not None:
            energy = max(0.0, row.energy - meter_start)
        points.append({"energy": energy, "power": row.power, "timestamp": iso(row.timestamp)})
    if finished and len(points) > MAX_FINISHED_POINTS:
        step = (len(points) - 1) / (MAX_FINISHED_POINTS - 1)
        points = [points[round(i * step)] for i in range(MAX_FINISHED_POINTS)]
    return points


def _register_at(series: list[tuple[datetime, float]], at: datetime) -> float:
    """The register at `at`, interpolated linearly between the readings around it."""
    if at <= series[0][0]:
        return series[0][1]
    for (t0, e0), (t1, e1) in zip(series, series[1:]):
        if t0 <= at <= t1:
            span = (t1 - t0).total_seconds()
            return e1 if span <= 0 else e0 + (e1 - e0) * (at - t0).total_seconds() / span
    return series[-1][1]


def clock_aligned(started_at: datetime, stopped_at: datetime | None, meter_start: float | None,
                  meter_stop: float | None, readings: list[Any], minutes: int, now: datetime) -> list[dict[str, Any]]:
    """Energy per clock-aligned interval: the first starts with the session, the rest on the minute
    marks of `minutes` (15, 30, 60) past the hour; the last ends with the session (or now)."""
    series = [(started_at, meter_start)] if meter_start is not None else []
    series += [(row.timestamp, row.energy) for row in readings if row.energy is not None]
    end = stopped_at or (series[-1][0] if series else now)
    if stopped_at is not None and meter_stop is not None:
        series.append((stopped_at, meter_stop))
    series = sorted((t, e) for t, e in series if e is not None)
    if len(series) < 1 or end <= started_at:
        return []
    out = []
    start = started_at
    while start < end:
        mark = start.replace(second=0, microsecond=0)
        boundary = mark - timedelta(minutes=mark.minute % minutes) + timedelta(minutes=minutes)
        stop = min(boundary, end)
        energy = max(0.0, _register_at(series, stop) - _register_at(series, start))
        out.append({"start": iso(start), "end": iso(stop), "energyConsumed": int(round(energy)),
                    "energyConsumption": {"total": energy, "local": 0.0, "grid": energy}})
        start = stop
    return out
