"""Writing and finding many rows in one statement: the bulk writers of the hot OCPP paths use these.

On PostgreSQL every statement here takes one array per column (`unnest`), so its text, and the
prepared statement behind it, is the same whatever the number of rows, and SQLAlchemy processes
one set of parameters, not one per row (per-row bind processing was most of a MeterValues
batch's CPU). SQLite has no arrays: there the rows go in one multi-row statement or executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, ColumnElement, Executable, Table, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def _is_postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


def _unnest(columns: Sequence[Column[Any]], prefix: str = "") -> Any:
    """`unnest(:a, :b, ...) AS v(a, b, ...)`: one array parameter per column, typed as the column."""
    arrays = [bindparam(f"{prefix}{c.name}", type_=ARRAY(c.type, dimensions=1)) for c in columns]
    return func.unnest(*arrays).table_valued(*(c.name for c in columns)).render_derived()


def _arrays(names: Sequence[str], rows: Sequence[dict[str, Any]], prefix: str = "") -> dict[str, list[Any]]:
    return {f"{prefix}{name}": [row.get(name) for row in rows] for name in names}


@lru_cache(maxsize=None)
def _insert_from_arrays(table: Table, names: tuple[str, ...], returning: tuple[str, ...], skip_conflicts: bool) -> Any:
    source = _unnest([table.c[name] for name in names])
    statement = postgresql_insert(table).from_select(list(names), select(*source.c))
    if skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    return statement.returning(*(table.c[name] for name in returning))


async def insert_rows(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (all with the same keys) in one statement; their new ids, in the order of `rows`.

    The ids of one statement's rows rise in the order they are produced (SQLite's rowids under the
    write lock, PostgreSQL's sequence as `unnest` yields them), so sorting the ids RETURNING gives
    matches the rows. SQLAlchemy's own `sort_by_parameter_order` would fall back to one statement
    per row on SQLite.
    """
    if not rows:
        return []
    if _is_postgresql(conn):
        names = tuple(rows[0])
        result = await conn.execute(_insert_from_arrays(table, names, ("id",), False), _arrays(names, rows))
        return sorted(result.scalars().all())
    if len(rows) == 1:
        return [(await conn.execute(table.insert().values(rows[0]).returning(table.c.id))).scalar_one()]
    return sorted((await conn.execute(table.insert().returning(table.c.id), rows)).scalars().all())


async def insert_new(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]],
                     returning: tuple[str, ...]) -> list[Any]:
    """Insert `rows` (all with the same keys) in one statement, skipping those a unique constraint holds; the
    `returning` columns of the rows inserted (in no promised order)."""
    if not rows:
        return []
    if _is_postgresql(conn):
        names = tuple(rows[0])
        statement = _insert_from_arrays(table, names, returning, True)
        return list((await conn.execute(statement, _arrays(names, rows))).all())
    statement = sqlite_insert(table).on_conflict_do_nothing().returning(*(table.c[name] for name in returning))
    return list((await conn.execute(statement, rows if len(rows) > 1 else rows[0])).all())


@lru_cache(maxsize=None)
def _update_from_arrays(table: Table, names: tuple[str, ...]) -> Any:
    source = _unnest([table.c.id, *(table.c[name] for name in names)], prefix="_")
    return table.update().where(table.c.id == source.c.id).values({name: source.c[name] for name in names})


async def update_rows(conn: AsyncConnection, table: Table, changes: dict[Any, dict[str, Any]]) -> None:
    """Apply `changes` (row id -> new column values) with one statement per set of columns changed."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes.items():
        if values:
            groups.setdefault(tuple(sorted(values)), []).append({"id": row_id, **values})
    for names, rows in groups.items():
        if _is_postgresql(conn):
            await conn.execute(_update_from_arrays(table, names), _arrays(("id", *names), rows, prefix="_"))
            continue
        statement = table.update().where(table.c.id == bindparam("_id")).values(
            {name: bindparam(f"_{name}") for name in names})
        await conn.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])


class Lookup:
    """A statement that finds rows by many keys at once, `build(condition)` with `(columns) IN keys` as
    the condition. It is built once per dialect and takes the keys as parameters, so SQLAlchemy does
    not construct and key a new statement per batch: arrays on PostgreSQL (one text, prepared once),
    an expanding IN on SQLite."""

    def __init__(self, build: Callable[[ColumnElement[bool]], Executable], *columns: Column[Any]) -> None:
        self.build = build
        self.columns = columns
        self._statements: dict[str, Executable] = {}

    def _statement(self, dialect: str) -> Executable:
        found = self._statements.get(dialect)
        if found is None:
            if dialect == "postgresql":
                matched: Any = select(*_unnest(self.columns, prefix="_in_").c)
            else:
                matched = bindparam("_in_keys", expanding=True)
            target = tuple_(*self.columns) if len(self.columns) > 1 else self.columns[0]
            found = self._statements[dialect] = self.build(target.in_(matched))
        return found

    def __call__(self, conn: AsyncConnection, keys: Sequence[tuple[Any, ...]]) -> tuple[Executable, dict[str, Any]]:
        """The statement and its parameters for `keys` (tuples in the order of the columns)."""
        dialect = conn.dialect.name
        if dialect == "postgresql":
            params = {f"_in_{c.name}": [k[i] for k in keys] for i, c in enumerate(self.columns)}
        else:
            params = {"_in_keys": list(keys) if len(self.columns) > 1 else [k[0] for k in keys]}
        return self._statement(dialect), params
