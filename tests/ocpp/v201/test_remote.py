"""Remote control of OCPP 2.0.1 stations end to end over real HTTP and a real 2.0.1 WebSocket: reset,
change-availability, unlock, trigger-message (station and EVSE), send-data-transfer; and the local
authorization list through the gateway (no API operation drives it yet). Each answers as it does
for a 1.6 charger."""

from __future__ import annotations

import pytest
from ocpp.v201 import call_result

from cpms.domain import local_list
from tests.conftest import client
from tests.ocpp.test_local_list import held, tags
from tests.ocpp.v201.device_support import station
from tests.support import seed
from tests.support.live import running

CP = "/public-api/actions/charge-point/v1.0/{}"
RESET = CP + "/reset/{}"
AVAILABILITY = CP + "/change-availability"
UNLOCK = CP + "/unlock/{}"
TRIGGER = CP + "/trigger-message"
EVSE_TRIGGER = "/public-api/actions/evse/v1.0/{}/trigger-message"
DATA_TRANSFER = CP + "/send-data-transfer"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def cs201(live, identity: str) -> dict:
    return await seed.charge_point(live.server.rt.db, identity, evse_count=2, protocol="ocpp 2.0.1")


# -- Reset ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, sent", [("hard", "Immediate"), ("soft", "OnIdle")])
async def test_a_hard_reset_is_Immediate_and_a_soft_one_OnIdle(live, kind, sent) -> None:
    cp = await cs201(live, f"CS-RESET-{kind}")
    async with station(live.ws_url, f"CS-RESET-{kind}") as cs, client(live.base_url) as api:
        response = await api.post(RESET.format(cp["id"], kind))
        assert await cs.wait_for("Reset") == {"type": sent}
    assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}


@pytest.mark.parametrize("status, success", [("Scheduled", True), ("Rejected", False)])
async def test_a_reset_scheduled_is_success_and_rejected_is_refused(live, status, success) -> None:
    cp = await cs201(live, f"CS-RESET-{status}")
    async with station(live.ws_url, f"CS-RESET-{status}") as cs, client(live.base_url) as api:
        cs.answers["Reset"] = call_result.Reset(status=status)
        response = await api.post(RESET.format(cp["id"], "soft"))
    assert response.status_code == 202
    body = response.json()
    assert body["success"] is success and body["status"] == status
    assert success or "Rejected" in body["message"]


async def test_an_evse_reset_names_the_evse(live) -> None:
    """The API resets whole charge points; the intent can name an EVSE (2.0.1 only)."""
    cp = await cs201(live, "CS-RESET-EVSE")
    async with station(live.ws_url, "CS-RESET-EVSE") as cs:
        result = await live.server.rt.component("gateway").command(cp["id"], "reset", kind="soft", evse=2)
        assert await cs.wait_for("Reset") == {"type": "OnIdle", "evse_id": 2}
    assert result.accepted and result.status == "Accepted"


# -- ChangeAvailability --------------------------------------------------------------------------

async def test_change_availability_of_the_station_and_of_an_evse(live) -> None:
    cp = await cs201(live, "CS-AV")
    async with station(live.ws_url, "CS-AV") as cs, client(live.base_url) as api:
        whole = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Inoperative"})
        assert await cs.wait_for("ChangeAvailability") == {"operational_status": "Inoperative"}
        cs.received.clear()
        one = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Operative", "evseNetworkId": 2})
        assert await cs.wait_for("ChangeAvailability") == {"operational_status": "Operative", "evse": {"id": 2}}
        cs.answers["ChangeAvailability"] = call_result.ChangeAvailability(status="Scheduled")
        scheduled = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Inoperative", "evseNetworkId": 1})
        cs.answers["ChangeAvailability"] = call_result.ChangeAvailability(status="Rejected")
        rejected = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Inoperative"})
    for response in (whole, one):
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
    assert scheduled.status_code == 202 and scheduled.json() == {"success": True, "status": "Scheduled"}
    assert rejected.status_code == 406
    assert rejected.json()["success"] is False and rejected.json()["status"] == "Rejected"


