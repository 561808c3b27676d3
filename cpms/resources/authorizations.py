"""Authorizations, read-only: v2.1 (canonical), v2.0 and the deprecated v1.0 read.

Written by the domain (cpms.domain.authorizations) whenever an id token is judged or a remote
start is granted. `sessionIds` are the sessions that used one. Versions differ in words only:
v1.0 says rfidTagUid and method `rfid_tag`; v2.0 knows no `mac_address` method (an id tag to it);
v2.1 requires userId and idTagUid, and shows an authorization of nobody with userId 0.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.resources.query import column_filter
from cpms.resources.resource import Resource
from cpms.resources.sessions import V1_METHODS
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.tables.sessions import authorizations, sessions
from cpms.storage.tables.users import users

ANONYMOUS = 0


def partner_filter(value: Any) -> ColumnElement[bool]:
    return authorizations.c.user_id.in_(select(users.c.id).where(column_filter(users.c.partner_id)(value)))


async def load_session_ids(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    by_authorization: dict[int, list[int]] = defaultdict(list)
    rows = await conn.execute(select(sessions.c.authorization_id, sessions.c.id)
                              .where(sessions.c.authorization_id.in_([d["id"] for d in docs])).order_by(sessions.c.id))
    for row in rows.all():
        by_authorization[row.authorization_id].append(row.id)
    for doc in docs:
        doc["sessionIds"] = by_authorization.get(doc["id"], [])


def _v21(doc: dict[str, Any]) -> dict[str, Any]:
    if doc.get("userId") is None:
        doc["userId"] = ANONYMOUS
    if doc.get("idTagUid") is None:
        doc["idTagUid"] = ""
    return doc


def _v20(doc: dict[str, Any]) -> dict[str, Any]:
    if doc.get("method") == "mac_address":
        doc["method"] = "id_tag"
    return doc


def _v10(doc: dict[str, Any]) -> dict[str, Any]:
    doc["method"] = V1_METHODS.get(doc.get("method"), doc.get("method"))
    if doc.get("status") == "pending":
        doc["status"] = "accepted"
    return doc


AUTHORIZATION = Resource(name="authorization", store=Store(authorizations), event=None,
                         filters={"partnerId": partner_filter}, enrich=[load_session_ids])

registry.bind(AUTHORIZATION, "/public-api/resources/authorizations/v2.1", view=View(to_wire_hook=_v21))
registry.bind(AUTHORIZATION, "/public-api/resources/authorizations/v2.0", view=View(to_wire_hook=_v20))
registry.bind(AUTHORIZATION, "/public-api/resources/authorizations/v1.0",
              view=View(renames={"rfidTagUid": "idTagUid"}, to_wire_hook=_v10))
