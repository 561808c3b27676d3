"""Id tags (RFID cards, MAC addresses): v2.0, and the deprecated v1.0 RFID tags over the same table.

The uid is what a charger sends in OCPP Authorize. OCPP compares id tokens case-insensitively
(CiString in 1.6, "case insensitive" in 2.0.1), so two tags whose uids differ only in case would
be one token to a charger: the uid is unique case-insensitively (the database's unique
constraint underneath is exact, the check here catches the rest). A tag's payment method must
be one of its own user's; moving a tag to another user without naming a payment method drops it.

v1.0 says rfidTagUid / rfidLabel, a date for expireAt (kept as midnight UTC of that day), and
filters status=active for what v2.0 calls enabled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.clock import UTC, iso
from cpms.errors import Invalid
from cpms.resources.crud import MAX_ID
from cpms.resources.resource import Resource, WriteContext
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.db import Tx
from cpms.storage.tables.users import id_tags, payment_methods



def uid_filter(value: Any) -> ColumnElement[bool]:
    return func.lower(id_tags.c.uid) == str(value).lower()


def status_filter(value: Any) -> ColumnElement[bool]:
    # v1.0 filters by "active", the status v2.0 names "enabled"
    return id_tags.c.status == {"active": "enabled"}.get(value, value)


async def unique_uid(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    uid = doc.get("idTagUid")
    if not isinstance(uid, str) or "\x00" in uid or (ctx.old is not None and uid == ctx.old.get("idTagUid")):
        return  # unchanged, or refused by the column checks that follow (PostgreSQL cannot compare NUL)
    stmt = select(id_tags.c.id).where(func.lower(id_tags.c.uid) == uid.lower())
    if ctx.old is not None:
        stmt = stmt.where(id_tags.c.id != ctx.old["id"])
    if (await tx.conn.execute(stmt.limit(1))).first() is not None:
        field = ctx.view.wire_name("idTagUid")
        raise Invalid.field(field, f"The {field} has already been taken.")


async def own_payment_method(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """paymentMethodId (a string on the wire) names a payment method of the tag's own user."""
    field = ctx.view.wire_name("paymentMethodId")
    moved = ctx.old is not None and doc.get("userId") != ctx.old.get("userId")
    if moved and field not in ctx.body:
        doc["paymentMethodId"] = None
    value = doc.get("paymentMethodId")
    if value is None:
        return
    text = str(value)
    method_id = int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None
    owner = None
    if method_id is not None:
        owner = (await tx.conn.execute(select(payment_methods.c.user_id)
                                       .where(payment_methods.c.id == method_id))).scalar_one_or_none()
    if owner is None or owner != doc.get("userId"):
        raise Invalid.field(field, f"The selected {field} is invalid: it is not a payment method of the tag's user.")
    doc["paymentMethodId"] = method_id


def _payment_method_as_text(doc: dict[str, Any]) -> dict[str, Any]:
    # the contract types payment method ids as strings
    if isinstance(doc.get("paymentMethodId"), int):
        doc["paymentMethodId"] = str(doc["paymentMethodId"])
    return doc


def _expire_date_out(doc: dict[str, Any]) -> dict[str, Any]:
    if isinstance(doc.get("expireAt"), str):
        doc["expireAt"] = doc["expireAt"][:10]
    return doc


def _expire_date_in(doc: dict[str, Any]) -> dict[str, Any]:
    if isinstance(doc.get("expireAt"), str):
        day = datetime.fromisoformat(doc["expireAt"][:10])
        doc["expireAt"] = iso(day.replace(tzinfo=UTC))
    return doc


ID_TAG = Resource(
    name="id tag",
    store=Store(id_tags),
    event="idTag.changed",
    filters={"idTagUid": uid_filter, "rfidTagUid": uid_filter, "status": status_filter},
    before_create=[unique_uid, own_payment_method],
    before_update=[unique_uid, own_payment_method],
)

V2 = View(to_wire_hook=_payment_method_as_text)
RFID_V1 = View(renames={"rfidTagUid": "idTagUid", "rfidLabel": "idLabel"},
               to_wire_hook=_expire_date_out, from_wire_hook=_expire_date_in)

registry.bind(ID_TAG, "/public-api/resources/id-tags/v2.0", view=V2)
registry.bind(ID_TAG, "/public-api/resources/rfid-tags/v1.0", view=RFID_V1)
