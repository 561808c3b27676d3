"""Firmware updates end to end: the API asks, the charger gets UpdateFirmware / SignedUpdateFirmware,
and its status notifications are recorded and announced."""

import pytest
from ocpp.v16 import call, call_result
from sqlalchemy import select

from cpms.storage.tables.ocpp import firmware_updates
from tests.conftest import client
from tests.ocpp.test_status import count, emitted, raw_exchange
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running

FIRMWARE_URL = "https://firmware.example.com/acme/2.4.1.bin"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


def update_path(cp_id: int) -> str:
    return f"/public-api/actions/charge-point/v2.0/{cp_id}/update-firmware"


async def firmware_statuses(live, cp_id: int) -> list[tuple[int, str]]:
    return [(e["requestId"], e["status"]) for e in await emitted(live.server.rt.db, "chargePoint.firmwareStatus")
            if e["chargePointId"] == cp_id]


async def run_update(live, identity: str, progress: list[str]) -> tuple[dict, dict, list[tuple[int, str]]]:
    cp = await seed.charge_point(live.server.rt.db, identity)
    async with connect16(live.ws_url, identity) as charger, client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json={
            "url": FIRMWARE_URL, "signed": False, "retrieveAfter": "2026-05-01T02:00:00Z", "retries": 3,
            "interval": 60})
        assert response.status_code == 202, response.text
        sent = await charger.wait_for("UpdateFirmware")
        for state in progress:
            await charger.call(call.FirmwareStatusNotification(status=state))
    return response.json(), sent, await firmware_statuses(live, cp["id"])


async def test_TC_044_1_CSMS_FirmwareUpdate_DownloadAndInstall(live) -> None:
    body, sent, statuses = await run_update(live, "CP-FW1", ["Downloading", "Downloaded", "Installing", "Installed"])
    assert body["success"] is True
    assert sent == {"location": FIRMWARE_URL, "retrieve_date": "2026-05-01T02:00:00.000000Z", "retries": 3,
                    "retry_interval": 60}
    request_id = body["requestId"]
    assert statuses == [(request_id, s) for s in ("downloading", "downloaded", "installing", "installed")]


async def test_TC_044_2_CSMS_FirmwareUpdate_DownloadFailed(live) -> None:
    body, _, statuses = await run_update(live, "CP-FW2", ["Downloading", "DownloadFailed", "Idle"])
    # Idle after a failed download is the charger at rest again: the update keeps its outcome
    assert [s for _, s in statuses] == ["downloading", "downloadfailed"]
    async with live.server.rt.db.read() as conn:
        stored = (await conn.execute(select(firmware_updates.c.status))).scalar_one()
    assert stored == "downloadfailed"


async def test_TC_044_3_CSMS_FirmwareUpdate_InstallationFailed(live) -> None:
    _, _, statuses = await run_update(live, "CP-FW3", ["Downloading", "Downloaded", "Installing", "InstallationFailed"])
    assert [s for _, s in statuses] == ["downloading", "downloaded", "installing", "installationfailed"]


async def test_TC_080_CSMS_SecureFirmwareUpdate(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-SFW")
    async with connect16(live.ws_url, "CP-SFW") as charger, client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json={
            "url": FIRMWARE_URL, "signed": True, "signingCertificate": "-----BEGIN CERTIFICATE-----\nMIIB...",
            "signature": "c2lnbmF0dXJl", "downloadUrlProtocol": "https"})
        assert response.status_code == 202, response.text
        request_id = response.json()["requestId"]
        sent = await charger.wait_for("SignedUpdateFirmware")
        assert sent["request_id"] == request_id
        assert sent["firmware"]["location"] == FIRMWARE_URL and sent["firmware"]["signature"] == "c2lnbmF0dXJl"
        assert sent["firmware"]["signing_certificate"].startswith("-----BEGIN CERTIFICATE-----")
        for state in ("Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"):
            await charger.call(call.SignedFirmwareStatusNotification(status=state, request_id=request_id))
        await charger.call(call.SecurityEventNotification(type="FirmwareUpdated", timestamp="2026-05-01T03:00:00Z",
                                                          tech_info="2.4.1"))
        events = (await api.get("/public-api/resources/security-events/v2.0",
                                params={"filter[chargePoint]": str(cp["id"])})).json()["data"]
    assert [s for _, s in await firmware_statuses(live, cp["id"])] == [
        "downloading", "downloaded", "signatureverified", "installing", "installed"]
    assert [(e["type"], e["techInfo"]) for e in events] == [("FirmwareUpdated", "2.4.1")]


