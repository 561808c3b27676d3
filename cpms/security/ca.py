"""cpms's own certificate authority: signs the certificates chargers ask for (OCPP SignCertificate).

The CA is created on first need under `<CPMS_DATA_DIR>/ca/` (an ECDSA P-256 key, readable by the
owner only, and a self-signed certificate valid for 20 years) and reused afterwards; several
processes starting together agree on one CA because the directory appears atomically (rename).
Operators who want the chargers' client certificates trusted for TLS (security profile 3) point
CPMS_TLS_CLIENT_CA at `ca/ca.crt`.

A certificate signing request is refused (`CsrRefused`) unless it parses, carries a valid
self-signature, uses an RSA key of at least 2048 bits or an ECDSA key on P-256/P-384/P-521, and
names the charger itself as its common name: cpms never signs a certificate for another identity.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DIR = "ca"
KEY_FILE = "ca.key"
CERT_FILE = "ca.crt"
CA_YEARS = 20
MIN_RSA_BITS = 2048
EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)

_lock = threading.Lock()
_cache: dict[Path, "Authority"] = {}


class CsrRefused(ValueError):
    """The request cannot be signed; the message says why (for the log, never for the charger)."""


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    directory: Path

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def certificate_path(self) -> Path:
        return self.directory / CERT_FILE


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key_type: str  # "RSA-2048", "EC-secp256r1" ...

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "x")


def authority(data_dir: Path, name: str = "cpms") -> Authority:
    """The CA kept under `data_dir`, created on first use."""
    directory = (Path(data_dir) / CA_DIR).resolve()
    with _lock:
        found = _cache.get(directory)
        if found is None:
            if not (directory / CERT_FILE).exists():
                _create(directory, name)
            found = _cache[directory] = _load(directory)
        return found


def _load(directory: Path) -> Authority:
    key = serialization.load_pem_private_key((directory / KEY_FILE).read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{directory / KEY_FILE} is not an ECDSA key")
    certificate = x509.load_pem_x509_certificate((directory / CERT_FILE).read_bytes())
    return Authority(key, certificate, directory)


def _create(directory: Path, name: str) -> None:
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{CA_DIR}-{secrets.token_hex(6)}"
    staging.mkdir(mode=0o700)
    try:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                             x509.NameAttribute(NameOID.COMMON_NAME, f"{name} charger CA")])
        now = dt.datetime.now(dt.timezone.utc)
        certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        fd = os.open(staging / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key_bytes)
            out.flush()
            os.fsync(out.fileno())
        (staging / CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        try:
            os.rename(staging, directory)
        except OSError:
            if not (directory / CERT_FILE).exists():
                raise
            # another process created the CA first: use theirs
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_csr(pem: str, identity: str) -> tuple[x509.CertificateSigningRequest, str]:
    """The parsed request and its key type, or CsrRefused."""
    try:
        csr = x509.load_pem_x509_csr(pem.encode())
    except (ValueError, UnicodeEncodeError):
        raise CsrRefused("not a PEM certificate signing request") from None
    try:
        valid = csr.is_signature_valid
    except Exception:  # unsupported algorithms surface here
        valid = False
    if not valid:
        raise CsrRefused("the request's signature is invalid")
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CsrRefused(f"RSA keys need at least {MIN_RSA_BITS} bits, got {key.key_size}")
        key_type = f"RSA-{key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, EC_CURVES):
            raise CsrRefused(f"unsupported curve {key.curve.name}")
        key_type = f"EC-{key.curve.name}"
    else:
        raise CsrRefused("only RSA and ECDSA keys are signed")
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = names[0].value if names else None
    if common_name != identity:
        raise CsrRefused(f"the common name {common_name!r} is not the charger's identity {identity!r}")
    return csr, key_type


def sign_csr(ca: Authority, pem: str, identity: str, days: int, server: bool = False) -> Issued:
    """A client certificate for the charger, signed by the CA (CsrRefused when the request is unfit).

    `server` makes a TLS server certificate instead (an OCPP 2.0.1 station's V2GCertificate: the
    station serves TLS to the EV); it cannot open a profile-3 connection, which needs clientAuth.
    """
    csr, key_type = check_csr(pem, identity)
    key = csr.public_key()
    now = dt.datetime.now(dt.timezone.utc)
    is_rsa = isinstance(key, rsa.RSAPublicKey)
    certificate = (
        x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca.certificate.subject)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=is_rsa, key_agreement=not is_rsa,
                                     content_commitment=False, data_encipherment=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                              else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(certificate, key_type)
