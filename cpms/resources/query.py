"""Listing: contract filters turned into SQL, and both pagination styles of the contract.

Filters resolve in this order: a filter the resource declares itself; a property stored in a
real column (equality, or IN for a list); `<x>After` / `<x>Before` on a timestamp column
(`lastUpdatedAfter` -> lastUpdatedAt >= value). Anything else must be declared by the resource;
a test checks that every filter of every bound operation resolves.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import BigInteger, Boolean, Integer, Numeric, Select, SmallInteger, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import BindParameter, literal

from cpms.clock import parse_iso
from cpms.errors import Invalid
from cpms.resources.view import View
from cpms.storage.types import UtcDateTime

if TYPE_CHECKING:
    from cpms.resources.resource import Resource

FilterFn = Callable[[Any], ColumnElement[bool]]
# an exact count of a listing's rows that costs less than counting them: an expression (a scalar
# subquery) read with the page's rows, NULL when it has none
Total = ColumnElement[Any]


def typed(column: Any, value: Any) -> Any:
    """A filter value (text or typed by the contract) converted to the column's type."""
    kind = column.type
    try:
        if isinstance(kind, UtcDateTime):
            return value if isinstance(value, datetime) else parse_iso(str(value))
        if isinstance(kind, Boolean):
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in {"true", "1", "yes"}:
                return True
            if lowered in {"false", "0", "no"}:
                return False
            raise ValueError(value)
        if isinstance(kind, Integer):
            number = int(value)
            # beyond the column's range PostgreSQL refuses the comparison itself
            if not -_int_bound(kind) <= number < _int_bound(kind):
                raise ValueError(value)
            return number
        if isinstance(kind, Numeric):
            return float(value)
    except (TypeError, ValueError, OverflowError):
        raise Invalid.field(f"filter.{column.info.get('path', column.name)}",
                            f"The filter value {value!r} is not valid here.") from None
    return str(value) if not isinstance(value, str) else value


def _int_bound(kind: Any) -> int:
    if isinstance(kind, BigInteger):
        return 2**63
    return 2**15 if isinstance(kind, SmallInteger) else 2**31


def column_filter(column: Any) -> FilterFn:
    def clause(value: Any) -> ColumnElement[bool]:
        if isinstance(value, list):
            return column.in_([typed(column, v) for v in value])
        if value is None or value == "null":
            return column.is_(None)
        return column == typed(column, value)

    return clause


DEEP_OFFSET = 1000  # from here a page-style page looks its first key up by keys alone


class JsonArrayContains(ColumnElement[bool]):
    """`column[key]` (a JSON array of scalars in a JSON column) contains `value`: portable SQL.

    For list-valued document properties kept in `attrs` (tags): SQLite reads the array with
    json_each, PostgreSQL (JSONB) with the containment operator.
    """

    type = Boolean()
    inherit_cache = False  # the key is part of the SQL text: never share a cached statement

    def __init__(self, column: Any, key: str, value: Any) -> None:
        if not key.isidentifier():
            raise ValueError(f"not a plain JSON key: {key!r}")
        self.column = column
        self.key = key
        self.value: BindParameter[Any] = literal(value)


@compiles(JsonArrayContains)
def _json_array_contains_sqlite(element: JsonArrayContains, compiler: Any, **kw: Any) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}, '$.{element.key}') WHERE json_each.value = {value})"


@compiles(JsonArrayContains, "postgresql")
def _json_array_contains_postgresql(element: JsonArrayContains, compiler: Any, **kw: Any) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"(({column} -> '{element.key}') @> jsonb_build_array(CAST({value} AS TEXT)))"


def json_array_contains(column: Any, key: str) -> FilterFn:
    """A filter on a list property kept in a JSON column: `filter[tag]=x` -> tags contains x."""
    return lambda value: JsonArrayContains(column, key, str(value))


