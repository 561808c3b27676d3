"""What OCPP 2.0.1 stations report in parts and cpms keeps as received: customer information
(NotifyCustomerInformation, by seqNo) and display messages (NotifyDisplayMessages), each part
once even when the station sends it again."""

import json

import pytest
from ocpp.v201 import call
from sqlalchemy import select

from cpms.storage.tables.ocpp import charger_reports
from tests.ocpp.test_status import count
from tests.ocpp.v201.blocks_support import connect, raw_exchange
from tests.support import seed
from tests.support.live import running

T = "2026-06-01T12:00:00Z"


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def reports(db, kind: str) -> list[tuple]:
    t = charger_reports.c
    async with db.read() as conn:
        rows = (await conn.execute(select(t.charge_point_id, t.request_id, t.seq_no, t.data)
                                   .where(t.kind == kind).order_by(t.id))).all()
    return [tuple(r) for r in rows]


async def test_TC_N_27_CSMS_GetCustomerInformation_Accepted_and_data_kept_part_by_part(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-CI", protocol="ocpp 2.0.1")
    first = call.NotifyCustomerInformation(data="card 0451 used 3 times", seq_no=0, generated_at=T, request_id=5,
                                           tbc=True)
    second = call.NotifyCustomerInformation(data="last use 2026-05-30", seq_no=1, generated_at=T, request_id=5)
    async with connect(live.ws_url, "CS-CI") as charger:
        await charger.call(first)
        await charger.call(first)  # sent again: our answer was lost
        await charger.call(second)
    kept = await reports(db, "NotifyCustomerInformation")
    assert [(cp_id, request, seq) for cp_id, request, seq, _ in kept] == [(cp["id"], 5, 0), (cp["id"], 5, 1)]
    assert [data["data"] for *_, data in kept] == ["card 0451 used 3 times", "last use 2026-05-30"]
    assert kept[0][3]["tbc"] is True


async def test_TC_O_02_CSMS_GetAllDisplayMessages_kept_once(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-DM", protocol="ocpp 2.0.1")
    message = {"id": 3, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Welcome"}}
    notify = call.NotifyDisplayMessages(request_id=11, message_info=[message])
    async with connect(live.ws_url, "CS-DM") as charger:
        await charger.call(notify)
        await charger.call(notify)
        await charger.call(call.NotifyDisplayMessages(request_id=12))  # TC_O_03: none configured
    kept = await reports(db, "NotifyDisplayMessages")
    assert [(cp_id, request) for cp_id, request, *_ in kept] == [(cp["id"], 11), (cp["id"], 12)]
    assert kept[0][3]["messageInfo"] == [message]


@pytest.mark.parametrize("action, payload, code", [
    ("NotifyCustomerInformation", {"data": "x", "seqNo": 0, "generatedAt": T}, "OccurrenceConstraintViolation"),
    ("NotifyCustomerInformation", {"data": "x" * 513, "seqNo": 0, "generatedAt": T, "requestId": 1},
     "TypeConstraintViolation"),
    ("NotifyDisplayMessages", {"requestId": "eleven"}, "TypeConstraintViolation"),
    ("NotifyDisplayMessages", {"requestId": 1, "messageInfo": [{"id": 1}]}, "OccurrenceConstraintViolation"),
])
async def test_a_bad_report_gets_its_callerror_and_writes_nothing(live, action, payload, code) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CS-REPBAD", protocol="ocpp 2.0.1")
    [answer] = await raw_exchange(live.ws_url, "CS-REPBAD", [json.dumps([2, "1", action, payload])])
    assert answer[:3] == [4, "1", code], answer
    assert await count(db, charger_reports) == 0
