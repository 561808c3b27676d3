"""The ASGI WebSocket endpoint `/ocpp/{networkId}`: who is calling, may they, in which protocol.

The handshake refuses, before any OCPP traffic: unknown identities (404), wrong or missing
Basic-auth credentials when the charge point has a password (401), and chargers that offer no
subprotocol the charge point is configured for (400). Refusals use the ASGI denial-response
extension when the server offers it, else a plain close (HTTP 403).

Security profile 3 (CPMS_TLS_CLIENT_CA): the TLS layer has already required a client certificate
signed by that CA; here its subject's common name must be the identity in the URL (403 otherwise),
and such a certificate authenticates the charger without Basic auth. The certificate is read from
the ASGI `tls` extension when the server provides it, else from the TLS transport underneath
uvicorn's protocol; when neither is reachable the TLS layer's check is all there is (logged).

The charge point's security profile is enforced here too (`check_security_profile`): a charger set
to profile 2 or 3 that comes over plain ws, or to profile 3 without a client certificate, is refused
(403, logged at WARNING: a downgrade is what an attacker would try). Profiles 0 and 1 take any
transport, as before profiles existed.
"""

from __future__ import annotations

import base64
import binascii
import logging
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.x509.oid import NameOID

from cpms.domain.chargers import ChargerRecord
from cpms.ocpp.connection import Connection
from cpms.ocpp.versions import BY_LABEL, BY_SUBPROTOCOL, V16, V201, Version
from cpms.security.charger_secrets import verify_charger_password

if TYPE_CHECKING:
    from cpms.ocpp.gateway import Gateway

log = logging.getLogger("cpms.ocpp")
PREFIX = "/ocpp/"


class Refused(Exception):
    def __init__(self, status: int, reason: str, level: int = logging.INFO) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.level = level


class ClientCertificate(Enum):
    """What the handshake knows of a TLS client certificate."""
    NONE = "none"  # plain ws, no CPMS_TLS_CLIENT_CA, or none presented
    VERIFIED = "verified"  # signed by CPMS_TLS_CLIENT_CA and naming the charger
    UNSEEN = "unseen"  # the TLS layer required one, but the server does not show it to the application


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


class NoPeerCertificate(LookupError):
    """The server gives the application no way to see the TLS client certificate."""


def peer_certificate(scope: dict[str, Any], receive: Any) -> x509.Certificate | None:
    """The client certificate the TLS layer verified, None when the client sent none."""
    tls = (scope.get("extensions") or {}).get("tls")
    if isinstance(tls, dict):
        chain = tls.get("client_cert_chain") or []
        return x509.load_pem_x509_certificate(chain[0].encode()) if chain else None
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        raise NoPeerCertificate("the server exposes neither the ASGI tls extension nor its TLS transport")
    der = ssl_object.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der) if der else None


def check_client_certificate(record: ChargerRecord, certificate: x509.Certificate | None) -> bool:
    """True when a certificate authenticates the charger (profile 3); Refused when it names someone else."""
    if certificate is None:
        return False
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = names[0].value if names else None
    if common_name != record.identity:
        raise Refused(403, f"the client certificate names {common_name!r}, not charge point {record.identity}")
    return True


def check_security_profile(record: ChargerRecord, tls: bool, certificate: ClientCertificate) -> None:
    """Refuse a connection weaker than the profile the charge point is set to (2: TLS, 3: TLS with a
    client certificate); a charger falling back to an older profile must be reset by the operator."""
    profile = record.security_profile
    if profile >= 2 and not tls:
        raise Refused(403, f"charge point {record.identity} is set to security profile {profile}, which needs TLS; "
                           "it connected over plain ws", logging.WARNING)
    if profile >= 3 and certificate is ClientCertificate.NONE:
        raise Refused(403, f"charge point {record.identity} is set to security profile 3 and presented no client "
                           "certificate (the server asks for them only with CPMS_TLS_CLIENT_CA)", logging.WARNING)


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
            certificate = self._client_certificate(record, scope, receive)
            check_security_profile(record, scope.get("scheme") == "wss", certificate)
            if certificate is not ClientCertificate.VERIFIED:
                check_basic_auth(record, headers)
            version = choose_version(record, list(scope.get("subprotocols") or []),
                                     self.gateway.rt.settings.ocpp21_enabled)
        except Refused as refused:
            log.log(refused.level, "refused OCPP connection %r: %s", identity, refused.reason)
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

        connection = Connection(self.gateway.rt, identity, record.id, version, send_text, close,
                                self.gateway.replays)
        host = headers.get(b"host", b"").decode("latin-1")
        if host:
            connection.ctx.state["csms_url"] = f"{scope.get('scheme') or 'ws'}://{host}{PREFIX.rstrip('/')}"
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

    def _client_certificate(self, record: ChargerRecord, scope: dict[str, Any], receive: Any) -> ClientCertificate:
        """Whether a verified client certificate authenticates the charger (only with CPMS_TLS_CLIENT_CA)."""
        if not self.gateway.rt.settings.tls_client_ca or scope.get("scheme") != "wss":
            return ClientCertificate.NONE
        try:
            certificate = peer_certificate(scope, receive)
        except NoPeerCertificate as exc:
            log.warning("cannot check the client certificate of %s against its identity: %s", record.identity, exc)
            return ClientCertificate.UNSEEN
        return ClientCertificate.VERIFIED if check_client_certificate(record, certificate) else ClientCertificate.NONE


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
