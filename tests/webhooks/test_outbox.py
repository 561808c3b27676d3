"""The outbox reader: every committed event handed over once, holes in the ids waited for, then passed."""

from __future__ import annotations

from datetime import datetime, timezone

from cpms.events import Event
from cpms.storage.db import Database
from cpms.storage.tables.core import events
from cpms.webhooks.outbox import OutboxReader

AT = datetime(2024, 5, 1, tzinfo=timezone.utc)


async def put(db: Database, *ids: int) -> None:
    async with db.write() as tx:
        for ident in ids:
            await tx.conn.execute(events.insert().values(id=ident, type="chargePoint.changed", entity="chargePoint",
                                                         entity_id=str(ident), data={"action": "updated"},
                                                         created_at=AT))


class Collector:
    def __init__(self) -> None:
        self.seen: list[int] = []

    async def __call__(self, batch: list[Event]) -> None:
        self.seen += [e.id for e in batch if e.id is not None]


async def test_a_new_cursor_starts_after_existing_events_and_survives_restarts(database_url) -> None:
    db = Database(database_url)
    try:
        await put(db, 1, 2)
        reader = OutboxReader(db)
        await reader.load()
        assert reader.position == 2
        await put(db, 3, 4)
        collect = Collector()
        await reader.scan(collect)
        assert collect.seen == [3, 4] and reader.position == 4
        again = OutboxReader(db)
        await again.load()
        assert again.position == 4
    finally:
        await db.close()


async def test_a_hole_holds_the_cursor_until_filled_and_later_events_are_handled_meanwhile(database_url) -> None:
    db = Database(database_url)
    try:
        reader = OutboxReader(db, gap_timeout=3600)
        await reader.load()
        await put(db, 1, 3)
        collect = Collector()
        await reader.scan(collect)
        assert collect.seen == [1, 3] and reader.position == 1
        await reader.scan(collect)
        assert collect.seen == [1, 3]  # handled once, though the cursor still waits at the hole
        await put(db, 2)  # the late commit arrives
        await reader.scan(collect)
        assert collect.seen == [1, 3, 2] and reader.position == 3
    finally:
        await db.close()


async def test_a_hole_older_than_the_timeout_is_taken_as_a_rollback(database_url) -> None:
    db = Database(database_url)
    try:
        reader = OutboxReader(db, gap_timeout=0)
        await reader.load()
        await put(db, 1, 4)
        await reader.scan(Collector())
        await reader.scan(Collector())
        assert reader.position == 4
    finally:
        await db.close()


async def test_events_the_fast_path_handled_are_not_handed_over_again(database_url) -> None:
    db = Database(database_url)
    try:
        reader = OutboxReader(db)
        await reader.load()
        await put(db, 1, 2, 3)
        reader.mark([1, 3])
        collect = Collector()
        await reader.scan(collect)
        assert collect.seen == [2] and reader.position == 3
    finally:
        await db.close()


async def test_a_backlog_is_read_page_by_page(database_url) -> None:
    db = Database(database_url)
    try:
        reader = OutboxReader(db, page=10)
        await reader.load()
        await put(db, *range(1, 26))
        collect = Collector()
        pages = 0
        while await reader.scan(collect):
            pages += 1
        assert collect.seen == list(range(1, 26)) and reader.position == 25 and pages == 2
    finally:
        await db.close()
