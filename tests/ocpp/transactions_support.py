"""What the transaction, reservation and session tests share: drivers, tags, readings, row counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from cpms.clock import UTC, Clock, iso
from cpms.storage.db import Database
from cpms.storage.tables.charge_points import evses
from cpms.storage.tables.sessions import authorizations, charging_periods, meter_values, reservations, sessions
from cpms.storage.tables.users import id_tags, users

TABLES = {"sessions": sessions, "authorizations": authorizations, "meter_values": meter_values,
          "charging_periods": charging_periods, "reservations": reservations}


async def user(db: Database, email: str, *, status: str = "enabled", sessions_allowed: str | None = None,
               partner_id: int | None = None) -> int:
    now = Clock().now()
    attrs: dict[str, Any] = {"firstName": "Ada", "lastName": "Driver"}
    if sessions_allowed:
        attrs["options"] = {"sessionsAllowed": sessions_allowed}
    async with db.write() as tx:
        return int((await tx.conn.execute(insert(users).values(
            email=email, status=status, partner_id=partner_id, attrs=attrs, created_at=now, last_updated_at=now,
        ).returning(users.c.id))).scalar_one())


async def tag(db: Database, uid: str, *, user_id: int | None = None, status: str = "enabled",
              expire_at: datetime | None = None, kind: str = "rfid", label: str | None = None) -> int:
    now = Clock().now()
    async with db.write() as tx:
        return int((await tx.conn.execute(insert(id_tags).values(
            uid=uid, status=status, type=kind, expire_at=expire_at, user_id=user_id, label=label, attrs={},
            created_at=now, last_updated_at=now,
        ).returning(id_tags.c.id))).scalar_one())


async def allow_reservations(db: Database, *evse_ids: int) -> None:
    async with db.write() as tx:
        await tx.conn.execute(update(evses).where(evses.c.id.in_(evse_ids)).values(attrs={"allowsReservation": True}))


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        return {name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                for name, table in TABLES.items()}


async def rows(db: Database, table_name: str, **where: Any) -> list[Any]:
    table = TABLES[table_name]
    async with db.read() as conn:
        stmt = select(table).where(*[table.c[k] == v for k, v in where.items()]).order_by(table.c.id)
        return list((await conn.execute(stmt)).all())


# the moment charger timestamps count from: fixed for the run, so at(0) is the same value in a test
BASE = Clock().now().replace(microsecond=0)


def at(seconds: float = 0, base: datetime | None = None) -> str:
    """A charger's timestamp `seconds` after `base` (default: when the run began, to the second)."""
    return iso((base or BASE) + timedelta(seconds=seconds)).replace(".000000Z", "Z")


def reading(timestamp: str, energy: float | None = None, power: float | None = None, soc: float | None = None,
            context: str = "Sample.Periodic", energy_unit: str = "Wh", phases: dict[str, float] | None = None
            ) -> dict[str, Any]:
    """One OCPP 1.6 meterValue (camelCase, as on the wire)."""
    sampled = []
    if energy is not None:
        sampled.append({"value": str(energy), "context": context, "measurand": "Energy.Active.Import.Register",
                        "unit": energy_unit})
    if power is not None:
        sampled.append({"value": str(power), "context": context, "measurand": "Power.Active.Import", "unit": "W"})
    if soc is not None:
        sampled.append({"value": str(soc), "context": context, "measurand": "SoC", "unit": "Percent"})
    for phase, amps in (phases or {}).items():
        sampled.append({"value": str(amps), "context": context, "measurand": "Current.Import", "unit": "A",
                        "phase": phase})
    return {"timestamp": timestamp, "sampledValue": sampled}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
