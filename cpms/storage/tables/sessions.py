"""Charging: authorizations, sessions (OCPP transactions), their meter values and charging
periods, and reservations.

Sessions are version-agnostic: `transaction_id` is the charger's name for the transaction (the
session id in OCPP 1.6, the charger's own string in 2.0.1), scoped to its charge point. Columns
without a document path are the domain's own bookkeeping and never leave the server. Billing,
payment, tax, terminal and roaming columns exist so the listing filters work on real columns;
they stay null until those domains exist.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id, Json, UtcDateTime

authorizations = Table(
    "authorizations",
    metadata,
    id_column(),
    Column("method", String(32), nullable=False, index=True, info=path("method")),
    Column("source", String(16), nullable=False, default="local", info=path("source")),
    # accepted | rejected | pending
    Column("status", String(16), nullable=False, index=True, info=path("status")),
    Column("rejection_reason", String(32), info=path("rejectionReason")),
    # what the charger was told (Accepted, Blocked, Expired, Invalid, ConcurrentTx)
    Column("ocpp_status", String(16), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL"), index=True, info=path("userId")),
    Column("id_tag_uid", String(255), info=path("idTagUid")),
    # lower-cased id tag: OCPP compares tokens case-insensitively
    Column("id_tag_key", String(255), index=True),
    Column("id_tag_id", Id, ForeignKey("id_tags.id", ondelete="SET NULL"), index=True),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), index=True,
           info=path("chargePointId")),
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="SET NULL"), index=True, info=path("evseId")),
    # given by the Public API for a remote start: the charger's StartTransaction is matched to it
    Column("remote", Boolean, nullable=False, default=False),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "authorization"},
)

sessions = Table(
    "sessions",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="RESTRICT"), nullable=False, index=True,
           info=path("chargePointId")),
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="SET NULL"), index=True, info=path("evseId")),
    Column("connector_id", Id, ForeignKey("connectors.id", ondelete="SET NULL"), index=True,
           info=path("connectorId")),
    # the EVSE as the charger names it (OCPP 1.6 connectorId, 2.0.1 evseId), known EVSE or not
    Column("evse_network_id", String(64)),
    Column("transaction_id", String(64)),
    # pending | active | finished | failed | expired
    Column("status", String(16), nullable=False, index=True, info=path("status")),
    Column("reason", String(48), index=True, info=path("reason")),
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL"), index=True, info=path("userId")),
    Column("authorization_id", Id, ForeignKey("authorizations.id", ondelete="SET NULL"), index=True,
           info=path("authorizationId")),
    Column("id_tag", String(255), info=path("idTag")),
    Column("id_tag_key", String(255), index=True),
    Column("id_tag_label", String(255), info=path("idTagLabel")),
    # the idTagInfo status answered to the charger's start, repeated to a retransmission
    Column("start_id_tag_status", String(16)),
    Column("started_at", UtcDateTime, nullable=False, index=True, info=path("startedAt")),
    Column("stopped_at", UtcDateTime, index=True, info=path("stoppedAt")),
    # meter register readings in Wh
    Column("meter_start", Float),
    Column("meter_stop", Float),
    Column("last_register", Float),
    Column("last_reading_at", UtcDateTime),
    Column("energy", Float, nullable=False, default=0.0, info=path("energy")),
    Column("power_latest", Float, info=path("power.latest")),
    Column("power_peak", Float, info=path("power.peak")),
    Column("power_average", Float, info=path("power.average")),
    Column("soc_percent", Float, info=path("socPercent")),
    Column("evse_physical_reference", String(255), index=True, info=path("evsePhysicalReference")),
    # what went wrong at the edge: unknown_evse, unknown_transaction (recorded, never refused)
    Column("anomaly", String(32), index=True),
    Column("booking_id", Integer, index=True, info=path("bookingId")),
    Column("currency", String(3), info=path("currency")),
    Column("payment_type", String(32), index=True, info=path("paymentType")),
    Column("payment_method_id", String(64), info=path("paymentMethodId")),
    Column("payment_status", String(16), index=True, info=path("paymentStatus")),
    Column("payment_status_updated_at", UtcDateTime, index=True, info=path("paymentStatusUpdatedAt")),
    Column("billing_status", String(16), index=True, info=path("billingStatus")),
    Column("receipt_id", Integer, index=True, info=path("receiptId")),
    Column("terminal_id", Integer, index=True, info=path("terminalId")),
    Column("tax_id", Integer, index=True),
    Column("sub_operator_id", Integer, index=True),
    Column("roaming_operator_cpo_id", Integer, index=True),
    *document_columns(index_updated=False),  # updated with every meter reading: keep those updates HOT
    Index("ix_sessions_transaction", "charge_point_id", "transaction_id"),
    Index("ix_sessions_evse_status", "evse_id", "status"),
    sqlite_autoincrement=True,
    postgresql_with={"fillfactor": 80},  # room on the page for HOT updates
    info={"label": "session"},
)

# One row per sampled moment (an OCPP meterValue), the measurands the domain uses in columns and
# every sampled value normalised in `samples`. session_id is null for charger-level readings.
meter_values = Table(
    "meter_values",
    metadata,
    id_column(),
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="CASCADE")),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="SET NULL"), index=True),
    Column("evse_network_id", String(64)),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("context", String(32)),
    Column("energy", Float),  # Energy.Active.Import.Register, Wh
    Column("power", Float),  # Power.Active.Import, W
    Column("soc", Float),  # SoC, percent
    Column("current", Float),  # Current.Import, A (sum of phases)
    Column("voltage", Float),  # Voltage, V (mean of phases)
    Column("samples", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # session, EVSE and context as one value ("12|1|Sample.Periodic", absent parts empty): a reading is
    # stored once, and the unique constraint says so (inserted with ON CONFLICT DO NOTHING, no look-up
    # first); in a plain unique index the absent (null) parts would never be equal
    Column("reading_key", String(140), nullable=False),
    UniqueConstraint("charge_point_id", "reading_key", "timestamp", name="uq_meter_values_reading"),
    # by session (consumption, cascade); by charge point the unique constraint's index serves. No
    # index on (charge point, EVSE, time): no query reads that way and every reading paid its entry
    Index("ix_meter_values_session", "session_id", "timestamp"),
    sqlite_autoincrement=True,
    info={"label": "meter value"},
)

charging_periods = Table(
    "charging_periods",
    metadata,
    id_column(),
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime),
    Column("energy_start", Float),  # register (Wh) when the period began
    Column("energy", Float, nullable=False, default=0.0),
    Column("state", String(32), nullable=False),
    Column("charging_state", String(16), nullable=False),
    Index("ix_charging_periods_session", "session_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "charging period"},
)

reservations = Table(
    "reservations",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("chargePointId")),
    # null: the whole charge point (OCPP 1.6 connectorId 0)
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="CASCADE"), index=True, info=path("evseId")),
    Column("evse_network_id", String(64), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True,
           info=path("userId")),
    # active | expired | canceled | done
    Column("status", String(16), nullable=False, index=True, info=path("status")),
    Column("reserved_at", UtcDateTime, nullable=False, index=True, info=path("reservedAt")),
    Column("expires_at", UtcDateTime, nullable=False, index=True, info=path("expiresAt")),
    Column("duration", Integer, nullable=False, info=path("duration")),
    Column("canceled_at", UtcDateTime, info=path("canceledAt")),
    Column("id_tag", String(255), nullable=False),
    Column("parent_id_tag", String(255)),
    # the charger agreed (ReserveNow Accepted); a refused reservation stays canceled and silent
    Column("confirmed", Boolean, nullable=False, default=False),
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="SET NULL"), index=True),
    *document_columns(),
    sqlite_autoincrement=True,
    info={"label": "reservation"},
)
