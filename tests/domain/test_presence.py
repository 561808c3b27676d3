"""Network status in bulk: a reconnect storm's changes in one write keep their order and their events."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from cpms.clock import UTC
from cpms.domain import presence
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.core import events
from cpms.storage.tables.ocpp import network_status_logs
from tests.support import seed

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def test_many_changes_in_one_write_are_applied_in_order(server) -> None:
    db = server.rt.db
    ids = [(await seed.charge_point(db, f"STORM-{n}", evse_count=1))["id"] for n in range(3)]
    later = T0 + timedelta(seconds=1)
    changes = [(cp, presence.AVAILABLE, T0) for cp in ids]
    changes += [(ids[0], presence.TEMPORARILY_UNAVAILABLE, later), (ids[0], presence.AVAILABLE, later),
                (ids[1], presence.AVAILABLE, later)]  # the last changes nothing
    async with db.write() as tx:
        changed = await presence.record_many(tx, changes)
    assert changed == [True, True, True, True, True, False]
    async with db.read() as conn:
        rows = {r.id: r for r in (await conn.execute(select(charge_points).where(charge_points.c.id.in_(ids))))}
        logs = (await conn.execute(select(network_status_logs.c.charge_point_id, network_status_logs.c.status)
                                   .order_by(network_status_logs.c.id))).all()
        announced = (await conn.execute(select(events.c.entity_id, events.c.data)
                                        .where(events.c.type == "chargePoint.networkStatus")
                                        .order_by(events.c.id))).all()
    assert all(rows[cp].network_status == presence.AVAILABLE and rows[cp].first_contact_at == T0 for cp in ids)
    assert [tuple(log) for log in logs][-2:] == [(ids[0], presence.TEMPORARILY_UNAVAILABLE),
                                                (ids[0], presence.AVAILABLE)]
    assert [(int(e), d["networkStatus"], d["previous"]) for e, d in announced][-2:] == [
        (ids[0], presence.TEMPORARILY_UNAVAILABLE, presence.AVAILABLE),
        (ids[0], presence.AVAILABLE, presence.TEMPORARILY_UNAVAILABLE)]
