"""A mixed fleet on one gateway: an OCPP 1.6 charge point and an OCPP 2.0.1 charging station charge
at the same time, started and stopped by their drivers and by the Public API; the API (sessions,
authorizations, status logs, security events, reservations) and the domain events show both the
same way."""

import asyncio

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from sqlalchemy import select

from cpms.storage.tables.core import events
from tests.conftest import client
from tests.ocpp.transactions_support import allow_reservations, at, reading as reading16, rows, tag, user
from tests.ocpp.v201.transactions_support import Transaction, reading as reading201, session_row, token
from tests.support import seed
from tests.support.chargers import connect16, connect201
from tests.support.live import running

START = "/public-api/actions/charge-point/v1.0/{cp}/start/{evse}"
STOP = "/public-api/actions/charge-point/v1.0/{cp}/stop/{session}"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=5.0)) as r:
        yield r


async def session_events(db, session_id):
    async with db.read() as conn:
        return [(row.type, row.data) for row in (await conn.execute(
            select(events).where(events.c.entity == "session", events.c.entity_id == str(session_id))
            .order_by(events.c.id))).all()]


def shape(value):
    """A JSON value's shape: its keys, nested, with the types of their values (None for null)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return None if value is None else type(value).__name__


async def test_16_and_201_chargers_charge_at_once_and_read_alike(live) -> None:
    db = live.server.rt.db
    cp16 = await seed.charge_point(db, "MIX-16", protocol="ocpp 1.6")
    cp201 = await seed.charge_point(db, "MIX-201", protocol="ocpp 2.0.1")
    ada, bob = await user(db, "ada@mixed.example"), await user(db, "bob@mixed.example")
    await tag(db, "CARD-ADA", user_id=ada)
    await tag(db, "CARD-BOB", user_id=bob)
    tx = Transaction(evse=1)
    async with connect16(live.ws_url, "MIX-16") as charger, connect201(live.ws_url, "MIX-201") as cs, \
            client(live.base_url) as api:

        async def driver_on_16() -> int:
            assert (await charger.call(call16.Authorize(id_tag="CARD-ADA"))).id_tag_info["status"] == "Accepted"
            started = await charger.call(call16.StartTransaction(connector_id=1, id_tag="CARD-ADA", meter_start=1000,
                                                                 timestamp=at(0)))
            for sample in (reading16(at(0), energy=1000, context="Transaction.Begin"),
                           reading16(at(60), energy=1500, power=7000, soc=50)):
                await charger.call(call16.MeterValues(connector_id=1, transaction_id=started.transaction_id,
                                                      meter_value=[sample]))
            return int(started.transaction_id)

        async def driver_on_201() -> int:
            answer = await cs.call(call201.Authorize(id_token=token("CARD-BOB")))
            assert answer.id_token_info["status"] == "Accepted"
            await cs.call(tx.event("Started", "Authorized", at(0), state="Charging", id_token=token("CARD-BOB"),
                                   meter=[reading201(at(0), energy=1.0, unit="kWh", context="Transaction.Begin")]))
            await cs.call(tx.event("Updated", "MeterValuePeriodic", at(60), state="Charging",
                                   meter=[reading201(at(60), energy=1500, power=7000, soc=50)]))
            return int((await session_row(db, tx.id)).id)

        local16, local201 = await asyncio.gather(driver_on_16(), driver_on_201())
        # and the API starts a second session on each, at once
        started16, started201 = await asyncio.gather(
            api.post(START.format(cp=cp16["id"], evse=cp16["evse_ids"][1]), json={"userId": ada}),
            api.post(START.format(cp=cp201["id"], evse=cp201["evse_ids"][1]), json={"userId": bob}))
        remote16, remote201 = started16.json()["sessionId"], started201.json()["sessionId"]
        sent16 = await charger.wait_for("RemoteStartTransaction")
        sent201 = await cs.wait_for("RequestStartTransaction")
        remote_tx = Transaction(evse=2)

        async def remote_on_16() -> None:
            await charger.call(call16.StartTransaction(connector_id=2, id_tag=sent16["id_tag"], meter_start=0,
                                                       timestamp=at(30)))
            await charger.call(call16.MeterValues(connector_id=2, transaction_id=remote16, meter_value=[
                reading16(at(30), energy=0, context="Transaction.Begin")]))

        await asyncio.gather(
            remote_on_16(),
            cs.call(remote_tx.event("Started", "RemoteStart", at(30), state="Charging", id_token=sent201["id_token"],
                                    remote_start_id=sent201["remote_start_id"],
                                    meter=[reading201(at(30), energy=0, context="Transaction.Begin")])))

        listing = (await api.get("/public-api/resources/sessions/v1.0",
                                 params={"filter[status]": "active"})).json()["data"]
        assert sorted(int(s["id"]) for s in listing) == sorted([local16, local201, remote16, remote201])
        by_id = {int(s["id"]): s for s in listing}
        assert shape(by_id[local16]) == shape(by_id[local201]) and shape(by_id[remote16]) == shape(by_id[remote201])
        for a, b in ((local16, local201), (remote16, remote201)):
            same = ("status", "energy", "power", "socPercent", "startedAt", "energyConsumption")
            assert {k: by_id[a].get(k) for k in same} == {k: by_id[b].get(k) for k in same}
        assert (by_id[local16]["userId"], by_id[local201]["userId"]) == (ada, bob)
        assert (by_id[remote16]["userId"], by_id[remote201]["userId"]) == (ada, bob)

        # the drivers stop the first sessions, the API the others
        stopped = await asyncio.gather(
            charger.call(call16.StopTransaction(meter_stop=2000, timestamp=at(120), transaction_id=local16,
                                                reason="EVDisconnected",
                                                transaction_data=[reading16(at(120), energy=2000,
                                                                            context="Transaction.End")])),
            cs.call(tx.event("Ended", "EVDeparted", at(120), state="Idle", stopped_reason="EVDisconnected",
                             meter=[reading201(at(120), energy=2000, context="Transaction.End")])),
            api.post(STOP.format(cp=cp16["id"], session=remote16), json={}),
            api.post(STOP.format(cp=cp201["id"], session=remote201), json={}))
        assert [r.json() for r in stopped[2:]] == [{"success": True, "status": "Accepted"}] * 2
        assert await charger.wait_for("RemoteStopTransaction") == {"transaction_id": remote16}
        assert await cs.wait_for("RequestStopTransaction") == {"transaction_id": remote_tx.id}
        await asyncio.gather(
            charger.call(call16.StopTransaction(meter_stop=500, timestamp=at(150), transaction_id=remote16,
                                                reason="Remote", transaction_data=[
                                                    reading16(at(150), energy=500, context="Transaction.End")])),
            cs.call(remote_tx.event("Ended", "RemoteStop", at(150), stopped_reason="Remote",
                                    meter=[reading201(at(150), energy=500, context="Transaction.End")])))

        listing = (await api.get("/public-api/resources/sessions/v1.0")).json()["data"]
        by_id = {int(s["id"]): s for s in listing}
        assert len(by_id) == 4 and all(s["status"] == "finished" for s in listing)
        for a, b in ((local16, local201), (remote16, remote201)):
            assert shape(by_id[a]) == shape(by_id[b])
            same = ("energy", "reason", "startedAt", "stoppedAt", "evseId")
            assert ({k: by_id[a][k] for k in same if k != "evseId"} == {k: by_id[b][k] for k in same if k != "evseId"})
        assert (by_id[local16]["energy"], by_id[local16]["reason"]) == (1000, "evdisconnected")
        assert (by_id[remote201]["energy"], by_id[remote201]["reason"]) == (500, "remote")
        for session_id in (local16, local201):
            read = (await api.get(f"/public-api/resources/sessions/v1.0/{session_id}",
                                  params={"withAuthorization": "true", "withChargingPeriods": "true"})).json()["data"]
            assert read["authorization"]["method"] == "rfid_tag" and read["authorization"]["status"] == "accepted"
            assert [p["energy"] for p in read["chargingPeriods"]] == [1000]

        authorizations = (await api.get("/public-api/resources/authorizations/v2.1")).json()["data"]
    by_session = {sid: a for a in authorizations for sid in a["sessionIds"]}
    assert shape(by_session[local16]) == shape(by_session[local201])
    assert by_session[local16]["method"] == by_session[local201]["method"] == "id_tag"
    assert (by_session[remote16]["method"], by_session[remote201]["method"]) == ("user_device", "user_device")
    assert len(await rows(db, "authorizations")) == 4

    # webhooks cannot tell them apart: the same events, with the same data, for each pair
    for a, b in ((local16, local201), (remote16, remote201)):
        first, second = await session_events(db, a), await session_events(db, b)
        assert [kind for kind, _ in first] == [kind for kind, _ in second]
        assert [shape(data) for _, data in first] == [shape(data) for _, data in second]


def without(doc: dict, *keys: str) -> dict:
    return {k: v for k, v in doc.items() if k not in keys}


async def test_16_and_201_status_logs_security_events_and_reservations_read_alike(live) -> None:
    """What each charger tells of itself, in its own protocol, reads the same through the API: the
    charge point's own status (1.6 connectorId 0, 2.0.1 ChargingStation.AvailabilityState), an
    EVSE's status history, a security event, a reservation made from the API."""
    db = live.server.rt.db
    cp16 = await seed.charge_point(db, "MIXS-16", protocol="ocpp 1.6")
    cp201 = await seed.charge_point(db, "MIXS-201", protocol="ocpp 2.0.1")
    await allow_reservations(db, cp16["evse_ids"][0], cp201["evse_ids"][0])
    driver = await user(db, "cy@mixed.example")
    await tag(db, "CARD-CY", user_id=driver)
    security_event = {"type": "TamperDetectionActivated", "timestamp": at(30), "tech_info": "door"}
    async with connect16(live.ws_url, "MIXS-16") as charger, connect201(live.ws_url, "MIXS-201") as cs, \
            client(live.base_url) as api:
        await asyncio.gather(
            charger.call(call16.StatusNotification(connector_id=0, error_code="NoError", status="Unavailable",
                                                   timestamp=at(0))),
            cs.call(call201.NotifyEvent(generated_at=at(0), seq_no=0, event_data=[{
                "event_id": 1, "timestamp": at(0), "trigger": "Delta", "actual_value": "Unavailable",
                "event_notification_type": "HardWiredMonitor", "component": {"name": "ChargingStation"},
                "variable": {"name": "AvailabilityState"}}])))
        for seconds, state in ((0, "Available"), (60, "Unavailable")):
            await asyncio.gather(
                charger.call(call16.StatusNotification(connector_id=1, error_code="NoError", status=state,
                                                       timestamp=at(seconds))),
                cs.call(call201.StatusNotification(timestamp=at(seconds), connector_status=state, evse_id=1,
                                                   connector_id=1)))
        await asyncio.gather(charger.call(call16.SecurityEventNotification(**security_event)),
                             cs.call(call201.SecurityEventNotification(**security_event)))
        reserved = await asyncio.gather(*(
            api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/reserve/{cp['evse_ids'][0]}",
                     json={"userId": driver}) for cp in (cp16, cp201)))

        async def view(cp: dict, reservation: dict) -> dict:
            def get(path: str, **params: str):
                return api.get(f"/public-api/resources/{path}", params=params)

            return {
                "charge point": (await get(f"charge-points/v2.0/{cp['id']}")).json()["data"]["hardwareStatus"],
                "own logs": (await get(f"charge-points/v2.0/{cp['id']}/hardware-status-logs")).json()["data"],
                "evse": (await get(f"evses/v2.0/{cp['evse_ids'][0]}")).json()["data"]["hardwareStatus"],
                "evse logs": (await get(f"evses/v2.0/{cp['evse_ids'][0]}/hardware-status-logs")).json()["data"],
                "security events": [without(e, "id", "chargePoint") for e in (await get(
                    "security-events/v2.0", **{"filter[chargePoint]": str(cp["id"])})).json()["data"]],
                "reservation": without((await get(f"reservations/v1.0/{reservation['reservationId']}")).json()["data"],
                                       "id", "chargePointId", "evseId", "reservedAt", "expiresAt", "createdAt",
                                       "lastUpdatedAt"),
            }

        seen16, seen201 = [await view(cp, r.json()) for cp, r in ((cp16, reserved[0]), (cp201, reserved[1]))]
    assert [r.json()["success"] for r in reserved] == [True, True]
    assert seen16 == seen201
    assert seen16["charge point"] == "unavailable" and seen16["evse"] == "unavailable"
    assert [log["status"] for log in seen16["evse logs"]] == ["available", "unavailable"]
    assert [e["type"] for e in seen16["security events"]] == ["TamperDetectionActivated"]
    assert seen16["reservation"]["status"] == "active" and seen16["reservation"]["userId"] == driver
