"""cpms's CA (created once, kept private), CSR checks, and certificates' OCPP hash data."""

import datetime as dt
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cpms.domain import certificates
from cpms.security import ca


def csr(common_name: str, key) -> str:  # type: ignore[no-untyped-def]
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM).decode()


def test_the_ca_is_created_once_even_when_asked_concurrently(tmp_path) -> None:
    found: list[ca.Authority] = []
    threads = [threading.Thread(target=lambda: found.append(ca.authority(tmp_path, "acme"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a.certificate.serial_number for a in found}) == 1
    assert (tmp_path / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["ca"]
    # another process that lost the race to create it keeps the winner's CA
    ca._create(tmp_path / "ca", "other")
    ca._cache.clear()  # a new process reads the same CA from disk
    assert ca.authority(tmp_path).certificate == found[0].certificate
    assert [p.name for p in tmp_path.iterdir()] == ["ca"]
    assert found[0].certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


@pytest.mark.parametrize("key, key_type", [(rsa.generate_private_key(65537, 3072), "RSA-3072"),
                                           (ec.generate_private_key(ec.SECP384R1()), "EC-secp384r1")])
def test_signed_client_certificates(tmp_path, key, key_type) -> None:
    authority = ca.authority(tmp_path)
    issued = ca.sign_csr(authority, csr("CP-9", key), "CP-9", days=10)
    assert issued.key_type == key_type
    issued.certificate.verify_directly_issued_by(authority.certificate)
    usage = issued.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    lifetime = issued.certificate.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=9) < lifetime <= dt.timedelta(days=10)
    # its hash data names the CA as issuer
    data = certificates.hash_data(issued.pem, authority.certificate_pem)
    assert data.serial_number == issued.serial_hex
    assert data.issuer_key_hash != certificates.hash_data(issued.pem).issuer_key_hash


@pytest.mark.parametrize("make, reason", [
    (lambda: "garbage", "not a PEM"),
    (lambda: csr("CP-OTHER", ec.generate_private_key(ec.SECP256R1())), "common name"),
    (lambda: csr("CP-9", rsa.generate_private_key(65537, 1024)), "2048"),
    (lambda: csr("CP-9", ed25519.Ed25519PrivateKey.generate()), "RSA and ECDSA"),
    (lambda: csr("CP-9", ec.generate_private_key(ec.SECP256K1())), "curve"),
])
def test_unfit_requests_are_refused(make, reason) -> None:
    with pytest.raises(ca.CsrRefused, match=reason):
        ca.check_csr(make(), "CP-9")


def test_a_tampered_request_is_refused() -> None:
    pem = csr("CP-9", ec.generate_private_key(ec.SECP256R1()))
    request = x509.load_pem_x509_csr(pem.encode())
    der = bytearray(request.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(ca.CsrRefused, match="signature"):
        ca.check_csr(tampered, "CP-9")


def test_root_certificates_come_only_from_configured_files(tmp_path) -> None:
    with pytest.raises(certificates.NoCertificate, match="CPMS_CSMS_ROOT_CERT"):
        certificates.root_certificate({}, "CSMSRootCertificate")
    with pytest.raises(certificates.NoCertificate):
        certificates.root_certificate({}, "V2GCertificateChain")
    (tmp_path / "bad.pem").write_text("not a certificate")
    for location in (str(tmp_path / "bad.pem"), str(tmp_path / "missing.pem")):
        with pytest.raises(certificates.NoCertificate, match="readable PEM"):
            certificates.root_certificate({"CPMS_CSMS_ROOT_CERT": location}, "CSMSRootCertificate")
    root = ca.authority(tmp_path)
    assert certificates.root_certificate({"CPMS_MO_ROOT_CERT": str(root.certificate_path)},
                                         "MORootCertificate") == root.certificate_pem
