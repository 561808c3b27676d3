"""One charger's WebSocket: OCPP-J frames in and out, validated both ways.

Incoming CALLs are handled one at a time, in order (OCPP allows a charger one outstanding CALL).
Answers to our own CALLs resolve their futures as soon as they arrive, so a handler that is
busy never blocks a command's answer. A bad frame gets its CALLERROR and the connection stays up.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from cpms.ocpp import schemas
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import (CallError, FormationViolation, InternalFailure, MessageTypeNotSupported,
                              NotImplementedAction, NotSupportedAction, OcppError, ProtocolViolation)
from cpms.ocpp.replays import REBOOT, Replays, seconds
from cpms.ocpp.routing import handled_once, handler_for
from cpms.ocpp.versions import Version
from cpms.runtime import Runtime

log = logging.getLogger("cpms.ocpp")

SendText = Callable[[str], Awaitable[None]]
CloseFn = Callable[[int, str], Awaitable[None]]
_ids = itertools.count(1)
_validators: dict[tuple[str, str], tuple[schemas.Validator, schemas.Validator]] = {}


def validators(version: Version, action: str) -> tuple[schemas.Validator, schemas.Validator] | None:
    """A known action's request and response validators, found once: not a filesystem lookup per
    message. None for an action the version does not define (those are not remembered)."""
    key = (version.subprotocol, action)
    found = _validators.get(key)
    if found is None:
        if not schemas.knows_action(version, action):
            return None
        found = _validators[key] = (schemas.request_validator(version, action),
                                    schemas.response_validator(version, action))
    return found


class Connection:
    def __init__(self, rt: Runtime, identity: str, charge_point_id: int, version: Version,
                 send_text: SendText, close: CloseFn, replays: Replays | None = None) -> None:
        self.rt = rt
        # the gateway's, shared by the charger's connections: a retransmission comes on the next one
        self.replays = replays if replays is not None else Replays(seconds(rt.settings.extra))
        self.identity = identity
        self.charge_point_id = charge_point_id
        self.version = version
        self._send_text = send_text
        self._close = close
        self.pending: dict[str, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.ctx = ChargerContext(rt=rt, charge_point_id=charge_point_id, identity=identity, version=version,
                                  connection=self)
        self.connected_at = time.monotonic()
        self.last_seen = self.connected_at
        self.closed = False
        self._close_sent = False

    async def send(self, frame: list[Any]) -> None:
        text = orjson.dumps(frame).decode()
        try:
            await self._send_text(text)
        except Exception as exc:
            # The charger is gone (it may reboot right after answering us): the frames it sent
            # before leaving are still read and handled, so its answer to our CALL is not lost.
            self.closed = True
            log.info("%s left before a frame could be sent to it (%s)", self.identity, type(exc).__name__)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = True
        if not self._close_sent:
            self._close_sent = True
            await self._close(code, reason)

    def abandon(self) -> None:
        """The socket is gone: fail what waits on it and stop background work."""
        self.closed = True
        for _, future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError(f"{self.identity} disconnected"))
        self.pending.clear()
        for task in list(self.tasks):
            task.cancel()

    # -- incoming -----------------------------------------------------------------------------

    async def receive(self, text: str | bytes) -> None:
        self.last_seen = time.monotonic()
        try:
            frame = orjson.loads(text)
        except orjson.JSONDecodeError:
            await self._error("-1", FormationViolation("The message is not valid JSON."))
            return
        if not isinstance(frame, list) or not frame:
            await self._error("-1", FormationViolation("An OCPP-J message is a JSON array."))
            return
        kind = frame[0]
        unique_id = frame[1] if len(frame) > 1 and isinstance(frame[1], str) else "-1"
        if kind == 2:
            await self._on_call(frame, unique_id)
        elif kind == 3:
            self._on_result(frame, unique_id)
        elif kind == 4:
            self._on_error(frame, unique_id)
        else:
            await self._error(unique_id, MessageTypeNotSupported(f"Unknown message type id {kind!r}."))

    async def _on_call(self, frame: list[Any], unique_id: str) -> None:
        if len(frame) != 4 or not isinstance(frame[2], str) or unique_id == "-1":
            await self._error(unique_id, ProtocolViolation("A CALL is [2, uniqueId, action, payload]."))
            return
        action, payload = frame[2], frame[3]
        if not isinstance(payload, dict):
            await self._error(unique_id, FormationViolation(f"{action}: the payload must be a JSON object."))
            return
        try:
            checks = validators(self.version, action)
            if checks is None:
                raise NotImplementedAction(f"Unknown action {action!r}.")
            schemas.validate(checks[0], payload, action)
            handler = handler_for(self.version, action)
            if handler is None:
                raise NotSupportedAction(f"{action} is not supported by this central system.")

            async def handle() -> dict[str, Any]:
                answer = await handler(self.ctx, payload)
                try:
                    schemas.validate(checks[1], answer, action)
                except OcppError as exc:
                    log.error("our %s reply to %s breaks the schema: %s", action, self.identity, exc)
                    raise InternalFailure("The central system produced an invalid reply.") from None
                return answer

            if action == REBOOT:
                self.replays.forget(self.identity)
            if handled_once(self.version, action):
                result = await self.replays.answer(self.identity, action, unique_id, payload, handle)
            else:
                result = await handle()
        except OcppError as exc:
            self.ctx._after.clear()
            await self._error(unique_id, exc)
            return
        except Exception:
            self.ctx._after.clear()
            log.exception("%s from %s failed", action, self.identity)
            await self._error(unique_id, InternalFailure(f"{action} could not be processed."))
            return
        await self.send([3, unique_id, result])
        if self.ctx._after:
            self.ctx.run_after()

    def _on_result(self, frame: list[Any], unique_id: str) -> None:
        entry = self.pending.pop(unique_id, None)
        if entry is None:
            log.warning("%s answered unknown call %s", self.identity, unique_id)
            return
        action, future = entry
        payload = frame[2] if len(frame) > 2 else None
        if future.done():
            return
        if not isinstance(payload, dict):
            future.set_exception(CallError("FormationViolation", f"{action} answer is not an object"))
            return
        try:
            schemas.validate(schemas.response_validator(self.version, action), payload, action)
        except OcppError as exc:
            future.set_exception(CallError(exc.wire_code(self.version), f"invalid {action} answer: {exc.description}"))
            return
        future.set_result(payload)

    def _on_error(self, frame: list[Any], unique_id: str) -> None:
        entry = self.pending.pop(unique_id, None)
        if entry is None:
            log.warning("%s sent a CALLERROR for unknown call %s: %s", self.identity, unique_id, frame)
            return
        _, future = entry
        code = frame[2] if len(frame) > 2 else "GenericError"
        description = frame[3] if len(frame) > 3 else ""
        details = frame[4] if len(frame) > 4 else None
        if not future.done():
            future.set_exception(CallError(str(code), str(description), details))

    async def _error(self, unique_id: str, exc: OcppError) -> None:
        log.info("CALLERROR to %s: %s %s", self.identity, exc.wire_code(self.version), exc.description)
        await self.send([4, unique_id, exc.wire_code(self.version), exc.description[:255], exc.details])

    # -- outgoing -----------------------------------------------------------------------------

    async def call(self, action: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send a CALL and wait (bounded) for the charger's answer; CallError if it refuses."""
        schemas.validate(schemas.request_validator(self.version, action), payload, action)
        unique_id = f"{next(_ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[unique_id] = (action, future)
        try:
            await self.send([2, unique_id, action, payload])
            if self.closed and not future.done():
                raise ConnectionError(f"{self.identity} disconnected")
            return await asyncio.wait_for(future, timeout)
        finally:
            self.pending.pop(unique_id, None)
