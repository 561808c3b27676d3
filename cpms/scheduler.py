"""The scheduler component: sweeps what time makes due (cpms.domain.deadlines) every few seconds."""

from __future__ import annotations

import asyncio
import logging

from cpms.domain import deadlines
from cpms.runtime import Runtime

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

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.tick()
            except Exception:
                log.exception("deadline sweep failed; trying again in %.0fs", self.interval)
