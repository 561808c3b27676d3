"""Chargers leave abruptly (a reboot right after answering): what they said before leaving counts.

The simulator's chargers reboot the moment they have answered Reset, as many real ones do; the
gateway must not lose that answer because its own reply to an earlier message of the charger
could no longer be sent (cpms/ocpp/connection.py).
"""

from __future__ import annotations

import asyncio

import orjson
import websockets

from tests.support import seed


async def test_an_answer_sent_just_before_leaving_is_not_lost(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "SIM-ABRUPT")
    gateway = live.server.rt.components["gateway"]
    async with websockets.connect(f"{live.ws_url}/SIM-ABRUPT", subprotocols=["ocpp1.6"]) as ws:
        await ws.send(orjson.dumps([2, "b", "BootNotification", {"chargePointVendor": "v", "chargePointModel": "m"}])
                      .decode())
        await ws.recv()
        reset = asyncio.ensure_future(gateway.command(cp["id"], "reset", kind="hard"))
        command = orjson.loads(await ws.recv())
        # its own message still being handled, the answer to Reset, and gone
        await ws.send(orjson.dumps([2, "s", "StatusNotification",
                                    {"connectorId": 0, "errorCode": "NoError", "status": "Unavailable"}]).decode())
        await ws.send(orjson.dumps([3, command[1], {"status": "Accepted"}]).decode())
    result = await reset
    assert result.accepted and result.status == "Accepted"
    assert not gateway.is_connected(cp["id"])
