"""The generic operations every declared resource gets: list, read, create, update, delete.

Each takes a `Binding` (resource + version view + parent scope) and a `Call`, and returns the
document(s) shaped for the operation's response schema.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.call import Call, Reply
from cpms.contract.schema import fill_defaults
from cpms.errors import Conflict, NotFound
from cpms.events import Event
from cpms.resources.document import MISSING, deep_merge, has_path, pop_path, set_path
from cpms.resources.integrity import check_references, check_restrictions, check_uniques, check_values
from cpms.resources.query import Paginator, apply_filters
from cpms.resources.resource import WriteContext
from cpms.resources.shape import writable
from cpms.storage import row_counts
from cpms.storage.db import Tx

if TYPE_CHECKING:
    from cpms.resources.binding import Binding

# ids are 64-bit in the database: anything else names no row (and must not reach the driver)
MAX_ID = 2**63 - 1


async def list_(b: "Binding", call: Call) -> Reply:
    async with call.rt.db.read() as conn:
        await _check_parents(conn, b, call)
        scope, filters = b.scope(call), call.query.get("filter") or {}
        paginator = Paginator(call.op.pagination, call.query, call.url, call.raw_query)
        if scope or filters:
            stmt = apply_filters(select(b.resource.table).where(*scope), b.resource, b.view, filters)
            page = await paginator.run(conn, stmt, b.resource.store.pk)
        else:
            # the whole table: one statement for every request, and its row count, kept by the database, is the total
            page = await paginator.run(conn, b.resource.store.everything, b.resource.store.pk,
                                       row_counts.total_of(b.resource.table.name), shared=True)
        docs = b.resource.store.join_all(page.rows)
        await _load(conn, b, call, docs)
    return Reply({"data": b.shape_all(call, docs), "links": page.links, "meta": page.meta}, call.op.success_status)


async def read(b: "Binding", call: Call) -> Reply:
    async with call.rt.db.read() as conn:
        doc = await _fetch(conn, b, call)
        await _load(conn, b, call, [doc])
    return Reply(b.envelope(call, b.shape(call, doc)), call.op.success_status)


async def create(b: "Binding", call: Call) -> Reply:
    resource, store = b.resource, b.resource.store
    now = call.rt.clock.now()
    body = fill_defaults(call.op.body_schema, dict(call.body or {}))
    doc = b.view.from_wire(_writable(b, call, body))
    ctx = WriteContext(now=now, view=b.view, parents=b.parent_ids(call), body=body)
    for dotted, value in resource.defaults.items():
        if not has_path(doc, dotted):
            set_path(doc, dotted, value() if callable(value) else value)
    secrets = await _hash_secrets(b, doc)
    async with call.rt.db.write() as tx:
        await _check_parents(tx.conn, b, call)
        for column, parent_id in b.scope_values(call).items():
            doc.setdefault("__scope__", {})[column] = parent_id
        for hook in resource.before_create:
            await hook(tx, doc, ctx)
        values = _row_values(b, doc, ctx, secrets)
        values["created_at"] = now
        values["last_updated_at"] = now
        check_values(b, values)
        await check_references(tx.conn, b, values)
        await check_uniques(tx.conn, b, values, None)
        new_id = await _insert(tx, b, values)
        doc = await store.fetch(tx.conn, new_id)
        assert doc is not None
        for hook in resource.after_write:
            await hook(tx, doc, ctx)
        await _emit(tx, b, new_id, "created", now, b.scope_values(call))
        doc = await store.fetch(tx.conn, new_id)
        await _load(tx.conn, b, call, [doc])
    from cpms.resources.binding import answer_status

    return Reply(b.envelope(call, b.shape(call, doc)), answer_status(call.op))


async def update(b: "Binding", call: Call) -> Reply:
    resource, store = b.resource, b.resource.store
    now = call.rt.clock.now()
    body = dict(call.body or {})
    patch = b.view.from_wire(_writable(b, call, body))
    for dotted in resource.immutable:
        pop_path(patch, dotted)
    secrets = await _hash_secrets(b, patch)
    async with call.rt.db.write() as tx:
        old = await _fetch(tx.conn, b, call)
        ctx = WriteContext(now=now, view=b.view, parents=b.parent_ids(call), old=old, body=body)
        new = deep_merge(old, patch)
        for hook in resource.before_update:
            await hook(tx, new, ctx)
        values = _row_values(b, new, ctx, secrets)
        values["last_updated_at"] = now
        check_values(b, values)
        await check_references(tx.conn, b, values, old_values=store.split(old))
        await check_uniques(tx.conn, b, values, old["id"])
        await _execute(tx, store.table.update().where(store.pk == old["id"]).values(values))
        doc = await store.fetch(tx.conn, old["id"])
        assert doc is not None
        for hook in resource.after_write:
            await hook(tx, doc, ctx)
        await _emit(tx, b, old["id"], "updated", now, b.scope_values(call))
        doc = await store.fetch(tx.conn, old["id"])
        await _load(tx.conn, b, call, [doc])
    return Reply(b.envelope(call, b.shape(call, doc)), call.op.success_status)


async def delete(b: "Binding", call: Call) -> Reply:
    resource, store = b.resource, b.resource.store
    now = call.rt.clock.now()
    async with call.rt.db.write() as tx:
        old = await _fetch(tx.conn, b, call)
        ctx = WriteContext(now=now, view=b.view, parents=b.parent_ids(call), old=old)
        for hook in resource.before_delete:
            await hook(tx, old, ctx)
        await check_restrictions(tx.conn, b, old["id"])
        await _execute(tx, store.table.delete().where(store.pk == old["id"]))
        await _emit(tx, b, old["id"], "deleted", now, b.scope_values(call))
    status = call.op.success_status
    return Reply(None if status == 204 else b.envelope(call, b.shape(call, old)), status)


async def _fetch(conn: AsyncConnection, b: "Binding", call: Call) -> dict[str, Any]:
    await _check_parents(conn, b, call)
    item_id = _row_id(call.path.get(b.item_param)) if b.item_param else None
    doc = await b.resource.store.fetch(conn, item_id, *b.scope(call)) if item_id is not None else None
    if doc is None:
        raise NotFound(f"{b.resource.label} {call.path.get(b.item_param)} not found.")
    return doc


def _row_id(value: Any) -> int | None:
    """A path id as a row id; contracts that type an id as a string still name integer rows."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


