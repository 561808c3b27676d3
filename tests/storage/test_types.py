"""UtcDateTime: aware UTC datetimes out of either database, the fast path equal to the general one."""

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlalchemy.types import TypeDecorator

from cpms.storage.db import Database
from cpms.storage.types import UtcDateTime

UTC = timezone.utc


def processors(dialect):
    impl = UtcDateTime().dialect_impl(dialect)
    return impl.result_processor(dialect, None), TypeDecorator.result_processor(impl, dialect, None)


def test_the_sqlite_fast_path_reads_what_the_general_path_reads() -> None:
    fast, general = processors(aiosqlite.dialect())
    rng = random.Random(3)
    texts = ["2026-12-04 15:33:12.123456", "2026-12-04 15:33:12", "2026-12-04 15:33:12.123",
             "0999-01-01 00:00:00.000000"]
    for _ in range(20_000):
        day = f"{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        time = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        texts.append(f"{day} {time}.{rng.randint(0, 999_999):06d}")
    for text in texts:
        value = fast(text)
        assert value == general(text) and value.tzinfo is UTC, text
    assert fast(None) is None


def test_the_driver_fast_path_keeps_utc_and_converts_the_rest() -> None:
    fast, general = processors(asyncpg.dialect())
    for value in (datetime(2026, 12, 4, 15, 33, 12, 5, tzinfo=UTC),
                  datetime(2026, 12, 4, 18, 33, 12, 5, tzinfo=timezone(timedelta(hours=3))),
                  datetime(2026, 12, 4, 15, 33, 12, 5), None):
        assert fast(value) == general(value)
        assert value is None or fast(value).tzinfo is UTC


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def test_timestamps_come_back_as_written_in_utc(db) -> None:
    table = Table("utc_roundtrip", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    written = [datetime(2026, 12, 4, 15, 33, 12, 123456, tzinfo=UTC), datetime(2026, 12, 4, 15, 33, 12, tzinfo=UTC),
               datetime(2026, 12, 4, 18, 0, 0, 1, tzinfo=timezone(timedelta(hours=3))), None]
    async with db.write() as tx:
        await tx.conn.run_sync(table.metadata.create_all)
        await tx.execute(insert(table), [{"id": n, "at": at} for n, at in enumerate(written)])
    try:
        async with db.read() as conn:
            read = (await conn.execute(select(table.c.at).order_by(table.c.id))).scalars().all()
    finally:
        async with db.write() as tx:
            await tx.conn.run_sync(table.metadata.drop_all)
    assert read == written
    assert all(value.tzinfo is UTC for value in read if value is not None)
