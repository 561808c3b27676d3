"""JSON responses, and the one place where the error tree becomes the contract's error shape."""

from __future__ import annotations

from typing import Any

import orjson

from cpms.contract import Operation
from cpms.errors import CpmsError, Invalid

GENERIC_INVALID = "The given data was invalid."

JSON_HEADERS = [(b"content-type", b"application/json")]


async def send_json(send: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    raw = b"" if body is None or status == 204 else _dumps(body)
    extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    head = (JSON_HEADERS if raw else []) + [(b"content-length", str(len(raw)).encode())] + extra
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


def _dumps(body: Any) -> bytes:
    """JSON of an answer. Keys that are not strings (numbers, in a few maps) need orjson's slower
    mode, twice the time of a page of 100 documents: taken only for an answer that has them."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)


def error_body(exc: CpmsError) -> dict[str, Any]:
    if isinstance(exc, Invalid):
        return {"message": exc.message, "errors": exc.errors}
    return {"message": exc.message}


def contract_message(op: Operation, exc: CpmsError) -> str:
    """The error's message, or one the contract allows where it enumerates an answer's messages.

    A few operations list their exact messages (POST payment-methods: "Payment processor not
    installed", "The given data was invalid." ...); a validation summary becomes the generic one.
    """
    schema = op.response_schema(exc.status) or {}
    allowed = ((schema.get("properties") or {}).get("message") or {}).get("enum")
    if not allowed or exc.message in allowed:
        return exc.message
    return GENERIC_INVALID if GENERIC_INVALID in allowed else str(allowed[0])
