"""Documents projected onto the contract's response schema.

Only the properties the contract declares reach the client (internal fields and write-only
secrets never do); a required property without a value is sent as its default or null, so
every answer validates against the contract. Shapers are compiled once per schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cpms.contract.schema import merge_all_of

Shaper = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def compile_shaper(schema: dict[str, Any] | None) -> Shaper:
    if not schema:
        return _identity
    schema = merge_all_of(schema)
    if "oneOf" in schema or "anyOf" in schema:
        return _identity
    kind = schema.get("type")
    if kind == "array":
        item = compile_shaper(schema.get("items"))
        if item is _identity:
            return _identity
        return lambda value: [item(v) for v in value] if isinstance(value, list) else value
    props = schema.get("properties")
    if not props:
        return _identity
    fields: list[tuple[str, Shaper, bool, Any]] = []
    required = set(schema.get("required", ()))
    for name, sub in props.items():
        if not isinstance(sub, dict) or sub.get("writeOnly"):
            continue
        sub = merge_all_of(sub)
        has_fallback = name in required
        fallback = sub.get("default") if "default" in sub else None
        fields.append((name, compile_shaper(sub), has_fallback, fallback))

    def shape_object(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for name, shaper, has_fallback, fallback in fields:
            if name in value:
                item = value[name]
                out[name] = shaper(item) if item is not None else None
            elif has_fallback:
                out[name] = fallback
        return out

    return shape_object
