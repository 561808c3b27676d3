"""Charging periods: a session cut where it switches between charging and idle.

A session opens a `charging` period when it starts. Between two readings the session was
charging if the energy register moved, idle if it stood still; the period switches at the earlier
reading. A charger that samples power but no energy register is charging from a reading on when
its power is above zero. The stop closes the last period. A period's energy is the register's
progress within it. OCPP 2.0.1 says the state outright (TransactionEvent chargingState): its
layer passes `charging`, which holds from the event on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from cpms.storage.db import Tx
from cpms.storage.tables.sessions import charging_periods

CHARGING, IDLE = "charging", "idle"


async def open_period(tx: Tx, session_id: int, at: datetime, register: float | None, charging: bool = True) -> None:
    state = CHARGING if charging else IDLE
    await tx.conn.execute(charging_periods.insert().values(session_id=session_id, started_at=at, energy_start=register,
                                                           energy=0.0, state=state, charging_state=state))


async def _current(tx: Tx, session_id: int) -> Any:
    p = charging_periods.c
    return (await tx.conn.execute(select(charging_periods).where(p.session_id == session_id, p.stopped_at.is_(None))
                                  .order_by(p.id.desc()).limit(1))).first()


def _energy(period: Any, register: float | None) -> float:
    if register is None or period.energy_start is None:
        return float(period.energy or 0.0)
    return max(0.0, register - period.energy_start)


async def advance(tx: Tx, session_id: int, at: datetime, register: float | None, charging: bool | None, *,
                  since: datetime | None = None, previous: float | None = None) -> None:
    """Account a reading at `at`: the open period's energy, and a new period when the state switched.

    `charging` is the state since `since` (the previous reading, when the register's progress
    decided it; else `at`), `previous` the register then.
    """
    period = await _current(tx, session_id)
    if period is None:
        await open_period(tx, session_id, since or at, previous if previous is not None else register,
                          charging if charging is not None else True)
        period = await _current(tx, session_id)
    p = charging_periods.c
    since = since or at
    start = period.energy_start if period.energy_start is not None else previous
    if start is None:  # a period begun before any register reading starts at the first one
        start = register
    switched = charging is not None and (CHARGING if charging else IDLE) != period.charging_state
    if switched and since > period.started_at:
        closing = previous if previous is not None and since < at else register
        await tx.conn.execute(charging_periods.update().where(p.id == period.id)
                              .values(stopped_at=since, energy=_energy(period, closing)))
        await open_period(tx, session_id, since, closing, bool(charging))
        period = await _current(tx, session_id)
        start = period.energy_start
    elif switched:  # the open period began where this state did: it is this state
        state = CHARGING if charging else IDLE
        await tx.conn.execute(charging_periods.update().where(p.id == period.id)
                              .values(state=state, charging_state=state))
    energy = max(0.0, register - start) if register is not None and start is not None else float(period.energy or 0)
    if energy != period.energy or start != period.energy_start:
        await tx.conn.execute(charging_periods.update().where(p.id == period.id)
                              .values(energy=energy, energy_start=start))


async def close(tx: Tx, session_id: int, at: datetime, register: float | None) -> None:
    period = await _current(tx, session_id)
    if period is None:
        return
    p = charging_periods.c
    await tx.conn.execute(charging_periods.update().where(p.id == period.id)
                          .values(stopped_at=max(at, period.started_at), energy=_energy(period, register)))
