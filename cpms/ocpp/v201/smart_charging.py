"""OCPP 2.0.1 smart charging: SetChargingProfile, ClearChargingProfile and GetCompositeSchedule for
the intents 1.6 serves, and what stations tell of limits and EVs.

Profiles are the API's (see `cpms.domain.charging_profiles`) said in 2.0.1 words: the station-wide
maximum is ChargingStationMaxProfile, a profile has a list of schedules (one here, whose id is the
profile's), the transaction is the station's own transactionId.

From the station, each committed before its answer:
- NotifyChargingLimit / ClearedChargingLimit: a limit from outside cpms (EMS, SO, CSO ...) on an
  EVSE or the whole station, kept per source (`cpms.domain.charging_limits`); a repeat replaces.
- ReportChargingProfiles: the profiles a station holds from other sources are kept alike; its
  report of cpms's own (source CSO) changes nothing (cpms knows what it set).
- NotifyEVChargingNeeds / NotifyEVChargingSchedule: kept per EVSE. cpms computes no schedules for
  EVs, so it answers the needs Rejected (the station charges by the profiles it has) and accepts
  the EV's schedule.
"""

from __future__ import annotations

import logging
from typing import Any

from cpms.domain import charging_limits
from cpms.domain.sessions import find_evse
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import PropertyViolation
from cpms.ocpp.routing import on
from cpms.ocpp.v201.transactions import charging_profile_201, when
from cpms.ocpp.versions import V201
from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")

# the API's (1.6) purposes in 2.0.1 words, and back
PURPOSES = {"ChargePointMaxProfile": "ChargingStationMaxProfile"}
API_PURPOSES = {v: k for k, v in PURPOSES.items()}
CSO = "CSO"


@translates(V201, "set_charging_profile")
def set_charging_profile(evse: int, profile: dict[str, Any]) -> Outgoing:
    """`profile` in the API's words with its `id`; `transactionId` is the station's transaction."""
    sent = charging_profile_201(profile, profile["id"])
    sent["chargingProfilePurpose"] = PURPOSES.get(sent["chargingProfilePurpose"], sent["chargingProfilePurpose"])
    if profile.get("transactionId") is not None:
        sent["transactionId"] = str(profile["transactionId"])
    return Outgoing("SetChargingProfile", {"evseId": evse, "chargingProfile": sent}, read=_set)


def _set(answer: dict[str, Any]) -> Result:
    result = read_status(answer)
    if result.status == "Rejected" and not result.message:
        result.message = "The charging station rejected the charging profile (Rejected)."
    return result


@translates(V201, "clear_charging_profile")
def clear_charging_profile(profile_id: int | None = None, evse: int | None = None, purpose: str | None = None,
                           stack_level: int | None = None) -> Outgoing:
    payload: dict[str, Any] = {}
    if profile_id is not None:
        payload["chargingProfileId"] = profile_id
    criteria = {name: value for name, value in (("evseId", evse), ("chargingProfilePurpose", PURPOSES.get(
        purpose or "", purpose)), ("stackLevel", stack_level)) if value is not None}
    if criteria:
        payload["chargingProfileCriteria"] = criteria
    return Outgoing("ClearChargingProfile", payload, read=_cleared)


def _cleared(answer: dict[str, Any]) -> Result:
    result = read_status(answer)
    if result.status == "Unknown":
        result.message = "The charging station has no charging profile matching these criteria (Unknown)."
    return result


@translates(V201, "composite_schedule")
def composite_schedule(evse: int, duration: int, rate_unit: str | None = None) -> Outgoing:
    payload: dict[str, Any] = {"evseId": evse, "duration": duration}
    if rate_unit is not None:
        payload["chargingRateUnit"] = rate_unit
    return Outgoing("GetCompositeSchedule", payload, read=_composite)


def _composite(answer: dict[str, Any]) -> Result:
    """data as 1.6 gives it: the EVSE, when the schedule starts and the schedule (1.6's shape)."""
    result = read_status(answer)
    schedule = answer.get("schedule")
    if result.accepted and schedule:
        result.data = {"evse": schedule["evseId"], "scheduleStart": schedule["scheduleStart"],
                       "schedule": {"duration": schedule["duration"], "chargingRateUnit": schedule["chargingRateUnit"],
                                    "chargingSchedulePeriod": schedule["chargingSchedulePeriod"]}}
    return result


# -- from the station ------------------------------------------------------------------------------

