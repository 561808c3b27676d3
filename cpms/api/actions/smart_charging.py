"""Smart charging actions: set a charging profile on a charger, clear profiles from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cpms.api.actions.charger import answer, charge_point_id, refusal, run
from cpms.api.actions.remote import evse_by_network_id, evse_target
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.domain import charging_profiles
from cpms.errors import Invalid, NotFound
from cpms.storage.tables.sessions import sessions


@registry.operation("chargePointSetChargingProfile")
async def set_charging_profile(call: Call) -> Reply:
    """Reserve the profile's id, send it, and keep it once the charger accepted it (data.id)."""
    rt, number = call.rt, call.path["evseNetworkId"]
    async with rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        evse_id = None if number == 0 else await evse_by_network_id(conn, cp_id, number)
    if number < 0 or (number != 0 and evse_id is None):
        raise NotFound(f"EVSE {number} of charge point {cp_id} not found.")
    profile = charging_profiles.normalise(call.body, number)
    if profile.get("transactionId") is not None:
        async with rt.db.read() as conn:
            profile["transactionId"] = await _transaction_of(conn, cp_id, profile["transactionId"])
    if not rt.component("gateway").is_connected(cp_id):
        return refusal(call, f"Charge point {cp_id} is not connected.", errorCode="OFFLINE")
    async with rt.db.write() as tx:
        profile_id = await charging_profiles.reserve(tx, cp_id, evse_id, number, profile, rt.clock.now())
    try:
        result = await run(call, cp_id, "set_charging_profile", {"evse": number, "profile": {**profile, "id": profile_id}})
    except Exception:
        await _discard(call, profile_id)
        raise
    if isinstance(result, Reply) or not result.accepted:
        await _discard(call, profile_id)
        return result if isinstance(result, Reply) else answer(call, result)
    async with rt.db.write() as tx:
        await charging_profiles.applied(tx, profile_id, rt.clock.now())
    return Reply({"success": True, "status": result.status, "data": {"id": profile_id}}, call.op.success_status)


async def _transaction_of(conn: Any, cp_id: int, session_id: int) -> str:
    """The charger's name of the API's transactionId (a session id): the session id itself in 1.6,
    the station's own transactionId in 2.0.1. An id naming no session of the charge point is sent as is."""
    found = (await conn.execute(select(sessions.c.transaction_id).where(
        sessions.c.id == session_id, sessions.c.charge_point_id == cp_id))).scalar()
    return str(found if found is not None else session_id)


async def _discard(call: Call, profile_id: int) -> None:
    async with call.rt.db.write() as tx:
        await charging_profiles.discard(tx, profile_id)


@registry.operation("chargePointClearChargingProfile")
async def clear_charging_profile(call: Call) -> Reply:
    """Clear by id, or by EVSE / purpose / stack level (all profiles when none is given).

    The charger is the authority: profiles it says it does not have (Unknown) are forgotten too,
    and the answer still says that nothing was cleared.
    """
    body = call.body or {}
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        criteria = await _criteria(conn, cp_id, body)
    result = await run(call, cp_id, "clear_charging_profile", criteria)
    if isinstance(result, Reply):
        return result
    if result.accepted or result.status == "Unknown":
        stored = dict(criteria) if criteria.get("profile_id") is None else {"profile_id": criteria["profile_id"]}
        async with call.rt.db.write() as tx:
            await charging_profiles.cleared(tx, cp_id, profile_id=stored.get("profile_id"),
                                            evse_network_id=stored.get("evse"), purpose=stored.get("purpose"),
                                            stack_level=stored.get("stack_level"))
    return answer(call, result)


async def _criteria(conn: Any, cp_id: int, body: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    criteria: dict[str, Any] = {}
    for field, name in (("id", "profile_id"), ("stackLevel", "stack_level")):
        value = body.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or value != int(value) or value < 0:
            errors[field] = [f"The {field} must be a whole number, 0 or more."]
        else:
            criteria[name] = int(value)
    purpose = body.get("chargingProfilePurpose")
    if purpose is not None:
        if purpose not in charging_profiles.PURPOSES:
            errors["chargingProfilePurpose"] = [f"The chargingProfilePurpose is one of {', '.join(charging_profiles.PURPOSES)}."]
        else:
            criteria["purpose"] = purpose
    if body.get("evseNetworkId") is not None:
        try:
            criteria["evse"] = await evse_target(conn, cp_id, body["evseNetworkId"], "evseNetworkId")
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    return criteria
