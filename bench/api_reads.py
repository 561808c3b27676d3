"""Public API reads over a big network: 100,000 charge points, 200,000 EVSEs with connectors.

    python bench/api_reads.py                          # SQLite and PostgreSQL, every scenario
    python bench/api_reads.py --db sqlite --seconds 5  # one backend, shorter windows
    python bench/api_reads.py --only cp-read,cp-list-deep --connections 8
    python bench/api_reads.py --profile /tmp/prof      # py-spy the server during each scenario
    python bench/api_reads.py --keep /tmp/big          # keep (and reuse) the seeded SQLite file

The database is filled straight through SQLAlchemy Core in large batches (rows shaped like the
API writes them: every NOT NULL column and the attrs document the resource expects), then the
real server (`python -m cpms serve`) is started on it and driven over real HTTP by load
processes holding concurrent keep-alive connections (a minimal HTTP/1.1 client on asyncio, so
the load costs the 2-core machine little; every scenario's answer is first checked once with
httpx: status, item count, first id).

Scenarios (per_page=100 for every listing):
- cp-read            GET /charge-points/v2.0/{id}, random ids
- cp-list-first      GET /charge-points/v2.0?per_page=100 (cursor style, first page)
- cp-list-deep       GET /charge-points/v2.0?per_page=100&cursor=C, C the server's cursor for an
                     id drawn from 89,500..90,500 (constructed with cpms's own encoder)
- evse20-page        GET /evses/v2.0?per_page=100&page=N, N random in 1..10 (page style, with total)
- evse20-page-deep   the same at page 900 (OFFSET 89,900): what page-style costs deep in a list
- evse21-read        GET /evses/v2.1/{id}, random ids
- evse21-list-first  GET /evses/v2.1?per_page=100 (cursor style, first page)
- evse21-list-conn   GET /evses/v2.1?per_page=100&include[]=connectors

Reported per scenario: requests/s, p50 and p99 latency at the client, server CPU per request,
errors, load average; and the deep/first page ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import describe, machine, speed_ms  # noqa: E402  (bench/, the script's own folder)
TOKEN = "cpms_bench_token_0123456789abcdefghijklmnopqrstuv"
API = "/public-api/resources"
DEEP = 0.9  # how far into the list the deep pages are: charge point id 90,000 of 100,000


def emit(**event: Any) -> None:
    print(json.dumps(event), flush=True)


# == the load process: keep-alive HTTP/1.1 connections ==============================================

class Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time; answers must carry Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        start = head.find(b"content-length:")
        if start < 0:
            self.waiter.set_exception(ConnectionError("answer without content-length"))
            return
        stop = head.find(b"\r\n", start)
        length = int(head[start + 15:stop if stop > 0 else len(head)])
        total = end + 4 + length
        if len(self.buffer) < total:
            return
        body = bytes(self.buffer[end + 4:total])
        del self.buffer[:total]
        self.waiter.set_result((int(head[9:12]), body))

    async def get(self, request: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


def request_bytes(host: str, target: str) -> bytes:
    return (f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Accept: application/json\r\n\r\n").encode()


def targets(scenario: str, charge_points: int, evse_count: int) -> Callable[[], str]:
    """The next request target of a scenario (random where the scenario says so)."""
    from cpms.resources.query import encode_cursor

    cp, ev = f"{API}/charge-points/v2.0", f"{API}/evses"
    pick = random.randint
    deep = int(charge_points * DEEP)
    makers: dict[str, Callable[[], str]] = {
        "cp-read": lambda: f"{cp}/{pick(1, charge_points)}",
        "cp-list-first": lambda: f"{cp}?per_page=100",
        "cp-list-deep": lambda: f"{cp}?per_page=100&cursor={encode_cursor(pick(deep - 500, deep + 500), False)}",
        "evse20-page": lambda: f"{ev}/v2.0?per_page=100&page={pick(1, 10)}",
        "evse20-page-deep": lambda: f"{ev}/v2.0?per_page=100&page={deep // 100}",
        "evse21-read": lambda: f"{ev}/v2.1/{pick(1, evse_count)}",
        "evse21-list-first": lambda: f"{ev}/v2.1?per_page=100",
        "evse21-list-conn": lambda: f"{ev}/v2.1?per_page=100&include[]=connectors",
    }
    return makers[scenario]


async def load(args: argparse.Namespace) -> None:
    """Closed loop: each connection sends its next request as soon as the answer arrived."""
    loop = asyncio.get_running_loop()
    host = f"127.0.0.1:{args.port}"
    next_target = targets(args.scenario, args.charge_points, args.evses)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    done = 0
    start_at, end_at = args.start_at, args.start_at + args.seconds

    async def connection() -> None:
        nonlocal done
        _, conn = await loop.create_connection(Connection, "127.0.0.1", args.port)
        while True:
            request = request_bytes(host, next_target())
            began = time.time()  # the window is wall-clock time, shared by every load process
            if began >= end_at:
                break
            t0 = time.perf_counter()
            status, _ = await conn.get(request)
            took = time.perf_counter() - t0
            if began >= start_at:
                done += 1
                latencies.append(took)
                if status != 200:
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
        assert conn.transport is not None
        conn.transport.close()

    cpu0 = time.process_time()
    await asyncio.gather(*(connection() for _ in range(args.connections)))
    emit(event="result", requests=done, latencies=latencies, errors=statuses,
         client_cpu=time.process_time() - cpu0)


def worker(args: argparse.Namespace) -> None:
    from cpms.loop import run

    run(load(args))


# == seeding: rows straight into the tables ==========================================================

def cp_row(n: int, now: datetime) -> dict[str, Any]:
    """Charge point n as the API stores one created with a name, type, status and network."""
    return {"id": n, "name": f"Bench CP {n:06d}", "type": "public", "status": "enabled",
            "network_id": f"BENCH-{n:06d}", "network_protocol": "ocpp 1.6", "managed_by_operator": True,
            "network_status": "never_connected", "security_profile": 0, "external_id": f"ext-{n}",
            "attrs": {"autoStartWithoutAuthorization": False, "disableAutoStartEmulation": False,
                      "enableAutoFaultRecovery": True, "usesRenewableEnergy": False,
                      "communicationMode": "direct_ocpp", "capabilities": ["remote_start_stop_capable", "meter_values"]},
            "created_at": now, "last_updated_at": now}


def evse_row(evse_id: int, cp_id: int, k: int, now: datetime) -> dict[str, Any]:
    """EVSE k of a charge point as the API stores one created through /evses/v2.1."""
    return {"id": evse_id, "charge_point_id": cp_id, "network_id": str(k), "physical_reference": f"BENCH-{cp_id:06d}-{k}",
            "status": "enabled", "current_type": "ac",
            "attrs": {"powerOptions": {"maxPower": 22000, "maxVoltage": "230", "phases": "three_phase"},
                      "allowsReservation": False},
            "created_at": now, "last_updated_at": now}


def connector_row(evse_id: int, now: datetime) -> dict[str, Any]:
    return {"id": evse_id, "evse_id": evse_id, "number": 1, "type": "type2", "format": "socket", "status": "enabled",
            "attrs": {}, "created_at": now, "last_updated_at": now}


async def seed(url: str, charge_points: int, per_cp: int, batch: int) -> float:
    """Migrate and fill the database; returns the seconds it took."""
    from sqlalchemy import insert, text

    from cpms.storage.db import Database
    from cpms.storage.tables.charge_points import charge_points as cps
    from cpms.storage.tables.charge_points import connectors, evses

    began = time.perf_counter()
    now = datetime.now(timezone.utc)
    db = Database(url)
    await db.migrate()

    def rows(table: Any) -> Any:
        if table is cps:
            return (cp_row(n, now) for n in range(1, charge_points + 1))
        if table is evses:
            return (evse_row((n - 1) * per_cp + k, n, k, now) for n in range(1, charge_points + 1)
                    for k in range(1, per_cp + 1))
        return (connector_row(e, now) for e in range(1, charge_points * per_cp + 1))

    def chunks(table: Any) -> Any:
        chunk: list[dict[str, Any]] = []
        for row in rows(table):
            chunk.append(row)
            if len(chunk) == batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def writer(pending: Any, table: Any) -> None:
        for chunk in pending:
            async with db.write() as tx:
                await tx.conn.execute(insert(table), chunk)

    # PostgreSQL indexes rows in its own processes: two writers keep both cores busy
    writers = 1 if db.is_sqlite else 2
    for table in (cps, evses, connectors):
        pending = chunks(table)
        await asyncio.gather(*(writer(pending, table) for _ in range(writers)))
    async with db.write() as tx:
        if db.is_sqlite:
            await tx.conn.execute(text("ANALYZE"))
        else:
            for table in (cps, evses, connectors):
                await tx.conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                           f"(SELECT max(id) FROM {table.name}))"))
    if db.is_sqlite:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        from cpms.storage import row_counts

        # each seeded row was its own INSERT (the driver's executemany), so each left a row count:
        # fold them as the server's scheduler would, before VACUUM, or every page-style total sums
        # 300,000 rows until autovacuum comes by (a measurement of the seed, not of cpms)
        async with db.write() as tx:
            await row_counts.compact(tx.conn)
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    await db.close()
    return time.perf_counter() - began


def seeded_counts(path: Path) -> tuple[int, int] | None:
    """(charge points, EVSEs) of an existing SQLite file, to reuse it with --keep."""
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(path)) as conn:
        try:
            return (conn.execute("SELECT count(*) FROM charge_points").fetchone()[0],
                    conn.execute("SELECT count(*) FROM evses").fetchone()[0])
        except sqlite3.Error:
            return None


# == the orchestrator ===============================================================================

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python -m cpms serve` on the seeded database."""

    def __init__(self, work: Path, url: str) -> None:
        self.port = free_port()
        self.log = work / "server.log"
        env = {**os.environ, "CPMS_HOST": "127.0.0.1", "CPMS_PORT": str(self.port), "CPMS_DATA_DIR": str(work),
               "CPMS_DATABASE_URL": url, "CPMS_API_TOKEN": TOKEN, "CPMS_LOG_LEVEL": "warning"}
        self.proc = subprocess.Popen([sys.executable, "-m", "cpms", "serve"], env=env, cwd=ROOT,
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/health", timeout=0.5).status_code == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"the server did not start: {self.log.read_text()[-3000:]}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def check(server: Server, scenario: str, args: argparse.Namespace) -> None:
    """One request of the scenario through httpx: it answers 200 with what the scenario expects."""
    import httpx

    target = targets(scenario, args.charge_points, args.charge_points * args.evses_per_cp)()
    answer = httpx.get(server.base + target, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    if answer.status_code != 200:
        raise RuntimeError(f"{scenario}: {target} answered {answer.status_code}: {answer.text[:500]}")
    data = answer.json()["data"]
    if "list" in scenario or "page" in scenario:
        if len(data) != 100:
            raise RuntimeError(f"{scenario}: {target} answered {len(data)} items, not 100")
        if scenario.endswith("deep") and data[0]["id"] < int(args.charge_points * DEEP) - 500:
            raise RuntimeError(f"{scenario}: {target} starts at id {data[0]['id']}, not deep in the list")
        if scenario == "evse21-list-conn" and not data[0].get("connectors"):
            raise RuntimeError(f"{scenario}: no connectors in {data[0]}")


def py_spy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        print("  (no py-spy: pip install py-spy to profile)", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
                             "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise_profile(path: Path, top: int = 25) -> None:
    """The frames the server's samples were in: by self time, and cumulative for cpms's own code."""
    if not path.exists():
        return
    own: dict[str, int] = {}
    cumulative: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for name in set(frames):
            if "cpms/" in name:
                cumulative[name] = cumulative.get(name, 0) + n
    print(f"  profile {path} ({total} samples); self:")
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {n / total:6.1%}  {name}")
    print("  cumulative, cpms frames:")
    for name, n in sorted(cumulative.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {n / total:6.1%}  {name}")


def _frame(leaf: str) -> str:
    name, _, where = leaf.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0].split('site-packages/')[-1].replace(str(ROOT) + '/', '')})" if where else leaf


def measure(server: Server, scenario: str, args: argparse.Namespace, backend: str) -> dict[str, Any]:
    check(server, scenario, args)
    start_at = time.time() + 1.0 + args.warmup
    cmd = [sys.executable, __file__, "_worker", scenario, "--port", str(server.port), "--connections",
           str(args.connections // args.procs), "--seconds", str(args.seconds), "--start-at", str(start_at),
           "--charge-points", str(args.charge_points), "--evses", str(args.charge_points * args.evses_per_cp)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(args.procs)]
    time.sleep(max(0.0, start_at - time.time()))
    cpu0, load0 = server.cpu(), os.getloadavg()[0]
    profiler = py_spy(server.proc.pid, args.seconds, Path(args.profile) / f"{backend}-{scenario}.txt") \
        if args.profile else None
    time.sleep(args.seconds)
    cpu1, load1 = server.cpu(), os.getloadavg()[0]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    requests = 0
    client_cpu = 0.0
    for proc in procs:
        out, _ = proc.communicate()
        result = next((json.loads(line) for line in out.splitlines() if line.startswith("{")), None)
        if result is None:
            raise RuntimeError(f"a load process ended without a result (exit {proc.returncode})")
        latencies += result["latencies"]
        requests += result["requests"]
        client_cpu += result["client_cpu"]
        for status, n in result["errors"].items():
            errors[status] = errors.get(status, 0) + n
    if profiler is not None:
        profiler.wait()
        summarise_profile(Path(args.profile) / f"{backend}-{scenario}.txt")
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"db": backend, "scenario": scenario, "connections": args.connections, "requests": requests,
            "rate": requests / args.seconds, "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99), "max_ms": pct(1.0),
            "server_cpu_ms": (cpu1 - cpu0) / requests * 1000 if requests else None,
            "server_cpu_share": (cpu1 - cpu0) / args.seconds, "client_cpu_share": client_cpu / args.seconds,
            "errors": errors, "loadavg": [round(load0, 2), round(load1, 2)]}


def report(r: dict[str, Any]) -> None:
    errors = sum(r["errors"].values())
    print(f"{r['db']:<9}{r['scenario']:<19}{r['rate']:>8,.0f} req/s  p50 {r['p50_ms']:6.2f} ms  "
          f"p99 {r['p99_ms']:6.2f} ms  server {r['server_cpu_ms']:5.2f} ms cpu/req ({r['server_cpu_share']:.0%})  "
          f"client cpu {r['client_cpu_share']:.0%}  "
          f"load {r['loadavg'][0]:.1f}->{r['loadavg'][1]:.1f}  errors {errors}{' ' + str(r['errors']) if errors else ''}",
          flush=True)


SCENARIOS = ("cp-read", "cp-list-first", "cp-list-deep", "evse20-page", "evse20-page-deep", "evse21-read",
             "evse21-list-first", "evse21-list-conn")


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    pg = None
    here = Path(args.keep) if args.keep and backend == "sqlite" else Path(tempfile.mkdtemp(dir=work))
    here.mkdir(parents=True, exist_ok=True)
    wanted = (args.charge_points, args.charge_points * args.evses_per_cp)
    if backend == "postgres":
        from tests.support.postgres import PostgresServer, find_bin_dir

        if find_bin_dir() is None:
            print("postgres: skipped, no PostgreSQL server binary (pg_ctl) installed", flush=True)
            return []
        pg = PostgresServer()
        pg.start()
        url = pg.url("cpms_bench")
        _create_database(pg.url(), "cpms_bench")
    else:
        url = f"sqlite+aiosqlite:///{here / 'cpms.sqlite3'}"
    try:
        if backend == "sqlite" and seeded_counts(here / "cpms.sqlite3") == wanted:
            print(f"{backend}: reusing {here / 'cpms.sqlite3'}", flush=True)
        else:
            (here / "cpms.sqlite3").unlink(missing_ok=True)
            took = asyncio.run(seed(url, args.charge_points, args.evses_per_cp, args.batch))
            print(f"{backend}: seeded {wanted[0]:,} charge points, {wanted[1]:,} EVSEs and connectors "
                  f"in {took:.1f} s", flush=True)
        server = Server(here, url)
        results = []
        try:
            for scenario in args.only or SCENARIOS:
                results.append(measure(server, scenario, args, backend))
                report(results[-1])
        finally:
            server.stop()
        return results
    finally:
        if pg is not None:
            pg.stop()


def _create_database(server_url: str, name: str) -> None:
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(server_url.replace("+asyncpg", ""))
        await conn.execute(f"CREATE DATABASE {name}")
        await conn.close()

    asyncio.run(create())


def ratios(results: list[dict[str, Any]]) -> None:
    by = {(r["db"], r["scenario"]): r for r in results}
    for db in dict.fromkeys(r["db"] for r in results):
        for deep, first in (("cp-list-deep", "cp-list-first"), ("evse20-page-deep", "evse20-page")):
            a, b = by.get((db, deep)), by.get((db, first))
            if a and b:
                print(f"{db:<9}{deep} / {first}: p50 x{a['p50_ms'] / b['p50_ms']:.2f}  "
                      f"p99 x{a['p99_ms'] / b['p99_ms']:.2f}  req/s x{a['rate'] / b['rate']:.2f}", flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        wp = argparse.ArgumentParser()
        wp.add_argument("scenario")
        for name, kind in (("--port", int), ("--connections", int), ("--seconds", float), ("--start-at", float),
                           ("--charge-points", int), ("--evses", int)):
            wp.add_argument(name, type=kind)
        worker(wp.parse_args(sys.argv[2:]))
        return
    parser = argparse.ArgumentParser(description="Public API reads over a big network.")
    parser.add_argument("--db", default="sqlite,postgres", help="backends (default sqlite,postgres)")
    parser.add_argument("--only", type=lambda s: s.split(","), help=f"scenarios, comma-separated: {','.join(SCENARIOS)}")
    parser.add_argument("--charge-points", type=int, default=100_000)
    parser.add_argument("--evses-per-cp", type=int, default=2)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per insert while seeding")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive connections (default 4)")
    parser.add_argument("--procs", type=int, default=1, help="load processes sharing the connections (default 1)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="load before measuring (default 2)")
    parser.add_argument("--profile", help="directory for py-spy profiles of the server (raw collapsed stacks)")
    parser.add_argument("--keep", help="SQLite: seed into this directory and reuse it when it holds the same network")
    parser.add_argument("--json", help="write every result to this file")
    args = parser.parse_args()
    for name in args.only or ():
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name}")
    context = machine()
    print(f"{describe(context)}; {args.connections} connections in {args.procs} load process(es), "
          f"{args.seconds:g} s per scenario", flush=True)
    work = Path(tempfile.mkdtemp(prefix="cpms-api-reads-"))
    results: list[dict[str, Any]] = []
    try:
        for backend in args.db.split(","):
            results += run_backend(backend, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios(results)
    context["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    context["speed_ms_end"] = speed_ms()
    print(f"CPU speed probe at the end: {context['speed_ms_end']} ms", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": context, "results": results}, indent=2))


if __name__ == "__main__":
    main()
