"""OCPP 2.0.1 firmware management end to end: the same update-firmware action as 1.6 becomes
UpdateFirmware (signed or not), and the station's FirmwareStatusNotification (with its requestId)
and PublishFirmwareStatusNotification are recorded before they are answered."""

import pytest
from ocpp.v201 import call, call_result
from sqlalchemy import select

from cpms.storage.tables.ocpp import charger_reports, firmware_updates
from tests.conftest import client
from tests.ocpp.test_status import count, emitted
from tests.ocpp.v201.blocks_support import connect, raw_exchange
from tests.support import seed
from tests.support.live import running

FIRMWARE_URL = "https://firmware.example.com/acme/3.0.0.bin"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


def update_path(cp_id: int) -> str:
    return f"/public-api/actions/charge-point/v2.0/{cp_id}/update-firmware"


async def firmware_statuses(live, cp_id: int) -> list[tuple[int, str]]:
    return [(e["requestId"], e["status"]) for e in await emitted(live.server.rt.db, "chargePoint.firmwareStatus")
            if e["chargePointId"] == cp_id]


async def test_TC_L_01_CSMS_SecureFirmwareUpdate_InstallationSuccessful(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-SFW", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-SFW") as charger, client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json={
            "url": FIRMWARE_URL, "signed": True, "signingCertificate": "-----BEGIN CERTIFICATE-----\nMIIB...",
            "signature": "c2lnbmF0dXJl", "retrieveAfter": "2026-05-01T02:00:00Z", "retries": 2, "interval": 30})
        assert response.status_code == 202, response.text
        request_id = response.json()["requestId"]
        assert response.json() == {"success": True, "status": "Accepted", "requestId": request_id}
        sent = await charger.wait_for("UpdateFirmware")
        states = ("Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed")
        for state in states:
            await charger.call(call.FirmwareStatusNotification(status=state, request_id=request_id))
        # the last one again (our answer was lost): nothing new
        await charger.call(call.FirmwareStatusNotification(status="Installed", request_id=request_id))
    assert sent == {"request_id": request_id, "retries": 2, "retry_interval": 30, "firmware": {
        "location": FIRMWARE_URL, "retrieve_date_time": "2026-05-01T02:00:00.000000Z",
        "signing_certificate": "-----BEGIN CERTIFICATE-----\nMIIB...", "signature": "c2lnbmF0dXJl"}}
    assert await firmware_statuses(live, cp["id"]) == [(request_id, s.lower()) for s in states]


async def test_an_unsigned_update_is_updatefirmware_without_signature(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-FW", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-FW") as charger, client(live.base_url) as api:
        response = await api.post(update_path(cp["id"]), json={"url": FIRMWARE_URL, "signed": False})
        assert response.status_code == 202, response.text
        sent = await charger.wait_for("UpdateFirmware")
    assert sent["request_id"] == response.json()["requestId"]
    assert set(sent["firmware"]) == {"location", "retrieve_date_time"}


@pytest.mark.parametrize("refusal", ["InvalidCertificate", "RevokedCertificate", "Rejected"])
async def test_TC_L_04_TC_L_05_CSMS_SecureFirmwareUpdate_bad_certificate_is_406_with_the_stations_status(
        live, refusal) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-SFWR", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-SFWR") as charger, client(live.base_url) as api:
        charger.answers["UpdateFirmware"] = call_result.UpdateFirmware(status=refusal)
        response = await api.post(update_path(cp["id"]), json={
            "url": FIRMWARE_URL, "signed": True, "signingCertificate": "cert", "signature": "sig"})
    assert response.status_code == 406 and response.json()["status"] == refusal, response.text
    async with live.server.rt.db.read() as conn:
        assert (await conn.execute(select(firmware_updates.c.status))).scalar_one() == refusal.lower()


async def test_TC_L_07_CSMS_SecureFirmwareUpdate_DownloadFailed_then_Idle_keeps_the_outcome(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-SFWF", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-SFWF") as charger, client(live.base_url) as api:
        request_id = (await api.post(update_path(cp["id"]), json={"url": FIRMWARE_URL, "signed": False})).json()[
            "requestId"]
        for state in ("Downloading", "DownloadFailed"):
            await charger.call(call.FirmwareStatusNotification(status=state, request_id=request_id))
        await charger.call(call.FirmwareStatusNotification(status="Idle"))
    assert [s for _, s in await firmware_statuses(live, cp["id"])] == ["downloading", "downloadfailed"]


async def test_TC_L_17_CSMS_PublishFirmware_Published_status_is_kept_once(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-PUB", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-PUB") as charger:
        await charger.call(call.PublishFirmwareStatusNotification(status="Downloading", request_id=7))
        published = call.PublishFirmwareStatusNotification(status="Published", request_id=7,
                                                           location=["http://lc.local/fw.bin"])
        await charger.call(published)
        await charger.call(published)
    async with db.read() as conn:
        rows = (await conn.execute(select(charger_reports.c.charge_point_id, charger_reports.c.kind,
                                          charger_reports.c.request_id, charger_reports.c.status,
                                          charger_reports.c.data).order_by(charger_reports.c.id))).all()
    assert [tuple(r)[:4] for r in rows] == [(cp["id"], "PublishFirmwareStatusNotification", 7, "Downloading"),
                                            (cp["id"], "PublishFirmwareStatusNotification", 7, "Published")]
    assert rows[1].data["location"] == ["http://lc.local/fw.bin"]


async def test_bad_firmware_notifications_get_their_callerror_and_write_nothing(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CS-FWN", protocol="ocpp 2.0.1")
    answers = await raw_exchange(live.ws_url, "CS-FWN", [
        '[2, "1", "FirmwareStatusNotification", {"status": "Exploded"}]',
        '[2, "2", "FirmwareStatusNotification", {}]',
        '[2, "3", "FirmwareStatusNotification", {"status": "Installed", "requestId": "one"}]',
        '[2, "4", "PublishFirmwareStatusNotification", {"status": "Published", "requestId": 1, "extra": 1}]',
        '[2, "5", "FirmwareStatusNotification", {"status": "Installed", "requestId": 99}]',
    ])
    assert [a[2] for a in answers] == ["PropertyConstraintViolation", "OccurrenceConstraintViolation",
                                       "TypeConstraintViolation", "FormatViolation", {}]
    # a status about no update cpms asked for is answered and changes nothing
    assert await count(db, firmware_updates) == 0 and await count(db, charger_reports) == 0
    assert await emitted(db, "chargePoint.firmwareStatus") == []
