"""Webhooks: domain changes in, signed notifications acknowledged by a receiver, with 10 subscriptions.

    python bench/webhooks.py                         # SQLite, every scenario
    python bench/webhooks.py --db postgres           # on a private PostgreSQL server
    python bench/webhooks.py --scenario feed --rate-events 1000 --seconds 10
    python bench/webhooks.py --events 3000 --clients 16 --subscriptions 10
    python bench/webhooks.py --scenario feed --processes 1   # delivery in a process of its own

The real server (`python -m cpms serve`) runs on a fresh database with N subscriptions to
`chargePoint.changed`, each pointing at its own path of one receiver (a raw asyncio protocol in
its own process, uvloop: a few microseconds per request, so that it is never the bottleneck).
Every change of a charge point is one event and N webhooks; 100 charge points.

Scenarios:
- live   domain changes are real API writes (PATCH /charge-points/v2.0/{id}) from C keep-alive
         clients as fast as the server answers, E events in all; the clock runs from the first
         PATCH to the receiver's last acknowledgement. Bounded by what a PATCH costs the server.
- feed   the server runs inside this process (the same Server object `cpms serve` runs, without
         HTTP in front) and domain changes are made in it at a steady R events/s for S seconds:
         each a charge point row update and its chargePoint.changed event, submitted the way OCPP
         handlers submit their writes (one `db.batch` job each, group-committed). The webhook path
         is the normal one (on_commit, fan-out, lanes). The clock runs from the first change to
         the last acknowledgement; the CPU is this process's, the changes' own cost included.
- drain  the receiver is down while E events are made through the API (deliveries pile up,
         retries back off), then comes back; the clock runs from its return to the last
         acknowledgement: how fast a backlog is delivered.

Reported: events/s (changes fully delivered to every subscription per second), webhooks/s,
latency from the change (the payload's lastUpdatedAt: when the PATCH was handled, or the
event's commit time) to the receiver's acknowledgement (p50, p99, max), the server's CPU in
all and per webhook, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpms.loop import run as run_loop  # noqa: E402
from machine import machine  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402

TOKEN = "cpms_bench_token_0123456789abcdefghijklmnopqrstuv"
CPS = "/public-api/resources/charge-points/v2.0"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
CHARGE_POINTS = 100


class ReceiverProcess:
    """The bench receiver (`--receiver`) in its own process; stats() asks it for its numbers."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--receiver", str(self.port)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = json.loads(self.proc.stdout.readline())["port"]

    def stats(self, full: bool = True) -> dict[str, Any]:
        """The receiver's numbers; `full=False` only counts (polling must not cost the receiver a core)."""
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write("full\n" if full else "count\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stop(self) -> None:
        if self.proc:
            assert self.proc.stdin
            self.proc.stdin.close()
            self.proc.wait(10)
            self.proc = None


async def patcher(port: int, ids: list[int], count: int, counter: list[int]) -> None:
    """PATCHes over one keep-alive connection with a minimal HTTP/1.1 client."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n in range(count):
            cp = ids[(counter[0] + n) % len(ids)]
            body = json.dumps({"name": f"CP {cp} {time.time_ns()}"}).encode()
            writer.write(f"PATCH {CPS}/{cp} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {TOKEN}\r\n"
                         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"PATCH answered {head[:40]!r}")
            counter[0] += 1
    finally:
        writer.close()


async def changes(port: int, ids: list[int], events: int, clients: int) -> None:
    counter = [0]
    share = [events // clients + (1 if i < events % clients else 0) for i in range(clients)]
    await asyncio.gather(*(patcher(port, ids, n, counter) for n in share if n))


class _Hook(asyncio.Protocol):
    """One receiver connection: answers 202 to every complete request, notes when it arrived and its stamp."""

    def __init__(self, arrivals: list[tuple[float, bytes]]) -> None:
        self.arrivals = arrivals
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        answers = 0
        now = time.time()
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            at = head.find(b"\r\ncontent-length:")
            length = int(head[at + 17:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            total = end + 4 + length
            if len(buffer) < total:
                break
            body = buffer[end + 4:total]
            stamp = body.find(b'"lastUpdatedAt":"')
            self.arrivals.append((now, body[stamp + 17:body.find(b'"', stamp + 17)] if stamp >= 0 else b""))
            buffer = buffer[total:]
            answers += 1
        self.buffer = buffer
        if answers and self.transport is not None:
            self.transport.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n" * answers)


def receiver_stats(arrivals: list[tuple[float, bytes]]) -> dict[str, Any]:
    """Count, first and last arrival, and the delay from each payload's lastUpdatedAt to its arrival."""
    from datetime import datetime

    delays = sorted(at - datetime.fromisoformat(stamp.decode().replace("Z", "+00:00")).timestamp()
                    for at, stamp in arrivals if stamp)

    def pct(p: float) -> float | None:
        return round(delays[min(len(delays) - 1, int(p * len(delays)))], 4) if delays else None

    return {"count": len(arrivals), "first": min((a for a, _ in arrivals), default=None),
            "last": max((a for a, _ in arrivals), default=None), "p50": pct(0.50), "p99": pct(0.99),
            "max": round(delays[-1], 4) if delays else None}


async def serve_receiver(port: int) -> None:
    """The receiver program: serves until stdin closes, one JSON line of stats per line read."""
    arrivals: list[tuple[float, bytes]] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Hook(arrivals), "127.0.0.1", port, reuse_address=True, backlog=1024)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        answer = {"count": len(arrivals)} if line.strip() == "count" else receiver_stats(arrivals)
        print(json.dumps(answer), flush=True)
    server.close()


