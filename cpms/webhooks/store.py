"""The webhook tables as the worker and the API use them: every SQL statement of the feature.

Order: deliveries of one subscription and entity go out in (event id, delivery id) order. A
delivery is *ready* when it is pending, due, and no earlier pending delivery of the same
subscription and entity is waiting for a retry; a failed delivery therefore holds back the
later ones of its entity until it succeeds or is given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.storage.tables.core import api_tokens
from cpms.storage.tables.core import events as outbox
from cpms.storage.tables.webhooks import webhook_deliveries as deliveries
from cpms.storage.tables.webhooks import webhook_subscriptions as subscriptions

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
REVOKED = ("the API token that created this subscription was revoked: its notifications can no longer be "
           "signed; update the subscription with a valid token, then resend")


@dataclass(frozen=True)
class Subscriber:
    """A subscription as the fan-out needs it."""

    id: int
    notifications: frozenset[str]
    since_event_id: int


@dataclass(frozen=True)
class SubscriptionRow:
    """A subscription as its delivery lane needs it."""

    id: int
    via: str
    url: str | None
    signing_key: str | None
    revoked: bool
    notifications: frozenset[str] = frozenset()
    since_event_id: int = 0
    position: int | None = None  # saved stream position; None: never streamed (start at the outbox cursor)


@dataclass(frozen=True)
class Delivery:
    id: int
    subscription_id: int
    event_id: int
    notification: str
    entity_key: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Result:
    """What became of one attempt, ready to be written."""

    delivery_id: int
    subscription_id: int
    status: str  # DELIVERED, PENDING (retry at next_attempt_at) or FAILED (given up)
    attempts: int
    at: datetime
    http_status: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


# --- subscriptions -----------------------------------------------------------------------------

async def subscribers(conn: AsyncConnection) -> list[Subscriber]:
    rows = (await conn.execute(select(subscriptions.c.id, subscriptions.c.notifications,
                                      subscriptions.c.since_event_id)
                               .where(subscriptions.c.via == "webhook"))).all()
    return [Subscriber(r.id, frozenset(r.notifications or ()), r.since_event_id or 0) for r in rows]


async def existing_subscription_ids(conn: AsyncConnection, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = await conn.execute(select(subscriptions.c.id).where(subscriptions.c.id.in_(sorted(ids))))
    return {r.id for r in rows}


def _subscription_columns() -> list[Any]:
    revoked = or_(subscriptions.c.token_id.is_(None), api_tokens.c.revoked_at.is_not(None))
    return [subscriptions.c.id, subscriptions.c.via, subscriptions.c.callback_url, subscriptions.c.signing_key,
            revoked.label("revoked"), subscriptions.c.notifications, subscriptions.c.since_event_id,
            subscriptions.c.position]


def _subscription_row(r: Any) -> SubscriptionRow:
    return SubscriptionRow(r.id, r.via, r.callback_url, r.signing_key, bool(r.revoked), frozenset(r.notifications or ()),
                           r.since_event_id or 0, r.position)


def _subscription_from(select_from: Any) -> Any:
    return select_from.outerjoin(api_tokens, api_tokens.c.id == subscriptions.c.token_id)


async def claim_subscriptions(conn: AsyncConnection, node: str, now: datetime, until: datetime,
                              limit: int | None = None) -> list[SubscriptionRow]:
    """Renew this node's leases and take free subscriptions (up to `limit` held in all); return those held."""
    free = or_(subscriptions.c.claimed_until.is_(None), subscriptions.c.claimed_until < now)
    if limit is None:
        await conn.execute(update(subscriptions).where(subscriptions.c.via == "webhook",
                                                       or_(subscriptions.c.claimed_by == node, free))
                           .values(claimed_by=node, claimed_until=until))
    else:
        held = await conn.execute(update(subscriptions).where(subscriptions.c.via == "webhook",
                                                              subscriptions.c.claimed_by == node)
                                  .values(claimed_until=until))
        room = limit - int(held.rowcount or 0)
        if room > 0:
            wanted = (select(subscriptions.c.id).where(subscriptions.c.via == "webhook", free)
                      .order_by(subscriptions.c.id).limit(room))
            await conn.execute(update(subscriptions).where(subscriptions.c.id.in_(wanted.scalar_subquery()), free)
                               .values(claimed_by=node, claimed_until=until))
    stmt = (select(*_subscription_columns()).select_from(_subscription_from(subscriptions))
            .where(subscriptions.c.claimed_by == node)
            .order_by(subscriptions.c.id))
    return [_subscription_row(r) for r in (await conn.execute(stmt)).all()]


