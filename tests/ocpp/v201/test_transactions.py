"""OCPP 2.0.1 transactions started and stopped by the charging station, end to end: the `ocpp`
package's 2.0.1 charger over a real WebSocket, the session read back through the real Public API
(named after the OCTT 2.0.1 E block, Part 6)."""

import pytest
from ocpp.v201 import call

from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, rows, tag, user
from tests.ocpp.v201.transactions_support import (Transaction, event_types, reading, session_of, session_row,
                                                  token)
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def station(db, identity, evse_count=2):
    return await seed.charge_point(db, identity, evse_count=evse_count, protocol="ocpp 2.0.1")


async def test_TC_E_04_CSMS_Local_start_transaction_Authorization_first_Success(live) -> None:
    """Authorize, then Started with the id token and the start register (kWh), Updated with power and
    SoC, Ended with the stop register: one session with the driver, its energy and the charger's
    Authorize as its only authorization; the API reads it as it reads a 1.6 one."""
    db = live.server.rt.db
    cp = await station(db, "CS-E04")
    driver = await user(db, "e04@example.com")
    await tag(db, "RFID-E04", user_id=driver, label="E04 card")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-E04") as cs, client(live.base_url) as api:
        authorized = await cs.call(call.Authorize(id_token=token("RFID-E04")))
        assert authorized.id_token_info["status"] == "Accepted"
        assert authorized.id_token_info["group_id_token"] == {"id_token": f"*U{driver:07d}", "type": "Central"}
        started = await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("RFID-E04"),
                                         meter=[reading(at(0), energy=12.5, unit="kWh", context="Transaction.Begin")]))
        assert started.id_token_info["status"] == "Accepted"
        updated = await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                                         meter=[reading(at(60), energy=12_750, power=11_000, soc=41)]))
        assert updated.id_token_info is None
        session = await session_of(api, db, tx.id, withAuthorization="true")
        assert session["status"] == "active" and session["chargePointId"] == cp["id"]
        assert session["evseId"] == cp["evse_ids"][0] and session["connectorId"] is not None
        assert session["userId"] == driver and session["idTag"] == "RFID-E04" and session["idTagLabel"] == "E04 card"
        assert session["energy"] == 250 and session["power"]["latest"] == 11_000 and session["socPercent"] == 41
        assert session["authorization"]["status"] == "accepted" and session["authorization"]["rfidTagUid"] == "RFID-E04"
        assert len(await rows(db, "authorizations")) == 1

        ended = await cs.call(tx.event("Ended", "StopAuthorized", at(120), state="Idle", id_token=token("RFID-E04"),
                                       stopped_reason="Local",
                                       meter=[reading(at(120), energy=14.5, unit="kWh", context="Transaction.End")]))
        assert ended.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id)
        assert session["status"] == "finished" and session["reason"] == "local" and session["energy"] == 2000
        assert session["stoppedAt"] == at(120).replace("Z", ".000000Z")
    assert await event_types(db) == ["session.started", "session.updated",  # born active
                                     "session.meterValues",  # the Started's reading
                                     "session.meterValues", "session.updated",  # the Updated's
                                     "session.meterValues", "session.updated",  # the Ended's
                                     "session.stopped", "session.updated"]


