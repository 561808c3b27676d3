"""Chargers' configuration as they report it: variables of components (OCPP 2.0.1's device model;
an OCPP 1.6 key is a variable without component).

A read of the configuration is a request (`open_request`) whose id is the API's `requestId`;
what the charger reports is stored with `store_variables` (in one go for 1.6's GetConfiguration,
in parts for 2.0.1's NotifyReport), and `complete_request` ends it: variables a full read did
not report are forgotten, and "chargePoint.configurationSynced" tells the world.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import iso
from cpms.errors import Conflict
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.configuration import configuration_requests, configuration_variables

SYNCED = "chargePoint.configurationSynced"


@dataclass(frozen=True)
class Variable:
    """One configuration value of a charger, in device-model terms."""

    name: str
    value: str | None = None
    # None: not said (a 2.0.1 GetVariables answer gives the value alone): what is stored stays
    readonly: bool | None = False
    instance: str | None = None
    component: str | None = None
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    # what else the charger says about it (2.0.1 characteristics: maxLimit, dataType, unit ...)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def address(self) -> str:
        """Everything that identifies the variable on its charger, as one comparable string."""
        parts = [self.component, self.component_instance, self.evse_id, self.connector_id, self.name, self.instance]
        return orjson.dumps(parts).decode()

    def columns(self) -> dict[str, Any]:
        return {"address": self.address, "component_name": self.component,
                "component_instance": self.component_instance, "evse_id": self.evse_id,
                "connector_id": self.connector_id, "variable_name": self.name,
                "variable_instance": self.instance, "value": self.value, "readonly": bool(self.readonly)}


# The 2.0.1 variable (component, variable, instance) holding each OCPP 1.6 standard key (OCPP 2.0.1
# Part 2, the device model's standardized components), so a 1.6 key names a 2.0.1 station's variable.
KEYS_16: dict[str, tuple[str, str, str | None]] = {
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval", None),
    "WebSocketPingInterval": ("OCPPCommCtrlr", "WebSocketPingInterval", None),
    "ResetRetries": ("OCPPCommCtrlr", "ResetRetries", None),
    "TransactionMessageAttempts": ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
    "TransactionMessageRetryInterval": ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
    "UnlockConnectorOnEVSideDisconnect": ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", None),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval", None),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands", None),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands", None),
    "ClockAlignedDataInterval": ("AlignedDataCtrlr", "Interval", None),
    "MeterValuesAlignedData": ("AlignedDataCtrlr", "Measurands", None),
    "StopTxnAlignedData": ("AlignedDataCtrlr", "TxEndedMeasurands", None),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut", None),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect", None),
    "StopTransactionOnInvalidId": ("TxCtrlr", "StopTxOnInvalidId", None),
    "MaxEnergyOnInvalidId": ("TxCtrlr", "MaxEnergyOnInvalidId", None),
    "AuthorizeRemoteTxRequests": ("AuthCtrlr", "AuthorizeRemoteStart", None),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline", None),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize", None),
    "AllowOfflineTxForUnknownId": ("AuthCtrlr", "OfflineTxForUnknownIdEnabled", None),
    "AuthorizationCacheEnabled": ("AuthCacheCtrlr", "Enabled", None),
    "LocalAuthListEnabled": ("LocalAuthListCtrlr", "Enabled", None),
    "SendLocalListMaxLength": ("LocalAuthListCtrlr", "ItemsPerMessage", None),
    "ChargeProfileMaxStackLevel": ("SmartChargingCtrlr", "ProfileStackLevel", None),
    "ChargingScheduleAllowedChargingRateUnit": ("SmartChargingCtrlr", "RateUnit", None),
    "ChargingScheduleMaxPeriods": ("SmartChargingCtrlr", "PeriodsPerSchedule", None),
    "ReserveConnectorZeroSupported": ("ReservationCtrlr", "NonEvseSpecific", None),
    "SecurityProfile": ("SecurityCtrlr", "SecurityProfile", None),
    "CpoName": ("SecurityCtrlr", "OrganizationName", None),
    "CertificateSignedMaxChainSize": ("SecurityCtrlr", "MaxCertificateChainSize", None),
    "AdditionalRootCertificateCheck": ("SecurityCtrlr", "AdditionalRootCertificateCheck", None),
}


async def open_request(tx: Tx, charge_point_id: int, keys: list[str] | None, now: datetime) -> int:
    """A new read of the charger's configuration (`keys` None: all of it); its id is the requestId."""
    t = configuration_requests
    result = await tx.conn.execute(insert(t).values(charge_point_id=charge_point_id, requested_keys=keys or None,
                                                    status="pending", created_at=now).returning(t.c.id))
    return int(result.scalar_one())


