"""Configuration actions: read a charger's configuration into cpms, change one value on it."""

from __future__ import annotations

from typing import Any

from cpms.api.actions.charger import answer, charge_point_id, refusal, run
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.domain import configuration
from cpms.domain.configuration import Variable, variable_of
from cpms.errors import Invalid
from cpms.ocpp.commands import Result
from cpms.storage.tables.configuration import configuration_variables

KEY_LENGTH = 50  # OCPP 1.6 keys and OCPP 2.0.1 variable names alike


@registry.operation("chargePointSyncConfiguration")
async def sync_configuration(call: Call) -> Reply:
    """Read all keys (or the body's `keys`) from the charger and store them as its configurations.

    The answer's requestId names the read in the "chargePoint.configurationSynced" event; keys the
    charger does not know are listed in `unknownKeys`.
    """
    keys = list(dict.fromkeys((call.body or {}).get("keys") or ())) or None
    errors = {f"keys.{n}": [f"A key has 1 to {KEY_LENGTH} characters."]
              for n, key in enumerate(keys or ()) if not 0 < len(key) <= KEY_LENGTH}
    if errors:
        raise Invalid(errors)
    rt = call.rt
    async with rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
    if not rt.component("gateway").is_connected(cp_id):
        return refusal(call, f"Charge point {cp_id} is not connected.", errorCode="OFFLINE")
    async with rt.db.write() as tx:
        request_id = await configuration.open_request(tx, cp_id, keys, rt.clock.now())
    try:
        result = await run(call, cp_id, "read_configuration", {"keys": keys, "request_id": request_id})
    except Invalid:  # the charger's protocol cannot say it: nothing was asked, nothing is kept
        async with rt.db.write() as tx:
            await configuration.discard_request(tx, request_id)
        raise
    except Exception as exc:
        await _failed(call, request_id, str(exc) or type(exc).__name__)
        raise
    if isinstance(result, Reply) or not result.accepted:
        reply = result if isinstance(result, Reply) else answer(call, result)
        await _failed(call, request_id, str(reply.body.get("message")))
        return reply
    unknown = list(result.data.get("unknownKeys") or ())
    if result.data.get("complete"):
        async with rt.db.write() as tx:
            now = rt.clock.now()
            await configuration.store_variables(tx, cp_id, result.data["variables"], now, request_id)
            await configuration.forget_variables(tx, cp_id, result.data.get("forgotten") or [])
            await configuration.complete_request(tx, cp_id, request_id, now, unknown)
    body: dict[str, Any] = {"success": True, "requestId": request_id}
    if unknown:
        body["unknownKeys"] = unknown
    return Reply(body, call.op.success_status)


async def _failed(call: Call, request_id: int, error: str) -> None:
    async with call.rt.db.write() as tx:
        await configuration.fail_request(tx, request_id, error, call.rt.clock.now())


@registry.operation("chargePointSetConfiguration")
async def set_configuration(call: Call) -> Reply:
    """Change one value on the charger; the stored value follows only what the charger accepted."""
    given = call.body
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        known = None if given.get("componentName") is not None else await _known(conn, cp_id, given)
    variable = (variable_of(known, given["value"]) if known is not None else
                Variable(name=given["name"], value=given["value"], instance=given.get("instance"),
                         component=given.get("componentName"), evse_id=given.get("evseId")))
    result = await change(call, cp_id, variable)
    if isinstance(result, Reply):
        return result
    body: dict[str, Any] = {"success": True, "status": result.status}
    if result.message:
        body["message"] = result.message
    return Reply(body, call.op.success_status)


async def _known(conn: Any, cp_id: int, given: dict[str, Any]) -> Any | None:
    """The stored variable a key without componentName means: a 1.6 key, or the 2.0.1 variable of
    that name (or the one holding that 1.6 standard key, `KEYS_16`) the charger reported."""
    t = configuration_variables
    where = [t.c.variable_instance == given["instance"]] if given.get("instance") is not None else []
    if given.get("evseId") is not None:
        where.append(t.c.evse_id == given["evseId"])
    row = await configuration.find_key(conn, cp_id, given["name"], *where)
    if row is None and given["name"] in configuration.KEYS_16 and not where:
        component, name, instance = configuration.KEYS_16[given["name"]]
        row = await configuration.find_key(conn, cp_id, name, t.c.component_name == component,
                                           t.c.variable_instance.is_(None) if instance is None
                                           else t.c.variable_instance == instance)
    return row


async def change(call: Call, cp_id: int, variable: Variable) -> Result | Reply:
    """Send the new value and store it once the charger took it; a Reply (refusal) when it did not."""
    result = await run(call, cp_id, "set_configuration", {
        "variable": variable.name, "value": variable.value, "instance": variable.instance,
        "component_name": variable.component, "evse_id": variable.evse_id})
    if isinstance(result, Reply):
        return result
    if not result.accepted:
        return answer(call, result)
    async with call.rt.db.write() as tx:
        await configuration.record_change(tx, cp_id, variable, call.rt.clock.now())
    return result
