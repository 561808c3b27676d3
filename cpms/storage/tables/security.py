"""Chargers' security: the events they report, the certificates they hold and the ones cpms issued."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from cpms.storage.tables.base import id_column, metadata, path
from cpms.storage.types import Id, UtcDateTime

security_events = Table(
    "security_events",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False,
           info=path("chargePoint")),
    Column("type", String(50), nullable=False, info=path("type")),
    Column("tech_info", String(255), info=path("techInfo")),
    # critical per the OCPP security event list; the API lists the critical ones
    Column("critical", Boolean, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False, info=path("timestamp")),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_security_events_cp", "charge_point_id", "timestamp"),
    Index("ix_security_events_critical", "critical", "id"),
    sqlite_autoincrement=True,
    info={"label": "security event"},
)

# Certificates a charger holds, as it identifies them (OCPP CertificateHashData).
installed_certificates = Table(
    "installed_certificates",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    # OCPP 2.0.1 names: CSMSRootCertificate, ManufacturerRootCertificate, V2GRootCertificate ...
    Column("certificate_type", String(40), nullable=False),
    Column("hash_algorithm", String(8), nullable=False),
    Column("issuer_name_hash", String(128), nullable=False),
    Column("issuer_key_hash", String(128), nullable=False),
    Column("serial_number", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number"),
    Index("ix_installed_certificates_cp", "charge_point_id", "certificate_type"),
    sqlite_autoincrement=True,
    info={"label": "installed certificate"},
)

# Certificates cpms's CA signed for chargers (SignCertificate), and whether the charger took them.
charger_certificates = Table(
    "charger_certificates",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("serial_number", String(40), nullable=False, unique=True),
    Column("certificate", Text, nullable=False),
    Column("key_type", String(16), nullable=False),
    # ChargingStationCertificate (TLS client) | V2GCertificate (the ISO 15118 SECC's, OCPP 2.0.1)
    Column("certificate_type", String(32), nullable=False, default="ChargingStationCertificate"),
    Column("not_after", UtcDateTime, nullable=False),
    # issued | accepted | rejected (the charger's answer to CertificateSigned)
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,
    info={"label": "charger certificate"},
)
