"""OCPP 2.0.1 StatusNotification and DataTransfer over a real WebSocket: connector reports shown as
their EVSE's status through the same domain as 1.6, and vendor messages under the same policy."""

import json

import pytest
import websockets
from ocpp.v201 import call
from sqlalchemy import select

from cpms.storage.tables.charge_points import evses
from cpms.storage.tables.ocpp import data_transfers, hardware_status_logs
from tests.conftest import client
from tests.ocpp.test_status import count, emitted
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running

T = "2026-03-01T10:00:00Z"


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


def status(evse: int, connector: int, state: str, timestamp: str = T) -> call.StatusNotification:
    return call.StatusNotification(timestamp=timestamp, connector_status=state, evse_id=evse, connector_id=connector)


async def evse_statuses(db, cp_id: int) -> dict[int, str]:
    async with db.read() as conn:
        return dict((await conn.execute(select(evses.c.id, evses.c.hardware_status)
                                        .where(evses.c.charge_point_id == cp_id))).all())


async def test_TC_G_01_CSMS_StatusNotification_connectors_make_their_evses_status(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-ST", protocol="ocpp 2.0.1")
    evse1, evse2 = cp["evse_ids"]
    async with connect201(live.ws_url, "CS-ST") as charger:
        await charger.call(status(1, 1, "Available"))
        await charger.call(status(1, 2, "Available"))
        await charger.call(status(1, 1, "Occupied", "2026-03-01T10:01:00Z"))
        # the second connector of the same EVSE going out of order does not hide the charging car
        await charger.call(status(1, 2, "Unavailable", "2026-03-01T10:02:00Z"))
        await charger.call(status(2, 1, "Reserved"))
        assert await evse_statuses(db, cp["id"]) == {evse1: "occupied", evse2: "reserved"}
        await charger.call(status(1, 1, "Available", "2026-03-01T10:03:00Z"))
        await charger.call(status(1, 1, "Available", "2026-03-01T10:03:00Z"))  # sent again: our answer was lost
    assert await evse_statuses(db, cp["id"]) == {evse1: "available", evse2: "reserved"}
    changes = [e["hardwareStatus"] for e in await emitted(db, "evse.hardwareStatus") if e["evseId"] == evse1]
    assert changes == ["available", "occupied", "available"]
    async with db.read() as conn:
        logged = (await conn.execute(select(hardware_status_logs.c.connector, hardware_status_logs.c.status)
                                     .where(hardware_status_logs.c.evse_id == evse1)
                                     .order_by(hardware_status_logs.c.id))).all()
    assert [tuple(r) for r in logged] == [("1/1", "available"), ("1/2", "available"), ("1/1", "occupied"),
                                          ("1/2", "unavailable"), ("1/1", "available"), ("1/1", "available")]
    async with client(live.base_url) as api:
        summary = (await api.get(f"/public-api/resources/charge-points/v1.0/{cp['id']}/status")).json()["data"]
    assert summary["evses"] == [{"id": evse1, "hardwareStatus": "available"},
                                {"id": evse2, "hardwareStatus": "reserved"}]


async def test_a_connector_that_reported_long_ago_still_counts_for_its_evse(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-STLONG", protocol="ocpp 2.0.1")
    async with connect201(live.ws_url, "CS-STLONG") as charger:
        await charger.call(status(1, 1, "Occupied"))
        for n in range(70):  # the other connector flickers many times meanwhile
            stamp = f"2026-03-01T10:{n // 60:02d}:{n % 60:02d}Z"
            await charger.call(status(1, 2, ("Available", "Unavailable")[n % 2], stamp))
    assert (await evse_statuses(db, cp["id"]))[cp["evse_ids"][0]] == "occupied"


async def test_a_status_for_an_evse_cpms_does_not_know_is_answered_and_changes_nothing(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-ST9", protocol="ocpp 2.0.1")
    async with connect201(live.ws_url, "CS-ST9") as charger:
        assert await charger.call(status(9, 1, "Faulted")) is not None
    assert set((await evse_statuses(db, cp["id"])).values()) == {None}
    assert await emitted(db, "evse.changed") == []


def availability(event_id: int, value: str, timestamp: str, component: dict) -> dict:
    return {"event_id": event_id, "timestamp": timestamp, "trigger": "Delta", "actual_value": value,
            "event_notification_type": "HardWiredMonitor", "component": component,
            "variable": {"name": "AvailabilityState"}}


async def test_the_stations_own_availability_state_is_the_charge_points_hardware_status(live) -> None:
    """2.0.1's StatusNotification has no connectorId 0: the station tells its own state in a
    NotifyEvent of ChargingStation.AvailabilityState, logged and shown as a 1.6 charger's connector 0
    (Faulted and Unavailable kept, any other state `available`); a repeated event is logged once and
    an EVSE's AvailabilityState or another variable is not the station's."""
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-STATION", protocol="ocpp 2.0.1")
    station_component = {"name": "ChargingStation"}
    faulted = call.NotifyEvent(generated_at=T, seq_no=0, event_data=[
        availability(1, "Faulted", T, station_component),
        availability(2, "Faulted", T, {"name": "EVSE", "evse": {"id": 1}}),
        {**availability(3, "Faulted", T, station_component), "variable": {"name": "Problem"}}])
    async with connect201(live.ws_url, "CS-STATION") as charger, client(live.base_url) as api:
        await charger.call(faulted)
        await charger.call(faulted)  # sent again: our answer was lost
        await charger.call(call.NotifyEvent(generated_at=T, seq_no=0, event_data=[
            availability(4, "Occupied", "2026-03-01T10:05:00Z", station_component)]))
        shown = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}")).json()["data"]
        logs = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}/hardware-status-logs")
                ).json()["data"]
    assert shown["hardwareStatus"] == "available"
    assert sorted((log["status"], log["timestamp"][:19], log["errorCode"]) for log in logs) == [
        ("available", "2026-03-01T10:05:00", "NoError"), ("faulted", T[:19], "NoError")]
    assert [(e["hardwareStatus"], e["previousHardwareStatus"]) for e in await emitted(db, "chargePoint.hardwareStatus")
            ] == [("faulted", None), ("available", "faulted")]
    assert await count(db, hardware_status_logs, hardware_status_logs.c.evse_id.is_not(None)) == 0


