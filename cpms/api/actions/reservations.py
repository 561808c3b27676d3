"""Reserving an EVSE for a user (ReserveNow) and cancelling a reservation (CancelReservation).

`{evse}` 0 reserves the whole charge point (OCPP 1.6 connectorId 0): any EVSE it has. An EVSE is
reservable when its `allowsReservation` is true (for 0: one of the charge point's EVSEs is).
A reservation lasts CPMS_RESERVATION_MINUTES (default 15). The charger's refusal (Occupied,
Faulted, Unavailable, Rejected) or absence is a 406 with its message; the row stays, canceled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cpms.api.actions.charger import charge_point_id, refusal
from cpms.api.actions.sessions import ask, sweep_later
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.domain import reservations
from cpms.errors import Invalid, NotFound
from cpms.storage.tables.charge_points import evses
from cpms.storage.tables.sessions import reservations as reservations_table
from cpms.storage.tables.users import users

DEFAULT_REASON = "Activated via API"


def minutes(settings: Any) -> int:
    raw = (getattr(settings, "extra", None) or {}).get("CPMS_RESERVATION_MINUTES")
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else reservations.DEFAULT_MINUTES


@registry.operation("chargePointReserve")
async def reserve(call: Call) -> Reply:
    body = call.body or {}
    evse_id = call.path["evse"]
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        rows = (await conn.execute(select(evses.c.id, evses.c.network_id, evses.c.attrs)
                                   .where(evses.c.charge_point_id == cp_id))).all()
        user = (await conn.execute(select(users.c.id).where(users.c.id == body["userId"]))).first()
    chosen = [row for row in rows if row.id == evse_id] if evse_id != 0 else rows
    if evse_id != 0 and not chosen:
        raise NotFound(f"EVSE {evse_id} not found.")
    if user is None:
        raise Invalid.field("userId", "The selected userId is invalid.")
    if not any((row.attrs or {}).get("allowsReservation") is True for row in chosen):
        raise Invalid.field("evse", "The EVSE does not allow reservations (allowsReservation is false).")
    network_id = chosen[0].network_id.strip() if evse_id != 0 else "0"
    if not network_id.isdigit():
        raise Invalid.field("evse", f"The EVSE's network id {network_id!r} is not a number a charger knows.")
    now = call.rt.clock.now()
    async with call.rt.db.write() as tx:
        await reservations.expire_due(tx, now)
        row = await reservations.create(tx, charge_point_id=cp_id, evse_id=evse_id or None, evse_network_id=network_id,
                                        user_id=user.id, minutes=minutes(call.rt.settings), now=now,
                                        reason=body.get("reason") or DEFAULT_REASON)
    result, outcome, message = await ask(call, cp_id, "reserve", {
        "reservation_id": row.id, "evse_network_id": network_id, "expires_at": row.expires_at, "id_tag": row.id_tag,
        "parent_id_tag": row.parent_id_tag})
    async with call.rt.db.write() as tx:
        if outcome == "accepted":
            await reservations.confirm(tx, row.id, call.rt.clock.now())
        else:
            await reservations.refuse(tx, row.id, result.status if result else outcome, call.rt.clock.now())
    if outcome != "accepted":
        return refusal(call, message or "The charge point refused the reservation.", result.status if result else None)
    sweep_later(call.rt, (row.expires_at - call.rt.clock.now()).total_seconds())
    return Reply({"success": True, "reservationId": row.id}, call.op.success_status)


@registry.operation("reservationCancel")
async def cancel(call: Call) -> Reply:
    body = call.body or {}
    async with call.rt.db.read() as conn:
        row = (await conn.execute(select(reservations_table)
                                  .where(reservations_table.c.id == call.path["reservation"]))).first()
    if row is None:
        raise NotFound(f"Reservation {call.path['reservation']} not found.")
    now = call.rt.clock.now()
    status = reservations.effective_status(row.status, row.expires_at, now)
    if status != "active":
        return refusal(call, f"Reservation {row.id} is not active (it is {status}).", status)
    result, outcome, message = await ask(call, row.charge_point_id, "cancel_reservation", {"reservation_id": row.id})
    if outcome != "accepted" and not body.get("force"):
        return refusal(call, message or "The charge point did not cancel the reservation.",
                       result.status if result else None)
    async with call.rt.db.write() as tx:
        await reservations.cancel(tx, row.id, call.rt.clock.now())
    reply: dict[str, Any] = {"success": True, "status": result.status if result else None}
    if outcome != "accepted":
        reply["message"] = f"Canceled by force; the charge point did not confirm: {message}"
    return Reply({k: v for k, v in reply.items() if v is not None}, call.op.success_status)
