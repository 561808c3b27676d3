"""Notification subscriptions through the API, both versions, and the resend action."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, update

from cpms.storage.tables.core import api_tokens
from cpms.storage.tables.webhooks import webhook_deliveries, webhook_subscriptions
from cpms.tokens import create_token, revoke_token
from cpms.webhooks.secrets import decrypt
from tests.conftest import TOKEN, client
from tests.webhooks.conftest import V1, V2, subscribe

HOOK = "https://receiver.example.com/cpms"
RESEND = "/public-api/actions/notifications/v1.0/{}/resend"


async def count(server: Any, table: Any) -> int:
    async with server.rt.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_v2_lifecycle(api) -> None:
    created = await subscribe(api, HOOK, "chargePoint.changed", "evse.changed")
    assert created == {"id": created["id"], "via": "webhook", "notifications": ["chargePoint.changed", "evse.changed"],
                       "webhook": {"callbackUrl": HOOK}}
    item = f"{V2}/{created['id']}"
    read = await api.get(item)
    assert read.json()["data"] == created
    assert read.headers["x-webhook-pending"] == "0" and read.headers["x-webhook-failed"] == "0"
    listed = (await api.get(V2)).json()
    assert listed["data"] == [created]
    replaced = await api.put(item, json={"via": "webhook", "notifications": ["UserChangedNotification"],
                                         "webhook": {"callbackUrl": HOOK + "/v2"}})
    assert replaced.status_code == 200
    assert replaced.json()["data"]["notifications"] == ["UserChangedNotification"]
    assert replaced.json()["data"]["webhook"] == {"callbackUrl": HOOK + "/v2"}
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(item)).status_code == 404
    assert (await api.delete(item)).status_code == 404


async def test_v1_lifecycle_and_both_versions_see_the_same_subscriptions(api) -> None:
    created = await api.post(V1, json={"notifications": ["LocationChangedNotification"], "callbackUrl": HOOK})
    assert created.status_code == 201
    body = created.json()
    assert body == {"webhookId": body["webhookId"], "notifications": ["LocationChangedNotification"], "callbackUrl": HOOK}
    item = f"{V1}/{body['webhookId']}"
    assert (await api.get(item)).json()["data"] == body
    assert (await api.get(V1)).json()["data"] == [body]
    assert (await api.get(f"{V2}/{body['webhookId']}")).json()["data"]["webhook"] == {"callbackUrl": HOOK}
    updated = await api.put(item, json={"notifications": ["idTag.changed"], "callbackUrl": HOOK + "/x"})
    assert updated.json()["data"] == {"webhookId": body["webhookId"], "notifications": ["idTag.changed"],
                                      "callbackUrl": HOOK + "/x"}
    assert (await api.delete(item)).status_code == 204
    assert (await api.get(V1)).json()["data"] == []


async def test_duplicate_names_are_kept_once(api) -> None:
    created = await subscribe(api, HOOK, "evse.changed", "evse.changed", "idTag.changed")
    assert created["notifications"] == ["evse.changed", "idTag.changed"]


@pytest.mark.parametrize("body,field", [
    ({"via": "webhook", "notifications": ["evse.changed"], "webhook": {"callbackUrl": "ftp://example.com/x"}},
     "webhook.callbackUrl"),
    ({"via": "webhook", "notifications": ["evse.changed"], "webhook": {"callbackUrl": "http:///nohost"}},
     "webhook.callbackUrl"),
    ({"via": "webhook", "notifications": ["evse.changed"], "webhook": {"callbackUrl": "http://example.com:99999/"}},
     "webhook.callbackUrl"),
    ({"via": "webhook", "notifications": ["evse.changed"], "webhook": {"callbackUrl": "http://256.0.0.1/"}},
     "webhook.callbackUrl"),
    ({"via": "webhook", "notifications": ["evse.changed"]}, "webhook.callbackUrl"),
    ({"via": "webhook", "notifications": ["noSuch.event"], "webhook": {"callbackUrl": HOOK}}, "notifications.0"),
    ({"via": "webhook", "notifications": [], "webhook": {"callbackUrl": HOOK}}, "notifications"),
    ({"via": "kafka", "notifications": ["evse.changed"], "kafka": {"topic": "t", "brokers": []}}, "kafka.brokers"),
    ({"via": "kafka", "notifications": ["evse.changed"], "kafka": {"topic": "t"}}, "kafka.brokers"),
    ({"via": "kafka", "notifications": ["evse.changed"]}, "kafka"),
])
async def test_bad_subscriptions_are_refused_and_nothing_is_written(api, server, body, field) -> None:
    response = await api.post(V2, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert await count(server, webhook_subscriptions) == 0


async def test_v1_bad_callback_url_names_its_own_field(api, server) -> None:
    response = await api.post(V1, json={"notifications": ["evse.changed"], "callbackUrl": "mailto:a@b.c"})
    assert response.status_code == 422 and "callbackUrl" in response.json()["errors"]
    assert await count(server, webhook_subscriptions) == 0


async def test_kafka_is_a_disabled_feature(api, server) -> None:
    response = await api.post(V2, json={"via": "kafka", "notifications": ["evse.changed"],
                                        "kafka": {"topic": "cpms", "brokers": ["kafka:9092"]}})
    assert response.status_code == 400
    assert "Kafka delivery is not available on this server" in response.json()["message"]
    assert await count(server, webhook_subscriptions) == 0
    created = await subscribe(api, HOOK, "evse.changed")
    switched = await api.put(f"{V2}/{created['id']}", json={"via": "kafka", "notifications": ["evse.changed"],
                                                            "kafka": {"topic": "t", "brokers": ["k:9092"]}})
    assert switched.status_code == 400
    assert (await api.get(f"{V2}/{created['id']}")).json()["data"] == created


async def test_bad_update_changes_nothing(api) -> None:
    created = await subscribe(api, HOOK, "evse.changed")
    response = await api.put(f"{V2}/{created['id']}", json={"via": "webhook", "notifications": ["evse.changed"],
                                                            "webhook": {"callbackUrl": "nope"}})
    assert response.status_code == 422
    assert (await api.get(f"{V2}/{created['id']}")).json()["data"] == created


async def test_unknown_ids_are_not_found(api) -> None:
    for path in (f"{V2}/12345", f"{V2}/abc", f"{V1}/99", f"{V2}/99999999999999999999"):
        assert (await api.get(path)).status_code == 404
    assert (await api.post(RESEND.format(77), json={"notifications": ["evse.changed"]})).status_code == 404


async def test_the_signing_key_is_the_callers_token_encrypted_at_rest(api, server) -> None:
    created = await subscribe(api, HOOK, "evse.changed")
    async with server.rt.db.read() as conn:
        row = (await conn.execute(select(webhook_subscriptions)
                                  .where(webhook_subscriptions.c.id == created["id"]))).one()
    assert TOKEN not in row.signing_key
    assert decrypt(server.rt.settings, row.signing_key) == TOKEN
    key_file = server.rt.settings.data_dir / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600


async def test_an_update_keeps_the_key_unless_its_token_was_revoked(api, server) -> None:
    created = await subscribe(api, HOOK, "evse.changed")
    db = server.rt.db
    info, other = await create_token(db, "second client", datetime.now(timezone.utc))
    body = {"via": "webhook", "notifications": ["evse.changed"], "webhook": {"callbackUrl": HOOK}}
    async with client("http://cpms.test", api._transport, token=other) as second:
        assert (await second.put(f"{V2}/{created['id']}", json=body)).status_code == 200
        async with db.read() as conn:
            key = (await conn.execute(select(webhook_subscriptions.c.signing_key))).scalar_one()
        assert decrypt(server.rt.settings, key) == TOKEN
        async with db.write() as tx:
            await tx.conn.execute(update(api_tokens).where(api_tokens.c.token_hash != "x", api_tokens.c.id != info.id)
                                  .values(revoked_at=datetime.now(timezone.utc)))
        assert (await second.put(f"{V2}/{created['id']}", json=body)).status_code == 200
        async with db.read() as conn:
            row = (await conn.execute(select(webhook_subscriptions))).one()
        assert decrypt(server.rt.settings, row.signing_key) == other and row.token_id == info.id


async def test_resend_requeues_given_up_deliveries_in_the_window(api, server) -> None:
    created = await subscribe(api, HOOK, "evse.changed", "idTag.changed")
    now = datetime.now(timezone.utc)
    rows = [{"subscription_id": created["id"], "event_id": n, "notification": name, "entity_key": f"evse:{n}",
             "body": "{}", "status": "failed", "attempts": 12, "next_attempt_at": now, "created_at": when,
             "finished_at": now, "last_error": "gave up"}
            for n, name, when in ((1, "evse.changed", now - timedelta(days=2)), (2, "evse.changed", now),
                                  (3, "idTag.changed", now))]
    async with server.rt.db.write() as tx:
        await tx.conn.execute(webhook_deliveries.insert(), rows)
    assert (await api.get(f"{V2}/{created['id']}")).headers["x-webhook-failed"] == "3"
    response = await api.post(RESEND.format(created["id"]), json={
        "notifications": ["evse.changed"], "startTime": (now - timedelta(hours=1)).isoformat(),
        "endTime": (now + timedelta(hours=1)).isoformat()})
    assert response.status_code == 202 and response.content == b""
    async with server.rt.db.read() as conn:
        states = dict((await conn.execute(select(webhook_deliveries.c.event_id, webhook_deliveries.c.status)
                                          .where(webhook_deliveries.c.status != "delivered"))).all())
    assert states.get(1) == "failed" and states.get(3) == "failed" and states.get(2, "pending") != "failed"


@pytest.mark.parametrize("body,field", [
    ({"notifications": []}, "notifications"),
    ({"notifications": ["evse.changed"], "startTime": "yesterday"}, "startTime"),
    ({"notifications": ["evse.changed"], "startTime": "2024-05-02T00:00:00Z", "endTime": "2024-05-01T00:00:00Z"},
     "endTime"),
    ({"notifications": ["bogus"]}, "notifications.0"),
])
async def test_resend_refuses_bad_input(api, body, field) -> None:
    created = await subscribe(api, HOOK, "evse.changed")
    response = await api.post(RESEND.format(created["id"]), json=body)
    assert response.status_code == 422 and field in response.json()["errors"]


async def test_resend_is_refused_while_the_signing_token_is_revoked(api, server) -> None:
    created = await subscribe(api, HOOK, "evse.changed")
    info, other = await create_token(server.rt.db, "ops", datetime.now(timezone.utc))
    first_id = 1
    await revoke_token(server.rt.db, first_id, datetime.now(timezone.utc))
    server.api.tokens._cache.clear()
    async with client("http://cpms.test", api._transport, token=other) as second:
        response = await second.post(RESEND.format(created["id"]), json={"notifications": ["evse.changed"]})
        assert response.status_code == 409 and "revoked" in response.json()["message"]
