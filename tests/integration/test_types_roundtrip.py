"""Every CQL type family round-trips through a real node, with both fronts.

One table per family, created on first use and reused by every example and by both
``coodie.sync`` and ``coodie.aio`` (their models have the same name, hence the same
table).  Each property test writes with ``save()``, reads back with ``Model.get()``
and compares; some also read the raw cell with a plain driver query to check what
Cassandra holds.

Models are defined by functions taking the front's ``Document`` base class, so this
module must not use ``from __future__ import annotations`` (pydantic would have to
resolve the local names in those functions' scopes).
"""

import datetime as dt
import decimal
import enum
import ipaddress
import math
import struct
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Optional
from uuid import UUID

import pydantic
import pytest
from cassandra.util import Duration as DriverDuration
from cassandra.util import Time as DriverTime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import Field

from coodie.connection import Connection
from coodie.exceptions import DocumentNotFound, ValidationError
from coodie.fields import (
    Ascii,
    BigInt,
    Float,
    Frozen,
    PrimaryKey,
    SmallInt,
    TimeUUID,
    TinyInt,
    VarInt,
)
from tests.integration.conftest import Api

UTC = dt.timezone.utc

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

INT32 = st.integers(-(2**31), 2**31 - 1)
F32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
# Cassandra stores a duration's nanoseconds in a signed 64-bit vint.
MAX_DURATION = dt.timedelta(microseconds=(2**63 - 1) // 1000)


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Shape(enum.Enum):  # str values, not a str subclass
    CIRCLE = "circle"
    SQUARE = "square"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 10
    URGENT = 100


# -- models, one table per family ------------------------------------------------------


def text_model(Document: Any) -> Any:
    class RoundtripText(Document):
        id: Annotated[UUID, PrimaryKey()]
        t: str = ""
        a: Annotated[str, Ascii()] = ""

    return RoundtripText


def int_model(Document: Any) -> Any:
    class RoundtripInts(Document):
        id: Annotated[UUID, PrimaryKey()]
        i: int = 0
        big: Annotated[int, BigInt()] = 0
        small: Annotated[int, SmallInt()] = 0
        tiny: Annotated[int, TinyInt()] = 0
        var: Annotated[int, VarInt()] = 0

    return RoundtripInts


def float_model(Document: Any) -> Any:
    class RoundtripFloats(Document):
        id: Annotated[UUID, PrimaryKey()]
        d: float = 0.0
        f: Annotated[float, Float()] = 0.0

    return RoundtripFloats


def scalar_model(Document: Any) -> Any:
    class RoundtripScalars(Document):
        id: Annotated[UUID, PrimaryKey()]
        flag: Optional[bool] = None
        blob: Optional[bytes] = None
        u: Optional[UUID] = None
        tu: Optional[Annotated[UUID, TimeUUID()]] = None

    return RoundtripScalars


def time_model(Document: Any) -> Any:
    class RoundtripTimes(Document):
        id: Annotated[UUID, PrimaryKey()]
        ts: Optional[dt.datetime] = None
        day: Optional[dt.date] = None
        tod: Optional[dt.time] = None
        span: Optional[dt.timedelta] = None
        raw_span: Optional[DriverDuration] = None
        nano_tod: Optional[DriverTime] = None

    return RoundtripTimes


def misc_model(Document: Any) -> Any:
    class RoundtripMisc(Document):
        id: Annotated[UUID, PrimaryKey()]
        dec: Optional[decimal.Decimal] = None
        v4: Optional[ipaddress.IPv4Address] = None
        v6: Optional[ipaddress.IPv6Address] = None

    return RoundtripMisc


def collection_model(Document: Any) -> Any:
    class RoundtripCollections(Document):
        id: Annotated[UUID, PrimaryKey()]
        li: list[int] = Field(default_factory=list)
        ss: set[str] = Field(default_factory=set)
        fs: frozenset[int] = frozenset()
        m: dict[str, int] = Field(default_factory=dict)
        tup: Optional[tuple[int, str, bool]] = None
        opt_tup: Optional[tuple[int, Optional[str]]] = None
        frozen_li: Annotated[list[int], Frozen()] = Field(default_factory=list)
        ll: list[list[int]] = Field(default_factory=list)
        dsi: dict[str, set[int]] = Field(default_factory=dict)
        lt: list[tuple[int, dt.datetime]] = Field(default_factory=list)

    return RoundtripCollections


def set_of_sets_model(Document: Any) -> Any:
    class RoundtripSetOfSets(Document):
        id: Annotated[UUID, PrimaryKey()]
        sfs: set[frozenset[int]] = Field(default_factory=set)
        by_set: dict[frozenset[int], int] = Field(default_factory=dict)

    return RoundtripSetOfSets


def enum_model(Document: Any) -> Any:
    class RoundtripEnums(Document):
        id: Annotated[UUID, PrimaryKey()]
        color: Color = Color.RED
        shape: Optional[Shape] = None
        prio: Priority = Priority.LOW
        tiny_prio: Optional[Annotated[Priority, TinyInt()]] = None
        colors: list[Color] = Field(default_factory=list)
        by_color: dict[Color, Priority] = Field(default_factory=dict)

    return RoundtripEnums


def optional_model(Document: Any) -> Any:
    class RoundtripOptionals(Document):
        id: Annotated[UUID, PrimaryKey()]
        i: Optional[int] = None
        s: str | None = None
        when: Optional[dt.datetime] = None
        ref: Optional[UUID] = None
        big: Optional[Annotated[int, BigInt()]] = None
        li: list[int] = Field(default_factory=list)
        ss: set[int] = Field(default_factory=set)
        m: dict[str, int] = Field(default_factory=dict)
        frozen_li: Annotated[list[int], Frozen()] = Field(default_factory=list)
        opt_li: Optional[list[int]] = None
        opt_ss: Optional[set[int]] = None
        opt_m: Optional[dict[str, int]] = None
        opt_frozen: Optional[Annotated[list[int], Frozen()]] = None

    return RoundtripOptionals


_tables: dict[tuple[str, str], Any] = {}


async def table(api: Api, factory: Callable[[Any], Any]) -> Any:
    """The family's model for this front; the table is created the first time."""
    key = (api.name, factory.__name__)
    model = _tables.get(key)
    if model is None:
        model = factory(api.Document)
        await api.wait(model.sync_table())
        _tables[key] = model
    return model


async def roundtrip(api: Api, model: Any, **values: Any) -> tuple[Any, Any]:
    doc = model(id=uuid.uuid4(), **values)
    await api.wait(doc.save())
    loaded = await api.wait(model.get(id=doc.id))
    return doc, loaded


def raw(connection: Connection, model: Any, column: str, key: UUID) -> Any:
    """The cell as the driver returns it, bypassing coodie."""
    table_name = model.__coodie_schema__.table
    row = connection.session.execute(
        f'SELECT "{column}" FROM "{connection.keyspace}"."{table_name}" WHERE "id" = %s', (key,)
    ).one()
    assert row is not None
    return row[0]


def live_types(connection: Connection, model: Any) -> dict[str, str]:
    rows = connection.session.execute(
        "SELECT column_name, type FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (connection.keyspace, model.__coodie_schema__.table),
    )
    return {r[0]: r[1] for r in rows}


def millis(value: dt.datetime) -> dt.datetime:
    """Cassandra keeps milliseconds: drop (floor) the rest."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]  # type: ignore[no-any-return]


# -- text and ascii ------------------------------------------------------------------------


@PROPERTY
@given(t=st.text(), a=st.text(alphabet=st.characters(max_codepoint=127)))
async def test_text_and_ascii(api: Api, connection: Connection, t: str, a: str) -> None:
    model = await table(api, text_model)
    doc, loaded = await roundtrip(api, model, t=t, a=a)
    assert loaded.t == t
    assert loaded.a == a
    assert raw(connection, model, "t", doc.id) == t


async def test_text_types_in_schema(api: Api, connection: Connection) -> None:
    model = await table(api, text_model)
    assert live_types(connection, model) == {"id": "uuid", "t": "text", "a": "ascii"}


# -- integers -------------------------------------------------------------------------------

INT_BOUNDS = {
    "i": (-(2**31), 2**31 - 1),
    "big": (-(2**63), 2**63 - 1),
    "small": (-(2**15), 2**15 - 1),
    "tiny": (-(2**7), 2**7 - 1),
}


@PROPERTY
@given(
    i=INT32,
    big=st.integers(-(2**63), 2**63 - 1),
    small=st.integers(-(2**15), 2**15 - 1),
    tiny=st.integers(-(2**7), 2**7 - 1),
    var=st.integers(),
)
async def test_integers(
    api: Api, connection: Connection, i: int, big: int, small: int, tiny: int, var: int
) -> None:
    model = await table(api, int_model)
    doc, loaded = await roundtrip(api, model, i=i, big=big, small=small, tiny=tiny, var=var)
    assert (loaded.i, loaded.big, loaded.small, loaded.tiny, loaded.var) == (
        i,
        big,
        small,
        tiny,
        var,
    )
    assert raw(connection, model, "var", doc.id) == var


@pytest.mark.parametrize("end", [0, 1], ids=["min", "max"])
async def test_integer_bounds_are_inclusive(api: Api, end: int) -> None:
    model = await table(api, int_model)
    values = {name: bounds[end] for name, bounds in INT_BOUNDS.items()}
    values["var"] = (-1) ** (end + 1) * 10**40
    _, loaded = await roundtrip(api, model, **values)
    assert {name: getattr(loaded, name) for name in values} == values


@pytest.mark.parametrize("field", sorted(INT_BOUNDS))
@pytest.mark.parametrize("side", ["below", "above"])
async def test_integer_out_of_range_fails_before_io(api: Api, field: str, side: str) -> None:
    model = await table(api, int_model)
    low, high = INT_BOUNDS[field]
    value = low - 1 if side == "below" else high + 1
    with pytest.raises(pydantic.ValidationError) as info:  # refused by pydantic itself
        model(id=uuid.uuid4(), **{field: value})
    assert info.value.errors()[0]["loc"] == (field,)
    # coodie's own check stays as a second line, for a value that skipped validation.
    doc = model.model_construct(id=uuid.uuid4(), **{field: value})
    error = await api.raises(ValidationError, doc.save)
    message = str(error)
    assert f"RoundtripInts.{field}" in message
    assert str(value) in message
    assert f"[{low}, {high}]" in message
    await api.raises(DocumentNotFound, model.get, id=doc.id)


async def test_integer_types_in_schema(api: Api, connection: Connection) -> None:
    model = await table(api, int_model)
    assert live_types(connection, model) == {
        "id": "uuid",
        "i": "int",
        "big": "bigint",
        "small": "smallint",
        "tiny": "tinyint",
        "var": "varint",
    }


# -- double and float -------------------------------------------------------------------------


@PROPERTY
@given(
    d=st.floats(allow_nan=False),
    f=st.floats(allow_nan=False, min_value=-F32_MAX, max_value=F32_MAX)
    | st.sampled_from([math.inf, -math.inf]),
)
async def test_double_and_float(api: Api, connection: Connection, d: float, f: float) -> None:
    model = await table(api, float_model)
    doc, loaded = await roundtrip(api, model, d=d, f=f)
    assert loaded.d == d
    assert loaded.f == float32(f)  # a 32-bit float keeps ~7 significant digits
    assert raw(connection, model, "f", doc.id) == float32(f)


@PROPERTY
@given(f=st.floats(width=32, allow_nan=False))
async def test_float32_values_are_exact(api: Api, f: float) -> None:
    model = await table(api, float_model)
    _, loaded = await roundtrip(api, model, f=f)
    assert loaded.f == f


async def test_nan_and_negative_zero(api: Api) -> None:
    model = await table(api, float_model)
    _, loaded = await roundtrip(api, model, d=math.nan, f=math.nan)
    assert math.isnan(loaded.d)
    assert math.isnan(loaded.f)
    _, loaded = await roundtrip(api, model, d=-0.0, f=-0.0)
    assert math.copysign(1.0, loaded.d) == -1.0
    assert math.copysign(1.0, loaded.f) == -1.0


async def test_float32_overflow_fails_with_validation_error(api: Api) -> None:
    model = await table(api, float_model)
    doc = model(id=uuid.uuid4(), f=1e39)
    error = await api.raises(ValidationError, doc.save)
    assert "RoundtripFloats.f" in str(error)


# -- boolean, blob, uuid, timeuuid --------------------------------------------------------------


@PROPERTY
@given(flag=st.booleans(), blob=st.binary(), u=st.uuids(), tu=st.uuids(version=1))
async def test_boolean_blob_uuid_timeuuid(
    api: Api, connection: Connection, flag: bool, blob: bytes, u: UUID, tu: UUID
) -> None:
    model = await table(api, scalar_model)
    doc, loaded = await roundtrip(api, model, flag=flag, blob=blob, u=u, tu=tu)
    assert loaded.flag is flag
    assert loaded.blob == blob
    assert isinstance(loaded.blob, bytes)
    assert loaded.u == u
    assert loaded.tu == tu
    assert raw(connection, model, "blob", doc.id) == blob  # empty bytes stay empty, not null
    assert raw(connection, model, "tu", doc.id) == tu


async def test_timeuuid_from_uuid1(api: Api, connection: Connection) -> None:
    model = await table(api, scalar_model)
    value = uuid.uuid1()
    doc, loaded = await roundtrip(api, model, tu=value)
    assert loaded.tu == value
    assert raw(connection, model, "tu", doc.id) == value
    assert live_types(connection, model)["tu"] == "timeuuid"
    assert live_types(connection, model)["u"] == "uuid"


async def test_timeuuid_rejects_random_uuid_before_io(api: Api) -> None:
    model = await table(api, scalar_model)
    doc = model(id=uuid.uuid4(), tu=uuid.uuid4())
    error = await api.raises(ValidationError, doc.save)
    assert "RoundtripScalars.tu" in str(error)


# -- timestamp, date, time, duration -----------------------------------------------------------

OFFSETS = st.sampled_from(
    [
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(dt.timedelta(hours=-8)),
        dt.timezone(dt.timedelta(hours=14)),
        dt.timezone(dt.timedelta(hours=-3, minutes=-45)),
    ]
)


@PROPERTY
@given(value=st.datetimes(timezones=st.just(UTC)))
async def test_timestamp_aware_utc(api: Api, connection: Connection, value: dt.datetime) -> None:
    model = await table(api, time_model)
    doc, loaded = await roundtrip(api, model, ts=value)
    assert loaded.ts == millis(value)
    assert loaded.ts.utcoffset() == dt.timedelta(0)
    assert loaded.ts.tzinfo is UTC
    stored = raw(connection, model, "ts", doc.id)  # the driver returns naive UTC
    assert stored == millis(value).replace(tzinfo=None)


@PROPERTY
@given(value=st.datetimes())
async def test_timestamp_naive_is_utc(api: Api, value: dt.datetime) -> None:
    model = await table(api, time_model)
    doc, loaded = await roundtrip(api, model, ts=value)
    assert millis(doc.ts) == millis(value).replace(tzinfo=UTC)  # in memory: already UTC
    assert doc.ts.tzinfo is UTC
    assert loaded.ts == millis(value).replace(tzinfo=UTC)
    assert loaded.ts.tzinfo is UTC


@PROPERTY
@given(
    value=st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=OFFSETS,
    )
)
async def test_timestamp_offset_is_converted_to_utc(
    api: Api, connection: Connection, value: dt.datetime
) -> None:
    model = await table(api, time_model)
    doc, loaded = await roundtrip(api, model, ts=value)
    expected = millis(value.astimezone(UTC))
    assert doc.ts.tzinfo is UTC
    assert loaded.ts == expected
    assert loaded.ts.tzinfo is UTC
    assert (loaded.ts.hour, loaded.ts.minute) == (expected.hour, expected.minute)
    assert raw(connection, model, "ts", doc.id) == expected.replace(tzinfo=None)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC),
        dt.datetime(1970, 1, 1, 0, 0, 0, 999, tzinfo=UTC),
        dt.datetime(1, 1, 1, 0, 0, 0, 1500, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
    ids=["just-before-epoch", "epoch-sub-ms", "year-1", "year-9999"],
)
async def test_timestamp_edges_truncate_to_millis(api: Api, value: dt.datetime) -> None:
    model = await table(api, time_model)
    _, loaded = await roundtrip(api, model, ts=value)
    assert loaded.ts == millis(value)


@PROPERTY
@given(day=st.dates(), tod=st.times())
async def test_date_and_time(api: Api, connection: Connection, day: dt.date, tod: dt.time) -> None:
    model = await table(api, time_model)
    doc, loaded = await roundtrip(api, model, day=day, tod=tod)
    assert loaded.day == day
    assert type(loaded.day) is dt.date
    assert loaded.tod == tod
    assert type(loaded.tod) is dt.time
    stored_day = raw(connection, model, "day", doc.id)  # cassandra.util.Date
    assert stored_day.date() == day
    stored_tod = raw(connection, model, "tod", doc.id)  # cassandra.util.Time, nanoseconds
    assert stored_tod.nanosecond_time == (
        ((tod.hour * 60 + tod.minute) * 60 + tod.second) * 10**9 + tod.microsecond * 1000
    )


@PROPERTY
@given(span=st.timedeltas(min_value=-MAX_DURATION, max_value=MAX_DURATION))
async def test_duration_timedelta(api: Api, connection: Connection, span: dt.timedelta) -> None:
    model = await table(api, time_model)
    doc, loaded = await roundtrip(api, model, span=span)
    assert loaded.span == span
    stored = raw(connection, model, "span", doc.id)
    assert stored == DriverDuration(0, 0, (span // dt.timedelta(microseconds=1)) * 1000)


@pytest.mark.parametrize("nanos", [0, 10, 86_399_999_999_999])
async def test_driver_time_keeps_nanoseconds(api: Api, connection: Connection, nanos: int) -> None:
    model = await table(api, time_model)
    doc, loaded = await roundtrip(api, model, nano_tod=DriverTime(nanos))
    assert loaded.nano_tod == DriverTime(nanos)
    assert raw(connection, model, "nano_tod", doc.id) == DriverTime(nanos)


SIGNED = st.sampled_from([1, -1])


@PROPERTY
@given(
    sign=SIGNED,
    months=st.integers(0, 2**31 - 1),
    days=st.integers(0, 2**31 - 1),
    nanos=st.integers(0, 2**63 - 1),
)
async def test_duration_driver_type(
    api: Api, sign: int, months: int, days: int, nanos: int
) -> None:
    model = await table(api, time_model)
    value = DriverDuration(sign * months, sign * days, sign * nanos)
    _, loaded = await roundtrip(api, model, raw_span=value)
    assert loaded.raw_span == value


async def test_duration_with_months_does_not_fit_timedelta(
    api: Api, connection: Connection
) -> None:
    model = await table(api, time_model)
    key = uuid.uuid4()
    connection.session.execute(
        f'INSERT INTO "{connection.keyspace}"."roundtrip_times" ("id", "span") VALUES (%s, %s)',
        (key, DriverDuration(1, 0, 0)),
    )
    with pytest.raises(ValueError, match="month"):
        await api.wait(model.get(id=key))


async def test_duration_overflow_fails_with_validation_error(api: Api) -> None:
    model = await table(api, time_model)
    doc = model(id=uuid.uuid4(), span=dt.timedelta(days=200_000))
    error = await api.raises(ValidationError, doc.save)
    assert "RoundtripTimes.span" in str(error)


async def test_time_family_types_in_schema(api: Api, connection: Connection) -> None:
    model = await table(api, time_model)
    assert live_types(connection, model) == {
        "id": "uuid",
        "ts": "timestamp",
        "day": "date",
        "tod": "time",
        "span": "duration",
        "raw_span": "duration",
        "nano_tod": "time",
    }


# -- decimal and inet ----------------------------------------------------------------------------


@PROPERTY
@given(
    dec=st.decimals(allow_nan=False, allow_infinity=False),
    v4=st.ip_addresses(v=4),
    v6=st.ip_addresses(v=6),
)
async def test_decimal_and_inet(
    api: Api,
    connection: Connection,
    dec: decimal.Decimal,
    v4: ipaddress.IPv4Address,
    v6: ipaddress.IPv6Address,
) -> None:
    model = await table(api, misc_model)
    doc, loaded = await roundtrip(api, model, dec=dec, v4=v4, v6=v6)
    assert loaded.dec == dec
    assert loaded.dec.as_tuple().exponent == dec.as_tuple().exponent  # the scale is kept
    assert loaded.v4 == v4
    assert type(loaded.v4) is ipaddress.IPv4Address
    assert loaded.v6 == v6
    assert type(loaded.v6) is ipaddress.IPv6Address
    assert ipaddress.ip_address(raw(connection, model, "v4", doc.id)) == v4
    assert ipaddress.ip_address(raw(connection, model, "v6", doc.id)) == v6


async def test_decimal_keeps_its_scale(api: Api, connection: Connection) -> None:
    model = await table(api, misc_model)
    doc, loaded = await roundtrip(api, model, dec=decimal.Decimal("1.10"))
    assert str(loaded.dec) == "1.10"
    assert raw(connection, model, "dec", doc.id) == decimal.Decimal("1.10")
    assert live_types(connection, model)["dec"] == "decimal"
    assert live_types(connection, model)["v4"] == "inet"
    assert live_types(connection, model)["v6"] == "inet"


# -- collections ---------------------------------------------------------------------------------

TEXT = st.text(max_size=8)
SMALL_LISTS = {"max_size": 5}


@PROPERTY
@given(
    li=st.lists(INT32, **SMALL_LISTS),
    ss=st.sets(TEXT, **SMALL_LISTS),
    fs=st.frozensets(INT32, **SMALL_LISTS),
    m=st.dictionaries(TEXT, INT32, **SMALL_LISTS),
    tup=st.tuples(INT32, TEXT, st.booleans()),
    opt_tup=st.tuples(INT32, st.none() | TEXT),
    frozen_li=st.lists(INT32, **SMALL_LISTS),
)
async def test_flat_collections(
    api: Api,
    li: list[int],
    ss: set[str],
    fs: frozenset[int],
    m: dict[str, int],
    tup: tuple[int, str, bool],
    opt_tup: tuple[int, Optional[str]],
    frozen_li: list[int],
) -> None:
    model = await table(api, collection_model)
    _, loaded = await roundtrip(
        api, model, li=li, ss=ss, fs=fs, m=m, tup=tup, opt_tup=opt_tup, frozen_li=frozen_li
    )
    assert loaded.li == li
    assert type(loaded.li) is list
    assert loaded.ss == ss
    assert type(loaded.ss) is set
    assert loaded.fs == fs
    assert type(loaded.fs) is frozenset
    assert loaded.m == m
    assert type(loaded.m) is dict
    assert loaded.tup == tup
    assert type(loaded.tup) is tuple
    assert loaded.opt_tup == opt_tup
    assert loaded.frozen_li == frozen_li
    assert type(loaded.frozen_li) is list


@PROPERTY
@given(
    ll=st.lists(st.lists(INT32, **SMALL_LISTS), **SMALL_LISTS),
    dsi=st.dictionaries(TEXT, st.sets(INT32, **SMALL_LISTS), **SMALL_LISTS),
    lt=st.lists(st.tuples(INT32, st.datetimes(timezones=st.just(UTC))), **SMALL_LISTS),
)
async def test_nested_collections(
    api: Api,
    connection: Connection,
    ll: list[list[int]],
    dsi: dict[str, set[int]],
    lt: list[tuple[int, dt.datetime]],
) -> None:
    model = await table(api, collection_model)
    doc, loaded = await roundtrip(api, model, ll=ll, dsi=dsi, lt=lt)
    assert loaded.ll == ll
    assert all(type(inner) is list for inner in loaded.ll)
    assert loaded.dsi == dsi
    assert all(type(inner) is set for inner in loaded.dsi.values())
    assert loaded.lt == [(n, millis(when)) for n, when in lt]
    assert all(when.tzinfo is UTC for _, when in loaded.lt)  # converters reach into tuples
    stored = raw(connection, model, "ll", doc.id)
    assert [list(inner) for inner in stored or []] == ll


async def test_collection_types_in_schema(api: Api, connection: Connection) -> None:
    model = await table(api, collection_model)
    assert live_types(connection, model) == {
        "id": "uuid",
        "li": "list<int>",
        "ss": "set<text>",
        "fs": "frozen<set<int>>",
        "m": "map<text, int>",
        "tup": "frozen<tuple<int, text, boolean>>",
        "opt_tup": "frozen<tuple<int, text>>",
        "frozen_li": "frozen<list<int>>",
        "ll": "list<frozen<list<int>>>",
        "dsi": "map<text, frozen<set<int>>>",
        "lt": "list<frozen<tuple<int, timestamp>>>",
    }
    # What coodie compares with in sync_table() is exactly what Cassandra prints.
    schema = model.__coodie_schema__
    assert {c.name: c.type.cql for c in schema.columns} == live_types(connection, model)


async def test_set_of_frozen_sets_table(api: Api, connection: Connection) -> None:
    model = await table(api, set_of_sets_model)
    assert live_types(connection, model) == {
        "id": "uuid",
        "sfs": "set<frozen<set<int>>>",
        "by_set": "map<frozen<set<int>>, int>",
    }
    _, loaded = await roundtrip(api, model)  # empty collections are never written
    assert loaded.sfs == set()
    assert loaded.by_set == {}


async def test_set_of_frozen_sets_reads_what_cql_wrote(api: Api, connection: Connection) -> None:
    model = await table(api, set_of_sets_model)
    key = uuid.uuid4()
    connection.session.execute(
        f'INSERT INTO "{connection.keyspace}"."roundtrip_set_of_sets" ("id", "sfs", "by_set") '
        "VALUES (%s, {{1, 2}, {}}, {{3}: 4})",
        (key,),
    )
    loaded = await api.wait(model.get(id=key))
    assert loaded.sfs == {frozenset({1, 2}), frozenset()}
    assert all(type(inner) is frozenset for inner in loaded.sfs)
    assert loaded.by_set == {frozenset({3}): 4}


@PROPERTY
@given(
    sfs=st.sets(st.frozensets(INT32, max_size=4), min_size=1, max_size=4),
    by_set=st.dictionaries(st.frozensets(INT32, max_size=4), INT32, max_size=3),
)
async def test_set_of_frozen_sets_roundtrip(
    api: Api, sfs: set[frozenset[int]], by_set: dict[frozenset[int], int]
) -> None:
    model = await table(api, set_of_sets_model)
    _, loaded = await roundtrip(api, model, sfs=sfs, by_set=by_set)
    assert loaded.sfs == sfs
    assert loaded.by_set == by_set


async def test_collection_element_out_of_range_fails_with_validation_error(api: Api) -> None:
    model = await table(api, collection_model)
    with pytest.raises(pydantic.ValidationError) as info:  # refused by pydantic itself
        model(id=uuid.uuid4(), li=[2**40])
    assert info.value.errors()[0]["loc"] == ("li", 0)
    # coodie's own check stays as a second line, for a value that skipped validation.
    doc = model.model_construct(id=uuid.uuid4(), li=[2**40])
    error = await api.raises(ValidationError, doc.save)
    assert "RoundtripCollections.li" in str(error)


# -- enums -------------------------------------------------------------------------------------


@PROPERTY
@given(
    color=st.sampled_from(Color),
    shape=st.none() | st.sampled_from(Shape),
    prio=st.sampled_from(Priority),
    tiny_prio=st.none() | st.sampled_from(Priority),
    colors=st.lists(st.sampled_from(Color), max_size=4),
    by_color=st.dictionaries(st.sampled_from(Color), st.sampled_from(Priority)),
)
async def test_enums_stored_by_value(
    api: Api,
    connection: Connection,
    color: Color,
    shape: Optional[Shape],
    prio: Priority,
    tiny_prio: Optional[Priority],
    colors: list[Color],
    by_color: dict[Color, Priority],
) -> None:
    model = await table(api, enum_model)
    doc, loaded = await roundtrip(
        api,
        model,
        color=color,
        shape=shape,
        prio=prio,
        tiny_prio=tiny_prio,
        colors=colors,
        by_color=by_color,
    )
    assert loaded.color is color
    assert loaded.shape is shape
    assert loaded.prio is prio
    assert loaded.tiny_prio is tiny_prio
    assert loaded.colors == colors
    assert all(isinstance(c, Color) for c in loaded.colors)
    assert loaded.by_color == by_color
    assert all(type(p) is Priority for p in loaded.by_color.values())

    stored_color = raw(connection, model, "color", doc.id)
    assert stored_color == color.value
    assert type(stored_color) is str
    stored_shape = raw(connection, model, "shape", doc.id)
    assert stored_shape == (None if shape is None else shape.value)
    stored_prio = raw(connection, model, "prio", doc.id)
    assert stored_prio == int(prio)
    assert type(stored_prio) is int
    assert raw(connection, model, "colors", doc.id) == ([c.value for c in colors] or None)
    stored_map = raw(connection, model, "by_color", doc.id)
    assert dict(stored_map or {}) == {c.value: int(p) for c, p in by_color.items()}


async def test_enum_types_in_schema(api: Api, connection: Connection) -> None:
    model = await table(api, enum_model)
    assert live_types(connection, model) == {
        "id": "uuid",
        "color": "text",
        "shape": "text",
        "prio": "int",
        "tiny_prio": "tinyint",
        "colors": "list<text>",
        "by_color": "map<text, int>",
    }


# -- optional values and nulls -----------------------------------------------------------------


@PROPERTY
@given(
    i=st.none() | INT32,
    s=st.none() | st.text(max_size=10),
    when=st.none() | st.datetimes(timezones=st.just(UTC)),
    ref=st.none() | st.uuids(),
    big=st.none() | st.integers(-(2**63), 2**63 - 1),
    opt_li=st.none() | st.lists(INT32, min_size=1, max_size=4),
    opt_frozen=st.none() | st.lists(INT32, max_size=4),
)
async def test_optional_values(
    api: Api,
    connection: Connection,
    i: Optional[int],
    s: Optional[str],
    when: Optional[dt.datetime],
    ref: Optional[UUID],
    big: Optional[int],
    opt_li: Optional[list[int]],
    opt_frozen: Optional[list[int]],
) -> None:
    model = await table(api, optional_model)
    doc, loaded = await roundtrip(
        api, model, i=i, s=s, when=when, ref=ref, big=big, opt_li=opt_li, opt_frozen=opt_frozen
    )
    assert loaded.i == i
    assert loaded.s == s
    assert loaded.when == (None if when is None else millis(when))
    assert loaded.ref == ref
    assert loaded.big == big
    assert loaded.opt_li == opt_li
    assert loaded.opt_frozen == opt_frozen
    if i is None:
        assert raw(connection, model, "i", doc.id) is None


async def test_null_collections_read_back_empty_or_none(api: Api, connection: Connection) -> None:
    model = await table(api, optional_model)
    doc, loaded = await roundtrip(api, model)
    assert loaded.li == []
    assert loaded.ss == set()
    assert type(loaded.ss) is set
    assert loaded.m == {}
    assert loaded.frozen_li == []
    assert loaded.opt_li is None
    assert loaded.opt_ss is None
    assert loaded.opt_m is None
    assert loaded.opt_frozen is None
    assert loaded.i is None
    assert loaded.s is None
    # Empty non-frozen collections are not written at all; nothing else was set either.
    for column in ("li", "ss", "m", "opt_li", "opt_ss", "opt_m", "opt_frozen", "i", "s"):
        assert raw(connection, model, column, doc.id) is None, column
    assert list(raw(connection, model, "frozen_li", doc.id)) == []  # a frozen [] is a value


async def test_nulls_written_outside_coodie(api: Api, connection: Connection) -> None:
    model = await table(api, optional_model)
    key = uuid.uuid4()
    connection.session.execute(
        f'INSERT INTO "{connection.keyspace}"."roundtrip_optionals" ("id") VALUES (%s)', (key,)
    )
    loaded = await api.wait(model.get(id=key))
    assert (loaded.li, loaded.ss, loaded.m, loaded.frozen_li) == ([], set(), {}, [])
    assert (loaded.opt_li, loaded.opt_ss, loaded.opt_m, loaded.opt_frozen) == (
        None,
        None,
        None,
        None,
    )
    assert (loaded.i, loaded.s, loaded.when, loaded.ref, loaded.big) == (None,) * 5


async def test_empty_text_and_blob_are_values_not_nulls(api: Api, connection: Connection) -> None:
    text = await table(api, text_model)
    doc, loaded = await roundtrip(api, text, t="", a="")
    assert (loaded.t, loaded.a) == ("", "")
    assert raw(connection, text, "t", doc.id) == ""
    scalars = await table(api, scalar_model)
    doc, loaded = await roundtrip(api, scalars, blob=b"")
    assert loaded.blob == b""


# -- bad values --------------------------------------------------------------------------------


async def test_ascii_rejects_non_ascii_before_io(api: Api) -> None:
    model = await table(api, text_model)
    doc = model(id=uuid.uuid4(), a="café")
    error = await api.raises(ValidationError, doc.save)
    assert "RoundtripText.a" in str(error)
