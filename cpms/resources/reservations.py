"""Reservations v1.0, read-only (made and canceled by actions: cpms.api.actions.reservations).

A reservation past its time reads as expired even before the sweep writes it so, and filters
agree. A reservation of a whole charge point shows evseId 0, which names no EVSE.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.clock import Clock, parse_iso
from cpms.domain.reservations import effective_status
from cpms.resources.query import typed
from cpms.resources.resource import Resource
from cpms.resources.store import Store
from cpms.storage.tables.sessions import reservations

r = reservations.c
WHOLE_CHARGE_POINT = 0


def status_filter(value: Any) -> ColumnElement[bool]:
    now = Clock().now()
    if value == "active":
        return and_(r.status == "active", r.expires_at > now)
    if value == "expired":
        return or_(r.status == "expired", and_(r.status == "active", r.expires_at <= now))
    return r.status == str(value)


async def as_of_now(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    now = Clock().now()
    for doc in docs:
        expires = doc.get("expiresAt")
        doc["status"] = effective_status(doc.get("status"), parse_iso(expires) if expires else None, now)
        if doc.get("evseId") is None:
            doc["evseId"] = WHOLE_CHARGE_POINT


RESERVATION = Resource(
    name="reservation", store=Store(reservations), event=None, enrich=[as_of_now],
    filters={"status": status_filter,
             "reservedFrom": lambda value: r.reserved_at >= typed(r.reserved_at, value),
             "reservedTo": lambda value: r.reserved_at <= typed(r.reserved_at, value)},
)

registry.bind(RESERVATION, "/public-api/resources/reservations/v1.0")
