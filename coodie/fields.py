"""Markers that go inside ``Annotated[...]`` to describe how a field is stored.

Keys and indexes::

    id: Annotated[UUID, PrimaryKey()]
    posted_at: Annotated[int, BigInt(), ClusteringKey(order="DESC")]
    email: Annotated[str, Indexed()]

Type markers pick a CQL type other than the default one for the Python type
(``int`` is ``int``, ``float`` is ``double``; see docs/models.md).  Markers compose
in any order; pydantic ignores them, coodie reads them once at class creation.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _dec
import uuid as _uuid
from dataclasses import dataclass, field
from typing import ClassVar, Literal


class Marker:
    """Base of every coodie marker (so that foreign ``Annotated`` metadata is ignored)."""

    __slots__ = ()


@dataclass(frozen=True)
class PrimaryKey(Marker):
    """Part of the partition key; ``partition_key_index`` orders composite keys."""

    partition_key_index: int = 0


@dataclass(frozen=True)
class ClusteringKey(Marker):
    """A clustering column; ``index`` orders several, ``order`` is ASC or DESC."""

    order: Literal["ASC", "DESC", "asc", "desc"] = "ASC"
    index: int = 0


@dataclass(frozen=True)
class Indexed(Marker):
    """A secondary index on the column.

    ``name`` defaults to ``<table>_<column>_idx`` (Cassandra's own default name).
    ``using`` picks a custom index class: ``"sai"`` (StorageAttachedIndex: ranges on
    non-text columns, several indexed filters at once) or
    ``"org.apache.cassandra.index.sasi.SASIIndex"`` (ranges and ``LIKE``).
    ``on`` says what of a collection is indexed: ``"values"`` (default), ``"keys"`` or
    ``"entries"`` for maps; frozen collections are always indexed whole.
    """

    name: str | None = None
    using: str | None = None
    options: dict[str, str] | None = field(default=None, hash=False, compare=False)
    on: Literal["values", "keys", "entries", "full"] | None = None


@dataclass(frozen=True)
class Static(Marker):
    """A static column: one value per partition."""


@dataclass(frozen=True)
class Frozen(Marker):
    """Store a collection frozen (written and read as a whole; usable in keys)."""


class CqlType(Marker):
    """Base of the type markers: the CQL type they stand for and the Python types they fit."""

    __slots__ = ()
    cql: ClassVar[str] = ""
    python: ClassVar[tuple[type, ...]] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _marker(name: str, cql: str, python: tuple[type, ...], doc: str) -> type[CqlType]:
    return type(name, (CqlType,), {"__slots__": (), "cql": cql, "python": python, "__doc__": doc})


_INT = (int,)
_STR = (str,)
BigInt = _marker("BigInt", "bigint", _INT, "64-bit signed integer (``bigint``).")
SmallInt = _marker("SmallInt", "smallint", _INT, "16-bit signed integer (``smallint``).")
TinyInt = _marker("TinyInt", "tinyint", _INT, "8-bit signed integer (``tinyint``).")
VarInt = _marker("VarInt", "varint", _INT, "Arbitrary-precision integer (``varint``).")
Counter = _marker("Counter", "counter", _INT, "A counter column (counter tables only).")
Ascii = _marker("Ascii", "ascii", _STR, "US-ASCII string (``ascii``).")
Text = _marker("Text", "text", _STR, "UTF-8 string (``text``), the default for ``str``.")
TimeUUID = _marker("TimeUUID", "timeuuid", (_uuid.UUID,), "Time-ordered v1 UUID (``timeuuid``).")
Double = _marker(
    "Double", "double", (float,), "64-bit float (``double``), the default for ``float``."
)
Float = _marker("Float", "float", (float,), "32-bit float (``float``): ~7 significant digits.")
Timestamp = _marker("Timestamp", "timestamp", (_dt.datetime,), "Millisecond timestamp.")
Date = _marker("Date", "date", (_dt.date,), "Calendar date (``date``).")
Time = _marker("Time", "time", (_dt.time,), "Time of day, nanoseconds (``time``).")
Duration = _marker("Duration", "duration", (_dt.timedelta,), "Months, days, nanoseconds.")
Decimal = _marker("Decimal", "decimal", (_dec.Decimal,), "Arbitrary-precision decimal.")


__all__ = [
    "Ascii",
    "BigInt",
    "ClusteringKey",
    "Counter",
    "CqlType",
    "Date",
    "Decimal",
    "Double",
    "Duration",
    "Float",
    "Frozen",
    "Indexed",
    "Marker",
    "PrimaryKey",
    "SmallInt",
    "Static",
    "Text",
    "Time",
    "TimeUUID",
    "Timestamp",
    "TinyInt",
    "VarInt",
]
