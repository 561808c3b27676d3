"""Meter values of many chargers at once: the hot path of a busy network, in a few statements.

A charger reports its running transaction's readings every few seconds (OCPP 1.6 MeterValues,
2.0.1 TransactionEvent Updated). Each report must be durable before its answer, and a batch of
them shares one group commit (`Database.batch_bulk`). Taken one by one, a report costs a dozen
statements; here a whole batch costs about six: the sessions of the batch in one SELECT, all
readings in one INSERT (the unique constraint drops retransmissions), their open charging
periods in one SELECT, then one executemany each for the periods, the sessions and the events.

The rules are those of `cpms.domain.sessions` (`session_progress.progress` and
`charging_periods.Periods` are shared): only a plain report on an active session is taken here.
Anything else (an unknown transaction, a session not active, a 2.0.1 event that carries more
than readings or was seen before) is handed to the report's `otherwise` job, in order, after
what came before it was written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from cpms.domain import meter_values, session_events, session_progress, sessions
from cpms.domain.charging_periods import Periods, open_period_of, with_open_period
from cpms.domain.meter_values import Reading
from cpms.storage.bulk import Lookup, Updates
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import sessions as sessions_table

Job = Callable[[Tx], Awaitable[Any]]


@dataclass
class Report:
    charge_point_id: int
    transaction_id: str
    readings: list[Reading]
    now: datetime
    # the whole message, as `cpms.domain.sessions` takes it: for what is no plain report
    otherwise: Job
    charging: bool | None = None  # 2.0.1 chargingState, told at `at`
    at: datetime | None = None
    seq_no: int | None = None  # 2.0.1: kept with the session; one not above the highest seen is a replay
    evse_network_id: str | None = None  # 2.0.1: the EVSE the event names (naming it first is no plain report)


def meter_values_report(charge_point_id: int, evse_network_id: str | None, transaction_id: str,
                        readings: list[Reading], now: datetime) -> Report:
    """An OCPP 1.6 MeterValues for a transaction; what it is not, `sessions.record_meter_values` does."""
    async def otherwise(tx: Tx) -> int | None:
        return await sessions.record_meter_values(tx, charge_point_id, evse_network_id, transaction_id, readings, now)
    return Report(charge_point_id, transaction_id, readings, now, otherwise)


async def record(tx: Tx, reports: list[Report]) -> list[Any]:
    """Apply `reports` in order; per report, its session id (or what its `otherwise` job returned)."""
    results: list[Any] = [None] * len(reports)
    pending = _Pending()
    rows = await _sessions(tx, reports)
    for index, report in enumerate(reports):
        row = rows.get(report_key(report))
        if row is not None and row.id in pending.sessions:  # a second report on it: judged on what the first did
            await pending.write(tx)
            rows = await _sessions(tx, reports[index:])
            row = rows.get(report_key(report))
        if _plain(report, row):
            pending.add(index, report, row)
            results[index] = int(row.id)
            continue
        await pending.write(tx)  # what came before is written first: order is kept
        results[index] = await report.otherwise(tx)
        rows = await _sessions(tx, reports[index + 1:])
    await pending.write(tx)
    return results


def report_key(report: Report) -> tuple[int, str]:
    return report.charge_point_id, report.transaction_id


_SESSIONS = Lookup(lambda matching: with_open_period(
    select(sessions_table).where(matching).order_by(sessions_table.c.id), sessions_table.c.id),
    sessions_table.c.charge_point_id, sessions_table.c.transaction_id)


async def _sessions(tx: Tx, reports: list[Report]) -> dict[tuple[int, str], Any]:
    """The newest session of each (charge point, transaction id) of the reports, with its open
    charging period (`charging_periods.open_period_of`): one SELECT."""
    keys = sorted({report_key(r) for r in reports})
    if not keys:
        return {}
    found: dict[tuple[int, str], Any] = {}
    rows = await tx.conn.execute(*_SESSIONS(tx.conn, keys))
    for row in rows.all():
        found[(row.charge_point_id, row.transaction_id)] = row
    return found


def _plain(report: Report, row: Any) -> bool:
    if row is None or row.status != "active":
        return False
    if report.evse_network_id is not None and row.evse_network_id is None:
        return False
    if report.seq_no is not None:
        highest = sessions.charger_state(row).get("seqNo")
        return highest is None or report.seq_no > highest
    return True


class _Pending:
    """Plain reports taken but not written yet (at most one per session)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, Report, Any]] = []
        self.sessions: set[int] = set()

    def add(self, index: int, report: Report, row: Any) -> None:
        self.items.append((index, report, row))
        self.sessions.add(row.id)

    async def write(self, tx: Tx) -> None:
        if not self.items:
            return
        items, self.items, self.sessions = self.items, [], set()
        fresh_lists = await meter_values.store_many(tx, [
            meter_values.Batch(r.charge_point_id, r.readings, row.id, row.evse_id, row.evse_network_id)
            for _, r, row in items], items[0][1].now)
        periods = Periods({row.id: period for _, _, row in items if (period := open_period_of(row)) is not None})
        changes: dict[int, dict[str, Any]] = {}
        events = []
        for (_, report, row), fresh in zip(items, fresh_lists, strict=True):
            values: dict[str, Any] = {}
            moments = session_progress.moments(fresh, report.charging, report.at)
            if moments:
                progress, changed = session_progress.progress(row, moments, periods, charging=report.charging)
                if progress is not None:
                    values.update(progress, last_updated_at=report.now if changed else row.last_updated_at)
                    if fresh:
                        events.extend(session_progress.reading_events(session_events.updated(row, values), fresh,
                                                                      changed, report.now))
            if report.seq_no is not None:
                state = {**sessions.charger_state(row), "seqNo": report.seq_no}
                values["attrs"] = {**(row.attrs or {}), "charger": state}
            if values:
                changes[row.id] = values
        updates = Updates()  # periods, sessions and events: one statement on PostgreSQL
        await periods.flush(tx, updates)
        updates.add(sessions_table, changes)
        await tx.emit_many(events, updates)
