"""Notification subscriptions at both versions of the contract, and the resend action.

v2.0 (`/notifications/v2.0`) is the canonical document: {id, via, notifications, webhook:
{callbackUrl}, kafka}. v1.0 is a view of it: `webhookId` for id, a flat `callbackUrl`, always
via webhook. Kafka is part of the contract but not of this server: such subscriptions are
refused with the feature-disabled error (the transport layer has room for it).

Each subscription keeps the API token of the client that created it, encrypted, to sign its
deliveries; an update keeps it unless that token was revoked (or can no longer be decrypted),
in which case the updating client's token takes its place - the way to revive a subscription
whose token was revoked.

Delivery state is not part of the contract's subscription object, so GET answers carry it in
headers: X-Webhook-Pending, X-Webhook-Failed (given up, resendable), X-Webhook-Last-Error and
X-Webhook-Last-Error-At.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select

from cpms.api.call import Call, Reply
from cpms.api.registry import Handler, registry
from cpms.clock import iso, parse_iso
from cpms.errors import Conflict, FeatureDisabled, Forbidden, Invalid, NotFound
from cpms.resources.binding import operations_at
from cpms.resources.document import get_path
from cpms.resources.resource import Resource, WriteContext
from cpms.resources.store import Store
from cpms.resources.view import View
from cpms.storage.db import Tx
from cpms.storage.tables.core import events as outbox
from cpms.storage.tables.webhooks import webhook_subscriptions
from cpms.webhooks import store
from cpms.webhooks.notifications import subscribable_names
from cpms.webhooks.secrets import SecretKeyError, decrypt, encrypt

V2_PATH = "/public-api/notifications/v2.0"
V1_PATH = "/public-api/notifications/v1.0"
KAFKA_DISABLED = "Kafka delivery is not available on this server: subscribe with via=webhook."
MAX_ID = 2**63 - 1

# The request being served, for write hooks that need the caller's token.
CALLER: ContextVar[Call | None] = ContextVar("cpms_webhooks_caller", default=None)


def _caller() -> Call:
    call = CALLER.get()
    if call is None or not call.token or call.token_id is None:
        raise Forbidden("Subscriptions are made with an API token.")
    return call


def check_callback_url(url: Any, field: str) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid.field(field, f"The {field} must be an http or https URL with a host.")
    try:
        parts.port
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise Invalid.field(field, f"The {field} is not a valid URL.") from None


async def check_channel(_tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The subscription says how to deliver, and this server can deliver that way."""
    names = doc.get("notifications") or []
    if not names:
        raise Invalid.field("notifications", "The notifications field is required.")
    unknown = [n for n in names if n not in subscribable_names()]
    if unknown:
        raise Invalid.field("notifications", f"The selected notifications are invalid: {', '.join(map(str, unknown))}.")
    doc["notifications"] = list(dict.fromkeys(names))
    if doc.get("via") == "kafka":
        kafka = doc.get("kafka")
        if not isinstance(kafka, dict):
            raise Invalid.field("kafka", "The kafka field is required when via is kafka.")
        brokers = kafka.get("brokers")
        if not brokers or not all(isinstance(b, str) and b.strip() for b in brokers):
            raise Invalid.field("kafka.brokers", "The kafka.brokers field must list at least one broker.")
        raise FeatureDisabled(KAFKA_DISABLED)
    doc.pop("kafka", None)
    field = ctx.view.wire_name("webhook.callbackUrl")
    url = get_path(doc, "webhook.callbackUrl")
    if url is None:
        raise Invalid.field(field, f"The {field} field is required when via is webhook.")
    check_callback_url(url, field)


async def key_with_caller(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """Sign with the caller's token: always on create; on update when the stored key is unusable."""
    call = _caller()
    if ctx.old is not None and not await store.token_revoked(tx.conn, doc.get("tokenId")):
        try:
            decrypt(call.rt.settings, doc.get("signingKey") or "")
            return
        except SecretKeyError:
            pass
    doc["tokenId"] = call.token_id
    doc["signingKey"] = encrypt(call.rt.settings, call.token or "")


async def start_now(tx: Tx, doc: dict[str, Any], _ctx: WriteContext) -> None:
    """A new subscription receives the events that happen from now on, not the outbox's history."""
    doc["sinceEventId"] = (await tx.conn.execute(select(func.max(outbox.c.id)))).scalar() or 0


SUBSCRIPTION = Resource(
    name="notification subscription",
    store=Store(webhook_subscriptions),
    defaults={"via": "webhook"},
    before_create=[check_channel, key_with_caller, start_now],
    before_update=[check_channel, key_with_caller],
    immutable=("sinceEventId",),
)

V1 = View(renames={"webhookId": "id", "callbackUrl": "webhook.callbackUrl"})


def _as_caller(handler: Handler, *, writes: bool, reports: bool) -> Handler:
    @functools.wraps(handler)
    async def serve(call: Call) -> Any:
        token = CALLER.set(call)
        try:
            answer = await handler(call)
        finally:
            CALLER.reset(token)
        worker = call.rt.component("webhooks")
        if writes and worker is not None:
            worker.kick()
        if reports and isinstance(answer, Reply) and isinstance(answer.body, dict):
            answer.headers.update(await delivery_headers(call, _subscription_id(call.path["notification"])))
        return answer

    return serve


for path, view in ((V2_PATH, None), (V1_PATH, V1)):
    registry.bind(SUBSCRIPTION, path, view=view)
    for op, kind, _ in operations_at(path):
        registry.handlers[op.operation_id] = _as_caller(registry.handlers[op.operation_id],
                                                        writes=op.method != "GET",
                                                        reports=kind == "item" and op.method == "GET")


def _subscription_id(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound(f"Notification subscription {value} not found.")
    return value


def _header_text(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)[:300]


async def delivery_headers(call: Call, sub_id: int) -> dict[str, str]:
    async with call.rt.db.read() as conn:
        counts = await store.status_counts(conn, sub_id)
        error, at = await store.last_failure(conn, sub_id)
    headers = {"X-Webhook-Pending": str(counts.get(store.PENDING, 0)),
               "X-Webhook-Failed": str(counts.get(store.FAILED, 0))}
    if error:
        headers["X-Webhook-Last-Error"] = _header_text(error)
        headers["X-Webhook-Last-Error-At"] = iso(at) or ""
    return headers


def _time(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        raise Invalid.field(name, f"The {name} is not a valid date.") from None


@registry.operation("notificationsResendFailed")
async def resend_failed(call: Call) -> Reply:
    """Queue the given-up deliveries of a subscription again (by notification and time window)."""
    sub_id = _subscription_id(call.path["notification"])
    body = call.body or {}
    names = list(dict.fromkeys(body.get("notifications") or []))
    if not names:
        raise Invalid.field("notifications", "The notifications field is required.")
    start, end = _time(body, "startTime"), _time(body, "endTime")
    if start and end and end < start:
        raise Invalid.field("endTime", "The endTime must be a date after or equal to startTime.")
    async with call.rt.db.write() as tx:
        sub = await store.subscription(tx.conn, sub_id)
        if sub is None:
            raise NotFound(f"Notification subscription {sub_id} not found.")
        if sub.revoked:
            raise Conflict("The API token that created this subscription was revoked, so its notifications "
                           "cannot be signed. Update the subscription with a valid token, then resend.")
        await store.resend(tx.conn, sub_id, names, start, end, datetime.now(timezone.utc))
    worker = call.rt.component("webhooks")
    if worker is not None:
        worker.kick(sub_id)
    return Reply(None, 202)
