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
from cpms.webhooks.store import Result, SubscriptionRow
from cpms.webhooks.transport import Transport, WebhookTransport

log = logging.getLogger("cpms.webhooks")

PRUNE_EVERY = 60.0
POSITION_EVERY = 0.25
TOKEN_REVOKED = "apiToken.revoked"
SCAN_PAGES = 20
STOP_GRACE = 3.0


class Recorder:
    """Writes what all lanes have to write together: one transaction (one fsync) for many of them.

    Outcomes of retried rows, items parked by the streams, and stream positions queue here; a
    caller awaits its part's commit.
    """

    def __init__(self, worker: "WebhookWorker") -> None:
        self.worker = worker
        self._results: list[Result] = []
        self._parked: list[dict[str, Any]] = []
        self._positions: dict[int, int] = {}
        self._waiting: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()

    async def record(self, results: list[Result]) -> None:
        self._results.extend(results)
        await self._commit()

    async def park(self, rows: list[dict[str, Any]]) -> None:
        self._parked.extend(rows)
        await self._commit()

    async def save_positions(self, positions: dict[int, int]) -> None:
        self._positions.update(positions)
        await self._commit()

    async def _commit(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        self._wake.set()
        await future

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        results, parked, positions, waiting = self._results, self._parked, self._positions, self._waiting
        self._results, self._parked, self._positions, self._waiting = [], [], {}, []
        if not waiting:
            return
        try:
            async with self.worker.db.write() as tx:
                if parked:  # before the outcomes: a row parked and retried in one batch exists when updated
                    await store.insert_deliveries(tx.conn, parked)
                    await store.note_failure(tx.conn, {r["subscription_id"]: (r["last_error"], utcnow())
                                                       for r in parked if r["last_error"]})
                await store.record(tx.conn, results)
                await store.save_positions(tx.conn, self.worker.options.node_id, positions)
        except Exception as exc:
            log.exception("recording webhook outcomes failed; they will be sent again")
            for future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        for future in waiting:
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
        # Hand-over (fan-out, scan) and lane starts take turns: a lane starting sees exactly the events
        # handed over before it (it replays them) and receives every one handed over after.
        self._handover = asyncio.Lock()
        self._fanout_wake = asyncio.Event()
        self._scan_wake = asyncio.Event()
        self._poll_wake = asyncio.Event()
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
                       asyncio.create_task(self._scan_loop(), name="webhook-scan"),
                       asyncio.create_task(self._position_loop(), name="webhook-positions"),
                       asyncio.create_task(self._poll_loop(), name="webhook-poll")]

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
        await self._save_positions(lanes)
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

    def poke(self) -> None:
        """Events were committed elsewhere (the server of a delivery process): read the outbox now."""
        self._poll_wake.set()

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
                async with self._handover:
                    events = self.outbox.unhandled(events)
                    await self._hand_over(events)
                    self.outbox.mark([e.id for e in events if e.id is not None])
            except Exception:
                log.exception("webhook fan-out failed; the next scan retries it")

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
        if not await self._read_outbox():
            self._scan_wake.set()  # a backlog: continue right after this scan
        if time.monotonic() - self._last_prune >= PRUNE_EVERY:
            self._last_prune = time.monotonic()
            await self._prune()

    async def _read_outbox(self, save: bool = True) -> bool:
        """Hand over what the outbox has beyond the cursor; False when pages were left for later."""
        for _ in range(SCAN_PAGES):
            async with self._handover:
                more = await self.outbox.scan(self._hand_over, save=save)
            if not more:
                return True
        return False

    async def _poll_loop(self) -> None:
        while True:
            await self._poll_wake.wait()
            self._poll_wake.clear()
            try:
                if not await self._read_outbox(save=False):  # the scan saves the cursor; no write per poke
                    self._poll_wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the webhook outbox failed; the next scan retries it")

    async def _hand_over(self, events: list[Event]) -> None:
        """Events to the lanes (the fast path's and the scan's one way in)."""
        if any(e.type == TOKEN_REVOKED for e in events):
            await self._refresh_lanes()  # before anything committed after the revocation
        await fan_out(self.db, events, list(self.lanes.values()))

    async def _refresh_lanes(self) -> None:
        async with self.db.read() as conn:
            for lane in self.lanes.values():
                row = await store.subscription(conn, lane.sub.id)
                if row is not None:
                    lane.update(row)
                    if lane.problem:
                        lane.wake()  # its waiting rows are given up now, not at its next look

    async def _position_loop(self) -> None:
        while True:
            await asyncio.sleep(POSITION_EVERY)
            try:
                await self._save_positions(list(self.lanes.values()))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("saving webhook stream positions failed; retrying")

    async def _save_positions(self, lanes: list[Lane]) -> None:
        """Save how far each lane's stream is done; a restart replays the outbox from there."""
        moved = {lane: p for lane in lanes if (p := lane.position_to_save(self.outbox.position)) is not None}
        if moved:
            await self.recorder.save_positions({lane.sub.id: p for lane, p in moved.items()})
            for lane, p in moved.items():
                lane.position = max(lane.position, p)

    async def _renew(self) -> None:
        """Take or renew the leases; start lanes for new subscriptions, stop those no longer held."""
        started = time.monotonic()
        now = utcnow()
        if not self.lanes:  # no write transaction every second on a server nobody subscribed to
            async with self.db.read() as conn:
                self._known = {s.id for s in await store.subscribers(conn)}
            if not self._known:
                return
        share = self.options.share
        async with self.db.write() as tx:
            self._known = {s.id for s in await store.subscribers(tx.conn)}
            held = await store.claim_subscriptions(tx.conn, self.options.node_id, now,
                                                   now + timedelta(seconds=self.options.lease),
                                                   limit=-(-len(self._known) // share) if share > 1 else None)
        if not self._running:
            return
        self._lease_deadline = started + self.options.lease
        rows = {row.id: row for row in held}
        for sub_id in [s for s in self.lanes if s not in rows]:
            await self.lanes.pop(sub_id).stop()
        for sub_id, row in rows.items():
            lane = self.lanes.get(sub_id)
            if lane is None:
                async with self._handover:
                    self.lanes[sub_id] = self._start_lane(row)
            else:
                lane.update(row)

    def _start_lane(self, row: SubscriptionRow) -> Lane:
        """A lane for a subscription taken over: it replays what was handed over before it existed."""
        start = max(row.position or 0, row.since_event_id)
        lane = Lane(self, row, start)
        through = self.outbox.position
        lane.begin(through, self.outbox.handed_beyond(max(start, through)))
        return lane

    async def _prune(self) -> None:
        now = utcnow()
        delivered_before = now - timedelta(hours=self.options.retention_hours)
        failed_before = now - timedelta(hours=self.options.failed_retention_hours)
        for _ in range(20):
            async with self.db.write() as tx:
                removed = await store.prune(tx.conn, delivered_before, failed_before)
            if removed < 5000:
                break
