"""EVSEs: the chargeable outlets of a charge point, with their connectors embedded.

The canonical EVSE is the v2.1 document (top-level /evses/v2.1, chargePointId in the body); the
same rows are served nested under their charge point (/charge-points/v2.0/{chargePoint}/evses)
and by the deprecated /evses/v2.0 view (`cpms.resources.evses_v20`). An EVSE's `networkId` (its
OCPP connectorId / evseId) is unique on its charge point. Connectors are rows of their own
(`cpms.resources.connectors`), shown in the EVSE document as `connectors` and written through
it where a version allows (v2.0 PUT).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.errors import Invalid
from cpms.events import Event
from cpms.resources.binding import Binding, Parent
from cpms.resources.charge_points import CHARGE_POINT, EVSE_EVENT, load_null, truthy
from cpms.resources.document import MISSING, deep_merge, pop_path
from cpms.resources.integrity import check_values
from cpms.resources.query import column_filter
from cpms.resources.resource import Resource, WriteContext
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.bulk import Lookup
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points, connectors, evses

ev = evses.c
CONNECTORS = Store(connectors)
# The contract requires an integer roamingOperatorId on every EVSE; one offered to no roaming
# operator has none: 0 on the wire (never a real id), NULL in storage (see filter[roaming]).
NO_ROAMING_OPERATOR = 0


def roaming_filter(value: Any) -> ColumnElement[bool]:
    return ev.roaming_operator_id.is_not(None) if truthy(value) else ev.roaming_operator_id.is_(None)


def tariff_group_filter(value: Any) -> ColumnElement[bool]:
    return ev.tariff_group_id.is_not(None) if truthy(value) else ev.tariff_group_id.is_(None)


def roaming_tariffs_filter(value: Any) -> ColumnElement[bool]:
    """EVSEs whose roaming data lists tariff ids (kept in attrs as `roaming.tariffIds`)."""
    tariffs = ev.attrs[("roaming", "tariffIds")].as_string()
    has = and_(tariffs.is_not(None), tariffs != "[]")
    return has if truthy(value) else ~has


def hardware_status_filter(value: Any) -> ColumnElement[bool]:
    # OCPP 2.0.1 says "occupied" where the v2.0 listing (OCPP 1.6 words) says "charging"
    wanted = ["charging", "occupied"] if value == "charging" else value
    return column_filter(ev.hardware_status)(wanted)


def connector_filter(value: Any) -> ColumnElement[bool]:
    return ev.id.in_(select(connectors.c.evse_id).where(column_filter(connectors.c.id)(value)))


def partner_filter(value: Any) -> ColumnElement[bool]:
    cp = charge_points.c
    return ev.charge_point_id.in_(select(cp.id).where(column_filter(cp.partner_id)(value)))


FILTERS = {
    "roaming": roaming_filter,
    "hasTariffGroup": tariff_group_filter,
    "hasRoamingTariffIds": roaming_tariffs_filter,
    "roamingOperatorIds": column_filter(ev.roaming_operator_id),
    # names of the deprecated v2.0 listing
    "evseStatus": lambda value: column_filter(ev.status)("enabled" if value == "active" else value),
    "evseType": column_filter(ev.current_type),
    "hardwareStatus": hardware_status_filter,
    "connectorId": connector_filter,
    "partnerId": partner_filter,
    # roaming platforms are not kept by cpms yet: no EVSE is offered through one
    "roamingPlatformId": lambda _value: false(),
}


# An EVSE shows its connectors without their timestamps: not read, not converted (a page has hundreds)
SHOWN_CONNECTOR_COLUMNS = [c for c in connectors.c if c.name not in ("created_at", "last_updated_at")]
# built once, the page's EVSE ids bound at execution: building it per page cost ~0.15 ms. On PostgreSQL
# the ids go as one array parameter: an expanding IN rendered and bound 100 placeholders per page (~0.3 ms)
CONNECTORS_OF_EVSES = Lookup(lambda of_evses: select(*SHOWN_CONNECTOR_COLUMNS).where(of_evses)
                             .order_by(connectors.c.evse_id, connectors.c.number, connectors.c.id),
                             connectors.c.evse_id)


async def load_connectors(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """Every EVSE's connectors in one query for the whole page."""
    by_evse: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (await conn.execute(*CONNECTORS_OF_EVSES(conn, [(d["id"],) for d in docs]))).all()
    for row, connector in zip(rows, CONNECTORS.join_all(rows)):
        by_evse[row.evse_id].append(connector)
    for doc in docs:
        doc["connectors"] = by_evse.get(doc["id"], [])


