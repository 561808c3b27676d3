"""Remote start and stop from the Public API, through a real charger: the pending session, its
activation by the charger's StartTransaction, refusals, time-outs, force stops, bad requests."""

from datetime import timedelta

import pytest
from ocpp.v16 import call, call_result
from sqlalchemy import select

from cpms.api.actions.sessions import sweep
from cpms.clock import Clock, FrozenClock
from cpms.storage.tables.charge_points import connectors
from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, rows, tag, user
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running
from tests.support.waiting import eventually

START = "/public-api/actions/charge-point/v1.0/{cp}/start/{evse}"
STOP = "/public-api/actions/charge-point/v1.0/{cp}/stop/{session}"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=3.0)) as r:
        yield r


async def session_of(api, session_id):
    return (await api.get(f"/public-api/resources/sessions/v1.0/{session_id}")).json()["data"]


async def test_TC_010_CSMS_RemoteStartChargingSession_CablePluggedInFirst(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R1")
    driver = await user(db, "remote@example.com")
    async with connect16(live.ws_url, "CP-R1") as charger, client(live.base_url) as api:
        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        response = await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={"userId": driver})
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is True and body["sessionId"] and body["authorizationId"]
        sent = await charger.wait_for("RemoteStartTransaction")
        assert sent == {"id_tag": f"*{body['sessionId']:07d}", "connector_id": 1}
        pending = await session_of(api, body["sessionId"])
        assert pending["status"] == "pending" and pending["userId"] == driver
        assert pending["authorizationId"] == body["authorizationId"]

        started = await charger.call(call.StartTransaction(connector_id=1, id_tag=sent["id_tag"], meter_start=20,
                                                           timestamp=at(0)))
        assert started.transaction_id == body["sessionId"] and started.id_tag_info["status"] == "Accepted"
        active = await session_of(api, body["sessionId"])
        assert active["status"] == "active" and active["userId"] == driver and active["idTag"] == sent["id_tag"]
    assert (await counts(db))["sessions"] == 1


async def test_TC_011_1_CSMS_RemoteStartChargingSession_RemoteStartFirst(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R2")
    async with connect16(live.ws_url, "CP-R2") as charger, client(live.base_url) as api:
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][1]),
                               json={"idTag": "APP-4711"})).json()
        sent = await charger.wait_for("RemoteStartTransaction")
        assert sent == {"id_tag": "APP-4711", "connector_id": 2}
        # AuthorizeRemoteTxRequests: the charger asks about the id tag it was given
        assert (await charger.call(call.Authorize(id_tag="APP-4711"))).id_tag_info["status"] == "Accepted"
        await charger.call(call.StatusNotification(connector_id=2, error_code="NoError", status="Preparing"))
        started = await charger.call(call.StartTransaction(connector_id=2, id_tag="APP-4711", meter_start=0,
                                                           timestamp=at(0)))
        assert started.transaction_id == body["sessionId"]
        session = await session_of(api, body["sessionId"])
        assert session["status"] == "active" and session["idTag"] == "APP-4711"
        assert session["externalSessionId"] == "APP-4711"
        listing = (await api.get("/public-api/resources/sessions/v1.0",
                                 params={"filter[idTag]": "app-4711"})).json()["data"]
        assert [s["id"] for s in listing] == [str(body["sessionId"])]


async def test_TC_011_2_CSMS_RemoteStartChargingSession_Timeout(live) -> None:
    """The charger accepted but nobody plugged in: after the start window the session expired."""
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R3")
    async with connect16(live.ws_url, "CP-R3") as charger, client(live.base_url) as api:
        body = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={})).json()
        assert body["success"] is True
        await charger.wait_for("RemoteStartTransaction")
        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
        await sweep(live.server.rt)
        assert (await session_of(api, body["sessionId"]))["status"] == "pending"
        live.server.rt.clock = FrozenClock(Clock().now() + timedelta(minutes=4))
        await sweep(live.server.rt)
        session = await session_of(api, body["sessionId"])
        assert session["status"] == "expired" and session["reason"] == "timeout"


async def test_TC_026_CSMS_RemoteStartChargingSession_Rejected(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R4")
    async with connect16(live.ws_url, "CP-R4") as charger, client(live.base_url) as api:
        charger.answers["RemoteStartTransaction"] = call_result.RemoteStartTransaction(status="Rejected")
        response = await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={})
        assert response.status_code == 202
        body = response.json()
        assert body["success"] is False and "Rejected" in body["message"]
        session = await session_of(api, body["sessionId"])
        assert session["status"] == "failed" and session["reason"] == "rejected"


