"""Whether a charger is reachable: network status, its history, and the events they raise.

`available` while connected; `temporarily_unavailable` once the connection is gone (closed,
replaced, or found dead by WebSocket ping / missed heartbeats); `long-term_unavailable` after
a long absence (swept periodically).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.ocpp import network_status_logs

AVAILABLE = "available"
TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
LONG_TERM_UNAVAILABLE = "long-term_unavailable"
LONG_TERM_AFTER = timedelta(hours=24)


async def set_network_status(tx: Tx, charge_point_id: int, status: str, now: datetime) -> bool:
    """Record a change of network status; False (and nothing written) when it did not change."""
    t = charge_points
    current = (await tx.conn.execute(select(t.c.network_status, t.c.first_contact_at)
                                     .where(t.c.id == charge_point_id))).first()
    if current is None or current.network_status == status:
        return False
    values: dict[str, object] = {"network_status": status, "last_updated_at": now}
    if status == AVAILABLE and current.first_contact_at is None:
        values["first_contact_at"] = now
    await tx.conn.execute(update(t).where(t.c.id == charge_point_id).values(values))
    await tx.conn.execute(network_status_logs.insert().values(charge_point_id=charge_point_id, status=status,
                                                              created_at=now))
    await tx.emit(Event("chargePoint.networkStatus", "chargePoint", charge_point_id,
                        {"networkStatus": status, "previous": current.network_status}, now))
    await tx.emit(Event("chargePoint.changed", "chargePoint", charge_point_id, {"action": "updated", "source": "ocpp"}, now))
    return True


async def sweep_long_term(tx: Tx, now: datetime) -> list[int]:
    """Chargers unavailable for longer than LONG_TERM_AFTER become long-term unavailable."""
    t, logs = charge_points, network_status_logs
    since = (select(func.max(logs.c.created_at)).where(logs.c.charge_point_id == t.c.id)).scalar_subquery()
    rows = (await tx.conn.execute(
        select(t.c.id).where(t.c.network_status == TEMPORARILY_UNAVAILABLE, since < now - LONG_TERM_AFTER)
    )).all()
    changed = []
    for row in rows:
        if await set_network_status(tx, row.id, LONG_TERM_UNAVAILABLE, now):
            changed.append(row.id)
    return changed
