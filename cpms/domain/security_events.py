"""Security events chargers report (OCPP SecurityEventNotification).

Every event is kept, flagged critical or not by the OCPP security event list (the critical ones
are the seven the Public API's security-events resource shows). A notification the charger
repeats because our answer was lost (same type, timestamp and techInfo) is kept once. Each new
event is announced as "chargePoint.securityEvent" (data: id, chargePointId, type, timestamp,
techInfo, critical: what the SecurityEventNotification callback carries).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.security import security_events

CRITICAL = frozenset({"FirmwareUpdated", "SettingSystemTime", "StartupOfTheDevice", "ResetOrReboot",
                      "SecurityLogWasCleared", "MemoryExhaustion", "TamperDetectionActivated"})


def is_critical(event_type: str) -> bool:
    return event_type in CRITICAL


async def record_security_event(tx: Tx, charge_point_id: int, event_type: str, timestamp: datetime,
                                tech_info: str | None, now: datetime) -> int | None:
    """Keep the event; its id, or None when it is a repetition of one already kept."""
    t = security_events.c
    same = (await tx.conn.execute(select(t.id).where(
        t.charge_point_id == charge_point_id, t.timestamp == timestamp, t.type == event_type,
        t.tech_info.is_(None) if tech_info is None else t.tech_info == tech_info).limit(1))).first()
    if same is not None:
        return None
    critical = is_critical(event_type)
    event_id = int((await tx.conn.execute(insert(security_events).values(
        charge_point_id=charge_point_id, type=event_type, tech_info=tech_info, critical=critical,
        timestamp=timestamp, created_at=now).returning(t.id))).scalar_one())
    data = {"id": event_id, "chargePointId": charge_point_id, "type": event_type, "timestamp": iso(timestamp),
            "critical": critical}
    if tech_info is not None:
        data["techInfo"] = tech_info
    await tx.emit(Event("chargePoint.securityEvent", "chargePoint", charge_point_id, data, now))
    return event_id
