"""Webhooks: domain changes in, signed notifications acknowledged by a receiver, with 10 subscriptions.

    python bench/webhooks.py                         # SQLite, both scenarios
    python bench/webhooks.py --db postgres           # on a private PostgreSQL server
    python bench/webhooks.py --events 3000 --clients 16 --subscriptions 10

The real server (`python -m cpms serve`) runs on a fresh database with N subscriptions to
`chargePoint.changed`, each pointing at its own path of one receiver (tests/support/receiver.py,
its own process, uvloop). Domain changes are real API writes (PATCH /charge-points/v2.0/{id}
over keep-alive connections from a minimal asyncio HTTP client, so the load costs the 2-core
machine little), spread over 100 charge points. Every change is one event and N webhooks.

Scenarios:
- live   C clients PATCH as fast as the server answers, E events in all; the clock runs from the
         first PATCH to the receiver's last acknowledgement.
- drain  the receiver is down while E events are made (deliveries pile up, retries back off),
         then comes back; the clock runs from its return to the last acknowledgement: how fast
         a backlog is delivered, without the API in the way.

Reported: events/s (changes fully delivered to every subscription per second), webhooks/s,
latency from the change (the payload's lastUpdatedAt, taken when the PATCH is handled) to the
receiver's acknowledgement (p50, p99, max), the server's CPU, and the load average.
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

from tests.support.server_process import ServerProcess  # noqa: E402

TOKEN = "cpms_bench_token_0123456789abcdefghijklmnopqrstuv"
CPS = "/public-api/resources/charge-points/v2.0"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
CHARGE_POINTS = 100


class ReceiverProcess:
    """tests/support/receiver.py in its own process; stats() asks it for its numbers."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.receiver", str(self.port)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = json.loads(self.proc.stdout.readline())["port"]

    def stats(self) -> dict[str, Any]:
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write("\n")
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


def wait_for(receiver: ReceiverProcess, count: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stats = receiver.stats()
        if stats["count"] >= count or time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    env = {"CPMS_WEBHOOK_RATE": str(args.rate), "CPMS_WEBHOOK_BACKOFF": "0.05", "CPMS_WEBHOOK_BACKOFF_MAX": "0.2",
           "CPMS_WEBHOOK_MAX_ATTEMPTS": "100000",  # the drain keeps the receiver down longer than 12 quick retries
           "CPMS_LOG_LEVEL": "warning"}
    server = ServerProcess(url, workdir / "data", TOKEN, env=env)
    server.start(timeout=120)
    try:
        with httpx.Client(base_url=server.base_url, headers=HEADERS, timeout=30) as api:
            ids = [api.post(CPS, json={"name": f"CP {n}", "type": "public", "status": "enabled"}).json()["data"]["id"]
                   for n in range(CHARGE_POINTS)]
            for n in range(args.subscriptions):
                created = api.post("/public-api/notifications/v2.0", json={
                    "via": "webhook", "notifications": ["chargePoint.changed"],
                    "webhook": {"callbackUrl": f"http://127.0.0.1:{receiver.port}/s{n}"}})
                assert created.status_code == 201, created.text
        asyncio.run(changes(server.port, ids, 20, 4))  # warm-up
        warm = wait_for(receiver, 20 * args.subscriptions, 60)["count"]
        expected = warm + args.events * args.subscriptions
        assert server.proc is not None
        cpu0 = cpu_seconds(server.proc.pid)
        if scenario == "drain":
            receiver_port = receiver.port
            receiver.stop()
            asyncio.run(changes(server.port, ids, args.events, args.clients))
            time.sleep(1.0)  # the fan-out has queued everything; lanes are backing off
            receiver = ReceiverProcess(receiver_port)
            receiver.start()
            warm = 0
            expected = args.events * args.subscriptions
            started = time.time()
        else:
            started = time.time()
            asyncio.run(changes(server.port, ids, args.events, args.clients))
        stats = wait_for(receiver, expected, args.timeout)
        cpu = cpu_seconds(server.proc.pid) - cpu0
        delivered = stats["count"] - warm
        elapsed = (stats["last"] or started) - started
        result = {
            "scenario": scenario, "db": args.db, "subscriptions": args.subscriptions, "events": args.events,
            "clients": args.clients, "webhooks_expected": args.events * args.subscriptions,
            "webhooks_delivered": delivered, "seconds": round(elapsed, 2),
            "events_per_s": round(delivered / args.subscriptions / elapsed, 1) if elapsed > 0 else None,
            "webhooks_per_s": round(delivered / elapsed, 1) if elapsed > 0 else None,
            "latency_p50_s": stats["p50"], "latency_p99_s": stats["p99"], "latency_max_s": stats["max"],
            "server_cpu_s": round(cpu, 2), "loadavg": os.getloadavg(),
        }
        if scenario == "drain":
            result.pop("latency_p50_s"), result.pop("latency_p99_s"), result.pop("latency_max_s")
        return result
    finally:
        server.stop()
        receiver.stop()
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scenario", choices=("live", "drain", "both"), default="both")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1000.0, help="per-subscription rate limit (deliveries/s)")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                  "loadavg_before": os.getloadavg()}}), flush=True)
    for scenario in (("live", "drain") if args.scenario == "both" else (args.scenario,)):
        print(json.dumps(run(args, scenario)), flush=True)


if __name__ == "__main__":
    main()
