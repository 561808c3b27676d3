"""The one process: the Public API, the docs and the OCPP endpoint on one port.

`Server` is a plain ASGI application with its own lifespan. Components with background work
(the OCPP gateway, webhook delivery) implement `start()`/`stop()` and are started here.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Protocol

from cpms import heap
from cpms.api import operations
from cpms.api.app import PublicApi
from cpms.api.docs import serve_contract, serve_docs
from cpms.api.responses import send_json
from cpms.clock import Clock
from cpms.config import Settings
from cpms.contract import load_contract
from cpms.runtime import Runtime
from cpms.storage.db import Database
from cpms.tokens import active_token_count, create_token, ensure_token

log = logging.getLogger("cpms")


class Component(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Server:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, announce: Any = None,
                 settle_heap: bool = False) -> None:
        self.settings = settings
        self.settle_heap = settle_heap
        db = Database(settings.effective_database_url, write_batches=settings.db_write_batches)
        self.rt = Runtime(settings=settings, db=db, clock=clock or Clock())
        self.api = PublicApi(self.rt, load_contract(), operations.load())
        self.websocket_handlers: dict[str, Any] = {}
        self.started: list[Component] = []
        self.announce = announce or (lambda text: print(text, file=sys.stderr, flush=True))
        from cpms.components import build_components

        self.components: list[Component] = build_components(self)

    async def startup(self) -> None:
        db = self.rt.db
        await db.migrate()
        now = self.rt.clock.now()
        if self.settings.api_token:
            await ensure_token(db, self.settings.api_token, now)
        else:
            async with db.read() as conn:
                count = await active_token_count(conn)
            if count == 0:
                _, token = await create_token(db, "first-start", now)
                self.announce(
                    "\n  No API token existed, so cpms created one. It is shown only this once:\n\n"
                    f"    {token}\n\n"
                    "  Use it as 'Authorization: Bearer <token>'. Manage tokens with 'cpms token list|create|revoke'.\n"
                )
        await self.rt.bus.start()
        for component in self.components:
            await component.start()
            self.started.append(component)

    async def shutdown(self) -> None:
        for component in reversed(self.started):
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %r failed", component)
        self.started.clear()
        await self.rt.bus.stop()
        await self.rt.db.close()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path.startswith("/public-api/"):
                if path == "/public-api/openapi.json":
                    await serve_contract(send)
                    return
                await self.api(scope, receive, send)
                return
            if await serve_docs(path, send):
                return
            if path in ("/", "/health"):
                await send_json(send, 200, {"status": "ok", "name": "cpms", "contract": load_contract().version,
                                            "docs": "/docs", "openapi": "/public-api/openapi.json"})
                return
            await send_json(send, 404, {"message": f"The route {path} could not be found."})
        elif kind == "websocket":
            for prefix, handler in self.websocket_handlers.items():
                if scope["path"].startswith(prefix):
                    await handler(scope, receive, send)
                    return
            await send({"type": "websocket.close", "code": 4404})
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                if self.settle_heap:
                    heap.settle()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return
