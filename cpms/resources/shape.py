"""Documents projected onto the contract's schemas, in both directions.

Responses: only the properties the contract declares reach the client (internal fields and
write-only secrets never do); a required property without a value is sent as its default or
null, and a null the schema does not allow on an optional property is left out, so every
answer validates against the contract. Shapers are compiled once per schema.

Requests: `writable` keeps only what a client may write (declared, not readOnly), the way a
validated Laravel request does, so computed or server-owned properties never reach storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cpms.contract.schema import merge_all_of

Shaper = Callable[[Any], Any]
_ABSENT: Any = object()


def _identity(value: Any) -> Any:
    return value


def accepts_null(schema: dict[str, Any]) -> bool:
    if schema.get("nullable"):
        return True
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return any(isinstance(alt, dict) and accepts_null(merge_all_of(alt)) for alt in alternatives)
    return not any(key in schema for key in ("type", "enum", "properties", "items"))


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
    # (name, shaper or None for a value sent as it is, required, its fallback, nullable)
    fields: list[tuple[str, Shaper | None, bool, Any, bool]] = []
    required = set(schema.get("required", ()))
    for name, sub in props.items():
        if not isinstance(sub, dict) or sub.get("writeOnly"):
            continue
        sub = merge_all_of(sub)
        has_fallback = name in required
        fallback = sub.get("default") if "default" in sub else None
        shaper = compile_shaper(sub)
        fields.append((name, None if shaper is _identity else shaper, has_fallback, fallback, accepts_null(sub)))
    return _object_shaper(fields)


def _object_shaper(fields: list[tuple[str, Shaper | None, bool, Any, bool]]) -> Shaper:
    """A plain function that builds the answer object, property by property, as generated source.

    It runs for every object of every answer, so the rules are applied here, once per schema: the
    generated code holds only the branches each property needs (a loop over the declared
    properties, unpacking each one's rules per object, cost twice as much).
    """
    env: dict[str, Any] = {"_ABSENT": _ABSENT}
    lines = ["def shape_object(value):", "    if not isinstance(value, dict):", "        return value",
             "    get = value.get", "    out = {}"]
    for n, (name, shaper, has_fallback, fallback, nullable) in enumerate(fields):
        key = repr(name)
        env[f"shaper_{n}"], env[f"fallback_{n}"] = shaper, fallback
        sent = "item" if shaper is None else f"shaper_{n}(item)"
        # a value present, null kept where allowed
        kept = f"        out[{key}] = " + ("item" if shaper is None else f"None if item is None else {sent}")
        # each case with the least work that gives: absent -> the fallback if required, else left out;
        # null -> null if allowed, else the fallback if required, else left out; a value -> shaped
        if not has_fallback and not nullable:
            lines += [f"    item = get({key})", "    if item is not None:", f"        out[{key}] = {sent}"]
        elif not has_fallback:
            lines += [f"    item = get({key}, _ABSENT)", "    if item is not _ABSENT:", kept]
        elif not nullable:
            lines += [f"    item = get({key})", f"    out[{key}] = fallback_{n} if item is None else {sent}"]
        else:
            lines += [f"    item = get({key}, _ABSENT)", "    if item is _ABSENT:",
                      f"        out[{key}] = fallback_{n}", "    else:", kept]
    lines.append("    return out")
    exec(compile("\n".join(lines), "<shaper>", "exec"), env)  # noqa: S102 - source built above from names only
    return env["shape_object"]  # type: ignore[no-any-return]


def writable(schema: dict[str, Any] | None, value: Any, keep: Iterable[str] = ()) -> Any:
    """`value` without the properties a request may not carry: readOnly or not declared.

    Objects that declare no properties, or allow additional ones, are free-form and kept whole;
    `keep` names extra top-level keys to let through (a view's request aliases).
    """
    if not schema:
        return value
    schema = merge_all_of(schema)
    if "oneOf" in schema or "anyOf" in schema:
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [writable(schema["items"], item) for item in value]
    props = schema.get("properties")
    if not isinstance(value, dict) or not props or schema.get("additionalProperties"):
        return value
    kept = set(keep)
    out = {}
    for key, item in value.items():
        sub = props.get(key)
        if isinstance(sub, dict) and not merge_all_of(sub).get("readOnly"):
            out[key] = writable(sub, item)
        elif sub is None and key in kept:
            out[key] = item
    return out
