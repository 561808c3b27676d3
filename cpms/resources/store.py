"""How documents of one kind are kept in one table.

Declared paths (`Column(info={"path": ...})`) are real columns, so they can be filtered,
sorted, joined and constrained by the database; every other property of the document lives in
the `attrs` JSON column. `join` and `split` convert between a row and the document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import JSON, Boolean, Column, Float, Integer, Numeric, String, Table, TypeDecorator, bindparam, select
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
        self._joiners: dict[tuple[str, ...], Callable[[Any], dict[str, Any]]] = {}
        self._by_id = select(table).where(self.pk == bindparam("fetch_id"))
        self.everything = select(table)  # one object: what listings derive from it is built once

    def column(self, dotted: str) -> Column[Any] | None:
        return self.columns.get(dotted)

    def join(self, row: Any) -> dict[str, Any]:
        """The document stored in `row`."""
        return self.join_all([row])[0]

    def join_all(self, rows: Sequence[Any]) -> list[dict[str, Any]]:
        """The documents stored in `rows`, rows of one result (a page of a listing).

        Where each property's column sits in such rows is worked out once per set of columns, as a
        function generated for it (`_joiner`), not looked up by name for every row and column.
        """
        fields = getattr(rows[0], "_fields", None) if rows else None
        if fields is None or "id" not in fields:
            return [self._join_mapping(row._mapping if hasattr(row, "_mapping") else row) for row in rows]
        joiner = self._joiners.get(fields)
        if joiner is None:
            joiner = self._joiners[fields] = self._joiner(fields)
        return [joiner(row) for row in rows]

    def _joiner(self, fields: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
        """A plain function from a row with these `fields` to its document, as generated source.

        It runs for every row of every page, so it holds only what each column needs: a date
        conversion where the column's type may give one, a walk to the parent object where the
        property is nested; properties are set in the order of the table's columns.
        """
        at = {name: index for index, name in reversed(list(enumerate(fields)))}
        env: dict[str, Any] = {"_iso": iso, "_date": date, "_datetime": datetime, "_dict": dict}
        attrs = at.get("attrs")
        lines = ["def join_row(row):"]
        lines += [f"    attrs = row[{attrs}]", "    doc = _dict(attrs) if attrs else {}"] if attrs is not None \
            else ["    doc = {}"]
        lines.append(f"    doc['id'] = row[{at['id']}]")
        for dotted, col in self.columns.items():
            if col.name not in at:
                continue
            *parents, leaf = dotted.split(".")
            lines.append(f"    value = row[{at[col.name]}]")
            if _may_hold_dates(col):
                lines += ["    if value.__class__ is _datetime:", "        value = _iso(value)",
                          "    elif isinstance(value, _date):",
                          "        value = _iso(value) if isinstance(value, _datetime) else value.isoformat()"]
            node = "doc"
            for part in parents:
                lines += [f"    child = {node}.get({part!r})", "    if not isinstance(child, dict):",
                          f"        child = {node}[{part!r}] = {{}}", "    node = child"]
                node = "node"
            lines.append(f"    {node}[{leaf!r}] = value")
        lines.append("    return doc")
        exec(compile("\n".join(lines), f"<join {self.table.name}>", "exec"), env)  # noqa: S102 - names from the table
        return env["join_row"]  # type: ignore[no-any-return]

    def _join_mapping(self, mapping: Any) -> dict[str, Any]:
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
        if where:
            row = (await conn.execute(select(self.table).where(self.pk == id_, *where))).first()
        else:
            # one statement for every read by id: built, and its cache key computed, once
            row = (await conn.execute(self._by_id, {"fetch_id": id_})).first()
        return self.join(row) if row is not None else None

    async def fetch_many(self, conn: AsyncConnection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = list(set(ids))
        if not ids:
            return {}
        rows = (await conn.execute(select(self.table).where(self.pk.in_(ids)))).all()
        return {doc["id"]: doc for doc in self.join_all(rows)}


# column types whose values are never dates: no conversion to look for
_NOT_DATES = (String, Integer, Boolean, Numeric, Float, JSON)


def _may_hold_dates(col: Column[Any]) -> bool:
    kind = col.type.impl if isinstance(col.type, TypeDecorator) else col.type
    return not isinstance(kind, _NOT_DATES)


def _deep_copy(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else (list(v) if isinstance(v, list) else v) for k, v in doc.items()}
