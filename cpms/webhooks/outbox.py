"""Following the events outbox in id order, so that no committed event is ever skipped.

The normal path needs none of this: events reach the worker through `Database.on_commit` the
moment they commit. The reader is the safety net for everything else (a crash between commit
and fan-out, events written by another process or node): every scan it hands over the events
above its cursor that were not handled yet, and moves the cursor over the contiguous run of
handled ids.

A hole in the ids is either a transaction still in flight (PostgreSQL hands out ids before
commit, so a later id can commit first) or one that rolled back and never will. The cursor
waits at a hole for `gap_timeout` seconds, then passes it; events beyond a hole are handled
meanwhile all the same (fan-out is idempotent). On SQLite ids are handed out under the write
lock, so holes do not occur.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from sqlalchemy import select, update

from cpms.events import Event
from cpms.storage.db import Database
from cpms.storage.tables.core import events as outbox
from cpms.storage.tables.webhooks import webhook_cursor
from cpms.webhooks.store import last_event_id

Handler = Callable[[list[Event]], Awaitable[None]]


class OutboxReader:
    def __init__(self, db: Database, name: str = "webhooks", *, gap_timeout: float = 60.0,
                 page: int = 2000) -> None:
        self.db = db
        self.name = name
        self.gap_timeout = gap_timeout
        self.page = page
        self.position = 0
        self._saved = 0  # the position as the cursor row has it
        self._handled: set[int] = set()
        self._seen_max = 0
        self._gap: tuple[int, float] | None = None  # (first missing id, when first seen)

    async def load(self) -> None:
        """Read the cursor; a new installation starts after the events that exist already."""
        async with self.db.write() as tx:
            row = (await tx.conn.execute(select(webhook_cursor.c.position)
                                         .where(webhook_cursor.c.name == self.name))).first()
            if row is None:
                self.position = await last_event_id(tx.conn)
                await tx.conn.execute(webhook_cursor.insert().values(
                    name=self.name, position=self.position, updated_at=datetime.now(timezone.utc)))
            else:
                self.position = row.position
        self._saved = self.position
        self._seen_max = self.position

    def mark(self, ids: list[int]) -> None:
        """Events handled by the fast path; the position moves (in memory) over a contiguous run at once."""
        self._handled.update(i for i in ids if i > self.position)
        while self.position + 1 in self._handled:
            self.position += 1
            self._handled.discard(self.position)

    def unhandled(self, events: list[Event]) -> list[Event]:
        """Those of `events` not handed over yet (the scan may have found a commit before its listener ran)."""
        return [e for e in events if e.id is not None and e.id > self.position and e.id not in self._handled]

    def handed_beyond(self, after: int) -> list[int]:
        """Ids above `after` already handed over although the cursor has not reached them (past a hole)."""
        return sorted(i for i in self._handled if i > after)

    async def scan(self, handle: Handler, *, save: bool = True) -> bool:
        """Hand unhandled events to `handle`, then advance the cursor (saved unless `save` is False: a
        quick look between scans writes nothing). True when more may be waiting."""
        async with self.db.read() as conn:
            ids = list((await conn.execute(select(outbox.c.id).where(outbox.c.id > self.position)
                                           .order_by(outbox.c.id).limit(self.page))).scalars())
            if self._seen_max > self.position + self.page:  # a hole holds the cursor: look beyond it too
                ids += list((await conn.execute(select(outbox.c.id).where(outbox.c.id > self._seen_max)
                                                .order_by(outbox.c.id).limit(self.page))).scalars())
            todo = [i for i in ids if i not in self._handled]
            rows = []
            if todo:
                rows = (await conn.execute(select(outbox).where(outbox.c.id.in_(todo))
                                           .order_by(outbox.c.id))).all()
        if rows:
            await handle([Event.from_row(r) for r in rows])
            self._handled.update(todo)
        if ids:
            self._seen_max = max(self._seen_max, max(ids))
        await self._advance(sorted(set(ids)), save)
        return len(ids) >= self.page

    async def _advance(self, ids: list[int], save: bool = True) -> None:
        position = self.position
        for ident in ids:
            if ident <= position:
                continue
            if ident > position + 1 and not self._hole_expired(position + 1):
                break
            if ident not in self._handled:
                break
            position = ident
        if position != self.position:
            self._gap = None if self._gap and self._gap[0] <= position else self._gap
            self.position = position
            self._handled = {i for i in self._handled if i > position}
        if save and self.position > self._saved:
            async with self.db.write() as tx:
                await tx.conn.execute(update(webhook_cursor)
                                      .where(webhook_cursor.c.name == self.name,
                                             webhook_cursor.c.position < self.position)
                                      .values(position=self.position, updated_at=datetime.now(timezone.utc)))
            self._saved = self.position

    def _hole_expired(self, missing: int) -> bool:
        now = time.monotonic()
        if self._gap is None or self._gap[0] != missing:
            self._gap = (missing, now)
        return now - self._gap[1] >= self.gap_timeout
