"""The Python -> CQL type table, marker composition, and definition errors.

``coodie.types.resolve`` and ``split_annotation`` are checked directly, then the same
annotations are checked through real model definitions (``Model.__coodie_schema__``),
which is where pydantic moves ``Annotated`` metadata into ``FieldInfo.metadata``.
No database is involved.
"""

import datetime as dt
import decimal
import enum
import ipaddress
import typing
from typing import Annotated, Any, Optional
from uuid import UUID

import pytest
from cassandra.util import Duration as DriverDuration

import coodie.aio
import coodie.sync
from coodie.exceptions import ConfigurationError, DefinitionError
from coodie.fields import (
    Ascii,
    BigInt,
    ClusteringKey,
    Counter,
    Date,
    Decimal,
    Double,
    Duration,
    Float,
    Frozen,
    Indexed,
    PrimaryKey,
    SmallInt,
    Static,
    Text,
    Time,
    Timestamp,
    TimeUUID,
    TinyInt,
    VarInt,
)
from coodie.types import ColumnType, resolve, split_annotation


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Shape(enum.Enum):
    CIRCLE = "circle"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    ONE = 1
    TWO = "two"


class Email(str):
    """A str subclass: stored as text."""


class Unsupported:
    """A class with no CQL type."""


# (annotation, CQL type as system_schema prints it)
TABLE: list[tuple[Any, str]] = [
    (str, "text"),
    (Annotated[str, Text()], "text"),
    (Annotated[str, Ascii()], "ascii"),
    (Email, "text"),
    (int, "int"),
    (Annotated[int, BigInt()], "bigint"),
    (Annotated[int, SmallInt()], "smallint"),
    (Annotated[int, TinyInt()], "tinyint"),
    (Annotated[int, VarInt()], "varint"),
    (Annotated[int, Counter()], "counter"),
    (float, "double"),
    (Annotated[float, Double()], "double"),
    (Annotated[float, Float()], "float"),
    (bool, "boolean"),
    (bytes, "blob"),
    (UUID, "uuid"),
    (Annotated[UUID, TimeUUID()], "timeuuid"),
    (dt.datetime, "timestamp"),
    (Annotated[dt.datetime, Timestamp()], "timestamp"),
    (dt.date, "date"),
    (Annotated[dt.date, Date()], "date"),
    (dt.time, "time"),
    (Annotated[dt.time, Time()], "time"),
    (dt.timedelta, "duration"),
    (Annotated[dt.timedelta, Duration()], "duration"),
    (DriverDuration, "duration"),
    (decimal.Decimal, "decimal"),
    (Annotated[decimal.Decimal, Decimal()], "decimal"),
    (ipaddress.IPv4Address, "inet"),
    (ipaddress.IPv6Address, "inet"),
    (Color, "text"),
    (Shape, "text"),
    (Priority, "int"),
    (Annotated[Priority, TinyInt()], "tinyint"),
    (list[int], "list<int>"),
    (set[str], "set<text>"),
    (frozenset[int], "frozen<set<int>>"),
    (dict[str, int], "map<text, int>"),
    (tuple[int, str], "frozen<tuple<int, text>>"),
    (tuple[int, Optional[str], bool], "frozen<tuple<int, text, boolean>>"),
    (Annotated[list[int], Frozen()], "frozen<list<int>>"),
    (Annotated[set[int], Frozen()], "frozen<set<int>>"),
    (Annotated[dict[str, int], Frozen()], "frozen<map<text, int>>"),
    (list[list[int]], "list<frozen<list<int>>>"),
    (dict[str, set[int]], "map<text, frozen<set<int>>>"),
    (set[frozenset[int]], "set<frozen<set<int>>>"),
    (dict[frozenset[int], str], "map<frozen<set<int>>, text>"),
    (list[tuple[int, str]], "list<frozen<tuple<int, text>>>"),
    (tuple[int, list[str]], "frozen<tuple<int, frozen<list<text>>>>"),
    (dict[str, dict[str, list[int]]], "map<text, frozen<map<text, frozen<list<int>>>>>"),
    (list[Annotated[int, BigInt()]], "list<bigint>"),
    (dict[Annotated[str, Ascii()], list[UUID]], "map<ascii, frozen<list<uuid>>>"),
    (set[Annotated[UUID, TimeUUID()]], "set<timeuuid>"),
    (list[Color], "list<text>"),
    (dict[Color, Priority], "map<text, int>"),
    (typing.List[int], "list<int>"),  # noqa: UP006
    (typing.Dict[str, int], "map<text, int>"),  # noqa: UP006
    (typing.Set[str], "set<text>"),  # noqa: UP006
    (typing.FrozenSet[int], "frozen<set<int>>"),  # noqa: UP006
    (typing.Tuple[int, str], "frozen<tuple<int, text>>"),  # noqa: UP006
]


