"""Running the load process against a server and measuring the server meanwhile: CPU, RSS, rows,
and (with py-spy) where its time goes."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpp_common import ROOT
from ocpp_servers import Target

def run_load(scenario: str, target: Target, args: argparse.Namespace,
             hooks: dict[str, Callable[[dict[str, Any]], None]]) -> dict[str, Any]:
    cmd = [sys.executable, str(ROOT / "bench" / "ocpp_load.py"), "_worker", scenario, "--protocol", args.protocol, "--url", target.ws, "--connections", str(args.connections),
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
