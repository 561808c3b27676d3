"""Users (drivers and customers), user groups, and the id tags (RFID cards) they identify with."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, PrimaryKeyConstraint, String, Table

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id, UtcDateTime

users = Table(
    "users",
    metadata,
    id_column(),
    # stored lower-cased: addresses are compared case-insensitively
    Column("email", String(255), nullable=False, unique=True, info=path("email")),
    Column("password_hash", String(255)),
    Column("status", String(16), nullable=False, default="enabled", info=path("status")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    Column("partner_id", Integer, index=True),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "user"},
)

user_groups = Table(
    "user_groups",
    metadata,
    id_column(),
    Column("name", String(255), nullable=False, info=path("name")),
    Column("partner_id", Integer, index=True, info=path("partnerId")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "user group"},
)

user_group_members = Table(
    "user_group_members",
    metadata,
    Column("user_group_id", Id, ForeignKey("user_groups.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    PrimaryKeyConstraint("user_group_id", "user_id"),
    info={"label": "user group membership"},
)

id_tags = Table(
    "id_tags",
    metadata,
    id_column(),
    # The token a charger sends in Authorize/StartTransaction; unique across the network.
    Column("uid", String(255), nullable=False, unique=True, info=path("idTagUid")),
    Column("label", String(255), info=path("idLabel")),
    Column("status", String(16), nullable=False, default="enabled", info=path("status")),
    Column("type", String(16), nullable=False, default="rfid", info=path("type")),
    Column("expire_at", UtcDateTime, info=path("expireAt")),
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL"), index=True, info=path("userId")),
    Column("partner_id", Integer, index=True, info=path("partnerId")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "id tag"},
)
