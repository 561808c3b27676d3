"""Charging profiles the central system set on chargers, and which one each charge point and EVSE
shows as its `chargingProfile`.

A profile is reserved (`reserve`: its row id becomes the chargingProfileId the charger receives)
before it is sent, and becomes visible only once the charger accepted it (`applied`, which also
replaces what the charger replaces: a profile with the same id, or the same purpose and stack
level on the same connector). `cleared` forgets what a ClearChargingProfile removed.

Profiles are kept in the API's words (`chargingProfilePurpose`, `chargingSchedule` ...), limits
rounded to one decimal: the precision OCPP 1.6's schema and the contract's displays allow.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.clock import UTC, iso, parse_iso
from cpms.errors import Invalid
from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.configuration import charging_profiles

APPLIED = "chargingProfile.applied"
PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")


def one_decimal(value: float) -> float:
    """A rate with at most one decimal (OCPP 1.6: multipleOf 0.1), rounded half up."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def normalise(body: dict[str, Any], evse_network_id: int) -> dict[str, Any]:
    """The profile of an API request, checked beyond its schema; Invalid names the offending field."""
    purpose, kind = body["chargingProfilePurpose"], body["chargingProfileKind"]
    errors: dict[str, list[str]] = {}
    if purpose == "ChargePointMaxProfile" and evse_network_id != 0:
        errors["chargingProfilePurpose"] = ["A ChargePointMaxProfile applies to the whole charge point (EVSE 0)."]
    if purpose == "TxProfile" and evse_network_id == 0:
        errors["chargingProfilePurpose"] = ["A TxProfile applies to the EVSE of a transaction, not to EVSE 0."]
    if body.get("transactionId") is not None and purpose != "TxProfile":
        errors["transactionId"] = ["Only a TxProfile belongs to a transaction."]
    if body["stackLevel"] < 0:
        errors["stackLevel"] = ["The stack level must be 0 or more."]
    if kind == "Recurring" and not body.get("recurrencyKind"):
        errors["recurrencyKind"] = ["A Recurring profile needs a recurrencyKind (Daily or Weekly)."]
    if kind != "Recurring" and body.get("recurrencyKind"):
        errors["recurrencyKind"] = ["Only a Recurring profile has a recurrencyKind."]
    valid_from, valid_to = _time(body, "validFrom", errors), _time(body, "validTo", errors)
    if valid_from and valid_to and parse_iso(valid_to) <= parse_iso(valid_from):
        errors["validTo"] = ["The validTo must be after validFrom."]
    schedule = _schedule(body["chargingSchedule"], errors)
    if errors:
        raise Invalid(errors)
    profile: dict[str, Any] = {"stackLevel": body["stackLevel"], "chargingProfilePurpose": purpose,
                               "chargingProfileKind": kind, "chargingSchedule": schedule}
    for name, value in (("recurrencyKind", body.get("recurrencyKind")), ("validFrom", valid_from),
                        ("validTo", valid_to), ("transactionId", body.get("transactionId"))):
        if value is not None:
            profile[name] = value
    return profile


