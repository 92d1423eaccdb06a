"""Markers that go inside ``Annotated[...]`` to describe how a field is stored.

Keys and indexes::

    id: Annotated[UUID, PrimaryKey()]
    posted_at: Annotated[int, BigInt(), ClusteringKey(order="DESC")]
    email: Annotated[str, Indexed()]

Type markers pick a CQL type other than the default one for the Python type
(``int`` is ``int``, ``float`` is ``double``; see docs/models.md).  Markers compose
in any order; coodie reads them once at class creation.  Pydantic ignores them, except
the integer markers, which give the field their CQL range (``SmallInt()``: -32768 to
32767) as pydantic constraints, ``Time()``, which refuses aware times, and
``Timestamp()``, which makes datetimes aware UTC in whole milliseconds, in any pydantic
model.  A document's bare ``int``, ``time`` and ``datetime`` fields get ``Int()``,
``Time()`` and ``Timestamp()`` implicitly (``coodie.schema.add_cql_checks``).
"""

from __future__ import annotations

import datetime as _dt
import decimal as _dec
import types as _types
import uuid as _uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from annotated_types import Interval
from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler


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


class FrozenOptions(Mapping[str, Any]):
    """A read-only, hashable copy of a dict of options (``Indexed(options=...)``)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)


@dataclass(frozen=True)
class Indexed(Marker):
    """A secondary index on the column.

    ``name`` defaults to ``<table>_<column>_idx`` (Cassandra's own default name).
    ``using`` picks a custom index class: ``"sai"`` (StorageAttachedIndex: ranges on
    non-text columns, several indexed filters at once) or
    ``"org.apache.cassandra.index.sasi.SASIIndex"`` (ranges and ``LIKE``).
    ``on`` says what of a collection is indexed: ``"values"`` (default), ``"keys"`` or
    ``"entries"`` for maps; frozen collections are always indexed whole.
    ``managed=False`` declares an index made outside coodie (by an operator, a migration
    tool): queries may filter on the column, and ``sync_table`` neither creates it nor
    checks it (cqlengine's ``custom_index=True``).
    """

    name: str | None = None
    using: str | None = None
    # Compared and hashed like the other fields: typing caches ``Annotated[...]`` by
    # equality, and markers that differ only in options must not share an entry.
    options: Mapping[str, str] | None = None
    on: Literal["values", "keys", "entries", "full"] | None = None
    managed: bool = True

    def __post_init__(self) -> None:
        if self.options is not None:
            object.__setattr__(self, "options", FrozenOptions(self.options))


@dataclass(frozen=True)
class DbName(Marker):
    """The column's name in the table when it differs from the field's name
    (cqlengine's ``db_field``): ``from_: Annotated[str, DbName("from")]``.  Every
    statement, filter, index and schema comparison uses it; code uses the field name."""

    name: str


@dataclass(frozen=True)
class Discriminator(Marker):
    """The column that says which subclass a row belongs to (single-table inheritance).

    The base model declares ``kind: Annotated[str, Discriminator()] = ""``; each subclass
    sets ``class Settings: discriminator = "cat"`` and shares the base's table.
    """


@dataclass(frozen=True)
class Vector(Marker):
    """``vector<float, N>`` (Cassandra 5.0): ``Annotated[list[float], Vector(384)]``.

    A fixed number of 32-bit floats, written and read whole; with
    ``Indexed(using="sai", options={"similarity_function": "cosine"})`` it serves
    approximate-nearest-neighbour queries (``order_by_ann()``).
    """

    dimensions: int

    def __post_init__(self) -> None:
        n = self.dimensions
        if not isinstance(n, int) or isinstance(n, bool) or not 0 < n <= 8192:
            raise TypeError(f"Vector(dimensions) takes a whole number from 1 to 8192, not {n!r}")


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


class IntegerType(CqlType):
    """A fixed-size integer marker: its range is a pydantic constraint of the field.

    ``Annotated[int, SmallInt()]`` validates like ``Annotated[int, Field(ge=-32768,
    le=32767)]`` (the JSON schema shows the bounds), so that an out-of-range value fails
    at construction; a stricter ``Field(ge=..., le=...)`` of the field still applies.
    """

    __slots__ = ()
    bits: ClassVar[int] = 0

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return handler(_bounded(source, self.bits))


def _bounded(source: Any, bits: int) -> Any:
    """``int`` (or ``int | None``) with the range of a ``bits``-bit signed integer; other
    types (an IntEnum, a type coodie rejects) unchanged."""
    if source is int:
        return Annotated[int, Interval(ge=-(2 ** (bits - 1)), le=2 ** (bits - 1) - 1)]
    if get_origin(source) in (Union, _types.UnionType):
        args = get_args(source)
        if len(args) == 2 and type(None) in args and int in args:
            return Union[_bounded(int, bits), None]
    return source


class TimeType(CqlType):
    """``Time()``: pydantic refuses a time with a time zone, which a ``time`` column
    cannot keep (Cassandra would drop the offset)."""

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(refuse_aware_time, handler(source))


class TimestampType(CqlType):
    """``Timestamp()``: pydantic makes a datetime what the column will return, aware UTC
    in whole milliseconds (a naive one is taken as UTC), so that the value in memory
    equals the value read back."""

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(stored_timestamp, handler(source))


_UTC = _dt.timezone.utc


def stored_timestamp(value: Any) -> Any:
    """A datetime as a ``timestamp`` column holds it: aware UTC, whole milliseconds."""
    if not isinstance(value, _dt.datetime):
        return value  # None (an Optional field), or a type the schema refuses later
    micro = value.microsecond
    if micro % 1000:
        value = value.replace(microsecond=micro - micro % 1000)
    if value.tzinfo is _UTC:
        return value
    if value.tzinfo is None:  # combine() is several times faster than replace(tzinfo=...)
        return _dt.datetime.combine(value, value.time(), _UTC)
    return value.astimezone(_UTC)


def normalize_timestamps(value: Any) -> Any:
    """``value`` with every datetime in it (at any depth of lists, sets, tuples and
    dicts) as ``stored_timestamp`` makes it; ``value`` itself when none changes."""
    if isinstance(value, _dt.datetime):
        return stored_timestamp(value)
    kind = type(value)
    if kind is dict:
        pairs = [(normalize_timestamps(k), normalize_timestamps(v)) for k, v in value.items()]
        same = all(a is k and b is v for (a, b), (k, v) in zip(pairs, value.items(), strict=True))
        return value if same else dict(pairs)
    if kind in (list, tuple, set, frozenset):
        items = [normalize_timestamps(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else kind(items)
    return value


def refuse_aware_time(value: Any) -> Any:
    if isinstance(value, _dt.time) and value.tzinfo is not None:
        raise ValueError(
            f"{value.isoformat()} has a time zone ({value.tzname()}), which a time column "
            "cannot store (it would be dropped); pass a naive time: convert it to the zone "
            "you mean, then .replace(tzinfo=None)"
        )
    return value


def _marker(
    name: str,
    cql: str,
    python: tuple[type, ...],
    doc: str,
    base: type[CqlType] = CqlType,
    **attrs: Any,
) -> type[CqlType]:
    namespace = {"__slots__": (), "cql": cql, "python": python, "__doc__": doc, **attrs}
    return type(name, (base,), namespace)


_INT = (int,)
_STR = (str,)
Int = _marker(
    "Int",
    "int",
    _INT,
    "32-bit signed integer (``int``), the default for ``int``.",
    IntegerType,
    bits=32,
)
BigInt = _marker(
    "BigInt", "bigint", _INT, "64-bit signed integer (``bigint``).", IntegerType, bits=64
)
SmallInt = _marker(
    "SmallInt", "smallint", _INT, "16-bit signed integer (``smallint``).", IntegerType, bits=16
)
TinyInt = _marker(
    "TinyInt", "tinyint", _INT, "8-bit signed integer (``tinyint``).", IntegerType, bits=8
)
VarInt = _marker("VarInt", "varint", _INT, "Arbitrary-precision integer (``varint``).")
Counter = _marker(
    "Counter",
    "counter",
    _INT,
    "A 64-bit counter column (counter tables only).",
    IntegerType,
    bits=64,
)
Ascii = _marker("Ascii", "ascii", _STR, "US-ASCII string (``ascii``).")
Text = _marker("Text", "text", _STR, "UTF-8 string (``text``), the default for ``str``.")
TimeUUID = _marker("TimeUUID", "timeuuid", (_uuid.UUID,), "Time-ordered v1 UUID (``timeuuid``).")
Double = _marker(
    "Double", "double", (float,), "64-bit float (``double``), the default for ``float``."
)
Float = _marker("Float", "float", (float,), "32-bit float (``float``): ~7 significant digits.")
Timestamp = _marker(
    "Timestamp",
    "timestamp",
    (_dt.datetime,),
    "Millisecond timestamp, aware UTC (the default for ``datetime``).",
    TimestampType,
)
Date = _marker("Date", "date", (_dt.date,), "Calendar date (``date``).")
Time = _marker("Time", "time", (_dt.time,), "Naive time of day, nanoseconds (``time``).", TimeType)
Duration = _marker("Duration", "duration", (_dt.timedelta,), "Months, days, nanoseconds.")
Decimal = _marker("Decimal", "decimal", (_dec.Decimal,), "Arbitrary-precision decimal.")
Inet = _marker("Inet", "inet", _STR, "An IP address kept as text (``str``), as cqlengine does.")


__all__ = [
    "Ascii",
    "BigInt",
    "ClusteringKey",
    "Counter",
    "CqlType",
    "Date",
    "DbName",
    "Decimal",
    "Discriminator",
    "Double",
    "Duration",
    "Float",
    "Frozen",
    "FrozenOptions",
    "Indexed",
    "Inet",
    "Int",
    "IntegerType",
    "Marker",
    "PrimaryKey",
    "SmallInt",
    "Static",
    "Text",
    "Time",
    "TimeType",
    "TimeUUID",
    "Timestamp",
    "TimestampType",
    "TinyInt",
    "VarInt",
    "Vector",
]
