"""Certificates on chargers: the ones they hold (as they identify them) and the ones cpms signs.

Types are named as in OCPP 2.0.1 (`CSMSRootCertificate`, `ManufacturerRootCertificate`,
`V2GRootCertificate` ...); version translations map them to their protocol's words.

Root certificates cpms installs come from files the operator names (`ROOT_SETTINGS`); a type
without one cannot be installed. A certificate is identified on a charger by its OCPP hash data:
SHA-256 of the issuer's name and of the issuer's public key, and the serial number in hex.

Charger certificates are signed by cpms's CA (`cpms.security.ca`) from the charger's request;
each one issued is kept, with its type (ChargingStationCertificate, or an OCPP 2.0.1 station's
V2GCertificate) and the charger's answer to it.

Certificate status (OCSP, OCPP 2.0.1 GetCertificateStatus) is asked of the responder the charger
names only when the operator allows that responder (`CPMS_OCSP_RESPONDERS`, a comma-separated list
of URL prefixes, `*` for any http(s) responder): cpms never fetches URLs a charger chooses unless
told it may.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.security.ca import Issued
from cpms.storage.db import Tx
from cpms.storage.tables.security import charger_certificates, installed_certificates

# the root certificates cpms can install, each from a PEM file named by a setting
ROOT_SETTINGS = {
    "CSMSRootCertificate": "CPMS_CSMS_ROOT_CERT",
    "ManufacturerRootCertificate": "CPMS_MANUFACTURER_ROOT_CERT",
    "V2GRootCertificate": "CPMS_V2G_ROOT_CERT",
    "MORootCertificate": "CPMS_MO_ROOT_CERT",
}
# what a sync without a type asks about, in this order
SYNC_TYPES = ("CSMSRootCertificate", "ManufacturerRootCertificate", "V2GRootCertificate", "MORootCertificate",
              "V2GCertificateChain")
CHARGER_CERT_DAYS_SETTING = "CPMS_CHARGER_CERT_DAYS"
CHARGER_CERT_DAYS = 730
CHARGING_STATION_CERTIFICATE, V2G_CERTIFICATE = "ChargingStationCertificate", "V2GCertificate"
OCSP_RESPONDERS_SETTING = "CPMS_OCSP_RESPONDERS"
OCSP_HASHES = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


@dataclass(frozen=True)
class HashData:
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str

    def wire(self) -> dict[str, str]:
        return {"hashAlgorithm": self.hash_algorithm, "issuerNameHash": self.issuer_name_hash,
                "issuerKeyHash": self.issuer_key_hash, "serialNumber": self.serial_number}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> "HashData":
        # kept exactly as the charger wrote them: they are sent back to it to name the certificate
        return cls(str(data["hashAlgorithm"]), str(data["issuerNameHash"]), str(data["issuerKeyHash"]),
                   str(data["serialNumber"]))


@dataclass(frozen=True)
class Installed:
    certificate_type: str
    hash_data: HashData

    def wire(self) -> dict[str, str]:
        return {"certificateType": self.certificate_type, **self.hash_data.wire()}


class NoCertificate(LookupError):
    """cpms has no certificate of this type to install."""


def root_certificate(extra: Mapping[str, str], certificate_type: str) -> str:
    """The PEM cpms installs for `certificate_type` (NoCertificate when none is configured)."""
    setting = ROOT_SETTINGS.get(certificate_type)
    location = extra.get(setting) if setting else None
    if not location:
        hint = f" (set {setting} to a PEM file)" if setting else ""
        raise NoCertificate(f"cpms has no {certificate_type} to install{hint}.")
    try:
        pem = Path(location).read_text()
        x509.load_pem_x509_certificate(pem.encode())
    except (OSError, ValueError) as exc:
        raise NoCertificate(f"{setting} does not name a readable PEM certificate: {exc}") from None
    return pem


def hash_data(pem: str, issuer_pem: str | None = None) -> HashData:
    """The OCPP hash data of a certificate; a root is its own issuer."""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    issuer = x509.load_pem_x509_certificate(issuer_pem.encode()) if issuer_pem else certificate
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
    return HashData("SHA256", request.issuer_name_hash.hex(), request.issuer_key_hash.hex(),
                    format(request.serial_number, "x"))


async def installed(conn: AsyncConnection, charge_point_id: int,
                    certificate_type: str | None = None) -> list[Installed]:
    t = installed_certificates.c
    where = [t.charge_point_id == charge_point_id]
    if certificate_type is not None:
        where.append(t.certificate_type == certificate_type)
    rows = (await conn.execute(select(installed_certificates).where(*where).order_by(t.id))).all()
    return [Installed(r.certificate_type, HashData(r.hash_algorithm, r.issuer_name_hash, r.issuer_key_hash,
                                                   r.serial_number)) for r in rows]


async def add_installed(tx: Tx, charge_point_id: int, certificate_type: str, data: HashData, now: datetime) -> None:
    await remove_installed(tx, charge_point_id, data)
    await tx.conn.execute(insert(installed_certificates).values(
        charge_point_id=charge_point_id, certificate_type=certificate_type, hash_algorithm=data.hash_algorithm,
        issuer_name_hash=data.issuer_name_hash, issuer_key_hash=data.issuer_key_hash,
        serial_number=data.serial_number, created_at=now))


async def remove_installed(tx: Tx, charge_point_id: int, data: HashData) -> None:
    t = installed_certificates.c
    await tx.conn.execute(delete(installed_certificates).where(
        t.charge_point_id == charge_point_id, t.hash_algorithm == data.hash_algorithm,
        t.issuer_name_hash == data.issuer_name_hash, t.issuer_key_hash == data.issuer_key_hash,
        t.serial_number == data.serial_number))


async def replace_installed(tx: Tx, charge_point_id: int, certificate_type: str, items: Iterable[HashData],
                            now: datetime) -> list[Installed]:
    """What the charger reported holding of one type becomes what cpms knows of it."""
    t = installed_certificates.c
    await tx.conn.execute(delete(installed_certificates).where(t.charge_point_id == charge_point_id,
                                                               t.certificate_type == certificate_type))
    kept = []
    for data in dict.fromkeys(items):
        await add_installed(tx, charge_point_id, certificate_type, data, now)
        kept.append(Installed(certificate_type, data))
    return kept


def charger_certificate_days(extra: Mapping[str, str]) -> int:
    raw = extra.get(CHARGER_CERT_DAYS_SETTING)
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else CHARGER_CERT_DAYS


async def record_issued(tx: Tx, charge_point_id: int, issued: Issued, now: datetime,
                        certificate_type: str = CHARGING_STATION_CERTIFICATE) -> int:
    t = charger_certificates.c
    return int((await tx.conn.execute(insert(charger_certificates).values(
        charge_point_id=charge_point_id, serial_number=issued.serial_hex, certificate=issued.pem,
        key_type=issued.key_type, certificate_type=certificate_type,
        not_after=issued.certificate.not_valid_after_utc, status="issued", created_at=now,
        last_updated_at=now).returning(t.id))).scalar_one())


async def record_issued_answer(tx: Tx, certificate_id: int, accepted: bool, now: datetime) -> None:
    await tx.conn.execute(update(charger_certificates).where(charger_certificates.c.id == certificate_id)
                          .values(status="accepted" if accepted else "rejected", last_updated_at=now))


class OcspRefused(ValueError):
    """cpms will not, or cannot, ask for this certificate's status; the message says why."""


