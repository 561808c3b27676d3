"""OCPP 1.6 StatusNotification and DataTransfer over a real WebSocket, with what they store and announce."""

import json
from typing import Any

import pytest
import websockets
from ocpp.v16 import call
from sqlalchemy import func, select

from cpms.storage.db import Database
from cpms.storage.tables.charge_points import charge_points, evses
from cpms.storage.tables.core import events
from cpms.storage.tables.ocpp import data_transfers, hardware_status_logs
from tests.conftest import client
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running
from tests.support.waiting import eventually


async def count(db: Database, table: Any, *where: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def emitted(db: Database, event_type: str) -> list[dict[str, Any]]:
    """The data of every outbox event of `event_type`, oldest first."""
    async with db.read() as conn:
        rows = (await conn.execute(select(events.c.entity_id, events.c.data).where(events.c.type == event_type)
                                   .order_by(events.c.id))).all()
    return [{"entityId": row.entity_id, **row.data} for row in rows]


async def raw_exchange(ws_url: str, identity: str, frames: list[str]) -> list[list[Any]]:
    """Send raw OCPP-J frames one by one and return the answers."""
    answers = []
    async with websockets.connect(f"{ws_url}/{identity}", subprotocols=["ocpp1.6"]) as ws:
        for frame in frames:
            await ws.send(frame)
            answers.append(json.loads(await ws.recv()))
    return answers


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


def status(connector: int, state: str, error: str = "NoError", **extra: Any) -> call.StatusNotification:
    return call.StatusNotification(connector_id=connector, error_code=error, status=state, **extra)


async def test_connector_reports_set_evse_status_and_every_report_is_logged(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-ST")
    evse1, evse2 = cp["evse_ids"]
    async with connect16(live.ws_url, "CP-ST") as charger:
        await charger.call(status(1, "Preparing"))
        await charger.call(status(1, "Charging", timestamp="2026-03-01T10:00:00Z"))
        await charger.call(status(1, "Charging", timestamp="2026-03-01T10:05:00Z"))
        await charger.call(status(2, "SuspendedEV"))
    async with db.read() as conn:
        stored = dict((await conn.execute(select(evses.c.id, evses.c.hardware_status)
                                          .where(evses.c.charge_point_id == cp["id"]))).all())
    assert stored == {evse1: "charging", evse2: "suspendedEV"}
    assert await count(db, hardware_status_logs, hardware_status_logs.c.evse_id == evse1) == 3
    # the repeated Charging changed nothing: no event, no row update
    changes = [e["hardwareStatus"] for e in await emitted(db, "evse.hardwareStatus") if e["evseId"] == evse1]
    assert changes == ["preparing", "charging"]
    assert [e["entityId"] for e in await emitted(db, "evse.changed")] == [str(evse1), str(evse1), str(evse2)]
    async with client(live.base_url) as api:
        logs = (await api.get(f"/public-api/resources/evses/v2.0/{evse1}/hardware-status-logs")).json()["data"]
        assert [(log["status"], log["timestamp"]) for log in logs[1:]] == [
            ("charging", "2026-03-01T10:00:00.000000Z"), ("charging", "2026-03-01T10:05:00.000000Z")]
        status_path = f"/public-api/resources/charge-points/v1.0/{cp['id']}/status"

        async def after_disconnect() -> dict | None:
            # the server records the disconnect after the socket closed, not before the charger is told
            summary = (await api.get(status_path)).json()["data"]
            return summary if summary["networkStatus"] == "temporarily unavailable" else None

        summary = await eventually(after_disconnect, timeout=10)
    assert summary["hardwareStatus"] is None
    assert summary["evses"] == [{"id": evse1, "hardwareStatus": "charging"},
                                {"id": evse2, "hardwareStatus": "suspendedEV"}]


async def test_connector_zero_is_the_charge_point_with_its_vendor_error_code(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-ZERO")
    async with connect16(live.ws_url, "CP-ZERO") as charger:
        fault = status(0, "Faulted", "GroundFailure", info="leak", vendor_id="ACME", vendor_error_code="E12")
        await charger.call(fault)
        await charger.call(fault)
        await charger.call(status(0, "Available"))
        # two real changes of the row; the third is the connection's own (network status)
        assert len(await emitted(db, "chargePoint.changed")) == 2 + len(await emitted(db, "chargePoint.networkStatus"))
    async with db.read() as conn:
        row = (await conn.execute(select(charge_points.c.hardware_status, charge_points.c.vendor_error_code)
                                  .where(charge_points.c.id == cp["id"]))).one()
    assert tuple(row) == ("available", None)
    reports = await emitted(db, "chargePoint.hardwareStatus")
    assert [(e["hardwareStatus"], e["errorCode"], e["vendorErrorCode"]) for e in reports] == [
        ("faulted", "GroundFailure", "E12"), ("available", "NoError", None)]
    assert reports[0]["chargePointId"] == cp["id"] and reports[0]["info"] == "leak" and reports[0]["vendorId"] == "ACME"
    async with client(live.base_url) as api:
        logs = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}/hardware-status-logs")).json()
        assert [log["status"] for log in logs["data"]] == ["faulted", "faulted", "available"]
        fault = logs["data"][0]
        assert (fault["errorCode"], fault["vendorErrorCode"], fault["vendorId"], fault["info"]) == (
            "GroundFailure", "E12", "ACME", "leak")
        assert fault["errorCodeDescription"] and fault["errorCodeCustomerAction"]
        assert "errorCodeDescription" not in logs["data"][2]
        latest = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}/latest-hardware-status-log"))
        latest = latest.json()
        assert latest["data"]["status"] == "available" and latest["data"]["errorCode"] == "NoError"


async def test_an_unknown_connector_is_answered_and_logged_but_changes_nothing(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-UNK", evse_count=1)
    async with connect16(live.ws_url, "CP-UNK") as charger:
        assert await charger.call(status(7, "Charging")) is not None
        assert (await charger.call(call.Heartbeat())).current_time
    assert await count(db, hardware_status_logs, hardware_status_logs.c.unit == "unknown",
                       hardware_status_logs.c.connector == "7") == 1
    assert await emitted(db, "evse.hardwareStatus") == [] and await emitted(db, "evse.changed") == []
    async with client(live.base_url) as api:
        own = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}/hardware-status-logs")).json()
        assert own["data"] == []
        none_yet = await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}/latest-hardware-status-log")
        assert none_yet.status_code == 404


