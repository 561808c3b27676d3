"""Configuration of OCPP 2.0.1 stations end to end: sync-configuration (GetBaseReport, then the
station's NotifyReport parts; GetVariables for some keys), set-configuration and the configurations
resource (SetVariables), over real HTTP and a real OCPP 2.0.1 WebSocket. The API shows a 2.0.1
station's device model as it shows a 1.6 charger's keys."""

from __future__ import annotations

import pytest
from ocpp.v201 import call, call_result
from sqlalchemy import func, select

from cpms.storage.tables.configuration import configuration_requests, configuration_variables
from cpms.storage.tables.core import events
from tests.conftest import client
from tests.ocpp.v201.device_support import GENERATED_AT, report_item, reports, station
from tests.support import seed
from tests.support.live import running

SYNC = "/public-api/actions/charge-point/v1.0/{}/sync-configuration"
SET = "/public-api/actions/charge-point/v2.0/{}/set-configuration"
LIST = "/public-api/resources/charge-points/v2.0/{}/configurations"
LIST_V1 = "/public-api/resources/charge-points/v1.0/{}/configurations"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def cs201(live, identity: str) -> dict:
    return await seed.charge_point(live.server.rt.db, identity, evse_count=1, protocol="ocpp 2.0.1")


async def stored(live, cp_id: int) -> dict[tuple, tuple]:
    """(component, evse, variable, instance) -> (value, readonly) as cpms keeps them."""
    t = configuration_variables
    async with live.server.rt.db.read() as conn:
        rows = (await conn.execute(select(t).where(t.c.charge_point_id == cp_id))).all()
    return {(r.component_name, r.evse_id, r.variable_name, r.variable_instance): (r.value, r.readonly) for r in rows}


async def request_row(live, request_id: int):
    async with live.server.rt.db.read() as conn:
        t = configuration_requests
        return (await conn.execute(select(t).where(t.c.id == request_id))).one()


async def synced_events(live) -> list[dict]:
    async with live.server.rt.db.read() as conn:
        rows = (await conn.execute(select(events.c.data).where(events.c.type == "chargePoint.configurationSynced")
                                   .order_by(events.c.id))).all()
    return [row.data for row in rows]


async def count(live, table) -> int:
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_TC_B_13_CSMS_Get_Base_Report_FullInventory(live) -> None:
    """GetBaseReport with the read's requestId; the parts complete the read and the API lists the
    device model, the variable instance as `instance` and the component as `componentName`."""
    cp = await cs201(live, "CS-B13")
    async with station(live.ws_url, "CS-B13") as cs, client(live.base_url) as api:
        response = await api.post(SYNC.format(cp["id"]), json={})
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is True and isinstance(body["requestId"], int)
        assert await cs.wait_for("GetBaseReport") == {"request_id": body["requestId"], "report_base": "FullInventory"}
        await cs.reported.wait()
        listed = (await api.get(LIST.format(cp["id"]))).json()["data"]
        v1 = (await api.get(LIST_V1.format(cp["id"]))).json()["data"]
    assert await stored(live, cp["id"]) == {
        ("OCPPCommCtrlr", None, "HeartbeatInterval", None): ("300", False),
        ("OCPPCommCtrlr", None, "MessageAttempts", "TransactionEvent"): ("3", False),
        ("SampledDataCtrlr", None, "TxUpdatedInterval", None): ("60", False),
        ("AuthCtrlr", None, "AuthorizeRemoteStart", None): ("true", False),
        ("EVSE", 1, "AvailabilityState", None): ("Available", True)}
    row = await request_row(live, body["requestId"])
    assert row.status == "completed" and row.parts == {"seen": [0, 1, 2], "last": 2}
    heartbeat = next(item for item in listed if item["key"]["name"] == "HeartbeatInterval")
    assert heartbeat["key"]["value"] == "300" and heartbeat["key"]["componentName"] == "OCPPCommCtrlr"
    assert heartbeat["readonly"] is False
    attempts = next(item for item in listed if item["key"]["name"] == "MessageAttempts")
    assert attempts["key"]["instance"] == "TransactionEvent"
    availability = next(item for item in listed if item["key"]["name"] == "AvailabilityState")
    assert availability["readonly"] is True and availability["key"]["evseId"] == 1
    # the 1.6 standard keys a 2.0.1 station holds, by their 1.6 names
    assert {item["key"]: item["value"] for item in v1} == {
        "HeartbeatInterval": "300", "TransactionMessageAttempts": "3", "MeterValueSampleInterval": "60",
        "AuthorizeRemoteTxRequests": "true"}
    [event] = await synced_events(live)
    assert event["requestId"] == body["requestId"] and len(event["configuration"]) == 5


