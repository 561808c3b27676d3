"""Charging periods: a session cut where it switches between charging and idle.

A session opens a `charging` period when it starts. Between two readings the session was
charging if the energy register moved, idle if it stood still; the period switches at the earlier
reading. A charger that samples power but no energy register is charging from a reading on when
its power is above zero. The stop closes the last period. A period's energy is the register's
progress within it. OCPP 2.0.1 says the state outright (TransactionEvent chargingState): its
layer passes `charging`, which holds from the event on.

`Periods` holds the open periods of some sessions in memory and writes what changed in one go,
so a batch of meter values for many sessions costs a few statements, not a few per reading; the
functions taking a `Tx` are the same rules for one session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select

from cpms.storage.bulk import Lookup, Updates, insert_rows, update_rows
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import charging_periods

CHARGING, IDLE = "charging", "idle"
Period = dict[str, Any]


def _state(charging: bool | None) -> str:
    return CHARGING if charging else IDLE


def _energy(period: Period, register: float | None) -> float:
    if register is None or period["energy_start"] is None:
        return float(period["energy"] or 0.0)
    return max(0.0, register - period["energy_start"])


# an open period's columns beside its session's (`with_open_period`), and the prefix that tells them apart
_PREFIX = "open_period_"
_OPEN_COLUMNS = [c.label(f"{_PREFIX}{c.name}") for c in charging_periods.c]
_OPEN_NAMES = [(c.name, f"{_PREFIX}{c.name}") for c in charging_periods.c]


def with_open_period(statement: Select[Any], session_id: ColumnElement[Any]) -> Select[Any]:
    """`statement` (rows of sessions) with each session's open period beside it: one SELECT for both.
    A session with no open period gets nulls; order by the period's id too, so the newest comes last."""
    p = charging_periods.c
    open_only = and_(p.session_id == session_id, p.stopped_at.is_(None))
    joined = statement.get_final_froms()[0].outerjoin(charging_periods, open_only)
    return statement.add_columns(*_OPEN_COLUMNS).select_from(joined).order_by(p.id)


def open_period_of(row: Any) -> Period | None:
    """The open period read by `with_open_period` in `row`, None when its session has none."""
    columns = row._mapping
    if columns[f"{_PREFIX}id"] is None:
        return None
    return {name: columns[label] for name, label in _OPEN_NAMES}


_OPEN = Lookup(lambda matching: select(charging_periods).where(matching, charging_periods.c.stopped_at.is_(None))
               .order_by(charging_periods.c.id), charging_periods.c.session_id)


class Periods:
    """The open charging periods of some sessions: changed in memory, written by `flush`."""

    def __init__(self, open_periods: dict[int, Period]) -> None:
        self._open = open_periods
        self._new: list[Period] = []
        self._changed: dict[int, dict[str, Any]] = {}

    @classmethod
    async def load(cls, tx: Tx, session_ids: list[int]) -> "Periods":
        found: dict[int, Period] = {}
        if session_ids:
            rows = await tx.conn.execute(*_OPEN(tx.conn, [(session_id,) for session_id in sorted(set(session_ids))]))
            for row in rows.all():
                found[row.session_id] = dict(row._mapping)  # the newest open one
        return cls(found)

    def open(self, session_id: int, at: datetime, register: float | None, charging: bool = True) -> Period:
        state = _state(charging)
        period = {"id": None, "session_id": session_id, "started_at": at, "stopped_at": None,
                  "energy_start": register, "energy": 0.0, "state": state, "charging_state": state}
        self._new.append(period)
        self._open[session_id] = period
        return period

    def _set(self, period: Period, **values: Any) -> None:
        period.update(values)
        if period["id"] is not None:
            self._changed.setdefault(period["id"], {}).update(values)
        if values.get("stopped_at") is not None and self._open.get(period["session_id"]) is period:
            del self._open[period["session_id"]]

    def advance(self, session_id: int, at: datetime, register: float | None, charging: bool | None, *,
                since: datetime | None = None, previous: float | None = None) -> None:
        """Account a reading at `at`: the open period's energy, and a new period when the state switched.

        `charging` is the state since `since` (the previous reading, when the register's progress
        decided it; else `at`), `previous` the register then.
        """
        period = self._open.get(session_id)
        if period is None:
            period = self.open(session_id, since or at, previous if previous is not None else register,
                               charging if charging is not None else True)
        since = since or at
        start = period["energy_start"] if period["energy_start"] is not None else previous
        if start is None:  # a period begun before any register reading starts at the first one
            start = register
        switched = charging is not None and _state(charging) != period["charging_state"]
        if switched and since > period["started_at"]:
            closing = previous if previous is not None and since < at else register
            self._set(period, stopped_at=since, energy=_energy(period, closing))
            period = self.open(session_id, since, closing, bool(charging))
            start = period["energy_start"]
        elif switched:  # the open period began where this state did: it is this state
            self._set(period, state=_state(charging), charging_state=_state(charging))
        energy = max(0.0, register - start) if register is not None and start is not None else float(period["energy"] or 0)
        if energy != period["energy"] or start != period["energy_start"]:
            self._set(period, energy=energy, energy_start=start)

    def close(self, session_id: int, at: datetime, register: float | None) -> None:
        period = self._open.get(session_id)
        if period is not None:
            self._set(period, stopped_at=max(at, period["started_at"]), energy=_energy(period, register))

    async def flush(self, tx: Tx, updates: Updates | None = None) -> None:
        """Write the periods opened and the changes made since the last flush (the changes join
        `updates` when given, to be sent with a later insert)."""
        if self._new:
            rows = [{k: v for k, v in period.items() if k != "id"} for period in self._new]
            ids = await insert_rows(tx.conn, charging_periods, rows)
            for period, period_id in zip(self._new, ids, strict=True):
                period["id"] = period_id
            self._new = []
        if self._changed:
            if updates is not None:
                updates.add(charging_periods, self._changed)
            else:
                await update_rows(tx.conn, charging_periods, self._changed)
            self._changed = {}


async def open_period(tx: Tx, session_id: int, at: datetime, register: float | None, charging: bool = True) -> None:
    periods = Periods({})
    periods.open(session_id, at, register, charging)
    await periods.flush(tx)


async def advance(tx: Tx, session_id: int, at: datetime, register: float | None, charging: bool | None, *,
                  since: datetime | None = None, previous: float | None = None) -> None:
    """`Periods.advance` for one session, written at once."""
    periods = await Periods.load(tx, [session_id])
    periods.advance(session_id, at, register, charging, since=since, previous=previous)
    await periods.flush(tx)


async def close(tx: Tx, session_id: int, at: datetime, register: float | None) -> None:
    periods = await Periods.load(tx, [session_id])
    periods.close(session_id, at, register)
    await periods.flush(tx)
