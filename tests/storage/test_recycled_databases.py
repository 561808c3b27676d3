"""A PostgreSQL test database handed on to the next test is as good as a new copy of the template.

The suite recycles databases on PostgreSQL (tests/support/databases.py); if emptying one missed a
row, a sequence or a changed schema, tests would pass or fail by the order they ran in.
"""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.databases import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="databases are recycled on PostgreSQL only")


def dsn(url: str) -> str:
    return url.replace("+asyncpg", "")


async def state(url: str) -> dict[str, object]:
    """Every table's rows and the next id a new row would get, as a test would find them."""
    conn = await asyncpg.connect(dsn(url))
    try:
        tables = [r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        rows = {t: sorted(map(tuple, await conn.fetch(f'SELECT * FROM "{t}"'))) for t in sorted(tables)}
        next_ids = {}
        for r in await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"):
            found = await conn.fetchrow(f'SELECT last_value, is_called FROM "{r[0]}"')
            next_ids[r[0]] = found[0] + 1 if found[1] else found[0]
        return {"rows": rows, "next_ids": next_ids}
    finally:
        await conn.close()


async def write_everywhere_we_can(url: str) -> None:
    conn = await asyncpg.connect(dsn(url))
    try:
        for i in range(3):
            await conn.execute("INSERT INTO api_tokens (name, token_hash, prefix, created_at) "
                               "VALUES ($1, $1, 'p', now())", f"t{i}")
        await conn.execute("INSERT INTO events (type, entity, entity_id, data, created_at) "
                           "VALUES ('x.changed', 'x', '1', '{}', now())")
    finally:
        await conn.close()


async def test_a_recycled_database_holds_what_a_new_copy_of_the_template_holds(databases) -> None:
    new = await databases.fresh()
    expected = await state(new)
    await write_everywhere_we_can(new)
    await databases.release(new)
    await databases.emptied()

    recycled = await databases.fresh()

    assert recycled != new
    assert await state(recycled) == expected
    with pytest.raises(asyncpg.InvalidCatalogNameError):  # the old URL reaches nothing any more
        await asyncpg.connect(dsn(new))
    await databases.release(recycled)


async def test_a_database_someone_is_still_connected_to_is_left_alone(databases) -> None:
    url = await databases.fresh()
    await write_everywhere_we_can(url)
    straggler = await asyncpg.connect(dsn(url))
    try:
        await databases.release(url)
        await databases.emptied()
        other = await databases.fresh()
        assert other != url
        assert await straggler.fetchval("SELECT count(*) FROM api_tokens WHERE name LIKE 't%'") == 3
    finally:
        await straggler.close()
    await databases.release(other)


async def test_a_database_whose_schema_a_test_changed_is_not_handed_on(databases) -> None:
    url = await databases.fresh()
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute("ALTER TABLE api_tokens ADD COLUMN surprise integer")
    finally:
        await conn.close()
    await databases.release(url)
    await databases.emptied()

    other = await databases.fresh()

    conn = await asyncpg.connect(dsn(other))
    try:
        columns = {r[0] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'api_tokens'")}
    finally:
        await conn.close()
    assert "surprise" not in columns
    conn = await asyncpg.connect(dsn(url))  # still there, as the test left it
    await conn.close()
    await databases.release(other)
