"""cqlengine's query functions: ``Token``, ``MinTimeUUID``, ``MaxTimeUUID``.

``MinTimeUUID(dt)``/``MaxTimeUUID(dt)`` are computed here, as the smallest and largest
timeuuid of that millisecond (what CQL's ``minTimeuuid``/``maxTimeuuid`` return), so
the statement stays a plain bound comparison.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cassandra.util import max_uuid_from_time, min_uuid_from_time

from ...clauses import Token as CoreToken
from .errors import ValidationError


def get_total_seconds(td: dt.timedelta) -> float:
    return td.total_seconds()


class QueryValue:
    """A value in a filter, possibly computed (cqlengine's base of query functions)."""

    format_string = "%({0})s"

    def __init__(self, value: Any) -> None:
        self.value = value
        self.context_id: int | None = None

    def __str__(self) -> str:
        return self.format_string.format(self.context_id)

    def set_context_id(self, ctx_id: int) -> None:
        self.context_id = ctx_id

    def get_context_size(self) -> int:
        return 1

    def update_context(self, ctx: dict[str, Any]) -> None:
        ctx[str(self.context_id)] = self.value


class BaseQueryFunction(QueryValue):
    pass


class _TimeUUIDBound(BaseQueryFunction):
    def __init__(self, value: Any) -> None:
        if not isinstance(value, dt.datetime):
            raise ValidationError("datetime instance is required")
        super().__init__(value)

    def update_context(self, ctx: dict[str, Any]) -> None:
        """The time in epoch milliseconds, as cqlengine binds it."""
        value = self.value
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        since = value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        ctx[str(self.context_id)] = int(since.total_seconds() * 1000)  # as cqlengine's

    def _seconds(self) -> float:
        value = self.value
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return float(value.timestamp())


class MinTimeUUID(_TimeUUIDBound):
    """The smallest timeuuid of the given time (``col__gte=MinTimeUUID(when)``)."""

    format_string = "MinTimeUUID(%({0})s)"

    def uuid(self) -> Any:
        return min_uuid_from_time(self._seconds())


class MaxTimeUUID(_TimeUUIDBound):
    """The largest timeuuid of the given time (``col__lte=MaxTimeUUID(when)``)."""

    format_string = "MaxTimeUUID(%({0})s)"

    def uuid(self) -> Any:
        return max_uuid_from_time(self._seconds())


class Token(CoreToken, BaseQueryFunction):
    """``Model.objects.filter(pk__token__gt=Token(value))``: compares partition tokens."""

    _columns: list[Any] | None

    def __init__(self, *values: Any) -> None:
        if len(values) == 1 and isinstance(values[0], (list, tuple)):
            values = tuple(values[0])
        CoreToken.__init__(self, *values)
        object.__setattr__(self, "value", list(values))  # the core's Token is frozen
        object.__setattr__(self, "context_id", None)
        object.__setattr__(self, "_columns", None)

    def set_columns(self, columns: Any) -> None:
        """The partition key columns, which convert the values (cqlengine's protocol)."""
        object.__setattr__(self, "_columns", list(columns))

    def get_context_size(self) -> int:
        return len(self.value)

    def __str__(self) -> str:
        first = self.context_id or 0
        marks = ", ".join(f"%({first + i})s" for i in range(len(self.value)))
        return f"token({marks})"

    def update_context(self, ctx: dict[str, Any]) -> None:
        columns = self._columns or [None] * len(self.value)
        first = self.context_id or 0
        for i, (column, value) in enumerate(zip(columns, self.value, strict=False)):
            ctx[str(first + i)] = value if column is None else column.to_database(value)


__all__ = [
    "BaseQueryFunction",
    "MaxTimeUUID",
    "MinTimeUUID",
    "QueryValue",
    "Token",
    "get_total_seconds",
]
