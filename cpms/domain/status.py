"""Hardware status chargers report: the charge point's own and each EVSE's, with their history.

Protocol handlers translate their words into the contract's (`available`, `suspendedEV` ...) and
call `record_charge_point_status` / `record_evse_status`. Every report is logged; the charge point
or EVSE row is written only when a stored value changes (hardwareStatus, vendorErrorCode), and
events are emitted only for real changes:

- "chargePoint.hardwareStatus" / "evse.hardwareStatus" when the status, error code or vendor
  error code differs from the unit's previous report (data: what the HardwareStatusNotification
  callback carries);
- "chargePoint.changed" / "evse.changed" (`{"action": "updated", "source": "ocpp"}`) when a stored
  field of the row changed.

A report about a unit cpms does not know (an EVSE that was never declared) is logged as such and
changes nothing else: a charger is never refused for describing itself.

OCPP 2.0.1 reports connectors, not EVSEs: each report is logged for its connector ("1/2") and the
EVSE's status combines the latest report of each of its connectors (`combine=True`), so a second
connector going Unavailable while the first charges leaves the EVSE occupied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from cpms.clock import iso
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points, connectors, evses
from cpms.storage.tables.ocpp import CHARGE_POINT_UNIT, EVSE_UNIT, UNKNOWN_UNIT, hardware_status_logs

CHARGE_POINT_STATUSES = ("available", "unavailable", "faulted")
EVSE_STATUSES = ("available", "preparing", "charging", "suspendedEV", "suspendedEVSE", "finishing", "reserved",
                 "unavailable", "faulted", "occupied")
NO_ERROR = "NoError"
# which connector's status an EVSE shows when its connectors disagree, most telling first
COMBINED_ORDER = ("occupied", "charging", "suspendedEV", "suspendedEVSE", "finishing", "preparing", "reserved",
                  "available", "faulted", "unavailable")

# What an error code means and what a driver can do, in cpms's words (errorCodeDescription /
# errorCodeCustomerAction of the status logs). OCPP 1.6 codes; unknown codes get none.
ERROR_CODES: dict[str, tuple[str, str]] = {
    "ConnectorLockFailure": ("The connector could not be locked or unlocked.",
                             "Plug the cable in again; if that does not help, use another connector."),
    "EVCommunicationError": ("The charger could not communicate with the vehicle.",
                             "Plug the cable in again and check the vehicle is ready to charge."),
    "GroundFailure": ("A ground fault was detected.", "Do not use this connector; the operator has been told."),
    "HighTemperature": ("The charger is too hot.", "Wait for the charger to cool down, or use another one."),
    "InternalError": ("The charger reported an internal fault.", "Use another charger; the operator has been told."),
    "LocalListConflict": ("The charger's local authorization list disagrees with the central system.",
                          "Try again, or start charging from the app."),
    "OtherError": ("The charger reported a fault (see info and the vendor's code).",
                   "Use another charger if charging does not start."),
    "OverCurrentFailure": ("The over-current protection tripped.", "Unplug the vehicle and use another connector."),
    "OverVoltage": ("The supply voltage is too high.", "Wait and try again later."),
    "UnderVoltage": ("The supply voltage is too low.", "Wait and try again later."),
    "PowerMeterFailure": ("The energy meter failed.", "Use another connector; the operator has been told."),
    "PowerSwitchFailure": ("The power switch failed.", "Use another connector; the operator has been told."),
    "ReaderFailure": ("The card reader failed.", "Start charging from the app instead of with a card."),
    "ResetFailure": ("The charger could not restart.", "Use another charger; the operator has been told."),
    "WeakSignal": ("The charger's wireless connection is weak.", "Charging may still work; try again if it does not."),
}


@dataclass(frozen=True)
class HardwareReport:
    status: str  # in the contract's words (EVSE_STATUSES / CHARGE_POINT_STATUSES)
    error_code: str = NO_ERROR
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None
    timestamp: datetime | None = None  # the charger's, when it gave one

    def payload(self, at: datetime) -> dict[str, Any]:
        return {"timestamp": iso(self.timestamp or at), "hardwareStatus": self.status, "errorCode": self.error_code,
                "info": self.info, "vendorId": self.vendor_id, "vendorErrorCode": self.vendor_error_code}


async def record_charge_point_status(tx: Tx, charge_point_id: int, report: HardwareReport, now: datetime,
                                     connector: str = "0") -> bool:
    """Log the charge point's own status; True when its stored status or vendor error code changed."""
    t = charge_points
    row = (await tx.conn.execute(select(t.c.hardware_status, t.c.vendor_error_code)
                                 .where(t.c.id == charge_point_id))).first()
    if row is None:
        return False
    logs = hardware_status_logs.c
    previous = await _previous(tx, logs.charge_point_id == charge_point_id, logs.unit == CHARGE_POINT_UNIT)
    await _log(tx, charge_point_id, None, CHARGE_POINT_UNIT, connector, report, now)
    if _differs(previous, report):
        await tx.emit(Event("chargePoint.hardwareStatus", "chargePoint", charge_point_id,
                            {"chargePointId": charge_point_id, **report.payload(now),
                             "previousHardwareStatus": previous.status if previous else None}, now))
    changes: dict[str, Any] = {}
    if row.hardware_status != report.status:
        changes["hardware_status"] = report.status
    if row.vendor_error_code != report.vendor_error_code:
        changes["vendor_error_code"] = report.vendor_error_code
    if not changes:
        return False
    await tx.conn.execute(update(t).where(t.c.id == charge_point_id).values(**changes, last_updated_at=now))
    await tx.emit(Event("chargePoint.changed", "chargePoint", charge_point_id,
                        {"action": "updated", "source": "ocpp"}, now))
    return True


