"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite stores them naive, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], datetime | None] | None:
        """`process_result_value` after the dialect's own conversion, with a fast path for what the
        database gives back nearly always, since it runs for every timestamp of every row read.

        SQLite returns the text SQLAlchemy stored ('YYYY-MM-DD HH:MM:SS.ffffff', UTC):
        `fromisoformat` with an offset makes the aware value at once (0.2 us; parsing, then
        `replace(tzinfo=...)` took 1.9). asyncpg returns timestamptz already in UTC: kept as it is.
        Anything else takes the general way.
        """
        general = super().result_processor(dialect, coltype)
        utc = timezone.utc
        if dialect.name == "sqlite":
            parse = datetime.fromisoformat

            def from_sqlite(value: Any) -> datetime | None:
                if value.__class__ is str and len(value) == _STORED_LENGTH:
                    return parse(value + "+00:00")
                return general(value) if general is not None else value

            return from_sqlite

        def from_driver(value: Any) -> datetime | None:
            if value.__class__ is datetime and value.tzinfo is utc:
                return value
            return general(value) if general is not None else value

        return from_driver


# 'YYYY-MM-DD HH:MM:SS.ffffff': how SQLAlchemy's SQLite dialect stores a datetime
_STORED_LENGTH = 26
