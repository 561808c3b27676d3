"""OCPP over TLS (security profiles 2 and 3) and subprotocol negotiation, on the real server.

The server certificate is a throwaway one made here; the chargers' client certificates are the
ones cpms's CA signs (SignCertificate), trusted through CPMS_TLS_CLIENT_CA.
"""

import datetime as dt
import ipaddress
import logging
import ssl
from pathlib import Path

import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp.v16 import call

from cpms.security import ca
from cpms.security.charger_secrets import hash_charger_password
from tests.conftest import TOKEN, acheck_response
from tests.ocpp.test_security import action, csr_pem, profile_row
from tests.support import seed
from tests.support.chargers import connect16
from tests.support.live import running

# what a failed TLS handshake looks like from the client's side, depending on who gives up first
HANDSHAKE_FAILED = (ssl.SSLError, ConnectionError, EOFError, websockets.InvalidMessage,
                    websockets.ConnectionClosed)


def write_pem(path: Path, *items: object) -> str:
    chunks = []
    for item in items:
        if isinstance(item, x509.Certificate):
            chunks.append(item.public_bytes(serialization.Encoding.PEM))
        else:
            key_format = serialization.PrivateFormat.PKCS8
            chunks.append(item.private_bytes(serialization.Encoding.PEM, key_format,  # type: ignore[attr-defined]
                                             serialization.NoEncryption()))
    path.write_bytes(b"".join(chunks))
    return str(path)


def certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None = None,
                issuer_key: ec.EllipticCurvePrivateKey | None = None, server: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer.subject if issuer else name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=2)))
    if server:
        local = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([local]), critical=False)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture
def server_tls(tmp_path: Path) -> dict[str, str]:
    """A throwaway root and a server certificate for 127.0.0.1 signed by it."""
    root_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = certificate("test root", root_key)
    leaf = certificate("127.0.0.1", server_key, root, root_key, server=True)
    return {"root": write_pem(tmp_path / "root.pem", root), "cert": write_pem(tmp_path / "server.pem", leaf),
            "key": write_pem(tmp_path / "server.key", server_key)}


def trusting(root: str, cert: str | None = None, key: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=root)
    if cert:
        context.load_cert_chain(cert, key)
    return context


