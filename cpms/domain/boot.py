"""A charger announcing itself: what it is, and whether it may start operating."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points

BOOT_FIELDS = ("model", "vendor", "chargeBoxSerialNumber", "chargePointSerialNumber", "firmwareVersion", "iccid",
               "imsi", "meterSerialNumber", "meterType")


async def record_boot(tx: Tx, charge_point_id: int, info: dict[str, Any], now: datetime,
                      reason: str | None = None) -> str:
    """Store the boot notification; returns the charge point's operating status (enabled, disabled ...)."""
    t = charge_points
    status = (await tx.conn.execute(select(t.c.status).where(t.c.id == charge_point_id))).scalar_one()
    boot = {k: info.get(k) for k in BOOT_FIELDS}
    boot["lastUpdatedAt"] = iso(now)
    if reason is not None:
        boot["reason"] = reason
    await tx.conn.execute(update(t).where(t.c.id == charge_point_id)
                          .values(last_boot_notification=boot, last_updated_at=now))
    await tx.emit(Event("chargePoint.boot", "chargePoint", charge_point_id, {"bootNotification": boot}, now))
    await tx.emit(Event("chargePoint.changed", "chargePoint", charge_point_id, {"action": "updated", "source": "ocpp"}, now))
    return status
