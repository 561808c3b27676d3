"""OCPP 1.6 Reservation profile: the ReserveNow and CancelReservation commands.

The charger's use of a reservation arrives in StartTransaction (`reservationId`, handled with
the transactions); its expiry needs no message (the charger frees the connector itself).
"""

from __future__ import annotations

from datetime import datetime

from cpms.clock import iso
from cpms.ocpp.commands import Outgoing, translates
from cpms.ocpp.versions import V16


@translates(V16, "reserve")
def reserve_now(reservation_id: int, evse_network_id: str, expires_at: datetime, id_tag: str,
                parent_id_tag: str | None = None) -> Outgoing:
    payload = {"connectorId": int(evse_network_id), "expiryDate": iso(expires_at), "idTag": id_tag,
               "reservationId": reservation_id}
    if parent_id_tag:
        payload["parentIdTag"] = parent_id_tag
    return Outgoing("ReserveNow", payload)


@translates(V16, "cancel_reservation")
def cancel_reservation(reservation_id: int) -> Outgoing:
    return Outgoing("CancelReservation", {"reservationId": reservation_id})
