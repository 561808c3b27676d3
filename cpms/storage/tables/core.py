"""Tables of the platform itself: API tokens, the event outbox and the row counts of big tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from cpms.storage.tables.base import id_column, metadata
from cpms.storage.types import Json, UtcDateTime

api_tokens = Table(
    "api_tokens",
    metadata,
    id_column(),
    Column("name", String(255), nullable=False),
    # sha256 of the token: tokens are 256-bit random, so a fast hash is enough and lookups stay O(1).
    Column("token_hash", String(64), nullable=False, unique=True),
    # The first characters, so an operator can tell tokens apart without seeing them.
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    sqlite_autoincrement=True,
)

events = Table(
    "events",
    metadata,
    id_column(),
    Column("type", String(100), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64)),
    Column("data", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # read only by id (the outbox's position): an index on (entity, entity_id) cost every event an
    # entry (a meter reading two) and no query used it
    sqlite_autoincrement=True,
)

# Rows of the counted tables (cpms.storage.row_counts): the sum of a table's rows is its row count.
row_counts = Table(
    "row_counts",
    metadata,
    id_column(),
    Column("table_name", String(64), nullable=False, index=True),
    Column("n", BigInteger, nullable=False),
)
