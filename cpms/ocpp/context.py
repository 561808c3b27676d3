"""What an OCPP handler knows about the charger it is serving."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cpms.ocpp.versions import Version
from cpms.runtime import Runtime

if TYPE_CHECKING:
    from cpms.ocpp.connection import Connection
    from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")


@dataclass
class ChargerContext:
    rt: Runtime
    charge_point_id: int
    identity: str
    version: Version
    connection: "Connection"
    # Work to run after the reply is on the wire (commands to the charger, slow side effects).
    _after: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    # Per-connection memory handlers may use (e.g. evse network id -> evse row id).
    state: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.rt.clock.now()

    async def record(self, write: Callable[["Tx", datetime], Awaitable[Any]]) -> Any:
        """Commit `write(tx, now)` through the group commit before the handler answers the charger."""
        now = self.now()
        return await self.rt.db.batch(lambda tx: write(tx, now))

    def after(self, job: Callable[[], Awaitable[Any]]) -> None:
        """Run `job` once the reply has been sent; calling the charger inside a handler would deadlock."""
        self._after.append(job)

    def run_after(self) -> None:
        jobs, self._after = self._after, []
        for job in jobs:
            task = asyncio.get_running_loop().create_task(_guard(job, self.identity))
            self.connection.tasks.add(task)
            task.add_done_callback(self.connection.tasks.discard)


async def _guard(job: Callable[[], Awaitable[Any]], identity: str) -> None:
    try:
        await job()
    except Exception:
        log.exception("after-reply job failed for %s", identity)