async def release_subscriptions(conn: AsyncConnection, node: str) -> None:
    await conn.execute(update(subscriptions).where(subscriptions.c.claimed_by == node)
                       .values(claimed_by=None, claimed_until=None))


async def subscription(conn: AsyncConnection, sub_id: int) -> SubscriptionRow | None:
    stmt = (select(*_subscription_columns()).select_from(_subscription_from(subscriptions))
            .where(subscriptions.c.id == sub_id))
    row = (await conn.execute(stmt)).first()
    return _subscription_row(row) if row else None


async def save_positions(conn: AsyncConnection, node: str, positions: dict[int, int]) -> None:
    """Move stream positions forward, only for subscriptions this node still holds."""
    if positions:
        await conn.execute(update(subscriptions)
                           .where(subscriptions.c.id == bindparam("sub"), subscriptions.c.claimed_by == node,
                                  or_(subscriptions.c.position.is_(None), subscriptions.c.position < bindparam("pos")))
                           .values(position=bindparam("pos")),
                           [{"sub": sub, "pos": pos} for sub, pos in positions.items()])


async def token_revoked(conn: AsyncConnection, token_id: int | None) -> bool:
    if token_id is None:
        return True
    row = (await conn.execute(select(api_tokens.c.revoked_at).where(api_tokens.c.id == token_id))).first()
    return row is None or row.revoked_at is not None


async def last_event_id(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.max(outbox.c.id)))).scalar() or 0


async def note_failure(conn: AsyncConnection, failures: dict[int, tuple[str, datetime]]) -> None:
    if failures:
        await conn.execute(update(subscriptions).where(subscriptions.c.id == bindparam("sub"))
                           .values(last_error=bindparam("error"), last_error_at=bindparam("at")),
                           [{"sub": s, "error": e[:500], "at": at} for s, (e, at) in failures.items()])


# --- deliveries --------------------------------------------------------------------------------

async def insert_deliveries(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert, skipping (subscription, event, notification) triples that already exist."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(deliveries).on_conflict_do_nothing(
            index_elements=["subscription_id", "event_id", "notification"])
    else:
        stmt = sqlite.insert(deliveries).on_conflict_do_nothing()
    await conn.execute(stmt, rows)


async def ready(conn: AsyncConnection, sub_id: int, now: datetime, limit: int) -> list[Delivery]:
    d, p = deliveries, deliveries.alias("earlier")
    held_back = (select(p.c.id).where(
        p.c.subscription_id == d.c.subscription_id, p.c.entity_key == d.c.entity_key, p.c.status == PENDING,
        p.c.next_attempt_at > now,
        or_(p.c.event_id < d.c.event_id, and_(p.c.event_id == d.c.event_id, p.c.id < d.c.id)))).exists()
    stmt = (select(d.c.id, d.c.subscription_id, d.c.event_id, d.c.notification, d.c.entity_key, d.c.body,
                   d.c.attempts)
            .where(d.c.subscription_id == sub_id, d.c.status == PENDING, d.c.next_attempt_at <= now, ~held_back)
            .order_by(d.c.event_id, d.c.id).limit(limit))
    return [Delivery(*row) for row in (await conn.execute(stmt)).all()]


async def pending_per_entity(conn: AsyncConnection, sub_id: int) -> dict[str, int]:
    rows = await conn.execute(select(deliveries.c.entity_key, func.count())
                              .where(deliveries.c.subscription_id == sub_id, deliveries.c.status == PENDING)
                              .group_by(deliveries.c.entity_key))
    return {key: count for key, count in rows.all()}


async def events_between(conn: AsyncConnection, after: int, through: int, limit: int) -> list[Any]:
    """Outbox rows with after < id <= through, oldest first (a lane replaying what it may have missed)."""
    return list((await conn.execute(select(outbox).where(outbox.c.id > after, outbox.c.id <= through)
                                    .order_by(outbox.c.id).limit(limit))).all())


