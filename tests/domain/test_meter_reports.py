"""Meter values of many chargers in one bulk write (cpms.domain.meter_reports) follow exactly the
rules of one message at a time (cpms.domain.sessions): same sessions, periods, readings, events."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from cpms.clock import UTC
from cpms.domain import meter_reports, sessions
from cpms.domain.meter_values import Reading, sample
from cpms.storage.tables.core import events
from cpms.storage.tables.sessions import charging_periods, meter_values
from cpms.storage.tables.sessions import sessions as sessions_table
from tests.ocpp.transactions_support import tag
from tests.support import seed

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def reading(minutes: int, energy: float | None = None, power: float | None = None, soc: float | None = None,
            context: str | None = None) -> Reading:
    samples = []
    if energy is not None:
        samples.append(sample(None, str(energy), "Wh", context=context))
    if power is not None:
        samples.append(sample("Power.Active.Import", str(power), "W", context=context))
    if soc is not None:
        samples.append(sample("SoC", str(soc), location="EV", context=context))
    return Reading(T0 + timedelta(minutes=minutes), samples)


# what each charger reports, message by message: charging, standing still (idle), charging again,
# a retransmission, a reading older than the newest, two readings at once, SoC alone
MESSAGES = [
    [reading(1, 100, 6000)],
    [reading(2, 100)],
    [reading(3, 400, 9000, soc=40)],
    [reading(3, 400, 9000, soc=40)],
    [reading(2, 50)],
    [reading(4, 500), reading(5, 900, context="Sample.Clock")],
    [reading(6, soc=45)],
]


async def started(db: Any, identity: str) -> tuple[int, str]:
    cp = await seed.charge_point(db, identity)
    await tag(db, f"TAG-{identity}")
    async with db.write() as tx:
        begun = await sessions.start(tx, sessions.Start(cp["id"], "1", f"TAG-{identity}", 0, T0), NOW)
    return cp["id"], begun.transaction_id


async def picture(db: Any, session_id: int) -> dict[str, Any]:
    """What a session is made of, without its ids."""
    async with db.read() as conn:
        row = (await conn.execute(select(sessions_table).where(sessions_table.c.id == session_id))).one()
        periods = (await conn.execute(select(charging_periods.c.started_at, charging_periods.c.stopped_at,
                                             charging_periods.c.energy_start, charging_periods.c.energy,
                                             charging_periods.c.state)
                                      .where(charging_periods.c.session_id == session_id)
                                      .order_by(charging_periods.c.id))).all()
        stored = (await conn.execute(select(meter_values.c.timestamp, meter_values.c.context, meter_values.c.energy,
                                            meter_values.c.power, meter_values.c.soc)
                                     .where(meter_values.c.session_id == session_id)
                                     .order_by(meter_values.c.id))).all()
        announced = (await conn.execute(select(events.c.type, events.c.data)
                                        .where(events.c.entity == "session", events.c.entity_id == str(session_id),
                                               events.c.type.in_(("session.meterValues", "session.updated")))
                                        .order_by(events.c.id))).all()
    figures = ("energy", "power_latest", "power_peak", "power_average", "soc_percent", "last_register",
               "last_reading_at", "meter_start", "last_updated_at", "status")
    return {"session": {name: getattr(row, name) for name in figures}, "periods": [tuple(p) for p in periods],
            "readings": [tuple(r) for r in stored],
            "events": [(kind, _anonymous(data)) for kind, data in announced]}


def _anonymous(data: dict[str, Any]) -> dict[str, Any]:
    session = {k: v for k, v in data["session"].items() if k not in ("id", "chargePointId", "evseId", "connectorId",
                                                                     "authorizationId", "idTag", "transactionId")}
    return {**{k: v for k, v in data.items() if k not in ("sessionId", "chargePointId", "evseId")}, "session": session}


async def test_a_batch_of_reports_ends_where_the_messages_one_by_one_end(server) -> None:
    db = server.rt.db
    alone = [await started(db, f"ALONE-{n}") for n in range(3)]
    together = [await started(db, f"TOGETHER-{n}") for n in range(3)]
    for message in MESSAGES:
        for cp, transaction in alone:
            await db.batch(lambda tx, cp=cp, transaction=transaction: sessions.record_meter_values(
                tx, cp, "1", transaction, message, NOW))
        await asyncio.gather(*(db.batch_bulk(meter_reports.record, meter_reports.meter_values_report(
            cp, "1", transaction, message, NOW)) for cp, transaction in together))
    expected = await picture(db, int(alone[0][1]))
    assert len(expected["readings"]) == 6 and [p[4] for p in expected["periods"]] == ["charging", "idle", "charging"]
    assert [kind for kind, _ in expected["events"]].count("session.meterValues") == 5
    for _, transaction in together:
        assert await picture(db, int(transaction)) == expected


async def test_the_same_reading_twice_in_one_batch_is_stored_once(server) -> None:
    db = server.rt.db
    cp, transaction = await started(db, "TWICE")
    report = meter_reports.meter_values_report(cp, "1", transaction, [reading(1, 100)], NOW)
    await asyncio.gather(db.batch_bulk(meter_reports.record, report), db.batch_bulk(meter_reports.record, report))
    await db.batch_bulk(meter_reports.record, report)
    seen = await picture(db, int(transaction))
    assert len(seen["readings"]) == 1 and seen["session"]["energy"] == 100
    # the start's update, then the reading's, told once
    assert [kind for kind, _ in seen["events"]] == ["session.updated", "session.meterValues", "session.updated"]


async def test_an_unknown_transaction_in_a_batch_is_kept_and_logged_and_the_others_go_on(server, caplog) -> None:
    db = server.rt.db
    cp, transaction = await started(db, "KNOWN")
    caplog.set_level(logging.WARNING, "cpms.sessions")
    results = await asyncio.gather(
        db.batch_bulk(meter_reports.record, meter_reports.meter_values_report(cp, "1", transaction,
                                                                              [reading(1, 100)], NOW)),
        db.batch_bulk(meter_reports.record, meter_reports.meter_values_report(cp, "1", "999999",
                                                                              [reading(1, 7)], NOW)),
        db.batch_bulk(meter_reports.record, meter_reports.meter_values_report(cp, "1", transaction,
                                                                              [reading(2, 300)], NOW)))
    assert results == [int(transaction), None, int(transaction)]
    assert "999999" in caplog.text
    async with db.read() as conn:
        charger_level = (await conn.execute(select(meter_values.c.energy)
                                            .where(meter_values.c.session_id.is_(None)))).scalars().all()
    assert charger_level == [7]
    assert (await picture(db, int(transaction)))["session"]["energy"] == 300