async def test_TC_081_CSMS_SecureFirmwareUpdate_InvalidSignature(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-SFW2")
    async with connect16(live.ws_url, "CP-SFW2") as charger, client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json={
            "url": FIRMWARE_URL, "signed": True, "signingCertificate": "cert", "signature": "bad"})
        request_id = response.json()["requestId"]
        for state in ("Downloading", "Downloaded", "InvalidSignature"):
            await charger.call(call.SignedFirmwareStatusNotification(status=state, request_id=request_id))
        await charger.call(call.SecurityEventNotification(type="InvalidFirmwareSignature",
                                                          timestamp="2026-05-01T03:00:00Z", tech_info=None))
    assert [s for _, s in await firmware_statuses(live, cp["id"])] == ["downloading", "downloaded", "invalidsignature"]
    announced = await emitted(db, "chargePoint.securityEvent")
    assert [(e["type"], e["critical"]) for e in announced] == [("InvalidFirmwareSignature", False)]


async def test_a_refused_signed_update_is_406_with_the_chargers_status(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-SFW3")
    async with connect16(live.ws_url, "CP-SFW3") as charger, client(live.base_url) as api:
        charger.answers["SignedUpdateFirmware"] = call_result.SignedUpdateFirmware(status="InvalidCertificate")
        response = await api.post(update_path(cp["id"]), json={
            "url": FIRMWARE_URL, "signed": True, "signingCertificate": "cert", "signature": "sig"})
    assert response.status_code == 406
    assert response.json()["success"] is False and response.json()["status"] == "InvalidCertificate"
    async with live.server.rt.db.read() as conn:
        assert (await conn.execute(select(firmware_updates.c.status))).scalar_one() == "invalidcertificate"


@pytest.mark.parametrize("body, field", [
    ({"signed": False}, "url"),
    ({"signed": False, "firmwareVersionId": 4}, "firmwareVersionId"),
    ({"signed": False, "url": "firmware.bin"}, "url"),
    ({"signed": False, "url": "http://x/fw.bin", "downloadUrlProtocol": "https"}, "url"),
    ({"signed": True, "url": FIRMWARE_URL, "signature": "s"}, "signingCertificate"),
    ({"signed": True, "url": FIRMWARE_URL, "signingCertificate": "c", "signature": "s" * 801}, "signature"),
    ({"signed": False, "url": FIRMWARE_URL, "retrieveAfter": "soon"}, "retrieveAfter"),
    ({"signed": False, "url": FIRMWARE_URL, "retries": 11}, "retries"),
    ({"url": FIRMWARE_URL}, "signed"),
])
async def test_bad_update_requests_are_422_and_reach_nothing(live, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-FWBAD")
    async with connect16(live.ws_url, "CP-FWBAD") as charger, client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json=body)
        assert response.status_code == 422 and field in response.json()["errors"], response.text
        assert charger.received == []
    assert await count(live.server.rt.db, firmware_updates) == 0


async def test_an_offline_charger_is_406_and_nothing_is_written(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-FWOFF")
    async with client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json={"url": FIRMWARE_URL, "signed": False})
        missing = await api.post(update_path(999999), json={"url": FIRMWARE_URL, "signed": False})
    assert response.status_code == 406 and "not connected" in response.json()["message"]
    assert missing.status_code == 404
    assert await count(live.server.rt.db, firmware_updates) == 0


async def test_bad_firmware_notifications_get_their_callerror_and_write_nothing(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-FWN")
    answers = await raw_exchange(live.ws_url, "CP-FWN", [
        '[2, "1", "FirmwareStatusNotification", {"status": "Exploded"}]',
        '[2, "2", "FirmwareStatusNotification", {}]',
        '[2, "3", "SignedFirmwareStatusNotification", {"status": "Installed", "requestId": "one"}]',
        '[2, "4", "FirmwareStatusNotification", {"status": "Installed"}]',
    ])
    assert [a[2] for a in answers] == ["PropertyConstraintViolation",
                                                              "OccurenceConstraintViolation",
                                                              "TypeConstraintViolation", {}]
    # a status about no update cpms asked for is answered and changes nothing
    assert await count(db, firmware_updates) == 0
    assert await emitted(db, "chargePoint.firmwareStatus") == []
