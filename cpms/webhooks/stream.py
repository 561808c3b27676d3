"""The fast path of a lane: notifications handed over in memory, sent without a database row each.

At thousands of webhooks a second, a row per notification (insert, select, update) costs more
than the POST itself. So a lane streams: the fan-out hands it `Item`s in memory; a few workers
send them, one entity's items one after the other, different entities concurrently; and what
is durable is the subscription's *position* — every event up to it is either delivered or
parked. After a crash, the lane replays the outbox from its position (at-least-once).

An item that fails is *parked*: written as a delivery row, where the retry path of the lane
(`lanes.py`: backoff, give-up, resend) takes over. Its entity stays parked — its later items go
to rows too, behind it — until none of its rows is pending any more, so order per entity holds
across both paths. While the receiver is unreachable (the lane is paused) or the subscription
cannot be signed, everything is parked.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cpms.webhooks.transport import Outcome

log = logging.getLogger("cpms.webhooks")


@dataclass(frozen=True, slots=True)
class Item:
    """One notification of one event, ready to send: the same object goes to every lane that wants it."""

    event_id: int
    notification: str
    entity_key: str
    body: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Parked:
    """An item that leaves the fast path for a delivery row, with the outcome of its one attempt (if any)."""

    item: Item
    outcome: Outcome | None


Send = Callable[[Item], Awaitable[Outcome | None]]  # None: not sent now (no lease): keep it in memory
Park = Callable[[list[Parked]], Awaitable[None]]


class Stream:
    """In-memory queue of one lane: chains per entity, `workers` senders, parked entities, the safe position."""

    def __init__(self, *, workers: int, send: Send, park: Park, parking: Callable[[], bool],
                 wait: Callable[[], Awaitable[Any]], limit: int = 20_000) -> None:
        self._send = send
        self._park = park
        self._parking = parking  # whether everything goes to rows now (paused, cannot sign)
        self._wait = wait  # how long to hold off when `send` declines (the lease is short)
        self._chains: dict[str, deque[Item]] = {}
        self._ready: asyncio.Queue[str] = asyncio.Queue()
        self._pending: Counter[int] = Counter()  # event ids handed over and not yet finished
        self._heap: list[int] = []
        self.parked: Counter[str] = Counter()  # entity -> delivery rows of it still pending
        self._park_buffer: list[Parked] = []
        self._park_flush: asyncio.Task[None] | None = None
        self._parks = 0  # how many times items went to rows: a stale count read meanwhile is not applied
        self._held: list[Item] | None = None
        self._limit = limit  # items waiting in memory; beyond it (a slow receiver) new ones spill to rows
        self._queued = 0
        self._tasks = [asyncio.create_task(self._worker(), name="webhook-stream") for _ in range(workers)]

    # --- handing over -------------------------------------------------------------------------

    def hold(self) -> None:
        """Keep live items back (counted, not sent) while older ones are replayed from the outbox."""
        self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        self._dispatch(held)

    def put(self, items: list[Item], *, replay: bool = False) -> None:
        """Hand items over; live ones wait while the stream is held, replayed ones never do."""
        for item in items:
            self._pending[item.event_id] += 1
            heapq.heappush(self._heap, item.event_id)
        if self._held is not None and not replay:
            self._held.extend(items)
        else:
            self._dispatch(items)

    def _dispatch(self, items: list[Item]) -> None:
        for item in items:
            key = item.entity_key
            # over the limit only entities with nothing in memory spill: one in memory keeps its order
            spill = self._queued >= self._limit and key not in self._chains
            if self.parked[key] or spill or self._parking():
                self._to_rows([Parked(item, None)])
                continue
            self._queued += 1
            if key in self._chains:
                self._chains[key].append(item)
            else:
                self._chains[key] = deque((item,))
                self._ready.put_nowait(key)

    def floor(self) -> int | None:
        """The lowest event id still in memory (None when nothing is): the position stays below it."""
        heap = self._heap
        while heap and not self._pending[heap[0]]:
            del self._pending[heapq.heappop(heap)]
        return heap[0] if heap else None

    def size(self) -> int:
        return sum(self._pending.values())

    def unpark(self, key: str, finished: int = 1) -> None:
        """Rows of `key` were delivered or given up."""
        left = self.parked[key] - finished
        if left > 0:
            self.parked[key] = left
        else:
            del self.parked[key]

    def parks(self) -> int:
        return self._parks

    def reset_parked(self, counts: dict[str, int], parks_before: int) -> None:
        """The pending rows per entity as the database had them when `parks()` was `parks_before`.

        Counts drift when rows change behind the lane's back (a resend, a give-up); the lane
        re-reads them when it is idle. A count read while items were being parked is stale and
        is not applied: an entity unparked too early could overtake its own rows.
        """
        if self._parks != parks_before or self._park_buffer or self._park_flush is not None:
            return
        self.parked = Counter(counts)

    async def stop(self) -> None:
        tasks = [*self._tasks, *([self._park_flush] if self._park_flush else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- sending ------------------------------------------------------------------------------

    def _finish(self, item: Item) -> None:
        self._pending[item.event_id] -= 1

    async def _worker(self) -> None:
        while True:
            key = await self._ready.get()
            chain = self._chains[key]
            try:
                while chain:
                    item = chain[0]
                    if self._parking() or self.parked[key]:
                        outcome = None
                    else:
                        outcome = await self._send(item)
                        if outcome is None:  # not allowed to send right now: keep the item, try later
                            await self._wait()
                            continue
                        if outcome.ok:
                            chain.popleft()
                            self._queued -= 1
                            self._finish(item)
                            continue
                    # the chain leaves memory for rows, the failed item first, in order
                    first = [Parked(chain.popleft(), outcome)]
                    self._to_rows(first + [Parked(rest, None) for rest in chain])
                    self._queued -= len(first) + len(chain)
                    chain.clear()
            except asyncio.CancelledError:
                raise
            except Exception:  # never lose the worker: what is left stays for the replay after a restart
                log.exception("webhook stream worker failed on %s", key)
            finally:
                if not chain:
                    self._chains.pop(key, None)
                elif not asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    self._ready.put_nowait(key)

    def _to_rows(self, parked: list[Parked]) -> None:
        self._parks += 1
        for p in parked:
            self.parked[p.item.entity_key] += 1
        self._park_buffer.extend(parked)
        if self._park_flush is None:
            self._park_flush = asyncio.create_task(self._flush_parked(), name="webhook-park")

    async def _flush_parked(self) -> None:
        try:
            while self._park_buffer:
                batch, self._park_buffer = self._park_buffer, []
                while True:
                    try:
                        await self._park(batch)
                        break
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("parking %d webhook notifications failed; retrying", len(batch))
                        await asyncio.sleep(1.0)
                for p in batch:
                    self._finish(p.item)
        finally:
            self._park_flush = None
