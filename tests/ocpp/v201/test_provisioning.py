"""OCPP 2.0.1 provisioning on the shared endpoint (OCTT Part 6 names)."""

import pytest
import websockets
from ocpp.v201 import call, call_result
from sqlalchemy import func, select

from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.ocpp import network_status_logs
from tests.conftest import client
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


@pytest.mark.parametrize("configured, offered", [
    ("ocpp 1.6", ("ocpp2.0.1",)), ("ocpp 2.0.1", ("ocpp1.6",)), ("ocpp 2.0.1", ("ocpp2.1",))])
async def test_a_charger_offering_only_a_protocol_its_charge_point_is_not_configured_for_is_refused(
        settings, configured, offered) -> None:
    """Refused at the handshake (400), before any OCPP traffic: the charge point stays never
    connected, with no network status logged; even a 2.1 station when 2.1 is enabled."""
    async with running(settings.with_(ocpp21_enabled=True)) as live:
        db = live.server.rt.db
        cp = await seed.charge_point(db, "CS-3", protocol=configured)
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect201(live.ws_url, "CS-3", subprotocols=offered):
                pass
        assert refused.value.response.status_code == 400
        async with db.read() as conn:
            status = (await conn.execute(select(charge_points.c.network_status)
                                         .where(charge_points.c.id == cp["id"]))).scalar_one()
            logged = (await conn.execute(select(func.count()).select_from(network_status_logs))).scalar_one()
    assert (status, logged) == ("never_connected", 0)


async def test_unconfigured_protocol_prefers_201_when_offered(live) -> None:
    await seed.charge_point(live.server.rt.db, "CS-4", protocol=None)
    async with connect201(live.ws_url, "CS-4", subprotocols=("ocpp1.6", "ocpp2.0.1")) as station:
        assert station._connection.subprotocol == "ocpp2.0.1"


async def test_ocpp21_is_refused_unless_CPMS_OCPP21_is_set(live) -> None:
    await seed.charge_point(live.server.rt.db, "CS-21-OFF", protocol=None)
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect201(live.ws_url, "CS-21-OFF", subprotocols=("ocpp2.1",)):
            pass
    assert refused.value.response.status_code == 400


async def test_an_ocpp21_station_is_served_as_201_when_CPMS_OCPP21_is_set(settings) -> None:
    """2.1 is experimental: its frames are checked against 2.1's schemas and answered by 2.0.1's
    handlers; the station boots, charges and takes commands from the API as a 2.0.1 one does."""
    async with running(settings.with_(ocpp21_enabled=True, ocpp_call_timeout=5.0)) as live:
        db = live.server.rt.db
        cp = await seed.charge_point(db, "CS-21", protocol=None)
        async with connect201(live.ws_url, "CS-21", subprotocols=("ocpp2.1",)) as station, \
                client(live.base_url) as api:
            assert station._connection.subprotocol == "ocpp2.1"
            booted = await station.call(call.BootNotification(
                charging_station={"model": "Max", "vendor_name": "Acme"}, reason="PowerUp"))
            assert booted.status == "Accepted"
            await station.call(call.StatusNotification(timestamp="2026-03-01T10:00:00Z",
                                                       connector_status="Occupied", evse_id=1, connector_id=1))
            started = await station.call(call.TransactionEvent(
                event_type="Started", timestamp="2026-03-01T10:00:00Z", trigger_reason="CablePluggedIn", seq_no=0,
                transaction_info={"transaction_id": "TX-21", "charging_state": "Charging"},
                evse={"id": 1, "connector_id": 1}, id_token={"id_token": "ANY", "type": "NoAuthorization"}))
            assert started.id_token_info["status"] == "Accepted"
            station.answers["Reset"] = call_result.Reset(status="Scheduled")
            reset = await api.post(f"/public-api/actions/charge-point/v1.0/{cp['id']}/reset/hard")
            assert await station.wait_for("Reset") == {"type": "Immediate"}
            sessions = (await api.get("/public-api/resources/sessions/v1.0")).json()["data"]
            logs = (await api.get(f"/public-api/resources/evses/v2.0/{cp['evse_ids'][0]}/hardware-status-logs")
                    ).json()["data"]
    assert reset.json() == {"success": True, "status": "Scheduled"}
    assert [(s["chargePointId"], s["evseId"], s["status"]) for s in sessions] == [
        (cp["id"], cp["evse_ids"][0], "active")]
    assert [log["status"] for log in logs] == ["occupied"]
