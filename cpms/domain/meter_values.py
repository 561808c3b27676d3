"""Meter readings: sampled values normalised to base units, stored once, summarised.

OCPP 1.6 and 2.0.1 sample alike (measurand, phase, location, context, unit; 2.0.1 adds a power of
ten multiplier): the version layer builds `Sample`s with `sample(...)`, the domain does the rest.
Values are kept in Wh, W, var, varh, A, V, Percent, Celsius. One `Reading` is one sampled moment
(an OCPP meterValue); the measurands the domain uses become columns of its row (energy register,
power, SoC, current summed over phases, voltage averaged), every sampled value is kept in
`samples`. A retransmitted reading (same place, moment and context) is not stored twice: a
unique index says so, and all the readings of a batch go in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from cpms.clock import iso
from cpms.storage.bulk import insert_new
from cpms.storage.db import Tx
from cpms.storage.tables.sessions import meter_values

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"
CURRENT = "Current.Import"
VOLTAGE = "Voltage"
KILO_UNITS = {"kWh": "Wh", "kW": "W", "kvar": "var", "kvarh": "varh", "kVA": "VA"}
DEFAULT_UNITS = {"SoC": "Percent", "Temperature": "Celsius", "Frequency": "Hz", "RPM": "RPM"}
PHASES = ("L1", "L2", "L3", "L1-N", "L2-N", "L3-N")
OUTLET = (None, "Outlet", "Inlet")  # where the charger's own meter measures


class BadSample(ValueError):
    """A sampled value that is not a number where the protocol requires one."""


@dataclass
class Sample:
    measurand: str
    value: float | None  # None for signed data
    unit: str
    phase: str | None = None
    location: str | None = None
    context: str | None = None
    raw: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"measurand": self.measurand, "value": self.value, "unit": self.unit}
        for name in ("phase", "location", "context"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.value is None and self.raw is not None:
            out["raw"] = self.raw
        return out


@dataclass
class Reading:
    """One sampled moment; its samples are not changed once made (the figures below are worked out once)."""
    timestamp: datetime
    samples: list[Sample] = field(default_factory=list)

    @cached_property
    def context(self) -> str | None:
        return next((s.context for s in self.samples if s.context), None)

    def total(self, measurand: str, combine: str = "sum", places: tuple[str | None, ...] = OUTLET) -> float | None:
        """The measurand over the whole outlet: the value without phase, else the phases combined."""
        found = [s for s in self.samples if s.measurand == measurand and s.value is not None
                 and s.location in places]
        plain = [s.value for s in found if s.phase is None or s.phase == "N"]
        if plain:
            return plain[0]
        phased = [s.value for s in found if s.phase in PHASES]
        if not phased:
            return None
        total = sum(v for v in phased if v is not None)
        return total / len(phased) if combine == "mean" else total

    @cached_property
    def energy(self) -> float | None:
        return self.total(ENERGY)

    @cached_property
    def power(self) -> float | None:
        return self.total(POWER)

    @cached_property
    def soc(self) -> float | None:
        return self.total(SOC, places=(*OUTLET, "EV"))  # the EV measures its state of charge


def sample(measurand: str | None, value: Any, unit: str | None = None, *, multiplier: int = 0,
           phase: str | None = None, location: str | None = None, context: str | None = None,
           signed: bool = False) -> Sample:
    """A sampled value in base units; BadSample if a plain value is not a number."""
    name = measurand or ENERGY
    base = unit or DEFAULT_UNITS.get(name) or ("Wh" if name.startswith("Energy") else "W" if name.startswith("Power")
                                               else "A" if name.startswith("Current") else "V" if name == VOLTAGE
                                               else "")
    number: float | None
    if signed:
        number = None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise BadSample(f"{name}: {value!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise BadSample(f"{name}: {value!r} is not a finite number")
        number *= 10 ** multiplier
        if base in KILO_UNITS:
            number, base = number * 1000, KILO_UNITS[base]
    return Sample(name, number, base, phase, location, context, None if number is not None else str(value))


def contract_measurand(name: str) -> str:
    """The contract's spelling in meter value notifications ("Energy Active Import Register")."""
    return "State Of Charge" if name == SOC else name.replace(".", " ")


