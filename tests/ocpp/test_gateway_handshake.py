"""The OCPP endpoint's handshake: identity, credentials, subprotocol; and a first exchange."""

import pytest
import websockets
from ocpp.v16 import call

from cpms.security.charger_secrets import hash_charger_password
from tests.conftest import client
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running


CHARGE_POINTS = "/public-api/resources/charge-points/v2.0"


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def test_TC_001_CSMS_ColdBootChargePoint(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-1")
    async with connect16(live.ws_url, "CP-1") as charger:
        answer = await charger.call(call.BootNotification(
            charge_point_model="Terra", charge_point_vendor="ABB", charge_point_serial_number="SN-1",
            charge_box_serial_number="BOX-1", firmware_version="1.4.2", iccid="8931", meter_serial_number="M-1"))
        assert answer.status == "Accepted"
        assert answer.interval == live.server.settings.heartbeat_interval
        beat = await charger.call(call.Heartbeat())
        assert beat.current_time.endswith("Z")
        async with client(live.base_url) as api:
            shown = (await api.get(f"{CHARGE_POINTS}/{cp['id']}", params={"include[]": "lastBootNotification"}))
    shown = shown.json()["data"]
    boot = shown["lastBootNotification"]
    assert (boot["vendor"], boot["model"], boot["chargePointSerialNumber"], boot["chargeBoxSerialNumber"],
            boot["firmwareVersion"]) == ("ABB", "Terra", "SN-1", "BOX-1", "1.4.2")
    assert shown["networkStatus"] == "available" and shown["firstContactAt"] is not None


async def test_a_charge_point_not_enabled_is_held_pending_until_the_operator_enables_it(live) -> None:
    """The charger retries at the interval it is told; nothing it sends is lost meanwhile."""
    cp = await seed.charge_point(live.server.rt.db, "CP-PENDING", status="disabled")
    boot = call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB", firmware_version="1.0")
    async with connect16(live.ws_url, "CP-PENDING") as charger, client(live.base_url) as api:
        held = await charger.call(boot)
        assert held.status == "Pending" and held.interval == live.server.settings.heartbeat_interval
        read = (await api.get(f"{CHARGE_POINTS}/{cp['id']}", params={"include[]": "lastBootNotification"}))
        assert read.json()["data"]["lastBootNotification"]["firmwareVersion"] == "1.0"
        assert (await api.patch(f"{CHARGE_POINTS}/{cp['id']}", json={"status": "enabled"})).status_code == 200
        assert (await charger.call(boot)).status == "Accepted"


async def test_unknown_identity_is_refused_at_the_handshake(live) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect16(live.ws_url, "NOBODY"):
            pass
    assert refused.value.response.status_code == 404


async def test_wrong_password_is_refused_and_right_one_accepted(live) -> None:
    await seed.charge_point(live.server.rt.db, "CP-SEC", password_hash=hash_charger_password("s3cret-s3cret-16"))
    for password in (None, "wrong"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect16(live.ws_url, "CP-SEC", password=password):
                pass
        assert refused.value.response.status_code == 401
    async with connect16(live.ws_url, "CP-SEC", password="s3cret-s3cret-16") as charger:
        assert (await charger.call(call.Heartbeat())).current_time


async def test_a_charger_offering_only_another_protocol_is_refused(live) -> None:
    await seed.charge_point(live.server.rt.db, "CP-16", protocol="ocpp 1.6")
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect16(live.ws_url, "CP-16", subprotocols=("ocpp2.0.1",)):
            pass
    assert refused.value.response.status_code == 400


async def test_malformed_frames_get_callerrors_and_the_connection_stays_up(live) -> None:
    await seed.charge_point(live.server.rt.db, "CP-BAD")
    async with websockets.connect(f"{live.ws_url}/CP-BAD", subprotocols=["ocpp1.6"]) as ws:
        cases = [
            ("not json", "FormationViolation"),
            ('{"a": 1}', "FormationViolation"),
            ('[2, "1", "Heartbeat"]', "ProtocolError"),
            ('[7, "2", "Heartbeat", {}]', "FormationViolation"),
            ('[2, "3", "FlyToTheMoon", {}]', "NotImplemented"),
            ('[2, "4", "BootNotification", {"chargePointVendor": "x"}]', "OccurenceConstraintViolation"),
            ('[2, "5", "BootNotification", {"chargePointVendor": 1, "chargePointModel": "m"}]',
             "TypeConstraintViolation"),
            ('[2, "6", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Dancing"}]',
             "PropertyConstraintViolation"),
            ('[2, "7", "Heartbeat", {"extra": true}]', "FormationViolation"),
            ('[2, "9", "Reset", {"type": "Hard"}]', "NotSupported"),  # a 1.6 action the central system sends, not takes
        ]
        import json

        for frame, code in cases:
            await ws.send(frame)
            answer = json.loads(await ws.recv())
            assert answer[0] == 4 and answer[2] == code, (frame, answer)
        await ws.send('[2, "8", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[0] == 3


async def test_a_second_connection_replaces_the_first(live) -> None:
    await seed.charge_point(live.server.rt.db, "CP-TWICE")
    gateway = live.server.rt.component("gateway")
    async with websockets.connect(f"{live.ws_url}/CP-TWICE", subprotocols=["ocpp1.6"]) as first:
        await first.send('[2, "1", "Heartbeat", {}]')
        await first.recv()
        async with connect16(live.ws_url, "CP-TWICE") as second:
            await second.call(call.Heartbeat())
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await first.recv()
            assert closed.value.rcvd.code == 4000
            assert list(gateway.by_identity) == ["CP-TWICE"]
            assert (await second.call(call.Heartbeat())).current_time
