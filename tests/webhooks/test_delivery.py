"""The delivery worker in-process: order, signatures, retries, give-up, resend, isolation, revocation."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from cpms.events import Event
from cpms.storage.db import Database
from cpms.storage.tables.webhooks import webhook_deliveries, webhook_subscriptions
from cpms.tokens import create_token, revoke_token
from cpms.webhooks.signing import verify
from cpms.webhooks.transport import Outcome
from tests.conftest import TOKEN, client
from tests.support.receiver import CLOSE, Receiver, Received
from tests.webhooks.conftest import V2, change, running, subscribe
from tests.support.waiting import eventually

RESEND = "/public-api/actions/notifications/v1.0/{}/resend"
ISO_MICRO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def bodies(received: list[Received], name: str = "chargePoint.changed") -> list[dict[str, Any]]:
    return [r.json for r in received if r.header("x-webhook-type") == name]


async def statuses(server: Any) -> list[str]:
    """States of the delivery rows: a notification gets one only once its first attempt failed."""
    async with server.rt.db.read() as conn:
        return list((await conn.execute(select(webhook_deliveries.c.status)
                                        .order_by(webhook_deliveries.c.id))).scalars())


async def settled(server: Any, expected: list[str]) -> None:
    """Wait until the deliveries' recorded states are `expected` (recording follows the receiver's answer)."""
    async def check() -> bool:
        return await statuses(server) == expected

    await eventually(check)


async def test_changes_arrive_in_order_signed_with_the_subscribers_token(api, server, receiver) -> None:
    sub = await subscribe(api, receiver.url("/in"), "chargePoint.changed")
    await change(server, 7, "created")
    await change(server, 7, count=5)
    await change(server, 7, "deleted")
    await receiver.wait_for(lambda got: len(got) == 7)
    assert [b["action"] for b in bodies(receiver.acknowledged)] == ["created"] + ["updated"] * 5 + ["deleted"]
    stamps = [b["lastUpdatedAt"] for b in bodies(receiver.acknowledged)]
    assert stamps == sorted(stamps)
    for request in receiver.acknowledged:
        assert request.method == "POST" and request.path == "/in"
        assert request.header("content-type") == "application/json"
        assert verify(request.body, TOKEN, request.header("x-signature"))
        assert not verify(request.body + b" ", TOKEN, request.header("x-signature"))
        assert ISO_MICRO_Z.match(request.header("x-timestamp"))
        assert request.header("x-tenant") == server.rt.settings.tenant
        assert request.header("x-webhook-id") == str(sub["id"])
        assert request.header("x-webhook-type") == "chargePoint.changed"


async def test_only_subscribed_notifications_and_only_events_after_subscribing(api, server, receiver) -> None:
    await change(server, 1, "created")  # before the subscription: not sent
    await subscribe(api, receiver.url(), "ChargePointChangedNotification")
    async with server.rt.db.write() as tx:
        await tx.emit(Event(type="evse.changed", entity="evse", entity_id=3, data={"action": "updated"}))
    await change(server, 1, "deleted")
    await receiver.wait_for(lambda got: len(got) >= 1)
    await change(server, 2, "deleted")
    await receiver.wait_for(lambda got: len(got) >= 2)
    assert [r.header("x-webhook-type") for r in receiver.acknowledged] == ["ChargePointChangedNotification"] * 2
    assert [r.json["chargePoint"]["id"] for r in receiver.acknowledged] == [1, 2]


async def test_failures_are_retried_and_hold_back_later_changes_of_the_same_entity(api, server, receiver) -> None:
    answers = iter([500, CLOSE, 503])

    def answer(request: Received) -> Any:
        return next(answers, 202) if request.json["action"] == "created" else 202

    receiver.answer = answer
    await subscribe(api, receiver.url(), "chargePoint.changed")
    await change(server, 5, "created")
    await change(server, 5, count=3)
    await receiver.wait_for(lambda got: len(got) == 4)
    assert [b["action"] for b in bodies(receiver.acknowledged)] == ["created", "updated", "updated", "updated"]
    assert [r.json["action"] for r in receiver.requests[:3]] == ["created"] * 3  # nothing overtook the failures
    await settled(server, ["delivered"] * 4)


async def test_a_receiver_that_does_not_answer_in_time_is_retried(api, server, receiver) -> None:
    calls = []

    def answer(request: Received) -> Any:
        calls.append(request)
        return (202, 3.0) if len(calls) == 1 else 202  # the first answer would come after the 2 s timeout

    receiver.answer = answer
    await subscribe(api, receiver.url(), "chargePoint.changed")
    await change(server, 1)
    await settled(server, ["delivered"])
    assert len(calls) >= 2


async def test_give_up_is_visible_later_changes_go_on_and_resend_delivers(tmp_path, database_url, receiver) -> None:
    receiver.answer = lambda r: 500 if r.json["action"] == "created" else 202
    async with running(tmp_path, database_url, CPMS_WEBHOOK_MAX_ATTEMPTS="3") as (server, api):
        sub = await subscribe(api, receiver.url(), "chargePoint.changed")
        await change(server, 9, "created")
        await change(server, 9, "updated")
        await receiver.wait_for(lambda got: len(got) == 1)  # the update, once the creation was given up
        assert len([r for r in receiver.requests if r.json["action"] == "created"]) == 3
        await settled(server, ["failed", "delivered"])
        read = await api.get(f"{V2}/{sub['id']}")
        assert read.headers["x-webhook-failed"] == "1" and read.headers["x-webhook-pending"] == "0"
        assert "gave up after 3 attempts" in read.headers["x-webhook-last-error"]
        assert "HTTP 500" in read.headers["x-webhook-last-error"]
        receiver.answer = 202
        response = await api.post(RESEND.format(sub["id"]), json={"notifications": ["chargePoint.changed"]})
        assert response.status_code == 202
        await receiver.wait_for(lambda got: len(got) == 2)
        assert receiver.acknowledged[-1].json["action"] == "created"
        assert (await api.get(f"{V2}/{sub['id']}")).headers["x-webhook-failed"] == "0"


async def test_a_dead_or_slow_receiver_does_not_delay_the_others(api, server, receiver) -> None:
    slow = Receiver(answer=(202, 30.0))
    await slow.start()
    dead_port = Receiver()
    await dead_port.start()
    await dead_port.stop()  # nothing listens there any more
    try:
        await subscribe(api, slow.url(), "chargePoint.changed")
        await subscribe(api, dead_port.url(), "chargePoint.changed")
        await subscribe(api, receiver.url(), "chargePoint.changed")
        for n in range(1, 21):
            await change(server, n)
        await receiver.wait_for(lambda got: len(got) == 20)
        assert slow.acknowledged == []  # still holding its first requests: it delayed no one
    finally:
        await slow.stop()


async def test_a_revoked_token_stops_its_deliveries_with_a_reason(api, server, receiver) -> None:
    info, token = await create_token(server.rt.db, "integration", datetime.now(timezone.utc))
    async with client("http://cpms.test", api._transport, token=token) as other:
        sub = await subscribe(other, receiver.url(), "chargePoint.changed")
    await change(server, 1)
    await receiver.wait_for(lambda got: len(got) == 1)
    assert verify(receiver.acknowledged[0].body, token, receiver.acknowledged[0].header("x-signature"))
    await revoke_token(server.rt.db, info.id, datetime.now(timezone.utc))
    await change(server, 1)

    await settled(server, ["failed"])  # the first went through at once: no row; the second is given up
    read = await api.get(f"{V2}/{sub['id']}")
    assert read.headers["x-webhook-failed"] == "1" and "revoked" in read.headers["x-webhook-last-error"]
    assert len(receiver.requests) == 1


async def test_events_committed_by_another_process_are_found_by_the_scan(api, server, receiver) -> None:
    await subscribe(api, receiver.url(), "chargePoint.changed")
    elsewhere = Database(server.rt.settings.effective_database_url, pool_size=1)
    try:
        async with elsewhere.write() as tx:  # no on_commit listener here: only the scan can see it
            await tx.emit(Event(type="chargePoint.changed", entity="chargePoint", entity_id=4,
                                data={"action": "created"}))
    finally:
        await elsewhere.close()
    await receiver.wait_for(lambda got: len(got) == 1)
    assert receiver.acknowledged[0].json["chargePointId"] == 4


async def test_a_transport_that_raises_costs_an_attempt_not_the_worker(api, server, receiver) -> None:
    worker = server.rt.component("webhooks")
    real = worker.transports["webhook"]

    class Flaky:
        via = "webhook"
        calls = 0

        async def send(self, target: Any, message: Any) -> Outcome:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise RuntimeError("bug")
            return await real.send(target, message)

        async def close(self) -> None:
            await real.close()

    worker.transports["webhook"] = Flaky()
    await subscribe(api, receiver.url(), "chargePoint.changed")
    await change(server, 1)
    await receiver.wait_for(lambda got: len(got) == 1)
    await settled(server, ["delivered"])
    async with server.rt.db.read() as conn:
        attempts = (await conn.execute(select(webhook_deliveries.c.attempts))).scalar_one()
    assert attempts == 2


async def test_deleting_a_subscription_stops_and_forgets_its_deliveries(api, server) -> None:
    down = Receiver()
    await down.start()
    await down.stop()
    sub = await subscribe(api, down.url(), "chargePoint.changed")
    await change(server, 1, count=3)
    assert (await api.delete(f"{V2}/{sub['id']}")).status_code == 204
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(webhook_deliveries))).all() == []


async def test_two_nodes_share_the_work_without_sending_anything_twice(tmp_path, database_url, receiver) -> None:
    env = {"CPMS_WEBHOOK_LEASE": "3"}
    shared = "one secret for the whole cluster"
    async with running(tmp_path / "a", database_url, secret_key=shared, CPMS_NODE_ID="node-a", **env) as (node_a, api):
        for n in range(3):
            await subscribe(api, receiver.url(f"/{n}"), "chargePoint.changed")
        async with running(tmp_path / "b", database_url, secret_key=shared, CPMS_NODE_ID="node-b",
                           **env) as (node_b, _):
            for n in range(10):
                await change(node_a if n % 2 else node_b, n)
            await receiver.wait_for(lambda got: len(got) == 30)
            keys = [(r.path, r.body) for r in receiver.acknowledged]
            assert len(set(keys)) == 30
            async with node_a.rt.db.read() as conn:
                owners = set((await conn.execute(select(webhook_subscriptions.c.claimed_by))).scalars())
            assert owners <= {"node-a", "node-b"}
        # node b stopped and released its leases: node a takes over whatever b held
        await change(node_a, 99)
        await receiver.wait_for(lambda got: len(got) == 33)


async def test_a_node_without_the_cluster_key_says_why_it_cannot_sign(tmp_path, database_url, receiver) -> None:
    async with running(tmp_path / "a", database_url, secret_key="key one") as (_, api):
        sub = await subscribe(api, receiver.url(), "chargePoint.changed")
    async with running(tmp_path / "b", database_url, secret_key="key two") as (server, api):
        await change(server, 1)
        await settled(server, ["failed"])
        read = await api.get(f"{V2}/{sub['id']}")
        assert "cannot be decrypted" in read.headers["x-webhook-last-error"]
    assert receiver.requests == []
