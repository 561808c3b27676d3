"""The message bus between components, and between nodes when there are several.

In one process the bus is a set of in-memory queues. Across nodes the same interface is served
by a real engine (PostgreSQL LISTEN/NOTIFY); callers never know which they talk to.
Messages are small JSON-able dicts; durable facts live in the database, the bus only wakes
listeners up and carries commands to the node that holds a charger's connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Bus(Protocol):
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, channel: str, handler: Handler) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessBus:
    """Delivers each message to every handler of its channel, in order, without blocking publishers."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers[channel].append(handler)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(channel, ())):
            try:
                await handler(message)
            except Exception:  # one listener's bug must not break the publisher
                log.exception("bus handler failed on channel %s", channel)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
