"""What the load process and the orchestrator of bench/ocpp_load.py share."""

from __future__ import annotations

import contextlib
import json
import resource
import sys
from pathlib import Path
from typing import Any

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
