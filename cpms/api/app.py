"""The Public API as an ASGI application: contract in, handler, contract out.

For every request: route by the contract's paths, authenticate the bearer token, type and
validate path, query and body against the operation's schemas, call the operation's handler,
and write its answer. Errors anywhere become the contract's error shape in one place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from jsonschema import Draft4Validator

from cpms.api.call import Call, Reply
from cpms.api.params import ParameterSpec, parse_query
from cpms.api.registry import Registry
from cpms.api.responses import contract_message, error_body, send_json
from cpms.api.router import Router
from cpms.contract import Contract, Operation
from cpms.contract.schema import compile_validator, field_errors
from cpms.errors import CpmsError, Invalid, NotFound, NotImplementedYet, Unauthenticated
from cpms.runtime import Runtime
from cpms.tokens import TokenChecker

log = logging.getLogger("cpms.api")


class PayloadTooLarge(CpmsError):
    status = 413


class MethodNotAllowed(CpmsError):
    status = 405

    def __init__(self, message: str, allowed: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allowed = allowed


@dataclass(frozen=True)
class _Compiled:
    router: Router[Operation]
    specs: dict[str, ParameterSpec]
    body_validators: dict[str, Draft4Validator]  # filled on first use of each operation


@lru_cache(maxsize=4)
def _compiled(contract: Contract) -> _Compiled:
    """Routes and validators follow from the contract alone, so every server of a process shares them
    (the test suite starts hundreds; building the routes costs ~50 ms, each validator more)."""
    router: Router[Operation] = Router()
    for op in contract.operations:
        router.add(op.method, op.path, op)
    return _Compiled(router, {op.operation_id: ParameterSpec(op) for op in contract.operations}, {})


class PublicApi:
    def __init__(self, rt: Runtime, contract: Contract, registry: Registry) -> None:
        self.rt = rt
        self.contract = contract
        self.registry = registry
        compiled = _compiled(contract)
        self.router = compiled.router
        self.specs = compiled.specs
        self._body_validators = compiled.body_validators
        self.tokens = TokenChecker(rt.db)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers: dict[str, str] = {}
        try:
            status, body, headers = await self._handle(scope, receive)
        except CpmsError as exc:
            status, body = exc.status, error_body(exc)
            if isinstance(exc, MethodNotAllowed):
                headers = {"allow": ", ".join(exc.allowed)}
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            status, body = 500, {"message": "Server Error"}
        await send_json(send, status, body, headers)

    async def _handle(self, scope: dict[str, Any], receive: Any) -> tuple[int, Any, dict[str, str]]:
        method, path = scope["method"], scope["path"]
        match = self.router.match(method, path)
        if match is None:
            raise NotFound(f"The route {path} could not be found. The API reference is at /docs.")
        if match.target is None:
            raise MethodNotAllowed(f"The {method} method is not supported for this route. "
                                   f"Supported methods: {', '.join(match.allowed)}.", match.allowed)
        op = match.target
        try:
            return await self._serve(op, match.params, scope, receive)
        except CpmsError as exc:
            exc.message = contract_message(op, exc)
            raise

    async def _serve(self, op: Operation, params: dict[str, str], scope: dict[str, Any],
                     receive: Any) -> tuple[int, Any, dict[str, str]]:
        token = _bearer(scope)
        token_id = await self.tokens.check(token) if token else None
        if token_id is None:
            raise Unauthenticated()
        handler = self.registry.handlers.get(op.operation_id)
        spec = self.specs[op.operation_id]
        path_values = spec.path(params)
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query = spec.query(raw_query)
        body = await self._body(op, scope, receive)
        if handler is None:
            raise NotImplementedYet(f"{op.operation_id} ({op.method} {op.path}) is part of the API contract "
                                    f"but not implemented by this cpms server yet.")
        call = Call(rt=self.rt, op=op, path=path_values, query=query, body=body, url=_url(scope, self.rt),
                    raw_query=parse_query(raw_query), token_id=token_id, token=token)
        result = await handler(call)
        if isinstance(result, Reply):
            return result.status, result.body, result.headers
        return op.success_status, result, {}

    async def _body(self, op: Operation, scope: dict[str, Any], receive: Any) -> Any:
        raw = await _read_body(receive, self.rt.settings.max_body_bytes)
        if op.body_schema is None:
            return None
        if not raw.strip():
            if op.body_required:
                raise Invalid.field("body", "The request body is required (a JSON object).")
            return {} if op.body_schema.get("type") == "object" else None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Invalid.field("body", f"The request body is not valid JSON: {exc}.") from None
        validator = self._body_validators.get(op.operation_id)
        if validator is None:
            validator = self._body_validators[op.operation_id] = compile_validator(op.body_schema, "request")
        errors = field_errors(validator, body)
        if errors:
            raise Invalid(errors)
        return body


async def _read_body(receive: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _bearer(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            if text[:7].lower() == "bearer ":
                return text[7:].strip() or None
            return None
    return None


def _url(scope: dict[str, Any], rt: Runtime) -> str:
    base = rt.settings.public_url
    if not base:
        host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), None)
        if host is None:
            server = scope.get("server") or ("localhost", 80)
            host = f"{server[0]}:{server[1]}"
        base = f"{scope.get('scheme', 'http')}://{host}"
    return base.rstrip("/") + scope.get("root_path", "") + scope["path"]
