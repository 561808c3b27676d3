"""The delivery worker: a server component that turns committed events into acknowledged webhooks.

    on_commit ──> fan-out loop ──> deliveries ──> lanes (one per subscription held) ──> transport
    scan loop (every second): leases, missed events (outbox cursor), pruning

Durability: events are in the outbox (written with the change), deliveries in their table; the
only state in memory is what is in flight. After a crash the scan fans out what was missed and
the lanes resend what was not recorded as delivered (at-least-once: a receiver may see a
notification twice, never zero times).

Several nodes: a subscription is delivered by the node holding its lease (`claimed_by`,
`claimed_until` on the subscription, taken and renewed atomically in the database every scan);
a node stops sending before its lease can have expired, so two nodes never deliver the same
subscription's notifications at the same time, and per-entity order holds across nodes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

from cpms.events import Event
from cpms.runtime import Runtime
from cpms.webhooks import store
from cpms.webhooks.fanout import fan_out
from cpms.webhooks.lanes import Lane, utcnow
from cpms.webhooks.options import Options
from cpms.webhooks.outbox import OutboxReader
from cpms.webhooks.store import Result
from cpms.webhooks.transport import Transport, WebhookTransport

log = logging.getLogger("cpms.webhooks")

PRUNE_EVERY = 60.0
SCAN_PAGES = 20
STOP_GRACE = 3.0


class Recorder:
    """Writes the outcomes of all lanes together: one transaction (one fsync) for many results."""

    def __init__(self, worker: "WebhookWorker") -> None:
        self.worker = worker
        self._queue: list[tuple[list[Result], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()

    async def record(self, results: list[Result]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((results, future))
        self._wake.set()
        await future

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        batch, self._queue = self._queue, []
        if not batch:
            return
        try:
            async with self.worker.db.write() as tx:
                await store.record(tx.conn, [r for results, _ in batch for r in results])
        except Exception as exc:
            log.exception("recording webhook outcomes failed; they will be sent again")
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)


class WebhookWorker:
    name = "webhooks"

    def __init__(self, rt: Runtime, *, options: Options | None = None,
                 transports: dict[str, Transport] | None = None) -> None:
        self.rt = rt
        self.db = rt.db
        self.options = options or Options.from_settings(rt.settings)
        self._given_transports = transports
        self.transports: dict[str, Transport] = {}
        self.outbox = OutboxReader(self.db, gap_timeout=self.options.gap_timeout)
        self.recorder = Recorder(self)
        self.lanes: dict[int, Lane] = {}
        self._known: set[int] = set()
        self._lease_deadline = 0.0
        self._incoming: list[Event] = []
        self._fanout_wake = asyncio.Event()
        self._scan_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._running = False
        self._last_prune = 0.0

    # --- component --------------------------------------------------------------------------

    async def start(self) -> None:
        import cpms.webhooks.payloads  # noqa: F401  (registers the notifications)

        self.rt.components[self.name] = self
        self.transports = dict(self._given_transports or {
            "webhook": WebhookTransport(tenant=self.rt.settings.tenant, timeout=self.options.timeout,
                                        http=self.options.http)})
        await self.outbox.load()
        self._running = True
        self.db.on_commit(self._on_commit)
        self._tasks = [asyncio.create_task(self.recorder.run(), name="webhook-recorder"),
                       asyncio.create_task(self._fanout_loop(), name="webhook-fanout"),
                       asyncio.create_task(self._scan_loop(), name="webhook-scan")]

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._lease_deadline = 0.0  # lanes send nothing new; in-flight requests may finish
        lanes, self.lanes = list(self.lanes.values()), {}
        if lanes:  # let requests in flight finish and be recorded, briefly
            waits = [asyncio.create_task(lane.idle.wait()) for lane in lanes]
            await asyncio.wait(waits, timeout=STOP_GRACE)
            for wait in waits:
                wait.cancel()
        for lane in lanes:
            await lane.stop()
        await self.recorder.flush()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        try:
            async with self.db.write() as tx:
                await store.release_subscriptions(tx.conn, self.options.node_id)
        except Exception:
            log.exception("releasing webhook leases failed; they expire by themselves")
        for transport in self.transports.values():
            await transport.close()
        self.rt.components.pop(self.name, None)

    # --- what other parts of the server call ------------------------------------------------

    def holds(self, sub_id: int, margin: float = 0.0) -> bool:
        """Whether this node may send for `sub_id` for at least `margin` more seconds."""
        return sub_id in self.lanes and time.monotonic() + margin < self._lease_deadline

    def kick(self, sub_id: int | None = None) -> None:
        """Something changed (a subscription, a resend): look at it now rather than at the next scan."""
        lane = self.lanes.get(sub_id) if sub_id is not None else None
        if lane is not None:
            lane.wake()
        self._scan_wake.set()

    async def _on_commit(self, events: list[Event]) -> None:
        if self._running:
            self._incoming.extend(events)
            self._fanout_wake.set()

    # --- loops ------------------------------------------------------------------------------

    async def _fanout_loop(self) -> None:
        while True:
            await self._fanout_wake.wait()
            self._fanout_wake.clear()
            events, self._incoming = self._incoming, []
            if not events:
                continue
            try:
                touched = await fan_out(self.db, events, utcnow())
            except Exception:
                log.exception("webhook fan-out failed; the next scan retries it")
                continue
            self.outbox.mark([e.id for e in events if e.id is not None])
            self._wake(touched)

    def _wake(self, sub_ids: set[int]) -> None:
        for sub_id in sub_ids:
            lane = self.lanes.get(sub_id)
            if lane is not None:
                lane.wake()
        if sub_ids - self._known:  # a subscription this node has not looked at yet
            self._scan_wake.set()

    async def _scan_loop(self) -> None:
        while True:
            try:
                await self._scan()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook scan failed; retrying")
            try:
                async with asyncio.timeout(self.options.scan_interval):
                    await self._scan_wake.wait()
            except TimeoutError:
                pass
            self._scan_wake.clear()

    async def _scan(self) -> None:
        await self._renew()
        for _ in range(SCAN_PAGES):
            if not await self.outbox.scan(self._fan_out_missed):
                break
        else:
            self._scan_wake.set()  # a backlog: continue right after this scan
        if time.monotonic() - self._last_prune >= PRUNE_EVERY:
            self._last_prune = time.monotonic()
            await self._prune()

    async def _fan_out_missed(self, events: list[Event]) -> None:
        self._wake(await fan_out(self.db, events, utcnow()))

    async def _renew(self) -> None:
        """Take or renew the leases; start lanes for new subscriptions, stop those no longer held."""
        started = time.monotonic()
        now = utcnow()
        if not self.lanes:  # no write transaction every second on a server nobody subscribed to
            async with self.db.read() as conn:
                self._known = {s.id for s in await store.subscribers(conn)}
            if not self._known:
                return
        async with self.db.write() as tx:
            held = await store.claim_subscriptions(tx.conn, self.options.node_id, now,
                                                   now + timedelta(seconds=self.options.lease))
            self._known = {s.id for s in await store.subscribers(tx.conn)}
        if not self._running:
            return
        self._lease_deadline = started + self.options.lease
        rows = {row.id: row for row in held}
        for sub_id in [s for s in self.lanes if s not in rows]:
            await self.lanes.pop(sub_id).stop()
        for sub_id, row in rows.items():
            lane = self.lanes.get(sub_id)
            if lane is None:
                self.lanes[sub_id] = Lane(self, row)
            else:
                lane.update(row)

    async def _prune(self) -> None:
        now = utcnow()
        delivered_before = now - timedelta(hours=self.options.retention_hours)
        failed_before = now - timedelta(hours=self.options.failed_retention_hours)
        for _ in range(20):
            async with self.db.write() as tx:
                removed = await store.prune(tx.conn, delivered_before, failed_before)
            if removed < 5000:
                break
