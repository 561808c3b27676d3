"""OCPP 2.0.1 device model reports: NotifyReport, NotifyEvent, NotifyMonitoringReport.

What a station reports of its components and variables is the configuration 1.6 chargers report
(`cpms.domain.configuration`), so the Public API shows both alike. A report comes in parts
(seqNo from 0, `tbc` on all but the last) for the read whose id is its requestId (GetBaseReport,
see `configuration.py`): each part is stored as it comes, the read is complete when all parts are
in, in whatever order, and a part sent again changes nothing. A report for no read of this
station is stored all the same (the station's word on its configuration), completing nothing.
NotifyEvent's events are kept once each; a new one of the station's own AvailabilityState is its
hardware status (`status.station_status`).

Every message is committed before its answer.
"""

from __future__ import annotations

import logging
from typing import Any

from cpms.domain import configuration
from cpms.domain.configuration import Variable
from cpms.domain.device_events import DeviceEvent, record_events
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import PropertyViolation
from cpms.ocpp.routing import on
from cpms.ocpp.v201.status import record_station_status, station_status
from cpms.ocpp.v201.transactions import when
from cpms.ocpp.versions import V201
from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")

# variableAttribute fields beside value and mutability, kept with the variable's characteristics
ATTRIBUTE_FLAGS = ("persistent", "constant")


def variable(component: dict[str, Any], var: dict[str, Any], value: str | None = None, readonly: bool | None = False,
             extra: dict[str, Any] | None = None) -> Variable:
    """A 2.0.1 ComponentType and VariableType as the domain's Variable."""
    evse = component.get("evse") or {}
    return Variable(name=var["name"], value=value, readonly=readonly, instance=var.get("instance"),
                    component=component["name"], component_instance=component.get("instance"),
                    evse_id=evse.get("id"), connector_id=evse.get("connectorId"), extra=extra or {})


def reported(item: dict[str, Any]) -> Variable:
    """A ReportDataType: the Actual value is the variable's value; other attributes (Target, MinSet,
    MaxSet) and the characteristics (unit, dataType, limits, valuesList) are kept beside it."""
    attributes = {a.get("type", "Actual"): a for a in item["variableAttribute"]}
    actual = attributes.get("Actual") or next(iter(attributes.values()))
    extra: dict[str, Any] = dict(item.get("variableCharacteristics") or {})
    extra.update({name: actual[name] for name in ATTRIBUTE_FLAGS if name in actual})
    others = {kind: a.get("value") for kind, a in attributes.items() if a is not actual}
    if others:
        extra["attributes"] = others
    if actual.get("mutability") == "WriteOnly":
        extra["mutability"] = "WriteOnly"
    return variable(item["component"], item["variable"], actual.get("value"),
                    actual.get("mutability") == "ReadOnly", extra)


def _seq_no(payload: dict[str, Any]) -> int:
    if payload["seqNo"] < 0:
        raise PropertyViolation("seqNo counts the parts of a report from 0.")
    return int(payload["seqNo"])


@on(V201, "NotifyReport")
async def notify_report(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    seq_no, request_id = _seq_no(payload), payload["requestId"]
    variables = [reported(item) for item in payload.get("reportData") or ()]
    now = ctx.now()

    async def job(tx: Tx) -> None:
        part = await configuration.record_part(tx, ctx.charge_point_id, request_id, seq_no,
                                               last=not payload.get("tbc", False))
        if part == "repeat":
            return
        known = None if part == "unknown" else request_id
        await configuration.store_variables(tx, ctx.charge_point_id, variables, now, known)
        if part == "complete":
            await configuration.complete_request(tx, ctx.charge_point_id, request_id, now)

    await ctx.rt.db.batch(job)
    return {}


def _event(item: dict[str, Any]) -> DeviceEvent:
    attrs = {name: item[name] for name in ("cause", "techCode", "techInfo", "transactionId", "variableMonitoringId")
             if item.get(name) is not None}
    attrs.update(component=item["component"], variable=item["variable"])
    return DeviceEvent(event_id=item["eventId"], timestamp=when(item["timestamp"], "eventData.timestamp"),
                       trigger=item["trigger"], notification_type=item["eventNotificationType"],
                       variable=variable(item["component"], item["variable"]), actual_value=item["actualValue"],
                       cleared=item.get("cleared"), attrs=attrs)


@on(V201, "NotifyEvent")
async def notify_event(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    _seq_no(payload)
    found = [_event(item) for item in payload["eventData"]]
    now = ctx.now()
    problems = [e for e in found if e.trigger == "Alerting" and not e.cleared]
    for e in problems:
        log.warning("%s reports %s.%s = %s (%s)", ctx.identity, e.variable.component, e.variable.name,
                    e.actual_value, e.attrs.get("techInfo") or e.attrs.get("techCode") or e.notification_type)

    async def job(tx: Tx) -> None:
        for e in await record_events(tx, ctx.charge_point_id, found, now):
            status = station_status(e.attrs["component"], e.attrs["variable"], e.actual_value)
            if status is not None:
                await record_station_status(tx, ctx.charge_point_id, status, e.timestamp, now)

    await ctx.rt.db.batch(job)
    return {}


@on(V201, "NotifyMonitoringReport")
async def notify_monitoring_report(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    _seq_no(payload)
    monitored = [(variable(item["component"], item["variable"]), list(item["variableMonitoring"]))
                 for item in payload.get("monitor") or ()]
    now = ctx.now()
    await ctx.rt.db.batch(lambda tx: configuration.store_monitors(tx, ctx.charge_point_id, monitored, now))
    return {}
