"""OCPP 1.6 Core profile: boot and heartbeat."""

from __future__ import annotations

from typing import Any

from cpms.clock import iso
from cpms.domain import boot
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V16


@on(V16, "BootNotification")
async def boot_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    info = {
        "model": payload["chargePointModel"],
        "vendor": payload["chargePointVendor"],
        "chargeBoxSerialNumber": payload.get("chargeBoxSerialNumber"),
        "chargePointSerialNumber": payload.get("chargePointSerialNumber"),
        "firmwareVersion": payload.get("firmwareVersion"),
        "iccid": payload.get("iccid"),
        "imsi": payload.get("imsi"),
        "meterSerialNumber": payload.get("meterSerialNumber"),
        "meterType": payload.get("meterType"),
    }
    now = ctx.now()
    status = await ctx.rt.db.batch_bulk(boot.record_many, boot.Boot(ctx.charge_point_id, info, now))
    settings = ctx.rt.settings
    # A charge point the operator has not enabled is held in Pending: it retries later, nothing is lost.
    accepted = status != "disabled" or not settings.boot_pending_when_disabled
    return {"status": "Accepted" if accepted else "Pending", "currentTime": iso(ctx.now()),
            "interval": settings.heartbeat_interval}


@on(V16, "Heartbeat")
async def heartbeat(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": iso(ctx.now())}