async def test_TC_086_CSMS_TLS_ServerSideCertificate(settings, server_tls) -> None:
    async with running(settings.with_(tls_cert=server_tls["cert"], tls_key=server_tls["key"])) as live:
        assert live.ws_url.startswith("wss://")
        await seed.charge_point(live.server.rt.db, "CP-TLS")
        async with connect16(live.ws_url, "CP-TLS", tls=trusting(server_tls["root"])) as charger:
            boot = await charger.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            assert boot.status == "Accepted"
        # a charger that does not trust the server's certificate never gets to OCPP
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect16(live.ws_url, "CP-TLS", tls=ssl.create_default_context()):
                pass
        async with httpx.AsyncClient(base_url=live.base_url, verify=trusting(server_tls["root"]),
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as api:
            assert (await api.get("/health")).status_code == 200


async def test_TC_087_CSMS_TLS_ClientSideCertificate(settings, server_tls, tmp_path) -> None:
    """Profile 3: the charger gets its certificate from cpms's CA, then connects with it."""
    key = ec.generate_private_key(ec.SECP256R1())
    tls = settings.with_(tls_cert=server_tls["cert"], tls_key=server_tls["key"])
    async with running(tls) as live:
        await seed.charge_point(live.server.rt.db, "CP-MTLS")
        async with connect16(live.ws_url, "CP-MTLS", tls=trusting(server_tls["root"])) as charger:
            assert (await charger.call(call.SignCertificate(csr=csr_pem("CP-MTLS", key)))).status == "Accepted"
            chain = (await charger.wait_for("CertificateSigned"))["certificate_chain"]
    (tmp_path / "charger.pem").write_text(chain)
    charger_key = write_pem(tmp_path / "charger.key", key)
    client_ca = str(ca.authority(settings.data_dir).certificate_path)
    async with running(tls.with_(tls_client_ca=client_ca)) as live:
        with_cert = trusting(server_tls["root"], str(tmp_path / "charger.pem"), charger_key)
        async with connect16(live.ws_url, "CP-MTLS", tls=with_cert) as charger:
            assert (await charger.call(call.Heartbeat())).current_time
        # without a certificate, or with one cpms's CA did not sign, the TLS handshake fails
        stranger_key = ec.generate_private_key(ec.SECP256R1())
        stranger = write_pem(tmp_path / "stranger.pem", certificate("CP-MTLS", stranger_key))
        for context in (trusting(server_tls["root"]),
                        trusting(server_tls["root"], stranger, write_pem(tmp_path / "stranger.key", stranger_key))):
            with pytest.raises(HANDSHAKE_FAILED):
                async with connect16(live.ws_url, "CP-MTLS", tls=context) as charger:
                    await charger.call(call.Heartbeat())


@pytest.mark.parametrize("configured, offered, chosen", [
    (None, ("ocpp2.0.1", "ocpp1.6"), "ocpp2.0.1"),
    (None, ("ocpp1.5", "ocpp1.6"), "ocpp1.6"),
    ("ocpp 1.6", ("ocpp2.0.1", "ocpp1.6"), "ocpp1.6"),
    ("ocpp 2.0.1", ("ocpp1.6", "ocpp2.0.1"), "ocpp2.0.1"),
    (None, ("ocpp1.5",), None),
    (None, (), None),
])
async def test_TC_088_CSMS_WebSocketSubprotocolNegotiation(settings, server_tls, configured, offered, chosen) -> None:
    async with running(settings.with_(tls_cert=server_tls["cert"], tls_key=server_tls["key"])) as live:
        await seed.charge_point(live.server.rt.db, "CP-SUB", protocol=configured)
        url = f"{live.ws_url}/CP-SUB"
        if chosen is None:
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(url, subprotocols=list(offered) or None,
                                              ssl=trusting(server_tls["root"])):
                    pass
            assert refused.value.response.status_code == 400
            return
        async with websockets.connect(url, subprotocols=list(offered), ssl=trusting(server_tls["root"])) as ws:
            assert ws.subprotocol == chosen
            await ws.send('[2, "1", "Heartbeat", {}]')
            assert '"currentTime"' in await ws.recv()


async def test_a_charger_set_to_profile_2_or_3_is_refused_over_plain_ws_and_logged(settings, caplog) -> None:
    password = "p" * 40
    caplog.set_level(logging.INFO, "cpms.ocpp")
    async with running(settings) as live:
        db, gateway = live.server.rt.db, live.server.rt.component("gateway")
        for identity, profile in (("CP-PROF0", 0), ("CP-PROF1", 1), ("CP-PROF2", 2), ("CP-PROF3", 3)):
            await seed.charge_point(db, identity, security_profile=profile,
                                    password_hash=hash_charger_password(password) if profile else None)
        for identity in ("CP-PROF2", "CP-PROF3"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connect16(live.ws_url, identity, password=password):
                    pass
            assert refused.value.response.status_code == 403
            assert identity not in gateway.by_identity
        # profile 1 (Basic auth over ws) and no profile connect as they always did
        async with connect16(live.ws_url, "CP-PROF1", password=password) as one:
            assert (await one.call(call.Heartbeat())).current_time
        async with connect16(live.ws_url, "CP-PROF0") as zero:
            assert (await zero.call(call.Heartbeat())).current_time
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("CP-PROF2" in m and "security profile 2, which needs TLS" in m for m in warnings), warnings
    assert any("CP-PROF3" in m and "security profile 3, which needs TLS" in m for m in warnings), warnings


async def test_profile_2_over_tls_is_let_in_and_profile_3_without_a_client_certificate_is_not(settings, server_tls,
                                                                                              caplog) -> None:
    password = "p" * 40
    caplog.set_level(logging.INFO, "cpms.ocpp")
    async with running(settings.with_(tls_cert=server_tls["cert"], tls_key=server_tls["key"])) as live:
        db = live.server.rt.db
        cp = await seed.charge_point(db, "CP-TLS2", security_profile=2, password_hash=hash_charger_password(password))
        await seed.charge_point(db, "CP-TLS3", security_profile=3, password_hash=hash_charger_password(password))
        async with connect16(live.ws_url, "CP-TLS2", password=password, tls=trusting(server_tls["root"])) as charger:
            assert (await charger.call(call.Heartbeat())).current_time
            async with httpx.AsyncClient(base_url=live.base_url, verify=trusting(server_tls["root"]),
                                         headers={"Authorization": f"Bearer {TOKEN}"},
                                         event_hooks={"response": [acheck_response]}) as api:
                # and it cannot be lowered back to profile 1
                response = await api.post(action(cp["id"], "set-security-profile"),
                                          json={"setSecurityProfile": 1, "reason": "x"})
            assert response.status_code == 406 and "cannot be lowered" in response.json()["message"], response.text
            assert charger.received == []
        assert tuple(await profile_row(live, cp["id"]))[:2] == (2, None)
        # no CPMS_TLS_CLIENT_CA: the server asks no certificate, so a profile 3 charger cannot prove itself
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect16(live.ws_url, "CP-TLS3", password=password, tls=trusting(server_tls["root"])):
                pass
        assert refused.value.response.status_code == 403
    assert any("CP-TLS3" in r.getMessage() and "presented no client certificate" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)
