"""Fresh databases for tests: a SQLite file or a PostgreSQL database, each cloned from a migrated template.

The backend is chosen by CPMS_TEST_DB (sqlite by default, or postgres). Migrations run once per
session into the template; each test gets a copy, so tests are isolated and fast.
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

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabases:
    def __init__(self) -> None:
        self.server = PostgresServer()
        self._n = itertools.count()

    async def setup(self) -> None:
        self.server.start()
        conn = await asyncpg.connect(self.server.url().replace("+asyncpg", ""))
        await conn.execute("CREATE DATABASE cpms_template")
        await conn.close()
        db = Database(self.server.url("cpms_template"))
        await db.migrate()
        await db.close()

    async def fresh(self) -> str:
        name = f"cpms_{os.getpid()}_{next(self._n)}"
        conn = await asyncpg.connect(self.server.url().replace("+asyncpg", ""))
        try:
            for attempt in range(20):
                try:
                    await conn.execute(f"CREATE DATABASE {name} TEMPLATE cpms_template")
                    break
                except asyncpg.ObjectInUseError:  # the template is briefly busy
                    await asyncio.sleep(0.05 * (attempt + 1))
        finally:
            await conn.close()
        return self.server.url(name)

    def teardown(self) -> None:
        self.server.stop()


def make_databases() -> SqliteDatabases | PostgresDatabases:
    return PostgresDatabases() if BACKEND == "postgres" else SqliteDatabases()