# -- UnlockConnector -----------------------------------------------------------------------------

async def test_unlock_names_the_evse_and_its_connector(live) -> None:
    cp = await cs201(live, "CS-UNLOCK")
    async with station(live.ws_url, "CS-UNLOCK") as cs, client(live.base_url) as api:
        response = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][1]))
        assert await cs.wait_for("UnlockConnector") == {"evse_id": 2, "connector_id": 1}
    assert response.status_code == 202 and response.json() == {"success": True, "status": "Unlocked"}


@pytest.mark.parametrize("status", ["UnlockFailed", "OngoingAuthorizedTransaction", "UnknownConnector"])
async def test_an_unlock_the_station_cannot_do_is_refused_with_its_reason(live, status) -> None:
    cp = await cs201(live, f"CS-UNLOCK-{status}")
    async with station(live.ws_url, f"CS-UNLOCK-{status}") as cs, client(live.base_url) as api:
        cs.answers["UnlockConnector"] = call_result.UnlockConnector(status=status)
        response = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][0]))
    assert response.status_code == 406
    body = response.json()
    assert body["success"] is False and body["status"] == status and status in body["message"]


# -- TriggerMessage ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["BootNotification", "Heartbeat", "LogStatusNotification", "TransactionEvent",
                                  "SignChargingStationCertificate", "PublishFirmwareStatusNotification"])
async def test_trigger_message_with_the_messages_2_0_1_knows(live, kind) -> None:
    cp = await cs201(live, f"CS-TRIG-{kind}")
    async with station(live.ws_url, f"CS-TRIG-{kind}") as cs, client(live.base_url) as api:
        whole = await api.post(TRIGGER.format(cp["id"]), json={"type": kind})
        assert await cs.wait_for("TriggerMessage") == {"requested_message": kind}
        cs.received.clear()
        one = await api.post(EVSE_TRIGGER.format(cp["evse_ids"][1]), json={"type": kind})
        assert await cs.wait_for("TriggerMessage") == {"requested_message": kind, "evse": {"id": 2}}
    for response in (whole, one):
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}


@pytest.mark.parametrize("status", ["Rejected", "NotImplemented"])
async def test_a_trigger_the_station_refuses_is_406(live, status) -> None:
    cp = await cs201(live, f"CS-TRIG-{status}")
    async with station(live.ws_url, f"CS-TRIG-{status}") as cs, client(live.base_url) as api:
        cs.answers["TriggerMessage"] = call_result.TriggerMessage(status=status)
        response = await api.post(TRIGGER.format(cp["id"]), json={"type": "MeterValues"})
    assert response.status_code == 406 and response.json()["status"] == status and response.json()["message"]


async def test_a_message_2_0_1_has_not_is_422_on_type_and_sent_to_nobody(live) -> None:
    cp = await cs201(live, "CS-TRIG-16")
    async with station(live.ws_url, "CS-TRIG-16") as cs, client(live.base_url) as api:
        response = await api.post(TRIGGER.format(cp["id"]), json={"type": "DiagnosticsStatusNotification"})
        assert cs.received == []
    assert response.status_code == 422 and list(response.json()["errors"]) == ["type"]


# -- DataTransfer --------------------------------------------------------------------------------

async def test_data_transfer_answers_with_the_stations_status_and_data(live) -> None:
    cp = await cs201(live, "CS-DT")
    async with station(live.ws_url, "CS-DT") as cs, client(live.base_url) as api:
        cs.answers["DataTransfer"] = call_result.DataTransfer(status="Accepted", data={"temp": 41})
        accepted = await api.post(DATA_TRANSFER.format(cp["id"]),
                                  json={"vendorId": "com.example", "messageId": "Temperature", "data": "now"})
        assert await cs.wait_for("DataTransfer") == {"vendor_id": "com.example", "message_id": "Temperature",
                                                     "data": "now"}
        cs.answers["DataTransfer"] = call_result.DataTransfer(status="Rejected", data="busy")
        rejected = await api.post(DATA_TRANSFER.format(cp["id"]), json={"vendorId": "com.example"})
        del cs.answers["DataTransfer"]
        unknown = await api.post(DATA_TRANSFER.format(cp["id"]), json={"vendorId": "org.other", "messageId": None})
    # 2.0.1 data may be any JSON: the API's string is its JSON text
    assert accepted.status_code == 200 and accepted.json() == {"status": "Accepted", "data": '{"temp":41}'}
    assert rejected.status_code == 200 and rejected.json() == {"status": "Rejected", "data": "busy"}
    assert unknown.status_code == 200 and unknown.json() == {"status": "UnknownVendorId", "data": None}


