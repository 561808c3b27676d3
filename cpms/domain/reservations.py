"""Reservations: an EVSE (or a whole charge point) held for one user until it expires.

The row is written before the charger is asked (its id is the OCPP reservationId) and becomes
real when the charger accepts: `confirmed`, announced as "reservation.changed". A refused one is
kept as canceled and announced to nobody. Statuses: active -> done (a start used it), canceled,
or expired (its time passed: swept by `expire_due`, and shown as expired by reads meanwhile; or
the charger said so). A charger that removes a reservation itself cancels it.

The idTag reserved for is the user's first usable id tag, else the user's own identifier
(`*U0000007`); the parentIdTag is always the user's identifier, which every idTagInfo of the
user's tags carries, so any of the user's tags may use the reservation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from cpms.domain.authorizations import user_identifier
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import reservations
from cpms.storage.tables.users import id_tags

DEFAULT_MINUTES = 15
r = reservations.c


async def user_id_tag(tx: Tx, user_id: int, now: datetime) -> str:
    t = id_tags.c
    uid = (await tx.conn.execute(
        select(t.uid).where(t.user_id == user_id, t.status == "enabled", or_(t.expire_at.is_(None), t.expire_at > now))
        .order_by(t.id).limit(1))).scalar()
    return uid or user_identifier(user_id)


async def create(tx: Tx, *, charge_point_id: int, evse_id: int | None, evse_network_id: str, user_id: int,
                 minutes: int, now: datetime, reason: str) -> Any:
    values = {
        "charge_point_id": charge_point_id, "evse_id": evse_id, "evse_network_id": evse_network_id,
        "user_id": user_id, "status": "active", "reserved_at": now, "expires_at": now + timedelta(minutes=minutes),
        "duration": minutes, "id_tag": await user_id_tag(tx, user_id, now), "parent_id_tag": user_identifier(user_id),
        "confirmed": False, "attrs": {"reason": reason}, "created_at": now, "last_updated_at": now,
    }
    new_id = (await tx.conn.execute(reservations.insert().values(values).returning(r.id))).scalar_one()
    return await fetch(tx, new_id)


async def fetch(tx: Tx, reservation_id: int) -> Any:
    return (await tx.conn.execute(select(reservations).where(r.id == reservation_id))).first()


async def _announce(tx: Tx, row: Any, action: str, now: datetime) -> None:
    await tx.emit(Event("reservation.changed", "reservation", row.id, {
        "action": action, "reservationId": row.id, "status": row.status, "chargePointId": row.charge_point_id,
        "evseId": row.evse_id, "userId": row.user_id}, now))


async def _set(tx: Tx, reservation_id: int, now: datetime, **values: Any) -> Any:
    await tx.conn.execute(reservations.update().where(r.id == reservation_id).values(last_updated_at=now, **values))
    return await fetch(tx, reservation_id)


async def confirm(tx: Tx, reservation_id: int, now: datetime) -> None:
    row = await fetch(tx, reservation_id)
    if row is None or row.confirmed:
        return
    row = await _set(tx, reservation_id, now, confirmed=True)
    await _announce(tx, row, "created", now)


async def refuse(tx: Tx, reservation_id: int, answer: str | None, now: datetime) -> None:
    """The charger refused (Occupied, Faulted ...) or could not be asked: canceled, silently."""
    row = await fetch(tx, reservation_id)
    if row is None:
        return
    await _set(tx, reservation_id, now, status="canceled", canceled_at=now,
               attrs={**(row.attrs or {}), "refusal": answer})


async def cancel(tx: Tx, reservation_id: int, now: datetime) -> bool:
    row = await fetch(tx, reservation_id)
    if row is None or row.status != "active":
        return False
    row = await _set(tx, reservation_id, now, status="canceled", canceled_at=now)
    if row.confirmed:
        await _announce(tx, row, "updated", now)
    return True


async def use(tx: Tx, charge_point_id: int, reservation_id: int, session_id: int, now: datetime) -> bool:
    """A start named the reservation: it is done."""
    row = await fetch(tx, reservation_id)
    if row is None or row.charge_point_id != charge_point_id or row.status not in ("active", "expired"):
        return False
    row = await _set(tx, reservation_id, now, status="done", session_id=session_id)
    if row.confirmed:
        await _announce(tx, row, "updated", now)
    return True


async def ended_by_charger(tx: Tx, charge_point_id: int, reservation_id: int, expired: bool, now: datetime) -> bool:
    """The charger ended an active reservation itself (2.0.1 ReservationStatusUpdate): it expired,
    or it was removed (the EVSE became unavailable): canceled. Another charger's is left alone."""
    row = await fetch(tx, reservation_id)
    if row is None or row.charge_point_id != charge_point_id or row.status != "active":
        return False
    if expired:
        row = await _set(tx, reservation_id, now, status="expired")
    else:
        row = await _set(tx, reservation_id, now, status="canceled", canceled_at=now)
    if row.confirmed:
        await _announce(tx, row, "updated", now)
    return True


async def expire_due(tx: Tx, now: datetime) -> list[int]:
    """Active reservations whose time has passed become expired."""
    due = (await tx.conn.execute(select(r.id).where(r.status == "active", r.expires_at <= now)
                                 .order_by(r.id).limit(500))).scalars().all()
    for reservation_id in due:
        row = await _set(tx, reservation_id, now, status="expired")
        if row.confirmed:
            await _announce(tx, row, "updated", now)
    return list(due)


def effective_status(status: Any, expires_at: Any, now: datetime) -> Any:
    """What a read shows before the sweep ran: an active reservation past its time is expired."""
    return "expired" if status == "active" and expires_at is not None and expires_at <= now else status

