"""Time in one place: the wire format of timestamps and an injectable clock for tests."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

UTC = timezone.utc
_UTC_Z = orjson.OPT_UTC_Z


class Clock:
    """The system clock; tests substitute a FrozenClock to make time deterministic."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with microseconds and a Z, the format the contract's clients parse."""
    if value is None:
        return None
    if value.tzinfo is UTC and value.microsecond:
        # what the database gives back, for every timestamp of every answer: orjson writes it in a
        # quarter of isoformat's time, but leaves out a fraction of zero (hence the line below)
        return orjson.dumps(value, option=_UTC_Z)[1:-1].decode()
    if value.tzinfo is UTC:
        return value.isoformat(timespec="microseconds")[:-6] + "Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # isoformat, not strftime: %Y does not pad years before 1000 to four digits
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; a value without offset is taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
