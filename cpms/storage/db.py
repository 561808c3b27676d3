"""The database handle: one engine, read connections, and write transactions that emit events.

On SQLite every write transaction of this process is serialised by an asyncio lock and opened
with BEGIN IMMEDIATE, so two writers never race for the upgrade to a write lock (the classic
`database is locked` error). Commits are durable (WAL, synchronous=FULL): an answered request
survives SIGKILL and power loss.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from cpms.events import Event

if TYPE_CHECKING:
    from cpms.storage.bulk import Updates


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class Tx:
    """A write transaction: the connection plus the domain events it will publish on commit."""

    __slots__ = ("conn", "events")

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.events: list[Event] = []

    async def emit(self, event: Event) -> None:
        """Record `event` in the outbox, atomically with the change that caused it."""
        from cpms.storage.tables.core import events as outbox

        result = await self.conn.execute(outbox.insert().values(event.row()).returning(outbox.c.id))
        event.id = result.scalar_one()
        self.events.append(event)

    async def emit_many(self, events: list[Event], updates: Updates | None = None) -> None:
        """`emit` for many events in one statement (a batch's events cost one round trip, not one each);
        `updates` (cpms.storage.bulk) are written with them, in the same statement on PostgreSQL."""
        from cpms.storage.bulk import insert_rows
        from cpms.storage.tables.core import events as outbox

        ids = await insert_rows(self.conn, outbox, [event.row() for event in events], updates)
        for event, event_id in zip(events, ids, strict=True):
            event.id = event_id
        self.events.extend(events)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self.conn.execute(*args, **kwargs)


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 8, sqlite_overflow: int = 56,
                 write_batches: int = 2) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo, "json_serializer": _json_dumps, "json_deserializer": orjson.loads}
        if self.is_sqlite:
            _ensure_sqlite_dir(url)
            from cpms.storage import sqlite_inline

            # statements that only read run on the loop's thread, not one thread hop per call
            options["module"] = sqlite_inline.dbapi()
            # Writes share one connection at a time (the write lock); the overflow is for reads, so
            # that a reconnect storm's handshakes wait for a thread, not for a 30 s pool timeout.
            options["pool_size"] = pool_size
            options["max_overflow"] = sqlite_overflow
        else:
            options["pool_size"] = pool_size
            options["max_overflow"] = pool_size
        self.engine: AsyncEngine = create_async_engine(url, **options)
        # Reads on PostgreSQL run without BEGIN and ROLLBACK (two round trips of a page's four):
        # under READ COMMITTED every statement sees its own snapshot inside a transaction too.
        # SQLite keeps the transaction (one snapshot for the whole read, and no round trips there).
        # Without a transaction a write would commit at once, so the read connections are read-only
        # sessions on the server (a pool of their own): a write slipped into `read()` fails loudly.
        self._reader: AsyncEngine = self.engine if self.is_sqlite else create_async_engine(
            url, **options, connect_args={"server_settings": {"default_transaction_read_only": "on"}},
        ).execution_options(isolation_level="AUTOCOMMIT")
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _discard_closed_connections(self.engine)
            _discard_closed_connections(self._reader)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._on_commit: list[Callable[[list[Event]], Awaitable[None]]] = []
        from cpms.storage.batch import WriteBatcher

        # PostgreSQL works on one batch while the next is prepared; SQLite has one writer
        self.batcher = WriteBatcher(self, in_flight=1 if self.is_sqlite else write_batches)

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine statements go through (PostgreSQL reads have their own), for instrumentation."""
        return (self.engine,) if self._reader is self.engine else (self.engine, self._reader)

    async def batch(self, job: Callable[[Tx], Awaitable[Any]], key: Hashable | None = None) -> Any:
        """Run `job(tx)` durably in a group commit (see cpms.storage.batch). A `key` (the charge
        point written about) lets it commit beside writes of other keys; without one it commits alone."""
        return await self.batcher.submit(job, key)

    async def batch_bulk(self, bulk: Callable[[Tx, list[Any]], Awaitable[list[Any]]], item: Any,
                         key: Hashable | None = None) -> Any:
        """Run `item` durably as one of the items of `bulk(tx, items)` in a group commit (see
        cpms.storage.batch): the statements of a batch do not grow with the number of items."""
        return await self.batcher.submit_bulk(bulk, item, key)

    def on_commit(self, listener: Callable[[list[Event]], Awaitable[None]]) -> None:
        """Call `listener` with the events of every committed write transaction."""
        self._on_commit.append(listener)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._reader.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                tx = Tx(conn)
                yield tx
        else:
            async with self._write_lock:
                async with self.engine.connect() as conn:
                    conn = await conn.execution_options(sqlite_write=True)
                    async with conn.begin():
                        tx = Tx(conn)
                        yield tx
        if tx.events:
            for listener in self._on_commit:
                await listener(tx.events)

    async def migrate(self) -> None:
        from cpms.storage.migrate import upgrade

        async with self.engine.connect() as conn:
            await conn.run_sync(upgrade)
            await conn.commit()

    async def close(self) -> None:
        await self.batcher.stop()
        await self.engine.dispose()
        if self._reader is not self.engine:
            await self._reader.dispose()


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _discard_closed_connections(engine: AsyncEngine) -> None:
    """A pooled PostgreSQL connection whose server side has gone (a restart, a terminated backend)
    is replaced when it is checked out. The driver knows it once the socket closed, so this costs
    no round trip, where SQLAlchemy's pre-ping cost three (BEGIN, a ping, ROLLBACK) per checkout."""

    @sa_event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @sa_event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, open transactions (pysqlite quirk).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=15000",
                       "cache_size=-32000", "temp_store=MEMORY"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa_event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # straight to the driver: SQLAlchemy's statement machinery cost more than BEGIN itself
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")
        cursor.close()
