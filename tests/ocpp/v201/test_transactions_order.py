"""OCPP 2.0.1 transaction events that come again, late, queued or about transactions cpms never
saw: seqNo decides what is new, nothing moves backwards, nothing is counted twice."""

import pytest
from ocpp.v201 import call

from cpms.domain import sessions
from tests.conftest import client
from tests.ocpp.transactions_support import at, counts, rows, tag
from tests.ocpp.v201.transactions_support import (Transaction, event_count, event_types, reading, session_of,
                                                  session_row, token)
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def station(db, identity):
    return await seed.charge_point(db, identity, evse_count=2, protocol="ocpp 2.0.1")


async def test_a_repeated_seqNo_changes_nothing_and_is_answered_again(live) -> None:
    """The charger sends Started, Updated and Ended twice each (its answer got lost): one session,
    the same answers, no second authorization, reading, period or event."""
    db = live.server.rt.db
    await station(db, "CS-REPEAT")
    await tag(db, "RFID-REPEAT")
    tx = Transaction(evse=1)
    events = [tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("RFID-REPEAT"),
                       meter=[reading(at(0), energy=100, context="Transaction.Begin")]),
              tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging", meter=[reading(at(60), energy=400)]),
              tx.event("Ended", "EVDeparted", at(90), state="Idle", id_token=token("RFID-REPEAT"),
                       stopped_reason="EVDisconnected", meter=[reading(at(90), energy=500, context="Transaction.End")])]
    async with connect201(live.ws_url, "CS-REPEAT") as cs, client(live.base_url) as api:
        for event in events:
            first = await cs.call(event)
            before, events_before = await counts(db), await event_count(db)
            assert await cs.call(event) == first
            assert await counts(db) == before and await event_count(db) == events_before
        session = await session_of(api, db, tx.id)
    assert session["status"] == "finished" and session["energy"] == 400 and session["reason"] == "evdisconnected"
    assert len(await rows(db, "authorizations")) == 1 and len(await rows(db, "meter_values")) == 3
    assert sessions.charger_state(await session_row(db, tx.id))["seqNo"] == 2


async def test_an_older_Updated_after_a_newer_one_moves_nothing_back(live) -> None:
    """seqNo 2 (SuspendedEV, register 900) arrives before seqNo 1 (Charging, register 600), as a
    queue may deliver them: the late one's reading is kept, but energy, power and the charging
    state stay where seqNo 2 left them."""
    db = live.server.rt.db
    await station(db, "CS-LATE")
    await tag(db, "RFID-LATE")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-LATE") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("RFID-LATE"),
                               meter=[reading(at(0), energy=0)]))
        older = tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                         meter=[reading(at(60), energy=600, power=7000)])
        newer = tx.event("Updated", "ChargingStateChanged", at(120), state="SuspendedEV",
                         meter=[reading(at(120), energy=900, power=0)])
        await cs.call(newer)
        before = await session_of(api, db, tx.id, withChargingPeriods="true")
        await cs.call(older)
        after = await session_of(api, db, tx.id, withChargingPeriods="true")
    assert after["energy"] == before["energy"] == 900 and after["power"]["latest"] == 0
    assert after["chargingPeriods"] == before["chargingPeriods"]
    assert after["chargingPeriods"][-1]["state"] == "idle"
    assert sorted(row.energy for row in await rows(db, "meter_values")) == [0.0, 600.0, 900.0]
    assert sessions.charger_state(await session_row(db, tx.id))["seqNo"] == 2


async def test_a_transaction_queued_offline_is_taken_in_order_after_reconnecting(live) -> None:
    """The station lost its connection, charged a whole transaction and queued its events
    (`offline: true`); reconnected, it sends them in order: one finished session with the
    charger's own times, energy and readings."""
    db = live.server.rt.db
    cp = await station(db, "CS-OFFLINE")
    await tag(db, "RFID-OFFLINE")
    async with connect201(live.ws_url, "CS-OFFLINE") as cs:
        await cs.call(call.Heartbeat())
    tx = Transaction(evse=2)
    queued = [tx.event("Started", "Authorized", at(-7200), state="Charging", id_token=token("RFID-OFFLINE"),
                       offline=True, meter=[reading(at(-7200), energy=2000, context="Transaction.Begin")]),
              tx.event("Updated", "MeterValuePeriodic", at(-6000), state="Charging", offline=True,
                       meter=[reading(at(-6000), energy=4000, power=6000)]),
              tx.event("Ended", "EVDeparted", at(-5400), state="Idle", stopped_reason="EVDisconnected", offline=True,
                       meter=[reading(at(-5400), energy=5000, context="Transaction.End")])]
    async with connect201(live.ws_url, "CS-OFFLINE") as cs, client(live.base_url) as api:
        await cs.call(call.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"))
        answers = [await cs.call(event) for event in queued]
        assert answers[0].id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id, withChargingPeriods="true")
    assert session["status"] == "finished" and session["energy"] == 3000 and session["evseId"] == cp["evse_ids"][1]
    assert session["startedAt"] == at(-7200).replace("Z", ".000000Z")
    assert session["stoppedAt"] == at(-5400).replace("Z", ".000000Z")
    assert sum(period["energy"] for period in session["chargingPeriods"]) == 3000
    assert len(await rows(db, "meter_values", session_id=int(session["id"]))) == 3
    assert await event_types(db) == ["session.started", "session.updated", "session.meterValues", "session.meterValues",
                                     "session.updated", "session.meterValues", "session.updated", "session.stopped",
                                     "session.updated"]


