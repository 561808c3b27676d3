"""OCPP 2.0.1 diagnostics (functional block N): log uploads and customer information.

Commands: `get_log` is GetLog, the very message 1.6's security extension took from 2.0.1 (one
translation serves both); `get_diagnostics` is GetLog with logType DiagnosticsLog, its requestId
the upload request's id, the file name the station answers read back as 1.6's `fileName`.
Notifications: LogStatusNotification (progress of the upload its requestId names, diagnostics
included: announced as "chargePoint.diagnosticsStatus" like 1.6's), NotifyCustomerInformation
(kept as received, part by part).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cpms.domain import diagnostics
from cpms.domain.data_transfer import record_report
from cpms.ocpp.commands import Outgoing, Result, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.v16 import firmware as firmware16
from cpms.ocpp.versions import V201

get_log = translates(V201, "get_log")(firmware16.get_log)


@translates(V201, "get_diagnostics")
def get_diagnostics(location: str, request_id: int, start: datetime | None = None, stop: datetime | None = None,
                    retries: int | None = None, interval: int | None = None) -> Outgoing:
    out = get_log(diagnostics.DIAGNOSTICS_LOG, request_id, location, start, stop, retries, interval)
    read_log = out.read

    def read(answer: dict[str, Any]) -> Result:
        result = read_log(answer)
        if answer.get("filename"):
            result.data = {**result.data, "fileName": answer["filename"]}
        return result

    out.read = read
    return out


@on(V201, "LogStatusNotification", once=True)
async def log_status_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.record(lambda tx, now: diagnostics.record_log_status(
        tx, ctx.charge_point_id, payload.get("requestId"), payload["status"], now))
    return {}


@on(V201, "NotifyCustomerInformation")
async def notify_customer_information(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.record(lambda tx, now: record_report(
        tx, ctx.charge_point_id, "NotifyCustomerInformation", payload, now,
        request_id=payload["requestId"], seq_no=payload["seqNo"]))
    return {}
