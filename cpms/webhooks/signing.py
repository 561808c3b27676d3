"""Webhook signatures: hex HMAC-SHA256 of the exact body bytes, keyed with the subscriber's API token.

A receiver verifies a delivery by recomputing the HMAC over the raw request body (before any
JSON parsing) with the token it subscribed with, and comparing in constant time (`verify`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from cpms.clock import iso


def sign(body: bytes, key: str) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


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
