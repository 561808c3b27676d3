"""Users (drivers, customers): the v1.0 resource, its memberships in user groups, its deletion rules.

- Requests spell some fields in snake_case (`first_name`, `post_code` ...), answers in camelCase;
  the wire `id` is a string.
- The password is write-only, kept as a scrypt hash (`cpms.security.passwords`), never answered.
- Emails are unique case-insensitively: they are stored lower-cased.
- `userGroupIds` lives in user_group_members: checked before the write (422 naming the field),
  synced after it, loaded for a whole page in one query.
- Deleting a user deletes its payment methods, invoice details and memberships (CASCADE) and
  keeps its id tags, unlinked (user_id SET NULL): a tag is a physical card the operator may hand
  to someone else. The tags' lastUpdatedAt moves and each announces `idTag.changed`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.errors import Conflict, Invalid
from cpms.events import Event
from cpms.resources.crud import MAX_ID
from cpms.resources.document import MISSING, pop_path
from cpms.resources.resource import Resource, Secret, WriteContext
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.security.passwords import hash_password
from cpms.storage.db import Tx
from cpms.storage.tables.users import id_tags, payment_methods, user_group_members, user_groups, users

ID_TAG_EVENT = "idTag.changed"
PAYMENT_METHOD_EVENT = "user.paymentMethod.changed"


def _filter_id(name: str, value: Any, bound: int = MAX_ID) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid.field(f"filter.{name}", f"The filter value {value!r} is not valid here: use an id.") from None
    return number if 0 < number <= bound else 0  # an id no row can have (and the column's type can hold)


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    """Id lists small enough for one statement (PostgreSQL takes at most 32767 parameters)."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def user_group_filter(value: Any) -> ColumnElement[bool]:
    members = select(user_group_members.c.user_id).where(
        user_group_members.c.user_group_id == _filter_id("userGroupId", value))
    return users.c.id.in_(members)


def partner_filter(value: Any) -> ColumnElement[bool]:
    return users.c.partner_id == _filter_id("partnerId", value, bound=2**31 - 1)  # an INTEGER column


def email_filter(value: Any) -> ColumnElement[bool]:
    return users.c.email == str(value).strip().lower()


def external_app_data_filter(value: Any) -> ColumnElement[bool]:
    """Users whose externalAppData holds the text in a key or a value (case-insensitive)."""
    text = cast(users.c.attrs["externalAppData"], Text)
    return func.lower(text).contains(str(value).lower(), autoescape=True)


async def lower_email(_tx: Tx, doc: dict[str, Any], _ctx: WriteContext) -> None:
    if isinstance(doc.get("email"), str):
        doc["email"] = doc["email"].lower()


async def drop_nonce(_tx: Tx, doc: dict[str, Any], _ctx: WriteContext) -> None:
    """A client's one-time request marker, not a property of the user."""
    doc.pop("nonce", None)


