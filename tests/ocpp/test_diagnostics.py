"""Diagnostics and security logs end to end: the API asks, the charger gets GetDiagnostics / GetLog,
and its upload notifications are recorded against the request and announced."""

import pytest
from ocpp.v16 import call, call_result
from sqlalchemy import select

from cpms.storage.tables.ocpp import log_requests
from tests.conftest import client
from tests.ocpp.test_status import count, emitted, raw_exchange
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running

UPLOAD = "ftp://logs.example.com/upload/"
# the contract's security log url is an http(s) URL
LOG_UPLOAD = "https://logs.example.com/upload/"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


def diagnostics_path(cp_id: int) -> str:
    return f"/public-api/actions/charge-point/v1.0/{cp_id}/get-diagnostics"


def security_log_path(cp_id: int) -> str:
    return f"/public-api/actions/charge-point/v1.0/{cp_id}/get-security-log"


async def diagnostics_run(live, identity: str, progress: list[str]) -> tuple[dict, dict, list[dict]]:
    cp = await seed.charge_point(live.server.rt.db, identity)
    async with connect16(live.ws_url, identity) as charger, client(live.base_url) as api:
        response = await api.post(diagnostics_path(cp["id"]), json={
            "location": UPLOAD, "start": "2026-04-01T00:00:00Z", "stop": "2026-04-02T00:00:00Z"})
        assert response.status_code == 202, response.text
        sent = await charger.wait_for("GetDiagnostics")
        for state in progress:
            await charger.call(call.DiagnosticsStatusNotification(status=state))
    return response.json(), sent, await emitted(live.server.rt.db, "chargePoint.diagnosticsStatus")


async def test_TC_045_1_CSMS_GetDiagnostics(live) -> None:
    body, sent, announced = await diagnostics_run(live, "CP-DIA", ["Uploading", "Uploaded", "Idle"])
    assert body == {"success": True, "requestId": body["requestId"], "fileName": "diagnostics.zip"}
    assert sent == {"location": UPLOAD, "start_time": "2026-04-01T00:00:00.000000Z",
                    "stop_time": "2026-04-02T00:00:00.000000Z"}
    assert [(e["requestId"], e["status"]) for e in announced] == [(body["requestId"], "uploading"),
                                                                  (body["requestId"], "uploaded")]
    assert set(announced[0]) >= {"chargePointId", "requestId", "status", "lastUpdatedAt"}
    async with live.server.rt.db.read() as conn:
        row = (await conn.execute(select(log_requests))).one()
    assert (row.log_type, row.status, row.file_name, row.location) == ("Diagnostics", "uploaded", "diagnostics.zip",
                                                                       UPLOAD)


async def test_TC_045_2_CSMS_GetDiagnostics_UploadFailed(live) -> None:
    body, _, announced = await diagnostics_run(live, "CP-DIA2", ["Uploading", "UploadFailed"])
    assert [e["status"] for e in announced] == ["uploading", "uploadfailed"]


async def test_TC_079_CSMS_GetSecurityLog(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-LOG")
    async with connect16(live.ws_url, "CP-LOG") as charger, client(live.base_url) as api:
        response = await api.post(security_log_path(cp["id"]), json={
            "url": LOG_UPLOAD, "reason": "audit", "retries": 2, "interval": 30, "startTime": "2026-04-01T00:00:00Z"})
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data == {"id": data["id"], "status": "accepted", "file_name": "security.log", "logType": "SecurityLog",
                        "chargePointId": cp["id"]}
        sent = await charger.wait_for("GetLog")
        assert sent == {"log_type": "SecurityLog", "request_id": data["id"], "retries": 2, "retry_interval": 30,
                        "log": {"remote_location": LOG_UPLOAD, "oldest_timestamp": "2026-04-01T00:00:00.000000Z"}}
        for state in ("Uploading", "Uploaded"):
            await charger.call(call.LogStatusNotification(status=state, request_id=data["id"]))
    announced = await emitted(db, "chargePoint.logStatus")
    assert [(e["requestId"], e["logType"], e["status"]) for e in announced] == [
        (data["id"], "SecurityLog", "uploading"), (data["id"], "SecurityLog", "uploaded")]


async def test_a_refused_security_log_is_406_and_recorded(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-LOG2")
    async with connect16(live.ws_url, "CP-LOG2") as charger, client(live.base_url) as api:
        charger.answers["GetLog"] = call_result.GetLog(status="Rejected")
        response = await api.post(security_log_path(cp["id"]), json={"url": LOG_UPLOAD, "reason": "audit"})
    assert response.status_code == 406 and response.json()["status"] == "Rejected"
    async with live.server.rt.db.read() as conn:
        assert (await conn.execute(select(log_requests.c.status))).scalar_one() == "rejected"


@pytest.mark.parametrize("path, body, field", [
    (diagnostics_path, {"location": "not a url"}, "location"),
    (diagnostics_path, {"location": UPLOAD, "start": "2026-04-02T00:00:00Z", "stop": "2026-04-01T00:00:00Z"}, "stop"),
    (diagnostics_path, {}, "location"),
    (security_log_path, {"url": LOG_UPLOAD}, "reason"),
    (security_log_path, {"url": "https://x.example/" + "a" * 600, "reason": "r"}, "url"),
    (security_log_path, {"url": LOG_UPLOAD, "reason": "r", "startTime": "last week"}, "startTime"),
    (security_log_path, {"url": LOG_UPLOAD, "reason": "r", "interval": 3601}, "interval"),
])
async def test_bad_upload_requests_are_422_and_reach_nothing(live, path, body, field) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-DIABAD")
    async with connect16(live.ws_url, "CP-DIABAD") as charger, client(live.base_url) as api:
        response = await api.post(path(cp["id"]), json=body)
        assert response.status_code == 422 and field in response.json()["errors"], response.text
        assert charger.received == []
    assert await count(live.server.rt.db, log_requests) == 0


async def test_offline_is_406_with_nothing_written(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-DIAOFF")
    async with client(live.base_url) as api:
        diag = await api.post(diagnostics_path(cp["id"]), json={"location": UPLOAD})
        logs = await api.post(security_log_path(cp["id"]), json={"url": LOG_UPLOAD, "reason": "r"})
    assert diag.status_code == 406 and logs.status_code == 406
    assert await count(live.server.rt.db, log_requests) == 0


async def test_bad_upload_notifications_get_their_callerror_and_write_nothing(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-DIAN")
    answers = await raw_exchange(live.ws_url, "CP-DIAN", [
        '[2, "1", "DiagnosticsStatusNotification", {"status": "Lost"}]',
        '[2, "2", "LogStatusNotification", {"requestId": 1}]',
        '[2, "3", "LogStatusNotification", {"status": "Uploaded", "requestId": 1.5}]',
        '[2, "4", "LogStatusNotification", {"status": "Uploaded", "requestId": 99}]',
        '[2, "5", "DiagnosticsStatusNotification", {"status": "Uploaded"}]',
    ])
    assert [a[2] for a in answers] == ["PropertyConstraintViolation", "OccurenceConstraintViolation",
                                       "TypeConstraintViolation", {}, {}]
    assert await emitted(db, "chargePoint.logStatus") == [] and await emitted(db, "chargePoint.diagnosticsStatus") == []
