"""Database rules checked before writing, so a client gets a message naming its own field.

The database enforces the same rules (foreign keys, unique constraints, RESTRICT); these checks
exist to turn a violation into a 422/409 a person understands. A race between check and write
still ends in the database's refusal, reported as a 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Integer, String, Table, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.errors import Conflict, Invalid

if TYPE_CHECKING:
    from cpms.resources.binding import Binding


def table_label(table: Table) -> str:
    return table.info.get("label") or table.name.rstrip("s").replace("_", " ")


def _wire(b: "Binding", column: Any) -> str | None:
    dotted = column.info.get("path")
    return b.view.wire_name(dotted) if dotted else None


async def check_references(conn: AsyncConnection, b: "Binding", values: dict[str, Any],
                           old_values: dict[str, Any] | None = None) -> None:
    errors: dict[str, list[str]] = {}
    for fk in b.resource.table.foreign_keys:
        column = fk.parent
        value = values.get(column.name)
        if value is None or (old_values is not None and old_values.get(column.name) == value):
            continue
        field = _wire(b, column)
        if field is None:
            continue
        target = fk.column
        found = (await conn.execute(select(target).where(target == value))).first()
        if found is None:
            errors[field] = [f"The selected {field} is invalid: there is no {table_label(target.table)} {value}."]
    if errors:
        raise Invalid(errors)


_INT_LIMITS = {"small": 2**15, "int": 2**31, "big": 2**63}


def _int_limit(column: Any) -> int | None:
    kind = column.type
    for candidate in (kind, *getattr(kind, "_variant_mapping", {}).values()):
        if isinstance(candidate, BigInteger):
            return _INT_LIMITS["big"]
    if isinstance(kind, Integer):
        return _INT_LIMITS["small"] if kind.__class__.__name__ == "SmallInteger" else _INT_LIMITS["int"]
    return None


def _nul_paths(value: Any, prefix: str) -> list[str]:
    if isinstance(value, str):
        return [prefix] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_paths(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{prefix}.{i}" if prefix else str(i))]
    return []


def check_values(b: "Binding", values: dict[str, Any]) -> None:
    """Values the columns can hold: the database refuses (PostgreSQL) or truncates what does not fit.

    Text no longer than the column, integers within its range, and no NUL characters (which
    PostgreSQL cannot store in text or JSON) anywhere, attrs included.
    """
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        column = b.resource.table.c.get(name)
        if column is None or value is None:
            continue
        field = _wire(b, column) or name
        if name == "attrs":
            for dotted in _nul_paths(value, ""):
                wire = b.view.wire_name(dotted)
                errors.setdefault(wire, []).append(f"The {wire} field must not contain NUL characters.")
            continue
        if isinstance(value, str):
            if "\x00" in value:
                errors.setdefault(field, []).append(f"The {field} field must not contain NUL characters.")
            length = getattr(column.type, "length", None)
            if isinstance(column.type, String) and length and len(value) > length:
                errors.setdefault(field, []).append(f"The {field} field must not be greater than {length} characters.")
        elif isinstance(value, int) and not isinstance(value, bool):
            limit = _int_limit(column)
            if limit is not None and not -limit <= value < limit:
                errors.setdefault(field, []).append(f"The {field} field must be between {-limit} and {limit - 1}.")
    if errors:
        raise Invalid(errors)


def _unique_sets(table: Table) -> list[list[Any]]:
    sets = [[col] for col in table.columns if col.unique]
    sets += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    sets += [list(ix.columns) for ix in table.indexes if ix.unique]
    return sets


async def check_uniques(conn: AsyncConnection, b: "Binding", values: dict[str, Any], self_id: int | None) -> None:
    table = b.resource.table
    errors: dict[str, list[str]] = {}
    for columns in _unique_sets(table):
        if any(values.get(col.name) is None for col in columns):
            continue
        stmt = select(table.c.id).where(*(col == values[col.name] for col in columns))
        if self_id is not None:
            stmt = stmt.where(table.c.id != self_id)
        if (await conn.execute(stmt.limit(1))).first() is None:
            continue
        fields = [f for f in (_wire(b, col) for col in columns) if f]
        for field in fields[-1:]:
            scope = " on this " + _scope_label(columns[0]) if len(columns) > 1 else ""
            errors[field] = [f"The {field} has already been taken{scope}."]
    if errors:
        raise Invalid(errors)


def _scope_label(column: Any) -> str:
    """What a unique set is scoped by: the parent its first column refers to (an EVSE's charge point)."""
    for fk in column.foreign_keys:
        return table_label(fk.column.table)
    return table_label(column.table)


async def check_restrictions(conn: AsyncConnection, b: "Binding", id_: int) -> None:
    """Refuse to delete a row that rows of other tables still reference with ON DELETE RESTRICT."""
    table = b.resource.table
    for other in table.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() != "RESTRICT":
                continue
            count = (await conn.execute(select(func.count()).where(fk.parent == id_))).scalar_one()
            if count:
                noun = table_label(other) + ("s" if count != 1 else "")
                verb = "belong" if count != 1 else "belongs"
                raise Conflict(f"{b.resource.label} {id_} cannot be deleted: {count} {noun} still {verb} to it. "
                               f"Move or delete them first.")
