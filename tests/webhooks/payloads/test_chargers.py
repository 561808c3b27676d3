"""Charger notifications (OCPP side): each domain event, as the domain emits it, becomes its callback's payload."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from cpms.events import Event
from tests.webhooks.conftest import assert_valid, build

AT = datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
WHEN = "2024-05-01T08:30:15.123456Z"
BOOT = {"model": "M-22", "vendor": "Volt", "chargeBoxSerialNumber": "BOX-1", "chargePointSerialNumber": None,
        "firmwareVersion": "1.2.3", "iccid": None, "imsi": None, "meterSerialNumber": None, "meterType": None,
        "lastUpdatedAt": WHEN, "reason": "PowerUp"}


def cp_event(event_type: str, data: dict[str, Any], entity: str = "chargePoint", entity_id: int = 7) -> Event:
    return Event(type=event_type, entity=entity, entity_id=str(entity_id), data=data, at=AT, id=1)


async def payload_of(server: Any, name: str, event: Event) -> dict[str, Any] | None:
    payload = await build(server, name, event)
    if payload is not None:
        assert_valid(name, payload)
    return payload


async def test_boot_notification_in_the_callbacks_snake_case(server) -> None:
    payload = await payload_of(server, "BootNotification", cp_event("chargePoint.boot", {"bootNotification": BOOT}))
    assert payload == {"chargePointId": 7, "timestamp": WHEN, "bootNotification": {
        "model": "M-22", "vendor": "Volt", "charge_box_serial_number": "BOX-1", "charge_point_serial_number": None,
        "firmware_version": "1.2.3", "iccid": None, "imsi": None, "meter_serial_number": None, "meter_type": None,
        "reason": "PowerUp"}}


@pytest.mark.parametrize("domain,wire", [("available", "available"),
                                         ("temporarily_unavailable", "temporarily unavailable"),
                                         ("long-term_unavailable", "long-term unavailable")])
async def test_network_status_in_the_contracts_words(server, domain, wire) -> None:
    event = cp_event("chargePoint.networkStatus", {"networkStatus": domain, "previous": "available"})
    assert await payload_of(server, "NetworkStatusNotification", event) == {
        "chargePointId": 7, "timestamp": WHEN, "networkStatus": wire}


async def test_hardware_status_of_the_charge_point_has_no_evse(server) -> None:
    event = cp_event("chargePoint.hardwareStatus", {
        "chargePointId": 7, "timestamp": "2024-05-01T08:00:00Z", "hardwareStatus": "faulted",
        "errorCode": "GroundFailure", "info": None, "vendorId": "Volt", "vendorErrorCode": "E17",
        "previousHardwareStatus": "available"})
    assert await payload_of(server, "HardwareStatusNotification", event) == {
        "chargePointId": 7, "timestamp": "2024-05-01T08:00:00Z", "hardwareStatus": "faulted",
        "errorCode": "GroundFailure", "info": None, "vendorId": "Volt", "vendorErrorCode": "E17"}


async def test_hardware_status_of_an_evse_names_it_and_a_status_the_callback_lacks_is_null(server) -> None:
    data = {"chargePointId": 7, "evseId": 12, "evseNetworkId": "1", "timestamp": WHEN, "hardwareStatus": "charging",
            "errorCode": "NoError", "info": None, "vendorId": None, "vendorErrorCode": None,
            "previousHardwareStatus": "preparing"}
    payload = await payload_of(server, "HardwareStatusNotification", cp_event("evse.hardwareStatus", data, "evse", 12))
    assert payload is not None and payload["evseId"] == 12 and payload["hardwareStatus"] == "charging"
    odd = await payload_of(server, "HardwareStatusNotification",
                           cp_event("evse.hardwareStatus", {**data, "hardwareStatus": "occupied"}, "evse", 12))
    assert odd is not None and odd["hardwareStatus"] is None


@pytest.mark.parametrize("status,sent", [("uploading", "uploading"), ("uploaded", "uploaded"), ("idle", "idle"),
                                         ("uploadfailed", "uploadfailed"), ("uploadfailure", "uploadfailed"),
                                         ("permissiondenied", "uploadfailed"), ("acceptedcanceled", None)])
async def test_diagnostics_status_in_the_callbacks_words_or_not_at_all(server, status, sent) -> None:
    event = cp_event("chargePoint.diagnosticsStatus", {"chargePointId": 7, "requestId": 3, "status": status,
                                                       "lastUpdatedAt": WHEN})
    payload = await payload_of(server, "DiagnosticsStatusNotification", event)
    if sent is None:
        assert payload is None
    else:
        assert payload == {"chargePointId": 7, "requestId": 3, "status": sent, "lastUpdatedAt": WHEN}


async def test_security_event_and_one_of_a_type_the_callback_does_not_list(server) -> None:
    data = {"id": 4, "chargePointId": 7, "type": "SettingSystemTime", "timestamp": WHEN, "critical": True}
    assert await payload_of(server, "SecurityEventNotification", cp_event("chargePoint.securityEvent", data)) == {
        "chargePointId": 7, "type": "SettingSystemTime", "timestamp": WHEN, "critical": True}
    with_info = await payload_of(server, "SecurityEventNotification",
                                 cp_event("chargePoint.securityEvent", {**data, "techInfo": "NTP"}))
    assert with_info is not None and with_info["techInfo"] == "NTP"
    unknown = {**data, "type": "InvalidCsmsCertificate"}  # OCPP 2.0.1's word: no such type in the callback
    assert await payload_of(server, "SecurityEventNotification", cp_event("chargePoint.securityEvent", unknown)) is None


async def test_configuration_sync_lists_the_standard_keys_the_callback_names(server) -> None:
    def item(key: str, value: str | None, **extra: Any) -> dict[str, Any]:
        return {"key": key, "value": value, "readonly": False, "timestamp": WHEN, "lastUpdatedAt": WHEN, **extra}

    event = cp_event("chargePoint.configurationSynced", {
        "chargePointId": 7, "requestId": 9, "unknownKeys": ["Nope"],
        "configuration": [item("HeartbeatInterval", "300"), item("VendorSecret", "x"),
                          item("MeterValuesSampledData", None), item("HeartbeatInterval", "60", componentName="C")]})
    payload = await payload_of(server, "ChargePointSyncConfigurationNotification", event)
    assert payload == {"chargePointId": 7, "requestId": 9, "configuration": [
        {"key": "HeartbeatInterval", "value": "300", "readonly": False, "timestamp": WHEN, "lastUpdatedAt": WHEN},
        {"key": "MeterValuesSampledData", "value": "", "readonly": False, "timestamp": WHEN, "lastUpdatedAt": WHEN}]}


async def test_data_transfer_received_as_the_charger_sent_it(server) -> None:
    event = cp_event("chargePoint.dataTransferReceived", {"chargePointId": 7, "vendorId": "Volt", "messageId": "m",
                                                          "data": "{\"a\": 1}"})
    assert await payload_of(server, "chargePoint.dataTransferReceived", event) == {
        "chargePointId": 7, "vendorId": "Volt", "messageId": "m", "data": "{\"a\": 1}"}
    bare = cp_event("chargePoint.dataTransferReceived", {"chargePointId": 7, "vendorId": "Volt"})
    assert await payload_of(server, "chargePoint.dataTransferReceived", bare) == {"chargePointId": 7,
                                                                                   "vendorId": "Volt"}


async def test_charging_profile_applied_with_its_shown_shape(server) -> None:
    profile = {"id": 5, "minChargingRate": None, "schedulePeriods": [{"startPeriod": 0, "limit": 16.0,
                                                                      "numberPhases": 3}],
               "scheduleStart": None, "chargingRateUnit": "A", "stackLevel": 1, "chargingProfileKind": "Absolute",
               "recurrencyKind": None, "chargingCompleteAt": None, "purpose": "TxDefaultProfile", "validTo": None,
               "validFrom": None, "duration": None}
    event = cp_event("chargingProfile.applied", {"chargePointId": 7, "evseId": None, "sessionId": None,
                                                 "chargingProfile": profile, "appliedAt": WHEN},
                     "chargingProfile", 5)
    payload = await payload_of(server, "chargingProfile.applied", event)
    assert payload is not None
    assert payload["chargePointId"] == 7 and payload["evseId"] is None and payload["sessionId"] is None
    assert payload["chargingProfile"]["id"] == 5 and payload["chargingProfile"]["purpose"] == "TxDefaultProfile"
    assert payload["appliedAt"] == WHEN
