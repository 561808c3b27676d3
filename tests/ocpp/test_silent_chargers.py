"""Chargers that stop answering: a command waits no longer than CPMS_OCPP_CALL_TIMEOUT and says so,
or less when the charger leaves first; a connection that is dead underneath (no pong) is closed by
the WebSocket ping, one that answers pings but sends no Heartbeat by the heartbeat watch
(CPMS_OCPP_SILENCE_GRACE), and the charger shown unavailable. Bounds the issue asks for, over real
sockets."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

import pytest
import websockets

from cpms.storage.db import Database
from tests.conftest import TOKEN, client
from tests.ocpp.both_versions import FLAVOURS, Flavour
from tests.support import seed
from tests.support.live import running
from tests.support.server_process import served
from tests.support.waiting import eventually

CALL_TIMEOUT = 1.0


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=CALL_TIMEOUT)) as r:
        yield r


async def unanswered(ws: Any, api: Any, url: str, body: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    """POST `url` while the charger on `ws` reads the CALL it causes and keeps quiet: (response, CALL)."""
    request = asyncio.get_running_loop().create_task(api.post(url, json=body))
    frame = json.loads(await ws.recv())
    return await request, frame


async def test_a_command_never_answered_is_reported_after_the_configured_timeout_and_the_connection_stays(
        live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-MUTE")
    async with websockets.connect(f"{live.ws_url}/CP-MUTE", subprotocols=["ocpp1.6"]) as ws, \
            client(live.base_url) as api:
        response, frame = await unanswered(ws, api, f"/public-api/actions/charge-point/v1.0/{cp['id']}/reset/soft")
        assert frame[0] == 2 and frame[2] == "Reset"
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is False and body["errorCode"] == "TIMEOUT"
        assert f"did not answer Reset within {CALL_TIMEOUT:g}s" in body["message"]
        # the late answer is dropped; the charger is still connected and served
        await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
        await ws.send('[2, "beat-1", "Heartbeat", {}]')
        answer = json.loads(await ws.recv())
        assert answer[:2] == [3, "beat-1"] and "currentTime" in answer[2]
        assert live.server.rt.component("gateway").is_connected(cp["id"])


async def test_a_remote_start_never_answered_fails_its_session_as_charge_point_timeout(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-MUTE2")
    async with websockets.connect(f"{live.ws_url}/CP-MUTE2", subprotocols=["ocpp1.6"]) as ws, \
            client(live.base_url) as api:
        response, frame = await unanswered(
            ws, api, f"/public-api/actions/charge-point/v1.0/{cp['id']}/start/{cp['evse_ids'][0]}", {})
        assert frame[2] == "RemoteStartTransaction"
        body = response.json()
        assert response.status_code == 202 and body["success"] is False and body["sessionId"] is not None
        assert "did not answer RemoteStartTransaction" in body["message"]
        session = (await api.get(f"/public-api/resources/sessions/v1.0/{body['sessionId']}")).json()["data"]
    assert session["status"] == "failed" and session["reason"] == "charge_point_timeout"


async def test_a_charger_leaving_before_it_answers_is_reported_at_once(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-GONE")
    async with client(live.base_url) as api:
        async with websockets.connect(f"{live.ws_url}/CP-GONE", subprotocols=["ocpp1.6"]) as ws:
            request = asyncio.get_running_loop().create_task(
                api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/change-availability",
                         json={"type": "Inoperative"}))
            assert json.loads(await ws.recv())[2] == "ChangeAvailability"
        response = await request
    assert response.status_code == 406
    assert response.json()["success"] is False
    assert "disconnected before answering ChangeAvailability" in response.json()["message"]


async def shown(api: Any, cp_id: int, network_status: str) -> bool:
    """Whether the API shows the charge point's networkStatus as `network_status`."""
    answer = await api.get(f"/public-api/resources/charge-points/v1.0/{cp_id}/status")
    return answer.json()["data"]["networkStatus"] == network_status


async def network_log(api: Any, cp_id: int) -> list[str]:
    """The charge point's network status log through the API, oldest first."""
    logs = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp_id}/network-status-logs")).json()
    return [log["status"] for log in logs["data"]]


