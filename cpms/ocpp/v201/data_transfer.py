"""OCPP 2.0.1 DataTransfer from the station: the same policy as 1.6 (`cpms.domain.data_transfer`).

2.0.1's `data` may be any JSON value; it is kept as JSON text when it is not a string, so the
stored message and the announcement read the same for both versions.
"""

from __future__ import annotations

import json
from typing import Any

from cpms.domain.data_transfer import accepted_vendors, answer_for, record_data_transfer
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201
from cpms.storage.db import Tx


@on(V201, "DataTransfer", once=True)
async def data_transfer(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    vendor_id = payload["vendorId"]
    status = answer_for(vendor_id, accepted_vendors(ctx.rt.settings.extra))
    data = payload.get("data")
    text = data if data is None or isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    now = ctx.now()

    async def job(tx: Tx) -> None:
        await record_data_transfer(tx, ctx.charge_point_id, vendor_id, payload.get("messageId"), text, status, now)

    await ctx.rt.db.batch(job)
    return {"status": status}
