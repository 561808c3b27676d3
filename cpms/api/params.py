"""Query strings and path parameters, parsed and typed the way the contract declares them.

Handles the two query conventions the contract uses: deepObject (`filter[networkId]=X`,
`filter[ids][]=1`) and arrays (`include[]=a&include[]=b`, also `include=a,b`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft4Validator

from cpms.contract import Operation
from cpms.contract.schema import compile_validator, field_errors
from cpms.errors import Invalid, NotFound

_INT = re.compile(r"^-?\d+$")
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Turn query-string text into the declared type; leave it as text when it does not fit."""
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        props = schema.get("properties") or {}
        return {k: coerce(v, props.get(k, {})) for k, v in value.items()}
    if isinstance(value, list) and kind != "array":
        return coerce(value[-1], schema) if value else value
    if kind == "array":
        items = value if isinstance(value, list) else [v for v in str(value).split(",") if v != ""]
        return [coerce(v, schema.get("items", {})) for v in items]
    if not isinstance(value, str):
        return value
    if kind == "integer" and _INT.match(value.strip()):
        return int(value)
    if kind == "number":
        try:
            return float(value) if not _INT.match(value.strip()) else int(value)
        except ValueError:
            return value
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
    return value


def parse_query(raw: str) -> dict[str, Any]:
    """Nest bracketed keys: `filter[a]=1&include[]=x` -> {"filter": {"a": "1"}, "include": ["x"]}."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            continue
        name, brackets = match.group(1), match.group(2)
        parts = re.findall(r"\[([^\[\]]*)\]", brackets) if brackets else []
        _assign(out, [name, *parts], value)
    return out


def _assign(target: dict[str, Any], parts: list[str], value: str) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        existing = target.get(head)
        if existing is None:
            target[head] = value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            target[head] = [existing, value]
        return
    if rest[0] == "" or rest[0].isdigit():
        bucket = target.setdefault(head, [])
        if not isinstance(bucket, list):
            bucket = target[head] = [bucket]
        bucket.append(value)
        return
    child = target.setdefault(head, {})
    if not isinstance(child, dict):
        child = target[head] = {}
    _assign(child, rest, value)


@dataclass
class ParameterSpec:
    """Everything needed to turn one operation's raw query and path into typed, valid values."""

    operation: Operation

    @cached_property
    def _query_schema(self) -> dict[str, Any]:
        props, required = {}, []
        for name, param in self.operation.query.items():
            props[name] = param.schema
            if param.required:
                required.append(name)
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        return schema

    @cached_property
    def _validator(self) -> Draft4Validator:
        return compile_validator(self._query_schema, "request")

    def query(self, raw: str) -> dict[str, Any]:
        parsed = parse_query(raw)
        props = self._query_schema["properties"]
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, value in parsed.items():
            schema = props.get(name)
            if schema is None:
                continue  # unknown query parameters are ignored, as HTTP APIs usually do
            if schema.get("type") == "object":
                if not isinstance(value, dict):
                    errors.setdefault(name, []).append(f"The {name} parameter must use {name}[field]=value.")
                    continue
                known = schema.get("properties", {})
                typed = {}
                for key, inner in value.items():
                    if key not in known:
                        errors.setdefault(f"{name}.{key}", []).append(
                            f"Unknown {name} '{key}'. Allowed: {', '.join(known) or 'none'}."
                        )
                        continue
                    typed[key] = coerce(inner, known[key])
                values[name] = typed
            else:
                values[name] = coerce(value, schema)
        errors.update(field_errors(self._validator, values))
        if errors:
            raise Invalid(errors)
        return values

    def path(self, raw: dict[str, str]) -> dict[str, Any]:
        """Typed path values; a value of the wrong type names nothing that exists, hence 404."""
        out: dict[str, Any] = {}
        for param in self.operation.parameters:
            if param.location != "path":
                continue
            value = coerce(raw.get(param.name, ""), param.schema)
            kind = param.schema.get("type")
            if kind == "integer" and not isinstance(value, int):
                raise NotFound(f"No record matches {param.name} '{raw.get(param.name)}'.")
            enum = param.schema.get("enum")
            if enum and value not in enum:
                raise NotFound(f"Unknown {param.name} '{value}'. Allowed: {', '.join(map(str, enum))}.")
            out[param.name] = value
        return out
