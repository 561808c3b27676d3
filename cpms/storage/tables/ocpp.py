"""What chargers report about themselves: connection and hardware status history, vendor data,
the uploads and firmware updates they were asked for, and the reports cpms keeps as sent.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from cpms.storage.tables.base import id_column, metadata, path
from cpms.storage.types import Id, Json, UtcDateTime

network_status_logs = Table(
    "network_status_logs",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False,
           info=path("chargePointId")),
    Column("status", String(32), nullable=False, info=path("status")),
    Column("created_at", UtcDateTime, nullable=False, info=path("createdAt")),
    Index("ix_network_status_logs_cp", "charge_point_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "network status log"},
)

# Who a hardware status report is about: the charge point itself (OCPP 1.6 connectorId 0), one
# of its EVSEs, or a unit the charger named that cpms does not know (kept, never shown as either).
CHARGE_POINT_UNIT, EVSE_UNIT, UNKNOWN_UNIT = "chargePoint", "evse", "unknown"

hardware_status_logs = Table(
    "hardware_status_logs",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False,
           info=path("chargePointId")),
    # null for the charge point itself (OCPP 1.6 connectorId 0) and for units cpms does not know
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="CASCADE"), info=path("evseId")),
    Column("unit", String(16), nullable=False, default=CHARGE_POINT_UNIT),
    # the charger's own name for the unit: "0", "2" (1.6 connectorId), "1/2" (2.0.1 evse/connector)
    Column("connector", String(32)),
    Column("status", String(32), nullable=False, info=path("status")),
    Column("error_code", String(64), nullable=False, default="NoError", info=path("errorCode")),
    Column("info", String(255), info=path("info")),
    Column("vendor_id", String(255), info=path("vendorId")),
    Column("vendor_error_code", String(255), info=path("vendorErrorCode")),
    # the charger's own timestamp when it sent one, else the time of receipt
    Column("timestamp", UtcDateTime, nullable=False, info=path("timestamp")),
    Column("created_at", UtcDateTime, nullable=False, info=path("createdAt")),
    Index("ix_hardware_status_logs_cp", "charge_point_id", "unit", "id"),
    Index("ix_hardware_status_logs_evse", "evse_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "hardware status log"},
)

# Vendor-specific messages chargers sent (DataTransfer), with the answer cpms gave.
data_transfers = Table(
    "data_transfers",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("vendor_id", String(255), nullable=False),
    Column("message_id", String(50)),
    Column("data", Text),
    Column("status", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_data_transfers_cp", "charge_point_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "data transfer"},
)

# Uploads a charger was asked for (1.6 GetDiagnostics, GetLog): the row id is the requestId.
log_requests = Table(
    "log_requests",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    # Diagnostics (1.6 GetDiagnostics) | SecurityLog | DiagnosticsLog (GetLog)
    Column("log_type", String(32), nullable=False),
    Column("location", String(512), nullable=False),
    Column("file_name", String(255)),
    # requested, then the charger's words in lower case: accepted, rejected, uploading, uploaded ...
    Column("status", String(32), nullable=False),
    Column("attrs", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    Index("ix_log_requests_cp", "charge_point_id", "log_type", "id"),
    sqlite_autoincrement=True,
    info={"label": "log request"},
)

# Firmware updates a charger was asked for (1.6 UpdateFirmware, SignedUpdateFirmware): id = requestId.
firmware_updates = Table(
    "firmware_updates",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("location", String(512), nullable=False),
    Column("retrieve_at", UtcDateTime, nullable=False),
    Column("signed", Boolean, nullable=False, default=False),
    # requested, then the charger's words in lower case: accepted, downloading, installed ...
    Column("status", String(32), nullable=False),
    Column("attrs", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    Index("ix_firmware_updates_cp", "charge_point_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "firmware update"},
)

# What OCPP 2.0.1 chargers send that cpms keeps without interpreting it: customer information
# (NotifyCustomerInformation), display messages (NotifyDisplayMessages), firmware publication
# (PublishFirmwareStatusNotification), and ISO 15118 / OCSP requests with the answer cpms gave.
charger_reports = Table(
    "charger_reports",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    # the OCPP action: NotifyCustomerInformation, NotifyDisplayMessages, Get15118EVCertificate ...
    Column("kind", String(40), nullable=False),
    # the charger's requestId and part number, when the message names them
    Column("request_id", Integer),
    Column("seq_no", Integer),
    # the status the charger reported, or the one cpms answered
    Column("status", String(32)),
    # the payload as received (and cpms's statusInfo when it answered one)
    Column("data", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_charger_reports_cp", "charge_point_id", "kind", "request_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "charger report"},
)
