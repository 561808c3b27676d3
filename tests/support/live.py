"""The real server on a real socket inside the test's event loop (uvicorn), per test.

Cheaper than a subprocess and still real HTTP and real WebSockets; the subprocess
(`tests.support.server_process`) is kept for what needs a process to die (SIGKILL tests).
"""

from __future__ import annotations

import asyncio
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
    uv = uvicorn.Server(config)
    uv.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.get_running_loop().create_task(uv.serve())
    while not uv.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Running(app, port, tls=bool(settings.tls_cert))
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, 15)
