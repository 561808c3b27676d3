"""Vendor-specific messages from chargers (OCPP DataTransfer): kept, answered by a small policy.

Policy (`CPMS_DATA_TRANSFER_VENDORS`, a comma-separated list of vendorIds):
- unset or empty: every vendorId is Accepted;
- set: the listed vendorIds are Accepted (compared case-insensitively), any other is answered
  UnknownVendorId.
Every message is stored with the answer given. Accepted ones are announced as
"chargePoint.dataTransferReceived" (data: chargePointId, vendorId, messageId, data) for the
integrations that understand them; cpms itself does not interpret vendor data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert

from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.ocpp import data_transfers

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
