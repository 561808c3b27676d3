"""The OCPP gateway under load: chargers in a separate process speaking raw OCPP-J frames.

    python bench/ocpp_load.py                       # every scenario at its default size
    python bench/ocpp_load.py heartbeats --connections 200 --seconds 10
    python bench/ocpp_load.py meter-values --db sqlite,postgres [--protocol 2.0.1]
    python bench/ocpp_load.py idle --connections 10000
    python bench/ocpp_load.py reconnect --connections 5000
    python bench/ocpp_load.py heartbeats --profile /tmp/prof   # py-spy the server while it is measured

Scenarios:
- heartbeats: N connections send Heartbeat back to back, against cpms (`python -m cpms serve` on a
  temporary data dir; schema validation is always on) and against the `ocpp` package's own
  central system (bench/plain_ocpp_central.py), one after the other in the same run.
- meter-values: N chargers with an open transaction send MeterValues (2.0.1: TransactionEvent
  Updated with meter values) back to back; the rows persisted per second are counted in the
  database (SQLite, and PostgreSQL started privately with fsync on, so both are as durable as
  cpms promises).
- idle: N chargers connect, boot and stay idle; server RSS per connection = (RSS - baseline) / N.
- reconnect: N connected chargers lose their connections at once and reconnect at once; the time
  until every one is accepted and booted again.

Reported: connections held, messages/s, p50/p99 round trip, server CPU per message, server RSS,
errors. The load process uses uvloop when installed; both processes lift their open-files limit.

The pieces: ocpp_wire.py (a charger's wire), ocpp_chargers.py (the load process), ocpp_servers.py
(the servers measured), ocpp_measure.py (running and sampling); this file runs the scenarios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ocpp_chargers import worker  # noqa: E402
from ocpp_common import raise_open_files  # noqa: E402
from ocpp_measure import measure_throughput, run_load  # noqa: E402
from machine import describe, machine, speed_ms  # noqa: E402
from ocpp_servers import DurablePostgres, count_rows, start_cpms, start_plain  # noqa: E402


# == scenarios =======================================================================================

def sqlite_url(work: Path) -> str:
    return f"sqlite+aiosqlite:///{work / 'cpms.sqlite3'}"


def scenario_heartbeats(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    results = []
    for name in ("cpms", "ocpp package"):
        if args.only and not name.startswith(args.only):
            continue
        if name == "ocpp package" and args.protocol != "1.6":
            continue  # the measuring stick (plain_ocpp_central.py) is a 1.6 central system
        here = Path(tempfile.mkdtemp(dir=work))
        if name == "cpms":
            target = start_cpms(here, sqlite_url(here), args.connections, args.server_ws, args.protocol)
        else:
            target = start_plain(here)
        try:
            result = measure_throughput("heartbeats", target, args, profile_name=f"heartbeats-{name.split()[0]}")
        finally:
            target.stop()
        label = f"cpms ({args.server_ws})" if name == "cpms" and args.server_ws else name
        label = f"{label} {args.protocol}" if name == "cpms" else label
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
        target = start_cpms(here, url, args.connections, args.server_ws, args.protocol)
        try:
            result = measure_throughput("meter-values", target, args,
                                        rows=lambda: asyncio.run(count_rows(url, "meter_values")),
                                        profile_name=f"meter-values-{backend}")
        finally:
            target.stop()
            if pg is not None:
                pg.stop()
        results.append({"scenario": "meter-values", "target": f"cpms {args.protocol} on {backend}", **result})
        report(results[-1])
    return results


def scenario_idle(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    here = Path(tempfile.mkdtemp(dir=work))
    target = start_cpms(here, sqlite_url(here), args.connections, args.server_ws, args.protocol)
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
    out = {"scenario": "idle", "target": f"cpms {args.protocol}", **result, "baseline_rss_mb": marks["baseline"] / 2**20,
           "server_rss_mb": marks["rss"] / 2**20, "rss_kb_per_connection": per / 1024,
           "rss_end_mb": marks["rss_end"] / 2**20, "connect_seconds": marks["connect_seconds"],
           "idle_server_cpu_share": marks["idle_cpu_share"], "loadavg": os.getloadavg()[:2]}
    report(out)
    return [out]


def scenario_reconnect(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    here = Path(tempfile.mkdtemp(dir=work))
    target = start_cpms(here, sqlite_url(here), args.connections, args.server_ws, args.protocol)
    try:
        result = run_load("reconnect", target, args, {})
    finally:
        target.stop()
    out = {"scenario": "reconnect", "target": f"cpms {args.protocol}", **result, "loadavg": os.getloadavg()[:2]}
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
    parser.add_argument("--protocol", choices=("1.6", "2.0.1"), default="1.6",
                        help="what the chargers speak (2.0.1: meter values in TransactionEvent Updated)")
    parser.add_argument("--only", choices=("cpms", "ocpp"), help="heartbeats: measure one target only")
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        wp = argparse.ArgumentParser()
        wp.add_argument("scenario")
        wp.add_argument("--protocol", default="1.6")
        for name, kind in (("--url", str), ("--connections", int), ("--seconds", float), ("--warmup", float),
                           ("--hold", float)):
            wp.add_argument(name, type=kind)
        worker(wp.parse_args(sys.argv[2:]))
        return
    args = parser.parse_args()
    raise_open_files()
    context = machine()
    print(describe(context), flush=True)
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
    context["speed_ms_end"] = speed_ms()
    print(f"CPU speed probe at the end: {context['speed_ms_end']} ms", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": context, "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
