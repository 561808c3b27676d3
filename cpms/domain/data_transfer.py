"""Messages from chargers that cpms keeps without interpreting them.

Vendor-specific messages (OCPP DataTransfer) are kept and answered by a small policy.

Policy (`CPMS_DATA_TRANSFER_VENDORS`, a comma-separated list of vendorIds):
- unset or empty: every vendorId is Accepted;
- set: the listed vendorIds are Accepted (compared case-insensitively), any other is answered
  UnknownVendorId.
Every message is stored with the answer given. Accepted ones are announced as
"chargePoint.dataTransferReceived" (data: chargePointId, vendorId, messageId, data) for the
integrations that understand them; cpms itself does not interpret vendor data.

Reports (`record_report`: OCPP 2.0.1 customer information, display messages, firmware
publication, ISO 15118 and OCSP requests) are kept as received, each once: a message the charger
sends again because our answer was lost is not kept twice. A part is known by its kind, requestId
and seqNo; a message without seqNo repeats the latest one of its kind and requestId when its
payload and status are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.ocpp import charger_reports, data_transfers

ACCEPTED = "Accepted"
UNKNOWN_VENDOR = "UnknownVendorId"
POLICY_SETTING = "CPMS_DATA_TRANSFER_VENDORS"


def accepted_vendors(extra: Mapping[str, str]) -> frozenset[str] | None:
    """The vendorIds cpms accepts, lower-cased; None means every vendor."""
    raw = (extra.get(POLICY_SETTING) or "").strip()
    if not raw:
        return None
    return frozenset(v.strip().lower() for v in raw.split(",") if v.strip())


def answer_for(vendor_id: str, vendors: frozenset[str] | None) -> str:
    return ACCEPTED if vendors is None or vendor_id.lower() in vendors else UNKNOWN_VENDOR


async def record_data_transfer(tx: Tx, charge_point_id: int, vendor_id: str, message_id: str | None,
                               data: str | None, status: str, now: datetime) -> None:
    await tx.conn.execute(insert(data_transfers).values(
        charge_point_id=charge_point_id, vendor_id=vendor_id, message_id=message_id, data=data, status=status,
        created_at=now))
    if status == ACCEPTED:
        payload = {"chargePointId": charge_point_id, "vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        await tx.emit(Event("chargePoint.dataTransferReceived", "chargePoint", charge_point_id, payload, now))


async def record_report(tx: Tx, charge_point_id: int, kind: str, data: dict[str, Any], now: datetime,
                        request_id: int | None = None, seq_no: int | None = None,
                        status: str | None = None) -> int | None:
    """Keep one report (the OCPP action as `kind`, its payload as `data`); its id, or None for a repetition."""
    t = charger_reports.c
    where = [t.charge_point_id == charge_point_id, t.kind == kind,
             t.request_id.is_(None) if request_id is None else t.request_id == request_id]
    if seq_no is not None:
        same = (await tx.conn.execute(select(t.id).where(*where, t.seq_no == seq_no).limit(1))).first()
        if same is not None:
            return None
    else:
        latest = (await tx.conn.execute(select(t.data, t.status).where(*where).order_by(t.id.desc()).limit(1))).first()
        if latest is not None and latest.data == data and latest.status == status:
            return None
    return int((await tx.conn.execute(insert(charger_reports).values(
        charge_point_id=charge_point_id, kind=kind, request_id=request_id, seq_no=seq_no, status=status, data=data,
        created_at=now).returning(t.id))).scalar_one())
