"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# How many converted datetimes one column type remembers (see UtcDateTime.bind_processor).
_RECENT_INSTANTS = 4096


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out.

    SQLite has no time zones: values are stored as naive UTC text, which sorts correctly.
    PostgreSQL stores `timestamptz`. Naive datetimes are refused so local time never leaks in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; use an aware UTC time")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """As TypeDecorator's (this class's conversion, then the driver type's), remembering
        recent results: a batch of inbound mail binds the same few instants (its `now`, the
        messages' dates) thousands of times."""
        convert = super().bind_processor(dialect)
        if convert is None:
            return None
        recent: dict[datetime, Any] = {}

        def process(value: Any) -> Any:
            # Only aware datetimes are remembered: a naive one never equals an aware one, so
            # it always reaches the conversion that refuses it.
            if value is None or type(value) is not datetime or value.tzinfo is None:
                return convert(value)
            try:
                return recent[value]
            except KeyError:
                pass
            if len(recent) >= _RECENT_INSTANTS:
                recent.clear()
            result = recent[value] = convert(value)
            return result

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
