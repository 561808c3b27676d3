"""Public API reads in process: a digest of the answers, the statements and the CPU each costs.

    python bench/api_digest.py --url sqlite+aiosqlite:////tmp/apiseed-f1/cpms.sqlite3
    python bench/api_digest.py --url URL --rounds 200 --only cp-list-first,evse20-page

Calls the ASGI application of a `Server` directly (no sockets, no uvicorn) on a database seeded
by `bench/api_reads.py`, for a fixed set of requests: every scenario of that bench with fixed ids
and pages, v1.0 charge points, include[] and filter variants. For each it prints the sha256 of
the answer's body (the check that a change to the read path keeps answers byte-identical: run it
before and after, compare), the SQL statements one request runs, and with `--rounds N` the
process CPU per request (every thread: the SQLite driver's included), min and median of N.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOKEN = "cpms_bench_token_0123456789abcdefghijklmnopqrstuv"
CP, CP1, EV = "/public-api/resources/charge-points/v2.0", "/public-api/resources/charge-points/v1.0", \
    "/public-api/resources/evses"


def _cursor(key: int, previous: bool = False) -> str:
    from cpms.resources.query import encode_cursor

    return encode_cursor(key, previous)


def targets() -> dict[str, str]:
    """Name -> request target; fixed, so that two runs ask exactly the same."""
    return {
        "cp-read": f"{CP}/43210",
        "cp-read-include": f"{CP}/77?include[]=lastBootNotification&include[]=chargingProfile",
        "cp-list-first": f"{CP}?per_page=100",
        "cp-list-deep": f"{CP}?per_page=100&cursor={_cursor(90_000)}",
        "cp-list-prev": f"{CP}?per_page=100&cursor={_cursor(50_000, True)}",
        "cp-list-include": f"{CP}?per_page=100&include[]=lastBootNotification&include[]=chargingProfile",
        "cp-list-filter": f"{CP}?per_page=100&filter[networkId]=BENCH-000123",
        "cp-list-last": f"{CP}?per_page=100&cursor={_cursor(99_950)}",
        "cp-evses": f"{CP}/4242/evses?include[]=connectors",
        "cp1-read": f"{CP1}/4321",
        "cp1-page": f"{CP1}?per_page=100&page=2",
        "cp1-cursor": f"{CP1}?per_page=100&cursor={_cursor(60_000)}",
        "evse20-read": f"{EV}/v2.0/12345",
        "evse20-page": f"{EV}/v2.0?per_page=100&page=3",
        "evse20-page-deep": f"{EV}/v2.0?per_page=100&page=900",
        "evse20-page-filter": f"{EV}/v2.0?per_page=100&page=2&filter[evseStatus]=active",
        "evse20-cursor": f"{EV}/v2.0?per_page=100&cursor={_cursor(150_000)}",
        "evse21-read": f"{EV}/v2.1/54321",
        "evse21-read-include": f"{EV}/v2.1/54321?include[]=connectors&include[]=chargingProfile",
        "evse21-list-first": f"{EV}/v2.1?per_page=100",
        "evse21-list-conn": f"{EV}/v2.1?per_page=100&include[]=connectors",
        "evse21-list-all": f"{EV}/v2.1?per_page=100&include[]=connectors&include[]=chargingProfile"
                           f"&include[]=externalAppData&cursor={_cursor(120_000)}",
        "missing": f"{CP}/999999999",
        "bad-cursor": f"{CP}?per_page=100&cursor=nonsense",
    }


async def call(app: Any, target: str) -> tuple[int, bytes]:
    path, _, query = target.partition("?")
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "headers": [(b"host", b"bench.local:8000"), (b"authorization", f"Bearer {TOKEN}".encode()),
                         (b"accept", b"application/json")],
             "server": ("bench.local", 8000), "client": ("127.0.0.1", 50000)}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("CPMS_DATA_DIR", "/tmp/cpms-api-digest")
    from sqlalchemy import event

    from cpms import heap
    from cpms.config import Settings
    from cpms.server import Server

    settings = Settings.from_env({**os.environ, "CPMS_DATABASE_URL": args.url, "CPMS_API_TOKEN": TOKEN,
                                  "CPMS_LOG_LEVEL": "warning"})
    server = Server(settings)
    await server.startup()
    heap.settle()  # as `cpms serve` does after startup
    statements: list[str] = []
    for engine in server.rt.db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
    chosen = {k: v for k, v in targets().items() if not args.only or k in args.only}
    out: dict[str, Any] = {}
    try:
        for name, target in chosen.items():
            await call(server, target)  # warm: compiled statements, shapers
            statements.clear()
            status, body = await call(server, target)
            row: dict[str, Any] = {"status": status, "sha256": hashlib.sha256(body).hexdigest()[:16],
                                   "bytes": len(body), "statements": len(statements)}
            if args.show_sql:
                row["sql"] = list(statements)
            out[name] = row
        for _ in range(args.rounds):  # interleaved rounds: drift in machine load spreads over every target
            for name, target in chosen.items():
                began = time.process_time()
                await call(server, target)
                out[name].setdefault("cpu", []).append((time.process_time() - began) * 1000)
    finally:
        await server.shutdown()
    for name, row in out.items():
        cpu = row.pop("cpu", None)
        timing = (f"  cpu min {min(cpu):5.2f} med {statistics.median(cpu):5.2f} mean {statistics.fmean(cpu):5.2f} ms"
                  if cpu else "")
        print(f"{name:<20} {row['status']}  {row['sha256']}  {row['bytes']:>7} B  {row['statements']} stmt{timing}")
        for sql in row.get("sql", ()):
            print("      " + " ".join(sql.split())[:300])
    if args.json:
        Path(args.json).write_text(json.dumps({k: {"status": v["status"], "sha256": v["sha256"]}
                                               for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL of a seeded bench database")
    parser.add_argument("--rounds", type=int, default=0, help="measure CPU over this many requests per target")
    parser.add_argument("--only", type=lambda s: s.split(","))
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--json", help="write {name: {status, sha256}} here")
    arguments = parser.parse_args()
    from cpms.loop import run

    run(main(arguments))
