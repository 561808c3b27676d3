"""Maintenance actions on a charge point: diagnostics, security log, firmware update, disconnect.

Uploads and updates are opened as requests before the command goes out (their id is the
`requestId` the API answers and the charger's notifications name), then the charger's answer is
recorded on them. An offline charger is refused before anything is written.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cpms.api.actions.charger import answer, charge_point_id, refusal, run
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.clock import parse_iso
from cpms.domain import diagnostics, firmware
from cpms.errors import Conflict, Invalid
from cpms.ocpp.commands import Result

log = logging.getLogger("cpms.api")

MAX_LOCATION = 512  # the longest upload/download location OCPP 1.6's security extension carries
MAX_SIGNATURE, MAX_SIGNING_CERTIFICATE = 800, 5500
MAX_CLOSE_REASON_BYTES = 123  # a WebSocket close frame's reason


def location(body: dict[str, Any], name: str) -> str:
    """An absolute URL the charger can reach (upload target or firmware image)."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Invalid.field(name, f"The {name} field is required.")
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        raise Invalid.field(name, f"The {name} must be an absolute URL (such as ftp://host/path).")
    if len(value) > MAX_LOCATION:
        raise Invalid.field(name, f"The {name} may not be greater than {MAX_LOCATION} characters.")
    return value


