"""Fixtures of the webhook tests: a loopback receiver, quick retries, and a subscription helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cpms.config import Settings
from cpms.contract.schema import compile_validator, field_errors
from tests.conftest import test_settings
from tests.support.receiver import Receiver

V2 = "/public-api/notifications/v2.0"
V1 = "/public-api/notifications/v1.0"

# Retries within a test's patience: first retry after 0.05-0.1 s, at most 0.5 s apart.
QUICK = {"CPMS_WEBHOOK_BACKOFF": "0.1", "CPMS_WEBHOOK_BACKOFF_MAX": "0.5", "CPMS_WEBHOOK_SCAN": "0.2",
         "CPMS_WEBHOOK_TIMEOUT": "2"}


def assert_valid(name: str, payload: dict[str, Any]) -> None:
    """`payload` (without `notification`) is what the callback `name` of the contract describes."""
    from cpms.webhooks.notifications import callback_schema

    body = {"notification": name, **payload}
    errors = field_errors(compile_validator(callback_schema(name), "response"), orjson.loads(orjson.dumps(body)))
    assert not errors, f"{name} payload breaks its callback schema: {errors}\n{body}"


async def build(server: Any, name: str, event: Any) -> dict[str, Any] | None:
    """The payload of notification `name` for `event`, built as the fan-out builds it."""
    import cpms.webhooks.payloads  # noqa: F401  (registers the declarations)
    from cpms.webhooks.notifications import NOTIFICATIONS, BuildContext

    spec = next(n for n in NOTIFICATIONS.for_event(event.type) if n.name == name)
    async with server.rt.db.read() as conn:
        return await spec.build(BuildContext(conn, event, name))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    base = test_settings(tmp_path, database_url)
    return base.with_(extra={**base.extra, **QUICK})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.stop()


async def subscribe(api: httpx.AsyncClient, url: str, *names: str, **extra: Any) -> dict[str, Any]:
    response = await api.post(V2, json={"via": "webhook", "notifications": list(names),
                                        "webhook": {"callbackUrl": url}, **extra})
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def change(server: Any, entity_id: int = 1, action: str = "updated", *, count: int = 1) -> list[int]:
    """`count` chargePoint.changed events committed through the server's database (the fast path)."""
    from cpms.events import Event

    ids = []
    for _ in range(count):
        async with server.rt.db.write() as tx:
            event = Event(type="chargePoint.changed", entity="chargePoint", entity_id=entity_id,
                          data={"action": action})
            await tx.emit(event)
            ids.append(event.id)
    return ids


@asynccontextmanager
async def running(tmp_path: Path, database_url: str, *, secret_key: str | None = None,
                  **env: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """A server of its own with extra CPMS_* settings, and a contract-checked client for it."""
    from cpms.server import Server
    from tests.conftest import client

    base = test_settings(tmp_path, database_url)
    srv = Server(base.with_(extra={**base.extra, **QUICK, **env}, secret_key=secret_key), announce=lambda _text: None)
    await srv.startup()
    try:
        async with client("http://cpms.test", httpx.ASGITransport(app=srv)) as api:
            yield srv, api
    finally:
        await srv.shutdown()
