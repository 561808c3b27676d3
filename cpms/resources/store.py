"""How documents of one kind are kept in one table.

Declared paths (`Column(info={"path": ...})`) are real columns, so they can be filtered,
sorted, joined and constrained by the database; every other property of the document lives in
the `attrs` JSON column. `join` and `split` convert between a row and the document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import Column, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import iso
from cpms.resources.document import MISSING, get_path, pop_path, prune_empty, set_path
from cpms.storage.types import UtcDateTime


class Store:
    def __init__(self, table: Table, *, hidden: Iterable[str] = ()) -> None:
        self.table = table
        self.columns: dict[str, Column[Any]] = {
            col.info["path"]: col for col in table.columns if "path" in col.info
        }
        # Columns kept for the server's own use (hashes, foreign keys of internal links).
        self.hidden = set(hidden)
        self.pk = table.c.id

    def column(self, dotted: str) -> Column[Any] | None:
        return self.columns.get(dotted)

    def join(self, row: Any) -> dict[str, Any]:
        """The document stored in `row`."""
        mapping = row._mapping if hasattr(row, "_mapping") else row
        doc: dict[str, Any] = dict(mapping.get("attrs") or {})
        doc["id"] = mapping["id"]
        for dotted, col in self.columns.items():
            if col.name not in mapping:
                continue
            value = mapping[col.name]
            if isinstance(value, datetime):
                value = iso(value)
            elif isinstance(value, date):
                value = value.isoformat()
            set_path(doc, dotted, value)
        return doc

    def split(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Column values for `doc`: declared paths to their columns, the rest into attrs."""
        rest = _deep_copy(doc)
        rest.pop("id", None)
        values: dict[str, Any] = {}
        for dotted, col in self.columns.items():
            value = pop_path(rest, dotted)
            if value is MISSING:
                continue
            if isinstance(col.type, UtcDateTime) and isinstance(value, str):
                from cpms.clock import parse_iso

                value = parse_iso(value)
            values[col.name] = value
        values["attrs"] = prune_empty(rest)
        return values

    def set(self, doc: dict[str, Any], dotted: str, value: Any) -> None:
        set_path(doc, dotted, value)

    def get(self, doc: dict[str, Any], dotted: str, default: Any = None) -> Any:
        value = get_path(doc, dotted)
        return default if value is MISSING else value

    async def fetch(self, conn: AsyncConnection, id_: int, *where: Any) -> dict[str, Any] | None:
        row = (await conn.execute(select(self.table).where(self.pk == id_, *where))).first()
        return self.join(row) if row is not None else None

    async def fetch_many(self, conn: AsyncConnection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = list(set(ids))
        if not ids:
            return {}
        rows = (await conn.execute(select(self.table).where(self.pk.in_(ids)))).all()
        return {row.id: self.join(row) for row in rows}


def _deep_copy(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else (list(v) if isinstance(v, list) else v) for k, v in doc.items()}
