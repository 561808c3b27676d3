"""User groups: named sets of users (tariffs, access lists and partners refer to them).

Membership belongs to the user (`userGroupIds`, kept in user_group_members by
`cpms.resources.users`). Deleting a group removes its memberships (CASCADE); the members'
documents change with it, so their lastUpdatedAt moves and each announces `user.changed`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.sql import ColumnElement

from cpms.api.registry import registry
from cpms.errors import Invalid
from cpms.events import Event
from cpms.resources.resource import Resource, WriteContext
from cpms.resources.store import Store
from cpms.storage.db import Tx
from cpms.storage.tables.users import user_group_members, user_groups, users

USER_EVENT = "user.changed"


def no_partner_filter(value: Any) -> ColumnElement[bool]:
    """filter[noPartner]=true: groups of the operator itself; false: groups of some partner."""
    text = str(value).strip().lower()
    if text not in {"true", "1", "false", "0"}:
        raise Invalid.field("filter.noPartner", f"The filter value {value!r} is not valid here: use true or false.")
    column = user_groups.c.partner_id
    return column.is_(None) if text in {"true", "1"} else column.is_not(None)


async def touch_members(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The group's members lose it from their userGroupIds: that is a change of each user."""
    member_ids = (await tx.conn.execute(
        select(user_group_members.c.user_id).where(user_group_members.c.user_group_id == doc["id"])
        .order_by(user_group_members.c.user_id))).scalars().all()
    if not member_ids:
        return
    await tx.conn.execute(update(users).where(users.c.id.in_(member_ids)).values(last_updated_at=ctx.now))
    for user_id in member_ids:
        await tx.emit(Event(type=USER_EVENT, entity="user", entity_id=user_id,
                            data={"action": "updated", "cause": {"type": "user group", "id": doc["id"],
                                                                 "action": "deleted"}}, at=ctx.now))


USER_GROUP = Resource(
    name="user group",
    store=Store(user_groups),
    event="userGroup.changed",
    filters={"noPartner": no_partner_filter},
    before_delete=[touch_members],
)

registry.bind(USER_GROUP, "/public-api/resources/user-groups/v1.0")