def _id(value: Any) -> str:
    return repr(value).replace("typing.", "")


def define(annotation: Any, front: Any = coodie.sync, **extra: Any) -> type:
    """A model with an int key and one field ``f`` of the given annotation."""
    namespace: dict[str, Any] = {
        "__annotations__": {"id": Annotated[int, PrimaryKey()], "f": annotation, **extra},
        "__module__": __name__,
    }
    return type("Model", (front.Document,), namespace)


def resolve_annotation(annotation: Any) -> ColumnType:
    bare, markers, _ = split_annotation(annotation)
    return resolve(bare, markers, "Model.f")


# -- the resolution table ----------------------------------------------------------------


@pytest.mark.parametrize(("annotation", "cql"), TABLE, ids=[_id(a) for a, _ in TABLE])
def test_resolve(annotation: Any, cql: str) -> None:
    assert resolve_annotation(annotation).cql == cql


@pytest.mark.parametrize(("annotation", "cql"), TABLE, ids=[_id(a) for a, _ in TABLE])
@pytest.mark.parametrize("front", [coodie.sync, coodie.aio], ids=["sync", "aio"])
def test_model_field_type(front: Any, annotation: Any, cql: str) -> None:
    model = define(annotation, front)
    column = model.__coodie_schema__.by_name["f"]
    assert column.type.cql == cql
    assert column.optional is False


@pytest.mark.parametrize(("annotation", "cql"), TABLE, ids=[_id(a) for a, _ in TABLE])
def test_optional_field_type(annotation: Any, cql: str) -> None:
    for optional in (Optional[annotation], annotation | None):
        column = define(optional).__coodie_schema__.by_name["f"]
        assert column.type.cql == cql
        assert column.optional is True


@pytest.mark.parametrize(
    ("annotation", "markers", "low", "high"),
    [
        (int, [], -(2**31), 2**31 - 1),
        (int, [BigInt()], -(2**63), 2**63 - 1),
        (int, [SmallInt()], -(2**15), 2**15 - 1),
        (int, [TinyInt()], -(2**7), 2**7 - 1),
    ],
)
def test_sized_integers_check_their_range(
    annotation: Any, markers: list[Any], low: int, high: int
) -> None:
    to_db = resolve(annotation, markers, "M.f").to_db
    assert to_db is not None
    assert (to_db(low), to_db(high)) == (low, high)
    for bad in (low - 1, high + 1):
        with pytest.raises(ValueError, match="outside the"):
            to_db(bad)
    assert resolve(int, [VarInt()], "M.f").to_db is None  # varint has no range
    enum_to_db = resolve(Priority, [TinyInt()], "M.f").to_db
    assert enum_to_db is not None and enum_to_db(Priority.HIGH) == Priority.HIGH.value


def test_collection_details() -> None:
    li = resolve(list[int], [], "M.f")
    assert (li.collection, li.frozen, li.is_multicell) == ("list", False, True)
    assert li.element is not None and li.element.cql == "int"
    assert li.empty is not None and li.empty() == []
    fs = resolve(frozenset[int], [], "M.f")
    assert (fs.collection, fs.frozen, fs.is_multicell) == ("set", True, False)
    assert fs.empty is not None and fs.empty() == frozenset()
    m = resolve(dict[str, list[int]], [], "M.f")
    assert (m.collection, m.is_multicell) == ("map", True)
    assert m.key is not None and m.key.cql == "text"
    assert m.element is not None and m.element.cql == "frozen<list<int>>"
    assert m.element.frozen
    tup = resolve(tuple[int, str], [], "M.f")
    assert tup.frozen and not tup.is_multicell and tup.collection is None


def test_counter_marks_a_counter() -> None:
    assert resolve(int, [Counter()], "M.f").counter is True
    assert resolve(int, [BigInt()], "M.f").counter is False


