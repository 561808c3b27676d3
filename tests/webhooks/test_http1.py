"""The lean HTTP/1.1 transport behind webhook POSTs: keep-alive, response framings, errors, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from cpms.webhooks.http1 import Http1Transport
from cpms.webhooks.transport import Message, Target, WebhookTransport
from tests.support.receiver import CLOSE, Receiver

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return await reader.readexactly(length)


async def serve(script: Script) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(script, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=Http1Transport(), timeout=httpx.Timeout(2.0)) as c:
        yield c


async def test_keep_alive_reuses_one_connection(http, receiver) -> None:
    for n in range(5):
        response = await http.post(receiver.url(), content=b'{"n": %d}' % n, headers={"X-Test": "yes"})
        assert response.status_code == 202
    assert receiver.connections == 1
    assert [r.json["n"] for r in receiver.acknowledged] == [0, 1, 2, 3, 4]
    assert receiver.acknowledged[0].header("x-test") == "yes"
    assert receiver.acknowledged[0].header("content-length") == "8"


@pytest.mark.parametrize("answer,body", [
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", b"abcde"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", b"ok"),
    (b"HTTP/1.0 200 OK\r\n\r\nuntil the end", b"until the end"),
    (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
])
async def test_response_framings(http, answer, body) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        if b"HTTP/1.0" in answer:
            writer.close()

    server, url = await serve(script)
    async with server:
        response = await http.post(url, content=b"{}")
    assert response.content == body and 200 <= response.status_code < 300


async def test_a_connection_closed_by_the_server_while_idle_is_replaced(http, receiver) -> None:
    assert (await http.post(receiver.url(), content=b"{}")).status_code == 202
    await receiver.stop()
    await receiver.start()  # the kept-alive connection is dead now
    assert (await http.post(receiver.url(), content=b"{}")).status_code == 202
    assert len(receiver.acknowledged) == 2


async def test_errors_are_httpx_errors(http, receiver) -> None:
    refused = Receiver()
    await refused.start()
    await refused.stop()
    with pytest.raises(httpx.ConnectError):
        await http.post(refused.url(), content=b"{}")
    receiver.answer = CLOSE
    with pytest.raises(httpx.RemoteProtocolError):
        await http.post(receiver.url(), content=b"{}")
    receiver.answer = (202, 5.0)
    with pytest.raises(httpx.ReadTimeout):
        await http.post(receiver.url(), content=b"{}", timeout=0.2)

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SMTP ready\r\n\r\n")
        await writer.drain()

    server, url = await serve(garbage)
    async with server:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(url, content=b"{}")


async def test_the_webhook_transport_turns_every_failure_into_an_outcome(receiver) -> None:
    transport = WebhookTransport(tenant="t", timeout=0.5)
    target = Target(subscription_id=1, via="webhook", url=receiver.url(), key="k")
    message = Message("evse.changed", b"{}")
    try:
        assert (await transport.send(target, message)).ok
        receiver.answer = 410
        outcome = await transport.send(target, message)
        assert (outcome.ok, outcome.status, outcome.unreachable) == (False, 410, False)
        receiver.answer = (202, 3.0)
        outcome = await transport.send(target, message)
        assert not outcome.ok and outcome.unreachable and "no answer within" in (outcome.error or "")
        receiver.answer = CLOSE
        outcome = await transport.send(target, message)
        assert not outcome.ok and outcome.unreachable
        outcome = await transport.send(Target(1, "webhook", "http://256.0.0.1:1/x", "k"), message)
        assert not outcome.ok
    finally:
        await transport.close()


async def test_an_injected_httpx_transport_is_used(receiver) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    transport = WebhookTransport(tenant="t", transport=httpx.MockTransport(handler))
    try:
        outcome = await transport.send(Target(7, "webhook", "https://example.com/h", "k"), Message("n", b"{}"))
    finally:
        await transport.close()
    assert outcome.ok and seen[0].headers["x-webhook-id"] == "7" and seen[0].content == b"{}"


async def test_a_deadline_on_a_kept_alive_connection_is_a_timeout_not_a_resend(http, receiver) -> None:
    assert (await http.post(receiver.url(), content=b"{}")).status_code == 202
    receiver.answer = (202, 5.0)
    with pytest.raises(httpx.ReadTimeout):
        await http.post(receiver.url(), content=b"{}", timeout=0.2)
    assert len(receiver.requests) == 2  # the slow request was not sent again on a fresh connection