async def discard_request(tx: Tx, request_id: int) -> None:
    """A read that was never sent (its keys cannot be said in the charger's protocol) never existed."""
    await tx.conn.execute(delete(configuration_requests).where(configuration_requests.c.id == request_id))


async def fail_request(tx: Tx, request_id: int, error: str, now: datetime) -> None:
    t = configuration_requests
    await tx.conn.execute(update(t).where(t.c.id == request_id)
                          .values(status="failed", error=error[:255], completed_at=now))


async def store_variables(tx: Tx, charge_point_id: int, variables: list[Variable], now: datetime,
                          request_id: int | None = None) -> None:
    """Upsert what the charger reported (for read `request_id`); lastUpdatedAt moves only for changed values."""
    t = configuration_variables
    wanted = {v.address: v for v in variables}
    if not wanted:
        return
    existing = {row.address: row for row in (await tx.conn.execute(
        select(t.c.id, t.c.address, t.c.value, t.c.readonly, t.c.attrs)
        .where(t.c.charge_point_id == charge_point_id, t.c.address.in_(list(wanted)))
    )).all()}
    new_rows = []
    for address, variable in wanted.items():
        row = existing.get(address)
        attrs = _attrs(variable)
        if row is not None and variable.readonly is None:  # a value without its attributes (2.0.1 GetVariables)
            variable = replace(variable, readonly=row.readonly)
            attrs = dict(row.attrs or {})
        if row is None:
            new_rows.append({**variable.columns(), "charge_point_id": charge_point_id, "timestamp": now,
                             "request_id": request_id, "attrs": attrs, "created_at": now, "last_updated_at": now})
            continue
        if (row.attrs or {}).get("monitors") is not None:
            attrs["monitors"] = row.attrs["monitors"]  # a report of values does not speak of monitors
        values: dict[str, Any] = {"timestamp": now, "request_id": request_id}
        if (row.value, row.readonly, row.attrs or {}) != (variable.value, variable.readonly, attrs):
            values.update(value=variable.value, readonly=variable.readonly, attrs=attrs, last_updated_at=now)
        await tx.conn.execute(update(t).where(t.c.id == row.id).values(values))
    if new_rows:
        await tx.conn.execute(insert(t), new_rows)


def _attrs(variable: Variable) -> dict[str, Any]:
    extra = dict(variable.extra)
    if "maxLimit" in extra:
        return {"key": {"maxLimit": extra.pop("maxLimit")}, **({"characteristics": extra} if extra else {})}
    return {"characteristics": extra} if extra else {}


async def record_part(tx: Tx, charge_point_id: int, request_id: int, seq_no: int, last: bool) -> str:
    """One part of a report in parts (2.0.1 NotifyReport: seqNo from 0, the last without tbc).

    "unknown": no read of this charger has that id (the report is stored without one); "repeat":
    the part was taken before (a retransmission: answered, ignored); "part": taken, more to come;
    "complete": every part up to the last has now arrived, in whatever order.
    """
    r = configuration_requests
    row = (await tx.conn.execute(select(r.c.status, r.c.parts).where(
        r.c.id == request_id, r.c.charge_point_id == charge_point_id))).first()
    if row is None:
        return "unknown"
    parts = dict(row.parts or {})
    seen = set(parts.get("seen") or ())
    if seq_no in seen or row.status == "completed":
        return "repeat"
    seen.add(seq_no)
    parts["seen"] = sorted(seen)
    if last:
        parts["last"] = seq_no
    await tx.conn.execute(update(r).where(r.c.id == request_id).values(parts=parts))
    end = parts.get("last")
    return "complete" if end is not None and seen >= set(range(end + 1)) else "part"


async def store_monitors(tx: Tx, charge_point_id: int, monitored: list[tuple[Variable, list[dict[str, Any]]]],
                         now: datetime) -> None:
    """The monitors a charger reports on its variables (2.0.1 NotifyMonitoringReport) replace the
    ones known for each variable; a variable not reported before is known from now on, without value."""
    t = configuration_variables
    for variable, monitors in monitored:
        row = (await tx.conn.execute(select(t.c.id, t.c.attrs).where(
            t.c.charge_point_id == charge_point_id, t.c.address == variable.address))).first()
        if row is None:
            await tx.conn.execute(insert(t).values(**variable.columns(), charge_point_id=charge_point_id,
                                                   attrs={"monitors": monitors}, created_at=now, last_updated_at=now))
        elif (row.attrs or {}).get("monitors") != monitors:
            await tx.conn.execute(update(t).where(t.c.id == row.id).values(
                attrs={**(row.attrs or {}), "monitors": monitors}, last_updated_at=now))


