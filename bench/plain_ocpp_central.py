"""A measuring stick, not project code: the `ocpp` package's own central system, as its README
shows it, with default settings (jsonschema validation on, the default asyncio loop), answering
BootNotification and Heartbeat on `websockets.serve`.

    python bench/plain_ocpp_central.py --port 9000    # chargers connect to ws://127.0.0.1:9000/<id>
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, RegistrationStatus


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


class CentralSystem(ChargePoint):
    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **kwargs: object) -> object:
        return call_result.BootNotification(current_time=now(), interval=300, status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    def on_heartbeat(self) -> object:
        return call_result.Heartbeat(current_time=now())


async def on_connect(websocket: websockets.ServerConnection) -> None:
    charge_point = CentralSystem(websocket.request.path.strip("/"), websocket)
    try:
        await charge_point.start()
    except websockets.ConnectionClosed:
        pass


async def main(port: int) -> None:
    subprotocols = ["ocpp1.6"]
    async with websockets.serve(on_connect, "127.0.0.1", port, subprotocols=subprotocols) as server:  # type: ignore
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(main(parser.parse_args().port))
    except KeyboardInterrupt:
        pass
