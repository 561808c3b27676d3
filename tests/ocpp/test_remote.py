"""Remote control end to end over real HTTP and OCPP 1.6: change-availability, unlock,
trigger-message (charge point and EVSE) and send-data-transfer."""

from __future__ import annotations

import importlib.util

import pytest
from ocpp.v16 import call_result

from tests.conftest import client
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running

CP = "/public-api/actions/charge-point/v1.0/{}"
AVAILABILITY = CP + "/change-availability"
UNLOCK = CP + "/unlock/{}"
TRIGGER = CP + "/trigger-message"
EVSE_TRIGGER = "/public-api/actions/evse/v1.0/{}/trigger-message"
DATA_TRANSFER = CP + "/send-data-transfer"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


# -- ChangeAvailability --------------------------------------------------------------------------

async def test_change_availability_of_the_charge_point_and_of_an_evse(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-A1")
    async with connect16(live.ws_url, "CP-A1") as charger, client(live.base_url) as api:
        whole = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Inoperative"})
        assert await charger.wait_for("ChangeAvailability") == {"connector_id": 0, "type": "Inoperative"}
        charger.received.clear()
        one = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Operative", "evseNetworkId": 2})
        assert await charger.wait_for("ChangeAvailability") == {"connector_id": 2, "type": "Operative"}
    for response in (whole, one):
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}


async def test_change_availability_scheduled_is_success_and_rejected_is_refused(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-A2")
    async with connect16(live.ws_url, "CP-A2") as charger, client(live.base_url) as api:
        charger.answers["ChangeAvailability"] = call_result.ChangeAvailability(status="Scheduled")
        scheduled = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Inoperative", "evseNetworkId": 1})
        charger.answers["ChangeAvailability"] = call_result.ChangeAvailability(status="Rejected")
        rejected = await api.post(AVAILABILITY.format(cp["id"]), json={"type": "Inoperative"})
    assert scheduled.status_code == 202
    assert scheduled.json()["success"] is True and scheduled.json()["status"] == "Scheduled"
    assert rejected.status_code == 406
    assert rejected.json()["success"] is False and rejected.json()["status"] == "Rejected"


@pytest.mark.parametrize("body, field", [
    ({"type": "Inoperative", "evseNetworkId": 9}, "evseNetworkId"),
    ({"type": "Broken"}, "type"),
    ({}, "type"),
])
async def test_change_availability_bad_input_reaches_no_charger(live, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-A3")
    async with connect16(live.ws_url, "CP-A3") as charger, client(live.base_url) as api:
        response = await api.post(AVAILABILITY.format(cp["id"]), json=body)
        assert charger.received == []
    assert response.status_code == 422 and field in response.json()["errors"]


# -- UnlockConnector -----------------------------------------------------------------------------

async def test_TC_017_1_CSMS_UnlockConnector_NoChargingSession(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-U1")
    async with connect16(live.ws_url, "CP-U1") as charger, client(live.base_url) as api:
        response = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][1]))
        assert await charger.wait_for("UnlockConnector") == {"connector_id": 2}
    assert response.status_code == 202
    assert response.json() == {"success": True, "status": "Unlocked"}


async def test_TC_017_2_CSMS_UnlockConnector_FixedCable(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-U2")
    async with connect16(live.ws_url, "CP-U2") as charger, client(live.base_url) as api:
        charger.answers["UnlockConnector"] = call_result.UnlockConnector(status="NotSupported")
        response = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][0]))
    assert response.status_code == 406
    body = response.json()
    assert body["success"] is False and body["status"] == "NotSupported" and "cannot be unlocked" in body["message"]


