"""The ASGI WebSocket endpoint `/ocpp/{networkId}`: who is calling, may they, in which protocol.

The handshake refuses, before any OCPP traffic: unknown identities (404), wrong or missing
Basic-auth credentials when the charge point has a password (401), and chargers that offer no
subprotocol the charge point is configured for (400). Refusals use the ASGI denial-response
extension when the server offers it, else a plain close (HTTP 403).
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cpms.domain.chargers import ChargerRecord
from cpms.ocpp.connection import Connection
from cpms.ocpp.versions import BY_LABEL, BY_SUBPROTOCOL, V16, V201, Version
from cpms.security.charger_secrets import verify_charger_password

if TYPE_CHECKING:
    from cpms.ocpp.gateway import Gateway

log = logging.getLogger("cpms.ocpp")
PREFIX = "/ocpp/"


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def identity_from_path(path: str) -> str:
    return unquote(path[len(PREFIX):].strip("/").rsplit("/", 1)[-1])


def choose_version(record: ChargerRecord, offered: list[str], ocpp21_enabled: bool) -> Version:
    supported = [V201, V16] + ([BY_SUBPROTOCOL["ocpp2.1"]] if ocpp21_enabled else [])
    configured = BY_LABEL.get(record.protocol or "")
    if configured is not None:
        if configured.subprotocol in offered and configured in supported:
            return configured
        raise Refused(400, f"charge point {record.identity} is configured for {configured.subprotocol}; "
                           f"the charger offered {', '.join(offered) or 'no subprotocol'}")
    for version in supported:
        if version.subprotocol in offered:
            return version
    raise Refused(400, f"no supported OCPP subprotocol offered ({', '.join(offered) or 'none'})")


def check_basic_auth(record: ChargerRecord, headers: dict[bytes, bytes]) -> None:
    if not record.password_hash:
        return
    raw = headers.get(b"authorization", b"").decode("latin-1")
    if not raw.lower().startswith("basic "):
        raise Refused(401, f"charge point {record.identity} requires HTTP Basic authentication")
    try:
        user, _, password = base64.b64decode(raw[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Refused(401, "malformed Basic credentials") from None
    if user != record.identity or not verify_charger_password(password, record.password_hash):
        raise Refused(401, f"wrong credentials for charge point {record.identity}")


class OcppEndpoint:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        identity = identity_from_path(scope["path"])
        headers = dict(scope.get("headers") or [])
        try:
            record = await self.gateway.lookup(identity) if identity else None
            if record is None:
                raise Refused(404, f"unknown charge point identity {identity!r}")
            check_basic_auth(record, headers)
            version = choose_version(record, list(scope.get("subprotocols") or []),
                                     self.gateway.rt.settings.ocpp21_enabled)
        except Refused as refused:
            log.info("refused OCPP connection %r: %s", identity, refused.reason)
            await _deny(scope, send, refused)
            return
        await send({"type": "websocket.accept", "subprotocol": version.subprotocol})

        async def send_text(text: str) -> None:
            await send({"type": "websocket.send", "text": text})

        async def close(code: int, reason: str) -> None:
            try:
                await send({"type": "websocket.close", "code": code, "reason": reason})
            except Exception:  # already closed underneath
                pass

        connection = Connection(self.gateway.rt, identity, record.id, version, send_text, close)
        await self.gateway.attach(connection)
        try:
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    text = message.get("text")
                    await connection.receive(text if text is not None else message.get("bytes") or b"")
                elif kind == "websocket.disconnect":
                    break
        finally:
            await self.gateway.detach(connection)


async def _deny(scope: dict[str, Any], send: Any, refused: Refused) -> None:
    if "websocket.http.response" in (scope.get("extensions") or {}):
        body = refused.reason.encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
        if refused.status == 401:
            headers.append((b"www-authenticate", b'Basic realm="cpms OCPP"'))
        await send({"type": "websocket.http.response.start", "status": refused.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})
