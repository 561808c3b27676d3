"""Delivery settings, from CPMS_WEBHOOK_* variables (all optional).

    CPMS_WEBHOOK_TIMEOUT        seconds a receiver has to answer (10)
    CPMS_WEBHOOK_MAX_ATTEMPTS   attempts before a delivery is given up (12)
    CPMS_WEBHOOK_BACKOFF        first retry delay in seconds, doubled per attempt (1)
    CPMS_WEBHOOK_BACKOFF_MAX    longest retry delay in seconds (900)
    CPMS_WEBHOOK_RATE           deliveries per second per subscription (200)
    CPMS_WEBHOOK_CONCURRENCY    requests in flight per subscription (16)
    CPMS_WEBHOOK_SCAN           seconds between scans for missed work (1)
    CPMS_WEBHOOK_LEASE          seconds a node holds a subscription without renewing (30)
    CPMS_WEBHOOK_GAP_TIMEOUT    seconds before a hole in event ids is taken as a rollback (60)
    CPMS_WEBHOOK_RETENTION_HOURS  how long delivered notifications are kept (72; given up: 30 days)
    CPMS_WEBHOOK_PROCESSES      delivery processes of their own (0: delivery runs in the server's process)
    CPMS_WEBHOOK_HTTP           lean (built-in HTTP/1.1 client, default) or httpx (httpcore, proxies)
    CPMS_NODE_ID                this node's name in leases (default host:port; must differ per node)
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from cpms.config import Settings


@dataclass(frozen=True)
class Options:
    node_id: str
    timeout: float = 10.0
    max_attempts: int = 12
    backoff: float = 1.0
    backoff_max: float = 900.0
    rate: float = 200.0
    concurrency: int = 16
    scan_interval: float = 1.0
    lease: float = 30.0
    gap_timeout: float = 60.0
    retention_hours: float = 72.0
    failed_retention_hours: float = 720.0
    batch: int = 500
    http: str = "lean"
    processes: int = 0
    share: int = 1  # a delivery process of N takes at most 1/N of the subscriptions (CPMS_WEBHOOK_SHARE)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Options":
        env = settings.extra

        def number(name: str, default: float) -> float:
            raw = env.get(name)
            if raw in (None, ""):
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SystemExit(f"{name} must be a number, got {raw!r}") from None
            if value <= 0:
                raise SystemExit(f"{name} must be positive, got {raw!r}")
            return value

        http = env.get("CPMS_WEBHOOK_HTTP") or "lean"
        if http not in ("lean", "httpx"):
            raise SystemExit(f"CPMS_WEBHOOK_HTTP must be lean or httpx, got {http!r}")
        options = cls(
            node_id=env.get("CPMS_NODE_ID") or f"{socket.gethostname()}:{settings.port}",
            timeout=number("CPMS_WEBHOOK_TIMEOUT", cls.timeout),
            max_attempts=int(number("CPMS_WEBHOOK_MAX_ATTEMPTS", cls.max_attempts)),
            backoff=number("CPMS_WEBHOOK_BACKOFF", cls.backoff),
            backoff_max=number("CPMS_WEBHOOK_BACKOFF_MAX", cls.backoff_max),
            rate=number("CPMS_WEBHOOK_RATE", cls.rate),
            concurrency=int(number("CPMS_WEBHOOK_CONCURRENCY", cls.concurrency)),
            scan_interval=number("CPMS_WEBHOOK_SCAN", cls.scan_interval),
            lease=number("CPMS_WEBHOOK_LEASE", cls.lease),
            gap_timeout=number("CPMS_WEBHOOK_GAP_TIMEOUT", cls.gap_timeout),
            retention_hours=number("CPMS_WEBHOOK_RETENTION_HOURS", cls.retention_hours),
            http=http,
            processes=_count(env.get("CPMS_WEBHOOK_PROCESSES")),
            share=max(1, _count(env.get("CPMS_WEBHOOK_SHARE"))),
        )
        if options.lease <= options.timeout + 2 * options.scan_interval:
            # a node sends only while its lease outlives a whole request, and renews it every scan
            raise SystemExit("CPMS_WEBHOOK_LEASE must be longer than CPMS_WEBHOOK_TIMEOUT plus two "
                             "CPMS_WEBHOOK_SCAN intervals")
        return options


def _count(raw: str | None) -> int:
    if raw in (None, ""):
        return 0
    if not raw.isdigit() or int(raw) > 64:
        raise SystemExit(f"CPMS_WEBHOOK_PROCESSES must be a whole number from 0 to 64, got {raw!r}")
    return int(raw)
