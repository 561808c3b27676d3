"""OCPP 1.6 firmware management and diagnostics, with the security extension's signed firmware and logs.

Commands: `update_firmware` (UpdateFirmware, or SignedUpdateFirmware for signed firmware),
`get_diagnostics` (GetDiagnostics), `get_log` (GetLog). Notifications: FirmwareStatusNotification,
SignedFirmwareStatusNotification, DiagnosticsStatusNotification, LogStatusNotification.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cpms.clock import iso
from cpms.domain import diagnostics, firmware
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V16
from cpms.storage.db import Tx


def _options(payload: dict[str, Any], retries: int | None, interval: int | None) -> dict[str, Any]:
    if retries is not None:
        payload["retries"] = retries
    if interval is not None:
        payload["retryInterval"] = interval
    return payload


def _always_accepted(answer: dict[str, Any]) -> Result:
    """1.6 UpdateFirmware and GetDiagnostics have no status: an answer is an acceptance."""
    return Result(accepted=True, status="Accepted", data=answer)


@translates(V16, "update_firmware")
def update_firmware(location: str, retrieve_at: datetime, request_id: int, signed: bool = False,
                    signing_certificate: str | None = None, signature: str | None = None,
                    install_at: datetime | None = None, retries: int | None = None,
                    interval: int | None = None) -> Outgoing:
    if not signed:
        return Outgoing("UpdateFirmware", _options({"location": location, "retrieveDate": iso(retrieve_at)},
                                                   retries, interval), read=_always_accepted)
    image: dict[str, Any] = {"location": location, "retrieveDateTime": iso(retrieve_at),
                             "signingCertificate": signing_certificate, "signature": signature}
    if install_at is not None:
        image["installDateTime"] = iso(install_at)
    return Outgoing("SignedUpdateFirmware", _options({"requestId": request_id, "firmware": image}, retries, interval),
                    read=lambda answer: read_status(answer, ("Accepted", "AcceptedCanceled")))


@translates(V16, "get_diagnostics")
def get_diagnostics(location: str, request_id: int, start: datetime | None = None, stop: datetime | None = None,
                    retries: int | None = None, interval: int | None = None) -> Outgoing:
    payload: dict[str, Any] = {"location": location}
    if start is not None:
        payload["startTime"] = iso(start)
    if stop is not None:
        payload["stopTime"] = iso(stop)
    return Outgoing("GetDiagnostics", _options(payload, retries, interval), read=_always_accepted)


@translates(V16, "get_log")
def get_log(log_type: str, request_id: int, location: str, oldest: datetime | None = None,
            latest: datetime | None = None, retries: int | None = None, interval: int | None = None) -> Outgoing:
    parameters: dict[str, Any] = {"remoteLocation": location}
    if oldest is not None:
        parameters["oldestTimestamp"] = iso(oldest)
    if latest is not None:
        parameters["latestTimestamp"] = iso(latest)
    return Outgoing("GetLog", _options({"logType": log_type, "requestId": request_id, "log": parameters},
                                       retries, interval),
                    read=lambda answer: read_status(answer, ("Accepted", "AcceptedCanceled")))


@on(V16, "FirmwareStatusNotification", once=True)
async def firmware_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await _firmware_status(ctx, payload["status"], None)
    return {}


@on(V16, "SignedFirmwareStatusNotification", once=True)
async def signed_firmware_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await _firmware_status(ctx, payload["status"], payload.get("requestId"))
    return {}


@on(V16, "DiagnosticsStatusNotification", once=True)
async def diagnostics_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.record(lambda tx, now: diagnostics.record_diagnostics_status(
        tx, ctx.charge_point_id, payload["status"], now))
    return {}


@on(V16, "LogStatusNotification", once=True)
async def log_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    now = ctx.now()
    request_id = payload.get("requestId")

    async def job(tx: Tx) -> Any:
        return await diagnostics.record_log_status(tx, ctx.charge_point_id, request_id, payload["status"], now)

    await ctx.rt.db.batch(job)
    return {}


async def _firmware_status(ctx: ChargerContext, status: str, request_id: int | None) -> None:
    await ctx.record(lambda tx, now: firmware.record_firmware_status(tx, ctx.charge_point_id, status, now, request_id))
