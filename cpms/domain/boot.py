"""A charger announcing itself: what it is, and whether it may start operating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.bulk import update_rows
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points

BOOT_FIELDS = ("model", "vendor", "chargeBoxSerialNumber", "chargePointSerialNumber", "firmwareVersion", "iccid",
               "imsi", "meterSerialNumber", "meterType")


async def record_boot(tx: Tx, charge_point_id: int, info: dict[str, Any], now: datetime,
                      reason: str | None = None) -> str:
    """Store the boot notification; returns the charge point's operating status (enabled, disabled ...)."""
    return (await record_many(tx, [Boot(charge_point_id, info, now, reason)]))[0]


@dataclass
class Boot:
    charge_point_id: int
    info: dict[str, Any]
    now: datetime
    reason: str | None = None


async def record_many(tx: Tx, boots: list[Boot]) -> list[str]:
    """`record_boot` for many chargers in a few statements (a reconnect storm boots thousands at once)."""
    t = charge_points
    ids = sorted({b.charge_point_id for b in boots})
    statuses = dict((await tx.conn.execute(select(t.c.id, t.c.status).where(t.c.id.in_(ids)))).all())
    changes: dict[int, dict[str, Any]] = {}
    events = []
    for b in boots:
        if b.charge_point_id not in statuses:
            raise LookupError(f"charge point {b.charge_point_id} does not exist")
        boot = {k: b.info.get(k) for k in BOOT_FIELDS}
        boot["lastUpdatedAt"] = iso(b.now)
        if b.reason is not None:
            boot["reason"] = b.reason
        changes[b.charge_point_id] = {"last_boot_notification": boot, "last_updated_at": b.now}
        events.append(Event("chargePoint.boot", "chargePoint", b.charge_point_id, {"bootNotification": boot}, b.now))
        events.append(Event("chargePoint.changed", "chargePoint", b.charge_point_id,
                            {"action": "updated", "source": "ocpp"}, b.now))
    await update_rows(tx.conn, t, changes)
    await tx.emit_many(events)
    return [statuses[b.charge_point_id] for b in boots]