async def record_evse_status(tx: Tx, charge_point_id: int, evse_network_id: str, report: HardwareReport,
                             now: datetime, connector: str | None = None, combine: bool = False) -> bool | None:
    """Log an EVSE's status; True when its stored status changed, None when the charger has no such EVSE.

    With `combine` the report is one connector's and the EVSE's status is the combination of its
    connectors' latest reports; an event is then emitted when that combination changes.
    """
    connector = connector if connector is not None else evse_network_id
    e = evses.c
    row = (await tx.conn.execute(select(e.id, e.hardware_status).where(
        e.charge_point_id == charge_point_id, e.network_id == evse_network_id))).first()
    if row is None:
        await _log(tx, charge_point_id, None, UNKNOWN_UNIT, connector, report, now)
        return None
    logs = hardware_status_logs.c
    previous = await _previous(tx, logs.evse_id == row.id)
    await _log(tx, charge_point_id, row.id, EVSE_UNIT, connector, report, now)
    status = report.status
    if combine:
        status = await _combined_status(tx, row.id, evse_network_id, connector)
        changed = status != row.hardware_status
        previous_status = row.hardware_status
    else:
        changed = _differs(previous, report)
        previous_status = previous.status if previous else None
    if changed:
        await tx.emit(Event("evse.hardwareStatus", "evse", row.id,
                            {"chargePointId": charge_point_id, "evseId": row.id, "evseNetworkId": evse_network_id,
                             **report.payload(now), "hardwareStatus": status,
                             "previousHardwareStatus": previous_status}, now))
    if row.hardware_status == status:
        return False
    await tx.conn.execute(update(evses).where(e.id == row.id).values(hardware_status=status, last_updated_at=now))
    await tx.emit(Event("evse.changed", "evse", row.id,
                        {"action": "updated", "source": "ocpp", "chargePointId": charge_point_id}, now))
    return True


def describe_error(code: str | None) -> tuple[str, str] | None:
    """(description, what a driver can do) for an error code, None for NoError and unknown codes."""
    return ERROR_CODES.get(code or "")


async def _previous(tx: Tx, *where: Any) -> Any:
    logs = hardware_status_logs.c
    return (await tx.conn.execute(select(logs.status, logs.error_code, logs.vendor_error_code)
                                  .where(*where).order_by(logs.id.desc()).limit(1))).first()


async def _combined_status(tx: Tx, evse_id: int, evse_network_id: str, reported: str) -> str:
    """The EVSE's status from the latest report of each of its connectors: those cpms knows, the one
    reporting, and any other that reported lately (a station may have connectors nobody declared)."""
    logs = hardware_status_logs.c
    numbers = (await tx.conn.execute(select(connectors.c.number).where(connectors.c.evse_id == evse_id))).scalars()
    units = {f"{evse_network_id}/{n}" for n in numbers} | {reported}
    units |= set((await tx.conn.execute(select(logs.connector).where(logs.evse_id == evse_id)
                                        .order_by(logs.id.desc()).limit(64))).scalars())
    latest = []
    for unit in sorted(u for u in units if u is not None):
        status = (await tx.conn.execute(select(logs.status).where(logs.evse_id == evse_id, logs.connector == unit)
                                        .order_by(logs.id.desc()).limit(1))).scalar()
        if status is not None:
            latest.append(status)
    rank = {status: n for n, status in enumerate(COMBINED_ORDER)}
    return min(latest, key=lambda status: rank.get(status, len(rank)))


def _differs(previous: Any, report: HardwareReport) -> bool:
    return previous is None or (previous.status, previous.error_code, previous.vendor_error_code) != (
        report.status, report.error_code, report.vendor_error_code)


async def _log(tx: Tx, charge_point_id: int, evse_id: int | None, unit: str, connector: str,
               report: HardwareReport, now: datetime) -> None:
    await tx.conn.execute(insert(hardware_status_logs).values(
        charge_point_id=charge_point_id, evse_id=evse_id, unit=unit, connector=connector[:32], status=report.status,
        error_code=report.error_code, info=report.info, vendor_id=report.vendor_id,
        vendor_error_code=report.vendor_error_code, timestamp=report.timestamp or now, created_at=now))