async def test_TC_E_03_CSMS_Local_start_transaction_Cable_plugin_first_Success(live) -> None:
    """Started on plug-in without an id token: the session waits (pending, no charging); the id token
    in a later Updated authorizes it (active, session.started); energy counts from the Started's
    register; the EV leaving ends it (EVDisconnected)."""
    db = live.server.rt.db
    cp = await station(db, "CS-E03")
    await tag(db, "RFID-E03")
    tx = Transaction(evse=2)
    async with connect201(live.ws_url, "CS-E03") as cs, client(live.base_url) as api:
        started = await cs.call(tx.event("Started", "CablePluggedIn", at(0), state="EVConnected",
                                         meter=[reading(at(0), energy=5000, context="Transaction.Begin")]))
        assert started.id_token_info is None
        waiting = await session_of(api, db, tx.id)
        assert waiting["status"] == "pending" and waiting["evseId"] == cp["evse_ids"][1] and waiting["userId"] is None
        assert await event_types(db) == ["session.updated"]

        authorized = await cs.call(tx.event("Updated", "Authorized", at(20), state="EVConnected",
                                            id_token=token("RFID-E03")))
        assert authorized.id_token_info["status"] == "Accepted"
        await cs.call(tx.event("Updated", "ChargingStateChanged", at(30), state="Charging"))
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(90), state="Charging",
                               meter=[reading(at(90), energy=5600)]))
        session = await session_of(api, db, tx.id, withChargingPeriods="true")
        assert session["status"] == "active" and session["idTag"] == "RFID-E03" and session["energy"] == 600
        assert session["startedAt"] == at(0).replace("Z", ".000000Z")
        assert [p["state"] for p in session["chargingPeriods"]] == ["idle", "charging"]
        await cs.call(tx.event("Ended", "EVDeparted", at(100), state="Idle", stopped_reason="EVDisconnected",
                               meter=[reading(at(100), energy=5650, context="Transaction.End")]))
        session = await session_of(api, db, tx.id, withChargingPeriods="true")
        assert session["status"] == "finished" and session["reason"] == "evdisconnected" and session["energy"] == 650
        assert sum(p["energy"] for p in session["chargingPeriods"]) == 650
    assert (await event_types(db))[:3] == ["session.updated", "session.started", "session.updated"]
    assert [row.status for row in await rows(db, "authorizations")] == ["accepted"]


async def test_TC_E_16_CSMS_Stop_transaction_options_Deauthorized_Invalid_idToken(live) -> None:
    """A transaction started with an id token cpms does not know is recorded and answered Invalid;
    the charger deauthorizes and ends it (DeAuthorized)."""
    db = live.server.rt.db
    await station(db, "CS-E16")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-E16") as cs, client(live.base_url) as api:
        started = await cs.call(tx.event("Started", "Authorized", at(0), state="Charging",
                                         id_token=token("100000C02", "Local"), meter=[reading(at(0), energy=10)]))
        assert started.id_token_info == {"status": "Invalid"}
        await cs.call(tx.event("Ended", "Deauthorized", at(5), state="Idle", stopped_reason="DeAuthorized",
                               meter=[reading(at(5), energy=60, context="Transaction.End")]))
        session = await session_of(api, db, tx.id, withAuthorization="true")
        assert session["status"] == "finished" and session["reason"] == "deauthorized" and session["energy"] == 50
        assert session["authorization"]["status"] == "rejected"
        assert session["authorization"]["rejectionReason"] == "invalid"


async def test_TC_E_10_CSMS_Start_transaction_options_Authorized_Local(live) -> None:
    """TxStartPoint Authorized: Started on the id token before the EV is connected, naming no EVSE;
    the EVSE comes with the plug-in, and the session is on it from then on."""
    db = live.server.rt.db
    cp = await station(db, "CS-E10")
    await tag(db, "RFID-E10")
    tx = Transaction(evse=None)
    async with connect201(live.ws_url, "CS-E10") as cs, client(live.base_url) as api:
        started = await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-E10")))
        assert started.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id)
        assert session["status"] == "active" and session["evseId"] == 0
        await cs.call(tx.event("Updated", "CablePluggedIn", at(10), state="EVConnected",
                               evse={"id": 2, "connector_id": 1}))
        session = await session_of(api, db, tx.id, withAuthorization="true")
        assert session["evseId"] == cp["evse_ids"][1] and session["connectorId"] is not None
    [authorization] = await rows(db, "authorizations")
    assert authorization.evse_id == cp["evse_ids"][1]
    assert (await session_row(db, tx.id)).anomaly is None


async def test_TC_E_39_CSMS_Stop_transaction_options_Deauthorized_timeout(live) -> None:
    """Authorized, the EV never connects: the charger ends the transaction on EVConnectTimeout
    (stoppedReason Timeout): finished, no energy, reason timeout."""
    db = live.server.rt.db
    await station(db, "CS-E39")
    await tag(db, "RFID-E39")
    tx = Transaction(evse=None)
    async with connect201(live.ws_url, "CS-E39") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-E39")))
        await cs.call(tx.event("Ended", "EVConnectTimeout", at(30), stopped_reason="Timeout"))
        session = await session_of(api, db, tx.id)
        assert session["status"] == "finished" and session["reason"] == "timeout" and session["energy"] == 0


