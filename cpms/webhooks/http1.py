"""A small keep-alive HTTP/1.1 transport for httpx, used for webhook POSTs.

httpx's default transport (httpcore) costs about a millisecond of CPU per request on this kind
of machine, mostly in its connection pool and locking; at thousands of webhooks a second that
is the whole budget of the event loop. Webhooks need much less: one request at a time per
connection, a small JSON body out, a status code back. This transport does exactly that over
asyncio streams, with per-origin keep-alive, TLS, and the timeouts httpx passes in
`request.extensions["timeout"]`. Response bodies are read (to keep connections reusable) up to
a limit and otherwise discarded with the connection. Proxies are not supported: use
`CPMS_WEBHOOK_HTTP=httpx` for the full httpx transport.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

Origin = tuple[str, str, int]

_NO_BODY = {204, 304}
_STRIP = {b"transfer-encoding", b"content-encoding", b"connection", b"keep-alive"}


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


class _Stale(Exception):
    """A reused connection was closed by the peer before it answered: try once on a fresh one."""


@contextmanager
def _mapped(request: httpx.Request, timeout_error: type[httpx.TimeoutException],
            io_error: type[httpx.TransportError]) -> Iterator[None]:
    try:
        yield
    except TimeoutError:
        raise timeout_error("timed out", request=request) from None
    except (ssl.SSLError, OSError) as exc:
        raise io_error(str(exc) or type(exc).__name__, request=request) from None


class Http1Transport(httpx.AsyncBaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_idle_per_origin: int = 64,
                 max_response_bytes: int = 1 << 20) -> None:
        self._ssl = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._max_idle = max_idle_per_origin
        self._max_body = max_response_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        body = await request.aread()
        head = self._head(request, body)
        conn = self._checkout(origin)
        if conn is not None:
            try:
                return await self._exchange(origin, conn, request, head, body, timeouts, reused=True)
            except _Stale:
                conn.close()
        conn = await self._connect(origin, request, timeouts.get("connect"))
        try:
            return await self._exchange(origin, conn, request, head, body, timeouts, reused=False)
        except _Stale:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request) from None

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()

    def _checkout(self, origin: Origin) -> _Connection | None:
        conns = self._idle.get(origin)
        while conns:
            conn = conns.pop()
            if conn.usable():
                return conn
            conn.close()
        return None

    def _checkin(self, origin: Origin, conn: _Connection) -> None:
        conns = self._idle.setdefault(origin, [])
        if len(conns) < self._max_idle and conn.usable():
            conns.append(conn)
        else:
            conn.close()

    async def _connect(self, origin: Origin, request: httpx.Request, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            tls = self._ssl = self._ssl or ssl.create_default_context()
        with _mapped(request, httpx.ConnectTimeout, httpx.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, ssl=tls,
                                                               server_hostname=host if tls else None,
                                                               limit=1 << 16)
        return _Connection(reader, writer)

    @staticmethod
    def _head(request: httpx.Request, body: bytes) -> bytes:
        lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode(), request.url.raw_path)]
        has_length = False
        for name, value in request.headers.raw:
            if name.lower() == b"content-length":
                has_length = True
            lines.append(name + b": " + value + b"\r\n")
        if not has_length:
            lines.append(b"Content-Length: %d\r\n" % len(body))
        lines.append(b"\r\n")
        return b"".join(lines)

    async def _exchange(self, origin: Origin, conn: _Connection, request: httpx.Request, head: bytes,
                        body: bytes, timeouts: dict[str, float | None], *, reused: bool) -> httpx.Response:
        try:
            with _mapped(request, httpx.WriteTimeout, httpx.WriteError):
                conn.writer.write(head + body)
                async with asyncio.timeout(timeouts.get("write")):
                    await conn.writer.drain()
            with _mapped(request, httpx.ReadTimeout, httpx.ReadError):
                async with asyncio.timeout(timeouts.get("read")):
                    status, headers, keep_alive = await self._read_head(conn, request, reused)
                    try:
                        content, reusable = await self._read_body(conn, request, status, headers)
                    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                        raise httpx.RemoteProtocolError("Server disconnected in the middle of the response.",
                                                        request=request) from None
        except BaseException:
            conn.close()
            raise
        if keep_alive and reusable:
            self._checkin(origin, conn)
        else:
            conn.close()
        kept = [(k, v) for k, v in headers if k.lower() not in _STRIP]
        return httpx.Response(status, headers=kept, content=content, request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    async def _read_head(self, conn: _Connection, request: httpx.Request,
                         reused: bool) -> tuple[int, list[tuple[bytes, bytes]], bool]:
        while True:
            try:
                raw = await conn.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if reused and not exc.partial:
                    raise _Stale() from None
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                                request=request) from None
            except asyncio.LimitOverrunError:
                raise httpx.RemoteProtocolError("Response headers too large.", request=request) from None
            lines = raw[:-4].split(b"\r\n")
            parts = lines[0].split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise httpx.RemoteProtocolError(f"Malformed status line {lines[0][:80]!r}.", request=request)
            status = int(parts[1])
            headers = []
            for line in lines[1:]:
                name, sep, value = line.partition(b":")
                if sep:
                    headers.append((name.strip(), value.strip()))
            if 100 <= status < 200:
                continue  # 100 Continue and other interim answers precede the real one
            connection = _header(headers, b"connection").lower()
            keep_alive = (b"close" not in connection if parts[0] == b"HTTP/1.1" else b"keep-alive" in connection)
            return status, headers, keep_alive

    async def _read_body(self, conn: _Connection, request: httpx.Request, status: int,
                         headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bool]:
        if status in _NO_BODY or request.method == "HEAD":
            return b"", True
        reader = conn.reader
        if b"chunked" in _header(headers, b"transfer-encoding").lower():
            chunks, size = [], 0
            while True:
                line = await reader.readuntil(b"\r\n")
                try:
                    length = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise httpx.RemoteProtocolError("Malformed chunked response.", request=request) from None
                if length == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                        pass
                    return b"".join(chunks), True
                size += length
                if size > self._max_body:
                    return b"".join(chunks), False
                chunks.append(await reader.readexactly(length))
                await reader.readexactly(2)
        length_text = _header(headers, b"content-length")
        if length_text:
            try:
                length = int(length_text)
            except ValueError:
                raise httpx.RemoteProtocolError("Malformed Content-Length.", request=request) from None
            if length > self._max_body:
                return b"", False
            return await reader.readexactly(length), True
        # No length: the body runs to the end of the connection.
        return await reader.read(self._max_body), False


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return value
    return b""
