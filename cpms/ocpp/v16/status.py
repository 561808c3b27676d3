"""OCPP 1.6 StatusNotification: the charge point's (connectorId 0) and its connectors' status.

A 1.6 connector is the EVSE whose networkId is its connectorId. Connector 0 stands for the whole
charge point, whose status has three values: Unavailable and Faulted are kept, any other status a
charger reports for connector 0 (Available, or EVSE words some chargers send) means it operates
and is recorded as available.
"""

from __future__ import annotations

import logging
from typing import Any

from cpms.clock import parse_iso
from cpms.domain.status import HardwareReport, record_charge_point_status, record_evse_status
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V16
from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")

EVSE_STATUS = {"Available": "available", "Preparing": "preparing", "Charging": "charging",
               "SuspendedEV": "suspendedEV", "SuspendedEVSE": "suspendedEVSE", "Finishing": "finishing",
               "Reserved": "reserved", "Unavailable": "unavailable", "Faulted": "faulted"}
CHARGE_POINT_STATUS = {"Unavailable": "unavailable", "Faulted": "faulted"}


@on(V16, "StatusNotification", once=True)
async def status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    connector = payload["connectorId"]
    stamp = payload.get("timestamp")
    report = HardwareReport(
        status=(CHARGE_POINT_STATUS.get(payload["status"], "available") if connector == 0
                else EVSE_STATUS[payload["status"]]),
        error_code=payload["errorCode"], info=payload.get("info"), vendor_id=payload.get("vendorId"),
        vendor_error_code=payload.get("vendorErrorCode"), timestamp=parse_iso(stamp) if stamp else None)
    now = ctx.now()

    async def job(tx: Tx) -> Any:
        if connector == 0:
            return await record_charge_point_status(tx, ctx.charge_point_id, report, now)
        return await record_evse_status(tx, ctx.charge_point_id, str(connector), report, now)

    if await ctx.rt.db.batch(job) is None:
        log.warning("%s reported status %s for connector %s, which is not one of its EVSEs",
                    ctx.identity, payload["status"], connector)
    return {}
