"""One delivery lane per subscription: its own stream, retry loop, rate limit and concurrency.

New notifications arrive in memory and are streamed (`stream.py`); what fails becomes a delivery
row, and the lane's retry loop takes those rows (in order), sends them — different entities
concurrently, one entity's rows one after the other — and records every outcome before it looks
for more, so a failure holds back that entity's later notifications. A receiver that does not
answer at all pauses the whole lane (with backoff) instead of being hammered; a slow or dead
receiver only ever delays its own lane.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from cpms.events import Event
from cpms.webhooks import store
from cpms.webhooks.fanout import build, notifiable
from cpms.webhooks.options import Options
from cpms.webhooks.secrets import SecretKeyError, decrypt
from cpms.webhooks.store import DELIVERED, FAILED, PENDING, Delivery, Result, SubscriptionRow
from cpms.webhooks.stream import Item, Parked, Stream
from cpms.webhooks.transport import Message, Outcome, Target

if TYPE_CHECKING:
    from cpms.webhooks.delivery import WebhookWorker

log = logging.getLogger("cpms.webhooks")

REPLAY_PAGE = 500
QUIET_SCANS = 10  # a lane without rows looks at the table once in this many scans
REPLAY_BACKLOG = 5000  # items in memory before a replay waits for the stream to catch up


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def backoff(options: Options, attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds before attempt `attempt + 1`: exponential, capped, with jitter (between half and all of it)."""
    base = min(options.backoff_max, options.backoff * 2 ** max(0, attempt - 1))
    return base * (0.5 + rand() / 2)


class TokenBucket:
    """At most `rate` sends a second on average, bursts of up to one second's worth."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()

    def try_take(self) -> bool:
        """Take a token if one is there now (the common case costs no coroutine)."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1 - 1e-9:
            self.tokens = max(0.0, self.tokens - 1)
            return True
        return False

    async def take(self) -> None:
        while True:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1 - 1e-9:  # float dust must not turn into an endless series of tiny sleeps
                self.tokens = max(0.0, self.tokens - 1)
                return
            await self.sleep((1 - self.tokens) / self.rate)


