"""Group commit: many writers share transactions, each keeps its own outcome."""

import asyncio

import pytest
from sqlalchemy import func, select

from cpms.events import Event
from cpms.storage.db import Database
from cpms.storage.tables.core import events
from tests.support.databases import BACKEND


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def test_concurrent_jobs_all_commit_and_return_their_values(db) -> None:
    async def job(n: int):
        async def run(tx):
            await tx.emit(Event("test.happened", "test", n))
            return n * 2
        return await db.batch(run)

    results = await asyncio.gather(*(job(n) for n in range(200)))
    assert results == [n * 2 for n in range(200)]
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(events))).scalar_one() == 200


async def test_a_failing_job_is_rolled_back_alone(db) -> None:
    seen: list[Event] = []

    async def listener(batch):
        seen.extend(batch)

    db.on_commit(listener)

    async def good(tx):
        await tx.emit(Event("test.good", "test", 1))

    async def bad(tx):
        await tx.emit(Event("test.bad", "test", 2))
        raise ValueError("boom")

    outcomes = await asyncio.gather(db.batch(good), db.batch(bad), db.batch(good), return_exceptions=True)
    assert isinstance(outcomes[1], ValueError) and outcomes[0] is None and outcomes[2] is None
    async with db.read() as conn:
        types = (await conn.execute(select(events.c.type))).scalars().all()
    assert sorted(types) == ["test.good", "test.good"]
    assert [e.type for e in seen] == ["test.good", "test.good"]


async def test_a_lone_failing_job_gets_its_error_and_writes_nothing(db) -> None:
    seen: list[Event] = []

    async def listener(batch):
        seen.extend(batch)

    db.on_commit(listener)

    async def bad(tx):
        await tx.emit(Event("test.bad", "test", 1))
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await db.batch(bad)  # a batch of its own: run without a savepoint, rolled back whole
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(events))).scalar_one() == 0
    assert seen == []


async def test_bulk_items_submitted_together_share_one_call_in_submission_order(db) -> None:
    calls: list[list[int]] = []

    async def bulk(tx, items):
        calls.append(list(items))
        await tx.emit_many([Event("test.bulk", "test", n) for n in items])
        return [n * 10 for n in items]

    results = await asyncio.gather(*(db.batch_bulk(bulk, n) for n in range(50)))
    assert results == [n * 10 for n in range(50)]
    assert calls == [list(range(50))]
    async with db.read() as conn:
        stored = (await conn.execute(select(events.c.entity_id).order_by(events.c.id))).scalars().all()
    assert stored == [str(n) for n in range(50)]  # ids in the order of the items


async def test_a_failing_bulk_item_fails_alone_and_the_others_are_written(db) -> None:
    async def bulk(tx, items):
        if 13 in items:
            raise ValueError("unlucky")
        await tx.emit_many([Event("test.bulk", "test", n) for n in items])
        return items

    outcomes = await asyncio.gather(*(db.batch_bulk(bulk, n) for n in range(20)), return_exceptions=True)
    assert isinstance(outcomes[13], ValueError)
    assert [o for n, o in enumerate(outcomes) if n != 13] == [n for n in range(20) if n != 13]
    async with db.read() as conn:
        stored = (await conn.execute(select(events.c.entity_id).order_by(events.c.id))).scalars().all()
    assert stored == [str(n) for n in range(20) if n != 13]


async def test_plain_jobs_between_bulk_items_keep_their_place(db) -> None:
    order: list[str] = []

    async def bulk(tx, items):
        order.append("bulk " + ",".join(items))
        return items

    def job(name):
        async def run(tx):
            order.append(name)
        return run

    await asyncio.gather(db.batch_bulk(bulk, "a"), db.batch_bulk(bulk, "b"), db.batch(job("job")),
                         db.batch_bulk(bulk, "c"))
    assert order == ["bulk a,b", "job", "bulk c"]


# -- two batches in flight (PostgreSQL): what a key lets through and what it holds back ------------

on_postgres = pytest.mark.skipif(BACKEND != "postgres", reason="SQLite commits one batch at a time")


class Held:
    """A write that stays in flight, uncommitted, until released."""

    def __init__(self, db: Database, key, name: str = "held") -> None:
        self.started, self.gate = asyncio.Event(), asyncio.Event()
        self.name = name

        async def job(tx):
            await tx.emit(Event("test.written", "test", name))
            self.started.set()
            await self.gate.wait()
            return name

        self.task = asyncio.ensure_future(db.batch(job, key=key))

    async def release(self) -> str:
        self.gate.set()
        return await self.task


def seen_by(names: list[str]):
    """A job that answers which writes it sees committed (READ COMMITTED: an uncommitted one is invisible)."""
    async def job(tx):
        rows = await tx.conn.execute(select(events.c.entity_id).where(events.c.type == "test.written"))
        return sorted(set(rows.scalars().all()) & set(names))
    return job


def test_sqlite_keeps_one_batch_in_flight(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", write_batches=2)
    assert db.batcher.in_flight == 1


@on_postgres
async def test_a_write_of_another_key_commits_while_a_batch_is_in_flight(db) -> None:
    held = await _started(Held(db, key=1))
    assert await asyncio.wait_for(db.batch(seen_by(["held"]), key=2), 30) == []  # committed beside it
    assert not held.task.done()
    assert await held.release() == "held"


@on_postgres
async def test_a_write_of_the_same_key_waits_for_the_batch_in_flight(db) -> None:
    held = await _started(Held(db, key=1))
    other = asyncio.ensure_future(db.batch(seen_by(["held"]), key=2))
    later = asyncio.ensure_future(db.batch(seen_by(["held"]), key=1))
    assert await other == []  # the other key went ahead; had the same key joined it, it would be done too
    assert not later.done()
    await held.release()
    assert await later == ["held"]


@on_postgres
async def test_a_write_without_key_waits_for_the_batch_in_flight(db) -> None:
    held = await _started(Held(db, key=1))
    other = asyncio.ensure_future(db.batch(seen_by(["held"]), key=2))
    unkeyed = asyncio.ensure_future(db.batch(seen_by(["held"])))
    assert await other == []
    assert not unkeyed.done()
    await held.release()
    assert await unkeyed == ["held"]


async def _started(held: Held) -> Held:
    await asyncio.wait_for(held.started.wait(), 30)
    return held