async def test_a_report_in_parts_out_of_order_and_sent_again_completes_once(live) -> None:
    """Parts 1, 0, 1 again, then 2 (the last): stored as they come, complete only with all of them,
    the repeated part changes nothing and the synced event is told once."""
    cp = await cs201(live, "CS-PARTS")
    async with station(live.ws_url, "CS-PARTS") as cs, client(live.base_url) as api:
        cs.report_parts = 0  # the test sends the parts itself
        request_id = (await api.post(SYNC.format(cp["id"]), json={})).json()["requestId"]
        first, second, last = reports(request_id, cs.model, 2)
        assert await cs.call(second) == call_result.NotifyReport()
        assert (await request_row(live, request_id)).status == "pending"
        await cs.call(first)
        await cs.call(second)
        assert (await request_row(live, request_id)).status == "pending"
        assert len(await stored(live, cp["id"])) == 4
        await cs.call(last)
        await cs.call(last)
    assert (await request_row(live, request_id)).status == "completed"
    assert len(await stored(live, cp["id"])) == 5
    assert len(await synced_events(live)) == 1


async def test_a_full_read_forgets_variables_the_station_no_longer_reports(live) -> None:
    cp = await cs201(live, "CS-FORGET")
    async with station(live.ws_url, "CS-FORGET") as cs, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
        del cs.model[("SampledDataCtrlr", None, "TxUpdatedInterval", None)]
        cs.reported.clear()
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
    variables = await stored(live, cp["id"])
    assert len(variables) == 4 and ("SampledDataCtrlr", None, "TxUpdatedInterval", None) not in variables


async def test_a_report_for_no_read_of_this_station_is_stored_and_completes_nothing(live) -> None:
    cp = await cs201(live, "CS-NOREQ")
    async with station(live.ws_url, "CS-NOREQ") as cs:
        key = ("OCPPCommCtrlr", None, "HeartbeatInterval", None)
        await cs.call(call.NotifyReport(request_id=4242, generated_at=GENERATED_AT, seq_no=0,
                                        report_data=[report_item(key, "30", "ReadWrite")]))
    assert await stored(live, cp["id"]) == {key: ("30", False)}
    assert await count(live, configuration_requests) == 0 and await synced_events(live) == []


async def test_TC_B_07_CSMS_Get_Variables_multiple_values(live) -> None:
    """A 1.6 standard key reads the 2.0.1 variable holding it; Component.Variable names any other;
    what the station does not know is an unknown key, forgotten."""
    cp = await cs201(live, "CS-B07")
    async with station(live.ws_url, "CS-B07") as cs, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
        cs.model[("OCPPCommCtrlr", None, "HeartbeatInterval", None)] = ("120", "ReadWrite")
        del cs.model[("AuthCtrlr", None, "AuthorizeRemoteStart", None)]
        response = await api.post(SYNC.format(cp["id"]), json={"keys": [
            "HeartbeatInterval", "MeterValueSampleInterval", "AuthCtrlr.AuthorizeRemoteStart", "NoSuch.Thing"]})
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is True and body["unknownKeys"] == ["AuthCtrlr.AuthorizeRemoteStart", "NoSuch.Thing"]
        sent = await cs.wait_for("GetVariables")
    assert sent["get_variable_data"] == [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
        {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}},
        {"component": {"name": "AuthCtrlr"}, "variable": {"name": "AuthorizeRemoteStart"}},
        {"component": {"name": "NoSuch"}, "variable": {"name": "Thing"}}]
    variables = await stored(live, cp["id"])
    assert variables[("OCPPCommCtrlr", None, "HeartbeatInterval", None)] == ("120", False)
    assert variables[("EVSE", 1, "AvailabilityState", None)] == ("Available", True)  # kept, and still read-only
    assert ("AuthCtrlr", None, "AuthorizeRemoteStart", None) not in variables
    event = (await synced_events(live))[-1]
    assert sorted(item["key"] for item in event["configuration"]) == ["HeartbeatInterval", "TxUpdatedInterval"]
    assert event["unknownKeys"] == ["AuthCtrlr.AuthorizeRemoteStart", "NoSuch.Thing"]


