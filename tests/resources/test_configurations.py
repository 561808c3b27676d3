"""The configurations resource (v2.0 and the deprecated v1.0): what chargers reported, read by key,
filtered in OCPP 2.0.1's device-model terms, and changed on the charger with PATCH."""

from __future__ import annotations

import pytest
from ocpp.v16 import call_result
from sqlalchemy import select

from cpms.domain.configuration import Variable, complete_request, open_request, store_variables
from cpms.storage.tables.configuration import configuration_variables
from tests.conftest import client
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running

V2 = "/public-api/resources/charge-points/v2.0/{}/configurations"
V1 = "/public-api/resources/charge-points/v1.0/{}/configurations"

DEVICE_MODEL = [
    Variable(name="HeartbeatInterval", value="300"),
    Variable(name="NumberOfConnectors", value="2", readonly=True),
    Variable(name="AuthorizeRemoteStart", value="true"),
    Variable(name="Enabled", value="true", component="EVSE", evse_id=1),
    Variable(name="Enabled", value="false", component="EVSE", evse_id=2),
    Variable(name="MessageTimeout", value="30", instance="Default", component="OCPPCommCtrlr",
             extra={"maxLimit": 120, "dataType": "integer"}),
    Variable(name="Identity", value=None, readonly=True),
]


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def reported(live, identity: str, variables=DEVICE_MODEL) -> int:
    cp = await seed.charge_point(live.server.rt.db, identity)
    rt = live.server.rt
    async with rt.db.write() as tx:
        request_id = await open_request(tx, cp["id"], None, rt.clock.now())
        await store_variables(tx, cp["id"], variables, rt.clock.now(), request_id)
        await complete_request(tx, cp["id"], request_id, rt.clock.now())
    return cp["id"]


async def test_listing_shows_every_variable_in_the_device_model_shape(live) -> None:
    cp_id = await reported(live, "CP-L1")
    async with client(live.base_url) as api:
        response = await api.get(V2.format(cp_id))
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == len(DEVICE_MODEL)
    assert data[0]["key"] == {"name": "HeartbeatInterval", "value": "300"}
    assert data[0]["readonly"] is False and data[0]["timestamp"] and data[0]["lastUpdatedAt"]
    timeout = next(item for item in data if item["key"]["name"] == "MessageTimeout")
    assert timeout["key"] == {"name": "MessageTimeout", "value": "30", "componentName": "OCPPCommCtrlr",
                              "instance": "Default", "maxLimit": 120}
    identity = next(item for item in data if item["key"]["name"] == "Identity")
    assert identity["key"]["value"] == "" and identity["readonly"] is True


@pytest.mark.parametrize("filters, names", [
    ({"filter[name]": "Enabled"}, ["Enabled", "Enabled"]),
    ({"filter[componentName]": "EVSE", "filter[evseId]": "2"}, ["Enabled"]),
    ({"filter[instance]": "Default"}, ["MessageTimeout"]),
    ({"filter[componentName]": "Nothing"}, []),
])
async def test_listing_filters_by_device_model_address(live, filters, names) -> None:
    cp_id = await reported(live, "CP-L2")
    async with client(live.base_url) as api:
        response = await api.get(V2.format(cp_id), params=filters)
    assert response.status_code == 200
    assert [item["key"]["name"] for item in response.json()["data"]] == names


async def test_listing_is_per_charge_point_and_unpaged(live) -> None:
    many = [Variable(name=f"Key{n}", value=str(n)) for n in range(130)]
    cp_id = await reported(live, "CP-L3", many)
    other = await reported(live, "CP-L4")
    async with client(live.base_url) as api:
        assert len((await api.get(V2.format(cp_id))).json()["data"]) == 130
        assert len((await api.get(V2.format(other))).json()["data"]) == len(DEVICE_MODEL)
        assert (await api.get(V2.format(999))).status_code == 404


