"""Whether a charger is reachable: network status, its history, and the events they raise.

`available` while connected; `temporarily_unavailable` once the connection is gone (closed,
replaced, or found dead by WebSocket ping / missed heartbeats); `long-term_unavailable` after
a long absence (swept periodically).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from cpms.events import Event
from cpms.storage.bulk import update_rows
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.ocpp import network_status_logs

AVAILABLE = "available"
TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
LONG_TERM_UNAVAILABLE = "long-term_unavailable"
LONG_TERM_AFTER = timedelta(hours=24)


async def set_network_status(tx: Tx, charge_point_id: int, status: str, now: datetime) -> bool:
    """Record a change of network status; False (and nothing written) when it did not change."""
    return (await record_many(tx, [(charge_point_id, status, now)]))[0]


async def record_many(tx: Tx, changes: list[tuple[int, str, datetime]]) -> list[bool]:
    """`set_network_status` for many (charge point, status, time) in order, in a few statements
    whatever their number: a reconnect storm or a shutdown is thousands of them at once."""
    t = charge_points
    ids = sorted({cp for cp, _, _ in changes})
    rows = (await tx.conn.execute(select(t.c.id, t.c.network_status, t.c.first_contact_at)
                                  .where(t.c.id.in_(ids)))).all() if ids else []
    current = {row.id: (row.network_status, row.first_contact_at) for row in rows}
    updates: dict[int, dict[str, object]] = {}
    logs, events, out = [], [], []
    for charge_point_id, status, now in changes:
        known = current.get(charge_point_id)
        if known is None or known[0] == status:
            out.append(False)
            continue
        previous, first_contact = known
        values = updates.setdefault(charge_point_id, {})
        values.update(network_status=status, last_updated_at=now)
        if status == AVAILABLE and first_contact is None:
            values["first_contact_at"] = first_contact = now
        current[charge_point_id] = (status, first_contact)
        logs.append({"charge_point_id": charge_point_id, "status": status, "created_at": now})
        events.append(Event("chargePoint.networkStatus", "chargePoint", charge_point_id,
                            {"networkStatus": status, "previous": previous}, now))
        events.append(Event("chargePoint.changed", "chargePoint", charge_point_id,
                            {"action": "updated", "source": "ocpp"}, now))
        out.append(True)
    await update_rows(tx.conn, t, {cp: {**values, "first_contact_at": current[cp][1]}
                                   for cp, values in updates.items()})
    if logs:
        await tx.conn.execute(network_status_logs.insert(), logs)
    await tx.emit_many(events)
    return out


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