async def feed(db: Any, ids: list[int], rate: float, seconds: float, per_job: int = 1) -> int:
    """Commit `rate` charge point changes a second for `seconds`: each a row update and its event, submitted
    like OCPP handlers submit theirs (one `db.batch` job each, group-committed), or `per_job` changes
    of different charge points in one job (as bulk handlers such as MeterValues write)."""
    from datetime import datetime, timezone

    from sqlalchemy import bindparam, update

    from cpms.events import Event
    from cpms.storage.tables.charge_points import charge_points

    async def change(first: int, count: int) -> None:
        cps = [ids[n % len(ids)] for n in range(first, first + count)]

        async def job(tx: Any) -> None:
            now = datetime.now(timezone.utc)
            if count == 1:
                await tx.conn.execute(update(charge_points).where(charge_points.c.id == cps[0])
                                      .values(name=f"CP {cps[0]} {first}", last_updated_at=now))
            else:
                await tx.conn.execute(update(charge_points).where(charge_points.c.id == bindparam("cp"))
                                      .values(name=bindparam("nm"), last_updated_at=now),
                                      [{"cp": cp, "nm": f"CP {cp} {first}"} for cp in cps])
            await tx.emit_many([Event("chargePoint.changed", "chargePoint", cp, {"action": "updated"}, now)
                                for cp in cps])

        await db.batch(job)

    total, made = int(rate * seconds), 0
    pending: list[asyncio.Task[None]] = []
    started = time.monotonic()
    while made < total:
        due = min(total, int((time.monotonic() - started) * rate) + 1)
        due = min(total, made + (due - made) // per_job * per_job) if due < total else due
        pending += [asyncio.create_task(change(n, min(per_job, due - n))) for n in range(made, due, per_job)]
        made = due
        await asyncio.sleep(0.005)
    await asyncio.gather(*pending)
    return total


async def run_feed(args: argparse.Namespace, url: str, workdir: Path, receiver: ReceiverProcess) -> dict[str, Any]:
    """The feed scenario: the server in this process (no HTTP in the way), its webhooks to the receiver."""
    from cpms.config import Settings
    from cpms.server import Server
    from tests.support.postgres import free_port

    env = {**os.environ, "CPMS_DATA_DIR": str(workdir / "data"), "CPMS_DATABASE_URL": url, "CPMS_API_TOKEN": TOKEN,
           "CPMS_PORT": str(free_port()), **webhook_env(args)}
    server = Server(Settings.from_env(env), announce=lambda _text: None)
    await server.startup()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server), base_url="http://bench",
                                     headers=HEADERS, timeout=30) as api:
            ids = await setup(api, args, receiver)
        await feed(server.rt.db, ids, 20, 1.0)  # warm-up
        warm = (await asyncio.to_thread(wait_for, receiver, 20 * args.subscriptions, 60))["count"]
        helpers = getattr(server.rt.component("webhooks"), "pids", list)()  # delivery processes, if any
        cpu0, started = time.process_time() + sum(map(cpu_seconds, helpers)), time.time()
        events = await feed(server.rt.db, ids, args.rate_events, args.seconds, args.per_job)
        stats = await asyncio.to_thread(wait_for, receiver, warm + events * args.subscriptions, args.timeout)
        return {"events": events, "warm": warm, "started": started, "stats": stats,
                "cpu": time.process_time() + sum(map(cpu_seconds, helpers)) - cpu0}
    finally:
        await server.shutdown()


async def setup(api: Any, args: argparse.Namespace, receiver: ReceiverProcess) -> list[int]:
    """100 charge points and the subscriptions, through the API (an httpx client, sync or async)."""
    async def call(method: str, path: str, body: dict[str, Any]) -> Any:
        response = api.request(method, path, json=body)
        return await response if asyncio.iscoroutine(response) else response

    ids = []
    for n in range(CHARGE_POINTS):
        ids.append((await call("POST", CPS, {"name": f"CP {n}", "type": "public", "status": "enabled"})).json()
                   ["data"]["id"])
    for n in range(args.subscriptions):
        created = await call("POST", "/public-api/notifications/v2.0", {
            "via": "webhook", "notifications": ["chargePoint.changed"],
            "webhook": {"callbackUrl": f"http://127.0.0.1:{receiver.port}/s{n}"}})
        assert created.status_code == 201, created.text
    return ids


