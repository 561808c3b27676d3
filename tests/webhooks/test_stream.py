"""The in-memory stream of a lane: order per entity, parking on failure, the safe position, spilling."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from cpms.webhooks.stream import Item, Parked, Stream
from cpms.webhooks.transport import Outcome

AT = datetime(2024, 5, 1, tzinfo=timezone.utc)


def item(event_id: int, entity: str = "cp:1") -> Item:
    return Item(event_id, "chargePoint.changed", entity, b"{}", AT)


class Harness:
    """A stream whose sends and parks are recorded; `gate` holds sends back until opened."""

    def __init__(self, *, fail: set[int] = frozenset(), limit: int = 20_000, workers: int = 4) -> None:
        self.sent: list[int] = []
        self.rows: list[Parked] = []
        self.fail = set(fail)
        self.gate = asyncio.Event()
        self.gate.set()
        self.paused = False
        self.stream = Stream(workers=workers, send=self.send, park=self.park, parking=lambda: self.paused,
                             wait=lambda: asyncio.sleep(0), limit=limit)

    async def send(self, it: Item) -> Outcome:
        await self.gate.wait()
        if it.event_id in self.fail:
            return Outcome(False, status=500, error="HTTP 500")
        self.sent.append(it.event_id)
        return Outcome(True, status=200)

    async def park(self, parked: list[Parked]) -> None:
        self.rows.extend(parked)

    async def settle(self) -> None:
        for _ in range(200):
            await asyncio.sleep(0)
            if self.stream.floor() is None:
                return


async def test_one_entity_in_order_many_entities_at_once() -> None:
    h = Harness()
    h.gate.clear()
    h.stream.put([item(1, "a"), item(2, "b"), item(3, "a"), item(4, "b"), item(5, "a")])
    await asyncio.sleep(0)
    h.gate.set()
    await h.settle()
    assert [i for i in h.sent if i in (1, 3, 5)] == [1, 3, 5]
    assert [i for i in h.sent if i in (2, 4)] == [2, 4]
    assert h.stream.floor() is None and h.rows == []
    await h.stream.stop()


async def test_a_failure_parks_the_item_and_everything_after_it_of_that_entity() -> None:
    h = Harness(fail={2})
    h.stream.put([item(1), item(2), item(3), item(4, "other")])
    await h.settle()
    assert sorted(h.sent) == [1, 4]
    assert [(p.item.event_id, p.outcome is not None) for p in h.rows] == [(2, True), (3, False)]
    assert h.stream.parked["cp:1"] == 2
    h.stream.put([item(5)])  # still parked: behind its rows
    await h.settle()
    assert [p.item.event_id for p in h.rows][-1] == 5 and 5 not in h.sent
    for _ in range(3):
        h.stream.unpark("cp:1")  # the retry path delivered its rows
    h.stream.put([item(6)])
    await h.settle()
    assert h.sent[-1] == 6
    await h.stream.stop()


async def test_the_floor_is_the_oldest_item_not_finished() -> None:
    h = Harness()
    h.gate.clear()
    h.stream.put([item(7, "a"), item(9, "b")])
    assert h.stream.floor() == 7
    h.gate.set()
    await h.settle()
    assert h.stream.floor() is None
    await h.stream.stop()


async def test_held_live_items_wait_for_the_replay_and_count_for_the_floor() -> None:
    h = Harness()
    h.stream.hold()
    h.stream.put([item(20)])
    assert h.stream.floor() == 20
    h.stream.put([item(10)], replay=True)
    await h.settle()
    assert h.sent == [10] and h.stream.floor() == 20
    h.stream.release()
    await h.settle()
    assert h.sent == [10, 20]
    await h.stream.stop()


async def test_over_the_limit_new_entities_spill_to_rows_while_one_in_memory_keeps_its_order() -> None:
    h = Harness(limit=2, workers=1)
    h.gate.clear()
    h.stream.put([item(1, "a"), item(2, "a"), item(3, "b"), item(4, "a")])
    await asyncio.sleep(0)
    assert [p.item.event_id for p in h.rows] == [3]  # "b" had nothing in memory: it spilled
    h.gate.set()
    await h.settle()
    assert h.sent == [1, 2, 4]
    await h.stream.stop()


async def test_while_paused_everything_goes_to_rows_in_order() -> None:
    h = Harness()
    h.paused = True
    h.stream.put([item(1), item(2, "b"), item(3)])
    await h.settle()
    assert h.sent == [] and [p.item.event_id for p in h.rows] == [1, 2, 3]
    await h.stream.stop()
