"""Many rows in one statement (cpms.storage.bulk): what goes in comes out unchanged, ids match rows,
constraints still decide, on both databases (PostgreSQL binds one array per column)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from cpms.clock import UTC
from cpms.storage.bulk import Lookup, Updates, insert_new, insert_rows, update_rows
from cpms.storage.db import Database
from cpms.storage.tables.core import events
from cpms.storage.tables.sessions import meter_values, sessions
from tests.support import seed
from tests.support.databases import BACKEND

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


def event_row(n: int, data: object) -> dict[str, object]:
    return {"type": f"test.{n}", "entity": "test", "entity_id": str(n), "data": data,
            "created_at": T0 + timedelta(seconds=n)}


async def test_inserted_rows_get_their_own_ids_in_order_and_json_lists_stay_whole(db) -> None:
    # a JSON value that is a list must stay one value, not become a dimension of the column's array
    data = [[{"a": 1}, {"b": [1, 2]}], {"k": "v"}, [], [[1, 2], [3, 4]], {"n": None}]
    rows = [event_row(n, value) for n, value in enumerate(data)]
    async with db.write() as tx:
        ids = await insert_rows(tx.conn, events, rows)
    assert len(ids) == len(set(ids)) == len(rows)
    async with db.read() as conn:
        stored = {r.id: r for r in await conn.execute(select(events))}
    for row_id, row in zip(ids, rows, strict=True):
        assert stored[row_id].type == row["type"]
        assert stored[row_id].data == row["data"]
        assert stored[row_id].created_at == row["created_at"]


async def test_one_row_and_no_rows(db) -> None:
    async with db.write() as tx:
        assert await insert_rows(tx.conn, events, []) == []
        [only] = await insert_rows(tx.conn, events, [event_row(7, {"x": 1})])
        assert await insert_new(tx.conn, events, [], ("id",)) == []
    async with db.read() as conn:
        assert (await conn.execute(select(events.c.type).where(events.c.id == only))).scalar_one() == "test.7"


def reading_row(cp: int, second: int, energy: float) -> dict[str, object]:
    return {"charge_point_id": cp, "timestamp": T0 + timedelta(seconds=second), "energy": energy,
            "samples": [{"measurand": "Energy.Active.Import.Register", "value": energy, "unit": "Wh"}],
            "created_at": T0, "reading_key": "||"}


async def test_insert_new_skips_what_the_unique_constraint_holds_and_returns_only_the_new(db) -> None:
    cp = (await seed.charge_point(db, "BULK-1"))["id"]
    async with db.write() as tx:
        first = await insert_new(tx.conn, meter_values, [reading_row(cp, 1, 10.0), reading_row(cp, 2, 20.0)],
                                 ("timestamp", "energy"))
        again = await insert_new(tx.conn, meter_values, [reading_row(cp, 2, 99.0), reading_row(cp, 3, 30.0),
                                                         reading_row(cp, 3, 31.0)], ("timestamp", "energy"))
    assert sorted((r.timestamp, r.energy) for r in first) == [(T0 + timedelta(seconds=1), 10.0),
                                                               (T0 + timedelta(seconds=2), 20.0)]
    assert [(r.timestamp, r.energy) for r in again] == [(T0 + timedelta(seconds=3), 30.0)]
    async with db.read() as conn:
        stored = (await conn.execute(select(meter_values.c.energy, meter_values.c.samples)
                                     .order_by(meter_values.c.timestamp))).all()
    assert [r.energy for r in stored] == [10.0, 20.0, 30.0]
    assert stored[2].samples == [{"measurand": "Energy.Active.Import.Register", "value": 30.0, "unit": "Wh"}]


async def test_update_rows_changes_each_row_by_its_own_values_and_nothing_else(db) -> None:
    async with db.write() as tx:
        a, b, c = await insert_rows(tx.conn, events, [event_row(n, {"n": n}) for n in range(3)])
        await update_rows(tx.conn, events, {
            a: {"type": "changed.a", "data": [1, 2]},
            b: {"entity_id": None},
            c: {"type": "changed.c", "data": {"deep": [{"x": None}]}},
        })
    async with db.read() as conn:
        got = {r.id: (r.type, r.entity_id, r.data) for r in await conn.execute(select(events))}
    assert got == {a: ("changed.a", "0", [1, 2]), b: ("test.1", None, {"n": 1}),
                   c: ("changed.c", "2", {"deep": [{"x": None}]})}


async def test_a_lookup_finds_rows_by_composite_and_single_keys(db) -> None:
    async with db.write() as tx:
        ids = await insert_rows(tx.conn, events, [event_row(n, {}) for n in range(5)])
    c = events.c
    by_pair = Lookup(lambda matching: select(c.id).where(matching).order_by(c.id), c.type, c.entity_id)
    by_id = Lookup(lambda matching: select(c.id).where(matching).order_by(c.id), c.id)
    async with db.read() as conn:
        pairs = [("test.1", "1"), ("test.3", "3"), ("test.3", "4"), ("nope", "0")]
        assert (await conn.execute(*by_pair(conn, pairs))).scalars().all() == [ids[1], ids[3]]
        assert (await conn.execute(*by_pair(conn, pairs[1:2]))).scalars().all() == [ids[3]]
        assert (await conn.execute(*by_id(conn, [(ids[0],), (ids[4],), (-1,)]))).scalars().all() == [ids[0], ids[4]]
        assert (await conn.execute(*by_id(conn, []))).all() == []


async def test_updates_travel_with_an_insert_and_all_are_written(db) -> None:
    cp = (await seed.charge_point(db, "BULK-2"))["id"]
    async with db.write() as tx:
        readings = await insert_rows(tx.conn, meter_values, [reading_row(cp, n, 1.0) for n in range(3)])
        first, second = await insert_rows(tx.conn, events, [event_row(n, {"n": n}) for n in range(2)])
        updates = Updates()
        updates.add(meter_values, {readings[0]: {"energy": 5.0}, readings[1]: {"energy": 6.0, "power": 7.0}})
        new = await insert_rows(tx.conn, events, [event_row(9, [1])], updates)  # carries them on PostgreSQL
        assert updates.groups == {}
        nothing_to_carry = Updates()
        nothing_to_carry.add(meter_values, {readings[2]: {"context": "Sample.Clock"}})
        assert await insert_rows(tx.conn, events, [], nothing_to_carry) == []
    async with db.read() as conn:
        got = {r.id: (r.energy, r.power, r.context) for r in await conn.execute(select(meter_values))}
        types = dict((await conn.execute(select(events.c.id, events.c.type))).all())
    assert got == {readings[0]: (5.0, None, None), readings[1]: (6.0, 7.0, None),
                   readings[2]: (1.0, None, "Sample.Clock")}
    assert types == {first: "test.0", second: "test.1", new[0]: "test.9"}


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query plan")
async def test_a_lookup_by_composite_keys_uses_the_index_on_sqlite_not_a_table_scan(db) -> None:
    # SQLite never uses an index for a row value IN a list: every batch of meter values scanned sessions
    c = sessions.c
    by_pair = Lookup(lambda matching: select(c.id).where(matching), c.charge_point_id, c.transaction_id)
    async with db.read() as conn:
        statement, params = by_pair(conn, [(1, "a"), (2, "b")])
        sql = str(statement.params(params).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = [row[-1] for row in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert any("ix_sessions_transaction" in step for step in plan), plan
    assert not any(step.startswith("SCAN sessions") for step in plan), plan
