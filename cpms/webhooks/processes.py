"""Webhook delivery in processes of its own (`CPMS_WEBHOOK_PROCESSES=N`), for a core of its own.

Signing and POSTing thousands of notifications a second costs a core by itself; in the server's
process it competes with the API and the OCPP gateway for one interpreter. With N > 0 the server
runs no delivery itself: it starts N delivery processes (`python -m cpms.webhooks.processes`),
each an ordinary webhook node on the same database (leases spread the subscriptions over them,
as over the nodes of a cluster), and pokes them through their stdin whenever events commit, so
they look at the outbox at once instead of waiting for their next scan. A process that exits is
started again; when the server stops, their stdin closes and they stop cleanly (positions saved,
leases released). They also stop when the server dies, because their stdin closes then too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

from cpms.config import Settings
from cpms.events import Event
from cpms.runtime import Runtime

log = logging.getLogger("cpms.webhooks")

POKE_EVERY = 0.005  # at most one poke per child in this many seconds: commits are coalesced
RESTART_AFTER = 1.0


def child_env(settings: Settings, index: int) -> dict[str, str]:
    """The environment of delivery process `index`: the server's settings, its own node id."""
    env = {**os.environ, **settings.extra}
    count = env.get("CPMS_WEBHOOK_PROCESSES") or "1"
    env.update(CPMS_DATABASE_URL=settings.effective_database_url, CPMS_DATA_DIR=str(settings.data_dir),
               CPMS_TENANT=settings.tenant, CPMS_PORT=str(settings.port), CPMS_WEBHOOK_PROCESSES="0",
               CPMS_WEBHOOK_SHARE=count)
    if settings.secret_key:
        env["CPMS_SECRET_KEY"] = settings.secret_key
    from cpms.webhooks.options import Options

    env["CPMS_NODE_ID"] = f"{Options.from_settings(settings).node_id}/delivery-{index}"
    return env


class _Child:
    def __init__(self, index: int, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.proc: asyncio.subprocess.Process | None = None
        self.poked = False

    async def spawn(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cpms.webhooks.processes", stdin=asyncio.subprocess.PIPE,
            env=child_env(self.settings, self.index))

    def poke(self, line: bytes) -> None:
        proc = self.proc
        if proc is not None and proc.stdin is not None and proc.returncode is None:
            try:
                proc.stdin.write(line)
            except (BrokenPipeError, ConnectionResetError, RuntimeError):
                pass

    async def stop(self, grace: float) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            proc.kill()
            await proc.wait()


class DeliveryProcesses:
    """The server's side: start, poke, supervise and stop the delivery processes."""

    name = "webhooks"

    def __init__(self, rt: Runtime, count: int) -> None:
        self.rt = rt
        self.children = [_Child(i, rt.settings) for i in range(count)]
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._running = False

    def pids(self) -> list[int]:
        return [c.proc.pid for c in self.children if c.proc is not None]

    async def start(self) -> None:
        self.rt.components[self.name] = self
        self._running = True
        for child in self.children:
            await child.spawn()
        self.rt.db.on_commit(self._on_commit)
        self._tasks = [asyncio.create_task(self._poker(), name="webhook-poker"),
                       *(asyncio.create_task(self._supervise(c), name=f"webhook-process-{c.index}")
                         for c in self.children)]

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(c.stop(grace=15.0) for c in self.children))
        self.rt.components.pop(self.name, None)

    def kick(self, sub_id: int | None = None) -> None:
        """A subscription changed: the processes take a full look now (leases, settings)."""
        for child in self.children:
            child.poke(b"kick\n")

    async def _on_commit(self, events: list[Event]) -> None:
        if self._running and events:
            self._wake.set()

    async def _poker(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            for child in self.children:
                child.poke(b"\n")
            await asyncio.sleep(POKE_EVERY)

    async def _supervise(self, child: _Child) -> None:
        while self._running:
            assert child.proc is not None
            code = await child.proc.wait()
            if not self._running:
                return
            log.error("webhook delivery process %d exited with %s; starting it again", child.index, code)
            await asyncio.sleep(RESTART_AFTER)
            await child.spawn()


async def serve_child() -> None:
    """A delivery process: a webhook node poked through stdin; stdin closing means stop."""
    from cpms.storage.db import Database
    from cpms.webhooks.delivery import WebhookWorker

    settings = Settings.from_env()
    logging.basicConfig(level=os.environ.get("CPMS_LOG_LEVEL", "info").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = Database(settings.effective_database_url)
    rt = Runtime(settings=settings, db=db)
    worker = WebhookWorker(rt)
    await worker.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            if line == b"kick\n":
                worker.kick()
            else:
                worker.poke()
    finally:
        await worker.stop()
        await db.close()


if __name__ == "__main__":
    from cpms.loop import run

    run(serve_child())
