"""OpenAPI 3.0 schemas turned into JSON Schema, and validation with people-readable errors.

OpenAPI 3.0 differs from JSON Schema where it matters here: `nullable`, and `readOnly` /
`writeOnly` properties that exist in one direction only. Requests and responses therefore get
different JSON Schemas from the same contract schema.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, time, timezone
from typing import Any, Iterable, Literal
from urllib.parse import urlsplit

import jsonschema
from jsonschema import Draft4Validator, FormatChecker

Direction = Literal["request", "response"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISO_DT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?$")

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _ISO_DT.match(value):
        return False
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        if parsed.tzinfo is not None:
            parsed.astimezone(timezone.utc)  # 0001-01-01T00:00+05:00 has no UTC time
    except OverflowError:
        raise ValueError(value) from None
    return True


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    date.fromisoformat(value)
    return True


@FORMATS.checks("time", raises=ValueError)
def _is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    time.fromisoformat(value)
    return True


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


@FORMATS.checks("uri")
@FORMATS.checks("url")
def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Fold an allOf of object schemas into one object schema (properties and required united)."""
    members = schema.get("allOf")
    if not members:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    props: dict[str, Any] = dict(merged.get("properties", {}))
    required: list[str] = list(merged.get("required", []))
    for member in members:
        member = merge_all_of(member)
        if set(member) - {"type", "properties", "required", "nullable", "additionalProperties"}:
            return schema
        props.update(member.get("properties", {}))
        required += [r for r in member.get("required", []) if r not in required]
        if member.get("nullable"):
            merged["nullable"] = True
    merged.setdefault("type", "object")
    merged["properties"] = props
    if required:
        merged["required"] = required
    return merged


def to_json_schema(schema: dict[str, Any], direction: Direction) -> dict[str, Any]:
    """Convert an OpenAPI 3.0 schema to a Draft 4 JSON Schema for one direction of travel."""
    hidden = "readOnly" if direction == "request" else "writeOnly"
    return _convert(copy.deepcopy(schema), hidden)