async def no_charging_profile(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """Smart charging is not a domain of cpms yet: no EVSE has a charging profile."""
    await load_null("chargingProfile", docs)


async def no_external_app_data(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    await load_null("externalAppData", docs)


async def show_required(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """What the contract requires of every EVSE, for rows written without it: the OCPP side may
    record an EVSE a charger reports before anyone describes it (see `described_only_by`), and
    roaming may leave its lists out."""
    for doc in docs:
        for name, value in described_only_by(str(doc.get("networkId"))).items():
            if doc.get(name) is None:
                doc[name] = value
        if doc.get("roamingOperatorId") is None:
            doc["roamingOperatorId"] = NO_ROAMING_OPERATOR
        roaming = doc.get("roaming")
        if isinstance(roaming, dict):
            for name in ("tariffIds", "capabilities"):
                if roaming.get(name) is None:
                    roaming[name] = []


async def normalise(_tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    network_id = doc.get("networkId")
    if isinstance(network_id, str) and not network_id.strip():
        field = ctx.view.wire_name("networkId")
        raise Invalid.field(field, f"The {field} must not be empty.")
    items = pop_path(doc, "connectors")
    if items is not MISSING and items is not None:
        ctx.extras["connectors"] = items


async def write_connectors(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    if "connectors" in ctx.extras:
        await sync_connectors(tx, doc["id"], ctx.extras["connectors"], ctx)


async def sync_connectors(tx: Tx, evse_id: int, items: list[dict[str, Any]], ctx: WriteContext) -> None:
    """Make the EVSE's connectors exactly `items`: listed ids are updated, new items created, the rest deleted."""
    table = connectors
    rows = {row.id: row for row in (await tx.conn.execute(select(table).where(table.c.evse_id == evse_id))).all()}
    errors: dict[str, list[str]] = {}
    wire = ctx.view.wire_name("connectors")
    for n, item in enumerate(items):
        if item.get("id") is not None and item["id"] not in rows:
            errors[f"{wire}.{n}.id"] = [f"The selected {wire}.{n}.id is invalid: not a connector of this EVSE."]
        elif item.get("id") is None and not item.get("type"):
            errors[f"{wire}.{n}.type"] = [f"The {wire}.{n}.type field is required."]
    if errors:
        raise Invalid(errors)
    kept = {item["id"] for item in items if item.get("id") is not None}
    gone = [connector_id for connector_id in rows if connector_id not in kept]
    if gone:
        await tx.conn.execute(table.delete().where(table.c.id.in_(gone)))
    number = max((rows[i].number for i in kept), default=0)
    for item in items:
        fields = {k: item[k] for k in ("type", "format", "status") if item.get(k) is not None}
        if item.get("id") is not None:
            await tx.conn.execute(table.update().where(table.c.id == item["id"])
                                  .values(**fields, last_updated_at=ctx.now))
        else:
            number += 1
            await tx.conn.execute(table.insert().values(evse_id=evse_id, number=number, attrs={},
                                                        created_at=ctx.now, last_updated_at=ctx.now, **fields))


async def next_connector_number(conn: AsyncConnection, evse_id: int) -> int:
    current = (await conn.execute(select(func.max(connectors.c.number))
                                  .where(connectors.c.evse_id == evse_id))).scalar_one()
    return (current or 0) + 1


async def put_evses(tx: Tx, charge_point_id: int, docs: list[dict[str, Any]], view: View, now: datetime) -> None:
    """Create or change EVSEs of a charge point, matched by networkId (v1.0 charge point writes)."""
    existing = {row.network_id: row for row in
                (await tx.conn.execute(select(evses).where(ev.charge_point_id == charge_point_id))).all()}
    written = Binding(resource=EVSE, path=EVSE_PATH, view=view)
    for doc in docs:
        row = existing.get(doc["networkId"])
        base = EVSE.store.join(row) if row is not None else {**described_only_by(doc["networkId"]), "createdAt": now}
        values = EVSE.store.split(deep_merge(base, doc))
        values.update(charge_point_id=charge_point_id, last_updated_at=now)
        check_values(written, values)
        if row is None:
            action = "created"
            evse_id = (await tx.conn.execute(evses.insert().values(values).returning(ev.id))).scalar_one()
        else:
            action, evse_id = "updated", row.id
            await tx.conn.execute(evses.update().where(ev.id == row.id).values(values))
        await tx.emit(Event(type=EVSE_EVENT, entity="evse", entity_id=evse_id,
                            data={"action": action, "chargePointId": charge_point_id}, at=now))


# v2.0 answers require allowsReservation; reservations are opt-in per EVSE
EVSE_DEFAULTS: dict[str, Any] = {"allowsReservation": False}


def described_only_by(network_id: str) -> dict[str, Any]:
    """An EVSE known only by its networkId (v1.0 writes name EVSEs of a template cpms does not
    keep): the contract requires a physical reference and a current type, so it is labelled with
    its networkId, AC (the common case), and enabled."""
    return {**EVSE_DEFAULTS, "networkId": network_id, "physicalReference": network_id, "currentType": "ac",
            "status": "enabled"}

EVSE = Resource(
    name="EVSE",
    store=Store(evses),
    event=EVSE_EVENT,
    filters=FILTERS,
    includes={"connectors": load_connectors, "chargingProfile": no_charging_profile,
              "externalAppData": no_external_app_data},
    enrich=[show_required],
    defaults=EVSE_DEFAULTS,
    before_create=[normalise],
    before_update=[normalise],
    after_write=[write_connectors],
    immutable=("chargePointId",),
)

EVSE_PATH = "/public-api/resources/evses/v2.1"
registry.bind(EVSE, EVSE_PATH)
registry.bind(EVSE, "/public-api/resources/charge-points/v2.0/{chargePoint}/evses",
              parents={"chargePoint": Parent("charge_point_id", CHARGE_POINT)})
