"""API actions reach the charger and report its answer (Reset as the example of the mechanism)."""

import asyncio
import json

import pytest
import websockets
from ocpp.v16 import call_result

from tests.conftest import client
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def test_TC_013_CSMS_HardReset(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-R")
    async with connect16(live.ws_url, "CP-R") as charger, client(live.base_url) as api:
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/reset/hard")
        assert response.status_code == 202
        assert response.json() == {"success": True, "status": "Accepted"}
        assert await charger.wait_for("Reset") == {"type": "Hard"}


async def test_TC_014_CSMS_SoftReset_rejected_is_reported(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-R2")
    async with connect16(live.ws_url, "CP-R2") as charger, client(live.base_url) as api:
        charger.answers["Reset"] = call_result.Reset(status="Rejected")
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/reset/soft")
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is False and body["status"] == "Rejected" and "Rejected" in body["message"]
        assert await charger.wait_for("Reset") == {"type": "Soft"}


@pytest.mark.parametrize("reply, status, told", [
    (lambda uid: [4, uid, "NotImplemented", "No Reset on this model", {}], "NotImplemented",
     "The charger answered NotImplemented: No Reset on this model"),
    (lambda uid: [3, uid, {"status": "Maybe"}], "PropertyConstraintViolation", "invalid Reset answer"),
])
async def test_a_callerror_or_an_answer_breaking_the_schema_is_a_refusal_naming_it(live, reply, status, told) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-RERR")
    async with websockets.connect(f"{live.ws_url}/CP-RERR", subprotocols=["ocpp1.6"]) as ws, \
            client(live.base_url) as api:
        request = asyncio.get_running_loop().create_task(
            api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/reset/hard"))
        sent = json.loads(await ws.recv())
        await ws.send(json.dumps(reply(sent[1])))
        response = await request
    assert response.status_code == 202
    body = response.json()
    assert body["success"] is False and body["status"] == status and told in body["message"]


async def test_an_offline_charger_is_reported_at_once(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-OFF")
    async with client(live.base_url) as api:
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/reset/hard")
    assert response.status_code == 202
    assert response.json()["success"] is False and "not connected" in response.json()["message"]


async def test_unknown_charge_point_is_404(live) -> None:
    async with client(live.base_url) as api:
        response = await api.post("/public-api/actions/charge-point/v1.0/999/reset/hard")
    assert response.status_code == 404
