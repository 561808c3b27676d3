"""How a notification leaves the server: one `Transport` per delivery channel (`via`).

The worker knows nothing about HTTP: it hands a `Message` for a `Target` to the transport of
the subscription's `via` and gets an `Outcome` back. Webhooks are `WebhookTransport`; Kafka
would be one more class with the same two methods.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

import httpx

from cpms.webhooks import signing
from cpms.webhooks.http1 import Endpoint, Http1Client, endpoint, request_head

USER_AGENT = "cpms-webhooks/1"
_LEAN_FIXED = ((b"User-Agent", USER_AGENT.encode()), (b"Accept-Encoding", b"identity"))


@dataclass(frozen=True)
class Target:
    """Where and how one subscription receives its notifications."""

    subscription_id: int
    via: str
    url: str | None
    key: str  # the signing key (the subscriber's API token), in clear, in memory only


@dataclass(frozen=True)
class Message:
    notification: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    # Nothing answered (refused, reset, timed out): the receiver is down, not just unhappy.
    unreachable: bool = False


class Transport(Protocol):
    via: str

    async def send(self, target: Target, message: Message) -> Outcome: ...

    async def close(self) -> None: ...


class WebhookTransport:
    """Signed JSON POSTs: straight through the lean client (`http1.py`), or through an httpx.AsyncClient
    when asked for (`http="httpx"`, proxies) or given a transport (tests)."""

    via = "webhook"

    def __init__(self, *, tenant: str, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None,
                 http: str = "lean") -> None:
        self.tenant = tenant
        self.timeout = timeout
        self.connect_timeout = min(timeout, 5.0)
        self.lean: Http1Client | None = Http1Client() if transport is None and http == "lean" else None
        self._heads: dict[tuple[int, str | None, str, str], tuple[Endpoint, bytes, bytes]] = {}
        # Only when it is the one used: building it loads the CA bundle (~0.15 s of CPU).
        self.client: httpx.AsyncClient | None = None if self.lean is not None else httpx.AsyncClient(
            transport=transport or httpx.AsyncHTTPTransport(retries=0),
            timeout=httpx.Timeout(timeout, connect=self.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            follow_redirects=False,
            trust_env=False,
        )

    async def send(self, target: Target, message: Message) -> Outcome:
        if not target.url:
            return Outcome(False, error="the subscription has no callback URL")
        try:
            if self.client is None:
                status = await self._post_lean(target, message)
            else:
                headers = signing.headers(body=message.body, key=target.key, at=datetime.now(timezone.utc),
                                          tenant=self.tenant, subscription_id=target.subscription_id,
                                          notification=message.notification)
                status = (await self.client.post(target.url, content=message.body, headers=headers)).status_code
        except httpx.TimeoutException:
            return Outcome(False, error=f"no answer within {self.timeout:g}s", unreachable=True)
        except httpx.TransportError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300], unreachable=True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300])
        if 200 <= status < 300:
            return Outcome(True, status=status)
        return Outcome(False, status=status, error=f"the receiver answered HTTP {status}")

    async def _post_lean(self, target: Target, message: Message) -> int:
        where, fixed, key = self._prepared(target, message.notification)
        body = message.body
        head = b"%sX-Signature: %s\r\nX-Timestamp: %s\r\nContent-Length: %d\r\n\r\n" % (
            fixed, hmac.digest(key, body, "sha256").hex().encode(), signing.timestamp(time.time()), len(body))
        answer = await self.lean.exchange(where, head, body,  # type: ignore[union-attr]
                                          connect_timeout=self.connect_timeout, timeout=self.timeout)
        return answer.status

    def _prepared(self, target: Target, notification: str) -> tuple[Endpoint, bytes, bytes]:
        """What every request of one subscription and notification shares, built once (the request
        line, the fixed headers, the key): only the signature, the time and the length vary."""
        cache_key = (target.subscription_id, target.url, target.key, notification)
        found = self._heads.get(cache_key)
        if found is None:
            where = endpoint(target.url or "")
            fields = [*_LEAN_FIXED, (b"Content-Type", b"application/json"), (b"X-Tenant", self.tenant.encode()),
                      (b"X-Webhook-Id", str(target.subscription_id).encode()),
                      (b"X-Webhook-Type", notification.encode())]
            fixed = request_head(b"POST", where, fields, 0).rsplit(b"Content-Length", 1)[0]
            if len(self._heads) >= 4096:
                self._heads.clear()
            found = self._heads[cache_key] = (where, fixed, target.key.encode())
        return found

    async def close(self) -> None:
        if self.lean is not None:
            await self.lean.aclose()
        if self.client is not None:
            await self.client.aclose()
