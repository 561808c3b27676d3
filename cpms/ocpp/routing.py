"""Action -> handler, per OCPP version.

A handler is named after the OCPP action, takes the charger's context and the validated
payload (a dict, camelCase as on the wire: no conversion on the hot path) and returns the
response payload. It commits what must survive before it returns; the reply is sent after.

    @on(V16, "Heartbeat")
    async def heartbeat(ctx: ChargerContext, payload: dict) -> dict:
        return {"currentTime": iso_z(ctx.now())}

`once=True` marks a message whose repeat would store its report twice: a retransmission of it
is answered with the first answer instead of being handled again (`cpms/ocpp/replays.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cpms.ocpp.versions import Version

if TYPE_CHECKING:
    from cpms.ocpp.context import ChargerContext

Handler = Callable[["ChargerContext", dict[str, Any]], Awaitable[dict[str, Any]]]

HANDLERS: dict[tuple[str, str], Handler] = {}
ONCE: set[tuple[str, str]] = set()


def on(version: Version | tuple[Version, ...], action: str, once: bool = False) -> Callable[[Handler], Handler]:
    versions = version if isinstance(version, tuple) else (version,)

    def decorate(fn: Handler) -> Handler:
        for v in versions:
            key = (v.subprotocol, action)
            if key in HANDLERS:
                raise ValueError(f"two handlers for {action} on {v.subprotocol}")
            HANDLERS[key] = fn
            if once:
                ONCE.add(key)
        return fn

    return decorate


def handler_for(version: Version, action: str) -> Handler | None:
    return HANDLERS.get((version.routing, action))


def handled_once(version: Version, action: str) -> bool:
    return (version.routing, action) in ONCE
