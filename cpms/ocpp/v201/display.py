"""OCPP 2.0.1 display messages (functional block O): NotifyDisplayMessages, the station's answer
to GetDisplayMessages in parts (`tbc`), kept as received (`cpms.domain.data_transfer.record_report`),
each part once."""

from __future__ import annotations

from typing import Any

from cpms.domain.data_transfer import record_report
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201


@on(V201, "NotifyDisplayMessages", once=True)
async def notify_display_messages(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.record(lambda tx, now: record_report(
        tx, ctx.charge_point_id, "NotifyDisplayMessages", payload, now, request_id=payload["requestId"]))
    return {}
