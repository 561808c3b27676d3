"""SQLite statements that only read run on the loop's thread; long reads, writes and commits in the connection's."""

import sqlite3

import aiosqlite
import pytest
from sqlalchemy import text

from cpms.storage import sqlite_inline
from cpms.storage.db import Database
from tests.support.databases import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite driver adapter")


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}")
    async with database.write() as tx:
        await tx.execute(text("CREATE TABLE numbers (n INTEGER PRIMARY KEY)"))
        await tx.execute(text("INSERT INTO numbers (n) VALUES (:n)"), [{"n": n} for n in range(1, 5001)])
    yield database
    await database.close()


@pytest.fixture
def hops(monkeypatch):
    """The calls made in connections' threads."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_a_read_transaction_makes_no_thread_hop(db, hops) -> None:
    async with db.read() as conn:
        await conn.execute(text("SELECT 1"))  # the pool's connection is made (in its thread) before counting
    hops.clear()
    async with db.read() as conn:
        rows = (await conn.execute(text("SELECT n FROM numbers WHERE n <= 100 ORDER BY n"))).scalars().all()
    assert rows == list(range(1, 101))
    assert hops == []


async def test_a_read_past_the_budget_is_run_again_in_the_thread_with_the_same_answer(db, hops, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_inline, "INLINE_BUDGET", 0.0)
    monkeypatch.setattr(sqlite_inline, "CHECK_EVERY", 10)
    async with db.read() as conn:
        await conn.execute(text("SELECT 1"))
        hops.clear()
        total = (await conn.execute(text("SELECT sum(n) FROM numbers"))).scalar_one()
    assert total == 5000 * 5001 // 2
    assert "_with_busy_timeout" in hops or "_execute_and_fetch" in hops


async def test_a_read_moved_to_the_thread_inside_a_write_transaction_sees_its_writes_and_commits_them(
        db, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_inline, "INLINE_BUDGET", 0.0)
    monkeypatch.setattr(sqlite_inline, "CHECK_EVERY", 10)
    async with db.write() as tx:
        await tx.execute(text("DELETE FROM numbers WHERE n > 10"))
        assert (await tx.execute(text("SELECT count(*) FROM numbers"))).scalar_one() == 10
        await tx.execute(text("INSERT INTO numbers (n) VALUES (99999)"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM numbers"))).scalar_one() == 11


async def test_writes_and_their_commit_run_in_the_thread(db, hops) -> None:
    async with db.write() as tx:
        hops.clear()
        await tx.execute(text("INSERT INTO numbers (n) VALUES (6000)"))
    assert "_with_busy_timeout" in hops or "_execute_and_fetch" in hops
    assert "commit" in hops


async def test_a_rolled_back_write_leaves_nothing_behind(db) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await tx.execute(text("INSERT INTO numbers (n) VALUES (7000)"))
            assert (await tx.execute(text("SELECT count(*) FROM numbers WHERE n = 7000"))).scalar_one() == 1
            raise RuntimeError("changed my mind")
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM numbers WHERE n = 7000"))).scalar_one() == 0


async def test_an_invalid_read_raises_the_databases_error(db) -> None:
    from sqlalchemy.exc import OperationalError

    async with db.read() as conn:
        with pytest.raises(OperationalError, match="no such table"):
            await conn.execute(text("SELECT * FROM no_such_table"))
        # the connection is still good for the next statement
        assert (await conn.execute(text("SELECT count(*) FROM numbers"))).scalar_one() == 5000


class _BusyCursor:
    description = None

    def execute(self, *_args):
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorname = "SQLITE_BUSY"
        raise error


async def test_a_read_that_finds_the_database_busy_is_not_waited_for_on_the_loop(db) -> None:
    async with db.read() as conn:
        adapted = (await conn.get_raw_connection()).dbapi_connection
        assert adapted._run_here(adapted.cursor()._cursor, "SELECT 1", ()) == [(1,)]
        # on the loop a statement gives up at once where the thread's would wait
        assert adapted._connection._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        with pytest.raises(sqlite_inline._Overran):
            adapted._run_here(_BusyCursor(), "SELECT 1", ())