@pytest.mark.parametrize("where", ["charge point and EVSE", "charge point only", "EVSE id"])
async def test_a_remote_start_on_an_offline_charger_fails_at_once(live, where) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R5")
    url = {"charge point and EVSE": START.format(cp=cp["id"], evse=cp["evse_ids"][0]),
           "charge point only": f"/public-api/actions/charge-point/v1.0/{cp['id']}/start",
           "EVSE id": f"/public-api/actions/evse/v1.0/{cp['evse_ids'][0]}/start"}[where]
    async with client(live.base_url) as api:
        response = await api.post(url, json={})
        body = response.json()
        assert response.status_code == 202 and body["success"] is False and "not connected" in body["message"]
        assert body["authorizationId"] is not None
        if where == "charge point only":  # the charger would have chosen the EVSE: no session yet
            assert "sessionId" not in body and (await counts(db))["sessions"] == 0
        else:
            session = await session_of(api, body["sessionId"])
            assert session["status"] == "failed" and session["reason"] == "remote_start_failed"


async def test_TC_012_CSMS_RemoteStopChargingSession(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R6")
    await tag(db, "CARD-R6")
    async with connect16(live.ws_url, "CP-R6") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-R6", meter_start=0,
                                                           timestamp=at(0)))
        response = await api.post(STOP.format(cp=cp["id"], session=started.transaction_id), json={})
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert await charger.wait_for("RemoteStopTransaction") == {"transaction_id": started.transaction_id}
        assert (await session_of(api, started.transaction_id))["status"] == "active"
        await charger.call(call.StopTransaction(meter_stop=1234, timestamp=at(60),
                                                transaction_id=started.transaction_id, reason="Remote"))
        session = await session_of(api, started.transaction_id)
        assert session["status"] == "finished" and session["reason"] == "remote" and session["energy"] == 1234


async def test_TC_028_CSMS_RemoteStopTransaction_Rejected(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R7")
    await tag(db, "CARD-R7")
    async with connect16(live.ws_url, "CP-R7") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-R7", meter_start=0,
                                                           timestamp=at(0)))
        charger.answers["RemoteStopTransaction"] = call_result.RemoteStopTransaction(status="Rejected")
        response = await api.post(STOP.format(cp=cp["id"], session=started.transaction_id))
        assert response.status_code == 406 and response.json()["success"] is False
        assert (await session_of(api, started.transaction_id))["status"] == "active"


async def test_a_stop_for_an_offline_charger_is_refused_and_a_forced_one_finishes_the_session(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R15")
    await tag(db, "CARD-R15")
    async with connect16(live.ws_url, "CP-R15") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-R15", meter_start=0,
                                                           timestamp=at(0)))
    gateway = live.server.rt.component("gateway")

    async def gone() -> bool:
        return not gateway.is_connected(cp["id"])

    await eventually(gone, timeout=10)
    async with client(live.base_url) as api:
        refused = await api.post(STOP.format(cp=cp["id"], session=started.transaction_id), json={})
        assert refused.status_code == 406 and refused.json()["success"] is False
        assert "not connected" in refused.json()["message"]
        assert (await session_of(api, started.transaction_id))["status"] == "active"
        forced = await api.post(STOP.format(cp=cp["id"], session=started.transaction_id), json={"force": True})
        assert forced.status_code == 202
        assert forced.json() == {"success": True, "status": None, "message": "The session was ended by force."}
        session = await session_of(api, started.transaction_id)
    assert session["status"] == "finished" and session["reason"] == "force_stop"


async def test_a_forced_stop_finishes_the_session_whatever_the_charger_says(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R8")
    await tag(db, "CARD-R8")
    async with connect16(live.ws_url, "CP-R8") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-R8", meter_start=0,
                                                           timestamp=at(0)))
        charger.answers["RemoteStopTransaction"] = call_result.RemoteStopTransaction(status="Rejected")
        response = await api.post(STOP.format(cp=cp["id"], session=started.transaction_id), json={"force": True})
        assert response.status_code == 202 and response.json()["success"] is True
        session = await session_of(api, started.transaction_id)
        assert session["status"] == "finished" and session["reason"] == "force_stop"
        again = await api.post(STOP.format(cp=cp["id"], session=started.transaction_id))
        assert again.status_code == 406 and "not active" in again.json()["message"]
        # the charger's own stop still brings the final energy
        await charger.call(call.StopTransaction(meter_stop=800, timestamp=at(90), transaction_id=started.transaction_id))
        session = await session_of(api, started.transaction_id)
        assert session["energy"] == 800 and session["reason"] == "force_stop"


