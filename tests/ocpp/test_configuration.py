"""Configuration actions end to end: sync-configuration (GetConfiguration) and set-configuration
(ChangeConfiguration), over real HTTP and a real OCPP 1.6 WebSocket."""

from __future__ import annotations

import pytest
from ocpp.v16 import call_result
from sqlalchemy import func, select

from cpms.storage.tables.configuration import configuration_requests, configuration_variables
from cpms.storage.tables.core import events
from tests.conftest import client
from tests.support import seed
from tests.support.chargers import CONFIGURATION16, connect16
from tests.support.live import running

SYNC = "/public-api/actions/charge-point/v1.0/{}/sync-configuration"
SET = "/public-api/actions/charge-point/v2.0/{}/set-configuration"
LIST = "/public-api/resources/charge-points/v2.0/{}/configurations"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def stored(live, cp_id: int) -> dict[str, tuple[str | None, bool]]:
    t = configuration_variables
    async with live.server.rt.db.read() as conn:
        rows = (await conn.execute(select(t.c.variable_name, t.c.value, t.c.readonly)
                                   .where(t.c.charge_point_id == cp_id))).all()
    return {row.variable_name: (row.value, row.readonly) for row in rows}


async def count(live, table) -> int:
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def synced_events(live) -> list[dict]:
    async with live.server.rt.db.read() as conn:
        rows = (await conn.execute(select(events.c.data).where(events.c.type == "chargePoint.configurationSynced")
                                   .order_by(events.c.id))).all()
    return [row.data for row in rows]


