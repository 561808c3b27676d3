"""OCPP 2.0.1 provisioning on the shared endpoint (OCTT Part 6 names)."""

import pytest
from ocpp.v201 import call
from sqlalchemy import select

from cpms.storage.tables.charge_points import charge_points
from tests.support import seed
from tests.support.chargers import connect201
from tests.support.live import running


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def test_TC_B_01_CSMS_Cold_Boot_Charging_Station(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-1", protocol="ocpp 2.0.1")
    async with connect201(live.ws_url, "CS-1") as station:
        answer = await station.call(call.BootNotification(
            charging_station={"model": "Max", "vendor_name": "Acme", "serial_number": "S-1",
                              "firmware_version": "1.2.3", "modem": {"iccid": "8931", "imsi": "2040"}},
            reason="PowerUp"))
        assert answer.status == "Accepted" and answer.interval == live.server.settings.heartbeat_interval
        assert (await station.call(call.Heartbeat())).current_time
    async with live.server.rt.db.read() as conn:
        boot = (await conn.execute(select(charge_points.c.last_boot_notification)
                                   .where(charge_points.c.id == cp["id"]))).scalar_one()
    assert boot["vendor"] == "Acme" and boot["model"] == "Max" and boot["chargePointSerialNumber"] == "S-1"
    assert boot["firmwareVersion"] == "1.2.3" and boot["iccid"] == "8931" and boot["reason"] == "PowerUp"


async def test_TC_B_02_CSMS_Cold_Boot_Pending_while_disabled(live) -> None:
    await seed.charge_point(live.server.rt.db, "CS-2", protocol="ocpp 2.0.1", status="disabled")
    async with connect201(live.ws_url, "CS-2") as station:
        answer = await station.call(call.BootNotification(
            charging_station={"model": "Max", "vendor_name": "Acme"}, reason="PowerUp"))
        assert answer.status == "Pending"


async def test_a_16_charge_point_refuses_a_201_only_station(live) -> None:
    import websockets

    await seed.charge_point(live.server.rt.db, "CS-3", protocol="ocpp 1.6")
    with pytest.raises(websockets.InvalidStatus):
        async with connect201(live.ws_url, "CS-3"):
            pass


async def test_unconfigured_protocol_prefers_201_when_offered(live) -> None:
    await seed.charge_point(live.server.rt.db, "CS-4", protocol=None)
    async with connect201(live.ws_url, "CS-4", subprotocols=("ocpp1.6", "ocpp2.0.1")) as station:
        assert station._connection.subprotocol == "ocpp2.0.1"
