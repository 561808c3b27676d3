"""Group commit: writes submitted while a commit is in flight share the next transaction.

OCPP traffic is many small writes (a MeterValues is one insert) that must each be durable
before the charger gets its answer. Committing each alone costs an fsync per message; here a
single writer takes every job waiting at that moment, commits once, and only then answers every
submitter. Under light load a batch is one job and nothing waits; under heavy load batches grow.

Two kinds of work share a batch, in the order they were submitted:
- a job, `job(tx)`, runs alone inside its own savepoint (one failing job does not undo the others);
- an item of a bulk function, `bulk(tx, items) -> results`: consecutive items of the same bulk
  function run as one call in one savepoint, so the statements of a batch do not grow with its
  size (one multi-row insert for all readings, say). If that call fails, each item is retried
  alone in its own savepoint, and only the item that fails again gets the error.

On PostgreSQL two batches may be in flight at once (`in_flight`), so that one batch is prepared
while the server works on the other. What keeps that safe is the *key* a writer may give its
write (the charge point it is about): a batch starts beside another only if none of its keys is
held by the one in flight, and a write without a key starts only when nothing else is in flight
(and nothing starts beside it). Writes are taken in submission order and a batch ends at the
first write that may not start yet, so the writes of one key, and every write without one,
commit in the order they were submitted, exactly as with one batch at a time. SQLite writes one
transaction at a time anyway: it keeps `in_flight` 1.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cpms.storage.db import Database, Tx

T = TypeVar("T")
Job = Callable[["Tx"], Awaitable[Any]]
Bulk = Callable[["Tx", list[Any]], Awaitable[list[Any]]]
log = logging.getLogger("cpms.storage")


@dataclass(slots=True)
class _Entry:
    job: Job | None
    bulk: Bulk | None
    item: Any
    future: asyncio.Future[Any]
    key: Hashable | None


class WriteBatcher:
    def __init__(self, db: "Database", max_batch: int = 512, in_flight: int = 1) -> None:
        self.db = db
        self.max_batch = max_batch
        self.in_flight = in_flight
        self._waiting: deque[_Entry] = deque()
        self._wake: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        # the keys each batch in flight holds (None: it holds everything)
        self._flights: dict[asyncio.Task[None], frozenset[Hashable] | None] = {}

    async def submit(self, job: Callable[["Tx"], Awaitable[T]], key: Hashable | None = None) -> T:
        """Run `job(tx)` in a shared transaction; returns after that transaction committed."""
        return await self._enqueue(job, None, None, key)

    async def submit_bulk(self, bulk: Bulk, item: Any, key: Hashable | None = None) -> Any:
        """Run `item` as one of the items of `bulk(tx, items)`; its result, after the commit."""
        return await self._enqueue(None, bulk, item, key)

    async def _enqueue(self, job: Job | None, bulk: Bulk | None, item: Any, key: Hashable | None) -> Any:
        loop = asyncio.get_running_loop()
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.append(_Entry(job, bulk, item, future, key))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting and len(self._flights) < self.in_flight:
                batch, keys = self._take()
                if not batch:
                    break  # the first write waiting must wait for a batch in flight
                flight = loop.create_task(self._commit(batch))
                self._flights[flight] = keys
                flight.add_done_callback(self._landed)

    def _take(self) -> tuple[list[_Entry], frozenset[Hashable] | None]:
        """The writes that may start now, from the first waiting on; and the keys they hold."""
        held: set[Hashable] = set()
        for keys in self._flights.values():
            if keys is None:
                return [], None
            held.update(keys)
        batch: list[_Entry] = []
        keys: set[Hashable] | None = set()
        while self._waiting and len(batch) < self.max_batch:
            entry = self._waiting[0]
            if entry.key is None:
                if self._flights:
                    break
                keys = None
            elif entry.key in held:
                break
            elif keys is not None:
                keys.add(entry.key)
            batch.append(self._waiting.popleft())
        return batch, None if keys is None else frozenset(keys)

    def _landed(self, flight: asyncio.Task[None]) -> None:
        self._flights.pop(flight, None)
        if self._wake is not None:
            self._wake.set()

    async def _commit(self, batch: list[_Entry]) -> None:
        results: list[tuple[asyncio.Future[Any], bool, Any]] = []
        runs = _runs([e for e in batch if not e.future.cancelled()])
        try:
            if runs and not await self._optimistic(runs, results):
                await self._in_savepoints(runs, results)
        except Exception as exc:
            log.exception("group commit of %d writes failed", len(batch))
            for entry in batch:
                if not entry.future.done():
                    entry.future.set_exception(exc)
            return
        for future, ok, value in results:
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    async def _in_savepoints(self, runs: list[list[_Entry]],
                             results: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
        async with self.db.write() as tx:
            for run in runs:
                bulk = run[0].bulk
                if bulk is None:
                    for entry in run:
                        assert entry.job is not None
                        await self._attempt(tx, entry.job, [entry], results)
                    continue
                if await self._attempt(tx, _call(bulk, [e.item for e in run]), run, results) or len(run) == 1:
                    continue
                log.info("a bulk write of %d items failed; retrying them one by one", len(run))
                for entry in run:
                    await self._attempt(tx, _call(bulk, [entry.item]), [entry], results)

    async def _optimistic(self, runs: list[list[_Entry]], results: list[tuple[asyncio.Future[Any], bool, Any]]) -> bool:
        """Run the whole batch without savepoints: two round trips fewer per job, and jobs rarely fail.

        If any work fails, the transaction is rolled back whole and False sends the batch through
        savepoints, where each job's failure is its own (the jobs run again; the database saw
        nothing of the first pass). A batch of one job just gets its error.
        """
        staged: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            async with self.db.write() as tx:
                for run in runs:
                    try:
                        if run[0].bulk is None:
                            for entry in run:
                                assert entry.job is not None
                                staged.append((entry.future, True, await entry.job(tx)))
                        else:
                            values = await _call(run[0].bulk, [e.item for e in run])(tx)
                            staged.extend((e.future, True, v) for e, v in zip(run, values, strict=True))
                    except Exception as exc:
                        raise _Failed(exc) from exc
        except _Failed as failed:
            if len(runs) == 1 and len(runs[0]) == 1:
                results.append((runs[0][0].future, False, failed.error))
                return True
            log.info("a batch of %d writes failed; running them again one savepoint each",
                     sum(len(run) for run in runs))
            return False
        results.extend(staged)
        return True

    @staticmethod
    async def _attempt(tx: "Tx", job: Job, entries: list[_Entry],
                       results: list[tuple[asyncio.Future[Any], bool, Any]]) -> bool:
        """Run `job` in a savepoint; record its outcome for `entries` (one value each when several)."""
        savepoint = await tx.conn.begin_nested()
        emitted = len(tx.events)
        try:
            value = await job(tx)
        except Exception as exc:  # this job only; the others go on
            await savepoint.rollback()
            del tx.events[emitted:]
            if len(entries) == 1 or entries[0].bulk is None:
                results.extend((e.future, False, exc) for e in entries)
            return False
        await savepoint.commit()
        if entries[0].bulk is None:
            results.append((entries[0].future, True, value))
        else:
            results.extend((e.future, True, v) for e, v in zip(entries, value, strict=True))
        return True

    async def stop(self) -> None:
        for task in [self._runner, *self._flights]:
            if task is None:
                continue
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass


class _Failed(Exception):
    """The work of a batch failed (not its commit): roll back, then answer or retry."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _runs(entries: list[_Entry]) -> list[list[_Entry]]:
    """Consecutive entries of the same bulk function together; plain jobs in runs of their own kind."""
    runs: list[list[_Entry]] = []
    for entry in entries:
        if runs and runs[-1][0].bulk == entry.bulk:
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return runs


def _call(bulk: Bulk, items: list[Any]) -> Job:
    async def job(tx: "Tx") -> list[Any]:
        return await bulk(tx, items)
    return job
