"""A small keep-alive HTTP/1.1 client for webhook POSTs, usable directly or as an httpx transport.

httpx costs about a millisecond of CPU per request on this kind of machine (its client builds
and merges URL, header and cookie objects; httpcore adds a pool and locks): at thousands of
webhooks a second that is the whole budget of the event loop. Webhooks need much less: one
request at a time per connection, a small JSON body out, a status code back. `Http1Client` does
exactly that over an asyncio protocol, with per-origin keep-alive, TLS and a deadline per exchange;
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
_MAX_HEAD = 1 << 16
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


class _Incomplete(Exception):
    """More bytes are needed before the answer can be read."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection. The answer is parsed as its bytes arrive, in the protocol: no
    stream reader, no future per read, one wake-up of the caller per answer."""

    def __init__(self, max_body: int) -> None:
        self.transport: asyncio.Transport | None = None
        self.max_body = max_body
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[Answer, bool]] | None = None
        self.method = "POST"
        self.request: httpx.Request | None = None
        self.reused = False
        self.eof = False
        self.expired = False
        self.head_done = False

    # --- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._answer()

    def eof_received(self) -> bool:
        self.eof = True
        self._answer()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self._answer(exc)

    # --- the client's side ----------------------------------------------------------------

    def usable(self) -> bool:
        return self.transport is not None and not self.eof and not self.transport.is_closing() and not self.buffer

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def expire(self) -> None:
        """The exchange's deadline passed: drop the connection, which ends the wait for its answer."""
        self.expired = True
        if self.transport is not None:
            self.transport.abort()

    def send(self, data: bytes, method: str, request: httpx.Request | None, reused: bool
             ) -> asyncio.Future[tuple[Answer, bool]]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.method, self.request, self.reused, self.head_done = method, request, reused, False
        assert self.transport is not None
        self.transport.write(data)
        return self.waiter

    def _answer(self, exc: Exception | None = None) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        try:
            result = self._parse()
        except _Incomplete:
            if not self.eof:
                return
            waiter.set_exception(exc if isinstance(exc, OSError) else self._disconnected())
            return
        except Exception as error:
            waiter.set_exception(error)
            return
        self.waiter = None
        waiter.set_result(result)

    def _disconnected(self) -> Exception:
        if not self.head_done and not self.buffer and self.reused:
            return _Stale()
        if not self.head_done:
            return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=self.request)
        return httpx.RemoteProtocolError("Server disconnected in the middle of the response.", request=self.request)

    def _parse(self) -> tuple[Answer, bool]:
        """The answer at the start of the buffer and whether the connection can be reused; consumes it."""
        buffer, request = self.buffer, self.request
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise httpx.RemoteProtocolError("Response headers too large.", request=request)
                raise _Incomplete()
            lines = bytes(buffer[:end]).split(b"\r\n")
            parts = lines[0].split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise httpx.RemoteProtocolError(f"Malformed status line {lines[0][:80]!r}.", request=request)
            status = int(parts[1])
            if 100 <= status < 200:  # 100 Continue and other interim answers precede the real one
                del buffer[:end + 4]
                continue
            break
        self.head_done = True
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                headers.append((name.strip(), value.strip()))
        connection = _header(headers, b"connection").lower()
        keep_alive = b"close" not in connection if parts[0] == b"HTTP/1.1" else b"keep-alive" in connection
        start = end + 4
        if status in _NO_BODY or self.method == "HEAD":
            content, used, reusable = b"", start, True
        elif b"chunked" in _header(headers, b"transfer-encoding").lower():
            content, used, reusable = self._chunked(start)
        elif length_text := _header(headers, b"content-length"):
            try:
                length = int(length_text)
            except ValueError:
                raise httpx.RemoteProtocolError("Malformed Content-Length.", request=request) from None
            if length > self.max_body:
                content, used, reusable = b"", len(buffer), False
            elif len(buffer) < start + length:
                raise _Incomplete()
            else:
                content, used, reusable = bytes(buffer[start:start + length]), start + length, True
        elif self.eof or len(buffer) - start > self.max_body:  # no length: the body runs to the end
            content, used, reusable = bytes(buffer[start:start + self.max_body]), len(buffer), False
        else:
            raise _Incomplete()
        del buffer[:used]
        return Answer(status, headers, content), keep_alive and reusable

    def _chunked(self, at: int) -> tuple[bytes, int, bool]:
        buffer, chunks, size = self.buffer, [], 0
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                raise _Incomplete()
            try:
                length = int(bytes(buffer[at:line_end]).split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise httpx.RemoteProtocolError("Malformed chunked response.", request=self.request) from None
            at = line_end + 2
            if length == 0:
                if buffer[at:at + 2] == b"\r\n":
                    return b"".join(chunks), at + 2, True
                trailers = buffer.find(b"\r\n\r\n", at)
                if trailers < 0:
                    raise _Incomplete()
                return b"".join(chunks), trailers + 4, True
            size += length
            if size > self.max_body:
                return b"".join(chunks), len(buffer), False
            if len(buffer) < at + length + 2:
                raise _Incomplete()
            chunks.append(bytes(buffer[at:at + length]))
            at += length + 2


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
        loop = asyncio.get_running_loop()
        with _mapped(request, httpx.ConnectTimeout, httpx.ConnectError):
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(lambda: _Connection(self._max_body), host, port, ssl=tls,
                                                       server_hostname=host if tls else None)
        return conn

    async def _exchange(self, origin: Origin, conn: _Connection, data: bytes, method: str, timeout: float | None,
                        request: httpx.Request | None, *, reused: bool) -> Answer:
        # A timer handle, not asyncio.timeout(): the deadline costs a few microseconds instead of tens.
        timer = asyncio.get_running_loop().call_later(timeout, conn.expire) if timeout is not None else None
        try:
            with _mapped(request, httpx.ReadTimeout, httpx.ReadError):
                answer, reusable = await conn.send(data, method, request, reused)
        except BaseException:
            conn.close()
            if conn.expired:
                raise httpx.ReadTimeout("timed out", request=request) from None
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if reusable:
            self._checkin(origin, conn)
        else:
            conn.close()
        return answer


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
