"""One simulated charger's connection: WebSocket, OCPP-J frames, calls, reconnection.

Frames are raw JSON arrays (`[2, id, action, payload]`, `[3, id, payload]`, `[4, id, code,
description, details]`), built and parsed with orjson: no per-message objects, so thousands of
chargers fit in one process. OCPP-J allows a charger one outstanding CALL: ours go out one at a
time. The server's CALLs are answered by the behaviour as they arrive; work a command sets off
(a reboot, a triggered message) runs after the answer is on the wire.

When the connection drops the charger reconnects with exponential backoff and jitter (so a
restarted server is not hit by every charger in the same millisecond), and boots again.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import random
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from cpms.simulator.behaviour import Behaviour, CallError, NotImplementedAction, Offline
from cpms.simulator.progress import Stats

log = logging.getLogger("cpms.simulator")

MAX_BACKOFF = 60.0


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds before reconnection attempt `attempt` (1, 2 ...): doubling, capped, jittered."""
    return min(MAX_BACKOFF, 0.5 * 2 ** min(attempt, 10)) * rng.uniform(0.5, 1.0)


def describe(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        body = exc.response.body.decode(errors="replace").strip() if exc.response.body else ""
        return f"HTTP {exc.response.status_code}" + (f" {body[:100]}" if body else "")
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd else 1006
        reason = exc.rcvd.reason if exc.rcvd else ""
        return f"connection closed ({code}{' ' + reason if reason else ''})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _time_out(future: asyncio.Future[Any]) -> None:
    # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that meets the answer.
    if not future.done():
        future.set_exception(asyncio.TimeoutError())


class Charger:
    def __init__(self, identity: str, ws_base: str, behaviour: Behaviour, stats: Stats, *,
                 password: str | None = None, call_timeout: float = 30.0) -> None:
        self.identity = identity
        self.url = f"{ws_base.rstrip('/')}/{identity}"
        self.behaviour = behaviour
        behaviour.link = self
        self.stats = stats
        self.password = password
        self.call_timeout = call_timeout
        self.ws: ClientConnection | None = None
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()
        self._closing = False  # we are closing on purpose: no error, no backoff
        self._reboot_delay: float | None = None
        self._stopped = False
        self._timeouts = 0

    @property
    def connected(self) -> bool:
        return self.ws is not None

    # -- life ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, serve, reconnect; until `stop()`."""
        attempt = 0
        headers = {}
        if self.password is not None:
            token = base64.b64encode(f"{self.identity}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.behaviour.start()
        while not self._stopped:
            try:
                ws = await connect(self.url, subprotocols=[self.behaviour.subprotocol],  # type: ignore[list-item]
                                   additional_headers=headers, compression=None, ping_interval=None,
                                   open_timeout=30, close_timeout=2, user_agent_header="cpms-simulator",
                                   proxy=None)
            except asyncio.CancelledError:
                raise
            except (OSError, InvalidHandshake, asyncio.TimeoutError) as exc:
                attempt += 1
                kind = f"HTTP {exc.response.status_code}" if isinstance(exc, InvalidStatus) else "connect"
                self.stats.error(kind, f"{self.identity}: {describe(exc)}")
                await self._pause(backoff(attempt, self.behaviour.rng))
                continue
            if ws.subprotocol != self.behaviour.subprotocol:
                self.stats.error("subprotocol", f"{self.identity}: server chose {ws.subprotocol!r}")
                await ws.close()
                attempt += 1
                await self._pause(backoff(attempt, self.behaviour.rng))
                continue
            self.ws, self._closing, self._timeouts = ws, False, 0
            self.stats.connected += 1
            self.stats.connects += 1
            try:
                booted = await self._serve(ws)
            finally:
                self.ws = None
                self.stats.connected -= 1
                for future in self.pending.values():
                    if not future.done():
                        future.set_exception(Offline(self.identity))
                self.pending.clear()
                self.behaviour.on_disconnected()
            if self._stopped:
                break
            if self._reboot_delay is not None:
                delay, self._reboot_delay, attempt = self._reboot_delay, None, 0
            else:
                # A connection that had booted starts the backoff afresh; one that never did grows it.
                attempt = 1 if booted else attempt + 1
                delay = backoff(attempt, self.behaviour.rng)
            await self._pause(delay)

    async def _pause(self, seconds: float) -> None:
        await self.behaviour.stopping.wait(seconds)

    async def _serve(self, ws: ClientConnection) -> bool:
        """Read frames until the connection ends; True when it had booted before it ended."""
        session = asyncio.ensure_future(self.behaviour.on_connected())
        booted = False
        try:
            async for message in ws:
                booted = booted or self.behaviour.booted
                await self._dispatch(ws, message)
            if not self._closing:
                closed = f"{ws.close_code} {ws.close_reason}".strip()
                self.stats.error("dropped", f"{self.identity}: closed by the server ({closed})")
        except ConnectionClosed as exc:
            if not self._closing:
                self.stats.error("dropped", f"{self.identity}: {describe(exc)}")
        finally:
            booted = booted or self.behaviour.booted
            session.cancel()
            try:
                await session
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # the boot or heartbeat loop failed: report, reconnect
                if not isinstance(exc, (Offline, ConnectionClosed, CallError, asyncio.TimeoutError)):
                    self.stats.error("internal", f"{self.identity}: {describe(exc)}")
                    log.error("%s: connection task failed", self.identity, exc_info=exc)
        return booted

    async def stop(self) -> None:
        self._stopped = True
        await self.disconnect(1001, "simulator stopping")

    async def disconnect(self, code: int = 1000, reason: str = "") -> None:
        ws = self.ws
        if ws is not None:
            self._closing = True
            try:
                await ws.close(code, reason)
            except Exception:
                pass

    async def reboot(self, delay: float) -> None:
        """Close as a rebooting charger does (once its own CALL in flight is answered) and come
        back after `delay` seconds."""
        self._reboot_delay = delay
        async with self._lock:
            await self.disconnect(1000, "rebooting")

    # -- frames -------------------------------------------------------------------------------

    async def _dispatch(self, ws: ClientConnection, message: str | bytes) -> None:
        try:
            frame = orjson.loads(message)
            kind, unique_id = frame[0], frame[1]
        except (orjson.JSONDecodeError, IndexError, KeyError, TypeError):
            self.stats.error("bad frame", f"{self.identity}: unreadable frame from the server: {message[:80]!r}")
            return
        if kind == 3:
            future = self.pending.get(unique_id)
            if future is not None and not future.done():
                future.set_result(frame[2] if len(frame) > 2 else {})
        elif kind == 4:
            future = self.pending.get(unique_id)
            if future is not None and not future.done():
                future.set_exception(CallError(str(frame[2]) if len(frame) > 2 else "GenericError",
                                               str(frame[3]) if len(frame) > 3 else ""))
        elif kind == 2 and len(frame) == 4:
            await self._answer(ws, unique_id, frame[2], frame[3])
        else:
            self.stats.error("bad frame", f"{self.identity}: unexpected frame {message[:80]!r}")

    async def _answer(self, ws: ClientConnection, unique_id: str, action: str, payload: Any) -> None:
        self.stats.command(action)
        after = None
        try:
            reply, after = self.behaviour.handle(action, payload if isinstance(payload, dict) else {})
            frame: list[Any] = [3, unique_id, reply]
        except NotImplementedAction:
            frame = [4, unique_id, "NotImplemented", f"{action} is not implemented by this simulator", {}]
        except Exception as exc:
            log.exception("%s: answering %s failed", self.identity, action)
            self.stats.error("internal", f"{self.identity}: answering {action}: {describe(exc)}")
            frame = [4, unique_id, "InternalError", f"{action} could not be processed", {}]
        await ws.send(orjson.dumps(frame).decode())
        if after is not None:
            self.behaviour.spawn(after())

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL, wait for its answer; CallError for a CALLERROR, Offline without a connection."""
        async with self._lock:
            ws = self.ws
            if ws is None:
                raise Offline(self.identity)
            unique_id = str(next(self._ids))
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self.pending[unique_id] = future
            try:
                await ws.send(orjson.dumps([2, unique_id, action, payload]).decode())
                self.stats.sent += 1
                timer = asyncio.get_running_loop().call_later(self.call_timeout, _time_out, future)
                try:
                    answer = await future
                finally:
                    timer.cancel()
                self._timeouts = 0
                return answer
            except ConnectionClosed:
                raise Offline(self.identity) from None
            except CallError as exc:
                self.stats.error(f"CALLERROR {exc.code}", f"{self.identity} {action}: {exc.code} {exc.description}")
                raise
            except asyncio.TimeoutError:
                self.stats.error("timeout", f"{self.identity}: no answer to {action} in {self.call_timeout:g}s")
                self._timeouts += 1
                if self._timeouts >= 3:  # the server is gone without saying so: start afresh
                    self.behaviour.spawn(self.disconnect(4000, "no answers"))
                raise
            finally:
                self.pending.pop(unique_id, None)
