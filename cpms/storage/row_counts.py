"""Exact row counts of big tables, kept by the database itself, so a page-style listing's
`meta.total` does not scan the table on every request.

A counted table has triggers that record every insert and delete in `row_counts`, inside the
writing transaction: a rollback takes its counts back with it, and every server process or node
on one database sees the same numbers. The total of a table is the sum of its `row_counts` rows.

- SQLite has one writer at a time: one row per table, moved by row triggers.
- PostgreSQL has concurrent writers: updating one counter row would serialise them (and could
  deadlock two transactions writing two counted tables in opposite orders), so statement
  triggers append a row per statement (+inserted or -deleted, from the transition tables) and
  `compact` folds those rows into one now and then. Appending takes no lock that another writer
  waits for.

Counters are installed by migrations (`install`), which also record the rows already there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.storage.tables.core import row_counts

_PG_FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION cpms_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO row_counts (table_name, n) SELECT TG_TABLE_NAME, count(*) FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION cpms_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO row_counts (table_name, n) SELECT TG_TABLE_NAME, -count(*) FROM old_rows HAVING count(*) > 0;
    RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION cpms_rows_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM row_counts WHERE table_name = TG_TABLE_NAME;
    INSERT INTO row_counts (table_name, n) VALUES (TG_TABLE_NAME, 0);
    RETURN NULL;
END $$""",
)


def install(dialect: str, table: str) -> list[str]:
    """The statements that start counting `table` (its current rows included)."""
    _check_name(table)
    base = f"INSERT INTO row_counts (table_name, n) SELECT '{table}', count(*) FROM {table}"
    if dialect == "postgresql":
        return [*_PG_FUNCTIONS, base,
                f"CREATE TRIGGER row_count_{table}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION cpms_rows_inserted()",
                f"CREATE TRIGGER row_count_{table}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION cpms_rows_deleted()",
                f"CREATE TRIGGER row_count_{table}_truncate AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION cpms_rows_truncated()"]
    return [base,
            f"CREATE TRIGGER row_count_{table}_insert AFTER INSERT ON {table} BEGIN "
            f"UPDATE row_counts SET n = n + 1 WHERE table_name = '{table}'; END",
            f"CREATE TRIGGER row_count_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"UPDATE row_counts SET n = n - 1 WHERE table_name = '{table}'; END"]


def uninstall(dialect: str, table: str) -> list[str]:
    """The statements that stop counting `table`."""
    _check_name(table)
    events = ("insert", "delete", "truncate") if dialect == "postgresql" else ("insert", "delete")
    suffix = f" ON {table}" if dialect == "postgresql" else ""
    return [*(f"DROP TRIGGER IF EXISTS row_count_{table}_{event}{suffix}" for event in events),
            f"DELETE FROM row_counts WHERE table_name = '{table}'"]


def total_of(table: str) -> ScalarSelect[Any]:
    """The number of rows in `table` as a scalar subquery, NULL when the table is not counted (a
    counted table always has a row here): read in the statement that reads a page, it costs no
    round trip of its own, and is taken in the same snapshot as the page's rows."""
    found = _totals.get(table)
    if found is None:
        found = _totals[table] = select(func.sum(row_counts.c.n)).where(row_counts.c.table_name == table) \
            .scalar_subquery()
    return found


_totals: dict[str, ScalarSelect[Any]] = {}


async def total(conn: AsyncConnection, table: str) -> int | None:
    """The number of rows in `table`, or None when the table is not counted."""
    n = (await conn.execute(select(total_of(table)))).scalar()
    return int(n) if n is not None else None


async def compact(conn: AsyncConnection) -> None:
    """Fold each table's rows into one (PostgreSQL), so that reading a total stays one small sum.

    Atomic: a concurrent reader sees the rows before or after, with the same sum. One node at a
    time (an advisory lock): another compacting at once finds nothing to do.
    """
    if conn.dialect.name != "postgresql":
        return
    locked = (await conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtext('cpms.row_counts'))"))).scalar()
    if not locked:
        return
    await conn.execute(text(
        "WITH gone AS (DELETE FROM row_counts WHERE table_name IN "
        "(SELECT table_name FROM row_counts GROUP BY table_name HAVING count(*) > 1) RETURNING table_name, n) "
        "INSERT INTO row_counts (table_name, n) SELECT table_name, sum(n) FROM gone GROUP BY table_name"))


def _check_name(table: str) -> None:
    if not table.isidentifier():
        raise ValueError(f"not a plain table name: {table!r}")

