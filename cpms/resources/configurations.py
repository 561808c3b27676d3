"""A charge point's configuration (what the charger last reported, see cpms.domain.configuration),
v2.0 and the deprecated v1.0.

Items are addressed by key (the variable's name), not by row id, and the listing is not paged
(the contract declares no pagination for it), so these three operations are served here rather
than by the generic CRUD; filters, views and response shaping are the resource machinery's.
Writing a value (PATCH) is a ChangeConfiguration to the charger: the stored value changes only
when the charger accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select

from cpms.api.actions.charger import charge_point_id
from cpms.api.actions.configuration import change
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.contract import load_contract
from cpms.domain.configuration import KEYS_16, find_key, variable_of
from cpms.errors import Invalid, NotFound
from cpms.resources.binding import Binding
from cpms.resources.query import apply_filters, column_filter
from cpms.resources.resource import Resource
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.tables.configuration import configuration_variables as t

CONFIGURATION = Resource(
    name="configuration key",
    store=Store(t),
    filters={"name": column_filter(t.c.variable_name), "instance": column_filter(t.c.variable_instance),
             "componentName": column_filter(t.c.component_name), "evseId": column_filter(t.c.evse_id)},
)

V2_PATH = "/public-api/resources/charge-points/v2.0/{chargePoint}/configurations"
V1_PATH = "/public-api/resources/charge-points/v1.0/{chargePoint}/configurations"


def _value_shown(doc: dict[str, Any]) -> dict[str, Any]:
    """v2.0 requires a value: a key the charger reported without one shows an empty string."""
    key = doc.get("key")
    if isinstance(key, dict) and key.get("value") is None:
        key["value"] = ""
    return doc


def _standard_keys() -> list[str]:
    key = next(p for p in load_contract()["chargePointConfigurationReadDeprecated"].parameters if p.name == "key")
    return list(key.schema["anyOf"][0]["enum"])


@dataclass
class Version:
    """One version of the resource: its binding and which stored variables it can show."""

    binding: Binding
    scope: list[Any] = field(default_factory=list)


def _instance_is(instance: str | None) -> Any:
    return t.c.variable_instance.is_(None) if instance is None else t.c.variable_instance == instance


def _holder(key: str) -> Any:
    """The stored 2.0.1 variable holding OCPP 1.6 standard key `key` (`KEYS_16`)."""
    component, name, instance = KEYS_16[key]
    return and_(t.c.component_name == component, t.c.variable_name == name, _instance_is(instance),
                t.c.evse_id.is_(None))


_KEY_16_OF = {holder: key for key, holder in KEYS_16.items()}


def _as_16(doc: dict[str, Any]) -> dict[str, Any]:
    """v1.0 shows the key's name as `key` with its value beside it; a 2.0.1 variable holding a 1.6
    standard key shows as that key."""
    key = doc.get("key")
    if isinstance(key, dict):
        doc["key"] = _KEY_16_OF.get((key.get("componentName"), key.get("name"), key.get("instance")), key.get("name"))
        doc["value"] = key.get("value")
    return doc


def _v1_scope() -> list[Any]:
    standard = _standard_keys()
    return [or_(and_(t.c.component_name.is_(None), t.c.variable_name.in_(standard)),
                *(_holder(key) for key in KEYS_16 if key in standard))]


V2 = Version(Binding(CONFIGURATION, V2_PATH, view=View(to_wire_hook=_value_shown)))
# v1.0 shows only OCPP 1.6's standard keys (its schema enumerates them), a 1.6 charger's or the
# 2.0.1 variables holding them: vendor keys and other 2.0.1 variables are seen through v2.0.
V1 = Version(Binding(CONFIGURATION, V1_PATH, view=View(to_wire_hook=_as_16)), scope=_v1_scope())


async def listing(v: Version, call: Call) -> Reply:
    b = v.binding
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        stmt = apply_filters(select(t).where(t.c.charge_point_id == cp_id, *v.scope), b.resource, b.view,
                             call.query.get("filter") or {})
        docs = [b.resource.store.join(row) for row in (await conn.execute(stmt.order_by(t.c.id))).all()]
    return Reply({"data": [b.shape(call, doc) for doc in docs]}, call.op.success_status)


async def read(v: Version, call: Call) -> Reply:
    b = v.binding
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        row = await _row(conn, cp_id, call, v)
    return Reply(b.envelope(call, b.shape(call, b.resource.store.join(row))), call.op.success_status)


async def update(v: Version, call: Call) -> Reply:
    b = v.binding
    value = (call.body or {}).get("value")
    if value is None:
        raise Invalid.field("value", "The value field is required.")
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        row = await _row(conn, cp_id, call, v)
    result = await change(call, cp_id, variable_of(row, value))
    if isinstance(result, Reply):
        return result
    async with call.rt.db.read() as conn:
        doc = await b.resource.store.fetch(conn, row.id)
    if doc is None:  # a sync forgot the key meanwhile
        raise NotFound(f"Configuration key {call.path['key']} not found.")
    return Reply(b.envelope(call, b.shape(call, doc)), call.op.success_status)


async def _row(conn: Any, cp_id: int, call: Call, v: Version) -> Any:
    key = call.path["key"]
    row = await find_key(conn, cp_id, key, *v.scope)
    if row is None and v is V1 and key in KEYS_16:
        row = await find_key(conn, cp_id, KEYS_16[key][1], _holder(key))
    if row is None:
        raise NotFound(f"Configuration key {call.path['key']} not found.")
    return row


for version, names in ((V2, ("chargePointConfigurationsListing", "chargePointConfigurationRead",
                             "chargePointConfigurationUpdate")),
                       (V1, ("chargePointConfigurationsListingDeprecated", "chargePointConfigurationReadDeprecated",
                             "chargePointConfigurationUpdateDeprecated"))):
    for name, serve in zip(names, (listing, read, update)):
        registry.add(name, lambda call, serve=serve, version=version: serve(version, call))