async def test_an_Ended_for_a_transaction_cpms_never_saw_is_a_finished_session(live, caplog) -> None:
    """Started was lost (cpms restored, the charger gave up on it): Ended alone makes a finished
    session of this station, on the EVSE it names, with the energy its readings show."""
    db = live.server.rt.db
    cp = await station(db, "CS-ORPHAN")
    await tag(db, "RFID-ORPHAN")
    tx = Transaction(evse=2)
    async with connect201(live.ws_url, "CS-ORPHAN") as cs, client(live.base_url) as api:
        ended = await cs.call(tx.event("Ended", "StopAuthorized", at(300), seq_no=7, id_token=token("RFID-ORPHAN"),
                                       stopped_reason="Local",
                                       meter=[reading(at(0), energy=1000, context="Transaction.Begin"),
                                              reading(at(300), energy=1800, context="Transaction.End")]))
        assert ended.id_token_info["status"] == "Accepted"
        session = await session_of(api, db, tx.id)
    assert session["status"] == "finished" and session["energy"] == 800 and session["evseId"] == cp["evse_ids"][1]
    assert session["startedAt"] == at(0).replace("Z", ".000000Z") and session["reason"] == "local"
    assert (await session_row(db, tx.id)).anomaly == "unknown_transaction"
    assert any("never saw start" in record.getMessage() for record in caplog.records)


async def test_an_Updated_for_a_transaction_cpms_never_saw_starts_it_there(live) -> None:
    db = live.server.rt.db
    await station(db, "CS-MIDWAY")
    await tag(db, "RFID-MIDWAY")
    tx = Transaction(evse=1)
    async with connect201(live.ws_url, "CS-MIDWAY") as cs, client(live.base_url) as api:
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), seq_no=3, state="Charging",
                               id_token=token("RFID-MIDWAY"), meter=[reading(at(60), energy=500)]))
        await cs.call(tx.event("Updated", "MeterValuePeriodic", at(120), seq_no=4, state="Charging",
                               meter=[reading(at(120), energy=800)]))
        session = await session_of(api, db, tx.id)
    assert session["status"] == "active" and session["idTag"] == "RFID-MIDWAY" and session["energy"] == 300


async def test_a_transaction_id_used_again_after_its_stop_is_a_new_transaction(live) -> None:
    """Some stations count transaction ids from 1 again after a reset: a Started later than the
    finished transaction of that id is another session, not a repeat."""
    db = live.server.rt.db
    await station(db, "CS-REUSE")
    await tag(db, "RFID-REUSE")
    async with connect201(live.ws_url, "CS-REUSE") as cs:
        for start in (0, 600):
            tx = Transaction(evse=1, transaction_id="1")
            await cs.call(tx.event("Started", "Authorized", at(start), id_token=token("RFID-REUSE"),
                                   meter=[reading(at(start), energy=start)]))
            await cs.call(tx.event("Ended", "EVDeparted", at(start + 60), stopped_reason="EVDisconnected",
                                   meter=[reading(at(start + 60), energy=start + 100, context="Transaction.End")]))
    found = [(row.transaction_id, row.status, row.energy) for row in await rows(db, "sessions")]
    assert found == [("1", "finished", 100.0), ("1", "finished", 100.0)]


async def test_another_stations_transaction_id_is_its_own_transaction(live) -> None:
    """Transaction ids are the station's: the same id on two stations is two sessions."""
    db = live.server.rt.db
    await tag(db, "RFID-SAME")
    expected = []
    for identity, energy in (("CS-SAME-A", 100), ("CS-SAME-B", 200)):
        cp = await station(db, identity)
        expected.append((cp["id"], "shared-id", float(energy)))
        async with connect201(live.ws_url, identity) as cs:
            tx = Transaction(evse=1, transaction_id="shared-id")
            await cs.call(tx.event("Started", "Authorized", at(0), id_token=token("RFID-SAME"),
                                   meter=[reading(at(0), energy=0)]))
            await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), meter=[reading(at(60), energy=energy)]))
    assert [(row.charge_point_id, row.transaction_id, row.energy) for row in await rows(db, "sessions")] == expected
