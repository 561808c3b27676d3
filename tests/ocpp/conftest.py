"""Fixtures shared by the OCPP tests of both versions."""

from collections.abc import AsyncIterator

import pytest

from cpms.storage.db import Database
from tests.conftest import TOKEN
from tests.support.server_process import ServerProcess, served


@pytest.fixture
async def server_process(databases, tmp_path) -> AsyncIterator[tuple[ServerProcess, Database]]:
    """The real server as a process (to be killed and restarted), and the database it writes to."""
    async with served(databases, tmp_path / "server", TOKEN) as proc:
        db = Database(proc.database_url)
        try:
            yield proc, db
        finally:
            await db.close()