async def test_TC_019_1_CSMS_RetrieveAllConfigurationKeys(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C1")
    async with connect16(live.ws_url, "CP-C1") as charger, client(live.base_url) as api:
        response = await api.post(SYNC.format(cp["id"]), json={})
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is True and isinstance(body["requestId"], int)
        assert await charger.wait_for("GetConfiguration") == {}
        listed = (await api.get(LIST.format(cp["id"]))).json()["data"]
    assert await stored(live, cp["id"]) == dict(CONFIGURATION16)
    heartbeat = next(item for item in listed if item["key"]["name"] == "HeartbeatInterval")
    assert heartbeat["key"]["value"] == "300" and heartbeat["readonly"] is False and heartbeat["timestamp"]
    [event] = await synced_events(live)
    assert event["chargePointId"] == cp["id"] and event["requestId"] == body["requestId"]
    assert {item["key"] for item in event["configuration"]} == set(CONFIGURATION16)
    assert event["unknownKeys"] == []


async def test_TC_019_2_CSMS_RetrieveSpecificConfigurationKey(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C2")
    async with connect16(live.ws_url, "CP-C2") as charger, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        charger.configuration["HeartbeatInterval"] = ("120", False)
        charger.received.clear()
        response = await api.post(SYNC.format(cp["id"]), json={"keys": ["HeartbeatInterval", "NoSuchKey"]})
        assert response.status_code == 202
        assert response.json()["success"] is True and response.json()["unknownKeys"] == ["NoSuchKey"]
        assert await charger.wait_for("GetConfiguration") == {"key": ["HeartbeatInterval", "NoSuchKey"]}
    configuration = await stored(live, cp["id"])
    assert configuration["HeartbeatInterval"] == ("120", False)
    assert configuration["NumberOfConnectors"] == ("2", True)  # a partial read keeps what it did not ask for
    assert "NoSuchKey" not in configuration
    event = (await synced_events(live))[-1]
    assert [item["key"] for item in event["configuration"]] == ["HeartbeatInterval"]
    assert event["unknownKeys"] == ["NoSuchKey"]


async def test_a_full_read_forgets_keys_the_charger_no_longer_has(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C3")
    async with connect16(live.ws_url, "CP-C3") as charger, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        del charger.configuration["MeterValueSampleInterval"]
        assert (await api.post(SYNC.format(cp["id"]))).status_code == 202
    assert "MeterValueSampleInterval" not in await stored(live, cp["id"])


async def test_TC_021_CSMS_ChangeConfiguration(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C4")
    async with connect16(live.ws_url, "CP-C4") as charger, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        response = await api.post(SET.format(cp["id"]), json={"name": "HeartbeatInterval", "value": "600"})
        assert response.status_code == 202
        assert response.json() == {"success": True, "status": "Accepted"}
        assert await charger.wait_for("ChangeConfiguration") == {"key": "HeartbeatInterval", "value": "600"}
    assert (await stored(live, cp["id"]))["HeartbeatInterval"] == ("600", False)


async def test_a_value_taking_effect_after_reboot_is_reported_and_stored(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C5")
    async with connect16(live.ws_url, "CP-C5") as charger, client(live.base_url) as api:
        charger.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(status="RebootRequired")
        response = await api.post(SET.format(cp["id"]), json={"name": "MeterValueSampleInterval", "value": "30"})
    assert response.status_code == 202
    body = response.json()
    assert body["success"] is True and body["status"] == "RebootRequired" and "reboot" in body["message"]
    assert (await stored(live, cp["id"]))["MeterValueSampleInterval"] == ("30", False)


async def test_TC_040_1_CSMS_ChangeConfiguration_NotSupported(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C6")
    async with connect16(live.ws_url, "CP-C6") as charger, client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"]), json={"name": "NoSuchKey", "value": "1"})
        assert await charger.wait_for("ChangeConfiguration") == {"key": "NoSuchKey", "value": "1"}
    assert response.status_code == 406
    body = response.json()
    assert body["success"] is False and body["status"] == "NotSupported" and body["message"]
    assert await stored(live, cp["id"]) == {}


async def test_TC_040_2_CSMS_ChangeConfiguration_Rejected(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C7")
    async with connect16(live.ws_url, "CP-C7") as charger, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        charger.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(status="Rejected")
        response = await api.post(SET.format(cp["id"]), json={"name": "HeartbeatInterval", "value": "-5"})
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == "Rejected"
    assert (await stored(live, cp["id"]))["HeartbeatInterval"] == ("300", False)


async def test_an_offline_charger_is_reported_and_nothing_is_written(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C8")
    async with client(live.base_url) as api:
        synced = await api.post(SYNC.format(cp["id"]), json={})
        changed = await api.post(SET.format(cp["id"]), json={"name": "HeartbeatInterval", "value": "60"})
    for response in (synced, changed):
        assert response.status_code == 406
        assert response.json()["success"] is False and "not connected" in response.json()["message"]
    assert await count(live, configuration_requests) == 0
    assert await stored(live, cp["id"]) == {}


@pytest.mark.parametrize("url, body, field", [
    (SYNC, {"keys": ["K" * 51]}, "keys.0"),
    (SYNC, {"keys": [""]}, "keys.0"),
    (SYNC, {"keys": "HeartbeatInterval"}, "keys"),
    (SET, {"value": "60"}, "name"),
    (SET, {"name": "HeartbeatInterval", "value": 60}, "value"),
    (SET, {"name": "HeartbeatInterval", "value": "v" * 501}, "value"),
    (SET, {"name": "HeartbeatInterval", "value": "60", "componentName": "OCPPCommCtrlr"}, "componentName"),
    (SET, {"name": "HeartbeatInterval", "value": "60", "evseId": 1}, "evseId"),
])
async def test_bad_input_is_422_and_reaches_neither_charger_nor_database(live, url, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-C9")
    async with connect16(live.ws_url, "CP-C9") as charger, client(live.base_url) as api:
        response = await api.post(url.format(cp["id"]), json=body)
        assert charger.received == []
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert await count(live, configuration_requests) == 0
    assert await stored(live, cp["id"]) == {}


async def test_unknown_charge_point_is_404(live) -> None:
    async with client(live.base_url) as api:
        assert (await api.post(SYNC.format(999), json={})).status_code == 404
        assert (await api.post(SET.format(999), json={"name": "A", "value": "1"})).status_code == 404
