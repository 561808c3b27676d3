"""OCPP 2.0.1 StatusNotification: a connector's status, shown as its EVSE's hardware status.

2.0.1 names the EVSE (`evseId`, the EVSE's network id as in 1.6) and the connector on it; its five
connector statuses are the API's EVSE words (Occupied is `occupied`). Each report is logged for
the connector ("evse/connector"); the EVSE shows the combination of its connectors' latest reports
(`cpms.domain.status`). 2.0.1 has no error codes in StatusNotification (faults are NotifyEvent's):
the logs say NoError. StatusNotification has no status for the station itself (evseId and
connectorId start at 1): the station tells its own in a NotifyEvent of its ChargingStation
component's AvailabilityState, which `station_status` reads as 1.6's connectorId 0 is read.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from cpms.clock import parse_iso
from cpms.domain.status import HardwareReport, record_charge_point_status, record_evse_status
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import PropertyViolation
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201
from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")

CONNECTOR_STATUS = {"Available": "available", "Occupied": "occupied", "Reserved": "reserved",
                    "Unavailable": "unavailable", "Faulted": "faulted"}
STATION = "ChargingStation"  # the component that is the station itself (no EVSE)
AVAILABILITY = "AvailabilityState"
# the charge point's own words (1.6 connectorId 0): out of order or not, any other state operates
STATION_STATUS = {"Unavailable": "unavailable", "Faulted": "faulted"}


def station_status(component: dict[str, Any], variable: dict[str, Any], value: str | None) -> str | None:
    """The charge point's hardware status a NotifyEvent's component, variable and actualValue tell;
    None when they are not the station's own AvailabilityState."""
    if component["name"] != STATION or component.get("evse") or variable["name"] != AVAILABILITY:
        return None
    return STATION_STATUS.get(value or "", "available")


async def record_station_status(tx: Tx, charge_point_id: int, status: str, at: datetime, now: datetime) -> bool:
    """Log the station's own status as 1.6's connectorId 0 is logged."""
    return await record_charge_point_status(tx, charge_point_id, HardwareReport(status=status, timestamp=at), now,
                                            connector=STATION)


@on(V201, "StatusNotification", once=True)
async def status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    evse, connector = payload["evseId"], payload["connectorId"]
    if evse < 1 or connector < 1:
        raise PropertyViolation("StatusNotification: evseId and connectorId start at 1 (a connector of an EVSE).")
    report = HardwareReport(status=CONNECTOR_STATUS[payload["connectorStatus"]],
                            timestamp=parse_iso(payload["timestamp"]))
    now = ctx.now()

    async def job(tx: Tx) -> Any:
        return await record_evse_status(tx, ctx.charge_point_id, str(evse), report, now,
                                        connector=f"{evse}/{connector}", combine=True)

    if await ctx.rt.db.batch(job) is None:
        log.warning("%s reported status %s for EVSE %s, which is not one of its EVSEs",
                    ctx.identity, payload["connectorStatus"], evse)
    return {}
