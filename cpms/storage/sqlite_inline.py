"""SQLite reads on the event loop's thread: no thread hop for a statement that only reads.

aiosqlite runs every call of a connection in that connection's own thread. Each call is a hop:
a queue put, a wake-up of the loop by `call_soon_threadsafe`, and a GIL handover that can wait
for the interpreter's switch interval (5 ms). SQLAlchemy's adapter makes four calls per
statement (cursor, execute, fetch, close), so a page of 100 documents (BEGIN, SELECT,
ROLLBACK) took about nine hops, more CPU than reading the rows does.

This adapter runs a statement that only reads (SELECT, a deferred BEGIN, the end of a
transaction that wrote nothing) on the loop's thread, right where it is asked for, under a
time budget: a SQLite progress handler interrupts one that runs past `INLINE_BUDGET` (a count
of a big filtered listing), and it is run again from the start in the connection's thread,
where it no longer holds up every other request. A statement on the loop never waits for a
lock either: its busy timeout is 0 there, and a read that finds the database busy (in WAL mode
only during recovery or a truncating checkpoint) is run again in the thread, where the
configured timeout applies. Everything else (writes, BEGIN IMMEDIATE, the commit of a
transaction that wrote, with its fsync) keeps to the thread, executed and fetched in one hop.

The two threads never use the connection at the same time: its one user awaits every call in
the thread before making the next. SQLAlchemy opens file databases with check_same_thread off.
"""

from __future__ import annotations

import collections
import sqlite3
import time
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

# How long a statement may run on the loop's thread before it is moved to the connection's own.
INLINE_BUDGET = 0.002
# SQLite virtual machine instructions between two looks at the clock (a page of 100 rows: a few dozen)
CHECK_EVERY = 1000

_READS = {"SELECT": True, "BEGIN": True}
_kinds: dict[str, bool] = {}


def _reads_only(sql: str) -> bool:
    """A statement that neither writes nor takes a write lock (kept per SQL text: statements repeat)."""
    known = _kinds.get(sql)
    if known is None:
        words = sql.split(None, 2)
        # BEGIN alone is deferred (takes no lock); BEGIN IMMEDIATE waits for the write lock
        known = bool(words) and _READS.get(words[0].upper(), False) and (words[0].upper() != "BEGIN" or len(words) == 1)
        if len(_kinds) < 10_000:
            _kinds[sql] = known
    return known


class _Overran(Exception):
    """The statement has to run in the connection's thread after all."""


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor over the sqlite3 cursor itself, made on the loop's thread (no hop)."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: "InlineConnection") -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = adapt_connection._connection._conn.cursor()  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        conn: InlineConnection = self._adapt_connection  # type: ignore[assignment]
        params = () if parameters is None else parameters
        try:
            if _reads_only(operation):
                try:
                    self._rows = collections.deque(conn.inline(self._cursor, operation, params))
                    return None
                except _Overran:
                    pass
            else:
                conn.wrote = True
            self._rows = collections.deque(conn.in_thread(_execute_and_fetch, self._cursor, operation, params))
        except Exception as error:
            conn._handle_exception(error)
        return None

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        conn: InlineConnection = self._adapt_connection  # type: ignore[assignment]
        conn.wrote = True
        try:
            conn.in_thread(_execute_many, self._cursor, operation, seq_of_parameters)
        except Exception as error:
            conn._handle_exception(error)
        return None

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()  # type: ignore[unused-coroutine]


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("wrote", "_deadline", "_overran", "_busy_ms", "_loop_busy", "_past")
    _cursor_cls = InlineCursor

    def __init__(self, dbapi: Any, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self.wrote = False  # the transaction under way has run a statement in the thread that may write
        self._deadline = 0.0
        self._overran = False
        self._busy_ms: int | None = None  # the configured busy timeout, read on first use on the loop
        self._loop_busy = False  # whether the busy timeout is 0 (for the loop) right now
        self._past = self._over_budget

    def _over_budget(self) -> bool:
        if time.perf_counter() > self._deadline:
            self._overran = True
            return True
        return False

    def inline(self, cursor: sqlite3.Cursor, sql: str, params: Any) -> list[Any]:
        """Run and fetch `sql` here; `_Overran` when it should run in the thread instead.

        Under the connection's mutex, as every statement of the adapter is; the lock is free (its one
        user is here), so taking it does not leave the loop's current step."""
        return await_(self._inline(cursor, sql, params))  # type: ignore[no-any-return]

    async def _inline(self, cursor: sqlite3.Cursor, sql: str, params: Any) -> list[Any]:
        async with self._execute_mutex:
            return self._run_here(cursor, sql, params)

    def _run_here(self, cursor: sqlite3.Cursor, sql: str, params: Any) -> list[Any]:
        raw: sqlite3.Connection = self._connection._conn
        if not self._loop_busy:
            if self._busy_ms is None:
                self._busy_ms = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute("PRAGMA busy_timeout = 0")
            self._loop_busy = True
        in_transaction = raw.in_transaction
        self._overran = False
        self._deadline = time.perf_counter() + INLINE_BUDGET
        raw.set_progress_handler(self._past, CHECK_EVERY)
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        except sqlite3.OperationalError as exc:
            if not (self._overran or exc.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise
            if raw.in_transaction != in_transaction:
                # never the case for a read; if it were, running it again would do so outside the transaction
                raise
            raise _Overran() from None
        finally:
            raw.set_progress_handler(None, 0)

    def in_thread(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)` in the connection's thread, with the configured busy timeout back in force."""
        return await_(self._in_thread(fn, *args))

    async def _in_thread(self, fn: Any, *args: Any) -> Any:
        async with self._execute_mutex:
            if self._loop_busy:
                self._loop_busy = False
                raw = self._connection._conn
                return await self._connection._execute(_with_busy_timeout, raw, self._busy_ms, fn, *args)
            return await self._connection._execute(fn, *args)

    def commit(self) -> None:
        self._end(sqlite3.Connection.commit)

    def rollback(self) -> None:
        self._end(sqlite3.Connection.rollback)

    def _end(self, end: Any) -> None:
        """Commit or roll back: here when nothing was written (no fsync to wait for), else in the thread."""
        if not self._connection._connection:
            return
        try:
            if self.wrote:
                self.in_thread(end, self._connection._conn)
            else:
                end(self._connection._conn)
        except Exception as error:
            self._handle_exception(error)
        finally:
            self.wrote = False


def _execute_and_fetch(cursor: sqlite3.Cursor, sql: str, params: Any) -> list[Any]:
    cursor.execute(sql, params)
    return cursor.fetchall() if cursor.description else []


def _execute_many(cursor: sqlite3.Cursor, sql: str, seq_of_parameters: Any) -> None:
    cursor.executemany(sql, seq_of_parameters)


def _with_busy_timeout(raw: sqlite3.Connection, busy_ms: int | None, fn: Any, *args: Any) -> Any:
    if busy_ms is not None:
        raw.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    return fn(*args)


class InlineDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI of SQLAlchemy, handing out `InlineConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> InlineConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return InlineConnection(self, await_(connection))


def dbapi() -> InlineDbapi:
    """The module to hand `create_async_engine(..., module=...)` for a sqlite+aiosqlite URL."""
    return InlineDbapi(aiosqlite, sqlite3)