async def test_TC_018_1_CSMS_UnlockConnector_WithChargingSession(live) -> None:
    if importlib.util.find_spec("cpms.domain.sessions") is None:
        pytest.skip("needs a charging session, and the sessions domain (cpms.domain.sessions) does not exist yet")
    from cpms.domain import sessions

    cp = await seed.charge_point(live.server.rt.db, "CP-U3")
    rt = live.server.rt
    async with rt.db.write() as tx:
        started = await sessions.start(tx, sessions.Start(charge_point_id=cp["id"], evse_network_id="1",
                                                          id_tag="TAG-U3", meter_start=0, timestamp=rt.clock.now()),
                                       rt.clock.now())
    assert started.transaction_id
    async with connect16(live.ws_url, "CP-U3") as charger, client(live.base_url) as api:
        response = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][0]))
        assert await charger.wait_for("UnlockConnector") == {"connector_id": 1}
    assert response.status_code == 202 and response.json()["success"] is True


async def test_TC_030_CSMS_UnlockConnector_UnlockFailure(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-U4")
    async with connect16(live.ws_url, "CP-U4") as charger, client(live.base_url) as api:
        charger.answers["UnlockConnector"] = call_result.UnlockConnector(status="UnlockFailed")
        response = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][0]))
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == "UnlockFailed"
    assert "could not unlock" in response.json()["message"]


async def test_TC_031_CSMS_UnlockConnector_UnknownConnector(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-U5", evse_count=3)
    other = await seed.charge_point(live.server.rt.db, "CP-U6")
    async with connect16(live.ws_url, "CP-U5") as charger, client(live.base_url) as api:
        # an EVSE cpms does not know on this charge point never reaches the charger
        foreign = await api.post(UNLOCK.format(cp["id"], other["evse_ids"][0]))
        missing = await api.post(UNLOCK.format(cp["id"], 999))
        assert charger.received == []
        # a connector the charger itself does not have: it answers NotSupported
        charger.answers["UnlockConnector"] = call_result.UnlockConnector(status="NotSupported")
        unknown = await api.post(UNLOCK.format(cp["id"], cp["evse_ids"][2]))
        assert await charger.wait_for("UnlockConnector") == {"connector_id": 3}
    assert foreign.status_code == 404 and missing.status_code == 404
    assert unknown.status_code == 406 and unknown.json()["status"] == "NotSupported"


# -- TriggerMessage ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["BootNotification", "Heartbeat", "StatusNotification",
                                  "DiagnosticsStatusNotification", "FirmwareStatusNotification", "MeterValues"])
async def test_TC_054_CSMS_TriggerMessage(live, kind) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-T1")
    async with connect16(live.ws_url, "CP-T1") as charger, client(live.base_url) as api:
        response = await api.post(TRIGGER.format(cp["id"]), json={"type": kind})
        assert await charger.wait_for("TriggerMessage") == {"requested_message": kind}
        charger.received.clear()
        for_evse = await api.post(EVSE_TRIGGER.format(cp["evse_ids"][1]), json={"type": kind})
        assert await charger.wait_for("TriggerMessage") == {"requested_message": kind, "connector_id": 2}
    for answer in (response, for_evse):
        assert answer.status_code == 202 and answer.json() == {"success": True, "status": "Accepted"}


@pytest.mark.parametrize("status", ["Rejected", "NotImplemented"])
async def test_TC_055_CSMS_TriggerMessage_Rejected(live, status) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-T2")
    async with connect16(live.ws_url, "CP-T2") as charger, client(live.base_url) as api:
        charger.answers["TriggerMessage"] = call_result.TriggerMessage(status=status)
        response = await api.post(TRIGGER.format(cp["id"]), json={"type": "MeterValues"})
        for_evse = await api.post(EVSE_TRIGGER.format(cp["evse_ids"][0]), json={"type": "MeterValues"})
    for answer in (response, for_evse):
        assert answer.status_code == 406
        assert answer.json()["success"] is False and answer.json()["status"] == status


@pytest.mark.parametrize("kind", ["LogStatusNotification", "PublishFirmwareStatusNotification", "SignV2GCertificate",
                                  "SignChargingStationCertificate", "SignCombinedCertificate", "TransactionEvent"])
