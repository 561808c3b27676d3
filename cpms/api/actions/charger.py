"""Actions that become a command to a charger, declared once each.

    charger_action("chargePointReset", "reset", args=lambda call, conn: {"kind": call.path["type"]})

The charge point comes from the `chargePoint` path parameter (404 if unknown). The answer tells
the integrator what happened, always: 202 with `success: true` and the charger's own `status`
when it accepted; when it refused, is offline or did not answer in time, 406 where the contract
declares it ("rejected by the charge point"), else 202 with `success: false`; a `message` says
why. Nothing is reported as success that the charger did not accept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.errors import ChargerTimeout, ChargerUnavailable, NotFound
from cpms.ocpp.commands import Result
from cpms.storage.tables.charge_points import charge_points

ArgsFn = Callable[[Call, AsyncConnection], Awaitable[dict[str, Any]] | dict[str, Any]]
ReplyFn = Callable[[Call, Result], dict[str, Any]]


async def charge_point_id(conn: AsyncConnection, call: Call, param: str = "chargePoint") -> int:
    cp_id = call.path[param]
    found = (await conn.execute(select(charge_points.c.id).where(charge_points.c.id == cp_id))).first()
    if found is None:
        raise NotFound(f"Charge point {cp_id} not found.")
    return int(cp_id)


def refusal(call: Call, message: str, status: str | None = None, **extra: Any) -> Reply:
    body = {"success": False, "message": message, **extra}
    if status:
        body["status"] = status
    code = 406 if "406" in call.op.responses else 202
    return Reply(body, code)


async def run(call: Call, cp_id: int, name: str, args: dict[str, Any], timeout: float | None = None) -> Result | Reply:
    """Send the command; a Reply (refusal) when the charger cannot be reached."""
    gateway = call.rt.component("gateway")
    try:
        return await gateway.command(cp_id, name, timeout=timeout, **args)
    except ChargerTimeout as exc:
        return refusal(call, exc.message + " It may still carry it out.", errorCode="TIMEOUT")
    except ChargerUnavailable as exc:
        return refusal(call, exc.message, errorCode="OFFLINE")


def answer(call: Call, result: Result, **extra: Any) -> Reply:
    if not result.accepted:
        return refusal(call, result.message or f"The charge point answered {result.status}.", result.status, **extra)
    return Reply({"success": True, "status": result.status, **extra}, call.op.success_status)


def charger_action(operation_id: str, command: str, args: ArgsFn | None = None,
                   reply: ReplyFn | None = None) -> None:
    async def handler(call: Call) -> Reply:
        async with call.rt.db.read() as conn:
            cp_id = await charge_point_id(conn, call)
            values = args(call, conn) if args else {}
            if hasattr(values, "__await__"):
                values = await values  # type: ignore[misc]
        result = await run(call, cp_id, command, values)  # type: ignore[arg-type]
        if isinstance(result, Reply):
            return result
        if reply is not None and result.accepted:
            return Reply({"success": True, "status": result.status, **reply(call, result)}, call.op.success_status)
        return answer(call, result)

    registry.add(operation_id, handler)
