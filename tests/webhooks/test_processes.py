"""Delivery in processes of its own (CPMS_WEBHOOK_PROCESSES): same guarantees, and no orphan left behind."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from sqlalchemy import select

from cpms.storage.tables.webhooks import webhook_subscriptions
from cpms.tokens import create_token, revoke_token
from cpms.webhooks.processes import DeliveryProcesses
from cpms.webhooks.signing import verify
from tests.conftest import client
from tests.webhooks.conftest import change, running, subscribe
from tests.support.waiting import eventually

KEY = "one secret for the server and its delivery processes"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z"


async def test_two_delivery_processes_share_subscriptions_and_keep_order(tmp_path, database_url, receiver) -> None:
    async with running(tmp_path, database_url, secret_key=KEY, CPMS_WEBHOOK_PROCESSES="2") as (server, api):
        processes = server.rt.component("webhooks")
        assert isinstance(processes, DeliveryProcesses) and len(processes.pids()) == 2
        info, token = await create_token(server.rt.db, "integration", datetime.now(timezone.utc))
        async with client("http://cpms.test", api._transport, token=token) as other:
            for n in range(4):
                await subscribe(other, receiver.url(f"/{n}"), "chargePoint.changed")
        await change(server, 1, "created")
        await change(server, 1, count=3)
        await change(server, 1, "deleted")
        await receiver.wait_for(lambda got: len(got) == 20)
        for n in range(4):
            mine = [r for r in receiver.acknowledged if r.path == f"/{n}"]
            assert [r.json["action"] for r in mine] == ["created", "updated", "updated", "updated", "deleted"]
            assert all(verify(r.body, token, r.header("x-signature")) for r in mine)
        async with server.rt.db.read() as conn:
            owners = list((await conn.execute(select(webhook_subscriptions.c.claimed_by))).scalars())
        assert len(set(owners)) == 2 and all(o.endswith(("/delivery-0", "/delivery-1")) for o in owners)

        await revoke_token(server.rt.db, info.id, datetime.now(timezone.utc))
        await change(server, 2)  # committed after the revocation: never signed with it

        async def given_up() -> bool:
            read = await api.get("/public-api/notifications/v2.0/1")
            return read.headers.get("x-webhook-failed") == "1"

        await eventually(given_up)
        assert len(receiver.requests) == 20
        pids = processes.pids()
    assert not any(alive(pid) for pid in pids)  # stopped with the server
