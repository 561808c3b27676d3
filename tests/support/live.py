"""The real server on a real socket inside the test's event loop (uvicorn), per test.

Cheaper than a subprocess and still real HTTP and real WebSockets; the subprocess
(`tests.support.server_process`) is kept for what needs a process to die (SIGKILL tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn

from cpms.config import Settings
from cpms.server import Server
from tests.support.postgres import free_port


@dataclass
class Running:
    server: Server
    port: int
    tls: bool = False

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}/ocpp"


class _Uvicorn(uvicorn.Server):
    """uvicorn as `cpms serve` runs it, but told to stop rather than polled.

    uvicorn looks at `should_exit` every 0.1 s and then sleeps 0.1 s more for connections to
    drain: 0.2 s of every test that runs a server, minutes over the suite. Here the main loop wakes
    on `exit()` and shutdown takes the same steps in the same order, looking every few ms.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    def exit(self) -> None:
        self.should_exit = True
        self._exit.set()

    async def main_loop(self) -> None:
        while not await self.on_tick(0):  # counter 0: the Date header is refreshed on every tick
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), 1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        while (self.server_state.connections or self.server_state.tasks) and not self.force_exit:
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Running]:
    port = free_port()
    settings = settings.with_(host="127.0.0.1", port=port)
    app = Server(settings, announce=lambda _text: None)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", ws="websockets-sansio",
                            ws_ping_interval=settings.ocpp_ping_interval, ws_ping_timeout=settings.ocpp_ping_timeout,
                            log_level="warning", access_log=False,
                            # TLS as `cpms serve` sets it up from CPMS_TLS_CERT/_KEY/_CLIENT_CA
                            ssl_certfile=settings.tls_cert, ssl_keyfile=settings.tls_key,
                            ssl_ca_certs=settings.tls_client_ca,
                            ssl_cert_reqs=ssl.CERT_REQUIRED if settings.tls_client_ca else ssl.CERT_NONE)
    uv = _Uvicorn(config)
    uv.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.get_running_loop().create_task(uv.serve())
    while not uv.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Running(app, port, tls=bool(settings.tls_cert))
    finally:
        uv.exit()
        await asyncio.wait_for(task, 15)
