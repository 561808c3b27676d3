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


async def test_a_tick_folds_the_row_counts_into_one_row_per_table(server) -> None:
    from sqlalchemy import func

    from cpms.storage.tables.core import row_counts

    for n in range(3):
        await seed.charge_point(server.rt.db, f"CP-FOLD-{n}")
    await Scheduler(server.rt).tick()
    async with server.rt.db.read() as conn:
        rows = (await conn.execute(select(row_counts.c.table_name, func.count(), func.sum(row_counts.c.n))
                                   .where(row_counts.c.table_name.in_(["charge_points", "evses"]))
                                   .group_by(row_counts.c.table_name).order_by(row_counts.c.table_name))).all()
    assert [tuple(row) for row in rows] == [("charge_points", 1, 3), ("evses", 1, 6)]
