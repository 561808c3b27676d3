"""A small keep-alive HTTP/1.1 client for webhook POSTs, usable directly or as an httpx transport.

httpx costs about a millisecond of CPU per request on this kind of machine (its client builds
and merges URL, header and cookie objects; httpcore adds a pool and locks): at thousands of
webhooks a second that is the whole budget of the event loop. Webhooks need much less: one
request at a time per connection, a small JSON body out, a status code back. `Http1Client` does
exactly that over asyncio streams, with per-origin keep-alive, TLS and a deadline per exchange;
the webhook transport calls it directly with a prebuilt request head. `Http1Transport` puts
the same client under an `httpx.AsyncClient` (the tests drive it that way). Response bodies are
read (to keep connections reusable) up to a limit and otherwise discarded with the connection.
Proxies are not supported: use `CPMS_WEBHOOK_HTTP=httpx` for httpx's own transport. Failures
are raised as httpx's exception types either way, so callers handle one set of errors.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import httpx

Origin = tuple[str, str, int]
Headers = list[tuple[bytes, bytes]]

_NO_BODY = {204, 304}
_STRIP = {b"transfer-encoding", b"content-encoding", b"connection", b"keep-alive"}


@dataclass(frozen=True)
class Endpoint:
    """A URL taken apart once: where to connect, and the request line's target and Host header."""

    origin: Origin
    host: bytes
    target: bytes


@lru_cache(maxsize=4096)
def endpoint(url: str) -> Endpoint:
    """Parse `url` (cached: a subscription's URL is parsed once, not per delivery); InvalidURL if it is not one."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise httpx.UnsupportedProtocol(f"cannot send to {url!r}")
    return Endpoint((parsed.scheme, parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)),
                    parsed.netloc, parsed.raw_path)


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    expired: bool = False

    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()

    def expire(self) -> None:
        """The exchange's deadline passed: drop the connection, which ends the read waiting on it."""
        self.expired = True
        self.writer.transport.abort()


class _Stale(Exception):
    """A reused connection was closed by the peer before it answered: try once on a fresh one."""


@contextmanager
def _mapped(request: httpx.Request | None, timeout_error: type[httpx.TimeoutException],
            io_error: type[httpx.TransportError]) -> Iterator[None]:
    try:
        yield
    except TimeoutError:
        raise timeout_error("timed out", request=request) from None
    except (ssl.SSLError, OSError) as exc:
        raise io_error(str(exc) or type(exc).__name__, request=request) from None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Headers
    content: bytes


class Http1Client:
    """Keep-alive connections per origin; `exchange` sends one request head and body, returns the answer."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_idle_per_origin: int = 1024,
                 max_response_bytes: int = 1 << 20) -> None:
        self._ssl = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._max_idle = max_idle_per_origin
        self._max_body = max_response_bytes

    async def exchange(self, where: Endpoint, head: bytes, body: bytes, *, connect_timeout: float | None,
                       timeout: float | None, method: str = "POST",
                       request: httpx.Request | None = None) -> Answer:
        """Send `head` + `body` to `where` and read the answer; `timeout` bounds writing and reading together."""
        conn = self._checkout(where.origin)
        if conn is not None:
            try:
                return await self._exchange(where.origin, conn, head + body, method, timeout, request, reused=True)
            except _Stale:
                conn.close()
        conn = await self._connect(where.origin, request, connect_timeout)
        try:
            return await self._exchange(where.origin, conn, head + body, method, timeout, request, reused=False)
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

    async def _connect(self, origin: Origin, request: httpx.Request | None, timeout: float | None) -> _Connection:
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

    async def _exchange(self, origin: Origin, conn: _Connection, data: bytes, method: str, timeout: float | None,
                        request: httpx.Request | None, *, reused: bool) -> Answer:
        # A timer handle, not asyncio.timeout(): the deadline costs a few microseconds instead of tens.
        timer = asyncio.get_running_loop().call_later(timeout, conn.expire) if timeout is not None else None
        try:
            with _mapped(request, httpx.ReadTimeout, httpx.ReadError):
                conn.writer.write(data)
                if conn.writer.transport.get_write_buffer_size():
                    await conn.writer.drain()
                status, headers, keep_alive = await self._read_head(conn, request, reused)
                try:
                    content, reusable = await self._read_body(conn, request, method, status, headers)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    raise httpx.RemoteProtocolError("Server disconnected in the middle of the response.",
                                                    request=request) from None
        except BaseException:
            conn.close()
            if conn.expired:
                raise httpx.ReadTimeout("timed out", request=request) from None
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if keep_alive and reusable:
            self._checkin(origin, conn)
        else:
            conn.close()
        return Answer(status, headers, content)

    async def _read_head(self, conn: _Connection, request: httpx.Request | None,
                         reused: bool) -> tuple[int, Headers, bool]:
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

    async def _read_body(self, conn: _Connection, request: httpx.Request | None, method: str, status: int,
                         headers: Headers) -> tuple[bytes, bool]:
        if status in _NO_BODY or method == "HEAD":
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


def request_head(method: bytes, where: Endpoint, headers: Headers, body_length: int) -> bytes:
    """The request line and headers; Host and Content-Length are added unless `headers` has them."""
    lines = [b"%s %s HTTP/1.1\r\n" % (method, where.target)]
    has_host = has_length = False
    for name, value in headers:
        lowered = name.lower()
        has_host = has_host or lowered == b"host"
        has_length = has_length or lowered == b"content-length"
        lines.append(name + b": " + value + b"\r\n")
    if not has_host:
        lines.insert(1, b"Host: " + where.host + b"\r\n")
    if not has_length:
        lines.append(b"Content-Length: %d\r\n" % body_length)
    lines.append(b"\r\n")
    return b"".join(lines)


class Http1Transport(httpx.AsyncBaseTransport):
    """`Http1Client` under an httpx.AsyncClient (httpx's read timeout bounds the exchange)."""

    def __init__(self, client: Http1Client | None = None, **options: object) -> None:
        self.client = client or Http1Client(**options)  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        url = request.url
        where = Endpoint((url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)),
                         url.netloc, url.raw_path)
        body = await request.aread()
        head = request_head(request.method.encode(), where, list(request.headers.raw), len(body))
        answer = await self.client.exchange(where, head, body, connect_timeout=timeouts.get("connect"),
                                            timeout=timeouts.get("read"), method=request.method, request=request)
        kept = [(k, v) for k, v in answer.headers if k.lower() not in _STRIP]
        return httpx.Response(answer.status, headers=kept, content=answer.content, request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        await self.client.aclose()


def _header(headers: Headers, name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return value
    return b""