def _time(body: dict[str, Any], name: str, errors: dict[str, list[str]]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return iso(parse_iso(value))
    except ValueError:
        errors[name] = [f"The {name} is not a valid date-time."]
        return None


def _schedule(raw: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    where = "chargingSchedule"
    periods = []
    previous = -1
    for n, period in enumerate(raw["chargingSchedulePeriod"]):
        if period["startPeriod"] < 0 or period["startPeriod"] <= previous:
            errors[f"{where}.chargingSchedulePeriod.{n}.startPeriod"] = [
                "Periods start at 0 or later, each after the one before."]
        if n == 0 and period["startPeriod"] != 0:
            errors[f"{where}.chargingSchedulePeriod.0.startPeriod"] = ["The first period starts at 0."]
        if period["limit"] < 0:
            errors[f"{where}.chargingSchedulePeriod.{n}.limit"] = ["The limit must be 0 or more."]
        phases = period.get("numberPhases")
        if phases is not None and phases not in (1, 2, 3):
            errors[f"{where}.chargingSchedulePeriod.{n}.numberPhases"] = ["The number of phases is 1, 2 or 3."]
        previous = period["startPeriod"]
        item = {"startPeriod": period["startPeriod"], "limit": one_decimal(period["limit"])}
        if phases is not None:
            item["numberPhases"] = phases
        periods.append(item)
    if not periods:
        errors[f"{where}.chargingSchedulePeriod"] = ["A schedule has at least one period."]
    schedule: dict[str, Any] = {"chargingRateUnit": raw["chargingRateUnit"], "chargingSchedulePeriod": periods}
    if raw.get("duration") is not None:
        if raw["duration"] <= 0:
            errors[f"{where}.duration"] = ["The duration is a number of seconds above 0."]
        schedule["duration"] = raw["duration"]
    start = _time(raw, "startSchedule", errors)
    if start is not None:
        schedule["startSchedule"] = start
    if raw.get("minChargingRate") is not None:
        if raw["minChargingRate"] < 0:
            errors[f"{where}.minChargingRate"] = ["The minimum charging rate must be 0 or more."]
        schedule["minChargingRate"] = one_decimal(raw["minChargingRate"])
    return schedule


async def reserve(tx: Tx, charge_point_id: int, evse_id: int | None, evse_network_id: int,
                  profile: dict[str, Any], now: datetime) -> int:
    """A pending profile; its id is the chargingProfileId to send."""
    t = charging_profiles
    result = await tx.conn.execute(insert(t).values(
        charge_point_id=charge_point_id, evse_id=evse_id, evse_network_id=evse_network_id,
        purpose=profile["chargingProfilePurpose"], stack_level=profile["stackLevel"],
        kind=profile["chargingProfileKind"],
        transaction_id=None if profile.get("transactionId") is None else str(profile["transactionId"]),
        valid_from=_parsed(profile.get("validFrom")), valid_to=_parsed(profile.get("validTo")),
        status="pending", profile=profile, created_at=now, last_updated_at=now,
    ).returning(t.c.id))
    return int(result.scalar_one())


def _parsed(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


async def discard(tx: Tx, profile_id: int) -> None:
    """The charger did not take a reserved profile: it never existed."""
    t = charging_profiles
    await tx.conn.execute(delete(t).where(t.c.id == profile_id, t.c.status == "pending"))


async def applied(tx: Tx, profile_id: int, now: datetime, session_id: int | None = None) -> dict[str, Any]:
    """The charger accepted the profile: it replaces its peers and is announced."""
    t = charging_profiles
    row = (await tx.conn.execute(select(t).where(t.c.id == profile_id))).one()
    await tx.conn.execute(delete(t).where(
        t.c.charge_point_id == row.charge_point_id, t.c.id != profile_id, t.c.status == "applied",
        t.c.evse_network_id == row.evse_network_id, t.c.purpose == row.purpose, t.c.stack_level == row.stack_level))
    await tx.conn.execute(update(t).where(t.c.id == profile_id)
                          .values(status="applied", applied_at=now, last_updated_at=now))
    shown = display(row)
    await tx.emit(Event(APPLIED, "chargingProfile", profile_id, {
        "chargePointId": row.charge_point_id, "evseId": row.evse_id, "sessionId": session_id,
        "chargingProfile": shown, "appliedAt": iso(now)}, now))
    return shown


async def cleared(tx: Tx, charge_point_id: int, *, profile_id: int | None = None, evse_network_id: int | None = None,
                  purpose: str | None = None, stack_level: int | None = None) -> int:
    """Forget the profiles a ClearChargingProfile with these criteria removed; how many."""
    t = charging_profiles
    # the operator's profiles only: limits from outside (cpms.domain.charging_limits) are not cleared this way
    where = [t.c.charge_point_id == charge_point_id, t.c.status == "applied", t.c.purpose.in_(PURPOSES)]
    if profile_id is not None:
        where.append(t.c.id == profile_id)
    if evse_network_id is not None:
        where.append(t.c.evse_network_id == evse_network_id)
    if purpose is not None:
        where.append(t.c.purpose == purpose)
    if stack_level is not None:
        where.append(t.c.stack_level == stack_level)
    result = await tx.conn.execute(delete(t).where(*where))
    return int(result.rowcount or 0)


async def transaction_ended(tx: Tx, charge_point_id: int, transaction_id: str | int) -> None:
    """A TxProfile lives as long as its transaction (OCPP 1.6 3.13.2, 2.0.1 K01)."""
    t = charging_profiles
    await tx.conn.execute(delete(t).where(t.c.charge_point_id == charge_point_id, t.c.purpose == "TxProfile",
                                          t.c.transaction_id == str(transaction_id)))


def display(row: Any) -> dict[str, Any]:
    """A stored profile as charge points, EVSEs and the applied notification show it."""
    profile = row.profile
    schedule = profile["chargingSchedule"]
    recurrency = profile.get("recurrencyKind")
    return {
        "id": row.id,
        "minChargingRate": schedule.get("minChargingRate"),
        "schedulePeriods": [dict(p) for p in schedule["chargingSchedulePeriod"]],
        "scheduleStart": schedule.get("startSchedule"),
        "chargingRateUnit": schedule["chargingRateUnit"],
        "stackLevel": profile["stackLevel"],
        "chargingProfileKind": profile["chargingProfileKind"],
        "recurrencyKind": recurrency.lower() if recurrency else None,
        "chargingCompleteAt": None,
        "purpose": profile["chargingProfilePurpose"],
        "validTo": profile.get("validTo"),
        "validFrom": profile.get("validFrom"),
        "duration": schedule.get("duration"),
    }


# What is shown: the profile in effect at that level, the most specific purpose first, then the
# highest stack level, then the newest.
_CHARGE_POINT_RANK = {"ChargePointMaxProfile": 2, "TxDefaultProfile": 1}
_EVSE_RANK = {"TxProfile": 3, "TxDefaultProfile": 2}


def _best(rows: list[Any], rank: dict[str, int]) -> Any | None:
    ranked = [r for r in rows if r.purpose in rank]
    return max(ranked, key=lambda r: (rank[r.purpose], r.stack_level, r.id)) if ranked else None


def _in_effect(now: datetime | None) -> Any:
    t = charging_profiles
    moment = now or datetime.now(UTC)
    return and_(t.c.status == "applied", or_(t.c.valid_to.is_(None), t.c.valid_to > moment))


async def charging_profiles_for(conn: AsyncConnection, charge_point_ids: list[int],
                                now: datetime | None = None) -> dict[int, dict[str, Any] | None]:
    """Each charge point's own profile (EVSE 0: ChargePointMaxProfile, else TxDefaultProfile), or None."""
    t = charging_profiles
    ids = list(set(charge_point_ids))
    by_cp: dict[int, list[Any]] = {cp: [] for cp in ids}
    if ids:
        rows = (await conn.execute(select(t).where(t.c.charge_point_id.in_(ids), t.c.evse_network_id == 0,
                                                   _in_effect(now)))).all()
        for row in rows:
            by_cp[row.charge_point_id].append(row)
    return {cp: _shown(_best(rows, _CHARGE_POINT_RANK)) for cp, rows in by_cp.items()}


async def for_evses(conn: AsyncConnection, evse_ids: list[int],
                    now: datetime | None = None) -> dict[int, dict[str, Any] | None]:
    """Each EVSE's profile in effect: its own TxProfile or TxDefaultProfile, else its charge point's
    TxDefaultProfile (a default set on EVSE 0 applies to every EVSE); None without one."""
    from cpms.storage.tables.charge_points import evses

    t = charging_profiles
    ids = list(set(evse_ids))
    if not ids:
        return {}
    owners = {row.id: row.charge_point_id for row in (await conn.execute(
        select(evses.c.id, evses.c.charge_point_id).where(evses.c.id.in_(ids)))).all()}
    rows = (await conn.execute(select(t).where(
        or_(t.c.evse_id.in_(ids), and_(t.c.charge_point_id.in_(sorted(set(owners.values()))), t.c.evse_network_id == 0)),
        _in_effect(now)))).all()
    own: dict[int, list[Any]] = {}
    station: dict[int, list[Any]] = {}
    for row in rows:
        if row.evse_id is not None:
            own.setdefault(row.evse_id, []).append(row)
        else:
            station.setdefault(row.charge_point_id, []).append(row)
    shown: dict[int, dict[str, Any] | None] = {}
    for evse_id in ids:
        best = _best(own.get(evse_id, []), _EVSE_RANK)
        if best is None and evse_id in owners:
            best = _best(station.get(owners[evse_id], []), {"TxDefaultProfile": 1})
        shown[evse_id] = _shown(best)
    return shown


def _shown(row: Any | None) -> dict[str, Any] | None:
    return display(row) if row is not None else None


async def load_for_charge_points(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """Include loader: `chargingProfile` of every charge point document, in one query."""
    found = await charging_profiles_for(conn, [d["id"] for d in docs])
    for doc in docs:
        doc["chargingProfile"] = found.get(doc["id"])


async def load_for_evses(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """Include loader: `chargingProfile` of every EVSE document, in two queries."""
    found = await for_evses(conn, [d["id"] for d in docs])
    for doc in docs:
        doc["chargingProfile"] = found.get(doc["id"])
