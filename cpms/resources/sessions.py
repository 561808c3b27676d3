"""Sessions v1.0: listing (every filter of the contract), read, consumption stats.

The session's wire id is a string. `with*` query options of the contract load what they name
through the include machinery: `withAuthorization` the authorization, `withChargingPeriods` the
periods (`withChargingPeriodsPriceBreakdown` their price breakdowns), `withPriceBreakdown` the
session's, `withClockAlignedEnergyConsumption` the energy per `clockAlignedInterval` minutes.
Pricing is not a domain of cpms yet: price breakdowns are empty, amounts absent, payment, billing,
tax, terminal and roaming filters match their (null) columns. A session whose EVSE cpms does not
know (see cpms.domain.sessions) shows evseId 0, which names no EVSE.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.clock import Clock, iso
from cpms.domain import consumption
from cpms.domain.authorizations import key
from cpms.errors import NotFound
from cpms.resources import crud
from cpms.resources.binding import Binding
from cpms.resources.query import column_filter, typed
from cpms.resources.resource import Resource
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.sessions import authorizations, charging_periods, sessions

s, cp = sessions.c, charge_points.c
NO_EVSE = 0
V1_METHODS = {"id_tag": "rfid_tag", "mac_address": "rfid_tag", "roaming": "user_device",
              "payment_terminal": "admin", "plug_and_charge_iso15118": "plug_and_charge"}


def _of_charge_points(where: ColumnElement[bool]) -> ColumnElement[bool]:
    return s.charge_point_id.in_(select(cp.id).where(where))


def _boot(field: str) -> Callable[[Any], ColumnElement[bool]]:
    return lambda value: _of_charge_points(cp.last_boot_notification[field].as_string() == str(value))


def serial_filter(value: Any) -> ColumnElement[bool]:
    boot = cp.last_boot_notification
    return _of_charge_points((boot["chargePointSerialNumber"].as_string() == str(value))
                             | (boot["chargeBoxSerialNumber"].as_string() == str(value)))


def roaming_filter(value: Any) -> ColumnElement[bool]:
    ids = value.get("roamingOperatorCpoIds") if isinstance(value, dict) else value
    return column_filter(s.roaming_operator_cpo_id)(ids if isinstance(ids, list) else [ids])


def external_app_data_filter(value: Any) -> ColumnElement[bool]:
    """Sessions whose externalAppData holds the text in a key or a value (case-insensitive)."""
    return func.lower(cast(s.attrs["externalAppData"], Text)).contains(str(value).lower(), autoescape=True)


FILTERS = {
    "chargePointNetworkId": lambda value: _of_charge_points(cp.network_id == str(value)),
    "chargePointBootNotificationSerialNumber": serial_filter,
    "chargePointBootNotificationVendor": _boot("vendor"),
    "endedAfter": lambda value: s.stopped_at >= typed(s.stopped_at, value),
    "endedBefore": lambda value: s.stopped_at <= typed(s.stopped_at, value),
    "partnerId": lambda value: _of_charge_points(column_filter(cp.partner_id)(value)),
    "subOperatorId": column_filter(s.sub_operator_id),
    "idTag": lambda value: s.id_tag_key == key(str(value)),
    "taxId": column_filter(s.tax_id),
    "externalAppData": external_app_data_filter,
    "authorizationSource": lambda value: s.authorization_id.in_(
        select(authorizations.c.id).where(authorizations.c.source == str(value))),
    "roaming": roaming_filter,
}


# -- what every session shows -----------------------------------------------------------------------

async def figures(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        energy = doc.get("energy") or 0.0
        doc["energyConsumption"] = {"total": energy, "local": 0.0, "grid": energy}
        if doc.get("evseId") is None:
            doc["evseId"] = NO_EVSE
        latest = (doc.get("power") or {}).get("latest")
        if latest is not None:
            doc["powerKw"] = round(latest / 1000, 3)


# -- the with* options, as includes -----------------------------------------------------------------

async def load_authorization(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    ids = {d["authorizationId"] for d in docs if d.get("authorizationId") is not None}
    if not ids:
        return
    rows = {row.id: row for row in (await conn.execute(select(authorizations)
                                                         .where(authorizations.c.id.in_(ids)))).all()}
    for doc in docs:
        row = rows.get(doc.get("authorizationId"))
        if row is None:
            continue
        doc["authorization"] = {
            "id": row.id, "method": V1_METHODS.get(row.method, row.method), "source": row.source,
            "createdAt": iso(row.created_at), "status": "rejected" if row.status == "rejected" else "accepted",
            "rejectionReason": row.rejection_reason, "userId": row.user_id, "rfidTagUid": row.id_tag_uid,
            "lastUpdatedAt": iso(row.last_updated_at)}


async def load_periods(conn: AsyncConnection, docs: list[dict[str, Any]], breakdown: bool = False) -> None:
    p = charging_periods.c
    by_session: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = await conn.execute(select(charging_periods).where(p.session_id.in_([int(d["id"]) for d in docs]))
                              .order_by(p.session_id, p.id))
    for row in rows.all():
        period = {"id": row.id, "energy": int(round(row.energy or 0)), "startedAt": iso(row.started_at),
                  "stoppedAt": iso(row.stopped_at), "state": row.state, "chargingState": row.charging_state}
        if breakdown:
            period["priceBreakdown"] = []
        by_session[row.session_id].append(period)
    for doc in docs:
        doc["chargingPeriods"] = by_session.get(int(doc["id"]), [])


async def load_price_breakdown(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        doc["priceBreakdown"] = []


async def load_clock_aligned(conn: AsyncConnection, docs: list[dict[str, Any]], minutes: int = 15) -> None:
    ids = [int(d["id"]) for d in docs]
    rows = {row.id: row for row in (await conn.execute(select(s.id, s.started_at, s.stopped_at, s.meter_start,
                                                              s.meter_stop).where(s.id.in_(ids)))).all()}
    readings = await consumption.readings_of(conn, ids)
    now = Clock().now()
    for doc in docs:
        row = rows[int(doc["id"])]
        doc["clockAlignedEnergyConsumption"] = consumption.clock_aligned(
            row.started_at, row.stopped_at, row.meter_start, row.meter_stop, readings.get(row.id, []), minutes, now)


async def load_external_app_data(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        doc.setdefault("externalAppData", None)


INCLUDES: dict[str, Callable[[AsyncConnection, list[dict[str, Any]]], Awaitable[None]]] = {
    "externalAppData": load_external_app_data,
    "authorization": load_authorization,
    "chargingPeriods": load_periods,
    "chargingPeriodsWithBreakdown": partial(load_periods, breakdown=True),
    "priceBreakdown": load_price_breakdown,
    **{f"clockAligned{n}": partial(load_clock_aligned, minutes=n) for n in (15, 30, 60)},
}


def requested(query: dict[str, Any]) -> list[str]:
    """The include names the contract's with* options of this request amount to."""
    names = []
    if query.get("withAuthorization"):
        names.append("authorization")
    if query.get("withChargingPeriods"):
        names.append("chargingPeriodsWithBreakdown" if query.get("withChargingPeriodsPriceBreakdown")
                     else "chargingPeriods")
    if query.get("withPriceBreakdown"):
        names.append("priceBreakdown")
    if query.get("withClockAlignedEnergyConsumption"):
        names.append(f"clockAligned{query.get('clockAlignedInterval') or 15}")
    return names


