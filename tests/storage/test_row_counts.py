"""Row counts kept by the database: exact after inserts, deletes, cascades and rollbacks."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, func, insert, select, text

from cpms.api.operations import load
from cpms.resources.binding import operations_at
from cpms.storage import row_counts
from cpms.storage.db import Database
from cpms.storage.tables.charge_points import charge_points, evses
from cpms.storage.tables.core import row_counts as counts_table
from tests.support import seed


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def totals(db: Database) -> tuple[int | None, int, int | None, int]:
    """(counted, actual) for charge points and EVSEs."""
    async with db.read() as conn:
        return (await row_counts.total(conn, "charge_points"),
                (await conn.execute(select(func.count()).select_from(charge_points))).scalar_one(),
                await row_counts.total(conn, "evses"),
                (await conn.execute(select(func.count()).select_from(evses))).scalar_one())


def evse_rows(cp_id: int, numbers: range) -> list[dict]:
    from cpms.clock import Clock

    now = Clock().now()
    return [{"charge_point_id": cp_id, "network_id": str(n), "physical_reference": f"{cp_id}-{n}", "status": "enabled",
             "current_type": "ac", "attrs": {}, "created_at": now, "last_updated_at": now} for n in numbers]


async def test_a_fresh_database_counts_zero_rows(db) -> None:
    assert await totals(db) == (0, 0, 0, 0)


async def test_inserts_and_deletes_one_by_one_and_in_bulk_are_counted(db) -> None:
    cps = [await seed.charge_point(db, f"RC-{n}", evse_count=2) for n in range(3)]
    assert await totals(db) == (3, 3, 6, 6)
    async with db.write() as tx:
        await tx.conn.execute(insert(evses), evse_rows(cps[0]["id"], range(10, 60)))
    assert await totals(db) == (3, 3, 56, 56)
    async with db.write() as tx:
        await tx.conn.execute(delete(evses).where(evses.c.network_id.in_(["10", "11", "12"])))
        await tx.conn.execute(delete(evses).where(evses.c.network_id == "no such EVSE"))
    assert await totals(db) == (3, 3, 53, 53)


async def test_rows_deleted_by_a_cascade_are_counted(db) -> None:
    cp = await seed.charge_point(db, "RC-CASCADE", evse_count=4)
    await seed.charge_point(db, "RC-STAYS", evse_count=1)
    async with db.write() as tx:
        await tx.conn.execute(delete(charge_points).where(charge_points.c.id == cp["id"]))
    assert await totals(db) == (1, 1, 1, 1)


async def test_a_rolled_back_transaction_leaves_the_counts_as_they_were(db) -> None:
    cp = await seed.charge_point(db, "RC-ROLLBACK", evse_count=2)
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await tx.conn.execute(insert(evses), evse_rows(cp["id"], range(10, 20)))
            await tx.conn.execute(delete(charge_points))
            raise RuntimeError("the request failed half-way")
    assert await totals(db) == (1, 1, 2, 2)


async def test_concurrent_writers_are_all_counted(db) -> None:
    cp = await seed.charge_point(db, "RC-CONCURRENT", evse_count=0)

    async def writer(k: int) -> None:
        for n in range(5):
            async with db.write() as tx:
                await tx.conn.execute(insert(evses), evse_rows(cp["id"], range(100 * k + 10 * n, 100 * k + 10 * n + 3)))

    await asyncio.gather(*(writer(k) for k in range(6)))
    assert await totals(db) == (1, 1, 90, 90)


async def test_compacting_keeps_every_total_and_leaves_one_row_per_table(db) -> None:
    for n in range(4):
        await seed.charge_point(db, f"RC-COMPACT-{n}", evse_count=3)
    async with db.write() as tx:
        await row_counts.compact(tx.conn)
    assert await totals(db) == (4, 4, 12, 12)
    async with db.read() as conn:
        pieces = (await conn.execute(select(func.count()).select_from(counts_table)
                                     .where(counts_table.c.table_name == "evses"))).scalar_one()
    assert pieces == 1


async def test_a_truncated_table_counts_zero(db) -> None:
    await seed.charge_point(db, "RC-TRUNCATE", evse_count=2)
    async with db.write() as tx:
        if db.is_sqlite:
            await tx.conn.execute(text("DELETE FROM connectors"))
            await tx.conn.execute(text("DELETE FROM evses"))
        else:
            await tx.conn.execute(text("TRUNCATE evses CASCADE"))
    assert await totals(db) == (1, 1, 0, 0)


async def test_a_table_without_a_counter_has_no_total(db) -> None:
    async with db.read() as conn:
        assert await row_counts.total(conn, "connectors") is None


async def test_every_table_listed_page_style_as_a_whole_is_counted(db) -> None:
    """A page-style listing of a table without a counter would count its rows on every request."""
    listed = {binding.resource.table.name for binding in load().bindings
              for op, kind, _ in operations_at(binding.path)
              if kind == "collection" and op.method == "GET" and op.pagination in ("page", "both")
              and not any(parent.column for parent in binding.parents.values())}
    async with db.read() as conn:
        for table in sorted(listed):
            assert await row_counts.total(conn, table) is not None, f"{table} has no row counter"
