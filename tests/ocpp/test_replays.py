"""A charger's retransmitted CALL (same identity, action, message id and payload, typically on its next
connection) is answered with the first answer and stores nothing; a new message that happens to reuse
an id is handled. End to end over real WebSockets with raw frames (the message ids are the point), and
the cache's own rules with a clock the test turns."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from cpms.ocpp.replays import Replays, seconds
from cpms.storage.tables.ocpp import data_transfers, hardware_status_logs
from cpms.storage.tables.security import security_events
from tests.ocpp.test_status import count, emitted
from tests.support import seed
from tests.support.live import running

BOOT16 = '[2, "1", "BootNotification", {"chargePointModel": "M", "chargePointVendor": "V"}]'
TRANSFER = '[2, "7", "DataTransfer", {"vendorId": "com.example", "messageId": "card", "data": "%s"}]'


@pytest.fixture
async def live(settings):
    async with running(settings) as r:
        yield r


async def session(ws_url: str, identity: str, frames: list[str], subprotocol: str = "ocpp1.6") -> list[list[Any]]:
    """One connection of the charger: send the frames one by one, return the answers, hang up."""
    answers = []
    async with websockets.connect(f"{ws_url}/{identity}", subprotocols=[subprotocol]) as ws:
        for frame in frames:
            await ws.send(frame)
            answers.append(json.loads(await ws.recv()))
    return answers


async def test_a_datatransfer_sent_again_after_a_reconnect_is_answered_the_same_and_stored_once(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-RT1")
    [first] = await session(live.ws_url, "CP-RT1", [TRANSFER % "42"])
    # the answer was lost: the charger reconnects and sends the same message again
    [again] = await session(live.ws_url, "CP-RT1", [TRANSFER % "42"])
    assert first == again == [3, "7", {"status": "Accepted"}]
    assert await count(db, data_transfers, data_transfers.c.charge_point_id == cp["id"]) == 1
    assert len(await emitted(db, "chargePoint.dataTransferReceived")) == 1


async def test_the_same_message_id_with_another_payload_is_a_new_message(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-RT2")
    answers = await session(live.ws_url, "CP-RT2", [TRANSFER % "42", TRANSFER % "43"])
    assert answers == [[3, "7", {"status": "Accepted"}]] * 2
    assert await count(db, data_transfers, data_transfers.c.charge_point_id == cp["id"]) == 2
    assert [e["data"] for e in await emitted(db, "chargePoint.dataTransferReceived")] == ["42", "43"]


async def test_after_a_reboot_a_byte_identical_boot_and_datatransfer_are_new_messages(live) -> None:
    """Its id counter starts over at boot: the same frames are new messages and get fresh answers."""
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-RT3")
    for _ in range(2):  # power on, talk, reboot
        boot, transfer = await session(live.ws_url, "CP-RT3", [BOOT16, TRANSFER % "42"])
        assert boot[2]["status"] == "Accepted" and transfer == [3, "7", {"status": "Accepted"}]
    assert len(await emitted(db, "chargePoint.boot")) == 2
    assert await count(db, data_transfers, data_transfers.c.charge_point_id == cp["id"]) == 2


async def test_a_retransmission_on_another_charger_is_its_own_message(live) -> None:
    db = live.server.rt.db
    one, other = await seed.charge_point(db, "CP-RT4"), await seed.charge_point(db, "CP-RT5")
    for identity in ("CP-RT4", "CP-RT5"):
        await session(live.ws_url, identity, [TRANSFER % "42"])
    for cp in (one, other):
        assert await count(db, data_transfers, data_transfers.c.charge_point_id == cp["id"]) == 1


async def test_a_refused_message_is_remembered_by_nobody(live) -> None:
    """A CALLERROR wrote nothing, so the same message again is handled (here refused again)."""
    await seed.charge_point(live.server.rt.db, "CP-RT6")
    bad = '[2, "9", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charging", ' \
          '"timestamp": "yesterday"}]'
    first, again = await session(live.ws_url, "CP-RT6", [bad, bad])
    assert first[0] == again[0] == 4 and first[2] == again[2] == "PropertyConstraintViolation"


async def test_201_status_and_security_event_retransmissions_are_logged_once(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-RT7", protocol="ocpp 2.0.1")
    status = ('[2, "s-1", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Occupied", '
              '"evseId": 1, "connectorId": 1}]')
    security = ('[2, "s-2", "SecurityEventNotification", {"type": "SettingSystemTime", '
                '"timestamp": "2026-01-01T00:00:01Z", "techInfo": "ntp"}]')
    first = await session(live.ws_url, "CS-RT7", [status, security], "ocpp2.0.1")
    again = await session(live.ws_url, "CS-RT7", [status, security], "ocpp2.0.1")
    assert first == again == [[3, "s-1", {}], [3, "s-2", {}]]
    assert await count(db, hardware_status_logs, hardware_status_logs.c.charge_point_id == cp["id"]) == 1
    assert await count(db, security_events, security_events.c.charge_point_id == cp["id"]) == 1
    assert len(await emitted(db, "chargePoint.securityEvent")) == 1


# -- the cache's rules ------------------------------------------------------------------------------


class Turned:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting() -> tuple[list[int], Any]:
    calls: list[int] = []

    async def handle() -> dict[str, Any]:
        calls.append(1)
        return {"status": f"answer {len(calls)}"}

    return calls, handle


async def test_an_entry_lives_its_time_and_no_longer() -> None:
    clock, (calls, handle) = Turned(), counting()
    replays = Replays(ttl=60, clock=clock)
    assert await replays.answer("CP", "DataTransfer", "1", {"a": 1}, handle) == {"status": "answer 1"}
    clock.now = 59
    assert await replays.answer("CP", "DataTransfer", "1", {"a": 1}, handle) == {"status": "answer 1"}
    clock.now = 61
    assert await replays.answer("CP", "DataTransfer", "1", {"a": 1}, handle) == {"status": "answer 2"}
    clock.now = 200
    replays.sweep()
    assert len(replays) == 0 and len(calls) == 2


async def test_each_charger_keeps_only_its_latest_entries_and_a_boot_forgets_them() -> None:
    calls, handle = counting()
    replays = Replays(ttl=60, per_charger=2)
    for unique_id in ("1", "2", "3"):
        await replays.answer("CP", "DataTransfer", unique_id, {}, handle)
    await replays.answer("OTHER", "DataTransfer", "1", {}, handle)
    assert len(replays) == 3
    await replays.answer("CP", "DataTransfer", "1", {}, handle)  # pushed out by "3": handled again
    assert len(calls) == 5
    replays.forget("CP")
    await replays.answer("CP", "DataTransfer", "3", {}, handle)
    assert len(calls) == 6


async def test_a_repeat_arriving_while_the_first_is_handled_waits_for_its_answer() -> None:
    replays, started, release = Replays(ttl=60), asyncio.Event(), asyncio.Event()
    calls: list[int] = []

    async def slow() -> dict[str, Any]:
        calls.append(1)
        started.set()
        await release.wait()
        return {"status": "Accepted"}

    first = asyncio.create_task(replays.answer("CP", "DataTransfer", "1", {"b": [1, 2]}, slow))
    await started.wait()
    second = asyncio.create_task(replays.answer("CP", "DataTransfer", "1", {"b": [1, 2]}, slow))
    release.set()
    assert await first == await second == {"status": "Accepted"} and calls == [1]


async def test_a_failed_handling_is_not_remembered_and_zero_seconds_turns_it_off() -> None:
    replays = Replays(ttl=60)

    async def failing() -> dict[str, Any]:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        await replays.answer("CP", "DataTransfer", "1", {}, failing)
    calls, handle = counting()
    await replays.answer("CP", "DataTransfer", "1", {}, handle)
    assert len(calls) == 1
    off = Replays(ttl=0)
    for _ in range(2):
        await off.answer("CP", "DataTransfer", "1", {}, handle)
    assert len(calls) == 3 and len(off) == 0


@pytest.mark.parametrize("configured, expected", [(None, 300.0), ("30", 30.0), ("0", 0.0), ("-5", 300.0),
                                                  ("soon", 300.0)])
def test_the_window_is_cpms_ocpp_replay_seconds(configured, expected) -> None:
    assert seconds({} if configured is None else {"CPMS_OCPP_REPLAY_SECONDS": configured}) == expected
