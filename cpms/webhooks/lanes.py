"""One delivery lane per subscription: its own loop, rate limit, concurrency and retry state.

A lane repeatedly takes the subscription's ready deliveries (in order), sends them — different
entities concurrently, one entity's deliveries one after the other — and records every outcome
before it looks for more, so a failure holds back that entity's later deliveries. A receiver
that does not answer at all pauses the whole lane (with backoff) instead of being hammered; a
slow or dead receiver only ever delays its own lane.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from cpms.webhooks import store
from cpms.webhooks.options import Options
from cpms.webhooks.secrets import SecretKeyError, decrypt
from cpms.webhooks.store import DELIVERED, FAILED, PENDING, Delivery, Result, SubscriptionRow
from cpms.webhooks.transport import Message, Outcome, Target

if TYPE_CHECKING:
    from cpms.webhooks.delivery import WebhookWorker

log = logging.getLogger("cpms.webhooks")


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
    def __init__(self, worker: "WebhookWorker", sub: SubscriptionRow) -> None:
        self.worker = worker
        self.options = worker.options
        self.bucket = TokenBucket(self.options.rate)
        self.slots = asyncio.Semaphore(self.options.concurrency)
        self.target: Target | None = None
        self.problem: str | None = None
        self._key_cache: tuple[str, str] | None = None
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()  # set while the lane has nothing in flight
        self._paused_until = 0.0
        self._unreachable = 0
        self.update(sub)
        self.task = asyncio.create_task(self._run(), name=f"webhook-lane-{sub.id}")

    def update(self, sub: SubscriptionRow) -> None:
        """New settings of the subscription (URL, key, token state), read at every scan."""
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

    def _decrypt(self, stored: str | None) -> str:
        if not stored:
            raise SecretKeyError("the subscription has no signing key")
        if self._key_cache is None or self._key_cache[0] != stored:
            self._key_cache = (stored, decrypt(self.worker.rt.settings, stored))
        return self._key_cache[1]

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self.task.cancel()
        # gather, not a bare await: the lane's CancelledError must not swallow the caller's own
        await asyncio.gather(self.task, return_exceptions=True)

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
        if self.problem:
            if waiting is not None:
                async with db.write() as tx:
                    count = await store.give_up_pending(tx.conn, self.sub.id, self.problem, utcnow())
                log.warning("subscription %s: %d notifications not sent: %s", self.sub.id, count, self.problem)
            return False
        if not batch:
            return False
        chains: dict[str, list[Delivery]] = {}
        for delivery in batch:
            chains.setdefault(delivery.entity_key, []).append(delivery)
        results: list[Result] = []
        await asyncio.gather(*(self._chain(chain, results) for chain in chains.values()))
        if results:
            await self.worker.recorder.record(results)
        return bool(results)

    async def _chain(self, chain: list[Delivery], results: list[Result]) -> None:
        for delivery in chain:
            async with self.slots:
                if not self._may_send():
                    return
                await self.bucket.take()
                if not self._may_send():
                    return
                outcome = await self._send(delivery)
            result = self._result(delivery, outcome)
            results.append(result)
            if result.status != DELIVERED:
                return

    async def _send(self, delivery: Delivery) -> Outcome:
        target = self.target
        transport = self.worker.transports.get(self.sub.via)
        if target is None or transport is None:
            return Outcome(False, error=f"no transport for via={self.sub.via}")
        try:
            outcome = await transport.send(target, Message(delivery.notification, delivery.body.encode()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport bug must cost one attempt, never the worker
            log.exception("sending delivery %s failed", delivery.id)
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
