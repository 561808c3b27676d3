"""Charge points, their EVSEs and connectors: the network's structure, shared by the API and OCPP.

`network_id` is the charger's OCPP identity (the last path segment of its WebSocket URL).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id, Json, UtcDateTime

charge_points = Table(
    "charge_points",
    metadata,
    id_column(),
    Column("name", String(255), nullable=False, info=path("name")),
    Column("type", String(16), nullable=False, default="public", index=True, info=path("type")),
    Column("status", String(32), nullable=False, default="enabled", info=path("status")),
    Column("location_id", Id, ForeignKey("locations.id", ondelete="RESTRICT"), index=True, info=path("locationId")),
    Column("charging_zone_id", Id, ForeignKey("charging_zones.id", ondelete="SET NULL"), index=True,
           info=path("chargingZoneId")),
    Column("model_id", Id, ForeignKey("charge_point_models.id", ondelete="RESTRICT"), index=True,
           info=path("modelId")),
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL"), index=True, info=path("user.id")),
    Column("partner_id", Integer, index=True, info=path("partner.id")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    Column("network_id", String(255), unique=True, info=path("network.id")),
    Column("network_protocol", String(32), info=path("network.protocol")),
    # salted hash of the OCPP Basic-auth password; the password itself is never stored
    Column("network_password_hash", String(255)),
    Column("managed_by_operator", Boolean, nullable=False, default=True, info=path("managedByOperator")),
    Column("sharing_code", String(64), index=True, info=path("sharingCode")),
    Column("network_status", String(32), nullable=False, default="never_connected", info=path("networkStatus")),
    Column("hardware_status", String(32), info=path("hardwareStatus")),
    Column("vendor_error_code", String(255), info=path("vendorErrorCode")),
    Column("last_boot_notification", Json, info=path("lastBootNotification")),
    Column("first_contact_at", UtcDateTime, info=path("firstContactAt")),
    Column("security_profile", Integer, nullable=False, default=0, info=path("security.currentProfile")),
    Column("roaming_operator_id", Integer, index=True, info=path("roamingOperatorId")),
    # the security profile the operator asked for, and how the charger answered (OCPP side)
    Column("desired_security_profile", Integer, info=path("security.desiredProfile")),
    Column("desired_security_profile_status", String(16), index=True, info=path("security.desiredProfileStatus")),
    Column("utility_id", Integer, index=True, info=path("utilityId")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "charge point"},
)

evses = Table(
    "evses",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("chargePointId")),
    # The EVSE's number on its charger: OCPP 1.6 connectorId, OCPP 2.0.1 evseId.
    Column("network_id", String(64), nullable=False, info=path("networkId")),
    Column("physical_reference", String(255), index=True, info=path("physicalReference")),
    Column("status", String(32), nullable=False, default="enabled", info=path("status")),
    Column("current_type", String(8), info=path("currentType")),
    Column("hardware_status", String(32), info=path("hardwareStatus")),
    Column("tariff_group_id", Integer, index=True, info=path("tariffGroupId")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    Column("roaming_operator_id", Integer, index=True, info=path("roamingOperatorId")),
    *document_columns(),
    UniqueConstraint("charge_point_id", "network_id"),
    sqlite_autoincrement=True,
    info={"label": "EVSE"},
)

connectors = Table(
    "connectors",
    metadata,
    id_column(),
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("evseId")),
    # The connector's number within its EVSE (OCPP 2.0.1 connectorId), 1-based.
    Column("number", Integer, nullable=False, default=1, info=path("number")),
    Column("type", String(32), nullable=False, info=path("type")),
    Column("format", String(16), info=path("format")),
    Column("status", String(16), nullable=False, default="enabled", info=path("status")),
    *document_columns(),
    UniqueConstraint("evse_id", "number"),
    sqlite_autoincrement=True,
    info={"label": "connector"},
)

# A charge point shared with users (personal chargers lent to family, colleagues ...).
charge_point_shares = Table(
    "charge_point_shares",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("chargePointId")),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("userId")),
    *document_columns(),
    UniqueConstraint("charge_point_id", "user_id"),
    sqlite_autoincrement=True,
    info={"label": "charge point share"},
)

# Partners a charge point is shared with. Partners are not stored by cpms yet: plain ids.
charge_point_shared_partners = Table(
    "charge_point_shared_partners",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False,
           info=path("chargePointId")),
    Column("partner_id", Integer, nullable=False, info=path("partnerId")),
    Column("created_at", UtcDateTime, nullable=False, info=path("createdAt")),
    UniqueConstraint("charge_point_id", "partner_id"),
    sqlite_autoincrement=True,
    info={"label": "shared partner"},
)
