"""Events into deliveries: one row per event, notification and subscription that wants it.

Payloads are built once per event and notification (outside the write transaction: full-object
notifications read the database), serialised once, and stored with each delivery so that every
attempt sends the same bytes. The insert skips rows that exist already, so an event handed
over twice (fast path and scan, two nodes) still gives one delivery per subscription.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError

from cpms.events import Event
from cpms.storage.db import Database
from cpms.webhooks import store
from cpms.webhooks.notifications import NOTIFICATIONS, BuildContext

log = logging.getLogger("cpms.webhooks")


def entity_key(event: Event) -> str:
    return f"{event.entity}:{event.entity_id}"[:140]


async def fan_out(db: Database, events: list[Event], now: datetime) -> set[int]:
    """Create the deliveries of `events`; returns the ids of the subscriptions that got some."""
    wanted = sorted((e for e in events if e.id is not None and NOTIFICATIONS.for_event(e.type)),
                    key=lambda e: e.id or 0)
    if not wanted:
        return set()
    async with db.read() as conn:
        subscribers = await store.subscribers(conn)
        if not subscribers:
            return set()
        rows: list[dict[str, Any]] = []
        for event in wanted:
            for spec in NOTIFICATIONS.for_event(event.type):
                targets = [s.id for s in subscribers
                           if spec.name in s.notifications and (event.id or 0) > s.since_event_id]
                if not targets:
                    continue
                try:
                    payload = await spec.build(BuildContext(conn, event, spec.name))
                except Exception:  # one bad builder must not hold back every other notification
                    log.exception("building %s for event %s (%s) failed", spec.name, event.id, event.type)
                    continue
                if payload is None:
                    continue
                body = orjson.dumps({"notification": spec.name, **payload}).decode()
                key = entity_key(event)
                rows += [{"subscription_id": sub, "event_id": event.id, "notification": spec.name,
                          "entity_key": key, "body": body, "status": store.PENDING, "attempts": 0,
                          "next_attempt_at": now, "created_at": now} for sub in targets]
    if not rows:
        return set()
    for attempt in range(3):
        try:
            async with db.write() as tx:
                # a subscription deleted meanwhile takes its deliveries with it
                alive = await store.existing_subscription_ids(tx.conn, {r["subscription_id"] for r in rows})
                rows = [r for r in rows if r["subscription_id"] in alive]
                await store.insert_deliveries(tx.conn, rows)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return {r["subscription_id"] for r in rows}
