"""The simulator answers what the server asks, in answers the server's own schemas accept.

`gateway.call` validates our request and the simulated charger's answer against the `ocpp`
package's schemas: an answer of the wrong shape would come back as a CallError.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cpms.simulator.scenario import Scenario
from tests.simulator.conftest import seeded, simulating

# Long sessions that start only when the server asks: the test decides what happens.
ON_DEMAND = Scenario(session_minutes=600.0, idle_minutes=1e9, meter_interval=60.0, speed=1.0,
                     id_tags=("SIMTAG0001",))


def soon() -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=15)).isoformat().replace("+00:00", "Z")


async def test_16_configuration_and_triggers(live) -> None:
    spec = await seeded(live, "SIM-CMD16")
    gateway = live.server.rt.components["gateway"]
    async with simulating(live, [spec], ON_DEMAND) as sim:
        assert await sim.wait_for(lambda: sim.stats.booted == 1, 30)
        behaviour = sim.behaviour("SIM-CMD16")
        cp = spec.charge_point_id
        answer = await gateway.call(cp, "GetConfiguration", {})
        keys = {k["key"]: k for k in answer["configurationKey"]}
        assert keys["HeartbeatInterval"]["value"] == str(live.server.settings.heartbeat_interval)
        assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
        answer = await gateway.call(cp, "GetConfiguration", {"key": ["MeterValueSampleInterval", "NoSuchKey"]})
        assert answer["unknownKey"] == ["NoSuchKey"] and len(answer["configurationKey"]) == 1
        assert (await gateway.call(cp, "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "15"})
                == {"status": "Accepted"})
        assert behaviour.meter_interval == 15.0
        assert (await gateway.call(cp, "ChangeConfiguration", {"key": "NumberOfConnectors", "value": "9"})
                == {"status": "Rejected"})
        assert (await gateway.call(cp, "ChangeConfiguration", {"key": "Nope", "value": "1"})
                == {"status": "NotSupported"})
        sent = sim.stats.sent
        for asked in ("Heartbeat", "StatusNotification", "MeterValues", "BootNotification"):
            assert (await gateway.call(cp, "TriggerMessage", {"requestedMessage": asked})
                    == {"status": "Accepted"})
        assert await sim.wait_for(lambda: sim.stats.sent >= sent + 1 + 3 + 2 + 1, 30)
        for action, payload, expected in [
            ("ClearCache", {}, {"status": "Accepted"}),
            ("DataTransfer", {"vendorId": "acme"}, {"status": "UnknownVendorId"}),
            ("GetLocalListVersion", {}, {"listVersion": 0}),
            ("SendLocalList", {"listVersion": 3, "updateType": "Full"}, {"status": "Accepted"}),
            ("GetLocalListVersion", {}, {"listVersion": 3}),
            ("GetCompositeSchedule", {"connectorId": 1, "duration": 60}, {"status": "Rejected"}),
            ("ClearChargingProfile", {}, {"status": "Accepted"}),
            ("GetDiagnostics", {"location": "ftp://example.com/"}, {"fileName": "diagnostics-SIM-CMD16.log"}),
            ("UpdateFirmware", {"location": "https://example.com/fw", "retrieveDate": soon()}, {}),
        ]:
            assert await gateway.call(cp, action, payload) == expected, action


async def test_16_remote_start_stop_unlock_availability_reservation(live) -> None:
    spec = await seeded(live, "SIM-RS16")
    gateway = live.server.rt.components["gateway"]
    async with simulating(live, [spec], ON_DEMAND) as sim:
        assert await sim.wait_for(lambda: sim.stats.booted == 1, 30)
        b = sim.behaviour("SIM-RS16")
        cp = spec.charge_point_id
        assert (await gateway.call(cp, "ReserveNow", {"connectorId": 2, "expiryDate": soon(), "idTag": "SIMTAG0002",
                                                      "reservationId": 7}) == {"status": "Accepted"})
        assert b.evse(2).status == "Reserved"
        assert (await gateway.call(cp, "CancelReservation", {"reservationId": 7}) == {"status": "Accepted"})
        assert (await gateway.call(cp, "CancelReservation", {"reservationId": 7}) == {"status": "Rejected"})
        assert b.evse(2).status == "Available"
        assert (await gateway.call(cp, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
                == {"status": "Accepted"})
        assert b.evse(2).status == "Unavailable"
        assert (await gateway.call(cp, "RemoteStartTransaction", {"connectorId": 2, "idTag": "SIMTAG0001"})
                == {"status": "Rejected"})
        assert (await gateway.call(cp, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})
                == {"status": "Accepted"})
        assert (await gateway.call(cp, "RemoteStartTransaction", {"connectorId": 1, "idTag": "SIMTAG0001"})
                == {"status": "Accepted"})
        assert await sim.wait_for(lambda: b.evse(1).session is not None, 30)
        # a second start on the same connector is refused whatever the server made of the first
        assert (await gateway.call(cp, "RemoteStartTransaction", {"connectorId": 1, "idTag": "SIMTAG0001"})
                == {"status": "Rejected"})
        assert (await gateway.call(cp, "UnlockConnector", {"connectorId": 1}) == {"status": "Unlocked"})
        assert (await gateway.call(cp, "RemoteStopTransaction", {"transactionId": 999999})
                == {"status": "Rejected"})
        assert sim.stats.commands["RemoteStartTransaction"] == 3


async def test_201_device_model_and_commands(live) -> None:
    spec = await seeded(live, "SIM-CMD201", protocol="ocpp 2.0.1")
    gateway = live.server.rt.components["gateway"]
    async with simulating(live, [spec], ON_DEMAND) as sim:
        assert await sim.wait_for(lambda: sim.stats.booted == 1, 30)
        b = sim.behaviour("SIM-CMD201")
        cp = spec.charge_point_id
        answer = await gateway.call(cp, "GetVariables", {"getVariableData": [
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}},
            {"component": {"name": "Nope"}, "variable": {"name": "Nope"}}]})
        results = answer["getVariableResult"]
        assert results[0]["attributeStatus"] == "Accepted"
        assert results[0]["attributeValue"] == str(live.server.settings.heartbeat_interval)
        assert [r["attributeStatus"] for r in results[1:]] == ["UnknownVariable", "UnknownComponent"]
        answer = await gateway.call(cp, "SetVariables", {"setVariableData": [
            {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
             "attributeValue": "30"},
            {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}, "attributeValue": "EVConnected"}]})
        assert [r["attributeStatus"] for r in answer["setVariableResult"]] == ["Accepted", "Rejected"]
        assert b.meter_interval == 30.0
        assert await gateway.call(cp, "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}) == {
            "status": "Accepted"}
        for asked in ("Heartbeat", "StatusNotification", "BootNotification"):
            assert await gateway.call(cp, "TriggerMessage", {"requestedMessage": asked}) == {"status": "Accepted"}
        assert (await gateway.call(cp, "TriggerMessage", {"requestedMessage": "SignV2GCertificate"})
                == {"status": "NotImplemented"})
        assert (await gateway.call(cp, "ReserveNow", {"id": 3, "expiryDateTime": soon(), "evseId": 1,
                                                      "idToken": {"idToken": "SIMTAG0002", "type": "ISO14443"}})
                == {"status": "Accepted"})
        assert (await gateway.call(cp, "CancelReservation", {"reservationId": 3}) == {"status": "Accepted"})
        assert (await gateway.call(cp, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}})
                == {"status": "Accepted"})
        assert b.evse(2).status == "Unavailable"
        assert (await gateway.call(cp, "UnlockConnector", {"evseId": 2, "connectorId": 1}) == {"status": "Unlocked"})
        assert (await gateway.call(cp, "UnlockConnector", {"evseId": 9, "connectorId": 1})
                == {"status": "UnknownConnector"})
        assert (await gateway.call(cp, "RequestStartTransaction", {
            "evseId": 1, "remoteStartId": 42, "idToken": {"idToken": "SIMTAG0001", "type": "ISO14443"}})
                == {"status": "Accepted"})
        assert await sim.wait_for(lambda: b.evse(1).session is not None, 30)
        assert (await gateway.call(cp, "RequestStopTransaction", {"transactionId": "unknown"})
                == {"status": "Rejected"})
        assert (await gateway.call(cp, "GetTransactionStatus", {"transactionId": "unknown"})
                == {"messagesInQueue": False, "ongoingIndicator": False})
        assert await gateway.call(cp, "Reset", {"type": "OnIdle", "evseId": 1}) == {"status": "Rejected"}
