"""A simulated OCPP 1.6J charge point: the messages of the Core, Remote Trigger, Reservation,
Smart Charging, Firmware and Local Auth List profiles, in 1.6 shapes.

Each EVSE is a 1.6 connector (`connectorId` = EVSE number); connector 0 is the charge point.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cpms.simulator.behaviour import Behaviour, Evse, Reply
from cpms.simulator.scenario import Session, sample

STATUS = {"Available": "Available", "Preparing": "Preparing", "Charging": "Charging", "Finishing": "Finishing",
          "Reserved": "Reserved", "Unavailable": "Unavailable", "Faulted": "Faulted"}
REASON = {"EVDisconnected": "EVDisconnected", "Local": "Local", "Remote": "Remote", "EVFull": "EVDisconnected",
          "HardReset": "HardReset", "SoftReset": "SoftReset", "UnlockCommand": "UnlockCommand",
          "DeAuthorized": "DeAuthorized", "Other": "Other"}
READ_ONLY = {"NumberOfConnectors", "SupportedFeatureProfiles", "ChargeProfileMaxStackLevel",
             "ChargingScheduleAllowedChargingRateUnit", "ChargingScheduleMaxPeriods", "MaxChargingProfilesInstalled",
             "LocalAuthListMaxLength", "SendLocalListMaxLength", "ReserveConnectorZeroSupported",
             "GetConfigurationMaxKeys", "MeterValuesSampledDataMaxLength", "SupportedFeatureProfilesMaxLength"}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_configuration(connectors: int, heartbeat: float, meter_interval: float) -> dict[str, str]:
    return {
        "AllowOfflineTxForUnknownId": "false", "AuthorizationCacheEnabled": "true",
        "AuthorizeRemoteTxRequests": "false", "ClockAlignedDataInterval": "0", "ConnectionTimeOut": "60",
        "GetConfigurationMaxKeys": "64", "HeartbeatInterval": str(int(heartbeat)),
        "LocalAuthorizeOffline": "true", "LocalPreAuthorize": "false",
        "MeterValuesAlignedData": "Energy.Active.Import.Register",
        "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import,Current.Import,SoC",
        "MeterValuesSampledDataMaxLength": "8", "MeterValueSampleInterval": str(int(meter_interval)),
        "MinimumStatusDuration": "0", "NumberOfConnectors": str(connectors), "ResetRetries": "3",
        "StopTransactionOnEVSideDisconnect": "true", "StopTransactionOnInvalidId": "true",
        "StopTxnAlignedData": "", "StopTxnSampledData": "Energy.Active.Import.Register",
        "SupportedFeatureProfiles": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,"
                                    "RemoteTrigger",
        "SupportedFeatureProfilesMaxLength": "6", "TransactionMessageAttempts": "3",
        "TransactionMessageRetryInterval": "30", "UnlockConnectorOnEVSideDisconnect": "true",
        "WebSocketPingInterval": "0", "LocalAuthListEnabled": "true", "LocalAuthListMaxLength": "1000",
        "SendLocalListMaxLength": "100", "ReserveConnectorZeroSupported": "false",
        "ChargeProfileMaxStackLevel": "8", "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
        "ChargingScheduleMaxPeriods": "24", "MaxChargingProfilesInstalled": "8",
    }


def sampled_values(evse: Evse, session: Session | None, context: str) -> list[dict[str, Any]]:
    s = sample(session, evse)
    values = [
        {"value": f"{s.energy_wh:.0f}", "context": context, "measurand": "Energy.Active.Import.Register",
         "location": "Outlet", "unit": "Wh"},
        {"value": f"{s.power_w:.0f}", "context": context, "measurand": "Power.Active.Import", "location": "Outlet",
         "unit": "W"},
        {"value": f"{s.current_a:.1f}", "context": context, "measurand": "Current.Import", "location": "Outlet",
         "unit": "A"},
    ]
    if s.soc is not None:
        values.append({"value": f"{s.soc:.0f}", "context": context, "measurand": "SoC", "location": "EV",
                       "unit": "Percent"})
    return values


class Behaviour16(Behaviour):
    subprotocol = "ocpp1.6"
    label = "ocpp 1.6"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.configuration = default_configuration(len(self.evses), self.heartbeat_interval, self.meter_interval)
        self.local_list_version = 0

    @property
    def model(self) -> str:
        return "SimDC" if any(e.dc for e in self.evses) else "SimAC"

    # -- messages -----------------------------------------------------------------------------

    async def boot(self) -> tuple[str, float]:
        answer = await self.call("BootNotification", {
            "chargePointVendor": "cpms", "chargePointModel": self.model,
            "chargePointSerialNumber": f"SN-{self.identity}"[:25], "chargeBoxSerialNumber": f"SN-{self.identity}"[:25],
            "firmwareVersion": "sim-1.0", "meterType": "SimMeter", "meterSerialNumber": f"M-{self.identity}"[:25]})
        interval = float(answer.get("interval") or 0)
        if answer.get("status") == "Accepted" and interval > 0:
            self.configuration["HeartbeatInterval"] = str(int(interval))
        return answer.get("status", "Rejected"), interval

    async def heartbeat(self) -> None:
        await self.call("Heartbeat", {})

    async def status(self, evse: Evse) -> None:
        await self.call("StatusNotification", {"connectorId": evse.number, "errorCode": "NoError",
                                               "status": STATUS[evse.status], "timestamp": now_iso()})

    async def charge_point_status(self) -> None:
        await self.call("StatusNotification", {"connectorId": 0, "errorCode": "NoError", "status": "Available",
                                               "timestamp": now_iso()})

    async def announce(self) -> None:
        if self.online:
            try:
                await self.charge_point_status()
            except Exception:
                pass
        await super().announce()

    async def send_authorize(self, evse: Evse, session: Session) -> bool:
        answer = await self.call("Authorize", {"idTag": session.id_tag})
        return answer.get("idTagInfo", {}).get("status") == "Accepted"

    async def send_start(self, evse: Evse, session: Session) -> bool:
        payload: dict[str, Any] = {"connectorId": evse.number, "idTag": session.id_tag,
                                   "meterStart": int(session.meter_start_wh), "timestamp": now_iso()}
        if evse.reservation is not None:
            payload["reservationId"] = evse.reservation.id
        answer = await self.call("StartTransaction", payload)
        session.transaction_id = answer.get("transactionId")
        if answer.get("idTagInfo", {}).get("status") != "Accepted":
            # The server took the transaction but refuses the tag: end it at once, as a charger must.
            session.stop_reason = "DeAuthorized"
            await self.stop_transaction(evse, session)
            return False
        return True

    async def meter_values(self, evse: Evse, session: Session | None) -> None:
        payload: dict[str, Any] = {"connectorId": evse.number, "meterValue": [
            {"timestamp": now_iso(), "sampledValue": sampled_values(evse, session, "Sample.Periodic")}]}
        if session is not None and session.transaction_id is not None:
            payload["transactionId"] = session.transaction_id
        await self.call("MeterValues", payload)

    async def send_stop(self, evse: Evse, session: Session) -> None:
        timestamp = now_iso()
        await self.call("StopTransaction", {
            "transactionId": session.transaction_id, "idTag": session.id_tag,
            "meterStop": int(session.meter_stop_wh or evse.meter_wh),
            "timestamp": timestamp, "reason": REASON.get(session.stop_reason or "Other", "Other"),
            "transactionData": [{"timestamp": timestamp,
                                 "sampledValue": sampled_values(evse, session, "Transaction.End")}]})

    # -- the server's commands ----------------------------------------------------------------

    def on_RemoteStartTransaction(self, p: dict[str, Any]) -> Reply:
        authorize_first = self.configuration["AuthorizeRemoteTxRequests"] == "true"
        evse = self.request_start(p.get("connectorId"), p["idTag"], None, authorize_first)
        return {"status": "Accepted" if evse is not None else "Rejected"}, None

    def on_RemoteStopTransaction(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted" if self.request_stop(p["transactionId"]) else "Rejected"}, None

    def on_Reset(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted"}, self.reset(p.get("type") == "Hard")

    def on_UnlockConnector(self, p: dict[str, Any]) -> Reply:
        return {"status": "Unlocked" if self.unlock(p["connectorId"]) else "NotSupported"}, None

    def on_ChangeAvailability(self, p: dict[str, Any]) -> Reply:
        status, after = self.change_availability(p["connectorId"], p["type"] == "Operative")
        return {"status": status}, after

    def on_ReserveNow(self, p: dict[str, Any]) -> Reply:
        try:
            expiry = datetime.fromisoformat(p["expiryDate"].replace("Z", "+00:00"))
            seconds = (expiry - datetime.now(timezone.utc)).total_seconds()
        except ValueError:
            seconds = 900.0
        status, after = self.reserve(p["connectorId"] or None, p["idTag"], p["reservationId"], seconds)
        return {"status": status}, after

    def on_CancelReservation(self, p: dict[str, Any]) -> Reply:
        return {"status": "Accepted" if self.cancel_reservation(p["reservationId"]) else "Rejected"}, None

    def on_GetConfiguration(self, p: dict[str, Any]) -> Reply:
        keys = p.get("key") or sorted(self.configuration)
        known = [{"key": k, "readonly": k in READ_ONLY, "value": self.configuration[k]}
                 for k in keys if k in self.configuration]
        unknown = [k for k in keys if k not in self.configuration]
        answer: dict[str, Any] = {"configurationKey": known}
        if unknown:
            answer["unknownKey"] = unknown
        return answer, None

    def on_ChangeConfiguration(self, p: dict[str, Any]) -> Reply:
        key, value = p["key"], p["value"]
        if key not in self.configuration:
            return {"status": "NotSupported"}, None
        if key in READ_ONLY:
            return {"status": "Rejected"}, None
        if key in ("HeartbeatInterval", "MeterValueSampleInterval"):
            try:
                number = int(value)
            except ValueError:
                return {"status": "Rejected"}, None
            if number <= 0 and key == "HeartbeatInterval":
                return {"status": "Rejected"}, None
            if key == "HeartbeatInterval":
                self.heartbeat_interval = float(number)
            elif number > 0:
                self.meter_interval = float(number)
        self.configuration[key] = value
        return {"status": "Accepted"}, None

    def on_TriggerMessage(self, p: dict[str, Any]) -> Reply:
        asked, number = p["requestedMessage"], p.get("connectorId")
        targets = [e for e in self.evses if number in (None, 0) or e.number == number]
        if number not in (None, 0) and not targets:
            return {"status": "Rejected"}, None
        jobs = {
            "BootNotification": self.boot,
            "Heartbeat": self.heartbeat,
            "StatusNotification": lambda: self._each(targets, lambda e: self.status(e),
                                                     self.charge_point_status if number in (None, 0) else None),
            "MeterValues": lambda: self._each(targets, lambda e: self.meter_values(e, e.session)),
            "FirmwareStatusNotification": lambda: self.call("FirmwareStatusNotification", {"status": "Idle"}),
            "DiagnosticsStatusNotification": lambda: self.call("DiagnosticsStatusNotification", {"status": "Idle"}),
        }
        job = jobs.get(asked)
        if job is None:
            return {"status": "NotImplemented"}, None

        async def send() -> None:
            try:
                await job()
            except Exception:
                pass

        return {"status": "Accepted"}, send

    async def _each(self, evses: list[Evse], send: Any, first: Any = None) -> None:
        if first is not None:
            await first()
        for evse in evses:
            await send(evse)

    def on_GetLocalListVersion(self, p: dict[str, Any]) -> Reply:
        return {"listVersion": self.local_list_version}, None

    def on_SendLocalList(self, p: dict[str, Any]) -> Reply:
        self.local_list_version = p["listVersion"]
        return {"status": "Accepted"}, None

    def on_GetDiagnostics(self, p: dict[str, Any]) -> Reply:
        return {"fileName": f"diagnostics-{self.identity}.log"}, None

    def on_UpdateFirmware(self, p: dict[str, Any]) -> Reply:
        async def report() -> None:
            for status in ("Downloading", "Downloaded", "Installing", "Installed"):
                try:
                    await self.call("FirmwareStatusNotification", {"status": status})
                except Exception:
                    return

        return {}, report