@pytest.mark.parametrize("payload, code", [
    ({"timestamp": T, "connectorStatus": "Charging", "evseId": 1, "connectorId": 1}, "PropertyConstraintViolation"),
    ({"timestamp": T, "connectorStatus": "Available", "evseId": 1}, "OccurrenceConstraintViolation"),
    ({"timestamp": T, "connectorStatus": "Available", "evseId": "1", "connectorId": 1}, "TypeConstraintViolation"),
    ({"timestamp": T, "connectorStatus": "Available", "evseId": 0, "connectorId": 1}, "PropertyConstraintViolation"),
    ({"timestamp": T, "connectorStatus": "Available", "evseId": 1, "connectorId": 0}, "PropertyConstraintViolation"),
    ({"timestamp": T, "connectorStatus": "Available", "evseId": 1, "connectorId": 1, "colour": "red"},
     "FormatViolation"),
])
async def test_a_bad_status_notification_gets_its_callerror_and_writes_nothing(live, payload, code) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CS-STBAD", protocol="ocpp 2.0.1")
    async with websockets.connect(f"{live.ws_url}/CS-STBAD", subprotocols=["ocpp2.0.1"]) as ws:
        await ws.send(json.dumps([2, "1", "StatusNotification", payload]))
        answer = json.loads(await ws.recv())
        assert answer[:3] == [4, "1", code], answer
        await ws.send('[2, "2", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[0] == 3
    assert await count(db, hardware_status_logs) == 0
    assert await emitted(db, "evse.hardwareStatus") == []


async def test_TC_P_02_CSMS_DataTransfer_to_the_CSMS_under_the_same_policy_as_16(settings) -> None:
    async with running(settings.with_(extra={"CPMS_DATA_TRANSFER_VENDORS": "com.acme"})) as live:
        db = live.server.rt.db
        cp = await seed.charge_point(db, "CS-DT", protocol="ocpp 2.0.1")
        async with connect201(live.ws_url, "CS-DT") as charger:
            known = await charger.call(call.DataTransfer(vendor_id="com.acme", message_id="fw", data={"v": 1}))
            text = await charger.call(call.DataTransfer(vendor_id="COM.ACME", data="plain"))
            unknown = await charger.call(call.DataTransfer(vendor_id="com.other", message_id="x"))
        assert (known.status, text.status, unknown.status) == ("Accepted", "Accepted", "UnknownVendorId")
        async with db.read() as conn:
            stored = (await conn.execute(select(data_transfers.c.vendor_id, data_transfers.c.data,
                                                data_transfers.c.status).order_by(data_transfers.c.id))).all()
        assert [tuple(r) for r in stored] == [("com.acme", '{"v":1}', "Accepted"), ("COM.ACME", "plain", "Accepted"),
                                              ("com.other", None, "UnknownVendorId")]
        announced = await emitted(db, "chargePoint.dataTransferReceived")
        assert [(e["chargePointId"], e["vendorId"], e.get("data")) for e in announced] == [
            (cp["id"], "com.acme", '{"v":1}'), (cp["id"], "COM.ACME", "plain")]
