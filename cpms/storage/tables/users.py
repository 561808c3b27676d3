"""Users (drivers and customers), user groups, and the id tags (RFID cards) they identify with.

Also what a user's payments need: invoice details (one set per user) and payment methods (bank
transfer references; never card numbers).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, PrimaryKeyConstraint, String, Table, UniqueConstraint

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id, UtcDateTime

users = Table(
    "users",
    metadata,
    id_column(),
    # stored lower-cased: addresses are compared case-insensitively
    Column("email", String(255), nullable=False, unique=True, info=path("email")),
    # scrypt with its parameters and salt (cpms.security.passwords); never leaves the server
    Column("password_hash", String(255)),
    Column("status", String(16), nullable=False, default="enabled", info=path("status")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    # the partner a user belongs to (set by partner invites); filtered on, not part of the document
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
    # deleting a user keeps its tags, unlinked (the user's delete hook also moves their lastUpdatedAt)
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL"), index=True, info=path("userId")),
    Column("partner_id", Integer, index=True, info=path("partnerId")),
    Column("external_id", String(255), index=True, info=path("externalId")),
    # the payment method of the tag's user that pays for its sessions
    Column("payment_method_id", Id, ForeignKey("payment_methods.id", ondelete="SET NULL"), index=True,
           info=path("paymentMethodId")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "id tag"},
)

payment_methods = Table(
    "payment_methods",
    metadata,
    id_column(),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("userId")),
    Column("type", String(32), nullable=False, info=path("type")),
    Column("bank_transfer_type", String(16), info=path("bankTransferType")),
    Column("is_default", Boolean, nullable=False, default=False, info=path("default")),
    *document_columns(),
    # one bank transfer method of each kind per user
    UniqueConstraint("user_id", "type", "bank_transfer_type"),
    sqlite_autoincrement=True,
    info={"label": "payment method"},
)

user_invoice_details = Table(
    "user_invoice_details",
    metadata,
    id_column(),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True,
           info=path("userId")),
    # which of the contract's invoice-detail shapes the client keeps (see cpms.resources.users_invoice_details)
    Column("flavour", String(16), nullable=False, info=path("flavour")),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "invoice details"},
)
