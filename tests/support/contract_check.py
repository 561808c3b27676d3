"""Every response a test receives is checked against the contract, and remembered.

`check_response` fails the test when an answer does not validate against the schema the
contract declares for its operation and status. The recorder collects which operations the
suite exercised, for the coverage line printed at the end (`contract: N of 452 ...`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
from jsonschema import Draft4Validator

from cpms.api.router import Router
from cpms.contract import Operation, load_contract
from cpms.contract.schema import compile_validator, field_errors

ERROR_SHAPE = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"},
               "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
ERROR_STATUSES = {400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 501, 502, 503, 504}


class ContractRecorder:
    def __init__(self) -> None:
        self.router: Router[Operation] = Router()
        for op in load_contract().operations:
            self.router.add(op.method, op.path, op)
        self.seen: dict[str, set[int]] = defaultdict(set)
        self._validators: dict[tuple[str, str], Draft4Validator] = {}
        self.error_validator = compile_validator(ERROR_SHAPE, "response")

    def operation(self, method: str, path: str) -> Operation | None:
        match = self.router.match(method, path)
        return match.target if match else None

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        op = self.operation(method, path)
        if op is None:
            return
        self.seen[op.operation_id].add(status)
        key = str(status)
        if key in op.responses:
            schema = op.responses[key]
            if schema is None:
                return
            validator = self._validators.get((op.operation_id, key))
            if validator is None:
                validator = self._validators[(op.operation_id, key)] = compile_validator(schema, "response")
            errors = field_errors(validator, body)
            assert not errors, f"{op.operation_id} {status} breaks the contract: {errors}\nbody: {str(body)[:2000]}"
        elif status in ERROR_STATUSES:
            errors = field_errors(self.error_validator, body)
            assert not errors, f"{op.operation_id} {status} error without the contract's error shape: {body}"
        else:
            raise AssertionError(f"{op.operation_id} answered {status}, which the contract does not declare")


RECORDER = ContractRecorder()


def check_response(response: httpx.Response) -> None:
    request = response.request
    path = request.url.path
    if not path.startswith("/public-api/") or path == "/public-api/openapi.json":
        return
    body = response.json() if response.content else None
    RECORDER.check(request.method, path, response.status_code, body)


async def acheck_response(response: httpx.Response) -> None:
    await response.aread()
    check_response(response)
