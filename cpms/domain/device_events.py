"""Events a charger's device model reports (OCPP 2.0.1 NotifyEvent): a variable crossed a monitor's
threshold, changed, or was reported periodically; faults are told this way in 2.0.1.

Each event is kept once: the charger's eventId and timestamp identify it, so a message sent again
(or an event repeated in a later report) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from cpms.domain.configuration import Variable
from cpms.storage.db import Tx
from cpms.storage.tables.configuration import device_events


@dataclass(frozen=True)
class DeviceEvent:
    event_id: int
    timestamp: datetime
    trigger: str
    notification_type: str
    variable: Variable
    actual_value: str | None = None
    cleared: bool | None = None
    # cause, techCode, techInfo, transactionId, variableMonitoringId, component and variable as sent
    attrs: dict[str, Any] = field(default_factory=dict, compare=False)


async def record_events(tx: Tx, charge_point_id: int, found: list[DeviceEvent], now: datetime) -> list[DeviceEvent]:
    """Keep the events not kept before; those new ones (what they say is acted on once)."""
    t = device_events
    fresh = {(e.event_id, e.timestamp): e for e in found}
    if not fresh:
        return []
    known = {(row.event_id, row.timestamp) for row in (await tx.conn.execute(
        select(t.c.event_id, t.c.timestamp).where(t.c.charge_point_id == charge_point_id,
                                                  t.c.event_id.in_({key[0] for key in fresh})))).all()}
    new = [e for key, e in fresh.items() if key not in known]
    if new:
        await tx.conn.execute(insert(t), [
            {"charge_point_id": charge_point_id, "event_id": e.event_id, "timestamp": e.timestamp,
             "trigger": e.trigger, "notification_type": e.notification_type, "address": e.variable.address,
             "component_name": e.variable.component, "variable_name": e.variable.name,
             "actual_value": e.actual_value, "cleared": e.cleared, "attrs": e.attrs, "created_at": now}
            for e in new])
    return new
