"""OCPP 1.6 remote control: ChangeAvailability, UnlockConnector, TriggerMessage, DataTransfer.

An EVSE is a 1.6 connector (its network id); 0 or None is the charge point as a whole.
"""

from __future__ import annotations

from typing import Any

from cpms.errors import Invalid
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.versions import V16

# The messages a 1.6 TriggerMessage can ask for (MessageTrigger); the API names them alike.
TRIGGERS = ("BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
            "MeterValues", "StatusNotification")


@translates(V16, "change_availability")
def change_availability(evse: int, operative: bool) -> Outgoing:
    return Outgoing("ChangeAvailability", {"connectorId": evse, "type": "Operative" if operative else "Inoperative"},
                    read=_availability)


def _availability(answer: dict[str, Any]) -> Result:
    """Scheduled: accepted, carried out once the transactions in progress end."""
    result = read_status(answer, accepted=("Accepted", "Scheduled"))
    if result.status == "Scheduled":
        result.message = "The change takes effect when the transactions in progress have finished."
    return result


@translates(V16, "unlock")
def unlock_connector(evse: int, connector: int | None = None) -> Outgoing:
    return Outgoing("UnlockConnector", {"connectorId": evse}, read=_unlocked)


def _unlocked(answer: dict[str, Any]) -> Result:
    result = read_status(answer, accepted=("Unlocked",))
    if result.status == "UnlockFailed":
        result.message = "The charge point could not unlock the connector (UnlockFailed)."
    elif result.status == "NotSupported":
        result.message = "The connector cannot be unlocked, e.g. a fixed cable (NotSupported)."
    return result


@translates(V16, "trigger_message")
def trigger_message(message: str, evse: int | None = None) -> Outgoing:
    if message not in TRIGGERS:
        raise Invalid.field("type", f"An OCPP 1.6 charge point cannot be asked for a {message}; "
                                    f"it can for {', '.join(TRIGGERS)}.")
    payload: dict[str, Any] = {"requestedMessage": message}
    if evse:
        payload["connectorId"] = evse
    return Outgoing("TriggerMessage", payload)


@translates(V16, "data_transfer")
def data_transfer(vendor_id: str, message_id: str | None = None, data: str | None = None) -> Outgoing:
    errors = {}
    if len(vendor_id) > 255:
        errors["vendorId"] = ["The vendorId has at most 255 characters in OCPP 1.6."]
    if message_id is not None and len(message_id) > 50:
        errors["messageId"] = ["The messageId has at most 50 characters in OCPP 1.6."]
    if errors:
        raise Invalid(errors)
    payload = {"vendorId": vendor_id}
    if message_id is not None:
        payload["messageId"] = message_id
    if data is not None:
        payload["data"] = data
    return Outgoing("DataTransfer", payload)
