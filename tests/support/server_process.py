"""The real server, as its own process, for end-to-end tests over real HTTP and WebSockets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.postgres import free_port


class ServerProcess:
    def __init__(self, database_url: str, data_dir: Path, token: str | None, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.token = token
        self.extra_env = env or {}
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {**self.env(), "CPMS_LOG_LEVEL": "warning", **self.extra_env}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "cpms", "serve"], env=env, stdout=log, stderr=log,
                                     cwd=Path(__file__).resolve().parents[2])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.base_url + "/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"server did not start in {timeout}s:\n{self.log()}")

    def env(self) -> dict[str, str]:
        """The environment of this server's process, for a CLI command run beside it.

        Without a token (`None`) CPMS_API_TOKEN is left out, as on a first start by hand.
        """
        env = {k: v for k, v in os.environ.items() if k != "CPMS_API_TOKEN"}
        env.update({"CPMS_HOST": "127.0.0.1", "CPMS_PORT": str(self.port),
                    "CPMS_DATA_DIR": str(self.data_dir), "CPMS_DATABASE_URL": self.database_url})
        if self.token is not None:
            env["CPMS_API_TOKEN"] = self.token
        return env

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()


@asynccontextmanager
async def served(databases: Any, data_dir: Path, token: str | None,
                 env: dict[str, str] | None = None) -> AsyncIterator[ServerProcess]:
    """The real server on a fresh database of this run's backend; stopped and the database released after."""
    url = await databases.fresh()
    proc = ServerProcess(url, data_dir, token, env)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
        await databases.release(url)
