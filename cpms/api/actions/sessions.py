"""Starting and stopping charging from the Public API (RemoteStart/RemoteStopTransaction).

A start on an EVSE writes a pending session and its authorization first, then asks the charger;
the answer carries both ids whatever happens. Refused, offline, or no answer in time: the pending
session fails (reason `rejected`, `remote_start_failed`, `charge_point_timeout`) and the answer
says `success: false` with a message. Accepted: the charger's StartTransaction activates it, or
it expires after the start window (`CPMS_START_WINDOW_SECONDS`, default 180).

A stop asks the charger to stop the session's transaction; the session finishes when its
StopTransaction arrives. `force: true` finishes it at once with the energy last reported
(reason `force_stop`), whatever the charger says; its StopTransaction still completes it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.actions.charger import answer, charge_point_id, refusal, run
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.domain import authorizations as auth
from cpms.domain import deadlines, remote_starts, sessions
from cpms.errors import ChargerTimeout, ChargerUnavailable, Invalid, NotFound
from cpms.ocpp.commands import Result
from cpms.runtime import Runtime
from cpms.storage.tables.charge_points import connectors, evses
from cpms.storage.tables.sessions import sessions as sessions_table
from cpms.storage.tables.users import users

log = logging.getLogger("cpms.sessions")
MAX_ID_TAG = 20  # OCPP 1.6 IdToken (CiString20); the tag goes to the charger as it is
_timers: set[asyncio.Task[Any]] = set()


# -- deadlines ------------------------------------------------------------------------------------

def sweep_later(rt: Runtime, seconds: float) -> None:
    """Expire what is due (waiting starts, reservations) once `seconds` have passed, in this process.

    Every start and reservation also sweeps first, so what a restart left behind is caught up.
    """
    loop = asyncio.get_running_loop()

    def fire() -> None:
        task = loop.create_task(sweep(rt))
        _timers.add(task)
        task.add_done_callback(_timers.discard)

    loop.call_later(max(0.0, seconds) + 0.5, fire)


async def sweep(rt: Runtime) -> None:
    try:
        async with rt.db.write() as tx:
            await deadlines.expire_due(tx, rt.clock.now(), rt.settings)
    except Exception:  # the server may be gone by then
        log.debug("deferred expiry sweep failed", exc_info=True)


# -- asking the charger ---------------------------------------------------------------------------

async def ask(call: Call, cp_id: int, name: str, args: dict[str, Any]) -> tuple[Result | None, str, str | None]:
    """(result, outcome, message): outcome is accepted | refused | offline | timeout."""
    gateway = call.rt.component("gateway")
    try:
        result = await gateway.command(cp_id, name, **args)
    except ChargerTimeout as exc:
        return None, "timeout", exc.message + " It may still carry it out."
    except ChargerUnavailable as exc:
        return None, "offline", exc.message
    if result.accepted:
        return result, "accepted", None
    return result, "refused", result.message or f"The charge point answered {result.status}."


FAILURE_REASONS = {"refused": "rejected", "offline": "remote_start_failed", "timeout": "charge_point_timeout"}


# -- start ----------------------------------------------------------------------------------------

async def _evse(conn: AsyncConnection, evse_id: int, cp_id: int | None = None) -> Any:
    row = (await conn.execute(select(evses.c.id, evses.c.charge_point_id, evses.c.network_id,
                                     evses.c.physical_reference).where(evses.c.id == evse_id))).first()
    if row is None or (cp_id is not None and row.charge_point_id != cp_id):
        raise NotFound(f"EVSE {evse_id} not found.")
    if not row.network_id.strip().isdigit():
        raise Invalid.field("evse", f"The EVSE's network id {row.network_id!r} is not a number a charger knows.")
    return row


async def _request(conn: AsyncConnection, call: Call, cp_id: int,
                   evse: Any) -> tuple[remote_starts.RemoteStart, Any, Any]:
    """The start the request asks for, checked (422 naming the field), with the user's and EVSE's rows
    (a start without EVSE may name the connector, hence the EVSE)."""
    body = call.body or {}
    errors: dict[str, list[str]] = {}
    user = None
    if body.get("userId") is not None:
        user = (await conn.execute(select(users.c.id, users.c.status, users.c.attrs)
                                   .where(users.c.id == body["userId"]))).first()
        if user is None:
            errors["userId"] = ["The selected userId is invalid."]
    elif body.get("paymentMethodId") is not None:
        errors["userId"] = ["The userId field is required when paymentMethodId is present."]
    if body.get("bookingId") is not None:
        errors["bookingId"] = ["The selected bookingId is invalid: no such booking."]
    for name in ("idTag", "externalSessionId"):
        value = body.get(name)
        if value is not None and not value.strip():
            errors[name] = [f"The {name} field must not be empty."]
        elif value is not None and len(value) > MAX_ID_TAG:
            errors[name] = [f"The {name} may not be greater than {MAX_ID_TAG} characters."]
    profile = body.get("chargingProfile")
    if profile and profile.get("chargingProfilePurpose") != "TxProfile":
        errors["chargingProfile.chargingProfilePurpose"] = ["A remote start takes a TxProfile."]
    connector_id = body.get("connectorId")
    if connector_id is not None:
        c = connectors.c
        found = (await conn.execute(select(c.evse_id).select_from(connectors.join(evses, evses.c.id == c.evse_id))
                                    .where(c.id == connector_id, evses.c.charge_point_id == cp_id))).first()
        if found is None or (evse is not None and found.evse_id != evse.id):
            errors["connectorId"] = ["The selected connectorId is invalid: not a connector of this EVSE."]
        elif evse is None:
            evse = await _evse(conn, found.evse_id)
    if errors:
        raise Invalid(errors)
    request = remote_starts.RemoteStart(
        charge_point_id=cp_id, user_id=body.get("userId"), evse_id=evse.id if evse is not None else None,
        connector_id=connector_id, physical_reference=evse.physical_reference if evse is not None else None,
        id_tag=body.get("idTag"), external_session_id=body.get("externalSessionId"),
        payment_method_id=body.get("paymentMethodId"))
    return request, user, evse


def _start_refusal(call: Call, message: str, ids: dict[str, Any], code: str | None = None) -> Reply:
    """The refusal with `code` as errorCode only where the operation lists it: start without EVSE has no
    SESSION_EXISTS (a connectorId still names a busy EVSE), and a client may rely on the enum."""
    body: dict[str, Any] = {"success": False, **ids, "message": message}
    if code and code in _error_codes(call):
        body["errorCode"] = code
    return Reply(body, call.op.success_status)


def _error_codes(call: Call) -> tuple[str, ...]:
    schema = call.op.response_schema(call.op.success_status) or {}
    return tuple(schema.get("properties", {}).get("errorCode", {}).get("enum", ()))


async def _blocked(tx: Any, user: Any, evse: Any) -> tuple[str, str] | None:
    if user is not None and user.status == "disabled":
        return "USER_IS_DISABLED", "The user is disabled."
    if evse is not None and await remote_starts.active_or_pending_on(tx, evse.id):
        return "SESSION_EXISTS", "The EVSE already has a session."
    if user is not None and auth.sessions_allowed(user) == auth.SINGLE:
        running = (await tx.conn.execute(select(sessions_table.c.id).where(
            sessions_table.c.user_id == user.id, sessions_table.c.status.in_(("pending", "active"))).limit(1))).first()
        if running is not None:
            return "SESSION_ALREADY_RUNNING", "The user may run one session at a time and has one."
    return None


async def start(call: Call, cp_id: int | None, evse_id: int | None, with_session: bool = True) -> Reply:
    now, window = call.rt.clock.now(), auth.start_window(call.rt.settings)
    async with call.rt.db.read() as conn:
        evse = await _evse(conn, evse_id, cp_id) if evse_id is not None else None
        if cp_id is None:
            cp_id = evse.charge_point_id
        request, user, evse = await _request(conn, call, cp_id, evse)
    async with call.rt.db.write() as tx:
        await remote_starts.expire_waiting(tx, now, window)
        blocked = await _blocked(tx, user, evse)
        prepared = None if blocked else await remote_starts.prepare(tx, request, now)
    none = {"sessionId": None, "authorizationId": None} if with_session else {"authorizationId": None}
    if prepared is None:
        return _start_refusal(call, blocked[1], none, blocked[0])  # type: ignore[index]
    ids = {"sessionId": prepared.session_id, "authorizationId": prepared.authorization_id}
    if not with_session:
        ids.pop("sessionId")
    # the start's own number (the session, else the authorization): 2.0.1's remoteStartId, a profile's id
    number = prepared.session_id or prepared.authorization_id
    args: dict[str, Any] = {"id_tag": prepared.id_tag, "remote_start_id": number,
                            "evse_network_id": evse.network_id.strip() if evse is not None else None}
    if (call.body or {}).get("chargingProfile"):
        args["charging_profile"] = call.body["chargingProfile"]
        args["profile_id"] = number
    _, outcome, message = await ask(call, cp_id, "start_transaction", args)
    if outcome != "accepted":
        if prepared.session_id is not None:
            async with call.rt.db.write() as tx:
                await remote_starts.fail(tx, prepared.session_id, FAILURE_REASONS[outcome], call.rt.clock.now())
        return _start_refusal(call, message or "The charge point did not start charging.", ids)
    sweep_later(call.rt, window.total_seconds())
    return Reply({"success": True, **ids}, call.op.success_status)


@registry.operation("chargePointStartChargingSession")
async def start_on_evse(call: Call) -> Reply:
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
    return await start(call, cp_id, call.path["evse"])


@registry.operation("chargePointStartChargingSessionWithoutEvse")
async def start_without_evse(call: Call) -> Reply:
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
    return await start(call, cp_id, None, with_session=False)


@registry.operation("evseStartChargingWithEvseId")
async def start_by_evse_id(call: Call) -> Reply:
    return await start(call, None, call.path["evse"])


# -- stop -----------------------------------------------------------------------------------------

@registry.operation("chargePointStopChargingSession")
async def stop(call: Call) -> Reply:
    force = bool((call.body or {}).get("force"))
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        row = (await conn.execute(select(sessions_table).where(sessions_table.c.id == call.path["session"]))).first()
    if row is None or row.charge_point_id != cp_id:
        raise NotFound(f"Session {call.path['session']} not found.")
    if row.status != "active" or row.transaction_id is None:
        return refusal(call, f"Session {row.id} is not active (it is {row.status}).", row.status)
    result = await run(call, cp_id, "stop_transaction", {"transaction_id": row.transaction_id})
    if force:
        await _force_finish(call.rt, row.id)
        status = result.status if isinstance(result, Result) else None
        return Reply({"success": True, "status": status, "message": "The session was ended by force."} if status is None
                     else {"success": True, "status": status}, call.op.success_status)
    if isinstance(result, Reply):
        return result
    return answer(call, result)


async def _force_finish(rt: Runtime, session_id: int) -> None:
    async with rt.db.write() as tx:
        await sessions.close_by_cpms(tx, session_id, "force_stop", rt.clock.now())