@dataclass
class Batch:
    """Readings of one place (charge point, EVSE, session or none) to store."""
    charge_point_id: int
    readings: list[Reading]
    session_id: int | None
    evse_id: int | None
    evse_network_id: str | None


# the columns `_key` is made of: what tells the readings of a batch apart
_KEY_COLUMNS = ("charge_point_id", "session_id", "evse_network_id", "timestamp", "context")


def reading_key(session_id: int | None, evse_network_id: str | None, context: str | None) -> str:
    """What, besides the charge point and the moment, makes a reading the same one (its unique key)."""
    return f"{'' if session_id is None else session_id}|{evse_network_id or ''}|{context or ''}"


def _key(charge_point_id: int, session_id: int | None, evse_network_id: str | None, at: datetime,
         context: str | None) -> tuple[Any, ...]:
    return charge_point_id, session_id, evse_network_id, at.astimezone(timezone.utc), context


async def store_many(tx: Tx, batches: list[Batch], now: datetime) -> list[list[Reading]]:
    """Insert the readings not stored yet, all in one statement; per batch, those inserted (in time order).

    The unique constraint decides what was stored before (uq_meter_values_reading): no look-up first.
    """
    rows, marks = [], []
    for batch in batches:
        mine = []
        for reading in sorted(batch.readings, key=lambda r: r.timestamp):
            key = _key(batch.charge_point_id, batch.session_id, batch.evse_network_id, reading.timestamp,
                       reading.context)
            mine.append((key, reading))
            rows.append({"session_id": batch.session_id, "charge_point_id": batch.charge_point_id,
                         "evse_id": batch.evse_id, "evse_network_id": batch.evse_network_id,
                         "timestamp": reading.timestamp, "context": reading.context, "energy": reading.energy,
                         "power": reading.power, "soc": reading.soc, "current": reading.total(CURRENT),
                         "voltage": reading.total(VOLTAGE, "mean"), "samples": [s.as_dict() for s in reading.samples],
                         "created_at": now, "reading_key": reading_key(batch.session_id, batch.evse_network_id,
                                                                       reading.context)})
        marks.append(mine)
    if not rows:
        return [[] for _ in batches]
    stored = await insert_new(tx.conn, meter_values, rows, _KEY_COLUMNS)
    inserted = {_key(r.charge_point_id, r.session_id, r.evse_network_id, r.timestamp, r.context) for r in stored}
    out = []
    for mine in marks:
        fresh = []
        for key, reading in mine:
            if key in inserted:  # the first of equal readings takes it
                inserted.discard(key)
                fresh.append(reading)
        out.append(fresh)
    return out


async def store(tx: Tx, charge_point_id: int, readings: list[Reading], now: datetime, *,
                session_id: int | None, evse_id: int | None, evse_network_id: str | None) -> list[Reading]:
    """Insert the readings not stored yet; returns those inserted (in time order)."""
    if not readings:
        return []
    return (await store_many(tx, [Batch(charge_point_id, readings, session_id, evse_id, evse_network_id)], now))[0]


def notification_values(readings: list[Reading]) -> list[dict[str, Any]]:
    """The sampled values of `readings` as the session.meterValues event carries them."""
    out = []
    for reading in readings:
        for s in reading.samples:
            if s.value is None:
                continue
            item = {"timestamp": iso(reading.timestamp), "measurand": contract_measurand(s.measurand),
                    "value": s.value, "unit": s.unit}
            for name in ("phase", "location", "context"):
                if getattr(s, name) is not None:
                    item[name] = getattr(s, name)
            out.append(item)
    return out
