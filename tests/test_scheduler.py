"""The scheduler sweeps what time made due, without any request arriving."""

from datetime import timedelta

from sqlalchemy import select

from cpms.clock import FrozenClock
from cpms.scheduler import Scheduler
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.ocpp import network_status_logs
from tests.support import seed


async def test_a_charger_gone_for_a_day_becomes_long_term_unavailable(server) -> None:
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-GONE", network_status="temporarily_unavailable")
    now = server.rt.clock.now()
    async with db.write() as tx:
        await tx.conn.execute(network_status_logs.insert().values(
            charge_point_id=cp["id"], status="temporarily_unavailable", created_at=now - timedelta(hours=25)))
    server.rt.clock = FrozenClock(now)
    await Scheduler(server.rt).tick()
    async with db.read() as conn:
        status = (await conn.execute(select(charge_points.c.network_status)
                                     .where(charge_points.c.id == cp["id"]))).scalar_one()
    assert status == "long-term_unavailable"


async def test_a_recent_absence_is_left_alone(server) -> None:
    db = server.rt.db
    cp = await seed.charge_point(db, "CP-BRIEF", network_status="temporarily_unavailable")
    async with db.write() as tx:
        await tx.conn.execute(network_status_logs.insert().values(
            charge_point_id=cp["id"], status="temporarily_unavailable", created_at=server.rt.clock.now()))
    await Scheduler(server.rt).tick()
    async with db.read() as conn:
        status = (await conn.execute(select(charge_points.c.network_status)
                                     .where(charge_points.c.id == cp["id"]))).scalar_one()
    assert status == "temporarily_unavailable"