def ocsp_responder_allowed(extra: Mapping[str, str], url: str) -> bool:
    """Whether the operator lets cpms ask the responder at `url`: same scheme and host as an allowed
    prefix (a prefix never matches a longer host name) and a path under the prefix's."""
    wanted = urlsplit(url)
    if wanted.scheme.lower() not in ("http", "https") or not wanted.hostname:
        return False
    for prefix in (item.strip() for item in (extra.get(OCSP_RESPONDERS_SETTING) or "").split(",")):
        if prefix == "*":
            return True
        allowed = urlsplit(prefix)
        same_server = (allowed.scheme.lower(), allowed.netloc.lower()) == (wanted.scheme.lower(), wanted.netloc.lower())
        if prefix and same_server and wanted.path.startswith(allowed.path):
            return True
    return False


def ocsp_request(data: Mapping[str, Any]) -> bytes:
    """The DER OCSP request for the certificate the charger names by OCPP hash data (OcspRefused if unfit)."""
    algorithm = OCSP_HASHES.get(str(data.get("hashAlgorithm")))
    if algorithm is None:
        raise OcspRefused(f"unsupported hash algorithm {data.get('hashAlgorithm')!r}")
    try:
        name_hash = bytes.fromhex(str(data["issuerNameHash"]))
        key_hash = bytes.fromhex(str(data["issuerKeyHash"]))
        serial = int(str(data["serialNumber"]), 16)
        request = ocsp.OCSPRequestBuilder().add_certificate_by_hash(name_hash, key_hash, serial, algorithm()).build()
    except (KeyError, ValueError) as exc:
        raise OcspRefused(f"the certificate hash data is not usable: {exc}") from None
    return request.public_bytes(serialization.Encoding.DER)


def ocsp_result(der: bytes) -> ocsp.OCSPResponse:
    """The responder's answer, checked to be a successful OCSP response (OcspRefused otherwise)."""
    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError:
        raise OcspRefused("the responder's answer is not an OCSP response") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspRefused(f"the responder answered {response.response_status.name}")
    return response