async def test_TC_E_22_CSMS_Stop_transaction_options_EnergyTransfer_stopped_SuspendedEV(live) -> None:
    """chargingState is taken as told: SuspendedEV opens an idle period at once, the EV's stop
    (StoppedByEV) ends the session, the periods add up to the energy."""
    db = live.server.rt.db
    await station(db, "CS-E22")
    await tag(db, "RFID-E22")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-E22") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("RFID-E22"),
                               meter=[reading(at(0), energy=0)]))
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                               meter=[reading(at(60), energy=300)]))
        await cs.call(tx.event("Updated", "ChargingStateChanged", at(90), state="SuspendedEV"))
        await cs.call(tx.event("Ended", "StopAuthorized", at(120), state="SuspendedEV", stopped_reason="StoppedByEV",
                               meter=[reading(at(120), energy=300, context="Transaction.End")]))
        session = await session_of(api, db, tx.id, withChargingPeriods="true")
    assert session["status"] == "finished" and session["reason"] == "stoppedbyev" and session["energy"] == 300
    periods = [(p["state"], p["energy"], p["startedAt"][11:19]) for p in session["chargingPeriods"]]
    assert periods == [("charging", 300, at(0)[11:19]), ("idle", 0, at(90)[11:19])]


async def test_TC_E_53_CSMS_Reset_Sequence_Number_seqNo_0_at_start_of_transaction(live) -> None:
    """Every transaction counts its seqNo from 0: two transactions one after the other on the same
    EVSE are two sessions, neither taken for a repeat of the other."""
    db = live.server.rt.db
    await station(db, "CS-E53")
    await tag(db, "RFID-E53")
    async with connect201(live.ws_url, "CS-E53") as cs, client(live.base_url) as api:
        for n, start in enumerate((0, 600)):
            tx = Transaction(evse=1)
            await cs.call(tx.event("Started", "Authorized", at(start), state="Charging", id_token=token("RFID-E53"),
                                   meter=[reading(at(start), energy=1000 * n)]))
            await cs.call(tx.event("Ended", "EVDeparted", at(start + 60), stopped_reason="EVDisconnected",
                                   meter=[reading(at(start + 60), energy=1000 * n + 400, context="Transaction.End")]))
            assert (await session_of(api, db, tx.id))["energy"] == 400
    assert [(row.status, row.energy) for row in await rows(db, "sessions")] == [("finished", 400.0)] * 2


@pytest.mark.parametrize("stopped, trigger, reason", [
    ("Remote", "RemoteStop", "remote"), ("EmergencyStop", "AbnormalCondition", "emergencystop"),
    ("TimeLimitReached", "TimeLimitReached", "timeoutlimitreached"), ("SOCLimitReached", "ChargingStateChanged",
                                                                       "soclimitreached"),
    ("PowerLoss", "AbnormalCondition", "powerloss"), ("ImmediateReset", "ResetCommand", "immediatereset"),
    (None, "EVCommunicationLost", "evdisconnected"), (None, "RemoteStop", "remote"),
    (None, "EnergyLimitReached", "energylimitreached"), (None, "MeterValuePeriodic", "local"),
])
async def test_stopped_and_trigger_reasons_become_the_sessions_reason(live, stopped, trigger, reason) -> None:
    db = live.server.rt.db
    await station(db, "CS-REASON", evse_count=1)
    await tag(db, "RFID-REASON")
    tx = Transaction(evse=1)
    extra = {"stopped_reason": stopped} if stopped else {}
    async with connect201(live.ws_url, "CS-REASON") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-REASON")))
        await cs.call(tx.event("Ended", trigger, at(10), **extra))
        assert (await session_of(api, db, tx.id))["reason"] == reason


async def test_meter_values_outside_transactions_are_charging_station_readings(live) -> None:
    """MeterValues (evseId, no transaction in 2.0.1) keeps the readings for the EVSE or, evseId 0,
    the station; the multiplier and kWh make them Wh; no session moves."""
    db = live.server.rt.db
    cp = await station(db, "CS-MV")
    async with connect201(live.ws_url, "CS-MV") as cs:
        await cs.call(call.MeterValues(evse_id=2, meter_value=[reading(at(0), energy=1.5, unit="kWh")]))
        await cs.call(call.MeterValues(evse_id=0, meter_value=[reading(at(0), energy=7, multiplier=3)]))
    stored = [(row.evse_id, row.evse_network_id, row.energy, row.session_id) for row in await rows(db, "meter_values")]
    assert stored == [(cp["evse_ids"][1], "2", 1500.0, None), (None, "0", 7000.0, None)]
    assert (await counts(db))["sessions"] == 0
