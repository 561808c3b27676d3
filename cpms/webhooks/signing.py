"""Webhook signatures: hex HMAC-SHA256 of the exact body bytes, keyed with the subscriber's API token.

A receiver verifies a delivery by recomputing the HMAC over the raw request body (before any
JSON parsing) with the token it subscribed with, and comparing in constant time (`verify`).
"""

from __future__ import annotations

import hmac
import time
from datetime import datetime

from cpms.clock import iso


def sign(body: bytes, key: str) -> str:
    return hmac.digest(key.encode(), body, "sha256").hex()


_second: list[object] = [-1, b""]  # the last second formatted, and its text


def timestamp(now: float) -> bytes:
    """`now` (epoch seconds) as X-Timestamp wants it; the date part is formatted once a second."""
    whole = int(now)
    if whole != _second[0]:
        _second[0], _second[1] = whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)).encode()
    return b"%s.%06dZ" % (_second[1], min(999_999, int((now - whole) * 1_000_000)))


def verify(body: bytes, key: str, signature: str) -> bool:
    return hmac.compare_digest(sign(body, key), signature.strip().lower())


def headers(*, body: bytes, key: str, at: datetime, tenant: str, subscription_id: int,
            notification: str) -> dict[str, str]:
    """The headers of one delivery, as the contract's callbacks declare them."""
    return {
        "Content-Type": "application/json",
        "X-Signature": sign(body, key),
        "X-Timestamp": iso(at) or "",
        "X-Tenant": tenant,
        "X-Webhook-Id": str(subscription_id),
        "X-Webhook-Type": notification,
    }
