"""The kinds of payload builders notifications are declared with.

- `changed(id_field)`: the v2 "x.changed" shape: the entity's id, the action and the time.
- `full_object(prop, resource_path)`: the older "XChangedNotification" shape carrying the whole
  object, rendered exactly as the API answers it at `resource_path` (that binding's view and
  loaders), then fitted to the callback's schema.
- `from_data(key)`: the payload is already in the event's data (the emitter built it).
- `shaped(mapper)`: the mapper says which value goes under which name; the callback's schema
  decides what leaves (undeclared properties dropped, values its enums do not know left out or
  null), and a payload still missing a required value is not sent at all.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import iso
from cpms.contract.schema import merge_all_of
from cpms.resources.shape import accepts_null, compile_shaper
from cpms.webhooks.notifications import BuildContext, Builder, callback_schema

log = logging.getLogger(__name__)
Payload = dict[str, Any] | None
Mapper = Callable[[BuildContext], Awaitable[Payload] | Payload]  # a plain function, or async to read the database


def entity_id(value: Any) -> int:
    return int(value)


def allowed_action(ctx: BuildContext) -> str | None:
    """The event's action, or None when the callback cannot express it (e.g. a deletion it has no word for)."""
    action = ctx.action
    allowed = ctx.enum("action")
    if action is None or (allowed is not None and action not in allowed):
        return None
    return action


def changed(id_field: str, *, text_id: bool = False, also: Mapping[str, str] | None = None) -> Builder:
    """{id_field: the entity's id, action, lastUpdatedAt}; `also` copies ids from the event data."""

    async def build(ctx: BuildContext) -> dict[str, Any] | None:
        action = allowed_action(ctx)
        if action is None:
            return None
        ident: Any = entity_id(ctx.event.entity_id)
        payload: dict[str, Any] = {id_field: str(ident) if text_id else ident, "action": action,
                                   "lastUpdatedAt": iso(ctx.event.at)}
        for field, key in (also or {}).items():
            value = ctx.event.data.get(key)
            if value is None:
                return None
            payload[field] = entity_id(value)
        return payload

    return build


def from_data(key: str | None = None) -> Builder:
    """The payload the emitter put in the event's data (all of it, or `data[key]`)."""

    async def build(ctx: BuildContext) -> dict[str, Any] | None:
        value = ctx.event.data if key is None else ctx.event.data.get(key)
        return dict(value) if isinstance(value, dict) else None

    return build


def shaped(mapper: Mapper) -> Builder:
    """The mapper's payload fitted to the callback's schema; None when it cannot be made valid.

    Mappers translate the domain's words; this keeps every payload inside the contract even when
    a charger reports something the callback has no word for (a 2.0.1 status, a custom type).
    """

    async def build(ctx: BuildContext) -> dict[str, Any] | None:
        raw = mapper(ctx)
        if inspect.isawaitable(raw):
            raw = await raw
        if raw is None:
            return None
        schema = payload_schema(ctx.name)
        payload = conform(payload_shaper(ctx.name)(raw), schema, {})
        missing = [name for name in schema.get("required", ()) if not has_value(payload, name, schema)]
        if missing:
            log.info("%s for event %s not sent: no valid %s", ctx.name, ctx.event.id, ", ".join(missing))
            return None
        return payload

    return build


@cache
def payload_schema(name: str) -> dict[str, Any]:
    """The callback's schema without `notification` (added by the fan-out)."""
    schema = callback_schema(name)
    props = {k: v for k, v in (schema.get("properties") or {}).items() if k != "notification"}
    required = [r for r in schema.get("required") or () if r != "notification"]
    return {**schema, "properties": props, "required": required}


@cache
def payload_shaper(name: str) -> Any:
    return compile_shaper(payload_schema(name))


def has_value(payload: Mapping[str, Any], name: str, schema: dict[str, Any]) -> bool:
    if payload.get(name) is not None:
        return True
    return name in payload and accepts_null(merge_all_of(schema["properties"].get(name) or {}))


def full_object(prop: str, *, resource_path: str, fallbacks: Mapping[str, Any] | None = None,
                aliases: tuple[str, ...] = ()) -> Builder:
    """{prop: the object as served at `resource_path`, action, lastUpdatedAt}.

    A deleted object is gone from the database: it is sent with its id and the `fallbacks` for
    what the schema requires. `aliases` repeat the object under other keys the schema requires.
    """

    async def build(ctx: BuildContext) -> dict[str, Any] | None:
        action = allowed_action(ctx)
        if action is None:
            return None
        ident = entity_id(ctx.event.entity_id)
        wire = None if action == "deleted" else await wire_document(ctx.conn, resource_path, ident)
        schema = object_schema(ctx.name, prop)
        obj = conform(compile_shaper(schema)(wire or {"id": ident}), schema, fallbacks or {})
        payload = {prop: obj, "action": action, "lastUpdatedAt": iso(ctx.event.at)}
        for alias in aliases:
            payload[alias] = obj
        return payload

    return build


@cache
def object_schema(name: str, prop: str) -> dict[str, Any]:
    return merge_all_of(callback_schema(name)["properties"][prop])


def binding_at(path: str) -> Any:
    from cpms.api.registry import registry

    for binding in registry.bindings:
        if binding.path == path:
            return binding
    return None


async def wire_document(conn: AsyncConnection, path: str, ident: int) -> dict[str, Any] | None:
    """The object `ident` as GET `path`/{ident} renders it (before projection), or None."""
    binding = binding_at(path)
    if binding is None:
        return None
    doc = await binding.resource.store.fetch(conn, ident)
    if doc is None:
        return None
    for loader in [*binding.resource.enrich, *binding.view.enrich]:
        await loader(conn, [doc])
    return binding.view.to_wire(doc)


def conform(obj: dict[str, Any], schema: dict[str, Any], fallbacks: Mapping[str, Any]) -> dict[str, Any]:
    """Make the top level of `obj` valid where its source could not: enums, scalar types, required values."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out = dict(obj)
    for name, sub in props.items():
        sub = merge_all_of(sub)
        value = out.get(name)
        if value is None:
            if name in required and not accepts_null(sub):
                out[name] = fallbacks.get(name, sub.get("default"))
            continue
        if sub.get("type") == "string" and isinstance(value, int) and not isinstance(value, bool):
            value = out[name] = str(value)
        if sub.get("enum") and value not in sub["enum"]:
            if name in fallbacks:
                out[name] = fallbacks[name]
            elif accepts_null(sub):
                out[name] = None
            else:
                out.pop(name)
    for name in required:
        if out.get(name) is None and name in fallbacks:
            out[name] = fallbacks[name]
    return out