async def test_TC_B_09_CSMS_Set_Variables_single_value(live) -> None:
    """componentName names the component; without it the key names the variable the station reported."""
    cp = await cs201(live, "CS-B09")
    async with station(live.ws_url, "CS-B09") as cs, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
        response = await api.post(SET.format(cp["id"]), json={"name": "TxUpdatedInterval", "value": "30",
                                                               "componentName": "SampledDataCtrlr"})
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert (await cs.wait_for("SetVariables"))["set_variable_data"] == [
            {"attribute_value": "30", "component": {"name": "SampledDataCtrlr"},
             "variable": {"name": "TxUpdatedInterval"}}]
        cs.received.clear()
        response = await api.post(SET.format(cp["id"]), json={"name": "HeartbeatInterval", "value": "600"})
        assert response.status_code == 202 and response.json()["status"] == "Accepted"
        assert (await cs.wait_for("SetVariables"))["set_variable_data"][0]["component"] == {"name": "OCPPCommCtrlr"}
        cs.received.clear()
        patched = await api.patch(f"{LIST.format(cp['id'])}/MessageAttempts", json={"value": "5"})
        assert patched.status_code == 200 and patched.json()["data"]["key"]["value"] == "5"
        assert (await cs.wait_for("SetVariables"))["set_variable_data"][0]["variable"] == {
            "name": "MessageAttempts", "instance": "TransactionEvent"}
    variables = await stored(live, cp["id"])
    assert variables[("SampledDataCtrlr", None, "TxUpdatedInterval", None)] == ("30", False)
    assert variables[("OCPPCommCtrlr", None, "HeartbeatInterval", None)] == ("600", False)
    assert variables[("OCPPCommCtrlr", None, "MessageAttempts", "TransactionEvent")] == ("5", False)


@pytest.mark.parametrize("answer, status, code, success", [
    ("RebootRequired", "RebootRequired", 202, True),
    ("Rejected", "Rejected", 406, False),
    ("UnknownVariable", "UnknownVariable", 406, False),
])
async def test_the_stations_answer_to_a_change_is_the_result(live, answer, status, code, success) -> None:
    cp = await cs201(live, f"CS-SET-{answer}")
    async with station(live.ws_url, f"CS-SET-{answer}") as cs, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
        cs.answers["SetVariables"] = call_result.SetVariables(set_variable_result=[{
            "attribute_status": answer, "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"}}])
        response = await api.post(SET.format(cp["id"]), json={"name": "HeartbeatInterval", "value": "45"})
    assert response.status_code == code
    body = response.json()
    assert body["success"] is success and body["status"] == status and body["message"]
    expected = "45" if success else "300"
    assert (await stored(live, cp["id"]))[("OCPPCommCtrlr", None, "HeartbeatInterval", None)] == (expected, False)


@pytest.mark.parametrize("body, field", [
    ({"keys": ["NotAStandardKey"]}, "keys.0"),
    ({"keys": ["Comp." + "V" * 51]}, "keys.0"),
])
async def test_a_key_naming_no_variable_is_422_and_nothing_is_sent_or_written(live, body, field) -> None:
    cp = await cs201(live, "CS-BADKEY")
    async with station(live.ws_url, "CS-BADKEY") as cs, client(live.base_url) as api:
        response = await api.post(SYNC.format(cp["id"]), json=body)
        assert cs.received == []
    assert response.status_code == 422 and field in response.json()["errors"]
    assert await count(live, configuration_requests) == 0


@pytest.mark.parametrize("body, field", [
    ({"name": "UnknownToCpms", "value": "1"}, "componentName"),
    ({"name": "HeartbeatInterval", "value": "1", "componentName": "C" * 51}, "componentName"),
    ({"name": "HeartbeatInterval", "value": "v" * 1001, "componentName": "OCPPCommCtrlr"}, "value"),
    ({"name": "AvailabilityState", "value": "1", "componentName": "EVSE", "evseId": 0}, "evseId"),
])
async def test_a_change_2_0_1_cannot_express_is_422_and_nothing_is_sent(live, body, field) -> None:
    cp = await cs201(live, "CS-BADSET")
    async with station(live.ws_url, "CS-BADSET") as cs, client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"]), json=body)
        assert cs.received == []
    assert response.status_code == 422 and field in response.json()["errors"]
    assert await stored(live, cp["id"]) == {}


async def test_a_base_report_the_station_refuses_fails_the_read(live) -> None:
    cp = await cs201(live, "CS-NOREPORT")
    async with station(live.ws_url, "CS-NOREPORT") as cs, client(live.base_url) as api:
        cs.answers["GetBaseReport"] = call_result.GetBaseReport(status="NotSupported")
        response = await api.post(SYNC.format(cp["id"]), json={})
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == "NotSupported"
    async with live.server.rt.db.read() as conn:
        [row] = (await conn.execute(select(configuration_requests))).all()
    assert row.status == "failed" and await stored(live, cp["id"]) == {}

