"""OCPP 2.0.1 reservations: the ReserveNow and CancelReservation commands, ReservationStatusUpdate.

The domain's reservation (`cpms.domain.reservations`) as 2.0.1 says it: the reserved id tag is an
idToken (cpms's own `*U0000007` Central, an id tag an RFID card), the user's identifier the
groupIdToken, so any of the user's tags may use it; the whole charge point (EVSE "0") is a
ReserveNow without evseId. A transaction using the reservation names it in its TransactionEvent
(`reservationId`, handled with the transactions). The charger ends a reservation itself with
ReservationStatusUpdate: Expired makes it expired, Removed canceled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cpms.clock import iso
from cpms.domain import reservations
from cpms.ocpp.commands import Outgoing, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.v201.authorization import CENTRAL, token_of
from cpms.ocpp.versions import V201


@translates(V201, "reserve")
def reserve_now(reservation_id: int, evse_network_id: str, expires_at: datetime, id_tag: str,
                parent_id_tag: str | None = None) -> Outgoing:
    payload: dict[str, Any] = {"id": reservation_id, "expiryDateTime": iso(expires_at), "idToken": token_of(id_tag)}
    if int(evse_network_id) != 0:
        payload["evseId"] = int(evse_network_id)
    if parent_id_tag:
        payload["groupIdToken"] = {"idToken": parent_id_tag, "type": CENTRAL}
    return Outgoing("ReserveNow", payload)


@translates(V201, "cancel_reservation")
def cancel_reservation(reservation_id: int) -> Outgoing:
    return Outgoing("CancelReservation", {"reservationId": reservation_id})


@on(V201, "ReservationStatusUpdate")
async def reservation_status_update(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    expired, now = payload["reservationUpdateStatus"] == "Expired", ctx.now()
    await ctx.rt.db.batch(lambda tx: reservations.ended_by_charger(
        tx, ctx.charge_point_id, payload["reservationId"], expired, now))
    return {}
