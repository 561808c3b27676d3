"""Charge points: the network's chargers, served as the canonical v2.0 document.

v1.0 is a view over the same rows (`cpms.resources.charge_points_v1`); EVSEs, connectors,
shares and shared partners are resources of their own nested under a charge point.

The OCPP side owns what a charger reports (networkStatus, hardwareStatus, lastBootNotification,
security.currentProfile ...): the contract marks those readOnly, so a client's values never reach
storage. `network.password` is write-only and kept as a salted hash (`charger_secrets`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.errors import Invalid
from cpms.events import Event
from cpms.resources.query import column_filter, json_array_contains, typed
from cpms.resources.resource import Resource, Secret, WriteContext
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.security.charger_secrets import hash_charger_password
from cpms.storage.db import Tx
from cpms.storage.tables.catalog import charge_point_models
from cpms.storage.tables.charge_points import charge_points, evses
from cpms.storage.tables.locations import charging_zones

EVENT = "chargePoint.changed"
EVSE_EVENT = "evse.changed"
BOOT_SERIALS = ("chargePointSerialNumber", "chargeBoxSerialNumber")
cp = charge_points.c


def truthy(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in {"true", "1", "yes"}


def roaming_filter(value: Any) -> ColumnElement[bool]:
    """Roaming charge points are the ones offered to a roaming operator."""
    return cp.roaming_operator_id.is_not(None) if truthy(value) else cp.roaming_operator_id.is_(None)


def vendor_filter(value: Any) -> ColumnElement[bool]:
    models = charge_point_models.c
    return cp.model_id.in_(select(models.id).where(models.vendor_id == typed(models.vendor_id, value)))


def evse_filter(column: Any) -> Any:
    """Charge points with at least one EVSE whose `column` equals the value."""
    return lambda value: cp.id.in_(select(evses.c.charge_point_id).where(column_filter(column)(value)))


def boot_serial_filter(value: Any) -> ColumnElement[bool]:
    """The serial number the charger reported in its last BootNotification (either of the two)."""
    boot = cp.last_boot_notification
    return or_(*(boot[key].as_string() == str(value) for key in BOOT_SERIALS))


def name_filter(value: Any) -> ColumnElement[bool]:
    """Names containing the text, case-insensitively."""
    text = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cp.name.ilike(f"%{text}%", escape="\\")


def nothing(_value: Any) -> ColumnElement[bool]:
    return false()


FILTERS = {
    "networkId": column_filter(cp.network_id),
    "userId": column_filter(cp.user_id),
    "partnerId": column_filter(cp.partner_id),
    "roamingOperatorIds": column_filter(cp.roaming_operator_id),
    "desiredSecurityProfileStatus": column_filter(cp.desired_security_profile_status),
    "vendorId": vendor_filter,
    "evsePhysicalReference": evse_filter(evses.c.physical_reference),
    "bootNotificationSerialNumber": boot_serial_filter,
    "roaming": roaming_filter,
    "name": name_filter,
    "tag": json_array_contains(charge_points.c.attrs, "tags"),
    # Circuits (load management) and sub-operators (groups of partners) are not kept by cpms
    # yet, so no charge point is in one: the answer is an empty list, not an error.
    "circuitId": nothing,
    "subOperatorId": nothing,
}


async def load_null(name: str, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        doc.setdefault(name, None)


async def no_charging_profile(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """Smart charging is not a domain of cpms yet: no charge point has a charging profile."""
    await load_null("chargingProfile", docs)


async def normalise(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """Rules beyond the schema: an OCPP identity that can be dialled, a zone at the location."""
    network = doc.get("network") if isinstance(doc.get("network"), dict) else {}
    identity = network.get("id")
    if isinstance(identity, str) and (not identity.strip() or "/" in identity):
        field = ctx.view.wire_name("network.id")
        raise Invalid.field(field, f"The {field} must be a non-empty OCPP identity without '/'.")
    if isinstance(doc.get("tags"), list):
        doc["tags"] = list(dict.fromkeys(doc["tags"]))
    await _check_zone(tx, doc, ctx)
    await _check_connected_charge_point(tx, doc, ctx)


async def _check_zone(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    zone_id = doc.get("chargingZoneId")
    if zone_id is None or (ctx.old and ctx.old.get("chargingZoneId") == zone_id
                           and ctx.old.get("locationId") == doc.get("locationId")):
        return
    found = (await tx.conn.execute(select(charging_zones.c.location_id)
                                   .where(charging_zones.c.id == zone_id))).first()
    if found is not None and found.location_id != doc.get("locationId"):
        field = ctx.view.wire_name("chargingZoneId")
        raise Invalid.field(field, f"The selected {field} is invalid: charging zone {zone_id} is not at "
                                   f"location {doc.get('locationId')}.")


async def _check_connected_charge_point(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    other = doc.get("ocppConnectedChargePointId")
    if other is None or (ctx.old and ctx.old.get("ocppConnectedChargePointId") == other):
        return
    field = ctx.view.wire_name("ocppConnectedChargePointId")
    exists = (await tx.conn.execute(select(cp.id).where(cp.id == other))).first() if 0 < other < 2**63 else None
    if exists is None or (ctx.old and ctx.old["id"] == other):
        raise Invalid.field(field, f"The selected {field} is invalid: it must be another existing charge point.")


async def default_communication_mode(_tx: Tx, doc: dict[str, Any], _ctx: WriteContext) -> None:
    if doc.get("communicationMode") is None:
        via_other = doc.get("ocppConnectedChargePointId") is not None
        doc["communicationMode"] = "via_ocpp_connected_charge_point" if via_other else "direct_ocpp"


async def announce_evse_deletions(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The database deletes a charge point's EVSEs with it (CASCADE); their listeners hear it here."""
    ids = (await tx.conn.execute(select(evses.c.id).where(evses.c.charge_point_id == doc["id"])
                                 .order_by(evses.c.id))).scalars().all()
    for evse_id in ids:
        await tx.emit(Event(type=EVSE_EVENT, entity="evse", entity_id=evse_id,
                            data={"action": "deleted", "chargePointId": doc["id"]}, at=ctx.now))


def to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    first = doc.get("firstContactAt")
    if isinstance(first, str):
        doc["firstContactAt"] = first[:10]  # the contract's v2.0 shows the date of first contact
    if doc.get("communicationMode") is None:
        # required by the contract; a charger is expected to speak OCPP to cpms directly
        doc["communicationMode"] = "direct_ocpp"
    return doc


CHARGE_POINT = Resource(
    name="charge point",
    store=Store(charge_points),
    event=EVENT,
    filters=FILTERS,
    includes={"chargingProfile": no_charging_profile},
    defaults={"networkStatus": "never_connected", "security.currentProfile": 0},
    secrets=[Secret("network.password", "network_password_hash", hash_charger_password)],
    before_create=[normalise, default_communication_mode],
    before_update=[normalise],
    before_delete=[announce_evse_deletions],
)

V2 = View(to_wire_hook=to_v2)

registry.bind(CHARGE_POINT, "/public-api/resources/charge-points/v2.0", view=V2)
