"""Fresh databases for tests: a SQLite file or a PostgreSQL database, each cloned from a migrated template.

The backend is chosen by CPMS_TEST_DB (sqlite by default, or postgres). Migrations run once per
session into the template; each test gets a copy, so tests are isolated and fast.

On PostgreSQL a copy costs ~0.2 s of server CPU (CREATE DATABASE writes the whole 10 MB template
again), 1,200 times a run; so a database a test is done with is emptied back to the template's
rows (while the next test runs) and handed to a later test under a name never used before. One
that still has a session, or whose schema the test changed, is left as it is.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import asyncpg

from cpms.storage.db import Database
from tests.support.postgres import PostgresServer

BACKEND = os.environ.get("CPMS_TEST_DB", "sqlite")


class SqliteDatabases:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cpms-test-"))
        self.template = self.dir / "template.sqlite3"
        self._n = itertools.count()

    async def setup(self) -> None:
        db = Database(f"sqlite+aiosqlite:///{self.template}")
        await db.migrate()
        await db.close()

    async def fresh(self) -> str:
        target = self.dir / f"db{next(self._n)}.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"

    async def release(self, url: str) -> None:
        """A file per test is cheap enough: nothing to recycle."""

    async def emptied(self) -> None:
        """Nothing is ever being emptied."""

    async def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


# What a test could change besides rows: relations, columns, triggers, constraints, functions.
SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(item, '|' ORDER BY item)) FROM (
    SELECT 'r ' || relname || ' ' || relkind::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'a ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' '
           || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 't ' || tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT 'c ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'f ' || proname || ' ' || md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
) AS schema(item)
"""


class Template:
    """What a copy of the template holds: its schema's fingerprint, its rows and its sequences' positions."""

    def __init__(self, fingerprint: str, tables: list[str], rows: dict[str, list[asyncpg.Record]],
                 sequences: dict[str, tuple[int, bool]]) -> None:
        self.fingerprint = fingerprint
        self.tables = tables
        self.rows = rows
        self.sequences = sequences

    @classmethod
    async def read(cls, conn: asyncpg.Connection) -> "Template":
        tables = [r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        rows = {t: found for t in tables if (found := await conn.fetch(f'SELECT * FROM "{t}"'))}
        sequences = {}
        for r in await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"):
            found = await conn.fetchrow(f'SELECT last_value, is_called FROM "{r["sequencename"]}"')
            sequences[r["sequencename"]] = (found["last_value"], found["is_called"])
        return cls(await conn.fetchval(SCHEMA_FINGERPRINT), tables, rows, sequences)

    async def restore(self, conn: asyncpg.Connection) -> bool:
        """Put the template's rows back in the database of `conn`; False (and nothing done) when it is not a
        copy of the template any more or someone else is still connected to it."""
        if await conn.fetchval(SCHEMA_FINGERPRINT) != self.fingerprint:
            return False
        if await conn.fetchval("SELECT count(*) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()"):
            return False
        async with conn.transaction():
            # replica: no triggers (row counters) and no foreign key checks while emptying and refilling
            await conn.execute("SET LOCAL session_replication_role = replica; "
                               + "".join(f'DELETE FROM "{t}";' for t in self.tables))
            for table, records in self.rows.items():
                await conn.copy_records_to_table(table, records=records, columns=list(records[0].keys()))
            for name, (value, called) in self.sequences.items():
                await conn.execute("SELECT setval($1::regclass, $2, $3)", f'"{name}"', value, called)
        return True


class PostgresDatabases:
    def __init__(self) -> None:
        self.server = PostgresServer()
        self._n = itertools.count()
        self._emptying: list[asyncio.Task[str | None]] = []  # released databases, in the order released
        self._spare: list[str] = []  # emptied databases, each waiting for a new name
        self._template: Template | None = None

    async def setup(self) -> None:
        self.server.start()
        conn = await self._admin()
        await conn.execute("CREATE DATABASE cpms_template")
        await conn.close()
        db = Database(self.server.url("cpms_template"))
        await db.migrate()
        await db.close()
        conn = await asyncpg.connect(self._dsn("cpms_template"))
        try:
            self._template = await Template.read(conn)
        finally:
            await conn.close()

    async def fresh(self) -> str:
        name = f"cpms_{os.getpid()}_{next(self._n)}"
        conn = await self._admin()
        try:
            while (spare := await self._take_spare()) is not None:
                if await self._rename(conn, spare, name):
                    break
            else:
                await self._copy_template(conn, name)
        finally:
            await conn.close()
        return self.server.url(name)

    async def release(self, url: str) -> None:
        """The test that had `url` is over: its database is emptied for a later test while the next one runs."""
        self._emptying.append(asyncio.ensure_future(self._empty(url.rsplit("/", 1)[1])))

    async def emptied(self) -> None:
        """Wait until every released database is emptied or found unfit; the last one emptied is taken first."""
        await asyncio.gather(*self._emptying)
        self._collect()

    async def _empty(self, name: str) -> str | None:
        try:
            conn = await asyncpg.connect(self._dsn(name))
            try:
                return name if await self._template.restore(conn) else None  # type: ignore[union-attr]
            finally:
                await conn.close()
        except (OSError, asyncpg.PostgresError):
            return None

    def _collect(self) -> None:
        while self._emptying and self._emptying[0].done():
            name = self._emptying.pop(0).result()
            if name is not None:
                self._spare.append(name)

    async def _take_spare(self) -> str | None:
        self._collect()
        if not self._spare and len(self._emptying) >= 2:  # tests shorter than an emptying: wait, not copy
            await asyncio.wait([self._emptying[0]])
            self._collect()
        return self._spare.pop() if self._spare else None

    async def _rename(self, conn: asyncpg.Connection, spare: str, name: str) -> bool:
        """A new name, so that nothing holding the old URL (a server a test forgot) can reach it again."""
        for attempt in range(20):
            try:
                await conn.execute(f"ALTER DATABASE {spare} RENAME TO {name}")
                return True
            except asyncpg.ObjectInUseError:  # a session of the last test still closing, or a stranger
                await asyncio.sleep(0.01 * (attempt + 1))
        return False

    async def _copy_template(self, conn: asyncpg.Connection, name: str) -> None:
        for attempt in range(20):
            try:
                await conn.execute(f"CREATE DATABASE {name} TEMPLATE cpms_template")
                return
            except asyncpg.ObjectInUseError:  # the template is briefly busy
                if attempt == 19:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))

    def _dsn(self, database: str = "postgres") -> str:
        return self.server.url(database).replace("+asyncpg", "")

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self._dsn())

    async def teardown(self) -> None:
        await asyncio.gather(*self._emptying, return_exceptions=True)
        self.server.stop()


def make_databases() -> SqliteDatabases | PostgresDatabases:
    return PostgresDatabases() if BACKEND == "postgres" else SqliteDatabases()
