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

import orjson
from sqlalchemy import (Column, ColumnElement, Executable, String, Table, and_, bindparam, func, literal_column, select,
                        tuple_)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def _is_postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


def _unnest(columns: Sequence[Column[Any]], prefix: str) -> Any:
    """`unnest(:a, :b, ...) AS v(a, b, ...)`: one array parameter per column, typed as the column. The
    parameters' names never equal a column's: SQLAlchemy would take such a name for a value to SET
    in an UPDATE of a WITH clause."""
    arrays = [bindparam(f"{prefix}{c.name}", type_=ARRAY(c.type, dimensions=1)) for c in columns]
    return func.unnest(*arrays).table_valued(*(c.name for c in columns)).render_derived()


def _arrays(names: Sequence[str], rows: Sequence[dict[str, Any]], prefix: str) -> dict[str, list[Any]]:
    return {f"{prefix}{name}": [row.get(name) for row in rows] for name in names}


@lru_cache(maxsize=None)
def _insert_from_arrays(table: Table, names: tuple[str, ...], returning: tuple[str, ...],
                        skip_conflicts: bool) -> Any:
    source = _unnest([table.c[name] for name in names], prefix="_v_")
    statement = postgresql_insert(table).from_select(list(names), select(*source.c))
    if skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    return statement.returning(*(table.c[name] for name in returning))


class Updates:
    """Row updates held back to travel with the next bulk insert (`insert_rows(..., updates=)`).

    On PostgreSQL they go in the insert's own statement as data-modifying WITH clauses: a batch of
    meter values updates charging periods and sessions and inserts its events in one round trip,
    not three (each round trip costs the server more CPU than the rows it carries). They must touch
    other tables than the insert (WITH clauses all see the statement's starting snapshot). SQLite
    has no round trips to save: there they simply run first.
    """

    def __init__(self) -> None:
        self.groups: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}

    def add(self, table: Table, changes: dict[Any, dict[str, Any]]) -> None:
        """Rows to update: row id -> new column values; rows changing the same columns share a statement."""
        for row_id, values in changes.items():
            if values:
                self.groups.setdefault((table, tuple(sorted(values))), []).append({"id": row_id, **values})

    def _take(self) -> list[tuple[Table, tuple[str, ...], list[dict[str, Any]]]]:
        groups, self.groups = self.groups, {}
        return [(table, names, rows) for (table, names), rows in groups.items()]

    async def flush(self, conn: AsyncConnection) -> None:
        """Send what is held, when no insert is coming to carry it."""
        for table, names, rows in self._take():
            if _is_postgresql(conn):
                await conn.execute(_update_from_arrays(table, names, "_"), _arrays(("id", *names), rows, prefix="_"))
                continue
            statement = table.update().where(table.c.id == bindparam("_id")).values(
                {name: bindparam(f"_{name}") for name in names})
            await conn.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])


async def insert_rows(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]],
                      updates: Updates | None = None) -> list[int]:
    """Insert `rows` (all with the same keys) in one statement, with `updates` if given; the new ids,
    in the order of `rows`.

    The ids of one statement's rows rise in the order they are produced (SQLite's rowids under the
    write lock, PostgreSQL's sequence as `unnest` yields them), so sorting the ids RETURNING gives
    matches the rows. SQLAlchemy's own `sort_by_parameter_order` would fall back to one statement
    per row on SQLite.
    """
    if not _is_postgresql(conn) or not rows:
        if updates is not None:
            await updates.flush(conn)
        if not rows:
            return []
        if len(rows) == 1:
            return [(await conn.execute(table.insert().values(rows[0]).returning(table.c.id))).scalar_one()]
        return sorted((await conn.execute(table.insert().returning(table.c.id), rows)).scalars().all())
    names = tuple(rows[0])
    riders = updates._take() if updates is not None else []
    statement = _insert_from_arrays(table, names, ("id",), False)
    params = _arrays(names, rows, prefix="_v_")
    if riders:
        statement = _insert_with_updates(statement, tuple((t, n) for t, n, _ in riders))
        for index, (_, rider_names, rider_rows) in enumerate(riders):
            params.update(_arrays(("id", *rider_names), rider_rows, prefix=f"_w{index}_"))
    return sorted((await conn.execute(statement, params)).scalars().all())


