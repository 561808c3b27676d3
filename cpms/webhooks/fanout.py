"""Events into notifications for the lanes that want them, handed over in memory.

Payloads are built once per event and notification, whatever the number of subscriptions
(full-object notifications read the database, hence the connection), serialised once, and the
same `Item` goes to every lane that wants it. Nothing is written here: a lane's position (saved
by the worker) and the outbox make the hand-over durable; items that fail become rows in the
lane.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.events import Event
from cpms.storage.db import Database
from cpms.webhooks.notifications import NOTIFICATIONS, BuildContext
from cpms.webhooks.stream import Item

if TYPE_CHECKING:
    from cpms.webhooks.lanes import Lane

log = logging.getLogger("cpms.webhooks")


def entity_key(event: Event) -> str:
    return f"{event.entity}:{event.entity_id}"[:140]


def notifiable(events: Sequence[Event]) -> list[Event]:
    """The events some notification is made of, in id order."""
    return sorted((e for e in events if e.id is not None and NOTIFICATIONS.for_event(e.type)),
                  key=lambda e: e.id or 0)


async def build(conn: AsyncConnection, events: Sequence[Event],
                lanes: Sequence["Lane"]) -> dict["Lane", list[Item]]:
    """The items of `events` per lane, in event order."""
    per_lane: dict["Lane", list[Item]] = {}
    for event in events:
        event_id = event.id or 0
        for spec in NOTIFICATIONS.for_event(event.type):
            targets = [lane for lane in lanes if lane.wants(spec.name, event_id)]
            if not targets:
                continue
            try:
                payload = await spec.build(BuildContext(conn, event, spec.name))
            except Exception:  # one bad builder must not hold back every other notification
                log.exception("building %s for event %s (%s) failed", spec.name, event.id, event.type)
                continue
            if payload is None:
                continue
            item = Item(event_id, spec.name, entity_key(event),
                        orjson.dumps({"notification": spec.name, **payload}), event.at)
            for lane in targets:
                per_lane.setdefault(lane, []).append(item)
    return per_lane


async def fan_out(db: Database, events: Sequence[Event], lanes: Sequence["Lane"]) -> None:
    """Hand the notifications of newly committed `events` to the lanes (live: they wait while a lane replays)."""
    if not lanes:  # every commit passes here: a server nobody subscribed to does nothing more
        return
    wanted = notifiable(events)
    if not wanted:
        return
    async with db.read() as conn:
        per_lane = await build(conn, wanted, lanes)
    for lane, items in per_lane.items():
        lane.stream.put(items)
