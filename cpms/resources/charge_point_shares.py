"""Who else may use a charge point: users it is shared with, and partners it is shared with.

Shares are a resource nested under their charge point (one share per user). Shared partners are
a set, replaced whole by a PUT; partners are not kept by cpms yet, so they are plain ids. Either
change is a change of the charge point: "chargePoint.changed", and its lastUpdatedAt moves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.errors import Invalid, NotFound
from cpms.events import Event
from cpms.resources.binding import Parent
from cpms.resources.charge_points import CHARGE_POINT, EVENT
from cpms.resources.resource import Resource
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.tables.charge_points import charge_point_shared_partners, charge_point_shares, charge_points

PARTNER_ID_LIMIT = 2**31  # partner ids are 32-bit, like charge_points.partner_id
SHARES_PATH = "/public-api/resources/charge-points/v2.0/{chargePoint}/shares"
PARTNERS_PATH = "/public-api/resources/charge-points/v2.0/{chargePoint}/shared-partners"
ON_CHARGE_POINT = {"chargePoint": Parent("charge_point_id", CHARGE_POINT)}

SHARE = Resource(name="charge point share", store=Store(charge_point_shares), event=EVENT,
                 event_subject="charge_point_id", immutable=("userId",))
SHARED_PARTNER = Resource(name="shared partner", store=Store(charge_point_shared_partners))

registry.bind(SHARE, SHARES_PATH, view=View(renames={"sharedOn": "createdAt"}), parents=ON_CHARGE_POINT)
registry.bind(SHARED_PARTNER, PARTNERS_PATH, view=View(renames={"id": "partnerId", "sharedAt": "createdAt"}),
              parents=ON_CHARGE_POINT)


@registry.operation("chargePointSharedPartnersSync")
async def sync_shared_partners(call: Call) -> Reply:
    """The charge point is shared with exactly these partners: new ones are added, missing ones removed."""
    cp_id = call.path["chargePoint"]
    wanted = list(dict.fromkeys((call.body or {}).get("partnerIds") or ()))
    errors = {f"partnerIds.{n}": [f"The partnerIds.{n} field must be a partner id (1 to {PARTNER_ID_LIMIT - 1})."]
              for n, partner_id in enumerate(wanted) if not 0 < partner_id < PARTNER_ID_LIMIT}
    if errors:
        raise Invalid(errors)
    table, now = charge_point_shared_partners, call.rt.clock.now()
    async with call.rt.db.write() as tx:
        found = (await tx.conn.execute(select(charge_points.c.id).where(charge_points.c.id == cp_id))).first() \
            if 0 < cp_id < 2**63 else None
        if found is None:
            raise NotFound(f"{CHARGE_POINT.label} {cp_id} not found.")
        current = set((await tx.conn.execute(select(table.c.partner_id)
                                             .where(table.c.charge_point_id == cp_id))).scalars().all())
        removed, added = current - set(wanted), [p for p in wanted if p not in current]
        if removed:
            await tx.conn.execute(table.delete().where(table.c.charge_point_id == cp_id,
                                                       table.c.partner_id.in_(removed)))
        if added:
            await tx.conn.execute(table.insert(), [{"charge_point_id": cp_id, "partner_id": p, "created_at": now}
                                                   for p in added])
        if removed or added:
            await tx.conn.execute(charge_points.update().where(charge_points.c.id == cp_id)
                                  .values(last_updated_at=now))
            data: dict[str, Any] = {"action": "updated", "sharedPartners": {"added": added, "removed": sorted(removed)}}
            await tx.emit(Event(type=EVENT, entity="chargePoint", entity_id=cp_id, data=data, at=now))
    return Reply(None, 204)