def with_options(generic: Callable[[Binding, Call], Awaitable[Reply]], binding: Binding) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Reply:
        extra = requested(call.query)
        if extra:
            call = dataclasses.replace(call, query={**call.query,
                                                    "include": [*(call.query.get("include") or ()), *extra]})
        return await generic(binding, call)

    return handler


def _wire(doc: dict[str, Any]) -> dict[str, Any]:
    doc["id"] = str(doc["id"])
    return doc


SESSION = Resource(name="session", store=Store(sessions), event=None, filters=FILTERS, includes=INCLUDES,
                   enrich=[figures])
PATH = "/public-api/resources/sessions/v1.0"
BINDING = registry.bind(SESSION, PATH, view=View(to_wire_hook=_wire), skip={"sessionsListing", "sessionRead"})
registry.add("sessionsListing", with_options(crud.list_, BINDING))
registry.add("sessionRead", with_options(crud.read, BINDING))
BINDING.item_param = "session"


@registry.operation("sessionsConsumptionStatsRead")
async def consumption_stats(call: Call) -> Reply:
    raw = call.path["session"]
    session_id = int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() else None
    async with call.rt.db.read() as conn:
        row = None
        if session_id is not None and session_id <= crud.MAX_ID:
            row = (await conn.execute(select(s.id, s.meter_start, s.status).where(s.id == session_id))).first()
        if row is None:
            raise NotFound(f"Session {raw} not found.")
        readings = (await consumption.readings_of(conn, [row.id])).get(row.id, [])
    return Reply({"data": consumption.stats(row.meter_start, readings, row.status == "finished")},
                 call.op.success_status)
