"""Notifications about what chargers tell over OCPP: boots, connectivity, hardware status, uploads,
security events, configuration, data transfers and charging profiles they took.

The domain events carry the facts in the domain's words; the mappers here put them in each
callback's words (`shaped` keeps the result inside the callback's schema).
"""

from __future__ import annotations

from typing import Any

from cpms.clock import iso
from cpms.webhooks.notifications import BuildContext, callback_schema, notification
from cpms.webhooks.payloads.builders import conform, entity_id, from_data, object_schema, shaped

# the domain's network status -> the contract's
NETWORK_STATUSES = {"available": "available", "temporarily_unavailable": "temporarily unavailable",
                    "long-term_unavailable": "long-term unavailable", "never_connected": "never connected"}
# the domain's boot fields -> the callback's (snake case there)
BOOT_FIELDS = {"model": "model", "vendor": "vendor", "chargeBoxSerialNumber": "charge_box_serial_number",
               "chargePointSerialNumber": "charge_point_serial_number", "firmwareVersion": "firmware_version",
               "iccid": "iccid", "imsi": "imsi", "meterSerialNumber": "meter_serial_number",
               "meterType": "meter_type", "reason": "reason"}
# OCPP 2.0.1 log upload outcomes the 1.6 words of the callback can say (the failures are failures)
UPLOAD_STATUSES = {"uploadfailure": "uploadfailed", "badmessage": "uploadfailed", "permissiondenied": "uploadfailed",
                   "notsupportedoperation": "uploadfailed"}


def charge_point(ctx: BuildContext) -> int:
    return int(ctx.event.data.get("chargePointId") or entity_id(ctx.event.entity_id))


def boot(ctx: BuildContext) -> dict[str, Any] | None:
    info = ctx.event.data.get("bootNotification")
    if not isinstance(info, dict):
        return None
    return {"chargePointId": charge_point(ctx), "timestamp": iso(ctx.event.at),
            "bootNotification": {wire: info.get(name) for name, wire in BOOT_FIELDS.items()}}


def network_status(ctx: BuildContext) -> dict[str, Any]:
    status = ctx.event.data.get("networkStatus")
    return {"chargePointId": charge_point(ctx), "timestamp": iso(ctx.event.at),
            "networkStatus": NETWORK_STATUSES.get(status, status)}


def hardware_status(ctx: BuildContext) -> dict[str, Any]:
    """The charge point's own status (no evseId) or an EVSE's (its id)."""
    data = ctx.event.data
    return {"chargePointId": charge_point(ctx), "evseId": data.get("evseId"),
            "timestamp": data.get("timestamp") or iso(ctx.event.at), "hardwareStatus": data.get("hardwareStatus"),
            **{k: data.get(k) for k in ("errorCode", "info", "vendorId", "vendorErrorCode")}}


def diagnostics_status(ctx: BuildContext) -> dict[str, Any]:
    data = ctx.event.data
    status = data.get("status")
    return {"chargePointId": charge_point(ctx), "requestId": data.get("requestId"),
            "status": UPLOAD_STATUSES.get(status, status),
            "lastUpdatedAt": data.get("lastUpdatedAt") or iso(ctx.event.at)}


def security_event(ctx: BuildContext) -> dict[str, Any]:
    """Types outside the callback's list (2.0.1 adds some) leave the payload incomplete: not sent."""
    data = ctx.event.data
    return {"chargePointId": charge_point(ctx), **{k: data.get(k) for k in ("type", "timestamp", "techInfo",
                                                                             "critical")}}


def _configuration_keys() -> frozenset[str]:
    item = callback_schema("ChargePointSyncConfigurationNotification")["properties"]["configuration"]["items"]
    return frozenset(v for member in item["properties"]["key"].get("allOf", ()) for v in member.get("enum", ()))


CONFIGURATION_KEYS = _configuration_keys()


def configuration_synced(ctx: BuildContext) -> dict[str, Any]:
    """The callback names only OCPP 1.6's standard keys: the others (vendor keys, 2.0.1 variables
    of another name) are left out, as the v1.0 configurations resource does; a value the charger
    did not report is an empty string."""
    data = ctx.event.data
    seen: set[str] = set()
    configuration = []
    for item in data.get("configuration") or ():
        key = item.get("key")
        if key not in CONFIGURATION_KEYS or key in seen:
            continue
        seen.add(key)
        configuration.append({"key": key, "value": item.get("value") or "", "readonly": bool(item.get("readonly")),
                              "timestamp": item.get("timestamp"), "lastUpdatedAt": item.get("lastUpdatedAt")})
    return {"chargePointId": charge_point(ctx), "requestId": data.get("requestId"), "configuration": configuration}


def charging_profile_applied(ctx: BuildContext) -> dict[str, Any] | None:
    data = ctx.event.data
    profile = data.get("chargingProfile")
    if not isinstance(profile, dict):
        return None
    schema = object_schema(ctx.name, "chargingProfile")
    return {"chargePointId": data.get("chargePointId"), "evseId": data.get("evseId"),
            "sessionId": data.get("sessionId"), "chargingProfile": conform(profile, schema, {}),
            "appliedAt": data.get("appliedAt") or iso(ctx.event.at)}


notification("BootNotification", on="chargePoint.boot", build=shaped(boot))
notification("NetworkStatusNotification", on="chargePoint.networkStatus", build=shaped(network_status))
notification("HardwareStatusNotification", on="chargePoint.hardwareStatus", build=shaped(hardware_status))
notification("HardwareStatusNotification", on="evse.hardwareStatus", build=shaped(hardware_status))
notification("DiagnosticsStatusNotification", on="chargePoint.diagnosticsStatus", build=shaped(diagnostics_status))
notification("SecurityEventNotification", on="chargePoint.securityEvent", build=shaped(security_event))
notification("ChargePointSyncConfigurationNotification", on="chargePoint.configurationSynced",
             build=shaped(configuration_synced))
notification("chargePoint.dataTransferReceived", on="chargePoint.dataTransferReceived", build=shaped(from_data()))
notification("chargingProfile.applied", on="chargingProfile.applied", build=shaped(charging_profile_applied))