async def _check_parents(conn: AsyncConnection, b: "Binding", call: Call) -> None:
    """Every parent of the path exists, and each belongs to the parents before it (outermost first)."""
    outer: list[tuple[Any, Any]] = []
    for param, link in b.parents.items():
        parent_id = call.path[param]
        if _row_id(parent_id) is None:
            raise NotFound(f"{link.resource.label} {parent_id} not found.")
        store = link.resource.store
        where = [store.pk == parent_id]
        for table, outer_id in outer:
            where += [fk.parent == outer_id for fk in store.table.foreign_keys if fk.column.table is table]
        found = (await conn.execute(select(store.pk).where(*where))).first()
        if found is None:
            raise NotFound(f"{link.resource.label} {parent_id} not found.")
        outer.append((store.table, parent_id))


async def _load(conn: AsyncConnection, b: "Binding", call: Call, docs: list[dict[str, Any]]) -> None:
    if not docs:
        return
    for loader in [*b.resource.enrich, *b.view.enrich]:
        await loader(conn, docs)
    for name in call.query.get("include") or ():
        loader = b.resource.includes.get(name)
        if loader is not None:
            await loader(conn, docs)


def _writable(b: "Binding", call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return writable(call.op.body_schema, body, keep=b.view.request_aliases)


async def _hash_secrets(b: "Binding", doc: dict[str, Any]) -> dict[str, Any]:
    """Secrets taken out of `doc` and hashed before the transaction opens, in a worker thread.

    A password hash is deliberately slow (scrypt: a fraction of a second): it must neither stall
    the event loop nor hold the write transaction (on SQLite, every other writer) while it runs.
    """
    hashed: dict[str, Any] = {}
    for secret in b.resource.secrets:
        value = pop_path(doc, secret.path)
        if value is not MISSING:
            hashed[secret.column] = await asyncio.to_thread(secret.hasher, value) if value is not None else None
    return hashed


def _row_values(b: "Binding", doc: dict[str, Any], ctx: WriteContext, secrets: dict[str, Any]) -> dict[str, Any]:
    scope = doc.pop("__scope__", {})
    values = b.resource.store.split(doc)
    values.update(scope)
    values.update(secrets)
    values.pop("created_at", None)
    return values


async def _insert(tx: Tx, b: "Binding", values: dict[str, Any]) -> int:
    table = b.resource.table
    result = await _execute(tx, table.insert().values(values).returning(table.c.id))
    return int(result.scalar_one())


async def _execute(tx: Tx, stmt: Any) -> Any:
    try:
        return await tx.conn.execute(stmt)
    except IntegrityError as exc:
        # The checks above give precise messages; this is the database's last word on a race.
        raise Conflict(f"The change conflicts with existing data: {_integrity_reason(exc)}") from None


def _integrity_reason(exc: IntegrityError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.splitlines()[0][:200]


async def _emit(tx: Tx, b: "Binding", entity_id: int, action: str, now: Any, parents: dict[str, int]) -> None:
    if b.resource.event:
        # "user.paymentMethod.changed" is about a payment method; the user it belongs to is in the data
        entity = b.resource.event.split(".")[-2]
        data: dict[str, Any] = {"action": action}
        for column, parent_id in parents.items():
            data[b.resource.table.c[column].info.get("path", column)] = parent_id
        subject = b.resource.event_subject
        if subject in parents:
            data = {"action": "updated", "cause": {"type": b.resource.name, "id": entity_id, "action": action}}
            entity_id = parents[subject]
            for fk in b.resource.table.c[subject].foreign_keys:
                parent = fk.column.table
                if "last_updated_at" in parent.c:
                    await tx.conn.execute(parent.update().where(fk.column == entity_id).values(last_updated_at=now))
        await tx.emit(Event(type=b.resource.event, entity=entity, entity_id=entity_id, data=data, at=now))

