"""Group commit: many writers share transactions, each keeps its own outcome."""

import asyncio

import pytest
from sqlalchemy import func, select

from cpms.events import Event
from cpms.storage.db import Database
from cpms.storage.tables.core import events


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
