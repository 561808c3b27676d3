"""Smart charging end to end: set-charging-profile (SetChargingProfile), clear-charging-profile
(ClearChargingProfile) over real HTTP and OCPP 1.6; GetCompositeSchedule through the gateway."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ocpp.v16 import call_result
from sqlalchemy import func, select

from cpms.domain.charging_profiles import charging_profiles_for, for_evses
from cpms.storage.tables.configuration import charging_profiles
from cpms.storage.tables.core import events
from tests.conftest import client
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running

SET = "/public-api/actions/charge-point/v1.0/{}/set-charging-profile/{}"
CLEAR = "/public-api/actions/charge-point/v1.0/{}/clear-charging-profile"


def profile(purpose: str = "TxDefaultProfile", stack: int = 0, **changes) -> dict:
    body = {
        "stackLevel": stack, "chargingProfilePurpose": purpose, "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": "2030-01-01T00:00:00Z", "duration": 3600,
                             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.04},
                                                        {"startPeriod": 1800, "limit": 7.25, "numberPhases": 3}]},
    }
    body.update(changes)
    return body


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


async def stored(live) -> list:
    t = charging_profiles
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(t.c.id, t.c.evse_network_id, t.c.purpose, t.c.status).order_by(t.c.id))).all()


async def applied_events(live) -> list[dict]:
    async with live.server.rt.db.read() as conn:
        rows = (await conn.execute(select(events.c.data).where(events.c.type == "chargingProfile.applied"))).all()
    return [row.data for row in rows]


async def test_TC_056_CSMS_CentralSmartCharging_TxDefaultProfile(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S1")
    async with connect16(live.ws_url, "CP-S1") as charger, client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"], 0), json=profile())
        assert response.status_code == 202
        profile_id = response.json()["data"]["id"]
        sent = await charger.wait_for("SetChargingProfile")
    assert response.json()["success"] is True
    assert sent == {"connector_id": 0, "cs_charging_profiles": {
        "charging_profile_id": profile_id, "stack_level": 0, "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Absolute", "charging_schedule": {
            "charging_rate_unit": "A", "duration": 3600, "start_schedule": "2030-01-01T00:00:00.000000Z",
            # rounded to one decimal (the ocpp package reads multipleOf-0.1 numbers as Decimal)
            "charging_schedule_period": [{"start_period": 0, "limit": Decimal("16.0")},
                                         {"start_period": 1800, "limit": Decimal("7.3"), "number_phases": 3}]}}}
    async with live.server.rt.db.read() as conn:
        shown = (await charging_profiles_for(conn, [cp["id"]]))[cp["id"]]
        by_evse = await for_evses(conn, cp["evse_ids"])
    assert shown["id"] == profile_id and shown["purpose"] == "TxDefaultProfile"
    assert shown["schedulePeriods"] == [{"startPeriod": 0, "limit": 16.0},
                                        {"startPeriod": 1800, "limit": 7.3, "numberPhases": 3}]
    assert shown["scheduleStart"] == "2030-01-01T00:00:00.000000Z" and shown["duration"] == 3600
    # a default set on EVSE 0 is in effect on every EVSE
    assert all(p["id"] == profile_id for p in by_evse.values())
    [event] = await applied_events(live)
    assert event["chargePointId"] == cp["id"] and event["evseId"] is None and event["sessionId"] is None
    assert event["chargingProfile"]["id"] == profile_id and event["appliedAt"]


async def test_TC_057_CSMS_CentralSmartCharging_TxProfile(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S2")
    async with connect16(live.ws_url, "CP-S2") as charger, client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"], 2), json=profile("TxProfile", 1, transactionId=42))
        assert response.status_code == 202
        sent = await charger.wait_for("SetChargingProfile")
    assert sent["connector_id"] == 2
    assert sent["cs_charging_profiles"]["transaction_id"] == 42
    assert sent["cs_charging_profiles"]["charging_profile_purpose"] == "TxProfile"
    async with live.server.rt.db.read() as conn:
        by_evse = await for_evses(conn, cp["evse_ids"])
        by_cp = await charging_profiles_for(conn, [cp["id"]])
    assert by_evse[cp["evse_ids"][1]]["id"] == response.json()["data"]["id"]
    assert by_evse[cp["evse_ids"][0]] is None and by_cp[cp["id"]] is None
    [event] = await applied_events(live)
    assert event["evseId"] == cp["evse_ids"][1]


async def test_a_profile_replaces_the_one_with_the_same_purpose_and_stack_level(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S3")
    async with connect16(live.ws_url, "CP-S3"), client(live.base_url) as api:
        first = (await api.post(SET.format(cp["id"], 0), json=profile("ChargePointMaxProfile"))).json()["data"]["id"]
        kept = (await api.post(SET.format(cp["id"], 0), json=profile("ChargePointMaxProfile", 1))).json()["data"]["id"]
        second = (await api.post(SET.format(cp["id"], 0), json=profile("ChargePointMaxProfile"))).json()["data"]["id"]
    assert [(row.id, row.status) for row in await stored(live)] == [(kept, "applied"), (second, "applied")]
    assert first not in (kept, second)
    async with live.server.rt.db.read() as conn:
        assert (await charging_profiles_for(conn, [cp["id"]]))[cp["id"]]["id"] == kept  # the higher stack level


async def test_a_recurring_profile_is_shown_with_its_recurrency(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S4")
    body = profile(chargingProfileKind="Recurring", recurrencyKind="Daily", validTo="2099-01-01T00:00:00Z")
    async with connect16(live.ws_url, "CP-S4") as charger, client(live.base_url) as api:
        assert (await api.post(SET.format(cp["id"], 1), json=body)).status_code == 202
        sent = (await charger.wait_for("SetChargingProfile"))["cs_charging_profiles"]
    assert sent["recurrency_kind"] == "Daily" and sent["valid_to"] == "2099-01-01T00:00:00.000000Z"
    async with live.server.rt.db.read() as conn:
        shown = (await for_evses(conn, [cp["evse_ids"][0]]))[cp["evse_ids"][0]]
    assert shown["recurrencyKind"] == "daily" and shown["validTo"] == "2099-01-01T00:00:00.000000Z"


@pytest.mark.parametrize("status", ["Rejected", "NotSupported"])
async def test_a_refused_profile_is_reported_and_not_kept(live, status) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S5")
    async with connect16(live.ws_url, "CP-S5") as charger, client(live.base_url) as api:
        charger.answers["SetChargingProfile"] = call_result.SetChargingProfile(status=status)
        response = await api.post(SET.format(cp["id"], 1), json=profile())
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == status
    assert await stored(live) == [] and await applied_events(live) == []


async def test_an_offline_charger_gets_no_profile(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S6")
    async with client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"], 0), json=profile())
        cleared = await api.post(CLEAR.format(cp["id"]), json={})
    for answer in (response, cleared):
        assert answer.status_code == 406 and "not connected" in answer.json()["message"]
    assert await stored(live) == []
    async with live.server.rt.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(charging_profiles))).scalar_one() == 0


@pytest.mark.parametrize("evse, body, field", [
    (1, profile("ChargePointMaxProfile"), "chargingProfilePurpose"),
    (0, profile("TxProfile"), "chargingProfilePurpose"),
    (1, profile(transactionId=5), "transactionId"),
    (0, profile(chargingProfileKind="Recurring"), "recurrencyKind"),
    (0, profile(recurrencyKind="Weekly"), "recurrencyKind"),
    (0, profile(stack=-1), "stackLevel"),
    (0, profile(validFrom="2030-01-02T00:00:00Z", validTo="2030-01-01T00:00:00Z"), "validTo"),
    (0, profile(chargingSchedule={"chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 60, "limit": 1}]}),
     "chargingSchedule.chargingSchedulePeriod.0.startPeriod"),
    (0, profile(chargingSchedule={"chargingRateUnit": "W", "chargingSchedulePeriod": []}),
     "chargingSchedule.chargingSchedulePeriod"),
    (0, profile(chargingSchedule={"chargingRateUnit": "W", "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 1}, {"startPeriod": 0, "limit": 2}]}),
     "chargingSchedule.chargingSchedulePeriod.1.startPeriod"),
    (0, profile(chargingSchedule={"chargingRateUnit": "W", "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": -1, "numberPhases": 4}]}), "chargingSchedule.chargingSchedulePeriod.0.limit"),
    (0, profile(chargingSchedule={"chargingRateUnit": "X", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 1}]}),
     "chargingSchedule.chargingRateUnit"),
    (0, {"stackLevel": 0}, "chargingProfilePurpose"),
])
async def test_bad_profiles_are_422_and_reach_neither_charger_nor_database(live, evse, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S7")
    async with connect16(live.ws_url, "CP-S7") as charger, client(live.base_url) as api:
        response = await api.post(SET.format(cp["id"], evse), json=body)
        assert charger.received == []
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert await stored(live) == []


async def test_unknown_charge_point_or_evse_is_404(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S8")
    async with connect16(live.ws_url, "CP-S8") as charger, client(live.base_url) as api:
        assert (await api.post(SET.format(999, 0), json=profile())).status_code == 404
        assert (await api.post(SET.format(cp["id"], 7), json=profile())).status_code == 404
        assert (await api.post(CLEAR.format(999), json={})).status_code == 404
        assert charger.received == []


async def test_TC_067_CSMS_ClearChargingProfile(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S9")
    async with connect16(live.ws_url, "CP-S9") as charger, client(live.base_url) as api:
        first = (await api.post(SET.format(cp["id"], 1), json=profile())).json()["data"]["id"]
        second = (await api.post(SET.format(cp["id"], 2), json=profile())).json()["data"]["id"]
        response = await api.post(CLEAR.format(cp["id"]), json={"id": first})
        assert response.status_code == 202
        assert response.json() == {"success": True, "status": "Accepted"}
        assert await charger.wait_for("ClearChargingProfile") == {"id": first}
        assert [row.id for row in await stored(live)] == [second]
        charger.received.clear()
        response = await api.post(CLEAR.format(cp["id"]), json={"evseNetworkId": "2", "stackLevel": 0,
                                                                 "chargingProfilePurpose": "TxDefaultProfile"})
        assert response.status_code == 202
        assert await charger.wait_for("ClearChargingProfile") == {
            "connector_id": 2, "stack_level": 0, "charging_profile_purpose": "TxDefaultProfile"}
    assert await stored(live) == []


async def test_clearing_what_the_charger_does_not_have_is_reported_and_forgotten(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S10")
    async with connect16(live.ws_url, "CP-S10") as charger, client(live.base_url) as api:
        await api.post(SET.format(cp["id"], 0), json=profile("ChargePointMaxProfile"))
        charger.answers["ClearChargingProfile"] = call_result.ClearChargingProfile(status="Unknown")
        response = await api.post(CLEAR.format(cp["id"]), json={})
        assert await charger.wait_for("ClearChargingProfile") == {}
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == "Unknown"
    assert await stored(live) == []


@pytest.mark.parametrize("body, field", [
    ({"chargingProfilePurpose": "Everything"}, "chargingProfilePurpose"),
    ({"evseNetworkId": "9"}, "evseNetworkId"),
    ({"evseNetworkId": "one"}, "evseNetworkId"),
    ({"id": 1.5}, "id"),
    ({"stackLevel": -1}, "stackLevel"),
    ({"id": "1"}, "id"),
])
async def test_bad_clear_requests_are_422_and_change_nothing(live, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S11")
    async with connect16(live.ws_url, "CP-S11") as charger, client(live.base_url) as api:
        await api.post(SET.format(cp["id"], 0), json=profile())
        charger.received.clear()
        response = await api.post(CLEAR.format(cp["id"]), json=body)
        assert charger.received == []
    assert response.status_code == 422 and field in response.json()["errors"]
    assert len(await stored(live)) == 1


async def test_TC_066_CSMS_GetCompositeSchedule(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-S12")
    gateway = live.server.rt.component("gateway")
    async with connect16(live.ws_url, "CP-S12") as charger:
        charger.answers["GetCompositeSchedule"] = call_result.GetCompositeSchedule(
            status="Accepted", connector_id=1, schedule_start="2030-01-01T00:00:00Z",
            charging_schedule={"duration": 600, "charging_rate_unit": "W",
                               "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}]})
        result = await gateway.command(cp["id"], "composite_schedule", evse=1, duration=600, rate_unit="W")
        assert await charger.wait_for("GetCompositeSchedule") == {"connector_id": 1, "duration": 600,
                                                                  "charging_rate_unit": "W"}
        charger.answers["GetCompositeSchedule"] = call_result.GetCompositeSchedule(status="Rejected")
        refused = await gateway.command(cp["id"], "composite_schedule", evse=0, duration=60)
    assert result.accepted and result.data["evse"] == 1 and result.data["scheduleStart"] == "2030-01-01T00:00:00Z"
    assert result.data["schedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 11000.0}]
    assert not refused.accepted and refused.status == "Rejected"


async def test_a_tx_profile_ends_with_its_transaction(live) -> None:
    """OCPP 1.6 3.13.2: a TxProfile applies to one transaction and is gone when it stops."""
    from ocpp.v16 import call

    from tests.ocpp.transactions_support import tag

    cp = await seed.charge_point(live.server.rt.db, "CP-S9")
    await tag(live.server.rt.db, "TAG-S9")
    async with connect16(live.ws_url, "CP-S9") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="TAG-S9", meter_start=0,
                                                           timestamp="2030-01-01T10:00:00Z"))
        tx_id = started.transaction_id
        response = await api.post(SET.format(cp["id"], 1), json=profile("TxProfile", 1, transactionId=tx_id))
        assert response.json()["success"] is True
        assert [row.purpose for row in await stored(live)] == ["TxProfile"]
        await charger.call(call.StopTransaction(transaction_id=tx_id, meter_stop=1000,
                                                timestamp="2030-01-01T11:00:00Z"))
    assert await stored(live) == []