def webhook_env(args: argparse.Namespace) -> dict[str, str]:
    return {"CPMS_WEBHOOK_RATE": str(args.rate), "CPMS_WEBHOOK_PROCESSES": str(args.processes), "CPMS_WEBHOOK_BACKOFF": "0.05", "CPMS_WEBHOOK_BACKOFF_MAX": "0.2",
            "CPMS_WEBHOOK_MAX_ATTEMPTS": "100000",  # the drain keeps the receiver down longer than 12 quick retries
            "CPMS_LOG_LEVEL": "warning"}


def wait_for(receiver: ReceiverProcess, count: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while receiver.stats(full=False)["count"] < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return receiver.stats()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and its children (the server and its delivery processes)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children)


def database(kind: str, workdir: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / 'cpms.sqlite3'}", None
    from tests.support.postgres import PostgresServer

    pg = PostgresServer()
    pg.start()
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(pg.url().replace("+asyncpg", ""))
        await conn.execute("CREATE DATABASE cpms_bench")
        await conn.close()

    asyncio.run(create())
    return pg.url("cpms_bench"), pg


def run(args: argparse.Namespace, scenario: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="cpms-bench-webhooks-"))
    url, pg = database(args.db, workdir)
    receiver = ReceiverProcess()
    receiver.start()
    server: ServerProcess | None = None
    try:
        if scenario == "feed":
            fed = run_loop(run_feed(args, url, workdir, receiver))
            events, warm, started, stats, cpu = fed["events"], fed["warm"], fed["started"], fed["stats"], fed["cpu"]
        else:
            server = ServerProcess(url, workdir / "data", TOKEN, env=webhook_env(args))
            server.start(timeout=120)
            with httpx.Client(base_url=server.base_url, headers=HEADERS, timeout=30) as api:
                ids = asyncio.run(setup(api, args, receiver))
            asyncio.run(changes(server.port, ids, 20, 4))  # warm-up
            warm = wait_for(receiver, 20 * args.subscriptions, 60)["count"]
            events = args.events
            assert server.proc is not None
            cpu0 = tree_cpu_seconds(server.proc.pid)
            if scenario == "drain":
                receiver_port = receiver.port
                receiver.stop()
                asyncio.run(changes(server.port, ids, events, args.clients))
                time.sleep(1.0)  # the fan-out has queued everything; lanes are backing off
                receiver = ReceiverProcess(receiver_port)
                receiver.start()
                warm = 0
                started = time.time()
            else:
                started = time.time()
                asyncio.run(changes(server.port, ids, events, args.clients))
            stats = wait_for(receiver, warm + events * args.subscriptions, args.timeout)
            cpu = tree_cpu_seconds(server.proc.pid) - cpu0
        delivered = stats["count"] - warm
        elapsed = (stats["last"] or started) - started
        result = {
            "scenario": scenario, "db": args.db, "subscriptions": args.subscriptions, "events": events,
            "offered_events_per_s": args.rate_events if scenario == "feed" else None,
            "webhooks_expected": events * args.subscriptions,
            "webhooks_delivered": delivered, "seconds": round(elapsed, 2),
            "events_per_s": round(delivered / args.subscriptions / elapsed, 1) if elapsed > 0 else None,
            "webhooks_per_s": round(delivered / elapsed, 1) if elapsed > 0 else None,
            "latency_p50_s": stats["p50"], "latency_p99_s": stats["p99"], "latency_max_s": stats["max"],
            "server_cpu_s": round(cpu, 2),
            "server_cpu_ms_per_webhook": round(cpu * 1000 / delivered, 3) if delivered else None,
            "loadavg": os.getloadavg(),
        }
        if scenario == "drain":
            result.pop("latency_p50_s"), result.pop("latency_p99_s"), result.pop("latency_max_s")
        return result
    finally:
        if server is not None:
            server.stop()
        receiver.stop()
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scenario", choices=("live", "feed", "drain", "all"), default="all")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--rate", type=float, default=5000.0, help="per-subscription rate limit (deliveries/s)")
    parser.add_argument("--rate-events", type=float, default=1000.0, help="feed: events committed per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="feed: for how long")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--per-job", type=int, default=1, help="feed: changes per db.batch job (bulk writers)")
    parser.add_argument("--processes", type=int, default=0, help="CPMS_WEBHOOK_PROCESSES: delivery processes")
    parser.add_argument("--receiver", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver is not None:
        _run_receiver(args.receiver)
        return
    print(json.dumps({"machine": machine()}), flush=True)
    for scenario in (("live", "feed", "drain") if args.scenario == "all" else (args.scenario,)):
        print(json.dumps(run(args, scenario)), flush=True)


def _run_receiver(port: int) -> None:
    run_loop(serve_receiver(port))


if __name__ == "__main__":
    main()