async def test_messages_a_16_charger_cannot_send_are_422_on_type(live, kind) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-T3")
    async with connect16(live.ws_url, "CP-T3") as charger, client(live.base_url) as api:
        response = await api.post(TRIGGER.format(cp["id"]), json={"type": kind})
        for_evse = await api.post(EVSE_TRIGGER.format(cp["evse_ids"][0]), json={"type": kind})
        assert charger.received == []
    for answer in (response, for_evse):
        assert answer.status_code == 422 and list(answer.json()["errors"]) == ["type"]


async def test_trigger_bad_input_and_unknown_targets(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-T4")
    async with connect16(live.ws_url, "CP-T4") as charger, client(live.base_url) as api:
        bad = await api.post(TRIGGER.format(cp["id"]), json={"type": "Coffee"})
        empty = await api.post(EVSE_TRIGGER.format(cp["evse_ids"][0]), json={})
        no_evse = await api.post(EVSE_TRIGGER.format(999), json={"type": "Heartbeat"})
        no_cp = await api.post(TRIGGER.format(999), json={"type": "Heartbeat"})
        assert charger.received == []
    assert bad.status_code == 422 and "type" in bad.json()["errors"]
    assert empty.status_code == 422 and "type" in empty.json()["errors"]
    assert no_evse.status_code == 404 and no_cp.status_code == 404


# -- DataTransfer --------------------------------------------------------------------------------

async def test_data_transfer_answers_with_the_chargers_status_and_data(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-D1")
    async with connect16(live.ws_url, "CP-D1") as charger, client(live.base_url) as api:
        charger.answers["DataTransfer"] = call_result.DataTransfer(status="Accepted", data='{"temp": 41}')
        accepted = await api.post(DATA_TRANSFER.format(cp["id"]),
                                  json={"vendorId": "com.example", "messageId": "Temperature", "data": "now"})
        assert await charger.wait_for("DataTransfer") == {"vendor_id": "com.example", "message_id": "Temperature",
                                                          "data": "now"}
        del charger.answers["DataTransfer"]
        unknown = await api.post(DATA_TRANSFER.format(cp["id"]), json={"vendorId": "org.other", "messageId": None})
    assert accepted.status_code == 200 and accepted.json() == {"status": "Accepted", "data": '{"temp": 41}'}
    assert unknown.status_code == 200 and unknown.json() == {"status": "UnknownVendorId", "data": None}


@pytest.mark.parametrize("body, field", [
    ({}, "vendorId"),
    ({"vendorId": "v" * 256}, "vendorId"),
    ({"vendorId": "com.example", "messageId": "m" * 51}, "messageId"),
    ({"vendorId": "com.example", "data": 5}, "data"),
])
async def test_data_transfer_bad_input_reaches_no_charger(live, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-D2")
    async with connect16(live.ws_url, "CP-D2") as charger, client(live.base_url) as api:
        response = await api.post(DATA_TRANSFER.format(cp["id"]), json=body)
        assert charger.received == []
    assert response.status_code == 422 and field in response.json()["errors"]


# -- offline, unknown charge point ----------------------------------------------------------------

async def test_every_action_on_an_offline_charger_is_refused_with_406(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-O1")
    calls = [(AVAILABILITY.format(cp["id"]), {"type": "Inoperative"}),
             (UNLOCK.format(cp["id"], cp["evse_ids"][0]), None),
             (TRIGGER.format(cp["id"]), {"type": "Heartbeat"}),
             (EVSE_TRIGGER.format(cp["evse_ids"][0]), {"type": "Heartbeat"}),
             (DATA_TRANSFER.format(cp["id"]), {"vendorId": "com.example"})]
    async with client(live.base_url) as api:
        for url, body in calls:
            response = await api.post(url, json=body) if body is not None else await api.post(url)
            assert response.status_code == 406, url
            assert response.json()["success"] is False and "not connected" in response.json()["message"]


async def test_unknown_charge_point_is_404(live) -> None:
    async with client(live.base_url) as api:
        assert (await api.post(AVAILABILITY.format(999), json={"type": "Operative"})).status_code == 404
        assert (await api.post(UNLOCK.format(999, 1))).status_code == 404
        assert (await api.post(DATA_TRANSFER.format(999), json={"vendorId": "x"})).status_code == 404
