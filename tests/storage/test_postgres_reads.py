"""PostgreSQL reads: no transaction round trips, and a connection the server dropped is replaced, not used."""

import asyncio

import pytest
from sqlalchemy import text

from cpms.storage.db import Database
from tests.support.databases import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL connections")


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def test_a_read_runs_each_statement_on_its_own_without_begin_and_rollback(db) -> None:
    async with db.read() as conn:
        first = (await conn.execute(text("SELECT now() FROM pg_sleep(0.01)"))).scalar_one()
        second = (await conn.execute(text("SELECT now()"))).scalar_one()
    assert second > first  # now() is when the transaction began: in one transaction both would be equal


async def test_a_write_slipped_into_a_read_fails_and_writes_nothing(db) -> None:
    async with db.write() as tx:
        await tx.execute(text("CREATE TABLE IF NOT EXISTS read_guard (n int)"))
    async with db.read() as conn:
        with pytest.raises(Exception, match="read-only transaction"):
            await conn.execute(text("INSERT INTO read_guard VALUES (1)"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM read_guard"))).scalar_one() == 0


async def test_a_write_is_still_one_transaction(db) -> None:
    async with db.write() as tx:
        first = (await tx.execute(text("SELECT now() FROM pg_sleep(0.01)"))).scalar_one()
        second = (await tx.execute(text("SELECT now()"))).scalar_one()
    assert second == first


async def test_a_pooled_connection_whose_backend_was_terminated_is_replaced_on_checkout(db) -> None:
    async with db.read() as other, db.read() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        driver = (await conn.get_raw_connection()).driver_connection
        assert (await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one() is True
    for _ in range(500):  # the driver learns it when the server's goodbye reaches the loop
        if driver.is_closed():
            break
        await asyncio.sleep(0.01)
    assert driver.is_closed()
    for _ in range(3):  # the dead one, back in the pool, is never handed out
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