def resolve_filter(resource: "Resource", view: View, name: str) -> FilterFn | None:
    custom = resource.filters.get(name)
    if custom is not None:
        return custom
    canonical = view.canonical_name(name)
    column = resource.store.column(canonical)
    if column is not None:
        plain = column_filter(column)
        if name in view.values:
            return lambda value: plain(view.filter_value(name, value))
        return plain
    for suffix, compare in (("After", "__ge__"), ("Before", "__le__")):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            for candidate in (base + "At", base):
                column = resource.store.column(view.canonical_name(candidate))
                if column is not None and isinstance(column.type, UtcDateTime):
                    col = column
                    return lambda value, col=col, compare=compare: getattr(col, compare)(typed(col, value))
    return None


def apply_filters(stmt: Select[Any], resource: "Resource", view: View, filters: dict[str, Any]) -> Select[Any]:
    for name, value in filters.items():
        fn = resolve_filter(resource, view, name)
        if fn is None:
            raise Invalid.field(f"filter.{name}", f"Filtering by {name} is not supported.")
        if any("\x00" in str(v) for v in (value if isinstance(value, list) else [value])):
            # PostgreSQL cannot even compare text holding NUL; no stored value has one
            raise Invalid.field(f"filter.{name}", "The filter value must not contain NUL characters.")
        stmt = stmt.where(fn(value))
    return stmt


@dataclass
class Page:
    rows: list[Any]
    links: dict[str, Any]
    meta: dict[str, Any]


