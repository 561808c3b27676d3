"""Stream positions: what a subscription has been sent survives a restart, and is not sent again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cpms.storage.tables.webhooks import webhook_deliveries, webhook_subscriptions
from tests.webhooks.conftest import change, running, subscribe
from tests.support.waiting import eventually

KEY = "one secret for these servers"


async def position(server: Any, sub_id: int) -> int | None:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(webhook_subscriptions.c.position)
                                   .where(webhook_subscriptions.c.id == sub_id))).scalar_one()


async def test_the_position_follows_what_was_delivered_without_a_row_each(api, server, receiver) -> None:
    sub = await subscribe(api, receiver.url(), "chargePoint.changed")
    ids = await change(server, 3, count=5)
    await receiver.wait_for(lambda got: len(got) == 5)

    async def saved() -> bool:
        return await position(server, sub["id"]) == ids[-1]

    await eventually(saved)
    async with server.rt.db.read() as conn:
        assert (await conn.execute(select(webhook_deliveries))).all() == []


async def test_a_restarted_server_resumes_after_what_it_sent(tmp_path, database_url, receiver) -> None:
    async with running(tmp_path, database_url, secret_key=KEY) as (server, api):
        sub = await subscribe(api, receiver.url(), "chargePoint.changed")
        await change(server, 1, "created")
        await change(server, 1, count=2)
        await receiver.wait_for(lambda got: len(got) == 3)
    # stopped cleanly: the position was saved on the way out
    async with running(tmp_path, database_url, secret_key=KEY) as (server, _):
        assert await position(server, sub["id"]) is not None
        await change(server, 1, "deleted")
        await receiver.wait_for(lambda got: len(got) >= 4)
        await change(server, 2, "created")  # another entity: its arrival shows nothing else was queued
        await receiver.wait_for(lambda got: len(got) >= 5)
    assert [(r.json["chargePointId"], r.json["action"]) for r in receiver.acknowledged] == [
        (1, "created"), (1, "updated"), (1, "updated"), (1, "deleted"), (2, "created")]


async def test_events_made_while_no_server_ran_are_delivered_when_one_starts(tmp_path, database_url,
                                                                            receiver) -> None:
    async with running(tmp_path, database_url, secret_key=KEY) as (server, api):
        await subscribe(api, receiver.url(), "chargePoint.changed")
        worker = server.rt.component("webhooks")
        await worker.stop()  # the server keeps committing; nobody delivers
        await change(server, 5, "created")
        await change(server, 5, "deleted")
    async with running(tmp_path, database_url, secret_key=KEY):
        await receiver.wait_for(lambda got: len(got) == 2)
    assert [r.json["action"] for r in receiver.acknowledged] == ["created", "deleted"]