async def test_read_by_key_in_both_versions(live) -> None:
    cp_id = await reported(live, "CP-R1")
    async with client(live.base_url) as api:
        v2 = await api.get(f"{V2.format(cp_id)}/HeartbeatInterval")
        v1 = await api.get(f"{V1.format(cp_id)}/NumberOfConnectors")
        v1_list = await api.get(V1.format(cp_id))
        missing = await api.get(f"{V2.format(cp_id)}/NoSuchKey")
        not_in_v1 = await api.get(f"{V1.format(cp_id)}/MessageTimeout")
        ambiguous = await api.get(f"{V2.format(cp_id)}/Enabled")
    assert v2.status_code == 200 and v2.json()["data"]["key"] == {"name": "HeartbeatInterval", "value": "300"}
    assert v1.status_code == 200
    item = v1.json()["data"]
    assert item["key"] == "NumberOfConnectors" and item["value"] == "2" and item["readonly"] is True
    # v1.0 enumerates OCPP 1.6's standard keys: vendor keys and 2.0.1 components are v2.0's
    assert [i["key"] for i in v1_list.json()["data"]] == ["HeartbeatInterval", "NumberOfConnectors"]
    assert missing.status_code == 404 and not_in_v1.status_code == 404
    assert ambiguous.status_code == 409 and "filter[componentName]" in ambiguous.json()["message"]


async def stored_value(live, cp_id: int, name: str) -> str | None:
    t = configuration_variables
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(t.c.value).where(t.c.charge_point_id == cp_id, t.c.variable_name == name))
                ).scalar_one()


async def test_patch_changes_the_value_on_the_charger_then_in_cpms(live) -> None:
    cp_id = await reported(live, "CP-P1")
    async with connect16(live.ws_url, "CP-P1") as charger, client(live.base_url) as api:
        v2 = await api.patch(f"{V2.format(cp_id)}/HeartbeatInterval", json={"value": "900"})
        assert await charger.wait_for("ChangeConfiguration") == {"key": "HeartbeatInterval", "value": "900"}
        v1 = await api.patch(f"{V1.format(cp_id)}/HeartbeatInterval", json={"value": "901"})
    assert v2.status_code == 200 and v2.json()["data"]["key"]["value"] == "900"
    assert v1.status_code == 200 and v1.json()["data"]["value"] == "901"
    assert await stored_value(live, cp_id, "HeartbeatInterval") == "901"


async def test_patch_refused_by_the_charger_keeps_the_stored_value(live) -> None:
    cp_id = await reported(live, "CP-P2")
    async with connect16(live.ws_url, "CP-P2") as charger, client(live.base_url) as api:
        charger.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(status="Rejected")
        response = await api.patch(f"{V2.format(cp_id)}/NumberOfConnectors", json={"value": "4"})
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == "Rejected"
    assert await stored_value(live, cp_id, "NumberOfConnectors") == "2"


async def test_patch_of_an_offline_charger_is_refused(live) -> None:
    cp_id = await reported(live, "CP-P3")
    async with client(live.base_url) as api:
        response = await api.patch(f"{V2.format(cp_id)}/HeartbeatInterval", json={"value": "60"})
    assert response.status_code == 406 and "not connected" in response.json()["message"]
    assert await stored_value(live, cp_id, "HeartbeatInterval") == "300"


@pytest.mark.parametrize("key, body, status", [
    ("HeartbeatInterval", {}, 422),
    ("HeartbeatInterval", {"value": 60}, 422),
    ("HeartbeatInterval", {"value": "v" * 501}, 422),
    ("NoSuchKey", {"value": "1"}, 404),
])
async def test_patch_bad_input_reaches_neither_charger_nor_database(live, key, body, status) -> None:
    cp_id = await reported(live, "CP-P4")
    async with connect16(live.ws_url, "CP-P4") as charger, client(live.base_url) as api:
        response = await api.patch(f"{V2.format(cp_id)}/{key}", json=body)
        assert charger.received == []
    assert response.status_code == status
    if status == 422:
        assert "value" in response.json()["errors"]
    assert await stored_value(live, cp_id, "HeartbeatInterval") == "300"
