"""OCPP 2.0.1 smart charging end to end: set- and clear-charging-profile over real HTTP and a real
2.0.1 WebSocket, shown as a 1.6 charger's profiles are; GetCompositeSchedule through the gateway;
and what the station tells: external limits (NotifyChargingLimit, ClearedChargingLimit,
ReportChargingProfiles) and the EV's needs and schedule."""

from __future__ import annotations

import json

import pytest
import websockets
from ocpp.v201 import call, call_result
from sqlalchemy import select

from cpms.domain.charging_profiles import charging_profiles_for, for_evses
from cpms.storage.tables.configuration import charging_profiles, ev_charging_needs
from tests.conftest import client
from tests.ocpp.test_smart_charging import CLEAR, SET, applied_events, profile, stored
from tests.ocpp.transactions_support import at, tag
from tests.ocpp.v201.device_support import station
from tests.ocpp.v201.transactions_support import Transaction, session_row, token
from tests.support import seed
from tests.support.live import running

SCHEDULE = {"id": 1, "charging_rate_unit": "W", "charging_schedule_period": [{"start_period": 0, "limit": 7400.0}]}


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def cs201(live, identity: str, evse_count: int = 2) -> dict:
    return await seed.charge_point(live.server.rt.db, identity, evse_count=evse_count, protocol="ocpp 2.0.1")


async def limits(live) -> list:
    t = charging_profiles
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(t.c.evse_network_id, t.c.evse_id, t.c.profile)
                                   .where(t.c.purpose == "ChargingStationExternalConstraints").order_by(t.c.id))).all()


async def test_a_station_max_profile_is_a_ChargingStationMaxProfile_and_shown_like_1_6(live) -> None:
    cp = await cs201(live, "CS-K-MAX")
    async with station(live.ws_url, "CS-K-MAX") as cs, client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"], 0), json=profile("ChargePointMaxProfile"))
        assert response.status_code == 202 and response.json()["success"] is True
        profile_id = response.json()["data"]["id"]
        sent = await cs.wait_for("SetChargingProfile")
    assert sent == {"evse_id": 0, "charging_profile": {
        "id": profile_id, "stack_level": 0, "charging_profile_purpose": "ChargingStationMaxProfile",
        "charging_profile_kind": "Absolute", "charging_schedule": [{
            "id": profile_id, "duration": 3600, "start_schedule": "2030-01-01T00:00:00.000000Z",
            "charging_rate_unit": "A", "charging_schedule_period": [
                {"start_period": 0, "limit": 16.0}, {"start_period": 1800, "limit": 7.3, "number_phases": 3}]}]}}
    async with live.server.rt.db.read() as conn:
        shown = (await charging_profiles_for(conn, [cp["id"]]))[cp["id"]]
    assert shown["id"] == profile_id and shown["purpose"] == "ChargePointMaxProfile"
    assert shown["schedulePeriods"] == [{"startPeriod": 0, "limit": 16.0},
                                        {"startPeriod": 1800, "limit": 7.3, "numberPhases": 3}]
    [event] = await applied_events(live)
    assert event["chargePointId"] == cp["id"] and event["chargingProfile"]["id"] == profile_id


async def test_a_tx_profile_names_the_stations_own_transaction_and_ends_with_it(live) -> None:
    """The API's transactionId is the session's id; the station hears its own transactionId."""
    db = live.server.rt.db
    cp = await cs201(live, "CS-K-TX")
    await tag(db, "CARD-K-TX")
    tx = Transaction(evse=2)
    async with station(live.ws_url, "CS-K-TX") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("CARD-K-TX")))
        session_id = (await session_row(db, tx.id)).id
        response = await api.post(SET.format(cp["id"], 2), json=profile("TxProfile", 1, transactionId=session_id))
        assert response.status_code == 202 and response.json()["success"] is True
        sent = (await cs.wait_for("SetChargingProfile"))
        assert sent["evse_id"] == 2 and sent["charging_profile"]["transaction_id"] == tx.id
        async with db.read() as conn:
            shown = (await for_evses(conn, [cp["evse_ids"][1]]))[cp["evse_ids"][1]]
        assert shown["id"] == response.json()["data"]["id"]
        await cs.call(tx.event("Ended", "StopAuthorized", at(60), stopped_reason="Local"))
    assert await stored(live) == []


async def test_a_refused_profile_is_reported_and_not_kept(live) -> None:
    cp = await cs201(live, "CS-K-REF")
    async with station(live.ws_url, "CS-K-REF") as cs, client(live.base_url) as api:
        cs.answers["SetChargingProfile"] = call_result.SetChargingProfile(
            status="Rejected", status_info={"reason_code": "InvalidSchedule"})
        response = await api.post(SET.format(cp["id"], 1), json=profile())
    assert response.status_code == 406
    body = response.json()
    assert body["success"] is False and body["status"] == "Rejected" and "InvalidSchedule" in body["message"]
    assert await stored(live) == [] and await applied_events(live) == []


