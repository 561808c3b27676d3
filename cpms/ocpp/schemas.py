"""The `ocpp` package's JSON schemas, compiled to fast validators, with errors mapped to OCPP codes.

The package validates with jsonschema (about 4,000 messages/s here, in a thread pool); the same
schemas compiled by fastjsonschema validate several times faster in-line. A schema violation
becomes the CALLERROR code the specification names for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

import fastjsonschema
import orjson

from cpms.ocpp.errors import (FormationViolation, NotImplementedAction, OccurrenceViolation, OcppError,
                              PropertyViolation, TypeViolation)
from cpms.ocpp.versions import Version

Validator = Callable[[Any], Any]

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$")


def _is_datetime(value: str) -> bool:
    """ISO 8601; chargers that omit the offset are accepted (read as UTC) rather than refused."""
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS = {"date-time": _is_datetime, "uri": lambda value: bool(value)}


INT64 = (-2**63, 2**63 - 1)


def _prepare(node: Any) -> Any:
    """The schema as cpms checks it, once at compile time:
    - multipleOf on floats is unreliable in binary floating point: dropped (values are rounded on send);
    - an integer without bounds gets the database's (64 bits): a reservationId or remoteStartId names a
      row, and one beyond that range is refused as a schema violation instead of failing in the driver.
    """
    if isinstance(node, list):
        return [_prepare(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _prepare(v) for k, v in node.items() if k != "multipleOf"}
    if out.get("type") == "integer":
        out.setdefault("minimum", INT64[0])
        out.setdefault("maximum", INT64[1])
    return out


@lru_cache(maxsize=None)
def _compile(path: str) -> Validator:
    schema = orjson.loads(open(path, "rb").read().lstrip(b"\xef\xbb\xbf"))
    schema.pop("$schema", None)
    schema = _prepare(schema)
    return fastjsonschema.compile(schema, formats=FORMATS, use_default=False)


def request_validator(version: Version, action: str) -> Validator:
    path = version.request_schema(action)
    if not path.exists():
        raise NotImplementedAction(f"Unknown action {action!r} for {version.subprotocol}.")
    return _compile(str(path))


def response_validator(version: Version, action: str) -> Validator:
    path = version.response_schema(action)
    if not path.exists():
        raise NotImplementedAction(f"Unknown action {action!r} for {version.subprotocol}.")
    return _compile(str(path))


def knows_action(version: Version, action: str) -> bool:
    return version.request_schema(action).exists()


def schema_error(exc: fastjsonschema.JsonSchemaValueException, action: str) -> OcppError:
    """The OCPP error for one schema violation, naming the field."""
    where = exc.name.replace("data.", "", 1) if exc.name and exc.name != "data" else "payload"
    text = f"{action}: {where} {exc.message.replace(exc.name or 'data', '').strip()}"
    rule = exc.rule
    if rule == "required":
        return OccurrenceViolation(text)
    if rule in ("type", "maxLength"):
        return TypeViolation(text)
    if rule in ("additionalProperties", "properties"):
        return FormationViolation(text)
    return PropertyViolation(text)


def validate(validator: Validator, payload: Any, action: str) -> None:
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise schema_error(exc, action) from None
