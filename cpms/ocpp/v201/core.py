"""OCPP 2.0.1 provisioning: boot and heartbeat."""

from __future__ import annotations

from typing import Any

from cpms.clock import iso
from cpms.domain import boot
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201


@on(V201, "BootNotification")
async def boot_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    station = payload["chargingStation"]
    modem = station.get("modem") or {}
    info = {
        "model": station["model"],
        "vendor": station["vendorName"],
        "chargeBoxSerialNumber": None,
        "chargePointSerialNumber": station.get("serialNumber"),
        "firmwareVersion": station.get("firmwareVersion"),
        "iccid": modem.get("iccid"),
        "imsi": modem.get("imsi"),
        "meterSerialNumber": None,
        "meterType": None,
    }
    now = ctx.now()
    status = await ctx.rt.db.batch_bulk(boot.record_many,
                                        boot.Boot(ctx.charge_point_id, info, now, payload.get("reason")))
    settings = ctx.rt.settings
    accepted = status != "disabled" or not settings.boot_pending_when_disabled
    return {"status": "Accepted" if accepted else "Pending", "currentTime": iso(ctx.now()),
            "interval": settings.heartbeat_interval}


@on(V201, "Heartbeat")
async def heartbeat(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": iso(ctx.now())}