async def test_start_with_evse_id_for_a_user_with_a_charging_profile(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R9")
    driver = await user(db, "profile@example.com")
    profile = {"stackLevel": 1, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
               "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                                         "limit": 16.0}]}}
    async with connect16(live.ws_url, "CP-R9") as charger, client(live.base_url) as api:
        response = await api.post(f"/public-api/actions/evse/v1.0/{cp['evse_ids'][1]}/start",
                                  json={"userId": driver, "chargingProfile": profile})
        body = response.json()
        assert response.status_code == 202 and body["success"] is True
        sent = await charger.wait_for("RemoteStartTransaction")
        assert sent["connector_id"] == 2
        assert sent["charging_profile"]["charging_profile_id"] == body["sessionId"]
        assert sent["charging_profile"]["charging_schedule"]["charging_schedule_period"] == [
            {"start_period": 0, "limit": 16.0}]
        started = await charger.call(call.StartTransaction(connector_id=2, id_tag=sent["id_tag"], meter_start=0,
                                                           timestamp=at(0)))
        assert (await session_of(api, started.transaction_id))["userId"] == driver


async def test_start_without_evse_lets_the_charger_choose(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R10")
    driver = await user(db, "anywhere@example.com")
    async with connect16(live.ws_url, "CP-R10") as charger, client(live.base_url) as api:
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/start", json={"userId": driver})
        body = response.json()
        assert response.status_code == 202 and body["success"] is True and set(body) == {"success", "authorizationId"}
        sent = await charger.wait_for("RemoteStartTransaction")
        assert sent == {"id_tag": f"*A{body['authorizationId']:07d}"}
        assert (await counts(db))["sessions"] == 0
        started = await charger.call(call.StartTransaction(connector_id=2, id_tag=sent["id_tag"], meter_start=0,
                                                           timestamp=at(0)))
        assert started.id_tag_info["status"] == "Accepted"
        session = await session_of(api, started.transaction_id)
        assert session["userId"] == driver and session["authorizationId"] == body["authorizationId"]
        assert session["evseId"] == cp["evse_ids"][1]


async def test_a_busy_evse_or_a_disabled_user_is_refused_before_the_charger_is_asked(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R11")
    disabled = await user(db, "disabled@example.com", status="disabled")
    await tag(db, "CARD-R11")
    async with connect16(live.ws_url, "CP-R11") as charger, client(live.base_url) as api:
        await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-R11", meter_start=0, timestamp=at(0)))
        before = await counts(db)
        busy = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json={})).json()
        assert busy == {"success": False, "sessionId": None, "authorizationId": None,
                        "message": "The EVSE already has a session.", "errorCode": "SESSION_EXISTS"}
        refused = (await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][1]),
                                  json={"userId": disabled})).json()
        assert refused["errorCode"] == "USER_IS_DISABLED"
        assert await counts(db) == before
        assert [name for name, _ in charger.received] == []


async def test_a_start_without_evse_naming_a_busy_evses_connector_is_refused_in_that_operations_words(live) -> None:
    """The operation's errorCode enum has no SESSION_EXISTS (start/{evse} has): the refusal says it in the
    message and gives no code the contract does not list."""
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R16")
    await tag(db, "CARD-R16")
    async with db.read() as conn:
        connector = (await conn.execute(select(connectors.c.id)
                                        .where(connectors.c.evse_id == cp["evse_ids"][0]))).scalar_one()
    async with connect16(live.ws_url, "CP-R16") as charger, client(live.base_url) as api:
        await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-R16", meter_start=0, timestamp=at(0)))
        response = await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/start",
                                  json={"connectorId": connector})
        assert response.status_code == 202
        assert response.json() == {"success": False, "authorizationId": None,
                                   "message": "The EVSE already has a session."}
        assert [name for name, _ in charger.received] == []


@pytest.mark.parametrize("body, field", [
    ({"userId": 999999}, "userId"),
    ({"paymentMethodId": "balance"}, "userId"),
    ({"bookingId": 5}, "bookingId"),
    ({"idTag": "X" * 21}, "idTag"),
    ({"idTag": "  "}, "idTag"),
    ({"connectorId": 999999}, "connectorId"),
    ({"chargingProfile": {"stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
                          "chargingProfileKind": "Relative",
                          "chargingSchedule": {"chargingRateUnit": "A",
                                               "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6}]}}},
     "chargingProfile.chargingProfilePurpose"),
])
async def test_a_bad_start_request_is_422_and_writes_nothing(live, body, field) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R12")
    async with connect16(live.ws_url, "CP-R12") as charger, client(live.base_url) as api:
        before = await counts(db)
        response = await api.post(START.format(cp=cp["id"], evse=cp["evse_ids"][0]), json=body)
        assert response.status_code == 422 and field in response.json()["errors"], response.json()
        assert await counts(db) == before
        assert charger.received == []


async def test_unknown_charge_points_evses_and_sessions_are_404(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-R13")
    other = await seed.charge_point(db, "CP-R14")
    async with client(live.base_url) as api:
        for url in (START.format(cp=999999, evse=cp["evse_ids"][0]), START.format(cp=cp["id"], evse=other["evse_ids"][0]),
                    "/public-api/actions/evse/v1.0/999999/start", STOP.format(cp=cp["id"], session=999999),
                    "/public-api/actions/charge-point/v1.0/999999/start"):
            response = await api.post(url, json={})
            assert response.status_code == 404, url
    assert (await counts(db))["sessions"] == 0
    assert await rows(db, "authorizations") == []
