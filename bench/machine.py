"""What a benchmark figure was measured on: CPU, cores, load, and how fast the CPU ran just then.

This machine is a virtual one whose speed moves with its neighbours: the same pure-Python loop
has taken 250 to 450 ms here within an hour, without any load of our own and without the kernel
reporting steal time. `speed_ms` (best of three runs of one fixed loop) is printed with every
figure, so two runs can be compared, or one scaled, by it.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any


def speed_ms(loops: int = 3_000_000, rounds: int = 3) -> float:
    """Milliseconds for `loops` additions in a Python loop, best of `rounds`: lower is a faster CPU."""
    best = float("inf")
    for _ in range(rounds):
        began, total = time.perf_counter(), 0
        for i in range(loops):
            total += i
        best = min(best, time.perf_counter() - began)
    return round(best * 1000, 1)


def machine() -> dict[str, Any]:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "unknown")
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    return {"cpu": model, "cores": os.cpu_count(), "ram_gb": round(int(mem) / 2**20, 1),
            "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
            "loadavg": [round(x, 2) for x in os.getloadavg()], "speed_ms": speed_ms()}


def describe(context: dict[str, Any]) -> str:
    return (f"{context['cpu']}, {context['cores']} cores, {context['ram_gb']} GB RAM, Python {context['python']}, "
            f"SQLite {context['sqlite']}, load average {context['loadavg']}, "
            f"CPU speed probe {context['speed_ms']} ms (3M-iteration loop; lower is faster)")