def encode_cursor(key: int, previous: bool) -> str:
    raw = orjson.dumps({"id": key, "p": previous})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, bool]:
    try:
        padded = text + "=" * (-len(text) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        return int(data["id"]), bool(data["p"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise Invalid.field("cursor", "The cursor is invalid; use the links of the previous page.") from None


class Paginator:
    """One listing request: the mode, page size and the URLs of neighbouring pages."""

    def __init__(self, mode: str | None, query: dict[str, Any], url: str, raw_query: dict[str, Any]) -> None:
        self.per_page = int(query.get("per_page") or 100)
        if mode == "both":
            mode = "cursor" if "cursor" in raw_query else "page"
        self.mode = mode or "page"
        self.query = query
        self.url = url
        self.raw_query = raw_query

    def _link(self, **changes: Any) -> str:
        params = [(k, v) for k, v in _flatten_query(self.raw_query) if k not in changes]
        params += [(k, str(v)) for k, v in changes.items()]
        return f"{self.url}?{urlencode(params)}"

    async def run(self, conn: AsyncConnection, stmt: Select[Any], key: Any, total: Total | None = None, *,
                  shared: bool = False) -> Page:
        """A page of `stmt`'s rows. `shared`: `stmt` is one object used by every request (a whole
        table), so the statements derived from it are built once, not per request."""
        derive = _Derived(stmt, key, shared)
        if self.mode == "cursor":
            return await self._cursor(conn, derive)
        return await self._page(conn, derive, total)

    async def _cursor(self, conn: AsyncConnection, derive: "_Derived") -> Page:
        cursor = self.query.get("cursor")
        previous = False
        params: dict[str, Any] = {"page_limit": self.per_page + 1}
        if cursor:
            params["page_key"], previous = decode_cursor(cursor)
            ordered = derive("before" if previous else "after")
        else:
            ordered = derive("first")
        rows = list((await conn.execute(ordered, params)).all())
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if previous:
            rows.reverse()
        has_next = more if not previous else True
        has_prev = bool(cursor) and (more if previous else True)
        next_cursor = encode_cursor(rows[-1].id, False) if rows and has_next else None
        prev_cursor = encode_cursor(rows[0].id, True) if rows and has_prev else None
        return Page(
            rows=rows,
            links={"first": None, "last": None,
                   "prev": self._link(cursor=prev_cursor) if prev_cursor else None,
                   "next": self._link(cursor=next_cursor) if next_cursor else None},
            meta={"path": self.url, "per_page": self.per_page,
                  "next_cursor": next_cursor, "prev_cursor": prev_cursor},
        )

    async def _page_rows(self, conn: AsyncConnection, derive: "_Derived", offset: int, counted: bool) -> list[Any]:
        """The rows of a page. Deep in the list, the key where the page starts is found first by skipping
        keys only (an index-only walk), not whole rows: page 900 then costs close to what page 1 does."""
        suffix = "+total" if counted else ""
        if offset >= DEEP_OFFSET:
            start = (await conn.execute(derive("start key"), {"page_offset": offset})).scalar()
            if start is None:
                return []
            params = {"page_key": start, "page_limit": self.per_page}
            return list((await conn.execute(derive("from key" + suffix), params)).all())
        params = {"page_offset": offset, "page_limit": self.per_page}
        return list((await conn.execute(derive("at offset" + suffix), params)).all())

    async def _page(self, conn: AsyncConnection, derive: "_Derived", known: Total | None) -> Page:
        page = max(1, int(self.query.get("page") or 1))
        offset = (page - 1) * self.per_page
        # the known total rides along as the rows' last column: no round trip of its own
        derive.total = known
        rows = await self._page_rows(conn, derive, offset, known is not None)
        total: int | None = None
        if len(rows) < self.per_page and (rows or offset == 0):
            total = offset + len(rows)  # the last page is in sight: no need to count
        elif known is not None:
            value = rows[0][-1] if rows else (await conn.execute(select(known))).scalar()
            total = int(value) if value is not None else None
        if total is None:
            total = (await conn.execute(derive("count"))).scalar_one()
        last = max(1, math.ceil(total / self.per_page))
        return Page(
            rows=rows,
            links={"first": self._link(page=1), "last": self._link(page=last),
                   "prev": self._link(page=page - 1) if page > 1 else None,
                   "next": self._link(page=page + 1) if page < last else None},
            meta={"current_page": page, "from": offset + 1 if rows else None, "last_page": last,
                  "links": self._page_links(page, last), "path": self.url, "per_page": self.per_page,
                  "to": offset + len(rows) if rows else None, "total": total},
        )

    def _page_links(self, page: int, last: int) -> list[dict[str, Any]]:
        first_shown, last_shown = max(1, page - 3), min(last, page + 3)
        links = [{"url": self._link(page=page - 1) if page > 1 else None, "label": "&laquo; Previous", "active": False}]
        links += [{"url": self._link(page=n), "label": str(n), "active": n == page}
                  for n in range(first_shown, last_shown + 1)]
        links.append({"url": self._link(page=page + 1) if page < last else None, "label": "Next &raquo;", "active": False})
        return links


class _Derived:
    """The statements a listing runs, derived from its statement with the page's numbers as bound
    parameters (page_key, page_offset, page_limit). For a statement shared by every request they
    are built once and kept (a few per bound resource): building one cost ~0.1 ms per page."""

    def __init__(self, stmt: Select[Any], key: Any, shared: bool) -> None:
        self.stmt, self.key, self.shared = stmt, key, shared
        self.total: Total | None = None

    def __call__(self, kind: str) -> Select[Any]:
        if not self.shared:
            return self._build(kind)
        cache_key = (self.stmt, kind, self.total)
        found = _derived.get(cache_key)
        if found is None:
            found = _derived[cache_key] = self._build(kind)
        return found

    def _build(self, kind: str) -> Select[Any]:
        stmt, key = self.stmt, self.key
        at, limit = bindparam("page_key", type_=key.type), bindparam("page_limit", type_=Integer())
        offset = bindparam("page_offset", type_=Integer())
        if kind == "count":
            return select(func.count()).select_from(stmt.order_by(None).subquery())
        if kind == "start key":
            return stmt.with_only_columns(key).order_by(key.asc()).offset(offset).limit(1)
        if kind.endswith("+total"):
            stmt, kind = stmt.add_columns(self.total), kind[:-len("+total")]
        if kind == "first":
            return stmt.order_by(key.asc()).limit(limit)
        if kind == "after":
            return stmt.where(key > at).order_by(key.asc()).limit(limit)
        if kind == "before":
            return stmt.where(key < at).order_by(key.desc()).limit(limit)
        if kind == "from key":
            return stmt.where(key >= at).order_by(key.asc()).limit(limit)
        return stmt.order_by(key.asc()).offset(offset).limit(limit)  # at offset


_derived: dict[tuple[Any, str, Any], Select[Any]] = {}


def _flatten_query(query: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in query.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            out += _flatten_query(value, name)
        elif isinstance(value, list):
            out += [(f"{name}[]", str(v)) for v in value]
        else:
            out.append((name, str(value)))
    return out