async def test_clearing_by_id_and_by_criteria_in_2_0_1_words(live) -> None:
    cp = await cs201(live, "CS-K-CLR")
    async with station(live.ws_url, "CS-K-CLR") as cs, client(live.base_url) as api:
        first = (await api.post(SET.format(cp["id"], 1), json=profile())).json()["data"]["id"]
        await api.post(SET.format(cp["id"], 0), json=profile("ChargePointMaxProfile"))
        response = await api.post(CLEAR.format(cp["id"]), json={"id": first})
        assert response.status_code == 202 and response.json() == {"success": True, "status": "Accepted"}
        assert await cs.wait_for("ClearChargingProfile") == {"charging_profile_id": first}
        cs.received.clear()
        response = await api.post(CLEAR.format(cp["id"]), json={"evseNetworkId": "0", "stackLevel": 0,
                                                                 "chargingProfilePurpose": "ChargePointMaxProfile"})
        assert response.status_code == 202
        assert await cs.wait_for("ClearChargingProfile") == {"charging_profile_criteria": {
            "evse_id": 0, "charging_profile_purpose": "ChargingStationMaxProfile", "stack_level": 0}}
    assert await stored(live) == []


async def test_clearing_what_the_station_does_not_have_is_reported_and_forgotten(live) -> None:
    cp = await cs201(live, "CS-K-UNK")
    async with station(live.ws_url, "CS-K-UNK") as cs, client(live.base_url) as api:
        await api.post(SET.format(cp["id"], 0), json=profile())
        cs.answers["ClearChargingProfile"] = call_result.ClearChargingProfile(status="Unknown")
        response = await api.post(CLEAR.format(cp["id"]), json={})
        assert await cs.wait_for("ClearChargingProfile") == {}
    assert response.status_code == 406 and response.json()["status"] == "Unknown" and response.json()["message"]
    assert await stored(live) == []


async def test_composite_schedule_reads_back_as_1_6_gives_it(live) -> None:
    cp = await cs201(live, "CS-K-COMP")
    gateway = live.server.rt.component("gateway")
    async with station(live.ws_url, "CS-K-COMP") as cs:
        cs.answers["GetCompositeSchedule"] = call_result.GetCompositeSchedule(status="Accepted", schedule={
            "evse_id": 1, "duration": 600, "schedule_start": "2030-01-01T00:00:00Z", "charging_rate_unit": "W",
            "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}]})
        result = await gateway.command(cp["id"], "composite_schedule", evse=1, duration=600, rate_unit="W")
        assert await cs.wait_for("GetCompositeSchedule") == {"evse_id": 1, "duration": 600, "charging_rate_unit": "W"}
    assert result.accepted and result.data["evse"] == 1 and result.data["scheduleStart"] == "2030-01-01T00:00:00Z"
    assert result.data["schedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 11000.0}]


async def test_external_limits_are_kept_per_source_never_shown_nor_cleared_by_the_operator(live) -> None:
    cp = await cs201(live, "CS-K-LIM")
    async with station(live.ws_url, "CS-K-LIM") as cs, client(live.base_url) as api:
        ems = call.NotifyChargingLimit(charging_limit={"charging_limit_source": "EMS", "is_grid_critical": True},
                                       charging_schedule=[SCHEDULE], evse_id=1)
        assert await cs.call(ems) == call_result.NotifyChargingLimit()
        await cs.call(ems)  # told again: still one
        await cs.call(call.NotifyChargingLimit(charging_limit={"charging_limit_source": "SO"}))
        assert [(r.evse_network_id, r.evse_id, r.profile["chargingLimitSource"]) for r in await limits(live)] == [
            (1, cp["evse_ids"][0], "EMS"), (0, None, "SO")]
        assert (await limits(live))[0].profile["isGridCritical"] is True
        assert (await limits(live))[0].profile["chargingSchedule"][0]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 7400.0}]
        async with live.server.rt.db.read() as conn:
            assert (await charging_profiles_for(conn, [cp["id"]]))[cp["id"]] is None
            assert set((await for_evses(conn, cp["evse_ids"])).values()) == {None}
        assert (await api.post(CLEAR.format(cp["id"]), json={})).status_code == 202
        assert len(await limits(live)) == 2
        assert await cs.call(call.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1)) == \
            call_result.ClearedChargingLimit()
    assert [r.profile["chargingLimitSource"] for r in await limits(live)] == ["SO"]


