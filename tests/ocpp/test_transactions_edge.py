"""What chargers get wrong or repeat: unknown EVSEs and transactions, another charger's
transaction, retransmissions, charger-level readings, bad frames. Always answered, never a crash;
bad input writes nothing."""

import json
import logging

import pytest
import websockets
from ocpp.v16 import call
from sqlalchemy import func, select

from cpms.storage.tables.core import events
from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, reading, rows, tag
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def event_count(db) -> int:
    """Events about charging (connecting announces the charger's network status, which is not)."""
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(events).where(
            events.c.entity.in_(("session", "authorization", "reservation"))))).scalar_one()


async def test_a_start_on_an_unknown_evse_is_recorded_flagged_and_answered_invalid(live, caplog) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-E1", evse_count=1)
    await tag(db, "CARD-E1")
    caplog.set_level(logging.WARNING, logger="cpms.sessions")
    async with connect16(live.ws_url, "CP-E1") as charger, client(live.base_url) as api:
        started = await charger.call(call.StartTransaction(connector_id=7, id_tag="CARD-E1", meter_start=0,
                                                           timestamp=at(0)))
        assert started.id_tag_info == {"status": "Invalid"} and started.transaction_id > 0
        session = (await api.get(f"/public-api/resources/sessions/v1.0/{started.transaction_id}")).json()["data"]
        assert session["chargePointId"] == cp["id"] and session["evseId"] == 0 and session["status"] == "active"
        await charger.call(call.StopTransaction(meter_stop=0, timestamp=at(1), transaction_id=started.transaction_id,
                                                reason="DeAuthorized"))
    [row] = await rows(db, "sessions")
    assert row.anomaly == "unknown_evse" and row.evse_network_id == "7" and row.status == "finished"
    [authorization] = await rows(db, "authorizations")
    assert authorization.rejection_reason == "unknown_evse"
    assert any("does not know" in record.getMessage() for record in caplog.records)


async def test_a_retransmitted_start_gets_the_same_transaction(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-E2")
    await tag(db, "CARD-E2")
    request = call.StartTransaction(connector_id=1, id_tag="CARD-E2", meter_start=42, timestamp=at(0))
    async with connect16(live.ws_url, "CP-E2") as charger:
        first = await charger.call(request)
    async with connect16(live.ws_url, "CP-E2") as charger:  # the answer was lost; the charger resends on reconnect
        again = await charger.call(request)
    assert again.transaction_id == first.transaction_id and again.id_tag_info["status"] == "Accepted"
    assert (await counts(db))["sessions"] == 1 and (await counts(db))["authorizations"] == 1


async def test_the_same_stop_twice_changes_nothing(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-E3")
    await tag(db, "CARD-E3")
    async with connect16(live.ws_url, "CP-E3") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-E3", meter_start=0,
                                                           timestamp=at(0)))
        stop = call.StopTransaction(meter_stop=700, timestamp=at(60), transaction_id=started.transaction_id,
                                    transaction_data=[reading(at(60), energy=700, context="Transaction.End")])
        await charger.call(stop)
        before, events_before = await rows(db, "sessions"), await event_count(db)
        assert (await charger.call(stop)) is not None
        assert await rows(db, "sessions") == before
        assert await event_count(db) == events_before
        assert (await counts(db))["meter_values"] == 1