async def test_bad_status_notifications_get_their_callerror_and_write_nothing(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-BADST")
    answers = await raw_exchange(live.ws_url, "CP-BADST", [
        '[2, "1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}]',
        '[2, "2", "StatusNotification", {"connectorId": 1, "status": "Available"}]',
        '[2, "3", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", "status": "Available"}]',
        '[2, "4", "StatusNotification", {"connectorId": 1, "errorCode": "Gremlins", "status": "Available"}]',
        '[2, "5", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available", '
        '"timestamp": "yesterday"}]',
        '[2, "6", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available", '
        f'"info": "{"x" * 51}"}}]',
    ])
    assert [a[2] for a in answers] == ["PropertyConstraintViolation", "OccurenceConstraintViolation",
                                       "TypeConstraintViolation", "PropertyConstraintViolation",
                                       "PropertyConstraintViolation", "TypeConstraintViolation"]
    assert await count(db, hardware_status_logs) == 0
    assert await emitted(db, "evse.changed") == []


async def test_TC_064_CSMS_DataTransfer_to_the_central_system(settings) -> None:
    async with running(settings.with_(extra={"CPMS_DATA_TRANSFER_VENDORS": "com.acme, org.example"})) as live:
        db = live.server.rt.db
        cp = await seed.charge_point(db, "CP-DT")
        async with connect16(live.ws_url, "CP-DT") as charger:
            known = await charger.call(call.DataTransfer(vendor_id="COM.ACME", message_id="fw", data='{"v": 1}'))
            unknown = await charger.call(call.DataTransfer(vendor_id="com.other", message_id="x"))
            bare = await charger.call(call.DataTransfer(vendor_id="org.example"))
        assert (known.status, unknown.status, bare.status) == ("Accepted", "UnknownVendorId", "Accepted")
        async with db.read() as conn:
            stored = (await conn.execute(select(data_transfers.c.vendor_id, data_transfers.c.message_id,
                                                data_transfers.c.data, data_transfers.c.status)
                                         .order_by(data_transfers.c.id))).all()
        assert [tuple(r) for r in stored] == [("COM.ACME", "fw", '{"v": 1}', "Accepted"),
                                              ("com.other", "x", None, "UnknownVendorId"),
                                              ("org.example", None, None, "Accepted")]
        announced = await emitted(db, "chargePoint.dataTransferReceived")
        assert [{k: e.get(k) for k in ("chargePointId", "vendorId", "messageId", "data")} for e in announced] == [
            {"chargePointId": cp["id"], "vendorId": "COM.ACME", "messageId": "fw", "data": '{"v": 1}'},
            {"chargePointId": cp["id"], "vendorId": "org.example", "messageId": None, "data": None}]


async def test_data_transfer_is_accepted_from_any_vendor_by_default_and_bad_ones_write_nothing(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-DT2")
    async with connect16(live.ws_url, "CP-DT2") as charger:
        assert (await charger.call(call.DataTransfer(vendor_id="anyone"))).status == "Accepted"
    answers = await raw_exchange(live.ws_url, "CP-DT2", [
        '[2, "1", "DataTransfer", {"messageId": "m"}]',
        '[2, "2", "DataTransfer", {"vendorId": 42}]',
        f'[2, "3", "DataTransfer", {{"vendorId": "{"v" * 256}"}}]',
    ])
    assert [a[2] for a in answers] == ["OccurenceConstraintViolation", "TypeConstraintViolation",
                                       "TypeConstraintViolation"]
    assert await count(db, data_transfers) == 1