class Lane:
    def __init__(self, worker: "WebhookWorker", sub: SubscriptionRow, start: int) -> None:
        self.worker = worker
        self.options = worker.options
        self.bucket = TokenBucket(self.options.rate)
        self.slots = asyncio.Semaphore(self.options.concurrency)
        self.target: Target | None = None
        self.problem: str | None = None
        self._key_cache: tuple[str, str] | None = None
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()  # set while the retry loop has nothing in flight
        self._paused_until = 0.0
        self._unreachable = 0
        # Every event up to `position` is delivered, parked, or not for this subscription (saved).
        self.position = start
        self.start = start  # events up to here were dealt with before this lane: never again
        # While the outbox is replayed into the stream: the highest event id read so far.
        self.replaying: int | None = None
        self.update(sub)
        self.stream = Stream(workers=self.options.concurrency, send=self._send_item, park=self._park,
                             parking=self._parking, wait=self._hold_off)
        self.task = asyncio.create_task(self._run(), name=f"webhook-lane-{sub.id}")
        self._replay_task: asyncio.Task[None] | None = None

    def update(self, sub: SubscriptionRow) -> None:
        """New settings of the subscription (URL, key, token state, notifications)."""
        self.sub = sub
        self.problem = None
        if sub.revoked:
            self.problem = store.REVOKED
            return
        try:
            key = self._decrypt(sub.signing_key)
        except SecretKeyError as exc:
            self.problem = str(exc)
            return
        self.target = Target(subscription_id=sub.id, via=sub.via, url=sub.url, key=key)

    def wants(self, notification: str, event_id: int) -> bool:
        return notification in self.sub.notifications and event_id > self.start

    def position_to_save(self, handed: int) -> int | None:
        """The position to save now, if it moved: below what is in memory, within what was handed over."""
        position = handed if self.replaying is None else min(handed, self.replaying)
        floor = self.stream.floor()
        if floor is not None:
            position = min(position, floor - 1)
        return position if position > self.position else None

    def _decrypt(self, stored: str | None) -> str:
        if not stored:
            raise SecretKeyError("the subscription has no signing key")
        if self._key_cache is None or self._key_cache[0] != stored:
            self._key_cache = (stored, decrypt(self.worker.rt.settings, stored))
        return self._key_cache[1]

    def wake(self) -> None:
        self._wake.set()

    def begin(self, through: int, beyond: list[int]) -> None:
        """Start streaming: rows still pending first, then the outbox after the position, then live items.

        Parked entities are read before anything is sent, so no replayed or live item of an entity
        overtakes its rows. The replay covers the events after the position up to `through` and
        the ids `beyond` it that were handed over before the lane existed; live items wait
        meanwhile (they are newer), and the position cannot pass what was read.
        """
        self.replaying = self.position
        self.stream.hold()
        self._replay_task = asyncio.create_task(self._begin(through, beyond), name=f"webhook-replay-{self.sub.id}")

    async def _begin(self, through: int, beyond: list[int]) -> None:
        after = self.position
        loaded = False
        while True:
            try:
                if not loaded:
                    async with self.worker.db.read() as conn:
                        self.stream.parked.update(await store.pending_per_entity(conn, self.sub.id))
                    loaded = True
                while after < through:
                    while self.stream.size() > REPLAY_BACKLOG:
                        await asyncio.sleep(0.05)
                    async with self.worker.db.read() as conn:
                        rows = await store.events_between(conn, after, through, REPLAY_PAGE)
                        await self._replayed(conn, rows)
                    after = rows[-1].id if len(rows) == REPLAY_PAGE else through
                    self.replaying = after
                async with self.worker.db.read() as conn:
                    await self._replayed(conn, await store.events_by_id(conn, beyond))
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("replaying the outbox for subscription %s failed; retrying", self.sub.id)
                await asyncio.sleep(1.0)
        self.replaying = None
        self.stream.release()

    async def _replayed(self, conn: Any, rows: list[Any]) -> None:
        events = notifiable([Event.from_row(r) for r in rows])
        if events:
            self.stream.put((await build(conn, events, [self])).get(self, []), replay=True)

    async def stop(self) -> None:
        if self._replay_task is not None:
            self._replay_task.cancel()
            await asyncio.gather(self._replay_task, return_exceptions=True)
        self.task.cancel()
        # gather, not a bare await: the lane's CancelledError must not swallow the caller's own
        await asyncio.gather(self.task, return_exceptions=True)
        await self.stream.stop()

    # --- the stream's side ----------------------------------------------------------------------

    def _parking(self) -> bool:
        return self.problem is not None or time.monotonic() < self._paused_until

    async def _hold_off(self) -> None:
        await asyncio.sleep(min(1.0, self.options.scan_interval))

    async def _send_item(self, item: Item) -> Outcome | None:
        margin = self.options.timeout
        if not self.worker.holds(self.sub.id, margin=margin):
            return None
        if not self.bucket.try_take():
            await self.bucket.take()
            if not self.worker.holds(self.sub.id, margin=margin):
                return None
        return await self._send(item.notification, item.body, f"event {item.event_id}")

    async def _park(self, parked: list[Parked]) -> None:
        """Write items that leave the stream as delivery rows; the retry loop takes them from there."""
        now = utcnow()
        resume = now + timedelta(seconds=max(0.0, self._paused_until - time.monotonic()))
        rows: list[dict[str, Any]] = []
        given_up: list[str] = []
        for p in parked:
            item, outcome = p.item, p.outcome
            row = {"subscription_id": self.sub.id, "event_id": item.event_id, "notification": item.notification,
                   "entity_key": item.entity_key, "body": item.body.decode(), "status": PENDING,
                   "attempts": 1 if outcome else 0, "next_attempt_at": resume, "created_at": item.created_at,
                   "last_status": outcome.status if outcome else None,
                   "last_error": (outcome.error or "")[:500] if outcome else None, "finished_at": None}
            if self.problem:
                row.update(status=FAILED, last_error=self.problem[:500], finished_at=now)
            elif outcome is not None and self.options.max_attempts <= 1:
                row.update(status=FAILED, last_error=f"gave up after 1 attempt: {outcome.error}"[:500],
                           finished_at=now)
            elif outcome is not None:
                row["next_attempt_at"] = max(resume, now + timedelta(seconds=backoff(self.options, 1)))
            if row["status"] == FAILED:
                given_up.append(item.entity_key)
            rows.append(row)
        await self.worker.recorder.park(rows)
        for key in given_up:
            self.stream.unpark(key)
        if self.problem and given_up:
            log.warning("subscription %s: %d notifications not sent: %s", self.sub.id, len(given_up), self.problem)
        self.wake()

    # --- the retry loop (delivery rows) ---------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                busy = await self._cycle()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook lane of subscription %s failed; retrying", self.sub.id)
                busy = False
            if not busy:
                self.idle.set()
                await self._idle()
                self.idle.clear()

    def _may_send(self) -> bool:
        return (self.worker.holds(self.sub.id, margin=self.options.timeout)
                and time.monotonic() >= self._paused_until)

    async def _cycle(self) -> bool:
        if not self._may_send():
            return False
        db = self.worker.db
        parks = self.stream.parks()
        counts: dict[str, int] = {}
        async with db.read() as conn:
            # the subscription as it is now: a revoked token stops sending at once, not at the next scan
            row = await store.subscription(conn, self.sub.id)
            if row is None:
                return False
            self.update(row)
            if self.problem:
                waiting = await store.next_due(conn, self.sub.id)
                batch = []
            else:
                batch = await store.ready(conn, self.sub.id, utcnow(), self.options.batch)
                if not batch:
                    counts = await store.pending_per_entity(conn, self.sub.id)
        if self.problem:
            if waiting is not None:
                async with db.write() as tx:
                    count = await store.give_up_pending(tx.conn, self.sub.id, self.problem, utcnow())
                log.warning("subscription %s: %d notifications not sent: %s", self.sub.id, count, self.problem)
            return False
        if not batch:
            self.stream.reset_parked(counts, parks)
            return False
        chains: dict[str, list[Delivery]] = {}
        for delivery in batch:
            chains.setdefault(delivery.entity_key, []).append(delivery)
        results: list[tuple[Delivery, Result]] = []
        await asyncio.gather(*(self._chain(chain, results) for chain in chains.values()))
        if results:
            await self.worker.recorder.record([result for _, result in results])
            for delivery, result in results:
                if result.status != PENDING:
                    self.stream.unpark(delivery.entity_key)
        return bool(results)

    async def _chain(self, chain: list[Delivery], results: list[tuple[Delivery, Result]]) -> None:
        for delivery in chain:
            async with self.slots:
                if not self._may_send():
                    return
                await self.bucket.take()
                if not self._may_send():
                    return
                outcome = await self._send(delivery.notification, delivery.body.encode(), f"delivery {delivery.id}")
            result = self._result(delivery, outcome)
            results.append((delivery, result))
            if result.status != DELIVERED:
                return

    async def _send(self, notification: str, body: bytes, what: str) -> Outcome:
        target = self.target
        transport = self.worker.transports.get(self.sub.via)
        if target is None or transport is None:
            return Outcome(False, error=f"no transport for via={self.sub.via}")
        try:
            outcome = await transport.send(target, Message(notification, body))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport bug must cost one attempt, never the worker
            log.exception("sending %s of subscription %s failed", what, self.sub.id)
            outcome = Outcome(False, error=f"internal error: {type(exc).__name__}")
        if outcome.ok:
            self._unreachable = 0
        elif outcome.unreachable and time.monotonic() >= self._paused_until:
            self._unreachable += 1
            self._paused_until = time.monotonic() + backoff(self.options, self._unreachable)
        return outcome

    def _result(self, delivery: Delivery, outcome: Outcome) -> Result:
        now = utcnow()
        attempts = delivery.attempts + 1
        common = dict(delivery_id=delivery.id, subscription_id=delivery.subscription_id, attempts=attempts,
                      at=now, http_status=outcome.status)
        if outcome.ok:
            return Result(status=DELIVERED, **common)  # type: ignore[arg-type]
        if attempts >= self.options.max_attempts:
            log.warning("subscription %s: gave up delivery %s (%s) after %d attempts: %s", delivery.subscription_id,
                        delivery.id, delivery.notification, attempts, outcome.error)
            return Result(status=FAILED, error=f"gave up after {attempts} attempts: {outcome.error}",
                          **common)  # type: ignore[arg-type]
        due = now + timedelta(seconds=backoff(self.options, attempts))
        return Result(status=PENDING, error=outcome.error, next_attempt_at=due, **common)  # type: ignore[arg-type]

    async def _idle(self) -> None:
        timeout = self.options.scan_interval
        paused = self._paused_until - time.monotonic()
        if paused > 0:
            timeout = min(timeout, paused)
        elif not self.stream.parked and not self.problem:
            # no rows known: parking, a resend and a revocation wake the loop; this is the safety net
            timeout = self.options.scan_interval * QUIET_SCANS
        elif not self.problem and self.worker.holds(self.sub.id):
            now = utcnow()
            async with self.worker.db.read() as conn:
                due = await store.next_due(conn, self.sub.id, after=now)
            if due is not None:
                timeout = min(timeout, max(0.0, (due - now).total_seconds()))
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()