async def forget_variables(tx: Tx, charge_point_id: int, variables: list[Variable]) -> None:
    """Variables the charger said it does not have (2.0.1 UnknownComponent, UnknownVariable)."""
    if variables:
        t = configuration_variables
        await tx.conn.execute(delete(t).where(t.c.charge_point_id == charge_point_id,
                                              t.c.address.in_([v.address for v in variables])))


async def forget_keys(tx: Tx, charge_point_id: int, names: list[str]) -> None:
    """Keys the charger said it does not know (OCPP 1.6 unknownKey) are no longer its configuration."""
    if not names:
        return
    t = configuration_variables
    await tx.conn.execute(delete(t).where(t.c.charge_point_id == charge_point_id, t.c.component_name.is_(None),
                                          t.c.variable_name.in_(names)))


async def complete_request(tx: Tx, charge_point_id: int, request_id: int, now: datetime,
                           unknown_keys: list[str] | None = None) -> list[dict[str, Any]]:
    """End a read; a read of everything forgets variables it did not report. Emits the synced event."""
    t, r = configuration_variables, configuration_requests
    keys = (await tx.conn.execute(select(r.c.requested_keys).where(r.c.id == request_id))).scalar_one()
    await forget_keys(tx, charge_point_id, unknown_keys or [])
    if keys is None:
        await tx.conn.execute(delete(t).where(t.c.charge_point_id == charge_point_id,
                                              t.c.request_id.is_distinct_from(request_id)))
    await tx.conn.execute(update(r).where(r.c.id == request_id).values(status="completed", completed_at=now))
    stmt = select(t).where(t.c.charge_point_id == charge_point_id).order_by(t.c.id)
    if keys is not None:
        # what this read reported: a 2.0.1 charger names a key's variable by its component too
        stmt = stmt.where(t.c.request_id == request_id)
    configuration = [_reported(row) for row in (await tx.conn.execute(stmt)).all()]
    await tx.emit(Event(SYNCED, "chargePoint", charge_point_id,
                        {"chargePointId": charge_point_id, "requestId": request_id, "configuration": configuration,
                         "unknownKeys": list(unknown_keys or [])}, now))
    return configuration


def _reported(row: Any) -> dict[str, Any]:
    """A variable as the synced notification lists it."""
    item: dict[str, Any] = {"key": row.variable_name, "value": row.value, "readonly": row.readonly,
                            "timestamp": iso(row.timestamp), "lastUpdatedAt": iso(row.last_updated_at)}
    for name, value in (("componentName", row.component_name), ("instance", row.variable_instance),
                        ("evseId", row.evse_id)):
        if value is not None:
            item[name] = value
    return item


async def record_change(tx: Tx, charge_point_id: int, variable: Variable, now: datetime) -> None:
    """The charger accepted a new value: it is the stored value from now on."""
    t = configuration_variables
    row = (await tx.conn.execute(select(t.c.id, t.c.value).where(
        t.c.charge_point_id == charge_point_id, t.c.address == variable.address))).first()
    if row is None:
        await tx.conn.execute(insert(t).values(**variable.columns(), charge_point_id=charge_point_id, timestamp=now,
                                               attrs={}, created_at=now, last_updated_at=now))
        return
    values: dict[str, Any] = {"timestamp": now}
    if row.value != variable.value:
        values.update(value=variable.value, last_updated_at=now)
    await tx.conn.execute(update(t).where(t.c.id == row.id).values(values))


async def find_key(conn: AsyncConnection, charge_point_id: int, key: str, *where: Any) -> Any | None:
    """The stored variable named `key` (an OCPP 1.6 key; `where`: further conditions); None if the
    charger never reported it.

    Several 2.0.1 components may have a variable of that name: then the key does not say which,
    and the listing's filters (componentName, instance, evseId) must.
    """
    t = configuration_variables
    rows = (await conn.execute(select(t).where(t.c.charge_point_id == charge_point_id, t.c.variable_name == key,
                                               *where).order_by(t.c.id).limit(11))).all()
    if len(rows) > 1:
        where = ", ".join(sorted({f"{r.component_name or '-'}/{r.variable_instance or '-'}/{r.evse_id or '-'}"
                                  for r in rows})[:10])
        raise Conflict(f"Several variables are named {key} (component/instance/EVSE: {where}); "
                       f"list them with filter[componentName], filter[instance] and filter[evseId].")
    return rows[0] if rows else None


def variable_of(row: Any, value: str | None = None) -> Variable:
    """The Variable a stored row holds (with another value, for a change)."""
    return Variable(name=row.variable_name, value=row.value if value is None else value, readonly=row.readonly,
                    instance=row.variable_instance, component=row.component_name,
                    component_instance=row.component_instance, evse_id=row.evse_id, connector_id=row.connector_id)