def moment(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        raise Invalid.field(name, f"The {name} must be an ISO 8601 date-time.") from None


def period(body: dict[str, Any], start: str, stop: str) -> tuple[datetime | None, datetime | None]:
    begin, end = moment(body, start), moment(body, stop)
    if begin is not None and end is not None and end < begin:
        raise Invalid.field(stop, f"The {stop} must be a date after or equal to {start}.")
    return begin, end


async def connected(call: Call) -> tuple[int, Reply | None]:
    """The charge point's id (404 if unknown), and the refusal to answer when it is offline."""
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
    gateway = call.rt.component("gateway")
    if gateway is None or not gateway.is_connected(cp_id):
        return cp_id, refusal(call, f"Charge point {cp_id} is not connected.", errorCode="OFFLINE")
    return cp_id, None


def outcome(result: Result | Reply) -> str:
    """What to record on the request: the charger's answer, or that none came."""
    if isinstance(result, Reply):
        return "unanswered"
    return "accepted" if result.accepted else (result.status or "rejected")


@registry.operation("chargePointGetDiagnostics")
async def get_diagnostics(call: Call) -> Reply:
    body = call.body
    target = location(body, "location")
    start, stop = period(body, "start", "stop")
    cp_id, offline = await connected(call)
    if offline:
        return offline
    async with call.rt.db.write() as tx:
        request_id = await diagnostics.open_request(tx, cp_id, diagnostics.DIAGNOSTICS, target, call.rt.clock.now(),
                                                    {"start": body.get("start"), "stop": body.get("stop")})
    result = await run(call, cp_id, "get_diagnostics",
                       {"location": target, "request_id": request_id, "start": start, "stop": stop})
    file_name = result.data.get("fileName") if isinstance(result, Result) else None
    async with call.rt.db.write() as tx:
        await diagnostics.record_answer(tx, request_id, outcome(result), file_name, call.rt.clock.now())
    if isinstance(result, Reply):
        return result
    if not result.accepted:
        return answer(call, result)
    reply: dict[str, Any] = {"success": True, "requestId": request_id}
    if file_name:
        reply["fileName"] = file_name
    return Reply(reply, call.op.success_status)


@registry.operation("chargePointGetSecurityLog")
async def get_security_log(call: Call) -> Reply:
    body = call.body
    target = location(body, "url")
    oldest, latest = period(body, "startTime", "stopTime")
    cp_id, offline = await connected(call)
    if offline:
        return offline
    async with call.rt.db.write() as tx:
        request_id = await diagnostics.open_request(
            tx, cp_id, diagnostics.SECURITY_LOG, target, call.rt.clock.now(),
            {"reason": body.get("reason"), "retries": body.get("retries"), "interval": body.get("interval"),
             "startTime": body.get("startTime"), "stopTime": body.get("stopTime")})
    result = await run(call, cp_id, "get_log", {
        "log_type": diagnostics.SECURITY_LOG, "request_id": request_id, "location": target, "oldest": oldest,
        "latest": latest, "retries": body.get("retries"), "interval": body.get("interval")})
    file_name = result.data.get("filename") if isinstance(result, Result) else None
    async with call.rt.db.write() as tx:
        await diagnostics.record_answer(tx, request_id, outcome(result), file_name, call.rt.clock.now())
        request = await diagnostics.find(tx, request_id)
    if isinstance(result, Reply):
        return result
    if not result.accepted:
        return answer(call, result)
    assert request is not None
    data: dict[str, Any] = {"id": request_id, "status": request["status"], "logType": diagnostics.SECURITY_LOG,
                            "chargePointId": cp_id}
    if request["file_name"]:
        data["file_name"] = request["file_name"]
    return Reply({"data": data}, call.op.success_status)


def firmware_source(body: dict[str, Any]) -> str:
    if not body.get("url") and body.get("firmwareVersionId") is not None:
        raise Invalid.field("firmwareVersionId", "Firmware versions are not kept by cpms: give the firmware's url.")
    target = location(body, "url")
    protocol = body.get("downloadUrlProtocol")
    if protocol and urlsplit(target).scheme.lower() != protocol:
        raise Invalid.field("url", f"The url must use {protocol}, as downloadUrlProtocol says.")
    return target


def signed_parts(body: dict[str, Any]) -> tuple[str | None, str | None]:
    if not body.get("signed"):
        return None, None
    errors: dict[str, list[str]] = {}
    for name, limit in (("signingCertificate", MAX_SIGNING_CERTIFICATE), ("signature", MAX_SIGNATURE)):
        value = body.get(name)
        if not value:
            errors[name] = [f"The {name} field is required when signed is true."]
        elif len(value) > limit:
            errors[name] = [f"The {name} may not be greater than {limit} characters."]
    if errors:
        raise Invalid(errors)
    return body["signingCertificate"], body["signature"]


@registry.operation("chargePointUpdateFirmware")
async def update_firmware(call: Call) -> Reply:
    body = call.body
    target = firmware_source(body)
    signing_certificate, signature = signed_parts(body)
    retrieve_at = moment(body, "retrieveAfter") or call.rt.clock.now()
    signed = bool(body.get("signed"))
    cp_id, offline = await connected(call)
    if offline:
        return offline
    async with call.rt.db.write() as tx:
        update_id = await firmware.open_update(tx, cp_id, target, retrieve_at, signed, call.rt.clock.now(),
                                               {"retries": body.get("retries"), "interval": body.get("interval")})
    result = await run(call, cp_id, "update_firmware", {
        "location": target, "retrieve_at": retrieve_at, "request_id": update_id, "signed": signed,
        "signing_certificate": signing_certificate, "signature": signature, "retries": body.get("retries"),
        "interval": body.get("interval")})
    async with call.rt.db.write() as tx:
        await firmware.record_answer(tx, update_id, outcome(result), call.rt.clock.now())
    if isinstance(result, Reply):
        return result
    return answer(call, result, requestId=update_id)


@registry.operation("chargePointDisconnect")
async def disconnect(call: Call) -> Reply:
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
    gateway = call.rt.component("gateway")
    connection = gateway.connection(cp_id) if gateway is not None else None
    if connection is None or connection.closed:
        raise Conflict(f"Charge point {cp_id} is not connected.")
    reason = call.body["reason"]
    log.info("closing the connection of charge point %s on request: %s", cp_id, reason)
    await connection.close(1000, reason.encode()[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore"))
    return Reply({"success": True}, call.op.success_status)
