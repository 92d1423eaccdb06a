"""Defects C1, C10, C11: what a user sees, checked without a database.

- C1: ``Indexed(options=...)`` takes part in equality, so typing's cache of
  ``Annotated[...]`` objects no longer hands one model another model's index options.
- C11a: integer ranges are pydantic constraints (errors at construction, bounds in the
  JSON schema), for bare ``int`` (CQL ``int``) and for the integer type markers.
- C11b: IPv6 contact points.
- C10: replication factors, aware ``time`` values and table options are checked
  before any I/O.
"""

import datetime as dt
import enum
from typing import Annotated, Any, Optional

import pydantic
import pytest

import coodie.aio
import coodie.sync
from coodie.connection import contact_points
from coodie.exceptions import ConfigurationError, DefinitionError, ValidationError
from coodie.fields import (
    BigInt,
    ClusteringKey,
    Counter,
    Indexed,
    Int,
    PrimaryKey,
    SmallInt,
    Time,
    TinyInt,
    VarInt,
)

FRONTS = pytest.mark.parametrize("front", [coodie.sync, coodie.aio], ids=["sync", "aio"])

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
INT16 = (-(2**15), 2**15 - 1)
INT8 = (-(2**7), 2**7 - 1)


# -- C1: Indexed(options=...) ------------------------------------------------------------------


def test_indexed_options_take_part_in_equality_and_hash() -> None:
    a = Indexed(using="sai", options={"case_sensitive": "false"})
    b = Indexed(using="sai", options={"case_sensitive": "true"})
    same = Indexed(using="sai", options={"case_sensitive": "false"})
    assert a != b
    assert a == same and hash(a) == hash(same)
    assert Indexed(using="sai") != a
    # The constructor still takes a dict, and options still read as a mapping.
    assert a.options is not None and a.options["case_sensitive"] == "false"
    assert dict(a.options) == {"case_sensitive": "false"}


def test_options_are_immutable_copies() -> None:
    given = {"case_sensitive": "false"}
    marker = Indexed(using="sai", options=given)
    given["case_sensitive"] = "true"  # changing the caller's dict changes nothing
    assert marker.options is not None and marker.options["case_sensitive"] == "false"
    with pytest.raises(TypeError):
        marker.options["case_sensitive"] = "true"  # type: ignore[index]


@FRONTS
def test_same_annotation_with_other_options_in_two_models(front: Any) -> None:
    class FirstTitles(front.Document):
        id: Annotated[int, PrimaryKey()]
        title: Annotated[str, Indexed(using="sai", options={"case_sensitive": "false"})] = ""

    class SecondTitles(front.Document):
        id: Annotated[int, PrimaryKey()]
        title: Annotated[str, Indexed(using="sai", options={"case_sensitive": "true"})] = ""

    first = FirstTitles.__coodie_schema__.by_name["title"].index
    second = SecondTitles.__coodie_schema__.by_name["title"].index
    assert dict(first.options) == {"case_sensitive": "false"}
    assert dict(second.options) == {"case_sensitive": "true"}


