"""The servers bench/ocpp_load.py measures: cpms (`python -m cpms serve`, seeded directly in its
database), the `ocpp` package's own central system, and a durable private PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ocpp_common import PREFIX, ROOT, TOKEN, raise_open_files

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def seed(url: str, count: int, protocol: str = "1.6") -> None:
    """N charge points (one EVSE, one connector each) and N id tags, written directly."""
    from sqlalchemy import insert, select

    from cpms.storage.db import Database
    from cpms.storage.tables.charge_points import charge_points, connectors, evses
    from cpms.storage.tables.users import id_tags

    now = datetime.now(timezone.utc)
    db = Database(url)
    await db.migrate()
    stamps = {"attrs": {}, "created_at": now, "last_updated_at": now}
    async with db.write() as tx:
        await tx.conn.execute(insert(charge_points), [
            {"name": f"Bench {n}", "type": "public", "status": "enabled", "network_id": f"{PREFIX}{n:05d}",
             "network_protocol": f"ocpp {protocol}", "managed_by_operator": True, "network_status": "never_connected",
             "security_profile": 0, **stamps} for n in range(1, count + 1)])
        ids = [row.id for row in await tx.conn.execute(select(charge_points.c.id).order_by(charge_points.c.id))]
        await tx.conn.execute(insert(evses), [
            {"charge_point_id": cp, "network_id": "1", "physical_reference": f"B-{cp}", "status": "enabled",
             "current_type": "ac", **stamps} for cp in ids])
        evse_ids = [row.id for row in await tx.conn.execute(select(evses.c.id).order_by(evses.c.id))]
        await tx.conn.execute(insert(connectors), [
            {"evse_id": e, "number": 1, "type": "type2", "format": "socket", "status": "enabled", **stamps}
            for e in evse_ids])
        await tx.conn.execute(insert(id_tags), [
            {"uid": f"BENCHTAG{n:05d}", "status": "enabled", "type": "rfid", **stamps} for n in range(1, count + 1)])
    await db.close()


async def count_rows(url: str, table: str) -> int:
    from sqlalchemy import text

    from cpms.storage.db import Database

    db = Database(url)
    try:
        async with db.read() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    finally:
        await db.close()


class Target:
    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int, ws: str, log: Path) -> None:
        self.name, self.port, self.ws = name, port, ws
        self.log = log
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                                     preexec_fn=raise_open_files)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                time.sleep(0.5)
                return
            time.sleep(0.1)
        raise TimeoutError(f"{name} did not start: {log.read_text()[-3000:]}")

    @property
    def process(self) -> Any:
        import psutil

        return psutil.Process(self.proc.pid)

    def rss(self) -> int:
        return self.process.memory_info().rss

    def cpu(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        problems = [line for line in text.splitlines() if "ERROR" in line or "Error" in line]
        if problems:
            print(f"  {self.name} logged {len(problems)} error lines, the first: {problems[:3]}; "
                  f"last lines of {self.log}:\n    " + "\n    ".join(text.splitlines()[-12:]), file=sys.stderr)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# `cpms serve` with another uvicorn WebSocket implementation: a what-if, to measure the choice.
WS_SWAP = """import sys, uvicorn
class Config(uvicorn.Config):
    def __init__(self, *args, **kwargs):
        kwargs["ws"] = sys.argv[1]
        super().__init__(*args, **kwargs)
uvicorn.Config = Config
from cpms.cli import main
sys.exit(main(["serve"]))"""


def start_cpms(work: Path, db_url: str, count: int, ws: str | None = None, protocol: str = "1.6") -> Target:
    asyncio.run(seed(db_url, count, protocol))
    port = free_port()
    env = {**os.environ, "CPMS_HOST": "127.0.0.1", "CPMS_PORT": str(port), "CPMS_DATA_DIR": str(work),
           "CPMS_DATABASE_URL": db_url, "CPMS_API_TOKEN": TOKEN, "CPMS_LOG_LEVEL": "warning"}
    cmd = [sys.executable, "-m", "cpms", "serve"] if not ws else [sys.executable, "-c", WS_SWAP, ws]
    return Target("cpms", cmd, env, port, f"ws://127.0.0.1:{port}/ocpp", work / "server.log")


def start_plain(work: Path) -> Target:
    port = free_port()
    return Target("ocpp package", [sys.executable, str(ROOT / "bench" / "plain_ocpp_central.py"), "--port", str(port)],
                  dict(os.environ), port, f"ws://127.0.0.1:{port}", work / "plain.log")


class DurablePostgres:
    """A private PostgreSQL like the test suite's, but durable (fsync on) like cpms's SQLite."""

    def __init__(self) -> None:
        from tests.support.postgres import PostgresServer

        self.server = PostgresServer()

    def start(self) -> None:
        s = self.server
        s._run(str(s.bin_dir / "initdb"), "-D", str(s.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = f"-p {s.port} -k {s.dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
        s._run(str(s.bin_dir / "pg_ctl"), "-D", str(s.data), "-o", options, "-w", "-l", str(s.dir / "log"), "start")

    def database(self, name: str) -> str:
        import asyncpg

        async def create() -> None:
            conn = await asyncpg.connect(self.server.url().replace("+asyncpg", ""))
            await conn.execute(f"CREATE DATABASE {name}")
            await conn.close()

        asyncio.run(create())
        return self.server.url(name)

    def stop(self) -> None:
        self.server.stop()