async def insert_new(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]],
                     returning: tuple[str, ...]) -> list[Any]:
    """Insert `rows` (all with the same keys) in one statement, skipping those a unique constraint holds; the
    `returning` columns of the rows inserted (in no promised order)."""
    if not rows:
        return []
    if _is_postgresql(conn):
        names = tuple(rows[0])
        statement = _insert_from_arrays(table, names, returning, True)
        return list((await conn.execute(statement, _arrays(names, rows, prefix="_v_"))).all())
    statement = sqlite_insert(table).on_conflict_do_nothing().returning(*(table.c[name] for name in returning))
    return list((await conn.execute(statement, rows if len(rows) > 1 else rows[0])).all())


@lru_cache(maxsize=None)
def _update_from_arrays(table: Table, names: tuple[str, ...], prefix: str) -> Any:
    source = _unnest([table.c.id, *(table.c[name] for name in names)], prefix=prefix)
    return table.update().where(table.c.id == source.c.id).values({name: source.c[name] for name in names})


@lru_cache(maxsize=256)
def _insert_with_updates(insert: Any, riders: tuple[tuple[Table, tuple[str, ...]], ...]) -> Any:
    ctes = [_update_from_arrays(table, names, f"_w{index}_").cte(f"w{index}")
            for index, (table, names) in enumerate(riders)]
    return insert.add_cte(*ctes)


async def update_rows(conn: AsyncConnection, table: Table, changes: dict[Any, dict[str, Any]]) -> None:
    """Apply `changes` (row id -> new column values) with one statement per set of columns changed."""
    updates = Updates()
    updates.add(table, changes)
    await updates.flush(conn)


class Lookup:
    """A statement that finds rows by many keys at once, `build(condition)` with `(columns) IN keys` as
    the condition. It is built once per dialect and takes the keys as parameters, so SQLAlchemy does
    not construct and key a new statement per batch: arrays on PostgreSQL (one text, prepared once).
    On SQLite one column is an expanding IN; several (numbers and strings) are one JSON parameter
    joined to the table by its index and matched by rowid: SQLite never uses an index for a row
    value IN a list, it scans the whole table."""

    def __init__(self, build: Callable[[ColumnElement[bool]], Executable], *columns: Column[Any]) -> None:
        self.build = build
        self.columns = columns
        self._statements: dict[str, Executable] = {}

    def _statement(self, dialect: str) -> Executable:
        found = self._statements.get(dialect)
        if found is None:
            target: Any = tuple_(*self.columns) if len(self.columns) > 1 else self.columns[0]
            if dialect == "postgresql":
                condition = target.in_(select(*_unnest(self.columns, prefix="_in_").c))
            elif len(self.columns) == 1:
                condition = target.in_(bindparam("_in_keys", expanding=True))
            else:
                condition = self._by_rowid()
            found = self._statements[dialect] = self.build(condition)
        return found

    def _by_rowid(self) -> ColumnElement[bool]:
        table = self.columns[0].table.alias()
        keys = func.json_each(bindparam("_in_keys", type_=String())).table_valued("value")
        on = and_(*(table.c[c.name] == func.json_extract(keys.c.value, literal_column(f"'$[{i}]'"))
                    for i, c in enumerate(self.columns)))
        primary = self.columns[0].table.c.id
        return primary.in_(select(table.c.id).select_from(keys.join(table, on)))

    def __call__(self, conn: AsyncConnection, keys: Sequence[tuple[Any, ...]]) -> tuple[Executable, dict[str, Any]]:
        """The statement and its parameters for `keys` (tuples in the order of the columns)."""
        dialect = conn.dialect.name
        if dialect == "postgresql":
            params: dict[str, Any] = {f"_in_{c.name}": [k[i] for k in keys] for i, c in enumerate(self.columns)}
        elif len(self.columns) == 1:
            params = {"_in_keys": [k[0] for k in keys]}
        else:
            params = {"_in_keys": orjson.dumps(list(keys)).decode()}
        return self._statement(dialect), params
