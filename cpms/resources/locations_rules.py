"""What a location must satisfy beyond its schema, checked on the whole document before writing.

- `state` is a code of the country's own list, for the countries that have one (US, AU, CA, UM,
  RO); other countries describe themselves with the free-text `region`. A state left behind by a
  change of country is dropped.
- `externalId` names one location.
- `timezone` is an IANA name; `workingHours` that are not always open have hours, and the hours
  name every day of the week (an empty list: closed that day).
- `accessMethods`, `facilities` and `tags` are sets (duplicates dropped); a null access method
  or facility list is no list at all.
- `roamingOperatorId` 0 is the wire's "none" (see `NO_ROAMING_OPERATOR`).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from sqlalchemy import select

from cpms.contract import load_contract
from cpms.contract.schema import merge_all_of
from cpms.errors import Invalid
from cpms.resources.resource import WriteContext
from cpms.storage.db import Tx
from cpms.storage.tables.locations import locations

# The contract requires an integer roamingOperatorId on every location, but a location that is
# not offered by a roaming operator has none: 0 stands for "no roaming operator" on the wire
# (never a real id), and is stored as NULL so `filter[roaming]` can tell the two apart.
NO_ROAMING_OPERATOR = 0

# Set by a version whose one field holds either a state code or a free-text region (v1.0
# `region`); resolved here, where the country is known.
REGION_OR_STATE = "__regionOrState__"

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# The contract lists the state codes as alternatives, in this order of countries.
_STATE_COUNTRIES = ("US", "AU", "CA", "UM", "RO")


def _states_by_country() -> dict[str, frozenset[str]]:
    body = merge_all_of(load_contract()["locationCreate"].body_schema or {})
    options = body["properties"]["state"]["anyOf"]
    states = {country: frozenset(option["enum"]) for country, option in zip(_STATE_COUNTRIES, options)}
    markers = {"US": "NY", "AU": "NSW", "CA": "QC", "UM": "79", "RO": "B"}
    assert all(code in states[country] for country, code in markers.items()), "state lists out of order"
    return states


STATES = _states_by_country()
STATE_CODES = frozenset(code for codes in STATES.values() for code in codes)


def valid_timezone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # without a time zone database on the host nothing can be checked: accept
        return not zoneinfo.available_timezones()
    return "/" in name or name == "UTC"


def _place(doc: dict[str, Any], ctx: WriteContext) -> None:
    country = doc.get("country")
    allowed = STATES.get(country or "", frozenset())
    if REGION_OR_STATE in doc:
        value = doc.pop(REGION_OR_STATE)
        is_state = value in allowed
        doc["state"], doc["region"] = (value, None) if is_state else (None, value)
    state = doc.get("state")
    if state is None or state in allowed:
        return
    old = ctx.old or {}
    if old.get("state") == state and old.get("country") != country:
        doc["state"] = None
        return
    raise Invalid.field("state", f"The selected state is invalid for the country {country}.")


def _as_sets(doc: dict[str, Any]) -> None:
    for name in ("accessMethods", "facilities"):
        if name in doc and doc[name] is None:
            del doc[name]
    for name in ("accessMethods", "facilities", "tags"):
        if isinstance(doc.get(name), list):
            doc[name] = list(dict.fromkeys(doc[name]))


def _working_hours(doc: dict[str, Any], ctx: WriteContext) -> None:
    hours = doc.get("workingHours")
    if not isinstance(hours, dict):
        return
    if hours.get("isAlwaysOpen") is None:
        # a schedule without the flag means "open during these hours"; no schedule, always open
        hours["isAlwaysOpen"] = hours.get("hours") is None
    if hours["isAlwaysOpen"] is False and hours.get("hours") is None:
        field = "working_hours.hours" if "working_hours" in ctx.body else "workingHours.hours"
        raise Invalid.field(field, f"The {field} field is required when the location is not always open.")
    if isinstance(hours.get("hours"), dict):
        # a day without intervals is closed; every day is spelled out so "closed all week" ({}) is kept
        hours["hours"] = {day: hours["hours"].get(day) or [] for day in WEEK}


async def _unique_external_id(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    external_id = doc.get("externalId")
    if external_id is None or (ctx.old or {}).get("externalId") == external_id:
        return
    stmt = select(locations.c.id).where(locations.c.external_id == external_id)
    if ctx.old:
        stmt = stmt.where(locations.c.id != ctx.old["id"])
    if (await tx.conn.execute(stmt.limit(1))).first() is not None:
        field = ctx.view.wire_name("externalId")
        raise Invalid.field(field, f"The {field} has already been taken.")


async def normalise(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The rules above, on the document about to be stored (created, or old merged with the patch)."""
    if doc.get("roamingOperatorId") == NO_ROAMING_OPERATOR:
        doc["roamingOperatorId"] = None
    _place(doc, ctx)
    _as_sets(doc)
    _working_hours(doc, ctx)
    timezone = doc.get("timezone")
    if timezone is not None and not valid_timezone(timezone):
        raise Invalid.field("timezone", "The timezone must be an IANA time zone name, such as Europe/Sofia.")
    await _unique_external_id(tx, doc, ctx)
