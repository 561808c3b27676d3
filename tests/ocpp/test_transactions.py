"""OCPP 1.6 charging sessions started and stopped by the charger, end to end: a real charger
(the `ocpp` package) over a real WebSocket, the session read back through the real Public API."""

import pytest
from ocpp.v16 import call

from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, reading, rows, tag, user
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def session_of(api, session_id, **options):
    response = await api.get(f"/public-api/resources/sessions/v1.0/{session_id}", params=options)
    assert response.status_code == 200
    return response.json()["data"]


async def test_TC_003_CSMS_RegularChargingSession_PluginFirst(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-TX1")
    driver = await user(db, "ada@example.com")
    await tag(db, "RFID-ADA", user_id=driver, label="Ada's card")
    async with connect16(live.ws_url, "CP-TX1") as charger, client(live.base_url) as api:
        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        authorized = await charger.call(call.Authorize(id_tag="RFID-ADA"))
        assert authorized.id_tag_info["status"] == "Accepted"
        assert authorized.id_tag_info["parent_id_tag"] == f"*U{driver:07d}"
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="RFID-ADA", meter_start=1000,
                                                           timestamp=at(0)))
        assert started.id_tag_info["status"] == "Accepted"
        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
        await charger.call(call.MeterValues(connector_id=1, transaction_id=started.transaction_id,
                                            meter_value=[reading(at(60), energy=1250, power=7400, soc=40)]))

        session = await session_of(api, started.transaction_id, withAuthorization="true")
        assert session["id"] == str(started.transaction_id)
        assert session["status"] == "active"
        assert session["chargePointId"] == cp["id"] and session["evseId"] == cp["evse_ids"][0]
        assert session["connectorId"] is not None
        assert session["userId"] == driver and session["idTag"] == "RFID-ADA" and session["idTagLabel"] == "Ada's card"
        assert session["energy"] == 250 and session["power"]["latest"] == 7400 and session["socPercent"] == 40
        assert session["authorization"]["status"] == "accepted" and session["authorization"]["rfidTagUid"] == "RFID-ADA"
        # the Authorize before the start is the session's authorization: one, not two
        assert len(await rows(db, "authorizations")) == 1

        stopped = await charger.call(call.StopTransaction(meter_stop=3000, timestamp=at(120),
                                                          transaction_id=started.transaction_id, id_tag="RFID-ADA"))
        assert stopped.id_tag_info["status"] == "Accepted"
        session = await session_of(api, started.transaction_id)
        assert session["status"] == "finished" and session["reason"] == "local"
        assert session["energy"] == 2000 and session["stoppedAt"] is not None


async def test_TC_004_1_CSMS_RegularChargingSession_IdentificationFirst(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX2")
    await tag(db, "RFID-IDF")
    async with connect16(live.ws_url, "CP-TX2") as charger, client(live.base_url) as api:
        assert (await charger.call(call.Authorize(id_tag="rfid-idf"))).id_tag_info["status"] == "Accepted"
        await charger.call(call.StatusNotification(connector_id=2, error_code="NoError", status="Preparing"))
        started = await charger.call(call.StartTransaction(connector_id=2, id_tag="RFID-IDF", meter_start=0,
                                                           timestamp=at(0)))
        assert started.id_tag_info["status"] == "Accepted"
        session = await session_of(api, started.transaction_id)
        assert session["status"] == "active" and session["userId"] is None
        authorization = (await api.get(f"/public-api/resources/authorizations/v2.1/{session['authorizationId']}"))
        assert authorization.json()["data"]["sessionIds"] == [started.transaction_id]
        assert authorization.json()["data"]["evseId"] == session["evseId"]


async def test_TC_004_2_CSMS_RegularChargingSession_IdentificationFirst_ConnectionTimeout(live) -> None:
    """The driver presents a card and never plugs in: the authorization is recorded, no session."""
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX3")
    await tag(db, "RFID-TO")
    async with connect16(live.ws_url, "CP-TX3") as charger:
        assert (await charger.call(call.Authorize(id_tag="RFID-TO"))).id_tag_info["status"] == "Accepted"
        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    assert (await counts(db))["sessions"] == 0
    assert [row.status for row in await rows(db, "authorizations")] == ["accepted"]


async def test_TC_005_1_CSMS_EVSideDisconnected_StopTransactionAndUnlock(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX4")
    await tag(db, "RFID-EV")
    async with connect16(live.ws_url, "CP-TX4") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="RFID-EV", meter_start=500,
                                                           timestamp=at(0)))
        await charger.call(call.StopTransaction(meter_stop=900, timestamp=at(30), transaction_id=started.transaction_id,
                                                reason="EVDisconnected"))
        await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Finishing"))
        session = await session_of(api, started.transaction_id)
        assert session["status"] == "finished" and session["reason"] == "evdisconnected" and session["energy"] == 400


