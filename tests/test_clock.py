"""Timestamps on the wire: UTC, six fraction digits and a Z, whatever the value."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from cpms.clock import UTC, iso, parse_iso


def reference(value: datetime) -> str:
    """The format spelled out the slow way."""
    value = value.astimezone(UTC) if value.tzinfo is not None else value
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond:06d}Z")


@pytest.mark.parametrize("value", [
    datetime(2026, 12, 4, 15, 33, 12, 123456, tzinfo=UTC),
    datetime(2026, 12, 4, 15, 33, 12, tzinfo=UTC),  # a zero fraction is still written
    datetime(2026, 12, 4, 15, 33, 12, 1, tzinfo=UTC),
    datetime(999, 1, 2, 3, 4, 5, 60, tzinfo=UTC),  # years before 1000 padded to four digits
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 12, 4, 17, 33, 12, 5, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 12, 4, 15, 33, 12, 5),  # naive: taken as UTC
])
def test_iso_writes_utc_with_six_fraction_digits_and_a_z(value: datetime) -> None:
    assert iso(value) == reference(value)
    assert parse_iso(iso(value)) == (value if value.tzinfo else value.replace(tzinfo=UTC))


def test_iso_agrees_with_the_reference_on_many_values() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        value = datetime(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                         rng.randint(0, 59), rng.randint(0, 59), rng.choice([0, rng.randint(0, 999_999)]), tzinfo=UTC)
        assert iso(value) == reference(value)


def test_iso_of_nothing_is_nothing() -> None:
    assert iso(None) is None