def _convert(node: Any, hidden: str) -> Any:
    if isinstance(node, list):
        return [_convert(item, hidden) for item in node]
    if not isinstance(node, dict):
        return node
    node = merge_all_of(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            kept = {name: sub for name, sub in value.items() if not (isinstance(sub, dict) and sub.get(hidden))}
            out[key] = {name: _convert(sub, hidden) for name, sub in kept.items()}
        elif key in {"items", "additionalProperties", "not"} and isinstance(value, dict):
            out[key] = _convert(value, hidden)
        elif key in {"allOf", "anyOf"}:
            out[key] = [_convert(sub, hidden) for sub in value]
        elif key == "oneOf":
            # The vendor writes oneOf for "one of these shapes" without making the alternatives
            # exclusive (US and Australian state lists share "WA"; invoice-detail flavours without
            # required properties match every object), so strict oneOf would refuse every valid
            # value that fits two alternatives. Read it as anyOf.
            out["anyOf"] = [_convert(sub, hidden) for sub in value]
        elif key in {"nullable", "readOnly", "writeOnly", "deprecated", "multipleOf", "discriminator", "xml"}:
            continue
        elif key == "format" and value not in {"date-time", "date", "time", "email", "uri", "url"}:
            continue
        else:
            out[key] = value
    if "properties" in out and "required" in out:
        removed = {n for n, s in node.get("properties", {}).items() if isinstance(s, dict) and s.get(hidden)}
        required = [r for r in out["required"] if r not in removed]
        if required:
            out["required"] = required
        else:
            del out["required"]
    if node.get("nullable"):
        out = _nullable(out)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in schema:
        # the alternatives are not nullable themselves: null has to be an alternative of its own
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if kind is None:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def compile_validator(schema: dict[str, Any], direction: Direction) -> Draft4Validator:
    converted = to_json_schema(schema, direction)
    return Draft4Validator(converted, format_checker=FORMATS)


def field_errors(validator: Draft4Validator, instance: Any, prefix: str = "") -> dict[str, list[str]]:
    """All validation errors of `instance`, keyed by dotted field path, worded for people."""
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        for path, message in _explain(error, prefix):
            bucket = errors.setdefault(path, [])
            if message not in bucket:
                bucket.append(message)
    return errors


def summary_message(errors: dict[str, list[str]]) -> str:
    """The first message, plus how many more there are (the way Laravel clients expect it)."""
    messages = [m for ms in errors.values() for m in ms]
    if not messages:
        return "The given data was invalid."
    first = messages[0]
    rest = len(messages) - 1
    if rest == 1:
        return f"{first} (and 1 more error)"
    if rest > 1:
        return f"{first} (and {rest} more errors)"
    return first


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


def _join_path(prefix: str, parts: Iterable[Any]) -> str:
    text = ".".join(str(p) for p in parts)
    if prefix and text:
        return f"{prefix}.{text}"
    return prefix or text


def _explain(error: jsonschema.ValidationError, prefix: str) -> list[tuple[str, str]]:
    path = _join_path(prefix, error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(value)
        field = _join_path(path, [missing])
        return [(field, f"The {field} field is required.")]
    label = path or "body"
    if kind == "type":
        kinds = value if isinstance(value, list) else [value]
        words = " or ".join(_TYPE_WORDS.get(k, k) for k in kinds if k != "null")
        return [(label, f"The {label} field must be {words}.")]
    if kind == "enum":
        allowed = ", ".join(str(v) for v in value if v is not None)
        return [(label, f"The selected {label} is invalid. Allowed values: {allowed}.")]
    if kind == "maxLength":
        return [(label, f"The {label} field must not be greater than {value} characters.")]
    if kind == "minLength":
        return [(label, f"The {label} field must be at least {value} characters.")]
    if kind == "maximum":
        return [(label, f"The {label} field must not be greater than {value}.")]
    if kind == "minimum":
        return [(label, f"The {label} field must be at least {value}.")]
    if kind == "maxItems":
        return [(label, f"The {label} field must not have more than {value} items.")]
    if kind == "minItems":
        return [(label, f"The {label} field must have at least {value} items.")]
    if kind == "format":
        words = {"date-time": "a valid ISO 8601 date and time", "date": "a valid date (YYYY-MM-DD)",
                 "time": "a valid time (HH:MM)", "email": "a valid email address",
                 "uri": "a valid http(s) URL", "url": "a valid http(s) URL"}.get(value, f"a valid {value}")
        return [(label, f"The {label} field must be {words}.")]
    if kind == "pattern":
        return [(label, f"The {label} field format is invalid.")]
    if kind == "additionalProperties":
        extras = [str(e) for e in error.instance if e not in error.schema.get("properties", {})] if isinstance(error.instance, dict) else []
        return [(_join_path(path, [e]), f"The {_join_path(path, [e])} field is not allowed.") for e in extras] or [
            (label, f"The {label} field has unknown properties.")
        ]
    if kind in {"oneOf", "anyOf"}:
        best = jsonschema.exceptions.best_match(error.context) if error.context else None
        if best is not None and best.validator not in {"type", "oneOf", "anyOf"}:
            return _explain(best, prefix)
        return [(label, f"The {label} field is invalid.")]
    return [(label, f"The {label} field is invalid.")]


def fill_defaults(schema: dict[str, Any] | None, value: Any) -> Any:
    """`value` with the schema's `default`s filled in for absent properties (objects present only)."""
    if not schema or not isinstance(value, dict):
        return value
    schema = merge_all_of(schema)
    props = schema.get("properties") or {}
    out = dict(value)
    for name, sub in props.items():
        if not isinstance(sub, dict) or sub.get("readOnly"):
            continue
        if name not in out:
            if "default" in sub:
                out[name] = copy.deepcopy(sub["default"])
            continue
        if isinstance(out[name], dict):
            out[name] = fill_defaults(sub, out[name])
    return out
