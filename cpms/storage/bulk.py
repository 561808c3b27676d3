"""Writing many rows in one statement: the bulk writers of the hot OCPP paths use these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_rows(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one multi-row statement; their new ids, in the order of `rows`.

    The ids of one statement's rows rise in the order of its VALUES (SQLite's rowids under the
    write lock, PostgreSQL's sequence as the rows are produced), so sorting the ids RETURNING
    gives matches the rows. SQLAlchemy's own `sort_by_parameter_order` would fall back to one
    statement per row on SQLite.
    """
    if not rows:
        return []
    if len(rows) == 1:
        return [(await conn.execute(table.insert().values(rows[0]).returning(table.c.id))).scalar_one()]
    return sorted((await conn.execute(table.insert().returning(table.c.id), rows)).scalars().all())


async def update_rows(conn: AsyncConnection, table: Table, changes: dict[Any, dict[str, Any]]) -> None:
    """Apply `changes` (row id -> new column values) with one executemany per set of columns changed."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes.items():
        if values:
            groups.setdefault(tuple(sorted(values)), []).append({"_id": row_id, **{f"_{k}": v for k, v in values.items()}})
    for columns, params in groups.items():
        statement = table.update().where(table.c.id == bindparam("_id")).values(
            {name: bindparam(f"_{name}") for name in columns})
        await conn.execute(statement, params)
