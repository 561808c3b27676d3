"""How a notification leaves the server: one `Transport` per delivery channel (`via`).

The worker knows nothing about HTTP: it hands a `Message` for a `Target` to the transport of
the subscription's `via` and gets an `Outcome` back. Webhooks are `WebhookTransport`; Kafka
would be one more class with the same two methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

import httpx

from cpms.webhooks import signing

USER_AGENT = "cpms-webhooks/1"


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


def _default_transport(kind: str) -> httpx.AsyncBaseTransport:
    if kind == "httpx":
        return httpx.AsyncHTTPTransport(retries=0)
    from cpms.webhooks.http1 import Http1Transport

    return Http1Transport()


class WebhookTransport:
    """Signed JSON POSTs through one shared httpx.AsyncClient (its transport injectable for tests)."""

    via = "webhook"

    def __init__(self, *, tenant: str, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None,
                 http: str = "lean") -> None:
        self.tenant = tenant
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            transport=transport or _default_transport(http),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            follow_redirects=False,
            trust_env=False,
        )

    async def send(self, target: Target, message: Message) -> Outcome:
        if not target.url:
            return Outcome(False, error="the subscription has no callback URL")
        headers = signing.headers(body=message.body, key=target.key, at=datetime.now(timezone.utc),
                                  tenant=self.tenant, subscription_id=target.subscription_id,
                                  notification=message.notification)
        try:
            response = await self.client.post(target.url, content=message.body, headers=headers)
        except httpx.TimeoutException:
            return Outcome(False, error=f"no answer within {self.timeout:g}s", unreachable=True)
        except httpx.TransportError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300], unreachable=True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300])
        if 200 <= response.status_code < 300:
            return Outcome(True, status=response.status_code)
        return Outcome(False, status=response.status_code, error=f"the receiver answered HTTP {response.status_code}")

    async def close(self) -> None:
        await self.client.aclose()
