"""Status history of charge points and EVSEs, and the v1.0 status summary.

- network status logs of a charge point (`presence` writes them): listing and the latest one;
- hardware status logs of a charge point (its own reports, OCPP 1.6 connectorId 0) and of an
  EVSE (`cpms.domain.status` writes them): listings and the latest ones, with what the error
  code means (`errorCodeDescription`, `errorCodeCustomerAction`);
- GET /charge-points/v1.0/{chargePoint}/status: network and hardware status of the charge point
  and its EVSEs in the v1.0 words.

Listings are declared resources; a listing that serves part of a table (the charge point's own
reports, not its EVSEs') is a `Subset` binding. The latest-* operations answer one object, so
they are small handlers over the same bindings.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.call import Call, Reply
from cpms.api.registry import Handler, registry
from cpms.clock import iso
from cpms.domain.status import describe_error
from cpms.errors import NotFound
from cpms.resources.binding import KINDS, Binding, Parent, operations_at
from cpms.resources.charge_points import CHARGE_POINT
from cpms.resources.crud import MAX_ID
from cpms.resources.evses import EVSE
from cpms.resources.resource import Resource
from cpms.resources.store import Store
from cpms.resources.view import IDENTITY, View
from cpms.storage.tables.charge_points import charge_points, evses
from cpms.storage.tables.ocpp import CHARGE_POINT_UNIT, hardware_status_logs, network_status_logs

CP_PATH = "/public-api/resources/charge-points/v2.0/{chargePoint}"
EVSE_PATH = "/public-api/resources/evses/v2.0/{evse}"
ON_CHARGE_POINT = {"chargePoint": Parent("charge_point_id", CHARGE_POINT)}
ON_EVSE = {"evse": Parent("evse_id", EVSE)}


@dataclass
class Subset(Binding):
    """A binding that serves only the rows matching `where` (besides its parents' scope)."""

    where: tuple[Any, ...] = ()

    def scope(self, call: Call) -> list[Any]:
        return [*super().scope(call), *self.where]


def bind_subset(resource: Resource, path: str, where: Iterable[Any], *, view: View = IDENTITY,
                parents: dict[str, Parent] | None = None) -> Subset:
    """`registry.bind` for a part of a table: the generic operations at `path`, scoped by `where`."""
    binding = Subset(resource=resource, path=path, view=view, parents=parents or {}, where=tuple(where))
    for op, kind, item_param in operations_at(path):
        generic = KINDS.get((kind, op.method))
        if generic is None:
            continue
        if item_param:
            binding.item_param = item_param
        registry.add(op.operation_id, functools.partial(generic, binding))
    registry.bindings.append(binding)
    return binding


async def explain_errors(_conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        meaning = describe_error(doc.get("errorCode"))
        if meaning is not None:
            doc["errorCodeDescription"], doc["errorCodeCustomerAction"] = meaning


NETWORK_LOG = Resource(name="network status log", store=Store(network_status_logs))
HARDWARE_LOG = Resource(name="hardware status log", store=Store(hardware_status_logs), enrich=[explain_errors])
# the network status log's time is when cpms saw the change
NETWORK_VIEW = View(renames={"timestamp": "createdAt"})

NETWORK_LOGS = registry.bind(NETWORK_LOG, f"{CP_PATH}/network-status-logs", view=NETWORK_VIEW,
                             parents=ON_CHARGE_POINT)
CP_HARDWARE_LOGS = bind_subset(HARDWARE_LOG, f"{CP_PATH}/hardware-status-logs", parents=ON_CHARGE_POINT,
                               where=[hardware_status_logs.c.unit == CHARGE_POINT_UNIT])
EVSE_HARDWARE_LOGS = registry.bind(HARDWARE_LOG, f"{EVSE_PATH}/hardware-status-logs", parents=ON_EVSE)


def latest(binding: Binding, missing: str) -> Handler:
    """GET .../latest-x-log: the newest row of `binding`'s listing, as one object."""

    async def handler(call: Call) -> Reply:
        store = binding.resource.store
        async with call.rt.db.read() as conn:
            for param, link in binding.parents.items():
                parent_id = call.path[param]
                found = None
                if 0 < parent_id <= MAX_ID:
                    parent = link.resource.store
                    found = (await conn.execute(select(parent.pk).where(parent.pk == parent_id))).first()
                if found is None:
                    raise NotFound(f"{link.resource.label} {parent_id} not found.")
            row = (await conn.execute(select(store.table).where(*binding.scope(call))
                                      .order_by(store.pk.desc()).limit(1))).first()
            if row is None:
                raise NotFound(missing)
            doc = store.join(row)
            for loader in binding.resource.enrich:
                await loader(conn, [doc])
        return Reply({"data": binding.shape(call, doc)}, call.op.success_status)

    return handler


registry.add("getChargePointLatestNetworkStatusLog",
             latest(NETWORK_LOGS, "The charge point has no network status log yet."))
registry.add("getChargePointLatestHardwareStatusLog",
             latest(CP_HARDWARE_LOGS, "The charge point has reported no hardware status yet."))
registry.add("getEvseLatestHardwareStatusLog",
             latest(EVSE_HARDWARE_LOGS, "The EVSE has reported no hardware status yet."))

V1_EVSE_STATUSES = frozenset({"available", "preparing", "charging", "suspendedEV", "suspendedEVSE", "finishing",
                              "reserved", "unavailable", "faulted"})


def v1_evse_status(status: str | None) -> str | None:
    # OCPP 2.0.1's "occupied" is the 1.6 "charging" of the v1.0 words
    status = "charging" if status == "occupied" else status
    return status if status in V1_EVSE_STATUSES else None


@registry.operation("chargePointStatusRead")
async def charge_point_status(call: Call) -> Reply:
    cp_id = call.path["chargePoint"]
    t, e = charge_points.c, evses.c
    async with call.rt.db.read() as conn:
        row = (await conn.execute(select(t.network_status, t.hardware_status, t.last_updated_at)
                                  .where(t.id == cp_id))).first() if 0 < cp_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"Charge point {cp_id} not found.")
        units = (await conn.execute(select(e.id, e.hardware_status).where(e.charge_point_id == cp_id)
                                    .order_by(e.id))).all()
    return Reply({"data": {
        "networkStatus": (row.network_status or "never_connected").replace("_", " "),
        "hardwareStatus": row.hardware_status,
        "evses": [{"id": unit.id, "hardwareStatus": v1_evse_status(unit.hardware_status)} for unit in units],
        "lastUpdatedAt": iso(row.last_updated_at),
    }}, call.op.success_status)