# -- split_annotation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "bare", "markers", "optional"),
    [
        (int, int, [], False),
        (Optional[int], int, [], True),
        (int | None, int, [], True),
        (None | int, int, [], True),
        (typing.Union[int, None], int, [], True),
        (Annotated[int, BigInt()], int, [BigInt()], False),
        (Annotated[Optional[int], BigInt()], int, [BigInt()], True),
        (Optional[Annotated[int, BigInt()]], int, [BigInt()], True),
        (Annotated[int, BigInt()] | None, int, [BigInt()], True),
        (Annotated[int, "not a marker", BigInt(), 42], int, [BigInt()], False),
        (
            Annotated[Annotated[UUID, TimeUUID()], ClusteringKey(order="DESC")],
            UUID,
            [TimeUUID(), ClusteringKey(order="DESC")],
            False,
        ),
        (
            Annotated[Optional[Annotated[UUID, TimeUUID()]], Indexed()],
            UUID,
            [Indexed(), TimeUUID()],
            True,
        ),
        (list[int], list[int], [], False),
        (Optional[list[Annotated[int, BigInt()]]], list[Annotated[int, BigInt()]], [], True),
    ],
    ids=_id,
)
def test_split_annotation(annotation: Any, bare: Any, markers: list[Any], optional: bool) -> None:
    got_bare, got_markers, got_optional = split_annotation(annotation)
    assert got_bare == bare
    assert got_markers == markers
    assert got_optional is optional


@pytest.mark.parametrize("annotation", [int | str, typing.Union[int, str], Optional[int | str]])
def test_split_annotation_leaves_real_unions_alone(annotation: Any) -> None:
    bare, markers, optional = split_annotation(annotation)
    assert bare == annotation
    assert (markers, optional) == ([], False)


# -- markers composing in Annotated ------------------------------------------------------------


def test_markers_compose_in_any_order() -> None:
    class Notification(coodie.sync.Document):
        receiver: Annotated[UUID, PrimaryKey()]
        id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")]
        posted_at: Annotated[int, ClusteringKey(order="asc", index=1), BigInt()]
        tag: Annotated[Optional[str], Ascii(), Indexed()] = None
        note: Annotated[str, Static(), Text()] = ""

    schema = Notification.__coodie_schema__
    by = schema.by_name
    assert (by["id"].type.cql, by["id"].kind, by["id"].order) == ("timeuuid", "clustering", "DESC")
    assert (by["posted_at"].type.cql, by["posted_at"].order) == ("bigint", "ASC")
    assert [c.name for c in schema.clustering] == ["id", "posted_at"]
    assert (by["tag"].type.cql, by["tag"].optional) == ("ascii", True)
    assert by["tag"].index is not None
    assert by["tag"].index.name == "notification_tag_idx"
    assert by["tag"].index.target == "tag"
    assert (by["note"].type.cql, by["note"].kind) == ("text", "static")


