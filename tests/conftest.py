"""Fixtures shared by the whole suite.

- `database_url`: a fresh, migrated database (SQLite, or PostgreSQL with CPMS_TEST_DB=postgres)
- `server` / `api`: the application in-process with an httpx client (fast, for API behaviour)
- `live_server` / `live_api`: the real server process over real HTTP (end to end)
Every API answer a client fixture receives is validated against the contract.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cpms.config import Settings
from cpms.server import Server
from tests.support.contract_check import RECORDER, acheck_response
from tests.support.databases import BACKEND, make_databases
from tests.support.server_process import ServerProcess

TOKEN = "cpms_test_token_0123456789abcdefghijklmnopqrstuv"
pytest_plugins = ["tests.support.coverage_plugin"]


@pytest.fixture(scope="session")
async def databases() -> AsyncIterator[object]:
    if BACKEND == "postgres":
        from tests.support.postgres import find_bin_dir

        if find_bin_dir() is None:
            pytest.skip("CPMS_TEST_DB=postgres but no PostgreSQL server binary is installed "
                        "(apt-get install postgresql); PostgreSQL tests skipped")
    dbs = make_databases()
    await dbs.setup()
    yield dbs
    await dbs.teardown()


@pytest.fixture
async def database_url(databases: object) -> AsyncIterator[str]:
    url = await databases.fresh()  # type: ignore[attr-defined]
    yield url
    await databases.release(url)  # type: ignore[attr-defined]


def test_settings(tmp_path: Path, database_url: str, **changes: object) -> Settings:
    base = Settings(data_dir=tmp_path, database_url=database_url, api_token=TOKEN, ocpp_call_timeout=5.0)
    return base.with_(**changes) if changes else base


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return test_settings(tmp_path, database_url)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    srv = Server(settings, announce=lambda _text: None)
    await srv.startup()
    try:
        yield srv
    finally:
        await srv.shutdown()


def client(base_url: str, transport: httpx.AsyncBaseTransport | None = None, token: str | None = TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=base_url, transport=transport, headers=headers, timeout=30.0,
                             event_hooks={"response": [acheck_response]})


@pytest.fixture
async def api(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with client("http://cpms.test", httpx.ASGITransport(app=server)) as c:
        yield c


@pytest.fixture(scope="session")
async def live_server(databases: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServerProcess]:
    url = await databases.fresh()  # type: ignore[attr-defined]
    proc = ServerProcess(url, tmp_path_factory.mktemp("live"), TOKEN)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def live_api(live_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with client(live_server.base_url) as c:
        yield c


@pytest.fixture
def recorder() -> Iterator[object]:
    yield RECORDER


def pytest_report_header() -> str:
    return f"cpms test database backend: {BACKEND} (set CPMS_TEST_DB=postgres for PostgreSQL)"


os.environ.setdefault("CPMS_LOG_LEVEL", "warning")
