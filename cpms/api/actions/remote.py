"""Remote control of a charger: availability, unlocking, triggered messages, vendor data transfer.

EVSEs are named to chargers by their network id (OCPP 1.6 connectorId, 2.0.1 evseId); 0 is the
charge point as a whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.actions.charger import answer, charge_point_id, charger_action, refusal, run
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.errors import Invalid, NotFound
from cpms.storage.tables.charge_points import connectors, evses

DATA_TRANSFER_STATUSES = ("Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId")


def network_number(value: Any) -> int | None:
    """An EVSE network id as the number chargers know it by; None if it is not one."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


async def evse_by_network_id(conn: AsyncConnection, cp_id: int, number: int) -> int | None:
    """The row id of the charge point's EVSE with network id `number`; None if it has none."""
    rows = (await conn.execute(select(evses.c.id, evses.c.network_id).where(evses.c.charge_point_id == cp_id))).all()
    return next((row.id for row in rows if network_number(row.network_id) == number), None)


async def evse_target(conn: AsyncConnection, cp_id: int, value: Any, field: str) -> int:
    """A request's EVSE network id checked against the charge point: 0 (all of it) or one of its EVSEs."""
    number = network_number(value)
    if number is None or (number != 0 and await evse_by_network_id(conn, cp_id, number) is None):
        raise Invalid.field(field, f"The charge point has no EVSE with network id {value}.")
    return number


async def evse_row(conn: AsyncConnection, evse_id: int, cp_id: int | None = None) -> tuple[int, int, int]:
    """(charge point id, network number, first connector number) of EVSE `evse_id`; 404 if it is
    unknown or not the charge point's."""
    stmt = (select(evses.c.charge_point_id, evses.c.network_id, func.min(connectors.c.number).label("connector"))
            .select_from(evses.outerjoin(connectors, connectors.c.evse_id == evses.c.id))
            .where(evses.c.id == evse_id).group_by(evses.c.id, evses.c.charge_point_id, evses.c.network_id))
    row = (await conn.execute(stmt)).first()
    if row is None or (cp_id is not None and row.charge_point_id != cp_id):
        raise NotFound(f"EVSE {evse_id} not found.")
    number = network_number(row.network_id)
    if number is None:
        raise Invalid.field("evse", f"The EVSE's network id {row.network_id!r} is not a number a charger knows.")
    return row.charge_point_id, number, row.connector or 1


async def _availability(call: Call, conn: AsyncConnection) -> dict[str, Any]:
    cp_id = call.path["chargePoint"]
    evse = call.body.get("evseNetworkId")
    number = 0 if evse is None else await evse_target(conn, cp_id, evse, "evseNetworkId")
    return {"evse": number, "operative": call.body["type"] == "Operative"}


async def _unlock(call: Call, conn: AsyncConnection) -> dict[str, Any]:
    _, number, connector = await evse_row(conn, call.path["evse"], call.path["chargePoint"])
    return {"evse": number, "connector": connector}


charger_action("chargePointChangeAvailability", "change_availability", args=_availability)
charger_action("chargePointEvseUnlock", "unlock", args=_unlock)
charger_action("chargePointTriggerMessageChargePoint", "trigger_message",
               args=lambda call, conn: {"message": call.body["type"]})


@registry.operation("evseTriggerMessage")
async def trigger_for_evse(call: Call) -> Reply:
    async with call.rt.db.read() as conn:
        cp_id, number, _ = await evse_row(conn, call.path["evse"])
    result = await run(call, cp_id, "trigger_message", {"message": call.body["type"], "evse": number})
    return result if isinstance(result, Reply) else answer(call, result)


@registry.operation("chargePointSendDataTransfer")
async def send_data_transfer(call: Call) -> Reply:
    """The charger's answer, whatever it is, is the result (200); only no answer is a refusal."""
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
    body = call.body
    result = await run(call, cp_id, "data_transfer", {"vendor_id": body["vendorId"],
                                                      "message_id": body.get("messageId"), "data": body.get("data")})
    if isinstance(result, Reply):
        return result
    if result.status not in DATA_TRANSFER_STATUSES:
        return refusal(call, result.message or f"The charge point answered {result.status}.", result.status)
    return Reply({"status": result.status, "data": result.data.get("data")}, call.op.success_status)
