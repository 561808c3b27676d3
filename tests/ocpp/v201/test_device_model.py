"""OCPP 2.0.1 device model messages from the station end to end: NotifyEvent (kept once per eventId
and timestamp), NotifyMonitoringReport (monitors kept with their variables), and the CALLERROR a
bad one gets, with nothing written."""

from __future__ import annotations

import json

import pytest
import websockets
from ocpp.v201 import call, call_result
from sqlalchemy import func, select

from cpms.storage.tables.configuration import configuration_variables, device_events
from tests.conftest import client
from tests.ocpp.v201.device_support import station
from tests.support import seed
from tests.support.live import running

T = "2026-01-01T00:00:00Z"
SYNC = "/public-api/actions/charge-point/v1.0/{}/sync-configuration"


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def cs201(live, identity: str) -> dict:
    return await seed.charge_point(live.server.rt.db, identity, evse_count=1, protocol="ocpp 2.0.1")


def event(event_id: int, value: str, timestamp: str = T, **extra) -> dict:
    return {"event_id": event_id, "timestamp": timestamp, "trigger": "Alerting", "actual_value": value,
            "event_notification_type": "HardWiredMonitor", "component": {"name": "EVSE", "evse": {"id": 1}},
            "variable": {"name": "AvailabilityState"}, **extra}


async def all_rows(live, table) -> list:
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(table).order_by(table.c.id))).all()


async def test_events_are_kept_once_each_whatever_the_repeats(live) -> None:
    cp = await cs201(live, "CS-EVENTS")
    async with station(live.ws_url, "CS-EVENTS") as cs:
        first = call.NotifyEvent(generated_at=T, seq_no=0, event_data=[
            event(1, "Faulted", tech_info="ground fault", cleared=False),
            event(2, "Available", timestamp="2026-01-01T00:05:00Z", trigger="Delta")])
        assert await cs.call(first) == call_result.NotifyEvent()
        await cs.call(first)  # sent again
        await cs.call(call.NotifyEvent(generated_at=T, seq_no=1, event_data=[
            event(1, "Faulted", timestamp="2026-01-01T00:10:00Z", cleared=True)]))
    rows = await all_rows(live, device_events)
    assert [(r.event_id, r.actual_value, r.cleared) for r in rows] == [(1, "Faulted", False), (2, "Available", None),
                                                                        (1, "Faulted", True)]
    fault = rows[0]
    assert fault.charge_point_id == cp["id"] and fault.component_name == "EVSE"
    assert fault.variable_name == "AvailabilityState" and fault.trigger == "Alerting"
    assert fault.notification_type == "HardWiredMonitor" and fault.attrs["techInfo"] == "ground fault"
    assert json.loads(fault.address) == ["EVSE", None, 1, None, "AvailabilityState", None]


async def test_monitors_are_kept_with_their_variables_and_survive_a_new_report_of_values(live) -> None:
    cp = await cs201(live, "CS-MON")
    monitor = {"id": 7, "transaction": False, "value": 1.0, "type": "Delta", "severity": 5}
    async with station(live.ws_url, "CS-MON") as cs, client(live.base_url) as api:
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
        assert await cs.call(call.NotifyMonitoringReport(request_id=9, seq_no=0, generated_at=T, monitor=[
            {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "AvailabilityState"},
             "variable_monitoring": [monitor]},
            {"component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
             "variable": {"name": "Available"}, "variable_monitoring": [{**monitor, "id": 8}]}])) == \
            call_result.NotifyMonitoringReport()
        rows = {(r.component_name, r.variable_name): r for r in await all_rows(live, configuration_variables)}
        assert rows[("Connector", "Available")].attrs["monitors"] == [{**monitor, "id": 8}]
        assert rows[("Connector", "Available")].connector_id == 1 and rows[("Connector", "Available")].value is None
        cs.reported.clear()
        await api.post(SYNC.format(cp["id"]), json={})
        await cs.reported.wait()
    rows = {(r.component_name, r.variable_name): r for r in await all_rows(live, configuration_variables)}
    assert rows[("EVSE", "AvailabilityState")].attrs["monitors"] == [monitor]
    assert rows[("EVSE", "AvailabilityState")].value == "Available"
    assert ("Connector", "Available") not in rows  # a full inventory that does not report it forgets it


EVENT = {"eventId": 1, "timestamp": T, "trigger": "Alerting", "actualValue": "Faulted",
         "eventNotificationType": "HardWiredMonitor", "component": {"name": "EVSE"}, "variable": {"name": "Problem"}}
REPORT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
          "variableAttribute": [{"value": "30"}]}


@pytest.mark.parametrize("action, payload, code", [
    ("NotifyEvent", {"generatedAt": T, "seqNo": 0}, "OccurrenceConstraintViolation"),
    ("NotifyEvent", {"generatedAt": T, "seqNo": -1, "eventData": [EVENT]}, "PropertyConstraintViolation"),
    ("NotifyEvent", {"generatedAt": T, "seqNo": 0, "eventData": [{**EVENT, "trigger": "Sometimes"}]},
     "PropertyConstraintViolation"),
    ("NotifyEvent", {"generatedAt": T, "seqNo": 0, "eventData": [{**EVENT, "timestamp": "noon"}]},
     "PropertyConstraintViolation"),
    ("NotifyEvent", {"generatedAt": T, "seqNo": 0, "eventData": [{**EVENT, "eventId": "one"}]},
     "TypeConstraintViolation"),
    ("NotifyReport", {"requestId": 1, "generatedAt": T, "seqNo": -1, "reportData": [REPORT]},
     "PropertyConstraintViolation"),
    ("NotifyReport", {"requestId": 1, "generatedAt": T, "reportData": [REPORT]}, "OccurrenceConstraintViolation"),
    ("NotifyReport", {"requestId": 1, "generatedAt": T, "seqNo": 0, "reportData": [{**REPORT, "colour": "red"}]},
     "FormatViolation"),
    ("NotifyMonitoringReport", {"requestId": 1, "generatedAt": T, "seqNo": -2}, "PropertyConstraintViolation"),
])
async def test_a_bad_device_model_message_gets_its_callerror_and_writes_nothing(live, action, payload, code) -> None:
    await cs201(live, "CS-BADDM")
    async with websockets.connect(f"{live.ws_url}/CS-BADDM", subprotocols=["ocpp2.0.1"]) as ws:
        await ws.send(json.dumps([2, "1", action, payload]))
        answer = json.loads(await ws.recv())
        assert answer[:3] == [4, "1", code], answer
        await ws.send('[2, "2", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[0] == 3
    async with live.server.rt.db.read() as conn:
        for table in (device_events, configuration_variables):
            assert (await conn.execute(select(func.count()).select_from(table))).scalar_one() == 0
