"""What chargers report about themselves: connection and hardware status history."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from cpms.storage.tables.base import id_column, metadata
from cpms.storage.types import Id, UtcDateTime

network_status_logs = Table(
    "network_status_logs",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_network_status_logs_cp", "charge_point_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "network status log"},
)

hardware_status_logs = Table(
    "hardware_status_logs",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    # null for the charge point itself (OCPP 1.6 connectorId 0)
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="CASCADE")),
    Column("status", String(32), nullable=False),
    Column("error_code", String(64), nullable=False, default="NoError"),
    Column("info", String(255)),
    Column("vendor_id", String(255)),
    Column("vendor_error_code", String(255)),
    # the charger's own timestamp when it sent one, else the time of receipt
    Column("timestamp", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_hardware_status_logs_cp", "charge_point_id", "evse_id", "id"),
    Index("ix_hardware_status_logs_evse", "evse_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "hardware status log"},
)