async def test_reported_profiles_of_other_sources_are_kept_and_cpms_own_change_nothing(live) -> None:
    await cs201(live, "CS-K-REP")
    external = {"id": 900, "stack_level": 0, "charging_profile_purpose": "ChargingStationExternalConstraints",
                "charging_profile_kind": "Absolute", "charging_schedule": [SCHEDULE]}
    async with station(live.ws_url, "CS-K-REP") as cs:
        await cs.call(call.ReportChargingProfiles(request_id=1, charging_limit_source="EMS", evse_id=1,
                                                  charging_profile=[external, {**external, "id": 901}]))
        await cs.call(call.ReportChargingProfiles(request_id=1, charging_limit_source="EMS", evse_id=1,
                                                  charging_profile=[external]))
        await cs.call(call.ReportChargingProfiles(request_id=2, charging_limit_source="CSO", evse_id=0,
                                                  charging_profile=[{**external, "id": 5,
                                                                     "charging_profile_purpose": "TxDefaultProfile"}]))
    assert sorted(r.profile["id"] for r in await limits(live)) == [900, 901]
    assert [r.purpose for r in await stored(live)] == ["ChargingStationExternalConstraints"] * 2


async def needs_row(live):
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(ev_charging_needs))).one()


async def test_the_evs_needs_and_schedule_are_kept_per_evse(live) -> None:
    cp = await cs201(live, "CS-K-EV")
    needs = {"requested_energy_transfer": "AC_three_phase", "departure_time": "2030-01-01T18:00:00Z",
             "ac_charging_parameters": {"energy_amount": 20000, "ev_min_current": 6, "ev_max_current": 32,
                                        "ev_max_voltage": 400}}
    async with station(live.ws_url, "CS-K-EV") as cs:
        answer = await cs.call(call.NotifyEVChargingNeeds(charging_needs=needs, evse_id=2, max_schedule_tuples=3))
        assert answer.status == "Rejected"  # cpms computes no schedule for the EV
        await cs.call(call.NotifyEVChargingNeeds(charging_needs=needs, evse_id=2))
        row = await needs_row(live)
        assert row.evse_id == cp["evse_ids"][1] and row.requested_energy_transfer == "AC_three_phase"
        assert row.departure_time.isoformat() == "2030-01-01T18:00:00+00:00" and row.status == "Rejected"
        assert row.needs["chargingNeeds"]["acChargingParameters"]["evMaxCurrent"] == 32
        chosen = await cs.call(call.NotifyEVChargingSchedule(time_base="2030-01-01T12:00:00Z",
                                                              charging_schedule=SCHEDULE, evse_id=2))
        assert chosen.status == "Accepted"
    row = await needs_row(live)
    assert row.ev_schedule["timeBase"] == "2030-01-01T12:00:00Z" and row.ev_schedule_status == "Accepted"
    assert row.ev_schedule["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 7400.0}]


LIMIT = {"chargingLimit": {"chargingLimitSource": "EMS"}}
NEEDS = {"chargingNeeds": {"requestedEnergyTransfer": "DC"}, "evseId": 1}


@pytest.mark.parametrize("action, payload, code", [
    ("NotifyChargingLimit", {}, "OccurrenceConstraintViolation"),
    ("NotifyChargingLimit", {**LIMIT, "evseId": -1}, "PropertyConstraintViolation"),
    ("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "Moon"}}, "PropertyConstraintViolation"),
    ("ClearedChargingLimit", {"chargingLimitSource": "EMS", "evseId": "one"}, "TypeConstraintViolation"),
    ("ReportChargingProfiles", {"requestId": 1, "chargingLimitSource": "EMS", "evseId": 1, "chargingProfile": []},
     "PropertyConstraintViolation"),
    ("NotifyEVChargingNeeds", {**NEEDS, "evseId": 0}, "PropertyConstraintViolation"),
    ("NotifyEVChargingNeeds", {"chargingNeeds": {"requestedEnergyTransfer": "DC", "departureTime": "soon"},
                               "evseId": 1}, "PropertyConstraintViolation"),
    ("NotifyEVChargingSchedule", {"timeBase": "then", "evseId": 1, "chargingSchedule": {
        "id": 1, "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 1.0}]}},
     "PropertyConstraintViolation"),
])
async def test_a_bad_smart_charging_message_gets_its_callerror_and_writes_nothing(live, action, payload, code) -> None:
    await cs201(live, "CS-K-BAD")
    async with websockets.connect(f"{live.ws_url}/CS-K-BAD", subprotocols=["ocpp2.0.1"]) as ws:
        await ws.send(json.dumps([2, "1", action, payload]))
        answer = json.loads(await ws.recv())
        assert answer[:3] == [4, "1", code], answer
    assert await stored(live) == []
    async with live.server.rt.db.read() as conn:
        assert (await conn.execute(select(ev_charging_needs))).all() == []