def test_markers_on_optional_inside_or_outside() -> None:
    class Inside(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        a: Optional[Annotated[int, SmallInt()]] = None
        b: Annotated[int, SmallInt()] | None = None

    class Outside(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        a: Annotated[Optional[int], SmallInt()] = None
        b: Annotated[int | None, SmallInt()] = None

    for model in (Inside, Outside):
        for name in ("a", "b"):
            column = model.__coodie_schema__.by_name[name]
            assert (column.type.cql, column.optional) == ("smallint", True)


def test_index_targets_follow_the_column_type() -> None:
    class Indexes(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        plain: Annotated[str, Indexed()] = ""
        tags: Annotated[list[str], Indexed()] = []
        frozen_tags: Annotated[frozenset[str], Indexed()] = frozenset()
        point: Annotated[Optional[tuple[int, int]], Indexed()] = None
        sai: Annotated[int, Indexed(using="SAI", name="my_sai")] = 0
        sasi: Annotated[str, Indexed(using="org.apache.cassandra.index.sasi.SASIIndex")] = ""

    by = Indexes.__coodie_schema__.by_name
    targets = {name: by[name].index.target for name in by if by[name].index is not None}
    assert targets == {
        "plain": "plain",
        "tags": "values(tags)",
        "frozen_tags": "full(frozen_tags)",
        "point": "point",  # tuples are indexed like scalars
        "sai": "sai",
        "sasi": "sasi",
    }
    assert by["sai"].index.name == "my_sai"
    assert by["sai"].index.using == "sai"
    assert by["sasi"].index.custom is True
    assert by["plain"].index.custom is False


def test_foreign_annotated_metadata_is_ignored() -> None:
    from pydantic import Field

    class Foreign(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        n: Annotated[int, Field(ge=0), "doc string", BigInt()] = 0

    assert Foreign.__coodie_schema__.by_name["n"].type.cql == "bigint"


# -- definition errors ----------------------------------------------------------------------------


# (annotation, words the message must contain besides "Model.f")
ERRORS: list[tuple[Any, list[str]]] = [
    (Any, ["Any", "concrete type"]),
    (object, ["object", "concrete type"]),
    (Unsupported, ["Unsupported", "has no CQL type", "supported"]),
    (tuple[int, ...], ["tuple", "fixed element types", "list[T]"]),
    (tuple[()], ["tuple", "fixed element types"]),
    (int | str, ["int | str", "concrete type"]),
    (typing.Union[int, str], ["concrete type"]),
    (Optional[int | str], ["concrete type"]),
    (dict, ["bare dict", "no element types", "dict[str, int]"]),
    (list, ["bare list", "no element types", "list[str]"]),
    (typing.Dict, ["dict[K, V]"]),  # noqa: UP006
    (dict[str, Any], ["Any"]),
    (list[object], ["object"]),
    (list[Unsupported], ["Unsupported"]),
    (typing.Literal["a", "b"], ["Literal", "concrete type"]),
    (Mixed, ["Mixed", "mixes value types"]),
    (Annotated[int, BigInt(), SmallInt()], ["more than one CQL type marker", "keep one"]),
    (Annotated[int, BigInt(), BigInt()], ["more than one CQL type marker"]),
    (Annotated[str, BigInt()], ["BigInt()", "cannot hold str", "use it on int"]),
    (Annotated[bool, BigInt()], ["BigInt()", "cannot hold bool"]),
    (Annotated[int, Float()], ["Float()", "cannot hold int", "use it on float"]),
    (Annotated[str, TimeUUID()], ["TimeUUID()", "cannot hold str"]),
    (Annotated[dt.datetime, Date()], ["Date()", "cannot hold datetime"]),
    (Annotated[dt.date, Timestamp()], ["Timestamp()", "cannot hold date"]),
    (Annotated[float, Decimal()], ["Decimal()", "cannot hold float"]),
    (Annotated[list[int], BigInt()], ["BigInt()", "list", "element type"]),
    (list[Annotated[int, PrimaryKey()]], ["PrimaryKey", "inside a collection", "on the field"]),
    (list[Annotated[int, ClusteringKey()]], ["ClusteringKey", "inside a collection"]),
    (dict[str, Annotated[int, Indexed()]], ["Indexed", "inside a collection"]),
    (tuple[Annotated[int, Static()], str], ["Static", "inside a collection or tuple"]),
    (list[int | str], ["concrete type"]),
]


@pytest.mark.parametrize(("annotation", "words"), ERRORS, ids=[_id(a) for a, _ in ERRORS])
def test_unsupported_annotations_fail_at_class_creation(annotation: Any, words: list[str]) -> None:
    with pytest.raises(DefinitionError) as info:
        define(annotation)
    message = str(info.value)
    assert message.startswith("Model.f: ")
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.parametrize(("annotation", "words"), ERRORS, ids=[_id(a) for a, _ in ERRORS])
def test_resolve_errors_name_the_field(annotation: Any, words: list[str]) -> None:
    with pytest.raises(DefinitionError, match=r"^Model\.f: "):
        resolve_annotation(annotation)


def test_definition_error_is_a_type_error_and_a_configuration_error() -> None:
    with pytest.raises(TypeError):
        define(Any)
    with pytest.raises(ConfigurationError):
        define(Any)


def test_duration_in_a_set_fails_at_class_creation() -> None:
    with pytest.raises(DefinitionError, match=r"Model\.f"):
        define(set[dt.timedelta])


def test_duration_as_map_key_fails_at_class_creation() -> None:
    with pytest.raises(DefinitionError, match=r"Model\.f"):
        define(dict[dt.timedelta, int])


def test_duration_in_a_list_or_as_map_value_is_fine() -> None:
    assert define(list[dt.timedelta]).__coodie_schema__.by_name["f"].type.cql == "list<duration>"
    model = define(dict[str, dt.timedelta])
    assert model.__coodie_schema__.by_name["f"].type.cql == "map<text, duration>"


def test_counter_inside_a_collection_fails_at_class_creation() -> None:
    with pytest.raises(DefinitionError, match=r"Model\.f"):
        define(list[Annotated[int, Counter()]])


def test_optional_collection_elements_fail_at_class_creation() -> None:
    with pytest.raises(DefinitionError, match=r"Model\.f"):
        define(list[Optional[int]])
