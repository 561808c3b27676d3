"""Firmware updates chargers are asked for, and the progress they report.

Like log requests (`cpms.domain.diagnostics`), an update is opened before the command is sent:
its id is the OCPP requestId of a signed update, and a status notification racing the answer
finds it. Statuses are `requested`, the charger's answer (`accepted`, `rejected`,
`invalidcertificate` ...), then its progress in lower case (`downloading`, `installed`,
`invalidsignature` ...). A report that changes nothing writes nothing; `idle` never overwrites a
finished update. Changes are announced as "chargePoint.firmwareStatus" (data: chargePointId,
requestId, status, previousStatus, signed, lastUpdatedAt).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.ocpp import firmware_updates

REQUESTED = "requested"
FINISHED = frozenset({"installed", "installationfailed", "downloadfailed", "installverificationfailed",
                      "invalidsignature", "rejected", "invalidcertificate", "revokedcertificate"})


async def open_update(tx: Tx, charge_point_id: int, location: str, retrieve_at: datetime, signed: bool,
                      now: datetime, details: dict[str, Any] | None = None) -> int:
    result = await tx.conn.execute(insert(firmware_updates).values(
        charge_point_id=charge_point_id, location=location, retrieve_at=retrieve_at, signed=signed,
        status=REQUESTED, attrs={k: v for k, v in (details or {}).items() if v is not None}, created_at=now,
        last_updated_at=now,
    ).returning(firmware_updates.c.id))
    return int(result.scalar_one())


async def record_answer(tx: Tx, update_id: int, status: str, now: datetime) -> None:
    t = firmware_updates.c
    await tx.conn.execute(update(firmware_updates).where(t.id == update_id, t.status == REQUESTED)
                          .values(status=status.lower(), last_updated_at=now))


async def record_firmware_status(tx: Tx, charge_point_id: int, status: str, now: datetime,
                                 request_id: int | None = None) -> int | None:
    """A progress report: about `request_id` when the charger names it, else its latest update.

    Returns the update's id when the report changed it, None otherwise (nothing written).
    """
    t = firmware_updates.c
    where = [t.charge_point_id == charge_point_id]
    if request_id is not None:
        where.append(t.id == request_id)
    row = (await tx.conn.execute(select(t.id, t.status, t.signed).where(*where).order_by(t.id.desc()).limit(1))).first()
    status = status.lower()
    if row is None or row.status == status or (status == "idle" and row.status in FINISHED):
        return None
    await tx.conn.execute(update(firmware_updates).where(t.id == row.id).values(status=status, last_updated_at=now))
    await tx.emit(Event("chargePoint.firmwareStatus", "chargePoint", charge_point_id,
                        {"chargePointId": charge_point_id, "requestId": row.id, "status": status,
                         "previousStatus": row.status, "signed": row.signed, "lastUpdatedAt": iso(now)}, now))
    return int(row.id)