async def test_a_vendor_id_2_0_1_cannot_carry_is_422_and_sent_to_nobody(live) -> None:
    cp = await cs201(live, "CS-DT-BAD")
    async with station(live.ws_url, "CS-DT-BAD") as cs, client(live.base_url) as api:
        response = await api.post(DATA_TRANSFER.format(cp["id"]), json={"vendorId": "v" * 256})
        assert cs.received == []
    assert response.status_code == 422 and "vendorId" in response.json()["errors"]


# -- local authorization list -------------------------------------------------------------------

async def test_the_local_list_is_sent_as_2_0_1_authorization_data(live) -> None:
    cp = await cs201(live, "CS-LL")
    await tags(live, ("TAG-OK", "enabled", 30), ("TAG-OFF", "disabled", None))
    rt = live.server.rt
    async with station(live.ws_url, "CS-LL") as cs:
        version = await local_list.read_version(rt, cp["id"])
        assert await cs.wait_for("GetLocalListVersion") == {}
        async with rt.db.read() as conn:
            wanted = await local_list.entries_for_tags(conn, rt.clock.now())
        result = await local_list.send(rt, cp["id"], wanted)
        sent = await cs.wait_for("SendLocalList")
        cleared = await rt.component("gateway").command(cp["id"], "clear_cache")
        assert await cs.wait_for("ClearCache") == {}
    assert version.accepted and version.data["version"] == 0
    assert result.accepted and sent["version_number"] == 1 and sent["update_type"] == "Full"
    entries = {e["id_token"]["id_token"]: e for e in sent["local_authorization_list"]}
    assert entries["TAG-OK"]["id_token"]["type"] == "ISO14443"
    assert entries["TAG-OK"]["id_token_info"]["status"] == "Accepted"
    assert entries["TAG-OK"]["id_token_info"]["cache_expiry_date_time"].endswith("Z")
    assert entries["TAG-OFF"]["id_token_info"] == {"status": "Blocked"}
    assert (await held(live, cp["id"]))[0] == 1 and cleared.accepted


async def test_a_local_list_the_station_cannot_take_is_reported(live) -> None:
    cp = await cs201(live, "CS-LL-VM")
    async with station(live.ws_url, "CS-LL-VM") as cs:
        cs.answers["SendLocalList"] = call_result.SendLocalList(status="VersionMismatch")
        result = await local_list.send(live.server.rt, cp["id"], [{"idTag": "TAG-1", "status": "Accepted"}])
    assert not result.accepted and result.status == "VersionMismatch" and "full list" in result.message
    assert await held(live, cp["id"]) is None


# -- offline -------------------------------------------------------------------------------------

async def test_every_action_on_an_offline_station_is_refused(live) -> None:
    cp = await cs201(live, "CS-OFF")
    calls = [(RESET.format(cp["id"], "hard"), None, 202),
             (AVAILABILITY.format(cp["id"]), {"type": "Inoperative"}, 406),
             (UNLOCK.format(cp["id"], cp["evse_ids"][0]), None, 406),
             (TRIGGER.format(cp["id"]), {"type": "Heartbeat"}, 406),
             (DATA_TRANSFER.format(cp["id"]), {"vendorId": "com.example"}, 406)]
    async with client(live.base_url) as api:
        for url, body, code in calls:
            response = await api.post(url, json=body) if body is not None else await api.post(url)
            assert response.status_code == code, url
            assert response.json()["success"] is False and "not connected" in response.json()["message"]
