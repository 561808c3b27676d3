"""The scheduler component: every few seconds, sweeps what time makes due (cpms.domain.deadlines) and
folds the row counts written since (cpms.storage.row_counts)."""

from __future__ import annotations

import asyncio
import logging

from cpms.domain import deadlines
from cpms.runtime import Runtime
from cpms.storage import row_counts

log = logging.getLogger("cpms.scheduler")


class Scheduler:
    def __init__(self, rt: Runtime, interval: float = 5.0) -> None:
        self.rt = rt
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def tick(self) -> None:
        async with self.rt.db.write() as tx:
            await deadlines.expire_due(tx, self.rt.clock.now(), self.rt.settings)
        if not self.rt.db.is_sqlite:  # SQLite keeps one row per table already
            async with self.rt.db.write() as tx:
                await row_counts.compact(tx.conn)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.tick()
            except Exception:
                log.exception("deadline sweep failed; trying again in %.0fs", self.interval)
