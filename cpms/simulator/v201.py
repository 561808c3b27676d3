"""A simulated OCPP 2.0.1 charging station: the same life as the 1.6 charge point, in 2.0.1 shapes.

Transactions are TransactionEvent Started/Updated/Ended with a transaction id the station makes
up (TxStartPoint = Authorized: Started once the driver is authorized and the cable is in);
configuration is the device model (components and variables: GetVariables, SetVariables,
GetBaseReport answered with NotifyReport). Each EVSE has one connector (connectorId 1).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from cpms.simulator.behaviour import Behaviour, Evse, Reply
from cpms.simulator.scenario import Session, sample
from cpms.simulator.v16 import now_iso

STATUS = {"Available": "Available", "Preparing": "Occupied", "Charging": "Occupied", "Finishing": "Occupied",
          "Reserved": "Reserved", "Unavailable": "Unavailable", "Faulted": "Faulted"}
STOPPED = {"EVDisconnected": "EVDisconnected", "Local": "Local", "Remote": "Remote", "EVFull": "SOCLimitReached",
           "HardReset": "ImmediateReset", "SoftReset": "Reboot", "UnlockCommand": "Other",
           "DeAuthorized": "DeAuthorized", "Other": "Other"}
TRIGGER = {"EVDisconnected": "EVDeparted", "Local": "StopAuthorized", "Remote": "RemoteStop",
           "EVFull": "ChargingStateChanged", "HardReset": "ResetCommand", "SoftReset": "ResetCommand",
           "UnlockCommand": "UnlockCommand", "DeAuthorized": "Deauthorized", "Other": "AbnormalCondition"}

# (component, variable) -> [value, mutability, dataType]
Variables = dict[tuple[str, str], list[str]]


def device_model(heartbeat: float, meter_interval: float) -> Variables:
    return {
        ("OCPPCommCtrlr", "HeartbeatInterval"): [str(int(heartbeat)), "ReadWrite", "integer"],
        ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts"): ["3", "ReadWrite", "integer"],
        ("OCPPCommCtrlr", "OfflineThreshold"): ["60", "ReadWrite", "integer"],
        ("OCPPCommCtrlr", "MessageAttempts"): ["3", "ReadWrite", "integer"],
        ("OCPPCommCtrlr", "MessageAttemptInterval"): ["30", "ReadWrite", "integer"],
        ("OCPPCommCtrlr", "ResetRetries"): ["3", "ReadWrite", "integer"],
        ("SampledDataCtrlr", "TxUpdatedInterval"): [str(int(meter_interval)), "ReadWrite", "integer"],
        ("SampledDataCtrlr", "TxUpdatedMeasurands"): ["Energy.Active.Import.Register,Power.Active.Import,"
                                                      "Current.Import,SoC", "ReadWrite", "MemberList"],
        ("SampledDataCtrlr", "TxEndedMeasurands"): ["Energy.Active.Import.Register", "ReadWrite", "MemberList"],
        ("AlignedDataCtrlr", "Interval"): ["0", "ReadWrite", "integer"],
        ("AuthCtrlr", "AuthorizeRemoteStart"): ["false", "ReadWrite", "boolean"],
        ("AuthCtrlr", "LocalAuthorizeOffline"): ["true", "ReadWrite", "boolean"],
        ("AuthCtrlr", "LocalPreAuthorize"): ["false", "ReadWrite", "boolean"],
        ("TxCtrlr", "TxStartPoint"): ["Authorized", "ReadOnly", "MemberList"],
        ("TxCtrlr", "TxStopPoint"): ["EVConnected,Authorized", "ReadOnly", "MemberList"],
        ("TxCtrlr", "EVConnectionTimeOut"): ["60", "ReadWrite", "integer"],
        ("TxCtrlr", "StopTxOnEVSideDisconnect"): ["true", "ReadOnly", "boolean"],
        ("DeviceDataCtrlr", "ItemsPerMessage"): ["50", "ReadOnly", "integer"],
        ("DeviceDataCtrlr", "BytesPerMessage"): ["65000", "ReadOnly", "integer"],
        ("SecurityCtrlr", "SecurityProfile"): ["1", "ReadOnly", "integer"],
        ("ReservationCtrlr", "Enabled"): ["true", "ReadOnly", "boolean"],
        ("SmartChargingCtrlr", "Enabled"): ["true", "ReadOnly", "boolean"],
        ("LocalAuthListCtrlr", "Enabled"): ["true", "ReadWrite", "boolean"],
    }


def meter_value(evse: Evse, session: Session | None, context: str) -> dict[str, Any]:
    s = sample(session, evse)
    values: list[dict[str, Any]] = [
        {"value": round(s.energy_wh, 1), "context": context, "measurand": "Energy.Active.Import.Register",
         "location": "Outlet", "unitOfMeasure": {"unit": "Wh"}},
        {"value": round(s.power_w, 1), "context": context, "measurand": "Power.Active.Import", "location": "Outlet",
         "unitOfMeasure": {"unit": "W"}},
        {"value": round(s.current_a, 2), "context": context, "measurand": "Current.Import", "location": "Outlet",
         "unitOfMeasure": {"unit": "A"}},
    ]
    if s.soc is not None:
        values.append({"value": round(s.soc, 1), "context": context, "measurand": "SoC", "location": "EV",
                       "unitOfMeasure": {"unit": "Percent"}})
    return {"timestamp": now_iso(), "sampledValue": values}


class Behaviour201(Behaviour):
    subprotocol = "ocpp2.0.1"
    label = "ocpp 2.0.1"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variables = device_model(self.heartbeat_interval, self.meter_interval)
        self.boot_reason = "PowerUp"
        self.local_list_version = 0

    def _token(self, session: Session) -> dict[str, str]:
        return {"idToken": session.id_tag, "type": "ISO14443"}

    # -- messages -----------------------------------------------------------------------------

    async def boot(self) -> tuple[str, float]:
        model = "SimDC" if any(e.dc for e in self.evses) else "SimAC"
        answer = await self.call("BootNotification", {
            "reason": self.boot_reason,
            "chargingStation": {"model": model, "vendorName": "cpms", "serialNumber": f"SN-{self.identity}"[:25],
                                "firmwareVersion": "sim-1.0"}})
        interval = float(answer.get("interval") or 0)
        if answer.get("status") == "Accepted":
            self.boot_reason = "PowerUp"
            if interval > 0:
                self.variables[("OCPPCommCtrlr", "HeartbeatInterval")][0] = str(int(interval))
        return answer.get("status", "Rejected"), interval

    async def heartbeat(self) -> None:
        await self.call("Heartbeat", {})

    async def status(self, evse: Evse) -> None:
        await self.call("StatusNotification", {"timestamp": now_iso(), "connectorStatus": STATUS[evse.status],
                                               "evseId": evse.number, "connectorId": 1})

    async def send_authorize(self, evse: Evse, session: Session) -> bool:
        answer = await self.call("Authorize", {"idToken": self._token(session)})
        return answer.get("idTokenInfo", {}).get("status") == "Accepted"

    async def _event(self, evse: Evse, session: Session, event: str, trigger: str, charging: str,
                     context: str | None, info: dict[str, Any] | None = None,
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        transaction = {"transactionId": session.transaction_id, "chargingState": charging, **(info or {})}
        payload: dict[str, Any] = {"eventType": event, "timestamp": now_iso(), "triggerReason": trigger,
                                   "seqNo": session.seq_no, "transactionInfo": transaction, **(extra or {})}
        if context is not None:
            payload["meterValue"] = [meter_value(evse, session, context)]
        session.seq_no += 1
        return await self.call("TransactionEvent", payload)

    async def send_start(self, evse: Evse, session: Session) -> bool:
        session.transaction_id = uuid.uuid4().hex[:24]
        extra: dict[str, Any] = {"evse": {"id": evse.number, "connectorId": 1}, "idToken": self._token(session)}
        info: dict[str, Any] = {}
        if session.remote_start_id is not None:
            info["remoteStartId"] = session.remote_start_id
        if evse.reservation is not None:
            extra["reservationId"] = evse.reservation.id
        trigger = "RemoteStart" if session.remote_start_id is not None else "Authorized"
        answer = await self._event(evse, session, "Started", trigger, "Charging", "Transaction.Begin",
                                   info=info, extra=extra)
        status = (answer.get("idTokenInfo") or {}).get("status", "Accepted")
        if status != "Accepted":
            session.stop_reason = "DeAuthorized"
            await self.stop_transaction(evse, session)
            return False
        return True

    async def meter_values(self, evse: Evse, session: Session | None) -> None:
        if session is not None and session.transaction_id is not None and session.started:
            await self._event(evse, session, "Updated", "MeterValuePeriodic", "Charging", "Sample.Periodic")
        else:
            await self.call("MeterValues", {"evseId": evse.number,
                                            "meterValue": [meter_value(evse, session, "Sample.Periodic")]})

    async def send_stop(self, evse: Evse, session: Session) -> None:
        reason = session.stop_reason or "Other"
        await self._event(evse, session, "Ended", TRIGGER.get(reason, "AbnormalCondition"), "Idle",
                          "Transaction.End", info={"stoppedReason": STOPPED.get(reason, "Other"),
                                                   "timeSpentCharging": int(session.elapsed_s)})

    # -- the server's commands ----------------------------------------------------------------

    def on_RequestStartTransaction(self, p: dict[str, Any]) -> Reply:
        authorize_first = self.variables[("AuthCtrlr", "AuthorizeRemoteStart")][0] == "true"
        evse = self.request_start(p.get("evseId"), p["idToken"]["idToken"], p["remoteStartId"], authorize_first)
        return {"status": "Accepted" if evse is not None else "Rejected"}, None

    def on_RequestStopTransaction(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted" if self.request_stop(p["transactionId"]) else "Rejected"}, None

    def on_GetTransactionStatus(self, p: dict[str, Any]) -> Reply:
        answer: dict[str, Any] = {"messagesInQueue": False}
        if p.get("transactionId"):
            answer["ongoingIndicator"] = any(e.session is not None and e.session.started
                                             and e.session.transaction_id == p["transactionId"] for e in self.evses)
        return answer, None

    def on_Reset(self, p: dict[str, Any]) -> Reply:
        if p.get("evseId"):
            return {"status": "Rejected"}, None
        self.boot_reason = "RemoteReset"
        return {"status": "Accepted"}, self.reset(p.get("type") == "Immediate")

    def on_UnlockConnector(self, p: dict[str, Any]) -> Reply:
        evse = self.evse(p["evseId"])
        if evse is None or p["connectorId"] != 1:
            return {"status": "UnknownConnector"}, None
        if evse.session is not None and evse.session.started:
            return {"status": "OngoingAuthorizedTransaction"}, None
        return {"status": "Unlocked"}, None

    def on_ChangeAvailability(self, p: dict[str, Any]) -> Reply:
        number = (p.get("evse") or {}).get("id")
        status, after = self.change_availability(number, p["operationalStatus"] == "Operative")
        return {"status": status}, after

    def on_ReserveNow(self, p: dict[str, Any]) -> Reply:
        try:
            expiry = datetime.fromisoformat(p["expiryDateTime"].replace("Z", "+00:00"))
            seconds = (expiry - datetime.now(timezone.utc)).total_seconds()
        except ValueError:
            seconds = 900.0
        status, after = self.reserve(p.get("evseId"), p["idToken"]["idToken"], p["id"], seconds)
        return {"status": status}, after

    def on_CancelReservation(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted" if self.cancel_reservation(p["reservationId"]) else "Rejected"}, None

    def on_GetVariables(self, p: dict[str, Any]) -> Reply:
        results = []
        for item in p["getVariableData"]:
            component, variable = item["component"], item["variable"]
            result: dict[str, Any] = {"component": component, "variable": variable}
            entry = self.variables.get((component["name"], variable["name"]))
            if item.get("attributeType", "Actual") != "Actual":
                result["attributeStatus"] = "NotSupportedAttributeType"
            elif entry is None:
                known = any(c == component["name"] for c, _ in self.variables)
                result["attributeStatus"] = "UnknownVariable" if known else "UnknownComponent"
            else:
                result.update(attributeStatus="Accepted", attributeType="Actual", attributeValue=entry[0])
            results.append(result)
        return {"getVariableResult": results}, None

    def on_SetVariables(self, p: dict[str, Any]) -> Reply:
        results = []
        for item in p["setVariableData"]:
            component, variable, value = item["component"], item["variable"], item["attributeValue"]
            results.append({"component": component, "variable": variable,
                            "attributeStatus": self._set(component["name"], variable["name"], value)})
        return {"setVariableResult": results}, None

    def _set(self, component: str, variable: str, value: str) -> str:
        entry = self.variables.get((component, variable))
        if entry is None:
            return "UnknownVariable" if any(c == component for c, _ in self.variables) else "UnknownComponent"
        if entry[1] == "ReadOnly":
            return "Rejected"
        if entry[2] == "integer":
            try:
                number = int(value)
            except ValueError:
                return "Rejected"
            if (component, variable) == ("OCPPCommCtrlr", "HeartbeatInterval"):
                if number <= 0:
                    return "Rejected"
                self.heartbeat_interval = float(number)
            if (component, variable) == ("SampledDataCtrlr", "TxUpdatedInterval") and number > 0:
                self.meter_interval = float(number)
        entry[0] = value
        return "Accepted"

    def on_GetBaseReport(self, p: dict[str, Any]) -> Reply:
        request_id = p["requestId"]

        async def report() -> None:
            data = [{"component": {"name": c}, "variable": {"name": v},
                     "variableAttribute": [{"type": "Actual", "value": e[0], "mutability": e[1]}],
                     "variableCharacteristics": {"dataType": e[2], "supportsMonitoring": False}}
                    for (c, v), e in self.variables.items()]
            try:
                await self.call("NotifyReport", {"requestId": request_id, "generatedAt": now_iso(), "seqNo": 0,
                                                 "tbc": False, "reportData": data})
            except Exception:
                pass

        return {"status": "Accepted"}, report

    def on_TriggerMessage(self, p: dict[str, Any]) -> Reply:
        asked, number = p["requestedMessage"], (p.get("evse") or {}).get("id")
        targets = [e for e in self.evses if number is None or e.number == number]
        if number is not None and not targets:
            return {"status": "Rejected"}, None

        async def statuses() -> None:
            for evse in targets:
                await self.status(evse)

        async def meters() -> None:
            for evse in targets:
                await self.meter_values(evse, evse.session)

        async def transactions() -> None:
            for evse in targets:
                if evse.session is not None and evse.session.started:
                    await self._event(evse, evse.session, "Updated", "Trigger", "Charging", "Trigger")

        jobs = {"BootNotification": self._boot_triggered, "Heartbeat": self.heartbeat, "StatusNotification": statuses,
                "MeterValues": meters, "TransactionEvent": transactions,
                "FirmwareStatusNotification": lambda: self.call("FirmwareStatusNotification", {"status": "Idle"}),
                "LogStatusNotification": lambda: self.call("LogStatusNotification", {"status": "Idle"})}
        job = jobs.get(asked)
        if job is None:
            return {"status": "NotImplemented"}, None

        async def send() -> None:
            try:
                await job()
            except Exception:
                pass

        return {"status": "Accepted"}, send

    async def _boot_triggered(self) -> None:
        self.boot_reason = "Triggered"
        await self.boot()

    def on_GetLocalListVersion(self, p: dict[str, Any]) -> Reply:
        return {"versionNumber": self.local_list_version}, None

    def on_SendLocalList(self, p: dict[str, Any]) -> Reply:
        self.local_list_version = p["versionNumber"]
        return {"status": "Accepted"}, None

    def on_GetLog(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted", "filename": f"log-{self.identity}.txt"}, None

    def on_UpdateFirmware(self, p: dict[str, Any]) -> Reply:
        request_id = p["requestId"]

        async def report() -> None:
            for status in ("Downloading", "Downloaded", "Installing", "Installed"):
                try:
                    await self.call("FirmwareStatusNotification", {"status": status, "requestId": request_id})
                except Exception:
                    return

        return {"status": "Accepted"}, report
