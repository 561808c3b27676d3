"""One simulated charger's wire: raw OCPP-J over a minimal RFC 6455 client (cheap, so that the load
process is not what is measured)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import random
from typing import Any

import orjson

try:
    from websockets.speedups import apply_mask  # C
except ImportError:  # pragma: no cover
    def apply_mask(data: bytes, mask: bytes) -> bytes:
        n = len(data)
        key = (mask * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class Refused(Exception):
    pass


class Wire(asyncio.Protocol):
    """One charger: the upgrade handshake, masked text frames out, pings answered, CALLs matched."""

    def __init__(self, host: str, path: str, subprotocol: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                        f"Sec-WebSocket-Protocol: {subprotocol}\r\n\r\n").encode()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.ids = itertools.count(1)
        self.buf = bytearray()
        self.open = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError("closed"))
        self.pending.clear()
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.open:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[:end]).split(b" ", 2)[1]
            del self.buf[:end + 4]
            if status != b"101":
                self.opened.set_exception(Refused(f"HTTP {status.decode()}"))
                self.transport.close()  # type: ignore[union-attr]
                return
            self.open = True
            self.opened.set_result(None)
        buf = self.buf
        while len(buf) >= 2:
            length, pos = buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, pos = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, pos = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < pos + length:
                return
            opcode, payload = buf[0] & 0x0F, bytes(buf[pos:pos + length])
            del buf[:pos + length]
            if opcode in (1, 2):
                self.on_message(payload)
            elif opcode == 9:
                self.send(payload, 0xA)
            elif opcode == 8:
                if self.open:
                    self.send(payload[:2], 0x8)
                self.open = False
                self.transport.close()  # type: ignore[union-attr]

    def send(self, payload: bytes, opcode: int = 1) -> None:
        n = len(payload)
        if n < 126:
            header = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            header = bytes((0x80 | opcode, 0xFE)) + n.to_bytes(2, "big")
        else:
            header = bytes((0x80 | opcode, 0xFF)) + n.to_bytes(8, "big")
        mask = random.getrandbits(32).to_bytes(4, "big")
        self.transport.write(header + mask + apply_mask(payload, mask))  # type: ignore[union-attr]

    def on_message(self, payload: bytes) -> None:
        frame = orjson.loads(payload)
        if frame[0] == 2:  # the server asks something: we are load, not a charger
            self.send(orjson.dumps([4, frame[1], "NotImplemented", "load generator", {}]))
            return
        future = self.pending.pop(frame[1], None)
        if future is not None and not future.done():
            if frame[0] == 3:
                future.set_result(frame[2])
            else:
                future.set_exception(RuntimeError(f"CALLERROR {frame[2]}: {frame[3]}"))

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 60.0) -> Any:
        if not self.open:
            raise ConnectionError("not connected")
        unique_id = str(next(self.ids))
        future = asyncio.get_running_loop().create_future()
        self.pending[unique_id] = future
        self.send(orjson.dumps([2, unique_id, action, payload]))
        timer = asyncio.get_running_loop().call_later(timeout, _expire, future)
        try:
            return await future
        finally:
            timer.cancel()
            self.pending.pop(unique_id, None)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError("no answer"))