async def _evse(tx: Tx, charge_point_id: int, number: int | None) -> tuple[int | None, int]:
    """(EVSE row id, number) of the EVSE a station names; 0 or absent: the whole station."""
    if not number:
        return None, 0
    row = await find_evse(tx, charge_point_id, str(number))
    return (row.id if row is not None else None), number


def _no_negative_evse(payload: dict[str, Any]) -> None:
    if payload.get("evseId", 0) < 0:
        raise PropertyViolation("evseId: EVSEs are numbered from 1 (0 is the whole station).")


@on(V201, "NotifyChargingLimit")
async def notify_charging_limit(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    _no_negative_evse(payload)
    limit = payload["chargingLimit"]
    kept: dict[str, Any] = {"chargingSchedule": payload.get("chargingSchedule") or []}
    if "isGridCritical" in limit:
        kept["isGridCritical"] = limit["isGridCritical"]
    now = ctx.now()

    async def job(tx: Tx) -> None:
        evse_id, number = await _evse(tx, ctx.charge_point_id, payload.get("evseId"))
        await charging_limits.limit_set(tx, ctx.charge_point_id, evse_id, number, limit["chargingLimitSource"],
                                        kept, now)

    await ctx.rt.db.batch(job)
    return {}


@on(V201, "ClearedChargingLimit")
async def cleared_charging_limit(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    _no_negative_evse(payload)
    evse = payload.get("evseId")
    await ctx.rt.db.batch(lambda tx: charging_limits.limit_cleared(tx, ctx.charge_point_id,
                                                                   payload["chargingLimitSource"], evse))
    return {}


@on(V201, "ReportChargingProfiles")
async def report_charging_profiles(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    _no_negative_evse(payload)
    source, number = payload["chargingLimitSource"], payload["evseId"]
    if source == CSO:
        return {}
    profiles = payload["chargingProfile"]
    now = ctx.now()

    async def job(tx: Tx) -> None:
        evse_id, _ = await _evse(tx, ctx.charge_point_id, number)
        for profile in profiles:
            kept = {**profile, "chargingProfilePurpose": API_PURPOSES.get(profile["chargingProfilePurpose"],
                                                                          profile["chargingProfilePurpose"])}
            await charging_limits.limit_set(tx, ctx.charge_point_id, evse_id, number, source, kept, now)

    await ctx.rt.db.batch(job)
    return {}


async def _ev_evse(tx: Tx, ctx: ChargerContext, number: int, message: str) -> int | None:
    row = await find_evse(tx, ctx.charge_point_id, str(number))
    if row is None:
        log.warning("%s sent %s for EVSE %s, which is not one of its EVSEs", ctx.identity, message, number)
    return row.id if row is not None else None


@on(V201, "NotifyEVChargingNeeds", once=True)
async def notify_ev_charging_needs(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    if payload["evseId"] < 1:
        raise PropertyViolation("evseId: an EV is on an EVSE, numbered from 1.")
    needs = payload["chargingNeeds"]
    departure = when(needs["departureTime"], "chargingNeeds.departureTime") if needs.get("departureTime") else None
    status, now = "Rejected", ctx.now()

    async def job(tx: Tx) -> None:
        evse_id = await _ev_evse(tx, ctx, payload["evseId"], "NotifyEVChargingNeeds")
        if evse_id is not None:
            await charging_limits.needs_reported(tx, ctx.charge_point_id, evse_id, {
                k: payload[k] for k in ("chargingNeeds", "maxScheduleTuples") if k in payload}, departure, status, now)

    await ctx.rt.db.batch(job)
    return {"status": status}


@on(V201, "NotifyEVChargingSchedule", once=True)
async def notify_ev_charging_schedule(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    if payload["evseId"] < 1:
        raise PropertyViolation("evseId: an EV is on an EVSE, numbered from 1.")
    when(payload["timeBase"], "timeBase")
    status, now = "Accepted", ctx.now()

    async def job(tx: Tx) -> None:
        evse_id = await _ev_evse(tx, ctx, payload["evseId"], "NotifyEVChargingSchedule")
        if evse_id is not None:
            await charging_limits.schedule_reported(tx, ctx.charge_point_id, evse_id, {
                "timeBase": payload["timeBase"], "chargingSchedule": payload["chargingSchedule"]}, status, now)

    await ctx.rt.db.batch(job)
    return {"status": status}
