"""Locations (sites) and their charging zones, in every version the contract serves.

The canonical location is the v2.0 document; v1.0 is a view over the same table
(`cpms.resources.locations_v1`). Charging zones are a sub-resource of one location: a zone is
only reachable under its own location, and deleting a location deletes its zones. A location
that still has charge points cannot be deleted (charge_points.location_id is RESTRICT).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.errors import Invalid
from cpms.events import Event
from cpms.resources.binding import Parent
from cpms.resources.locations_rules import NO_ROAMING_OPERATOR, normalise
from cpms.resources.locations_v1 import V1
from cpms.resources.query import json_array_contains
from cpms.resources.resource import Resource, WriteContext
from cpms.resources.store import Store
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.locations import charging_zones, locations

ZONE_EVENT = "chargingZone.changed"
ZONE = Resource(name="charging zone", store=Store(charging_zones), event=ZONE_EVENT)


def roaming_filter(value: Any) -> ColumnElement[bool]:
    """Roaming locations are the ones a roaming operator offers; local ones have none."""
    column = locations.c.roaming_operator_id
    wanted = value if isinstance(value, bool) else str(value).strip().lower() in {"true", "1"}
    return column.is_not(None) if wanted else column.is_(None)


def partner_filter(value: Any) -> ColumnElement[bool]:
    """Locations with a charge point of the partner; null: locations none of whose chargers has one."""
    at_location = charge_points.c.location_id == locations.c.id
    if value is None or value == "null":
        return ~exists().where(at_location, charge_points.c.partner_id.is_not(None))
    try:
        partner = int(value)
    except (TypeError, ValueError):
        raise Invalid.field("filter.partnerId", f"The filter value {value!r} is not valid here.") from None
    return exists().where(at_location, charge_points.c.partner_id == partner)


async def load_zones(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    by_location: dict[int, list[dict[str, Any]]] = defaultdict(list)
    stmt = (select(charging_zones).where(charging_zones.c.location_id.in_([d["id"] for d in docs]))
            .order_by(charging_zones.c.id))
    rows = (await conn.execute(stmt)).all()
    for row, zone in zip(rows, ZONE.store.join_all(rows)):
        by_location[row.location_id].append(zone)
    for doc in docs:
        doc["chargingZones"] = by_location.get(doc["id"], [])


def default_to(name: str, value: Any) -> Any:
    """A loader for an `include[]` name: the stored value, or `value` when there is none."""

    async def load(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
        for doc in docs:
            if doc.get(name) is None:
                doc[name] = value() if callable(value) else value

    return load


async def show_roaming_operator(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        if doc.get("roamingOperatorId") is None:
            doc["roamingOperatorId"] = NO_ROAMING_OPERATOR


async def announce_zone_deletions(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The database deletes a location's zones with it (CASCADE); their listeners hear it here."""
    ids = (await tx.conn.execute(select(charging_zones.c.id).where(charging_zones.c.location_id == doc["id"])
                                 .order_by(charging_zones.c.id))).scalars().all()
    for zone_id in ids:
        await tx.emit(Event(type=ZONE_EVENT, entity="chargingZone", entity_id=zone_id,
                            data={"action": "deleted", "locationId": doc["id"]}, at=ctx.now))


LOCATION = Resource(
    name="location",
    store=Store(locations),
    event="location.changed",
    filters={"tag": json_array_contains(locations.c.attrs, "tags"), "roaming": roaming_filter,
             "partnerId": partner_filter},
    includes={"chargingZones": load_zones, "locationImage": default_to("locationImage", None),
              "images": default_to("images", list), "externalAppData": default_to("externalAppData", None)},
    enrich=[show_roaming_operator],
    # v1.0 clients may create a location without an address; v2.0 answers always carry one
    defaults={"address": list},
    before_create=[normalise],
    before_update=[normalise],
    before_delete=[announce_zone_deletions],
)

registry.bind(LOCATION, "/public-api/resources/locations/v2.0")
registry.bind(LOCATION, "/public-api/resources/locations/v1.0", view=V1)
registry.bind(ZONE, "/public-api/resources/locations/v2.0/{location}/charging-zones",
              parents={"location": Parent("location_id", LOCATION)})
