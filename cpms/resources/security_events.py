"""Security events chargers reported, as the Public API lists them.

The contract's security event resource knows the seven critical event types of the OCPP security
event list, so the API serves the critical events; every event (critical or not) is kept and
announced (`cpms.domain.security_events`). Served at /security-events/v2.0 and at the deprecated
/security-events-log/v2.0, the same resource.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql import ColumnElement

from cpms.clock import parse_iso
from cpms.errors import Invalid
from cpms.resources.resource import Resource
from cpms.resources.status_logs import bind_subset
from cpms.resources.store import Store
from cpms.storage.tables.security import security_events

stamp = security_events.c.timestamp


def moment(name: str, value: Any) -> Any:
    try:
        return parse_iso(str(value))
    except ValueError:
        raise Invalid.field(f"filter.{name}", f"The filter.{name} must be an ISO 8601 date-time.") from None


def timestamp_from(value: Any) -> ColumnElement[bool]:
    return stamp >= moment("timestampFrom", value)


def timestamp_to(value: Any) -> ColumnElement[bool]:
    return stamp <= moment("timestampTo", value)


SECURITY_EVENT = Resource(
    name="security event",
    store=Store(security_events),
    filters={"timestampFrom": timestamp_from, "timestampTo": timestamp_to},
)

CRITICAL_ONLY = [security_events.c.critical.is_(True)]
bind_subset(SECURITY_EVENT, "/public-api/resources/security-events/v2.0", CRITICAL_ONLY)
bind_subset(SECURITY_EVENT, "/public-api/resources/security-events-log/v2.0", CRITICAL_ONLY)