def test_options_without_using_refused_after_a_plain_index_elsewhere() -> None:
    class PlainIndexFirst(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        name: Annotated[str, Indexed()] = ""

    with pytest.raises(DefinitionError) as info:

        class OptionsWithoutUsing(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            name: Annotated[str, Indexed(options={"mode": "CONTAINS"})] = ""

    message = str(info.value)
    assert "OptionsWithoutUsing.name" in message and "using=" in message


def test_plain_index_accepted_after_options_without_using_was_refused() -> None:
    with pytest.raises(DefinitionError):

        class RefusedFirst(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            label: Annotated[str, Indexed(options={"mode": "PREFIX"})] = ""

    class PlainAfter(coodie.sync.Document):  # a valid model is not refused
        id: Annotated[int, PrimaryKey()]
        label: Annotated[str, Indexed()] = ""

    index = PlainAfter.__coodie_schema__.by_name["label"].index
    assert index.options is None and index.using is None


# -- C11a: integer ranges in pydantic ----------------------------------------------------------


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Sizes(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    plain: int = 0
    maybe: Optional[int] = None
    big: Annotated[int, BigInt()] = 0
    small: Annotated[int, SmallInt()] = 0
    tiny: Annotated[int, TinyInt()] = 0
    var: Annotated[int, VarInt()] = 0
    explicit: Annotated[int, Int()] = 0
    positive_big: Annotated[int, pydantic.Field(ge=0), BigInt()] = 0
    small_list: list[Annotated[int, SmallInt()]] = pydantic.Field(default_factory=list)
    counts: dict[str, int] = pydantic.Field(default_factory=dict)
    pair: tuple[int, str] = (0, "")
    level: Annotated[Level, TinyInt()] = Level.LOW


class Hits(coodie.sync.Document):
    page: Annotated[str, PrimaryKey()]
    views: Annotated[int, Counter()] = 0


def bounds(prop: dict[str, Any]) -> tuple[Any, Any]:
    return prop.get("minimum"), prop.get("maximum")


def test_json_schema_shows_integer_bounds() -> None:
    props = Sizes.model_json_schema()["properties"]
    assert bounds(props["id"]) == INT32
    assert bounds(props["plain"]) == INT32
    assert [bounds(p) for p in props["maybe"]["anyOf"] if p.get("type") == "integer"] == [INT32]
    assert bounds(props["big"]) == INT64
    assert bounds(props["small"]) == INT16
    assert bounds(props["tiny"]) == INT8
    assert bounds(props["explicit"]) == INT32
    assert bounds(props["var"]) == (None, None)
    assert bounds(props["positive_big"]) == (0, INT64[1])  # the user's stricter bound wins
    assert bounds(props["small_list"]["items"]) == INT16
    assert bounds(props["counts"]["additionalProperties"]) == INT32
    assert bounds(props["pair"]["prefixItems"][0]) == INT32
    assert bounds(Hits.model_json_schema()["properties"]["views"]) == INT64


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("plain", *INT32),
        ("maybe", *INT32),
        ("big", *INT64),
        ("small", *INT16),
        ("tiny", *INT8),
        ("explicit", *INT32),
    ],
)
def test_out_of_range_refused_at_construction(field: str, low: int, high: int) -> None:
    assert getattr(Sizes(id=1, **{field: high}), field) == high
    assert getattr(Sizes(id=1, **{field: low}), field) == low
    for bad in (high + 1, low - 1):
        with pytest.raises(pydantic.ValidationError) as info:
            Sizes(id=1, **{field: bad})
        (error,) = info.value.errors()
        assert error["loc"] == (field,)
        assert error["type"] in ("less_than_equal", "greater_than_equal")


def test_out_of_range_refused_from_json_and_on_assignment() -> None:
    # What FastAPI does with a request body: a 422, not a 500 at save().
    with pytest.raises(pydantic.ValidationError) as info:
        Sizes.model_validate_json('{"id": 1, "big": 9223372036854775808}')
    assert info.value.errors()[0]["loc"] == ("big",)
    with pytest.raises(pydantic.ValidationError) as info:
        Sizes.model_validate_json('{"id": 2147483648}')
    assert info.value.errors()[0]["loc"] == ("id",)
    doc = Sizes(id=1)
    with pytest.raises(pydantic.ValidationError) as info:
        doc.tiny = 128
    assert info.value.errors()[0]["loc"] == ("tiny",)
    assert doc.tiny == 0


def test_out_of_range_refused_inside_collections() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Sizes(id=1, small_list=[1, 2**15])
    assert info.value.errors()[0]["loc"] == ("small_list", 1)
    with pytest.raises(pydantic.ValidationError) as info:
        Sizes(id=1, counts={"a": 2**31})
    assert info.value.errors()[0]["loc"] == ("counts", "a")
    with pytest.raises(pydantic.ValidationError) as info:
        Sizes(id=1, pair=(-(2**31) - 1, "x"))
    assert info.value.errors()[0]["loc"] == ("pair", 0)


def test_counter_and_varint_ranges() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Hits(page="p", views=2**63)
    assert info.value.errors()[0]["loc"] == ("views",)
    assert Sizes(id=1, var=2**100).var == 2**100  # varint has no bound


def test_bounds_do_not_change_the_cql_types() -> None:
    types = {c.name: c.type.cql for c in Sizes.__coodie_schema__.columns}
    assert types == {
        "id": "int",
        "plain": "int",
        "maybe": "int",
        "big": "bigint",
        "small": "smallint",
        "tiny": "tinyint",
        "var": "varint",
        "explicit": "int",
        "positive_big": "bigint",
        "small_list": "list<smallint>",
        "counts": "map<text, int>",
        "pair": "frozen<tuple<int, text>>",
        "level": "tinyint",
    }


def test_markers_bound_plain_pydantic_models() -> None:
    """The markers work in any pydantic model, e.g. a FastAPI request body."""

    class Body(pydantic.BaseModel):
        n: Annotated[int, SmallInt()]
        maybe: Annotated[Optional[int], BigInt()] = None

    assert bounds(Body.model_json_schema()["properties"]["n"]) == INT16
    with pytest.raises(pydantic.ValidationError) as info:
        Body(n=2**15)
    assert info.value.errors()[0]["loc"] == ("n",)
    with pytest.raises(pydantic.ValidationError):
        Body(n=1, maybe=2**63)
    assert Body(n=1).maybe is None


def test_subclass_keeps_bounds() -> None:
    class Base(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        n: int = 0

        class Settings:
            abstract = True

    class Child(Base):
        m: dict[str, int] = pydantic.Field(default_factory=dict)

    props = Child.model_json_schema()["properties"]
    assert bounds(props["n"]) == INT32 and bounds(props["id"]) == INT32
    assert bounds(props["m"]["additionalProperties"]) == INT32
    with pytest.raises(pydantic.ValidationError):
        Child(id=1, n=2**31)


# -- C11b: IPv6 contact points ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        ("[::1]:9042", (["::1"], 9042)),
        ("::1", (["::1"], None)),
        ("[::1]", (["::1"], None)),
        (["[::1]:9043", "[2001:db8::2]:9043"], (["::1", "2001:db8::2"], 9043)),
        ("[::1]:9042, 127.0.0.1:9042", (["::1", "127.0.0.1"], 9042)),
        ("fe80::1%eth0", (["fe80::1%eth0"], None)),
        ("[fe80::1%eth0]:9042", (["fe80::1%eth0"], 9042)),
        ("::ffff:127.0.0.1", (["::ffff:127.0.0.1"], None)),
        ("127.0.0.1:9042", (["127.0.0.1"], 9042)),
        ("node1,node2", (["node1", "node2"], None)),
    ],
)
def test_contact_points_parse_ipv6(hosts: Any, expected: tuple[list[str], int | None]) -> None:
    assert contact_points(hosts) == expected


@pytest.mark.parametrize(
    ("hosts", "needle"),
    [
        ("[::1", "'[::1'"),
        ("[::1]9042", "'[::1]9042'"),
        ("[::1]:", "'[::1]:'"),
        ("[node1]:9042", "'[node1]:9042'"),
        ("host:port", "'host:port'"),
        ("1:2:3", "'1:2:3'"),
        ("host:0", "'host:0'"),
        ("host:65536", "'host:65536'"),
        ("[::1]:9042,[::2]:9043", "different ports"),
    ],
)
def test_contact_points_refuse_bad_hosts(hosts: str, needle: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        contact_points(hosts)
    assert needle in str(info.value)


def test_contact_point_error_says_what_to_do() -> None:
    with pytest.raises(ConfigurationError, match=r"\[2001:db8::1\]:9042"):
        contact_points("2001:db8::1:9042:x")


# -- C10a: replication factors -----------------------------------------------------------------


@pytest.mark.parametrize("factor", [0, -1, 1.5, "3", True, False, 3.0])
async def test_create_keyspace_refuses_bad_replication_factor(factor: Any) -> None:
    # A connection that does not exist: the error must come before any lookup or I/O.
    for call in (coodie.sync.create_keyspace, coodie.aio.create_keyspace):
        with pytest.raises(ConfigurationError) as info:
            result = call("ks_c10", replication_factor=factor, connection="c10_missing")
            if result is not None:
                await result
        message = str(info.value)
        assert "create_keyspace('ks_c10')" in message
        assert f"replication_factor={factor!r}" in message
        assert "positive integer" in message


@pytest.mark.parametrize(
    ("dcs", "needle"),
    [
        ({"dc1": 0}, "dc_replication['dc1']=0"),
        ({"dc1": 3, "dc2": -1}, "dc_replication['dc2']=-1"),
        ({"dc1": 1.5}, "dc_replication['dc1']=1.5"),
        ({"dc1": "3"}, "dc_replication['dc1']='3'"),
        ({"dc1": True}, "dc_replication['dc1']=True"),
        ({}, "at least one data center"),
        ({1: 3}, "data center names"),
        ({"class": 3}, "data center names"),
        (["dc1"], "dc_replication={'dc1': N}"),
    ],
)
async def test_create_keyspace_refuses_bad_dc_replication(dcs: Any, needle: str) -> None:
    for call in (coodie.sync.create_keyspace, coodie.aio.create_keyspace):
        with pytest.raises(ConfigurationError) as info:
            result = call("ks_c10", dc_replication=dcs, connection="c10_missing")
            if result is not None:
                await result
        assert "create_keyspace('ks_c10')" in str(info.value)
        assert needle in str(info.value)


def test_create_keyspace_valid_factor_reaches_the_connection_lookup() -> None:
    # The checks let good values through: the next failure is the missing connection.
    with pytest.raises(ConfigurationError, match="no connection named 'c10_missing'"):
        coodie.sync.create_keyspace("ks_c10", replication_factor=3, connection="c10_missing")
    with pytest.raises(ConfigurationError, match="no connection named 'c10_missing'"):
        coodie.sync.create_keyspace(
            "ks_c10", dc_replication={"dc1": 3, "dc2": 1}, connection="c10_missing"
        )


# -- C10b: aware times --------------------------------------------------------------------------


class Shift(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    starts: Annotated[dt.time, ClusteringKey()] = dt.time(0)
    ends: Optional[dt.time] = None
    breaks: list[dt.time] = pydantic.Field(default_factory=list)


AWARE = dt.time(9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def test_aware_time_refused_at_construction() -> None:
    for kwargs, loc in (
        ({"starts": AWARE}, ("starts",)),
        ({"ends": AWARE}, ("ends",)),
        ({"ends": "09:30:00+02:00"}, ("ends",)),
        ({"breaks": [dt.time(12), AWARE]}, ("breaks", 1)),
        ({"ends": dt.time(9, tzinfo=dt.timezone.utc)}, ("ends",)),
    ):
        with pytest.raises(pydantic.ValidationError) as info:
            Shift(id=1, **kwargs)
        (error,) = info.value.errors()
        assert error["loc"] == loc and info.value.title == "Shift"
        assert "time zone" in error["msg"] and "naive" in error["msg"], error["msg"]


def test_aware_time_refused_on_assignment() -> None:
    shift = Shift(id=1, ends=dt.time(17))
    with pytest.raises(pydantic.ValidationError) as info:
        shift.ends = AWARE
    assert info.value.errors()[0]["loc"] == ("ends",)
    assert shift.ends == dt.time(17)  # the document keeps its valid value


def test_aware_time_refused_by_plain_pydantic_models_with_the_marker() -> None:
    class Body(pydantic.BaseModel):
        at: Annotated[dt.time, Time()]

    with pytest.raises(pydantic.ValidationError, match="time zone"):
        Body(at=AWARE)
    assert Body(at="09:30").at == dt.time(9, 30)


def test_aware_time_refused_in_filters() -> None:
    with pytest.raises(ValidationError) as info:
        Shift.find(id=1, starts=AWARE)
    assert "Shift.starts" in str(info.value) and "time zone" in str(info.value)
    with pytest.raises(ValidationError, match=r"Shift\.starts"):
        Shift.find(id=1, starts__gt="09:30:00+02:00")


def test_naive_time_accepted() -> None:
    shift = Shift(id=1, starts=dt.time(9, 30), ends="17:00", breaks=[dt.time(12)])
    assert shift.starts == dt.time(9, 30) and shift.ends == dt.time(17)
    Shift.find(id=1, starts=dt.time(9, 30))  # builds the query without complaint


# -- C10c: table options -----------------------------------------------------------------------


def define_with_options(name: str, options: Any) -> type:
    """``class <name>(Document)`` with an int key and ``Settings.options = options``."""
    settings = type(
        "Settings",
        (),
        {"options": options, "__module__": __name__, "__qualname__": f"{name}.Settings"},
    )
    namespace = {
        "__module__": __name__,
        "__qualname__": name,
        "__annotations__": {"id": Annotated[int, PrimaryKey()]},
        "Settings": settings,
    }
    return type(name, (coodie.sync.Document,), namespace)


def test_unknown_table_option_names_model_key_and_close_matches() -> None:
    with pytest.raises(DefinitionError) as info:
        define_with_options("Typo", {"gc_grace_second": 10})
    message = str(info.value)
    assert "Typo.Settings.options" in message
    assert "'gc_grace_second'" in message
    assert "gc_grace_seconds" in message  # the close match


def test_unknown_table_option_without_close_match_lists_known_ones() -> None:
    with pytest.raises(DefinitionError) as info:
        define_with_options("Nothing", {"zzz": 1})
    message = str(info.value)
    assert "'zzz'" in message and "comment" in message and "speculative_retry" in message


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"gc_grace_seconds": -1}, "gc_grace_seconds"),
        ({"gc_grace_seconds": 1.5}, "gc_grace_seconds"),
        ({"gc_grace_seconds": "10"}, "gc_grace_seconds"),
        ({"gc_grace_seconds": True}, "gc_grace_seconds"),
        ({"default_time_to_live": -5}, "default_time_to_live"),
        ({"min_index_interval": 0}, "min_index_interval"),
        ({"comment": 5}, "comment"),
        ({"compaction": "LeveledCompactionStrategy"}, "compaction"),
        ({"compaction": {"sstable_size_in_mb": 160}}, "'class'"),
        ({"compaction": {"class": ["x"]}}, "compaction"),
        ({"caching": {1: "ALL"}}, "caching"),
        ({"compression": {"class": None}}, "compression"),
        ({"bloom_filter_fp_chance": 0}, "bloom_filter_fp_chance"),
        ({"bloom_filter_fp_chance": "0.1"}, "bloom_filter_fp_chance"),
        ({"crc_check_chance": 1.5}, "crc_check_chance"),
        ({"cdc": "yes"}, "cdc"),
        ({"read_repair": 1}, "read_repair"),
    ],
)
def test_table_option_values_checked(options: dict[str, Any], needle: str) -> None:
    with pytest.raises(DefinitionError) as info:
        define_with_options("BadValue", options)
    message = str(info.value)
    assert "BadValue.Settings.options" in message and needle in message


