"""Notifications about charging: authorizations, reservations and sessions with their meter values.

Session events carry a snapshot of the session (cpms.domain.session_events); what the snapshot
lacks (the deprecated externalSessionId, the whole session object of SessionUpdateNotification)
is read here. A session on an EVSE cpms does not know has evseId 0, as the sessions resource
shows it. Energy and meter registers are Wh; registers are integers in these callbacks.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import iso
from cpms.resources.sessions import figures
from cpms.storage.tables.sessions import sessions
from cpms.webhooks.notifications import BuildContext, callback_schema, notification
from cpms.webhooks.payloads.builders import entity_id, shaped, wire_document

SESSIONS = "/public-api/resources/sessions/v1.0"
NO_EVSE = 0
STARTED, STOPPED = "session.started", "session.stopped"


def authorization(ctx: BuildContext) -> dict[str, Any]:
    """The deprecated notification: the OCPP verdict on the id tag."""
    data = ctx.event.data
    return {"chargePointId": data.get("chargePointId"), "authorizationId": entity_id(ctx.event.entity_id),
            "idTag": data.get("idTag"), "status": data.get("ocppStatus"), "lastUpdatedAt": iso(ctx.event.at)}


def authorization_changed(ctx: BuildContext) -> dict[str, Any]:
    data = ctx.event.data
    return {"authorizationId": entity_id(ctx.event.entity_id), "action": data.get("action"),
            "chargePointId": data.get("chargePointId"), "idTag": data.get("idTag"), "status": data.get("status"),
            "lastUpdatedAt": iso(ctx.event.at)}


def reservation_changed(ctx: BuildContext) -> dict[str, Any]:
    return {"reservationId": entity_id(ctx.event.entity_id), "status": ctx.event.data.get("status"),
            "lastUpdatedAt": iso(ctx.event.at)}


class ExternalIds:
    """The id a remote start's caller gave a session (kept in its attrs), if any.

    It is written when the session is created and never changes, so it is read once per session and
    database (bounded): meter value notifications, the busiest of all, then cost no query.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._by_database: WeakKeyDictionary[Any, OrderedDict[int, str | None]] = WeakKeyDictionary()

    async def __call__(self, conn: AsyncConnection, session_id: int) -> str | None:
        known = self._by_database.setdefault(conn.sync_engine, OrderedDict())
        if session_id in known:
            known.move_to_end(session_id)
            return known[session_id]
        row = (await conn.execute(select(sessions.c.attrs).where(sessions.c.id == session_id))).first()
        if row is None:
            return None
        value = (row.attrs or {}).get("externalSessionId")
        known[session_id] = found = str(value) if value is not None else None
        if len(known) > self.size:
            known.popitem(last=False)
        return found


external_session_id = ExternalIds()


def register(value: Any) -> int | None:
    return None if value is None else int(round(float(value)))


def start_stop(*, user_on_stop: bool) -> Any:
    """session.started / session.stopped as a start-stop notification.

    meterStop is required at the start too: it is then the start register (nothing consumed
    yet). A register the charger never gave is 0 at the start and start + energy at the stop.
    The deprecated callback leaves the user out of stops (`user_on_stop` False).
    """

    async def build(ctx: BuildContext) -> dict[str, Any] | None:
        data = ctx.event.data
        session = data.get("session") or {}
        stop = ctx.event.type == STOPPED
        energy = float(session.get("energy") or 0.0)
        meter_start = register(session.get("meterStart")) or 0
        meter_stop = register(session.get("meterStop")) if stop else meter_start
        if meter_stop is None:
            meter_stop = register(meter_start + energy)
        payload: dict[str, Any] = {
            "sessionId": data.get("sessionId"), "chargePointId": data.get("chargePointId"),
            "evseId": data.get("evseId") or NO_EVSE, "action": "stop" if stop else "start",
            "idTag": session.get("idTag"), "externalSessionId": await external_session_id(ctx.conn, data["sessionId"]),
            "startedAtTimestamp": session.get("startedAt"), "meterStart": meter_start, "meterStop": meter_stop,
            "energyConsumed": energy if stop else 0.0, "lastUpdatedAt": iso(ctx.event.at),
        }
        if not stop or user_on_stop:
            payload["userId"] = data.get("userId")
        if stop:
            payload["stoppedAtTimestamp"] = session.get("stoppedAt")
            payload["reason"] = session.get("reason")
        return payload

    return build


# what the event's snapshot knows of the session at the time of the change
AS_OF_EVENT = ("status", "reason", "userId", "authorizationId", "idTag", "startedAt", "stoppedAt", "energy", "power",
               "socPercent", "meterStart", "meterStop", "lastUpdatedAt")


async def session_update(ctx: BuildContext) -> dict[str, Any] | None:
    """The whole session as GET sessions/v1.0/{id} shows it, with what the event's snapshot knows as
    of the change: one commit may carry several updates (readings, then the stop), each is told as it
    was. Nothing for a session deleted since."""
    session = await wire_document(ctx.conn, SESSIONS, entity_id(ctx.event.entity_id))
    if session is None:
        return None
    snapshot = ctx.event.data.get("session") or {}
    session.update({k: snapshot[k] for k in AS_OF_EVENT if k in snapshot})
    await figures(ctx.conn, [session])  # what derives from energy and power, as of the event too
    return {"session": session}


def _meter_value_enums() -> tuple[frozenset[str], frozenset[str]]:
    item = callback_schema("SessionMeterValuesNotification")["properties"]["meterValues"]["items"]["properties"]
    return frozenset(item["measurand"]["enum"]), frozenset(item["unit"]["enum"])


MEASURANDS, UNITS = _meter_value_enums()


async def meter_values(ctx: BuildContext) -> dict[str, Any] | None:
    """The readings of measurands the callback names. Power is in W, a unit its list lacks: such
    values go without `unit` (the measurand's unit is then W)."""
    data = ctx.event.data
    values = []
    for item in data.get("meterValues") or ():
        if item.get("measurand") not in MEASURANDS or item.get("value") is None:
            continue
        value = {"timestamp": item.get("timestamp"), "measurand": item["measurand"], "value": item["value"]}
        if item.get("unit") in UNITS:
            value["unit"] = item["unit"]
        values.append(value)
    if not values:
        return None
    return {"chargePointId": data.get("chargePointId"), "evseId": data.get("evseId") or NO_EVSE,
            "sessionId": data.get("sessionId"), "externalSessionId": await external_session_id(ctx.conn,
                                                                                                data["sessionId"]),
            "meterValues": values}


notification("AuthorizationNotification", on="authorization.created", build=shaped(authorization))
notification("authorization.changed", on="authorization.created", build=shaped(authorization_changed))
notification("authorization.changed", on="authorization.changed", build=shaped(authorization_changed))
notification("reservation.changed", on="reservation.changed", build=shaped(reservation_changed))
for _event in (STARTED, STOPPED):
    notification("session.start.stop.notification", on=_event, build=shaped(start_stop(user_on_stop=True)))
    notification("SessionStartStopNotification", on=_event, build=shaped(start_stop(user_on_stop=False)))
notification("SessionUpdateNotification", on="session.updated", build=shaped(session_update))
notification("SessionMeterValuesNotification", on="session.meterValues", build=shaped(meter_values))
