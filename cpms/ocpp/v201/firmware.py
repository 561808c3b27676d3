"""OCPP 2.0.1 firmware management (functional block L).

Command: `update_firmware` is UpdateFirmware, signed or not (2.0.1 has one message: a signed
update carries signingCertificate and signature in its firmware). The requestId is the firmware
update's id, as for 1.6 SignedUpdateFirmware. Notifications: FirmwareStatusNotification (progress
of the update its requestId names, else of the latest), PublishFirmwareStatusNotification (a
local controller publishing firmware: cpms never asks for that, so the report is only kept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cpms.clock import iso
from cpms.domain import firmware
from cpms.domain.data_transfer import record_report
from cpms.ocpp.commands import Outgoing, read_status, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201

UPDATE_ACCEPTED = ("Accepted", "AcceptedCanceled")


def with_retries(payload: dict[str, Any], retries: int | None, interval: int | None) -> dict[str, Any]:
    if retries is not None:
        payload["retries"] = retries
    if interval is not None:
        payload["retryInterval"] = interval
    return payload


@translates(V201, "update_firmware")
def update_firmware(location: str, retrieve_at: datetime, request_id: int, signed: bool = False,
                    signing_certificate: str | None = None, signature: str | None = None,
                    install_at: datetime | None = None, retries: int | None = None,
                    interval: int | None = None) -> Outgoing:
    image: dict[str, Any] = {"location": location, "retrieveDateTime": iso(retrieve_at)}
    if install_at is not None:
        image["installDateTime"] = iso(install_at)
    if signed:
        image["signingCertificate"] = signing_certificate
        image["signature"] = signature
    return Outgoing("UpdateFirmware", with_retries({"requestId": request_id, "firmware": image}, retries, interval),
                    read=lambda answer: read_status(answer, UPDATE_ACCEPTED))


@on(V201, "FirmwareStatusNotification", once=True)
async def firmware_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.record(lambda tx, now: firmware.record_firmware_status(
        tx, ctx.charge_point_id, payload["status"], now, payload.get("requestId")))
    return {}


@on(V201, "PublishFirmwareStatusNotification", once=True)
async def publish_firmware_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.record(lambda tx, now: record_report(
        tx, ctx.charge_point_id, "PublishFirmwareStatusNotification", payload, now,
        request_id=payload.get("requestId"), status=payload["status"]))
    return {}
