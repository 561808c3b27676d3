"""Notification subscriptions (webhooks), their deliveries, and the webhook outbox cursor.

A delivery is one notification of one event for one subscription; the unique constraint on
(subscription, event, notification) is what makes fan-out idempotent. The exact JSON body is
stored so every attempt sends (and signs) the same bytes.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id, Json, UtcDateTime

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    id_column(),
    Column("via", String(16), nullable=False, default="webhook", info=path("via")),
    Column("callback_url", String(500), info=path("webhook.callbackUrl")),
    Column("notifications", Json, nullable=False, info=path("notifications")),
    # The API token that created (or last replaced) the subscription: its key signs the deliveries,
    # and deliveries stop when it is revoked. The key itself is kept Fernet-encrypted.
    Column("token_id", Id, ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True, info=path("tokenId")),
    Column("signing_key", Text, info=path("signingKey")),
    # Events up to this id happened before the subscription existed and are not sent to it.
    Column("since_event_id", Id, nullable=False, default=0, info=path("sinceEventId")),
    # Every event up to this id is delivered, parked as a delivery row, or not for this subscription:
    # where its stream resumes after a restart (NULL: from the webhook outbox cursor).
    Column("position", Id),
    # Which node delivers this subscription's notifications, and until when (a lease).
    Column("claimed_by", String(128)),
    Column("claimed_until", UtcDateTime),
    # The newest failure, shown to API clients in response headers.
    Column("last_error", String(500)),
    Column("last_error_at", UtcDateTime),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "notification subscription"},
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    id_column(),
    Column("subscription_id", Id, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
    # events.id; no foreign key, so the outbox can be pruned without touching delivery history.
    Column("event_id", Id, nullable=False),
    Column("notification", String(100), nullable=False),
    # "<entity>:<id>": deliveries of one subscription and entity go out in event order.
    Column("entity_key", String(140), nullable=False),
    Column("body", Text, nullable=False),
    # pending (to send or retry) | delivered | failed (given up; resendable)
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    UniqueConstraint("subscription_id", "event_id", "notification"),
    Index("ix_webhook_deliveries_queue", "subscription_id", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_chain", "subscription_id", "entity_key", "status", "event_id"),
    Index("ix_webhook_deliveries_finished", "status", "finished_at"),
    sqlite_autoincrement=True,
    info={"label": "notification delivery"},
)

# How far the webhook fan-out has read the events outbox (every event up to `position` is done).
webhook_cursor = Table(
    "webhook_cursor",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("position", Id, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
