"""OCPP 1.6 Smart Charging: SetChargingProfile, ClearChargingProfile, GetCompositeSchedule.

An EVSE is a 1.6 connector (its network id), 0 the charge point as a whole. Rates carry one
decimal at most (the 1.6 schema's multipleOf 0.1): they are rounded here, whatever the caller
passed.
"""

from __future__ import annotations

from typing import Any

from cpms.domain.charging_profiles import one_decimal
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.versions import V16

OPTIONAL = ("recurrencyKind", "validFrom", "validTo")


@translates(V16, "set_charging_profile")
def set_charging_profile(evse: int, profile: dict[str, Any]) -> Outgoing:
    """`profile` in the API's words (see cpms.domain.charging_profiles), with its `id`."""
    cs: dict[str, Any] = {"chargingProfileId": profile["id"], "stackLevel": profile["stackLevel"],
                          "chargingProfilePurpose": profile["chargingProfilePurpose"],
                          "chargingProfileKind": profile["chargingProfileKind"],
                          "chargingSchedule": schedule_16(profile["chargingSchedule"])}
    if profile.get("transactionId") is not None:
        cs["transactionId"] = int(profile["transactionId"])
    for name in OPTIONAL:
        if profile.get(name) is not None:
            cs[name] = profile[name]
    return Outgoing("SetChargingProfile", {"connectorId": evse, "csChargingProfiles": cs})


def schedule_16(schedule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"chargingRateUnit": schedule["chargingRateUnit"], "chargingSchedulePeriod": [
        {"startPeriod": p["startPeriod"], "limit": one_decimal(p["limit"]),
         **({"numberPhases": p["numberPhases"]} if p.get("numberPhases") is not None else {})}
        for p in schedule["chargingSchedulePeriod"]]}
    for name in ("duration", "startSchedule"):
        if schedule.get(name) is not None:
            out[name] = schedule[name]
    if schedule.get("minChargingRate") is not None:
        out["minChargingRate"] = one_decimal(schedule["minChargingRate"])
    return out


@translates(V16, "clear_charging_profile")
def clear_charging_profile(profile_id: int | None = None, evse: int | None = None, purpose: str | None = None,
                           stack_level: int | None = None) -> Outgoing:
    payload = {name: value for name, value in (("id", profile_id), ("connectorId", evse),
                                               ("chargingProfilePurpose", purpose), ("stackLevel", stack_level))
               if value is not None}
    return Outgoing("ClearChargingProfile", payload, read=_cleared)


def _cleared(answer: dict[str, Any]) -> Result:
    result = read_status(answer)
    if result.status == "Unknown":
        result.message = "The charge point has no charging profile matching these criteria (Unknown)."
    return result


@translates(V16, "composite_schedule")
def composite_schedule(evse: int, duration: int, rate_unit: str | None = None) -> Outgoing:
    payload: dict[str, Any] = {"connectorId": evse, "duration": duration}
    if rate_unit is not None:
        payload["chargingRateUnit"] = rate_unit
    return Outgoing("GetCompositeSchedule", payload, read=_composite)


def _composite(answer: dict[str, Any]) -> Result:
    """data: the EVSE, when the schedule starts and the schedule itself (API words, as sent)."""
    result = read_status(answer)
    if result.accepted:
        result.data = {"evse": answer.get("connectorId"), "scheduleStart": answer.get("scheduleStart"),
                       "schedule": answer.get("chargingSchedule")}
    return result