def test_table_options_not_a_dict() -> None:
    with pytest.raises(DefinitionError, match=r"NotDict\.Settings\.options"):
        define_with_options("NotDict", [("comment", "x")])


def test_known_table_options_accepted() -> None:
    options = {
        "additional_write_policy": "99p",
        "allow_auto_snapshot": True,
        "bloom_filter_fp_chance": 0.01,
        "caching": {"keys": "ALL", "rows_per_partition": 10},
        "cdc": False,
        "comment": "c",
        "compaction": {"class": "LeveledCompactionStrategy", "sstable_size_in_mb": 160},
        "compression": {"enabled": False},
        "crc_check_chance": 1,
        "default_time_to_live": 0,
        "extensions": {},
        "gc_grace_seconds": 864000,
        "incremental_backups": True,
        "max_index_interval": 2048,
        "memtable": "default",
        "memtable_flush_period_in_ms": 0,
        "min_index_interval": 128,
        "read_repair": "NONE",
        "speculative_retry": "99p",
        "GC_GRACE_SECONDS": 10,  # Cassandra reads option names case-insensitively
    }
    model = define_with_options("AllOptions", options)
    assert dict(model.__coodie_schema__.options) == options  # type: ignore[attr-defined]


def test_inherited_bad_option_names_the_concrete_model() -> None:
    class OptionsBase(coodie.sync.Document):
        class Settings:
            abstract = True
            options = {"coment": "x"}

    with pytest.raises(DefinitionError) as info:

        class OptionsChild(OptionsBase):
            id: Annotated[int, PrimaryKey()]

    assert "OptionsChild.Settings.options" in str(info.value)
    assert "'comment'" in str(info.value)
