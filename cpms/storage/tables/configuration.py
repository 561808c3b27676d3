"""What the central system knows it has set on chargers, and what they report of their device
model: configuration variables (with their monitors), device events, charging profiles and limits,
EVs' charging needs, local authorization lists.

Configuration is stored in the shape of OCPP 2.0.1's device model, so both versions fill one
table: a variable (name, instance) of a component (name, instance, EVSE, connector). An OCPP 1.6
configuration key is a variable without component; a 2.0.1 NotifyReport or GetVariables answer
fills the component columns. `address` joins the identifying parts into one string so that one
unique constraint holds even where parts are NULL (NULLs are distinct in SQL unique indexes).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from cpms.storage.tables.base import document_columns, id_column, metadata, path
from cpms.storage.types import Id, Json, UtcDateTime

# One request to read a charger's configuration; its id is the requestId the API answers with
# (and the one OCPP 2.0.1's GetBaseReport / NotifyReport carry).
configuration_requests = Table(
    "configuration_requests",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False, index=True),
    # the keys asked for; null for all of them
    Column("requested_keys", Json),
    Column("status", String(16), nullable=False, default="pending"),  # pending | completed | failed
    Column("error", String(255)),
    # a report in parts (2.0.1 NotifyReport): {"seen": [seqNo ...], "last": seqNo of the part without tbc}
    Column("parts", Json),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    sqlite_autoincrement=True,
    info={"label": "configuration request"},
)

configuration_variables = Table(
    "configuration_variables",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(400), nullable=False),
    Column("component_name", String(50), info=path("key.componentName")),
    Column("component_instance", String(50), info=path("key.componentInstance")),
    # the EVSE and connector numbers on the charger (not row ids): OCPP 2.0.1 evse.id / connectorId
    Column("evse_id", Integer, info=path("key.evseId")),
    Column("connector_id", Integer, info=path("key.connectorId")),
    Column("variable_name", String(50), nullable=False, info=path("key.name")),
    Column("variable_instance", String(50), info=path("key.instance")),
    # OCPP 1.6 values are at most 500 characters, 2.0.1 values up to the charger's ValueSize
    Column("value", Text, info=path("key.value")),
    Column("readonly", Boolean, nullable=False, default=False, info=path("readonly")),
    # when the charger last reported (or accepted) this value
    Column("timestamp", UtcDateTime, info=path("timestamp")),
    # the configuration read that last reported it (a read of everything forgets the others)
    Column("request_id", Id, ForeignKey("configuration_requests.id", ondelete="SET NULL"), index=True),
    *document_columns(),
    UniqueConstraint("charge_point_id", "address"),
    Index("ix_configuration_variables_name", "charge_point_id", "variable_name"),
    sqlite_autoincrement=True,
    info={"label": "configuration key"},
)

# Charging profiles sent to chargers. The row id is the chargingProfileId on the charger; a row is
# `pending` while the charger has not accepted it yet (not shown anywhere) and `applied` after.
charging_profiles = Table(
    "charging_profiles",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    # null for the charge point as a whole (OCPP connector / EVSE 0)
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="CASCADE"), index=True),
    Column("evse_network_id", Integer, nullable=False, default=0),
    # the API's purposes, and 2.0.1's ChargingStationExternalConstraints for limits chargers report
    Column("purpose", String(40), nullable=False),
    Column("stack_level", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("transaction_id", String(64)),
    Column("valid_from", UtcDateTime),
    Column("valid_to", UtcDateTime),
    Column("status", String(16), nullable=False, default="pending"),
    Column("applied_at", UtcDateTime),
    # the schedule and everything else of the profile, in the API's words
    Column("profile", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    Index("ix_charging_profiles_cp", "charge_point_id", "evse_network_id", "status"),
    sqlite_autoincrement=True,
    info={"label": "charging profile"},
)

# Events a charger's device model reported (OCPP 2.0.1 NotifyEvent); one row per eventId and timestamp.
device_events = Table(
    "device_events",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("trigger", String(16), nullable=False),  # Alerting | Delta | Periodic
    Column("notification_type", String(32), nullable=False),
    # the component and variable, as configuration_variables names them
    Column("address", String(400), nullable=False),
    Column("component_name", String(50), nullable=False),
    Column("variable_name", String(50), nullable=False),
    Column("actual_value", Text),
    Column("cleared", Boolean),
    # cause, techCode, techInfo, transactionId, variableMonitoringId, the full component and variable
    Column("attrs", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "event_id", "timestamp"),
    Index("ix_device_events_cp", "charge_point_id", "id"),
    sqlite_autoincrement=True,
    info={"label": "device event"},
)

# What the EV on an EVSE said it needs (2.0.1 NotifyEVChargingNeeds) and the schedule it chose
# (NotifyEVChargingSchedule); the latest per EVSE.
ev_charging_needs = Table(
    "ev_charging_needs",
    metadata,
    id_column(),
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("evse_id", Id, ForeignKey("evses.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("requested_energy_transfer", String(32)),
    Column("departure_time", UtcDateTime),
    # chargingNeeds and maxScheduleTuples as the charger sent them
    Column("needs", Json),
    Column("status", String(16)),  # the answer cpms gave: Accepted | Rejected | Processing
    # the EV's schedule (chargingSchedule, timeBase) and cpms's answer to it
    Column("ev_schedule", Json),
    Column("ev_schedule_status", String(16)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "evse_id"),
    sqlite_autoincrement=True,
    info={"label": "EV charging needs"},
)

# The local authorization list each charger holds, as last sent (or reported) to it.
local_auth_lists = Table(
    "local_auth_lists",
    metadata,
    Column("charge_point_id", Id, ForeignKey("charge_points.id", ondelete="CASCADE"), primary_key=True),
    # -1: the charger does not support local lists; 0: empty
    Column("version", Integer, nullable=False),
    # idTag -> {"status", "expiryDate", "parentIdTag"}; null when only the version is known
    Column("entries", Json),
    Column("updated_at", UtcDateTime, nullable=False),
    info={"label": "local authorization list"},
)
