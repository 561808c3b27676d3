"""An OCPP 1.6 charger and an OCPP 2.0.1 station driven through the same few steps (connect, boot,
heartbeat, start a session), for tests of what the gateway does whatever the version: reconnects,
silence. Parametrize a test over `FLAVOURS` to prove a promise for both."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.ocpp.v201.transactions_support import Transaction, token
from tests.support.chargers import TestCharger16, TestCharger201, connected


@dataclass(frozen=True)
class Flavour:
    name: str
    protocol: str  # the charge point's network.protocol
    subprotocol: str
    charger_class: type[Any]
    boot: Callable[[], Any]
    heartbeat: Callable[[], Any]
    # the charger's own CALL starting a session on (evse, id tag, timestamp)
    start: Callable[[int, str, str], Any]

    def connect(self, ws_base: str, identity: str,
                charger_class: type[Any] | None = None) -> AbstractAsyncContextManager[Any]:
        return connected(charger_class or self.charger_class, ws_base, identity, None, (self.subprotocol,))


V16 = Flavour(
    name="1.6", protocol="ocpp 1.6", subprotocol="ocpp1.6", charger_class=TestCharger16,
    boot=lambda: call16.BootNotification(charge_point_model="Test", charge_point_vendor="cpms"),
    heartbeat=call16.Heartbeat,
    start=lambda evse, tag, timestamp: call16.StartTransaction(connector_id=evse, id_tag=tag, meter_start=0,
                                                               timestamp=timestamp))
V201 = Flavour(
    name="2.0.1", protocol="ocpp 2.0.1", subprotocol="ocpp2.0.1", charger_class=TestCharger201,
    boot=lambda: call201.BootNotification(charging_station={"model": "Test", "vendor_name": "cpms"},
                                          reason="PowerUp"),
    heartbeat=call201.Heartbeat,
    start=lambda evse, tag, timestamp: Transaction(evse=evse).event("Started", "Authorized", timestamp,
                                                                    state="Charging", id_token=token(tag)))
FLAVOURS = [V16, V201]
