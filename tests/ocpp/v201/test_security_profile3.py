"""Security profile 3 on the real server: TLS with client certificates (CPMS_TLS_CLIENT_CA). A
certificate signed by that CA whose common name is the station's identity authenticates it
(no Basic auth needed); one naming another identity is refused before any OCPP traffic; a station
without a certificate, or with one the CA did not sign, never completes the TLS handshake."""

import datetime as dt
from pathlib import Path

import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ocpp.v201 import call

from cpms.security.charger_secrets import hash_charger_password
from tests.ocpp.test_tls import HANDSHAKE_FAILED, certificate, server_tls, trusting, write_pem  # noqa: F401
from tests.ocpp.v201.blocks_support import connect
from tests.support import seed
from tests.support.live import running


def client_certificate(common_name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate,
                       issuer_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(issuer.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture
def stations(tmp_path: Path) -> dict[str, object]:
    """The CA cpms trusts for client certificates, and certificates it signed for CS-P3 and CS-OTHER."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    authority = certificate("station CA", ca_key)
    files: dict[str, object] = {"ca": write_pem(tmp_path / "client-ca.pem", authority)}
    for identity in ("CS-P3", "CS-OTHER"):
        key = ec.generate_private_key(ec.SECP256R1())
        files[identity] = (write_pem(tmp_path / f"{identity}.pem", client_certificate(identity, key, authority, ca_key)),
                           write_pem(tmp_path / f"{identity}.key", key))
    return files


@pytest.fixture
async def live(settings, server_tls, stations):
    tls = settings.with_(tls_cert=server_tls["cert"], tls_key=server_tls["key"], tls_client_ca=stations["ca"])
    async with running(tls) as r:
        yield r


async def test_TC_A_07_CSMS_TLS_ClientSideCertificate_ValidCertificate(live, server_tls, stations) -> None:
    db = live.server.rt.db
    # the station also has a password: its certificate is what authenticates it on profile 3
    cp = await seed.charge_point(db, "CS-P3", protocol="ocpp 2.0.1", security_profile=3,
                                 password_hash=hash_charger_password("p" * 40))
    cert, key = stations["CS-P3"]
    async with connect(live.ws_url, "CS-P3", tls=trusting(server_tls["root"], cert, key)) as charger:
        boot = await charger.call(call.BootNotification(charging_station={"model": "M", "vendor_name": "V"},
                                                        reason="PowerUp"))
        assert boot.status == "Accepted"
        assert live.server.rt.component("gateway").is_connected(cp["id"])


async def test_a_certificate_naming_another_station_is_refused_at_the_handshake(live, server_tls, stations) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-P3", protocol="ocpp 2.0.1", security_profile=3)
    await seed.charge_point(live.server.rt.db, "CS-OTHER", protocol="ocpp 2.0.1", security_profile=3)
    cert, key = stations["CS-OTHER"]
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(live.ws_url, "CS-P3", tls=trusting(server_tls["root"], cert, key)):
            pass
    assert refused.value.response.status_code == 403
    assert not live.server.rt.component("gateway").is_connected(cp["id"])


async def test_TC_A_08_CSMS_TLS_ClientSideCertificate_InvalidCertificate(live, server_tls, tmp_path) -> None:
    await seed.charge_point(live.server.rt.db, "CS-P3", protocol="ocpp 2.0.1", security_profile=3)
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    self_signed = write_pem(tmp_path / "stranger.pem", certificate("CS-P3", stranger_key))
    for context in (trusting(server_tls["root"]),
                    trusting(server_tls["root"], self_signed, write_pem(tmp_path / "stranger.key", stranger_key))):
        with pytest.raises(HANDSHAKE_FAILED):
            async with connect(live.ws_url, "CS-P3", tls=context) as charger:
                await charger.call(call.Heartbeat())
