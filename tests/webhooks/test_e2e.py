"""End to end: the real server process, real HTTP, a receiver on loopback; receivers and servers that go down."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cpms.webhooks.signing import verify
from tests.conftest import TOKEN, client
from tests.support.receiver import Received
from tests.support.server_process import ServerProcess
from tests.webhooks.conftest import QUICK, V2, subscribe
from tests.support.waiting import eventually

CPS = "/public-api/resources/charge-points/v2.0"
START = 120.0  # a loaded 2-core machine can take long to boot a server process; this is no timing assertion


def actions_by_charge_point(received: list[Received]) -> dict[int, list[str]]:
    """Per charge point, the actions in arrival order (first arrival of each distinct body)."""
    seen: set[bytes] = set()
    out: dict[int, list[str]] = defaultdict(list)
    for request in received:
        if request.body in seen:  # at-least-once: a repeat after a crash is allowed, and ignored here
            continue
        seen.add(request.body)
        body = request.json
        out[body["chargePointId"]].append(body["action"])
    return dict(out)


async def make_changes(api: httpx.AsyncClient, charge_points: int, updates: int) -> dict[int, list[str]]:
    expected: dict[int, list[str]] = {}
    ids = []
    for n in range(charge_points):
        created = await api.post(CPS, json={"name": f"CP {n}", "type": "public", "status": "enabled"})
        assert created.status_code == 201, created.text
        ids.append(created.json()["data"]["id"])
        expected[ids[-1]] = ["created"]
    for u in range(updates):
        for cp in ids:
            assert (await api.patch(f"{CPS}/{cp}", json={"name": f"CP {cp} v{u}"})).status_code == 200
            expected[cp].append("updated")
    return expected


async def pending(api: httpx.AsyncClient, sub_id: int) -> int:
    return int((await api.get(f"{V2}/{sub_id}")).headers["x-webhook-pending"])


@pytest.fixture
async def private_server(tmp_path: Path, database_url: str) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(database_url, tmp_path / "server", TOKEN, env=QUICK)
    proc.start(timeout=START)
    try:
        yield proc
    finally:
        proc.stop()


async def test_changes_arrive_in_order_with_valid_signatures(live_api, receiver) -> None:
    sub = await subscribe(live_api, receiver.url("/live"), "chargePoint.changed")
    try:
        expected = await make_changes(live_api, charge_points=3, updates=4)
        await receiver.wait_for(lambda got: len(got) >= 15)
        mine = [r for r in receiver.acknowledged if r.json["chargePointId"] in expected]
        assert actions_by_charge_point(mine) == expected
        for request in mine:
            assert verify(request.body, TOKEN, request.header("x-signature"))
            assert request.header("x-webhook-id") == str(sub["id"])
    finally:
        await live_api.delete(f"{V2}/{sub['id']}")


async def test_a_receiver_down_for_a_while_gets_everything_when_it_is_back(private_server, receiver) -> None:
    async with client(private_server.base_url) as api:
        sub = await subscribe(api, receiver.url(), "chargePoint.changed")
        await receiver.stop()
        expected = await make_changes(api, charge_points=3, updates=3)

        async def all_waiting() -> bool:
            return await pending(api, sub["id"]) == 12

        await eventually(all_waiting)
        await receiver.start()  # same port
        await receiver.wait_for(lambda got: len(got) >= 12)
        assert actions_by_charge_point(receiver.acknowledged) == expected

        async def drained() -> bool:
            return await pending(api, sub["id"]) == 0

        await eventually(drained)


async def test_sigkill_with_pending_and_unsent_events_loses_nothing(private_server, receiver) -> None:
    async with client(private_server.base_url) as api:
        sub = await subscribe(api, receiver.url(), "chargePoint.changed")
        await receiver.stop()
        expected = await make_changes(api, charge_points=2, updates=2)

        async def all_waiting() -> bool:
            return await pending(api, sub["id"]) == 6

        await eventually(all_waiting)
        more = await make_changes(api, charge_points=2, updates=2)  # killed right after these are answered
    private_server.kill()
    expected.update(more)
    await receiver.start()
    private_server.start(timeout=START)
    await receiver.wait_for(lambda got: len({r.body for r in got}) >= 12)
    assert actions_by_charge_point(receiver.acknowledged) == expected


async def test_a_slow_receiver_killed_server_and_restart_still_deliver_in_order(private_server, receiver) -> None:
    """Deliveries in flight when the server dies are sent again after the restart (at-least-once)."""
    receiver.answer = (202, 1.0)
    async with client(private_server.base_url) as api:
        await subscribe(api, receiver.url(), "chargePoint.changed")
        expected = await make_changes(api, charge_points=2, updates=3)
        await eventually(_async(lambda: len(receiver.requests) >= 1))
    private_server.kill()
    receiver.answer = 202
    private_server.start(timeout=START)
    await receiver.wait_for(lambda got: len({r.body for r in got}) >= 8)
    assert actions_by_charge_point(receiver.acknowledged) == expected


def _async(check: Any) -> Any:
    async def run() -> Any:
        return check()

    return run
