"""Locations (sites) and their charging zones."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id

locations = Table(
    "locations",
    metadata,
    id_column(),
    Column("external_id", String(255), index=True, info=path("externalId")),
    Column("status", String(16), nullable=False, default="enabled", info=path("status")),
    Column("country", String(2), index=True, info=path("country")),
    Column("state", String(16), info=path("state")),
    Column("region", String(255), info=path("region")),
    Column("city", String(255), info=path("city")),
    Column("post_code", String(32), info=path("postCode")),
    Column("timezone", String(64), info=path("timezone")),
    Column("partner_id", Integer, index=True, info=path("partnerId")),
    Column("roaming_operator_id", Integer, index=True, info=path("roamingOperatorId")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "location"},
)

charging_zones = Table(
    "charging_zones",
    metadata,
    id_column(),
    Column("location_id", Id, ForeignKey("locations.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("locationId")),
    Column("name", String(255), nullable=False, info=path("name")),
    Column("status", String(16), nullable=False, default="enabled", info=path("status")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "charging zone"},
)
