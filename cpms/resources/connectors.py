"""Connectors: the plugs of one EVSE, a sub-resource reachable only under their own EVSE.

A connector is part of its EVSE: its changes are the EVSE's ("evse.changed" for the EVSE, whose
lastUpdatedAt moves). Each connector has a number within its EVSE (OCPP 2.0.1 connectorId),
given in order of creation.
"""

from __future__ import annotations

from typing import Any

from cpms.api.registry import registry
from cpms.resources.binding import Parent
from cpms.resources.charge_points import CHARGE_POINT, EVSE_EVENT
from cpms.resources.evses import CONNECTORS, EVSE, next_connector_number
from cpms.resources.resource import Resource, WriteContext
from cpms.storage.db import Tx


async def number_connector(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    doc["number"] = await next_connector_number(tx.conn, ctx.parents["evse"])


CONNECTOR = Resource(
    name="connector",
    store=CONNECTORS,
    event=EVSE_EVENT,
    event_subject="evse_id",
    before_create=[number_connector],
    immutable=("evseId", "number"),
)

registry.bind(CONNECTOR, "/public-api/resources/charge-points/v2.0/{chargePoint}/evses/{evse}/connectors",
              parents={"chargePoint": Parent(None, CHARGE_POINT), "evse": Parent("evse_id", EVSE)})