async def test_TC_007_CSMS_RegularStartChargingSession_CachedId(live) -> None:
    """The charger knows the card from its cache and starts without asking: the start authorizes it."""
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX5")
    await tag(db, "RFID-CACHED")
    async with connect16(live.ws_url, "CP-TX5") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="RFID-CACHED", meter_start=0,
                                                           timestamp=at(0)))
        assert started.id_tag_info["status"] == "Accepted"
        session = await session_of(api, started.transaction_id, withAuthorization="1")
        assert session["authorization"]["method"] == "rfid_tag" and session["authorization"]["status"] == "accepted"


async def test_TC_032_1_CSMS_PowerFailureBoot_StopTransactions(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX6")
    await tag(db, "RFID-PF")
    async with connect16(live.ws_url, "CP-TX6") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="RFID-PF", meter_start=100,
                                                           timestamp=at(0)))
    async with connect16(live.ws_url, "CP-TX6") as charger, client(live.base_url) as api:
        await charger.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        await charger.call(call.StopTransaction(meter_stop=350, timestamp=at(5), transaction_id=started.transaction_id,
                                                reason="PowerLoss"))
        session = await session_of(api, started.transaction_id)
        assert session["status"] == "finished" and session["reason"] == "powerloss" and session["energy"] == 250


async def test_TC_037_1_CSMS_OfflineStartTransaction_ValidIdTag(live) -> None:
    """A start queued while offline arrives late with its own (past) timestamp: accepted as it was."""
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX7")
    await tag(db, "RFID-OFF")
    async with connect16(live.ws_url, "CP-TX7") as charger, client(live.base_url) as api:
        an_hour_ago = at(-3600)
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="RFID-OFF", meter_start=0,
                                                           timestamp=an_hour_ago))
        assert started.id_tag_info["status"] == "Accepted"
        session = await session_of(api, started.transaction_id)
        assert session["startedAt"] == an_hour_ago.replace("Z", ".000000Z")


async def test_TC_037_3_CSMS_OfflineStartTransaction_InvalidIdTag_StopOnInvalidTrue(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX8")
    async with connect16(live.ws_url, "CP-TX8") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="NOBODY", meter_start=10,
                                                           timestamp=at(-600)))
        assert started.id_tag_info["status"] == "Invalid" and started.transaction_id > 0
        await charger.call(call.StopTransaction(meter_stop=60, timestamp=at(-590),
                                                transaction_id=started.transaction_id, reason="DeAuthorized"))
        session = await session_of(api, started.transaction_id, withAuthorization="true")
        assert session["status"] == "finished" and session["reason"] == "deauthorized" and session["energy"] == 50
        assert session["authorization"]["status"] == "rejected"
        assert session["authorization"]["rejectionReason"] == "invalid"


async def test_TC_039_CSMS_OfflineTransaction(live) -> None:
    """Start, readings and stop all happened offline and arrive one after the other."""
    db = live.server.rt.db
    await seed.charge_point(db, "CP-TX9")
    await tag(db, "RFID-OT")
    async with connect16(live.ws_url, "CP-TX9") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=2, id_tag="RFID-OT", meter_start=2000,
                                                           timestamp=at(-7200)))
        await charger.call(call.MeterValues(connector_id=2, transaction_id=started.transaction_id,
                                            meter_value=[reading(at(-6000), energy=4000)]))
        stopped_at = at(-5400)
        data = [reading(at(-7200), energy=2000, context="Transaction.Begin"),
                reading(stopped_at, energy=5000, context="Transaction.End")]
        await charger.call(call.StopTransaction(meter_stop=5000, timestamp=stopped_at,
                                                transaction_id=started.transaction_id, reason="Local",
                                                transaction_data=data))
        session = await session_of(api, started.transaction_id, withChargingPeriods="true")
        assert session["status"] == "finished" and session["energy"] == 3000
        assert session["stoppedAt"] == stopped_at.replace("Z", ".000000Z")
        assert sum(period["energy"] for period in session["chargingPeriods"]) == 3000
    assert len(await rows(db, "meter_values", session_id=started.transaction_id)) == 3
