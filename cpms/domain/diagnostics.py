"""Uploads chargers are asked for: diagnostics (OCPP 1.6 GetDiagnostics) and logs (GetLog).

A request is opened before the command is sent, so its id can be the OCPP requestId and so a
status notification racing the command's answer always finds it. Statuses are the charger's words
in lower case (`uploading`, `uploaded`, `uploadfailed` ...), after `requested` (sent, no answer)
and `accepted` / `rejected` (its answer). A report that changes nothing writes nothing; `idle`
never overwrites a finished upload. Changes are announced:

- "chargePoint.diagnosticsStatus" for diagnostics (data: chargePointId, requestId, status,
  lastUpdatedAt: what the DiagnosticsStatusNotification callback carries);
- "chargePoint.logStatus" for logs (data: the same plus logType).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.ocpp import log_requests

DIAGNOSTICS = "Diagnostics"
SECURITY_LOG = "SecurityLog"
DIAGNOSTICS_LOG = "DiagnosticsLog"
REQUESTED = "requested"
FINISHED = frozenset({"uploaded", "uploadfailed", "uploadfailure", "badmessage", "notsupportedoperation",
                      "permissiondenied", "rejected"})


async def open_request(tx: Tx, charge_point_id: int, log_type: str, location: str, now: datetime,
                       details: dict[str, Any] | None = None) -> int:
    result = await tx.conn.execute(insert(log_requests).values(
        charge_point_id=charge_point_id, log_type=log_type, location=location, status=REQUESTED,
        attrs={k: v for k, v in (details or {}).items() if v is not None}, created_at=now, last_updated_at=now,
    ).returning(log_requests.c.id))
    return int(result.scalar_one())


async def record_answer(tx: Tx, request_id: int, status: str, file_name: str | None, now: datetime) -> None:
    """The charger's answer to the request (accepted, rejected ... or `unanswered`)."""
    values: dict[str, Any] = {"status": status.lower(), "last_updated_at": now}
    if file_name:
        values["file_name"] = file_name
    t = log_requests.c
    # a notification may have overtaken the answer: keep the progress it reported
    await tx.conn.execute(update(log_requests).where(t.id == request_id, t.status == REQUESTED).values(values))
    if file_name:
        await tx.conn.execute(update(log_requests).where(t.id == request_id, t.file_name.is_(None))
                              .values(file_name=file_name))


async def find(tx: Tx, request_id: int) -> dict[str, Any] | None:
    row = (await tx.conn.execute(select(log_requests).where(log_requests.c.id == request_id))).first()
    return dict(row._mapping) if row is not None else None


async def record_diagnostics_status(tx: Tx, charge_point_id: int, status: str, now: datetime) -> int | None:
    """OCPP 1.6 DiagnosticsStatusNotification (no requestId): about the latest diagnostics request."""
    t = log_requests.c
    row = (await tx.conn.execute(select(t.id).where(t.charge_point_id == charge_point_id, t.log_type == DIAGNOSTICS)
                                 .order_by(t.id.desc()).limit(1))).first()
    if row is None:
        return None
    return row.id if await _progress(tx, charge_point_id, row.id, status, now) else None


async def record_log_status(tx: Tx, charge_point_id: int, request_id: int | None, status: str,
                            now: datetime) -> int | None:
    """LogStatusNotification: about `request_id` when given (whatever its type: OCPP 2.0.1 uploads
    diagnostics with GetLog too), else the latest log request that is not 1.6 diagnostics."""
    t = log_requests.c
    where = [t.charge_point_id == charge_point_id]
    if request_id is not None:
        where.append(t.id == request_id)
    else:
        where.append(t.log_type != DIAGNOSTICS)
    row = (await tx.conn.execute(select(t.id).where(*where).order_by(t.id.desc()).limit(1))).first()
    if row is None:
        return None
    return row.id if await _progress(tx, charge_point_id, row.id, status, now) else None


async def _progress(tx: Tx, charge_point_id: int, request_id: int, status: str, now: datetime) -> bool:
    status = status.lower()
    t = log_requests.c
    row = (await tx.conn.execute(select(t.status, t.log_type).where(t.id == request_id))).first()
    if row is None or row.status == status or (status == "idle" and row.status in FINISHED):
        return False
    await tx.conn.execute(update(log_requests).where(t.id == request_id).values(status=status, last_updated_at=now))
    data = {"chargePointId": charge_point_id, "requestId": request_id, "status": status, "lastUpdatedAt": iso(now)}
    if row.log_type == DIAGNOSTICS:
        await tx.emit(Event("chargePoint.diagnosticsStatus", "chargePoint", charge_point_id, data, now))
    else:
        await tx.emit(Event("chargePoint.logStatus", "chargePoint", charge_point_id,
                            {**data, "logType": row.log_type}, now))
    return True
