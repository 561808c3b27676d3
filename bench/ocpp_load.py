"""The OCPP gateway under load: chargers in a separate process speaking raw OCPP-J frames.

    python bench/ocpp_load.py                       # every scenario at its default size
    python bench/ocpp_load.py heartbeats --connections 200 --seconds 10
    python bench/ocpp_load.py meter-values --db sqlite,postgres
    python bench/ocpp_load.py idle --connections 10000
    python bench/ocpp_load.py reconnect --connections 5000
    python bench/ocpp_load.py heartbeats --profile /tmp/prof   # py-spy the server while it is measured

Scenarios:
- heartbeats: N connections send Heartbeat back to back, against cpms (`python -m cpms serve` on a
  temporary data dir; schema validation is always on) and against the `ocpp` package's own
  central system (bench/plain_ocpp_central.py), one after the other in the same run.
- meter-values: N chargers with an open transaction send MeterValues back to back; the rows
  persisted per second are counted in the database (SQLite, and PostgreSQL started privately
  with fsync on, so both are as durable as cpms promises).
- idle: N chargers connect, boot and stay idle; server RSS per connection = (RSS - baseline) / N.
- reconnect: N connected chargers lose their connections at once and reconnect at once; the time
  until every one is accepted and booted again.

Reported: connections held, messages/s, p50/p99 round trip, server CPU per message, server RSS,
errors. The load process uses uvloop when installed; both processes lift their open-files limit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOKEN = "cpms_bench_token_0123456789abcdefghijklmnopqrstuv"
PREFIX = "BENCH-"


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def emit(**event: Any) -> None:
    print(json.dumps(event), flush=True)


# == the load process: raw OCPP-J over a minimal RFC 6455 client ====================================

try:
    from websockets.speedups import apply_mask  # C
except ImportError:  # pragma: no cover
    def apply_mask(data: bytes, mask: bytes) -> bytes:
        n = len(data)
        key = (mask * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class Refused(Exception):
    pass


class Wire(asyncio.Protocol):
    """One charger: the upgrade handshake, masked text frames out, pings answered, CALLs matched."""

    def __init__(self, host: str, path: str, subprotocol: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                        f"Sec-WebSocket-Protocol: {subprotocol}\r\n\r\n").encode()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.ids = itertools.count(1)
        self.buf = bytearray()
        self.open = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError("closed"))
        self.pending.clear()
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.open:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[:end]).split(b" ", 2)[1]
            del self.buf[:end + 4]
            if status != b"101":
                self.opened.set_exception(Refused(f"HTTP {status.decode()}"))
                self.transport.close()  # type: ignore[union-attr]
                return
            self.open = True
            self.opened.set_result(None)
        buf = self.buf
        while len(buf) >= 2:
            length, pos = buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, pos = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, pos = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < pos + length:
                return
            opcode, payload = buf[0] & 0x0F, bytes(buf[pos:pos + length])
            del buf[:pos + length]
            if opcode in (1, 2):
                self.on_message(payload)
            elif opcode == 9:
                self.send(payload, 0xA)
            elif opcode == 8:
                if self.open:
                    self.send(payload[:2], 0x8)
                self.open = False
                self.transport.close()  # type: ignore[union-attr]

    def send(self, payload: bytes, opcode: int = 1) -> None:
        n = len(payload)
        if n < 126:
            header = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            header = bytes((0x80 | opcode, 0xFE)) + n.to_bytes(2, "big")
        else:
            header = bytes((0x80 | opcode, 0xFF)) + n.to_bytes(8, "big")
        mask = random.getrandbits(32).to_bytes(4, "big")
        self.transport.write(header + mask + apply_mask(payload, mask))  # type: ignore[union-attr]

    def on_message(self, payload: bytes) -> None:
        frame = orjson.loads(payload)
        if frame[0] == 2:  # the server asks something: we are load, not a charger
            self.send(orjson.dumps([4, frame[1], "NotImplemented", "load generator", {}]))
            return
        future = self.pending.pop(frame[1], None)
        if future is not None and not future.done():
            if frame[0] == 3:
                future.set_result(frame[2])
            else:
                future.set_exception(RuntimeError(f"CALLERROR {frame[2]}: {frame[3]}"))

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 60.0) -> Any:
        if not self.open:
            raise ConnectionError("not connected")
        unique_id = str(next(self.ids))
        future = asyncio.get_running_loop().create_future()
        self.pending[unique_id] = future
        self.send(orjson.dumps([2, unique_id, action, payload]))
        timer = asyncio.get_running_loop().call_later(timeout, _expire, future)
        try:
            return await future
        finally:
            timer.cancel()
            self.pending.pop(unique_id, None)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError("no answer"))


BOOT = {"chargePointVendor": "cpms-bench", "chargePointModel": "Load"}
Message = Callable[[], tuple[str, dict[str, Any]]]  # the next (action, payload) a charger sends


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.host, _, rest = args.url.removeprefix("ws://").partition("/")
        self.base_path = "/" + rest.strip("/") if rest.strip("/") else ""
        self.errors: dict[str, int] = {}
        self.rtts: list[float] = []
        self.messages = 0
        self.measuring = False

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def connect(self, n: int) -> Wire:
        host, port = self.host.split(":")
        identity = f"{PREFIX}{n:05d}"
        wire = Wire(self.host, f"{self.base_path}/{identity}", "ocpp1.6")
        await asyncio.get_running_loop().create_connection(lambda: wire, host, int(port))
        await wire.opened
        return wire

    async def connect_and_boot(self, n: int, gate: asyncio.Semaphore | None = None) -> Wire | None:
        try:
            if gate is None:
                wire = await self.connect(n)
                answer = await wire.call("BootNotification", BOOT)
            else:
                async with gate:
                    wire = await self.connect(n)
                    answer = await wire.call("BootNotification", BOOT)
        except Exception as exc:
            self.error(f"connect: {type(exc).__name__}: {str(exc)[:60]}")
            return None
        if answer.get("status") != "Accepted":
            self.error(f"boot {answer.get('status')}")
        return wire

    async def connect_all(self, count: int, concurrency: int) -> list[Wire]:
        gate = asyncio.Semaphore(concurrency) if concurrency else None
        wires = await asyncio.gather(*(self.connect_and_boot(n, gate) for n in range(1, count + 1)))
        return [w for w in wires if w is not None]

    async def back_to_back(self, wire: Wire, until: float, call: Message) -> None:
        loop = asyncio.get_running_loop()
        clock = time.perf_counter
        while loop.time() < until:
            action, payload = call()
            began = clock()
            try:
                await wire.call(action, payload)
            except Exception as exc:
                self.error(f"{action}: {str(exc)[:60]}")
                if not wire.open:
                    return
                continue
            if self.measuring:
                self.messages += 1
                self.rtts.append(clock() - began)

    async def measured(self, wires: list[Wire], make: Callable[[int], Message]) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + self.args.warmup + self.args.seconds
        runs = [asyncio.ensure_future(self.back_to_back(w, until, make(i))) for i, w in enumerate(wires)]
        await asyncio.sleep(self.args.warmup)
        self.measuring, began, cpu = True, time.perf_counter(), time.process_time()
        emit(event="measure-start")
        await asyncio.sleep(self.args.seconds)
        self.measuring, elapsed, cpu = False, time.perf_counter() - began, time.process_time() - cpu
        emit(event="measure-end")
        await asyncio.gather(*runs)
        self.result(connections=sum(1 for w in wires if w.open), seconds=elapsed, rate=self.messages / elapsed,
                    client_cpu_us_per_msg=cpu / self.messages * 1e6 if self.messages else None)

    def result(self, **values: Any) -> None:
        rtts = sorted(self.rtts)
        pick = (lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))] * 1000) if rtts else (lambda q: None)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        emit(event="result", messages=self.messages, p50_ms=pick(0.50), p99_ms=pick(0.99), errors=self.errors,
             client_cpu_s=usage.ru_utime + usage.ru_stime, client_rss_kb=usage.ru_maxrss, **values)

    # -- scenarios ----------------------------------------------------------------------------------

    async def heartbeats(self) -> None:
        wires = await self.connect_all(self.args.connections, 200)
        emit(event="connected", n=len(wires))
        await self.measured(wires, lambda i: lambda: ("Heartbeat", {}))

    async def meter_values(self) -> None:
        wires = await self.connect_all(self.args.connections, 200)
        emit(event="connected", n=len(wires))
        base = datetime(2030, 1, 1, tzinfo=timezone.utc)
        transactions = []
        for i, wire in enumerate(wires):
            try:
                answer = await wire.call("StartTransaction", {"connectorId": 1, "idTag": f"BENCHTAG{i + 1:05d}",
                                                              "meterStart": 0, "timestamp": base.isoformat()})
                transactions.append(answer["transactionId"])
            except Exception as exc:
                self.error(f"StartTransaction: {str(exc)[:80]}")
                transactions.append(None)

        def make(i: int) -> Message:
            tick = itertools.count(1)

            def next_reading() -> tuple[str, dict[str, Any]]:
                n = next(tick)
                moment = (base + timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
                return "MeterValues", {"connectorId": 1, "transactionId": transactions[i], "meterValue": [
                    {"timestamp": moment, "sampledValue": [
                        {"value": str(n * 3), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"}]}]}
            return next_reading

        live = [(w, t) for w, t in zip(wires, transactions) if t is not None]
        wires = [w for w, _ in live]
        transactions = [t for _, t in live]
        await self.measured(wires, make)

    async def idle(self) -> None:
        began = time.perf_counter()
        wires = await self.connect_all(self.args.connections, 500)
        emit(event="connected", n=len(wires), seconds=time.perf_counter() - began)
        await asyncio.sleep(self.args.hold)
        self.result(connections=sum(1 for w in wires if w.open), connect_seconds=None)

    async def reconnect(self) -> None:
        wires = await self.connect_all(self.args.connections, 500)
        emit(event="connected", n=len(wires))
        await asyncio.sleep(2)
        began = time.perf_counter()
        for wire in wires:
            wire.abort()
        await asyncio.gather(*(w.closed for w in wires))
        again = await self.connect_all(self.args.connections, 0)
        elapsed = time.perf_counter() - began
        emit(event="reconnected", n=len(again), seconds=elapsed)
        await asyncio.sleep(2)
        self.result(connections=sum(1 for w in again if w.open), storm_seconds=elapsed, reconnected=len(again))


def worker(args: argparse.Namespace) -> None:
    raise_open_files()
    load = Load(args)
    job = {"heartbeats": load.heartbeats, "meter-values": load.meter_values, "idle": load.idle,
           "reconnect": load.reconnect}[args.scenario]
    try:
        import uvloop
        uvloop.run(job())
    except ImportError:
        asyncio.run(job())


# == the orchestrator: servers, seeding, sampling, report ===========================================

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    return {"cpu": model, "cores": os.cpu_count(), "python": sys.version.split()[0],
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


async def _seed(url: str, count: int) -> None:
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
             "network_protocol": "ocpp 1.6", "managed_by_operator": True, "network_status": "never_connected",
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


async def _count(url: str, table: str) -> int:
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


def start_cpms(work: Path, db_url: str, count: int, ws: str | None = None) -> Target:
    asyncio.run(_seed(db_url, count))
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


def run_load(scenario: str, target: Target, args: argparse.Namespace,
             hooks: dict[str, Callable[[dict[str, Any]], None]]) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "_worker", scenario, "--url", target.ws, "--connections", str(args.connections),
           "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--hold", str(args.hold)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    result: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            event = json.loads(line)
        except ValueError:
            print(line, end="", file=sys.stderr)
            continue
        if event["event"] in hooks:
            hooks[event["event"]](event)
        if event["event"] == "result":
            result = event
    proc.wait()
    if not result:
        raise RuntimeError(f"the load process ended without a result (exit {proc.returncode})")
    return result


def py_spy(pid: int, seconds: float, out: Path, args: argparse.Namespace) -> subprocess.Popen[bytes] | None:
    exe = args.py_spy or shutil.which("py-spy")
    if not exe:
        print("  (no py-spy: install it or pass --py-spy PATH to profile)", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
                             "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise_profile(path: Path, top: int = 15) -> None:
    """Where the server's samples were: the frames they were in (self), the heaviest first."""
    if not path.exists():
        return
    frames: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.split(";")[-1]
        name, _, where = leaf.partition(" (")
        leaf = f"{name} ({where.rsplit(':', 1)[0].split('site-packages/')[-1]})" if where else leaf
        frames[leaf] = frames.get(leaf, 0) + int(count)
        total += int(count)
    print(f"  profile {path} ({total} samples), by frame:")
    for leaf, count in sorted(frames.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {count / total:6.1%}  {leaf}")


def measure_throughput(scenario: str, target: Target, args: argparse.Namespace,
                       rows: Callable[[], int] | None = None, profile_name: str | None = None) -> dict[str, Any]:
    marks: dict[str, Any] = {}
    profiler: list[Any] = []

    def start(_: dict[str, Any]) -> None:
        marks["cpu0"], marks["t0"] = target.cpu(), time.perf_counter()
        marks["load0"] = os.getloadavg()[0]
        if rows:
            marks["rows0"] = rows()
        if args.profile and profile_name:
            profiler.append(py_spy(target.proc.pid, args.seconds, Path(args.profile) / f"{profile_name}.txt", args))

    def end(_: dict[str, Any]) -> None:
        marks["cpu1"], marks["t1"] = target.cpu(), time.perf_counter()
        marks["load1"] = os.getloadavg()[0]
        if rows:
            marks["rows1"] = rows()
        marks["rss"] = target.rss()

    result = run_load(scenario, target, args, {"measure-start": start, "measure-end": end})
    for p in profiler:
        if p is not None:
            p.wait()
            summarise_profile(Path(args.profile) / f"{profile_name}.txt")
    elapsed = marks["t1"] - marks["t0"]
    server_cpu = marks["cpu1"] - marks["cpu0"]
    per_msg = server_cpu / result["messages"] if result["messages"] else None
    result.update(capacity=1 / per_msg if per_msg else None, server_cpu_share=server_cpu / elapsed,
                  server_cpu_us_per_msg=server_cpu / result["messages"] * 1e6 if result["messages"] else None,
                  server_rss_mb=marks["rss"] / 2**20, loadavg=(marks["load0"], marks["load1"]))
    if rows:
        # rows counted at the window's edges, a little after the load process's own marks
        result["rows_per_s"] = (marks["rows1"] - marks["rows0"]) / elapsed
    return result


# == scenarios =======================================================================================

def sqlite_url(work: Path) -> str:
    return f"sqlite+aiosqlite:///{work / 'cpms.sqlite3'}"


def scenario_heartbeats(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    results = []
    for name in ("cpms", "ocpp package"):
        if args.only and not name.startswith(args.only):
            continue
        here = Path(tempfile.mkdtemp(dir=work))
        if name == "cpms":
            target = start_cpms(here, sqlite_url(here), args.connections, args.server_ws)
        else:
            target = start_plain(here)
        try:
            result = measure_throughput("heartbeats", target, args, profile_name=f"heartbeats-{name.split()[0]}")
        finally:
            target.stop()
        label = f"cpms ({args.server_ws})" if name == "cpms" and args.server_ws else name
        results.append({"scenario": "heartbeats", "target": label, **result})
        report(results[-1])
    return results


def scenario_meter_values(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    results = []
    for backend in args.db.split(","):
        here = Path(tempfile.mkdtemp(dir=work))
        pg = None
        if backend == "postgres":
            pg = DurablePostgres()
            pg.start()
            url = pg.database("bench")
        else:
            url = sqlite_url(here)
        target = start_cpms(here, url, args.connections, args.server_ws)
        try:
            result = measure_throughput("meter-values", target, args,
                                        rows=lambda: asyncio.run(_count(url, "meter_values")),
                                        profile_name=f"meter-values-{backend}")
        finally:
            target.stop()
            if pg is not None:
                pg.stop()
        results.append({"scenario": "meter-values", "target": f"cpms on {backend}", **result})
        report(results[-1])
    return results


def scenario_idle(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    here = Path(tempfile.mkdtemp(dir=work))
    target = start_cpms(here, sqlite_url(here), args.connections, args.server_ws)
    marks: dict[str, Any] = {}
    try:
        time.sleep(2)
        marks["baseline"] = target.rss()

        def connected(event: dict[str, Any]) -> None:
            marks["connect_seconds"] = event.get("seconds")
            time.sleep(min(5.0, args.hold / 2))
            marks["rss"] = target.rss()
            marks["cpu0"], marks["t0"] = target.cpu(), time.perf_counter()

        result = run_load("idle", target, args, {"connected": connected})
        marks["idle_cpu_share"] = (target.cpu() - marks["cpu0"]) / (time.perf_counter() - marks["t0"])
        marks["rss_end"] = target.rss()
    finally:
        target.stop()
    held = result["connections"]
    per = (marks["rss"] - marks["baseline"]) / max(held, 1)
    out = {"scenario": "idle", "target": "cpms", **result, "baseline_rss_mb": marks["baseline"] / 2**20,
           "server_rss_mb": marks["rss"] / 2**20, "rss_kb_per_connection": per / 1024,
           "rss_end_mb": marks["rss_end"] / 2**20, "connect_seconds": marks["connect_seconds"],
           "idle_server_cpu_share": marks["idle_cpu_share"], "loadavg": os.getloadavg()[:2]}
    report(out)
    return [out]


def scenario_reconnect(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    here = Path(tempfile.mkdtemp(dir=work))
    target = start_cpms(here, sqlite_url(here), args.connections, args.server_ws)
    try:
        result = run_load("reconnect", target, args, {})
    finally:
        target.stop()
    out = {"scenario": "reconnect", "target": "cpms", **result, "loadavg": os.getloadavg()[:2]}
    report(out)
    return [out]


SCENARIOS = {"heartbeats": (scenario_heartbeats, 200), "meter-values": (scenario_meter_values, 200),
             "idle": (scenario_idle, 10_000), "reconnect": (scenario_reconnect, 5_000)}


def report(r: dict[str, Any]) -> None:
    def num(key: str, fmt: str = "{:,.0f}") -> str:
        value = r.get(key)
        return fmt.format(value) if isinstance(value, (int, float)) else "-"

    errors = sum(r.get("errors", {}).values())
    line = f"{r['scenario']:<13} {r['target']:<18} connections {r.get('connections', 0):>6,}  "
    if r["scenario"] in ("heartbeats", "meter-values"):
        line += (f"{num('rate')} msg/s  p50 {num('p50_ms', '{:.2f}')} ms  p99 {num('p99_ms', '{:.2f}')} ms  "
                 f"server cpu {num('server_cpu_us_per_msg')} us/msg ({num('server_cpu_share', '{:.0%}')} of a core; "
                 f"{num('capacity')} msg/s per core)  "
                 f"load cpu {num('client_cpu_us_per_msg')} us/msg  ")
        if "rows_per_s" in r:
            line += f"rows {num('rows_per_s')}/s  "
    elif r["scenario"] == "idle":
        line += (f"rss {num('baseline_rss_mb', '{:.0f}')} -> {num('server_rss_mb', '{:.0f}')} MB = "
                 f"{num('rss_kb_per_connection', '{:.1f}')} KB/connection  connected in "
                 f"{num('connect_seconds', '{:.1f}')} s  ")
    else:
        line += f"reconnected {r.get('reconnected', 0):,} in {num('storm_seconds', '{:.1f}')} s  "
    line += f"errors {errors}" + (f" {r['errors']}" if errors else "")
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="The OCPP gateway under load.")
    parser.add_argument("scenario", nargs="?", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--connections", type=int, help="chargers (default per scenario: 200, 200, 10000, 5000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="load before measuring (default 3)")
    parser.add_argument("--hold", type=float, default=40.0, help="idle: how long to hold the connections (default 40)")
    parser.add_argument("--db", default="sqlite,postgres", help="meter-values backends (default sqlite,postgres)")
    parser.add_argument("--profile", help="directory for py-spy profiles of the server (raw collapsed stacks)")
    parser.add_argument("--py-spy", help="path to py-spy")
    parser.add_argument("--json", help="write every result to this file")
    parser.add_argument("--server-ws", help="what-if: run cpms with this uvicorn WebSocket implementation "
                                            "(websockets-sansio, websockets, wsproto) instead of its own choice")
    parser.add_argument("--only", choices=("cpms", "ocpp"), help="heartbeats: measure one target only")
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        wp = argparse.ArgumentParser()
        wp.add_argument("scenario")
        for name, kind in (("--url", str), ("--connections", int), ("--seconds", float), ("--warmup", float),
                           ("--hold", float)):
            wp.add_argument(name, type=kind)
        worker(wp.parse_args(sys.argv[2:]))
        return
    args = parser.parse_args()
    raise_open_files()
    context = machine()
    print(f"{context['cpu']}, {context['cores']} cores, Python {context['python']}, "
          f"load average {context['loadavg']}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="cpms-bench-"))
    results = []
    try:
        for name in (SCENARIOS if args.scenario == "all" else [args.scenario]):
            run, default = SCENARIOS[name]
            scenario_args = argparse.Namespace(**{**vars(args), "connections": args.connections or default})
            results.extend(run(scenario_args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    context["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": context, "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
