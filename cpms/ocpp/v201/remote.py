"""OCPP 2.0.1 remote control for the intents 1.6 serves: Reset, ChangeAvailability,
UnlockConnector, TriggerMessage, DataTransfer, and the local authorization list (SendLocalList,
GetLocalListVersion, ClearCache).

An EVSE is its network number (2.0.1 evseId); 0 or None is the station as a whole, which 2.0.1
says by leaving the EVSE out. A hard reset is Immediate, a soft one OnIdle (the station waits for
its transactions to end); Scheduled, for a reset or an availability change, is success: it
happens once the transactions in progress end.
"""

from __future__ import annotations

import json
from typing import Any

from cpms.errors import Invalid
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.v201.authorization import CENTRAL, token_of
from cpms.ocpp.versions import V201

# The messages a 2.0.1 TriggerMessage can ask for (MessageTriggerEnumType); the API names them alike.
TRIGGERS = ("BootNotification", "LogStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues",
            "SignChargingStationCertificate", "SignV2GCertificate", "StatusNotification", "TransactionEvent",
            "SignCombinedCertificate", "PublishFirmwareStatusNotification")
SCHEDULED = "The change takes effect when the transactions in progress have finished (Scheduled)."


def _evse(evse: int | None) -> dict[str, Any]:
    return {"evse": {"id": evse}} if evse else {}


def _scheduled(answer: dict[str, Any]) -> Result:
    result = read_status(answer, accepted=("Accepted", "Scheduled"))
    if result.status == "Scheduled":
        result.message = SCHEDULED
    elif result.status == "Rejected" and not result.message:
        result.message = "The charging station rejected the request (Rejected)."
    return result


@translates(V201, "reset")
def reset(kind: str, evse: int | None = None) -> Outgoing:
    payload: dict[str, Any] = {"type": "Immediate" if kind == "hard" else "OnIdle"}
    if evse:
        payload["evseId"] = evse
    return Outgoing("Reset", payload, read=_scheduled)


@translates(V201, "change_availability")
def change_availability(evse: int, operative: bool) -> Outgoing:
    return Outgoing("ChangeAvailability", {"operationalStatus": "Operative" if operative else "Inoperative",
                                           **_evse(evse)}, read=_scheduled)


@translates(V201, "unlock")
def unlock_connector(evse: int, connector: int | None = None) -> Outgoing:
    return Outgoing("UnlockConnector", {"evseId": evse, "connectorId": connector or 1}, read=_unlocked)


def _unlocked(answer: dict[str, Any]) -> Result:
    result = read_status(answer, accepted=("Unlocked",))
    messages = {"UnlockFailed": "The charging station could not unlock the connector (UnlockFailed).",
                "OngoingAuthorizedTransaction": "A transaction is in progress on the connector; stop it first "
                                                "(OngoingAuthorizedTransaction).",
                "UnknownConnector": "The charging station has no such connector (UnknownConnector)."}
    result.message = result.message or messages.get(result.status or "")
    return result


@translates(V201, "trigger_message")
def trigger_message(message: str, evse: int | None = None) -> Outgoing:
    if message not in TRIGGERS:
        raise Invalid.field("type", f"An OCPP 2.0.1 charging station cannot be asked for a {message}; "
                                    f"it can for {', '.join(TRIGGERS)}.")
    return Outgoing("TriggerMessage", {"requestedMessage": message, **_evse(evse)}, read=_triggered)


def _triggered(answer: dict[str, Any]) -> Result:
    result = read_status(answer)
    if result.status == "NotImplemented":
        result.message = result.message or "The charging station cannot send this message on request (NotImplemented)."
    return result


@translates(V201, "data_transfer")
def data_transfer(vendor_id: str, message_id: str | None = None, data: str | None = None) -> Outgoing:
    errors = {}
    if len(vendor_id) > 255:
        errors["vendorId"] = ["The vendorId has at most 255 characters in OCPP 2.0.1."]
    if message_id is not None and len(message_id) > 50:
        errors["messageId"] = ["The messageId has at most 50 characters in OCPP 2.0.1."]
    if errors:
        raise Invalid(errors)
    payload: dict[str, Any] = {"vendorId": vendor_id}
    if message_id is not None:
        payload["messageId"] = message_id
    if data is not None:
        payload["data"] = data
    return Outgoing("DataTransfer", payload, read=_transferred)


def _transferred(answer: dict[str, Any]) -> Result:
    """2.0.1 data may be any JSON; the API's is a string: anything else is passed as its JSON text."""
    result = read_status(answer)
    data = answer.get("data")
    if data is not None and not isinstance(data, str):
        result.data = {**answer, "data": json.dumps(data, separators=(",", ":"))}
    return result


@translates(V201, "local_list_version")
def get_local_list_version() -> Outgoing:
    return Outgoing("GetLocalListVersion", {},
                    read=lambda answer: Result(accepted=True, status="Accepted",
                                               data={"version": answer["versionNumber"]}))


@translates(V201, "send_local_list")
def send_local_list(version: int, entries: list[dict[str, Any]], full: bool) -> Outgoing:
    return Outgoing("SendLocalList", {"versionNumber": version, "updateType": "Full" if full else "Differential",
                                      "localAuthorizationList": [_entry(e) for e in entries]}, read=_sent)


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry in 1.6 words (idTag, status, expiryDate, parentIdTag) as an AuthorizationData."""
    item: dict[str, Any] = {"idToken": token_of(entry["idTag"])}
    if entry.get("status") is None:
        return item  # removal (differential)
    info: dict[str, Any] = {"status": entry["status"]}
    if entry.get("expiryDate") is not None:
        info["cacheExpiryDateTime"] = entry["expiryDate"]
    if entry.get("parentIdTag") is not None:
        info["groupIdToken"] = {"idToken": entry["parentIdTag"], "type": CENTRAL}
    item["idTokenInfo"] = info
    return item


def _sent(answer: dict[str, Any]) -> Result:
    result = read_status(answer)
    messages = {"Failed": "The charging station failed to update its local list (Failed).",
                "VersionMismatch": "The charging station's list version does not fit this differential update "
                                   "(VersionMismatch); send the full list."}
    result.message = result.message or messages.get(result.status or "")
    return result


@translates(V201, "clear_cache")
def clear_cache() -> Outgoing:
    return Outgoing("ClearCache", {})