async def test_a_stop_for_a_transaction_cpms_never_saw_is_a_finished_session(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-E4")
    async with connect16(live.ws_url, "CP-E4") as charger, client(live.base_url) as api:
        began = at(-300)
        data = [reading(began, energy=10000, context="Transaction.Begin")]
        answer = await charger.call(call.StopTransaction(meter_stop=12500, timestamp=at(0), transaction_id=987654,
                                                         id_tag="LOST-CARD", reason="Local", transaction_data=data))
        assert answer.id_tag_info == {"status": "Invalid"}
        listing = (await api.get("/public-api/resources/sessions/v1.0",
                                 params={"filter[chargePointId]": cp["id"]})).json()["data"]
    assert len(listing) == 1
    assert listing[0]["status"] == "finished" and listing[0]["energy"] == 2500 and listing[0]["idTag"] == "LOST-CARD"
    assert listing[0]["startedAt"] == began.replace("Z", ".000000Z")
    [row] = await rows(db, "sessions")
    assert row.anomaly == "unknown_transaction" and row.transaction_id == "987654"


async def test_a_charger_claiming_another_chargers_transaction_changes_nothing_of_it(live, caplog) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-OWNER")
    await seed.charge_point(db, "CP-THIEF")
    await tag(db, "CARD-OWN")
    caplog.set_level(logging.WARNING, logger="cpms.sessions")
    async with connect16(live.ws_url, "CP-OWNER") as owner:
        started = await owner.call(call.StartTransaction(connector_id=1, id_tag="CARD-OWN", meter_start=0,
                                                         timestamp=at(0)))
    [theirs] = await rows(db, "sessions")
    async with connect16(live.ws_url, "CP-THIEF") as thief:
        await thief.call(call.MeterValues(connector_id=1, transaction_id=started.transaction_id,
                                          meter_value=[reading(at(5), energy=999)]))
        assert await thief.call(call.StopTransaction(meter_stop=999, timestamp=at(10),
                                                     transaction_id=started.transaction_id)) is not None
    owner_row = [row for row in await rows(db, "sessions") if row.id == theirs.id][0]
    assert owner_row == theirs
    assert (await counts(db))["sessions"] == 2  # the thief's claim is its own, finished, flagged
    owner_id = theirs.charge_point_id
    assert sum(f"it is charge point {owner_id}'s" in record.getMessage() for record in caplog.records) == 2


async def test_meter_values_without_a_known_transaction_are_charger_level_readings(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-E6")
    async with connect16(live.ws_url, "CP-E6") as charger:
        assert await charger.call(call.MeterValues(connector_id=0, meter_value=[reading(at(0), energy=5e6)])) is not None
        await charger.call(call.MeterValues(connector_id=2, meter_value=[
            reading(at(0), phases={"L1": 10.5, "L2": 10.0, "L3": 9.5})]))
        await charger.call(call.MeterValues(connector_id=1, transaction_id=4242,
                                            meter_value=[reading(at(0), energy=10)]))
    readings = await rows(db, "meter_values")
    assert [(r.session_id, r.evse_id, r.evse_network_id) for r in readings] == [
        (None, None, "0"), (None, cp["evse_ids"][1], "2"), (None, cp["evse_ids"][0], "1")]
    assert readings[0].energy == 5e6 and readings[1].current == 30.0
    assert {s["phase"] for s in readings[1].samples} == {"L1", "L2", "L3"}
    assert (await counts(db))["sessions"] == 0


async def test_retransmitted_meter_values_are_stored_once(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-E7")
    await tag(db, "CARD-E7")
    async with connect16(live.ws_url, "CP-E7") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-E7", meter_start=0,
                                                           timestamp=at(0)))
        values = call.MeterValues(connector_id=1, transaction_id=started.transaction_id,
                                  meter_value=[reading(at(60), energy=1.5, energy_unit="kWh")])
        await charger.call(values)
        events_before = await event_count(db)
        await charger.call(values)
        assert await event_count(db) == events_before
    [row] = await rows(db, "meter_values")
    assert row.energy == 1500
    assert (await rows(db, "sessions"))[0].energy == 1500


async def test_a_new_start_on_a_busy_evse_closes_the_forgotten_session(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-E8")
    await tag(db, "CARD-E8A")
    await tag(db, "CARD-E8B")
    async with connect16(live.ws_url, "CP-E8") as charger, client(live.base_url) as api:
        first = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-E8A", meter_start=0,
                                                         timestamp=at(0)))
        await charger.call(call.MeterValues(connector_id=1, transaction_id=first.transaction_id,
                                            meter_value=[reading(at(30), energy=300)]))
        second = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-E8B", meter_start=400,
                                                          timestamp=at(60)))
        old = (await api.get(f"/public-api/resources/sessions/v1.0/{first.transaction_id}")).json()["data"]
        assert old["status"] == "finished" and old["reason"] == "new_start_transaction_received"
        assert old["energy"] == 300
        # the charger remembers after all: its stop completes the closed session
        await charger.call(call.StopTransaction(meter_stop=400, timestamp=at(59), transaction_id=first.transaction_id))
        old = (await api.get(f"/public-api/resources/sessions/v1.0/{first.transaction_id}")).json()["data"]
        assert old["energy"] == 400 and old["reason"] == "new_start_transaction_received"
        new = (await api.get(f"/public-api/resources/sessions/v1.0/{second.transaction_id}")).json()["data"]
        assert new["status"] == "active"