async def events_by_id(conn: AsyncConnection, ids: list[int]) -> list[Any]:
    if not ids:
        return []
    return list((await conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id))).all())


async def next_due(conn: AsyncConnection, sub_id: int, after: datetime | None = None) -> datetime | None:
    """When the earliest pending delivery (later than `after`) is due; None when nothing is pending."""
    where = [deliveries.c.subscription_id == sub_id, deliveries.c.status == PENDING]
    if after is not None:
        where.append(deliveries.c.next_attempt_at > after)
    return (await conn.execute(select(func.min(deliveries.c.next_attempt_at)).where(*where))).scalar()


async def record(conn: AsyncConnection, results: list[Result]) -> None:
    delivered = [r for r in results if r.status == DELIVERED]
    others = [r for r in results if r.status != DELIVERED]
    if delivered:
        await conn.execute(
            update(deliveries).where(deliveries.c.id == bindparam("rid"))
            .values(status=DELIVERED, attempts=bindparam("n"), last_status=bindparam("code"), last_error=None,
                    finished_at=bindparam("at")),
            [{"rid": r.delivery_id, "n": r.attempts, "code": r.http_status, "at": r.at} for r in delivered])
    if others:
        await conn.execute(
            update(deliveries).where(deliveries.c.id == bindparam("rid"))
            .values(status=bindparam("st"), attempts=bindparam("n"), last_status=bindparam("code"),
                    last_error=bindparam("err"), next_attempt_at=bindparam("due"), finished_at=bindparam("end")),
            [{"rid": r.delivery_id, "st": r.status, "n": r.attempts, "code": r.http_status,
              "err": (r.error or "")[:500], "due": r.next_attempt_at or r.at,
              "end": r.at if r.status == FAILED else None} for r in others])
        latest: dict[int, tuple[str, datetime]] = {}
        for r in others:
            latest[r.subscription_id] = (r.error or "failed", r.at)
        await note_failure(conn, latest)


async def give_up_pending(conn: AsyncConnection, sub_id: int, reason: str, now: datetime) -> int:
    result = await conn.execute(update(deliveries)
                                .where(deliveries.c.subscription_id == sub_id, deliveries.c.status == PENDING)
                                .values(status=FAILED, last_error=reason[:500], finished_at=now))
    if result.rowcount:
        await note_failure(conn, {sub_id: (reason, now)})
    return int(result.rowcount or 0)


async def resend(conn: AsyncConnection, sub_id: int, names: list[str], start: datetime | None,
                 end: datetime | None, now: datetime) -> int:
    where = [deliveries.c.subscription_id == sub_id, deliveries.c.status == FAILED,
             deliveries.c.notification.in_(names)]
    if start is not None:
        where.append(deliveries.c.created_at >= start)
    if end is not None:
        where.append(deliveries.c.created_at <= end)
    result = await conn.execute(update(deliveries).where(*where)
                                .values(status=PENDING, attempts=0, next_attempt_at=now, finished_at=None))
    return int(result.rowcount or 0)


async def status_counts(conn: AsyncConnection, sub_id: int) -> dict[str, int]:
    rows = await conn.execute(select(deliveries.c.status, func.count())
                              .where(deliveries.c.subscription_id == sub_id, deliveries.c.status != DELIVERED)
                              .group_by(deliveries.c.status))
    return {status: count for status, count in rows.all()}


async def last_failure(conn: AsyncConnection, sub_id: int) -> tuple[str | None, datetime | None]:
    row = (await conn.execute(select(subscriptions.c.last_error, subscriptions.c.last_error_at)
                              .where(subscriptions.c.id == sub_id))).first()
    return (row.last_error, row.last_error_at) if row else (None, None)


async def prune(conn: AsyncConnection, delivered_before: datetime, failed_before: datetime, limit: int = 5000) -> int:
    """Forget finished deliveries: delivered ones after the retention time, given-up ones later."""
    old = (select(deliveries.c.id).where(or_(
        and_(deliveries.c.status == DELIVERED, deliveries.c.finished_at < delivered_before),
        and_(deliveries.c.status == FAILED, deliveries.c.finished_at < failed_before))).limit(limit))
    result = await conn.execute(delete(deliveries).where(deliveries.c.id.in_(old.scalar_subquery())))
    return int(result.rowcount or 0)
