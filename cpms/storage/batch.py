"""Group commit: writes submitted while a commit is in flight share the next transaction.

OCPP traffic is many small writes (a MeterValues is one insert) that must each be durable
before the charger gets its answer. Committing each alone costs an fsync per message; here a
single writer takes every job waiting at that moment, runs each inside its own savepoint (one
failing job does not undo the others), commits once, and only then answers every submitter.
Under light load a batch is one job and nothing waits; under heavy load batches grow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cpms.storage.db import Database, Tx

T = TypeVar("T")
Job = Callable[["Tx"], Awaitable[Any]]
log = logging.getLogger("cpms.storage")


class WriteBatcher:
    def __init__(self, db: "Database", max_batch: int = 256) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Job, asyncio.Future[Any]]] | None = None
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, job: Callable[["Tx"], Awaitable[T]]) -> T:
        """Run `job(tx)` in a shared transaction; returns after that transaction committed."""
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((job, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        results: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            async with self.db.write() as tx:
                for job, future in batch:
                    if future.cancelled():
                        continue
                    savepoint = await tx.conn.begin_nested()
                    emitted = len(tx.events)
                    try:
                        value = await job(tx)
                    except Exception as exc:  # this job only; the others go on
                        await savepoint.rollback()
                        del tx.events[emitted:]
                        results.append((future, False, exc))
                    else:
                        await savepoint.commit()
                        results.append((future, True, value))
        except Exception as exc:
            log.exception("group commit of %d writes failed", len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, ok, value in results:
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except (asyncio.CancelledError, Exception):
                pass