async def handshake_then_play_dead(port: int, identity: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket upgrade by hand, then nothing: no pong, no frame, as a charger whose link died."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((f"GET /ocpp/{identity} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n").encode())
    status = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n", 1)[0]
    assert status.startswith(b"HTTP/1.1 101"), status
    return reader, writer


async def test_a_charger_that_stops_answering_pings_is_closed_shown_unavailable_and_logged(databases, tmp_path) -> None:
    """`cpms serve` as run, with CPMS_OCPP_PING_INTERVAL/_TIMEOUT short: the bound is the setting."""
    env = {"CPMS_OCPP_PING_INTERVAL": "0.5", "CPMS_OCPP_PING_TIMEOUT": "0.5"}
    async with served(databases, tmp_path / "server", TOKEN, env) as proc, client(proc.base_url) as api:
        db = Database(proc.database_url)
        try:
            cp = await seed.charge_point(db, "CP-DEAD")
        finally:
            await db.close()
        _, writer = await handshake_then_play_dead(proc.port, "CP-DEAD")
        try:
            await eventually(lambda: shown(api, cp["id"], "available"), timeout=10)
            await eventually(lambda: shown(api, cp["id"], "temporarily unavailable"), timeout=10)
        finally:
            writer.close()
        assert await network_log(api, cp["id"]) == ["available", "temporarily_unavailable"]


async def test_a_charger_that_answers_pings_but_sends_no_heartbeat_is_closed_and_shown_unavailable(
        databases, tmp_path) -> None:
    """Liveness by heartbeat, `cpms serve` as run: with CPMS_HEARTBEAT_INTERVAL 1 and
    CPMS_OCPP_SILENCE_GRACE 1, a charger silent for 2 x 1 + 1 s is closed (4001, "no heartbeat")
    although its WebSocket answers the pings (sent every 0.2 s), shown temporarily unavailable and
    logged; chargers of both versions that keep sending Heartbeats stay. The default grace (30 s)
    would not be met within the waits: the test fails if the setting is not honoured."""
    env = {"CPMS_HEARTBEAT_INTERVAL": "1", "CPMS_OCPP_SILENCE_GRACE": "1",
           "CPMS_OCPP_PING_INTERVAL": "0.2", "CPMS_OCPP_PING_TIMEOUT": "5"}
    async with served(databases, tmp_path / "server", TOKEN, env) as proc, client(proc.base_url) as api, \
            AsyncExitStack() as stack:
        db = Database(proc.database_url)
        try:
            cps = {(flavour.name, role): await seed.charge_point(db, f"HB-{role}-{flavour.subprotocol}",
                                                                 protocol=flavour.protocol)
                   for role in ("BEATING", "SILENT") for flavour in FLAVOURS}
        finally:
            await db.close()
        # the beating ones connect and boot first: were their Heartbeats ignored, they would be
        # silent longer than the silent ones and closed first
        chargers = {}
        for (name, role), cp in cps.items():
            flavour = next(f for f in FLAVOURS if f.name == name)
            charger = chargers[name, role] = await stack.enter_async_context(
                flavour.connect(f"{proc.ws_url}/ocpp", cp["identity"]))
            assert (await charger.call(flavour.boot())).interval == 1

        async def keep_beating(flavour: Flavour, charger: Any) -> None:
            while True:
                await asyncio.sleep(0.3)
                await charger.call(flavour.heartbeat())

        beating = [asyncio.get_running_loop().create_task(keep_beating(flavour, chargers[flavour.name, "BEATING"]))
                   for flavour in FLAVOURS]
        try:
            for flavour in FLAVOURS:
                silent = cps[flavour.name, "SILENT"]
                await eventually(lambda: shown(api, silent["id"], "temporarily unavailable"), timeout=10)
                connection = chargers[flavour.name, "SILENT"]._connection
                await asyncio.wait_for(connection.wait_closed(), 10)
                assert (connection.close_code, connection.close_reason) == (4001, "no heartbeat")
                assert await network_log(api, silent["id"]) == ["available", "temporarily_unavailable"]
            for flavour in FLAVOURS:
                beater = cps[flavour.name, "BEATING"]
                assert await shown(api, beater["id"], "available")
                assert await network_log(api, beater["id"]) == ["available"]
            assert not any(task.done() for task in beating), "the beating chargers' Heartbeats were all answered"
        finally:
            for task in beating:
                task.cancel()
            await asyncio.gather(*beating, return_exceptions=True)