async def take_group_ids(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """Move `userGroupIds` out of the document (it is kept as memberships), refusing unknown groups."""
    wanted = pop_path(doc, "userGroupIds")
    if wanted is MISSING:
        return
    ids = sorted(set(wanted or ()))
    valid = [i for i in ids if 0 < i <= MAX_ID]
    found: set[int] = set()
    for chunk in _chunks(valid):
        found.update((await tx.conn.execute(select(user_groups.c.id).where(user_groups.c.id.in_(chunk)))).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        field = ctx.view.wire_name("userGroupIds")
        named = ", ".join(map(str, missing[:10])) + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else "")
        raise Invalid.field(field, f"The selected {field} is invalid: there is no user group {named}.")
    ctx.extras["userGroupIds"] = ids


async def sync_group_ids(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    ids = ctx.extras.get("userGroupIds")
    if ids is None:
        return
    members = user_group_members
    have = set((await tx.conn.execute(select(members.c.user_group_id).where(members.c.user_id == doc["id"]))).scalars())
    try:
        for chunk in _chunks(sorted(have - set(ids))):
            await tx.conn.execute(delete(members).where(members.c.user_id == doc["id"], members.c.user_group_id.in_(chunk)))
        new = [{"user_id": doc["id"], "user_group_id": group_id} for group_id in ids if group_id not in have]
        if new:
            await tx.conn.execute(insert(members), new)
    except IntegrityError:
        # a group deleted between the check and this write
        raise Conflict("A user group of userGroupIds was deleted meanwhile; try again.") from None


async def load_group_ids(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    by_user: dict[int, list[int]] = defaultdict(list)
    stmt = (select(user_group_members.c.user_id, user_group_members.c.user_group_id)
            .where(user_group_members.c.user_id.in_([d["id"] for d in docs]))
            .order_by(user_group_members.c.user_group_id))
    for user_id, group_id in (await conn.execute(stmt)).all():
        by_user[user_id].append(group_id)
    for doc in docs:
        doc["userGroupIds"] = by_user.get(doc["id"], [])


async def show_balance(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    # cpms keeps no prepaid wallet: every user's balance is 0
    for doc in docs:
        doc.setdefault("balance", 0)


async def no_partner_invites(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    # cpms keeps no partner invites: include[]=partnerInvites answers an empty list
    for doc in docs:
        doc["partnerInvites"] = []


async def release_id_tags(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The user's tags stay, unlinked from the user and its payment methods; its methods go."""
    tag_ids = (await tx.conn.execute(select(id_tags.c.id).where(id_tags.c.user_id == doc["id"])
                                     .order_by(id_tags.c.id))).scalars().all()
    if tag_ids:
        await tx.conn.execute(update(id_tags).where(id_tags.c.id.in_(tag_ids))
                              .values(user_id=None, payment_method_id=None, last_updated_at=ctx.now))
    for tag_id in tag_ids:
        await tx.emit(Event(type=ID_TAG_EVENT, entity="idTag", entity_id=tag_id,
                            data={"action": "updated", "cause": {"type": "user", "id": doc["id"], "action": "deleted"}},
                            at=ctx.now))
    method_ids = (await tx.conn.execute(select(payment_methods.c.id).where(payment_methods.c.user_id == doc["id"])
                                        .order_by(payment_methods.c.id))).scalars().all()
    for method_id in method_ids:
        await tx.emit(Event(type=PAYMENT_METHOD_EVENT, entity="paymentMethod", entity_id=method_id,
                            data={"action": "deleted", "userId": doc["id"]}, at=ctx.now))


def _id_as_text(doc: dict[str, Any]) -> dict[str, Any]:
    # the contract types a user's id as a string (path parameters and userId elsewhere are integers)
    if isinstance(doc.get("id"), int):
        doc["id"] = str(doc["id"])
    return doc


V1 = View(
    request_aliases={"first_name": "firstName", "middle_name": "middleName", "last_name": "lastName",
                     "post_code": "postCode", "vehicle_no": "vehicleNo", "personal_id": "personalId"},
    to_wire_hook=_id_as_text,
)

USER = Resource(
    name="user",
    store=Store(users, hidden=("password_hash", "partner_id")),
    event="user.changed",
    filters={"userGroupId": user_group_filter, "partnerId": partner_filter, "email": email_filter,
             "externalAppData": external_app_data_filter},
    includes={"partnerInvites": no_partner_invites},
    enrich=[load_group_ids, show_balance],
    defaults={"requirePasswordReset": False, "receiveNewsAndPromotions": False},
    secrets=[Secret(path="password", column="password_hash", hasher=hash_password)],
    before_create=[lower_email, drop_nonce, take_group_ids],
    before_update=[lower_email, drop_nonce, take_group_ids],
    before_delete=[release_id_tags],
    after_write=[sync_group_ids],
)

registry.bind(USER, "/public-api/resources/users/v1.0", view=V1)