async def test_session_events_are_emitted_on_real_changes_only(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-E9")
    await tag(db, "CARD-E9")
    async with connect16(live.ws_url, "CP-E9") as charger:
        started = await charger.call(call.StartTransaction(connector_id=1, id_tag="CARD-E9", meter_start=100,
                                                           timestamp=at(0)))
        for seconds, energy in ((60, 200), (120, 200)):  # the second reading changes nothing but power
            await charger.call(call.MeterValues(connector_id=1, transaction_id=started.transaction_id,
                                                meter_value=[reading(at(seconds), energy=energy, power=0)]))
        await charger.call(call.StopTransaction(meter_stop=200, timestamp=at(180),
                                                transaction_id=started.transaction_id))
    async with db.read() as conn:
        found = [(row.type, row.data) for row in (await conn.execute(
            select(events).where(events.c.entity == "session").order_by(events.c.id))).all()]
    assert [kind for kind, _ in found] == ["session.started", "session.updated", "session.meterValues",
                                           "session.updated", "session.meterValues", "session.stopped",
                                           "session.updated"]
    started_data, values_data = found[0][1], found[2][1]
    assert started_data["sessionId"] == started.transaction_id and started_data["session"]["meterStart"] == 100
    assert values_data["meterValues"][0]["measurand"] == "Energy Active Import Register"
    assert values_data["meterValues"][0]["value"] == 200 and values_data["meterValues"][0]["unit"] == "Wh"
    assert found[1][1]["session"] == started_data["session"]  # born active: told as it reads at its start
    assert found[5][1]["session"]["energy"] == 100 and found[5][1]["session"]["reason"] == "local"


@pytest.mark.parametrize("frame, code", [
    ('[2, "1", "StartTransaction", {"connectorId": 1, "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}]',
     "OccurenceConstraintViolation"),
    ('[2, "2", "StartTransaction", {"connectorId": 0, "idTag": "CARD-BAD", "meterStart": 0, '
     '"timestamp": "2026-01-01T00:00:00Z"}]', "PropertyConstraintViolation"),
    ('[2, "3", "StartTransaction", {"connectorId": "1", "idTag": "CARD-BAD", "meterStart": 0, '
     '"timestamp": "2026-01-01T00:00:00Z"}]', "TypeConstraintViolation"),
    ('[2, "4", "StartTransaction", {"connectorId": 1, "idTag": "CARD-BAD", "meterStart": 0, '
     '"timestamp": "yesterday"}]', "PropertyConstraintViolation"),
    ('[2, "5", "StartTransaction", {"connectorId": 1, "idTag": "CARD-BAD-123456789012345", "meterStart": 0, '
     '"timestamp": "2026-01-01T00:00:00Z"}]', "TypeConstraintViolation"),
    ('[2, "6", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z", '
     '"sampledValue": [{"value": "lots"}]}]}]', "PropertyConstraintViolation"),
    ('[2, "7", "MeterValues", {"connectorId": 1, "meterValue": []}]', "PropertyConstraintViolation"),
    ('[2, "11", "MeterValues", {"connectorId": -1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z", '
     '"sampledValue": [{"value": "1"}]}]}]', "PropertyConstraintViolation"),
    ('[2, "8", "StopTransaction", {"meterStop": 5, "timestamp": "2026-01-01T00:00:00Z", "transactionId": "x"}]',
     "TypeConstraintViolation"),
    ('[2, "9", "StopTransaction", {"meterStop": 5, "timestamp": "2026-01-01T00:00:00Z", "transactionId": 1, '
     '"reason": "Bored"}]', "PropertyConstraintViolation"),
    ('[2, "10", "Authorize", {}]', "OccurenceConstraintViolation"),
    # integers the database cannot hold never reach it
    ('[2, "12", "StartTransaction", {"connectorId": 1, "idTag": "CARD-BAD", "meterStart": 0, '
     '"timestamp": "2026-01-01T00:00:00Z", "reservationId": 9223372036854775813}]', "PropertyConstraintViolation"),
    ('[2, "13", "StopTransaction", {"meterStop": 5, "timestamp": "2026-01-01T00:00:00Z", '
     '"transactionId": 18446744073709551615}]', "PropertyConstraintViolation"),
])
async def test_bad_transaction_messages_get_their_callerror_and_write_nothing(live, frame, code) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-BADTX")
    await tag(db, "CARD-BAD")
    before, events_before = await counts(db), await event_count(db)
    async with websockets.connect(f"{live.ws_url}/CP-BADTX", subprotocols=["ocpp1.6"]) as ws:
        await ws.send(frame)
        answer = json.loads(await ws.recv())
        assert answer[0] == 4, answer
        assert answer[2] == code, answer
        await ws.send('[2, "99", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[0] == 3
    assert await counts(db) == before
    assert await event_count(db) == events_before
