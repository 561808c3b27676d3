"""OCPP 1.6 DataTransfer from the charger: stored and answered by the policy of cpms.domain.data_transfer."""

from __future__ import annotations

from typing import Any

from cpms.domain.data_transfer import accepted_vendors, answer_for, record_data_transfer
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V16
from cpms.storage.db import Tx


@on(V16, "DataTransfer", once=True)
async def data_transfer(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    vendor_id = payload["vendorId"]
    status = answer_for(vendor_id, accepted_vendors(ctx.rt.settings.extra))
    now = ctx.now()

    async def job(tx: Tx) -> None:
        await record_data_transfer(tx, ctx.charge_point_id, vendor_id, payload.get("messageId"), payload.get("data"),
                                   status, now)

    await ctx.rt.db.batch(job)
    return {"status": status}
