"""OCPP 2.0.1 log uploads end to end: get-diagnostics and get-security-log become GetLog
(DiagnosticsLog / SecurityLog) with the request's id as requestId, and LogStatusNotification is
recorded against that request and announced as for 1.6."""

import pytest
from ocpp.v201 import call, call_result
from sqlalchemy import select

from cpms.storage.tables.ocpp import log_requests
from tests.conftest import client
from tests.ocpp.test_status import count, emitted
from tests.ocpp.v201.blocks_support import connect, raw_exchange
from tests.support import seed
from tests.support.live import running

UPLOAD = "ftp://logs.example.com/upload/"
LOG_UPLOAD = "https://logs.example.com/upload/"


@pytest.fixture
async def live(settings):
    async with running(settings.with_(ocpp_call_timeout=2.0)) as r:
        yield r


def action(cp_id: int, name: str) -> str:
    return f"/public-api/actions/charge-point/v1.0/{cp_id}/{name}"


async def test_TC_N_25_CSMS_RetrieveLogInformation_DiagnosticsLog_Success(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-DIA", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-DIA") as charger, client(live.base_url) as api:
        response = await api.post(action(cp["id"], "get-diagnostics"), json={
            "location": UPLOAD, "start": "2026-04-01T00:00:00Z", "stop": "2026-04-02T00:00:00Z"})
        assert response.status_code == 202, response.text
        body = response.json()
        sent = await charger.wait_for("GetLog")
        for state in ("Uploading", "Uploaded", "Uploaded", "Idle"):
            await charger.call(call.LogStatusNotification(status=state, request_id=body["requestId"]))
    assert body == {"success": True, "requestId": body["requestId"], "fileName": "station.log"}
    assert sent == {"log_type": "DiagnosticsLog", "request_id": body["requestId"], "log": {
        "remote_location": UPLOAD, "oldest_timestamp": "2026-04-01T00:00:00.000000Z",
        "latest_timestamp": "2026-04-02T00:00:00.000000Z"}}
    # the same announcement as a 1.6 charger's diagnostics; the repeat and Idle change nothing
    announced = await emitted(db, "chargePoint.diagnosticsStatus")
    assert [(e["requestId"], e["status"]) for e in announced] == [(body["requestId"], "uploading"),
                                                                  (body["requestId"], "uploaded")]
    async with db.read() as conn:
        row = (await conn.execute(select(log_requests))).one()
    assert (row.log_type, row.status, row.file_name) == ("Diagnostics", "uploaded", "station.log")


async def test_TC_N_35_CSMS_RetrieveLogInformation_SecurityLog_Success(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-LOG", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-LOG") as charger, client(live.base_url) as api:
        response = await api.post(action(cp["id"], "get-security-log"), json={
            "url": LOG_UPLOAD, "reason": "audit", "retries": 2, "interval": 30})
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        sent = await charger.wait_for("GetLog")
        for state in ("Uploading", "Uploaded"):
            await charger.call(call.LogStatusNotification(status=state, request_id=data["id"]))
    assert data == {"id": data["id"], "status": "accepted", "file_name": "station.log", "logType": "SecurityLog",
                    "chargePointId": cp["id"]}
    assert sent == {"log_type": "SecurityLog", "request_id": data["id"], "retries": 2, "retry_interval": 30,
                    "log": {"remote_location": LOG_UPLOAD}}
    announced = await emitted(db, "chargePoint.logStatus")
    assert [(e["requestId"], e["logType"], e["status"]) for e in announced] == [
        (data["id"], "SecurityLog", "uploading"), (data["id"], "SecurityLog", "uploaded")]


async def test_TC_N_34_CSMS_RetrieveLogInformation_Rejected_is_406_and_recorded(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-LOGR", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-LOGR") as charger, client(live.base_url) as api:
        charger.answers["GetLog"] = call_result.GetLog(status="Rejected")
        logs = await api.post(action(cp["id"], "get-security-log"), json={"url": LOG_UPLOAD, "reason": "audit"})
        diagnostics = await api.post(action(cp["id"], "get-diagnostics"), json={"location": UPLOAD})
    assert logs.status_code == 406 and logs.json()["status"] == "Rejected"
    assert diagnostics.status_code == 406 and diagnostics.json()["success"] is False
    async with live.server.rt.db.read() as conn:
        assert (await conn.execute(select(log_requests.c.status))).scalars().all() == ["rejected", "rejected"]


async def test_bad_log_notifications_get_their_callerror_and_write_nothing(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-LOGN", protocol="ocpp 2.0.1")
    answers = await raw_exchange(live.ws_url, "CS-LOGN", [
        '[2, "1", "LogStatusNotification", {"status": "Lost", "requestId": 1}]',
        '[2, "2", "LogStatusNotification", {"requestId": 1}]',
        '[2, "3", "LogStatusNotification", {"status": "Uploaded", "requestId": "1"}]',
        '[2, "4", "LogStatusNotification", {"status": "Uploaded", "requestId": 12345}]',
    ])
    assert [a[2] for a in answers] == ["PropertyConstraintViolation", "OccurrenceConstraintViolation",
                                       "TypeConstraintViolation", {}]
    assert await count(db, log_requests, log_requests.c.charge_point_id == cp["id"]) == 0
    assert await emitted(db, "chargePoint.logStatus") == []
