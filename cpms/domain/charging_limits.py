"""Limits on charging that do not come from cpms, and what EVs ask for (OCPP 2.0.1 smart charging).

An energy management system, a grid operator (SO) or another operator (CSO) may limit a charger
directly; the charger tells cpms (NotifyChargingLimit, ReportChargingProfiles) and says when the
limit is gone (ClearedChargingLimit). Such a limit is kept with the charging profiles as purpose
`ChargingStationExternalConstraints`, one per EVSE and source (the latest replaces the previous);
it is never shown as a charge point's or EVSE's `chargingProfile`, which are the operator's own.

An EV using ISO 15118 says what it needs (NotifyEVChargingNeeds) and which schedule it chose
(NotifyEVChargingSchedule); the latest of each is kept per EVSE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from cpms.storage.db import Tx
from cpms.storage.tables.configuration import charging_profiles, ev_charging_needs

EXTERNAL = "ChargingStationExternalConstraints"


async def limit_set(tx: Tx, charge_point_id: int, evse_id: int | None, evse_network_id: int, source: str,
                    limit: dict[str, Any], now: datetime) -> None:
    """`limit`: the source's schedules and what else the charger said, kept as sent (2.0.1 words).

    It replaces the source's limit on that EVSE; a limit with an `id` (a profile the charger
    reported) replaces only the one with that id.
    """
    await limit_cleared(tx, charge_point_id, source, evse_network_id, limit.get("id"))
    t = charging_profiles
    await tx.conn.execute(insert(t).values(
        charge_point_id=charge_point_id, evse_id=evse_id, evse_network_id=evse_network_id, purpose=EXTERNAL,
        stack_level=limit.get("stackLevel", 0), kind=limit.get("chargingProfileKind", "Absolute"),
        status="applied", profile={**limit, "chargingLimitSource": source}, applied_at=now, created_at=now,
        last_updated_at=now))


async def limit_cleared(tx: Tx, charge_point_id: int, source: str, evse_network_id: int | None = None,
                        profile_id: int | None = None) -> int:
    """Forget the source's limits (on one EVSE, else everywhere; with that id only); how many there were."""
    t = charging_profiles
    where = [t.c.charge_point_id == charge_point_id, t.c.purpose == EXTERNAL]
    if evse_network_id is not None:
        where.append(t.c.evse_network_id == evse_network_id)
    ids = [row.id for row in (await tx.conn.execute(select(t.c.id, t.c.profile).where(*where))).all()
           if (row.profile or {}).get("chargingLimitSource") == source
           and (profile_id is None or (row.profile or {}).get("id") == profile_id)]
    if ids:
        await tx.conn.execute(delete(t).where(t.c.id.in_(ids)))
    return len(ids)


async def limits(tx: Tx, charge_point_id: int) -> list[dict[str, Any]]:
    """The external limits known for a charge point: (EVSE number, the limit as stored)."""
    t = charging_profiles
    rows = (await tx.conn.execute(select(t.c.evse_network_id, t.c.profile).where(
        t.c.charge_point_id == charge_point_id, t.c.purpose == EXTERNAL).order_by(t.c.id))).all()
    return [{"evse": row.evse_network_id, **row.profile} for row in rows]


async def needs_reported(tx: Tx, charge_point_id: int, evse_id: int, needs: dict[str, Any],
                         departure: datetime | None, status: str, now: datetime) -> None:
    """What the EV on the EVSE needs now; a new EV's needs replace the schedule of the previous one."""
    t = ev_charging_needs
    values = {"requested_energy_transfer": needs.get("chargingNeeds", {}).get("requestedEnergyTransfer"),
              "departure_time": departure, "needs": needs, "status": status, "ev_schedule": None,
              "ev_schedule_status": None, "last_updated_at": now}
    if await _row_id(tx, charge_point_id, evse_id) is None:
        await tx.conn.execute(insert(t).values(charge_point_id=charge_point_id, evse_id=evse_id, created_at=now,
                                               **values))
    else:
        await tx.conn.execute(update(t).where(t.c.charge_point_id == charge_point_id, t.c.evse_id == evse_id)
                              .values(values))


async def schedule_reported(tx: Tx, charge_point_id: int, evse_id: int, schedule: dict[str, Any], status: str,
                            now: datetime) -> None:
    """The schedule the EV chose (with its timeBase), kept with its needs (even when they were not told)."""
    t = ev_charging_needs
    values = {"ev_schedule": schedule, "ev_schedule_status": status, "last_updated_at": now}
    if await _row_id(tx, charge_point_id, evse_id) is None:
        await tx.conn.execute(insert(t).values(charge_point_id=charge_point_id, evse_id=evse_id, created_at=now,
                                               **values))
    else:
        await tx.conn.execute(update(t).where(t.c.charge_point_id == charge_point_id, t.c.evse_id == evse_id)
                              .values(values))


async def _row_id(tx: Tx, charge_point_id: int, evse_id: int) -> int | None:
    t = ev_charging_needs
    return (await tx.conn.execute(select(t.c.id).where(t.c.charge_point_id == charge_point_id,
                                                       t.c.evse_id == evse_id))).scalar()
