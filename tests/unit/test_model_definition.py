"""Model classes: errors at class creation, table names, Settings inheritance, schemas.

Every bad definition must raise ``DefinitionError`` when the class statement runs,
with a message that names the model (and the field) and says what to do.  No
database is involved.
"""

import datetime as dt
from typing import Annotated, Any, Optional
from uuid import UUID

import pydantic
import pytest

import coodie.aio
import coodie.sync
from coodie.document import hydrator, table_schema
from coodie.exceptions import ConfigurationError, DefinitionError
from coodie.fields import (
    BigInt,
    ClusteringKey,
    Counter,
    Frozen,
    Indexed,
    PrimaryKey,
    Static,
)

FRONTS = pytest.mark.parametrize("front", [coodie.sync, coodie.aio], ids=["sync", "aio"])


def message_of(error: pytest.ExceptionInfo[BaseException]) -> str:
    return str(error.value)


# -- keys ---------------------------------------------------------------------------------------


@FRONTS
def test_no_primary_key(front: Any) -> None:
    with pytest.raises(DefinitionError) as info:

        class Keyless(front.Document):
            name: str = ""

    message = message_of(info)
    assert "Keyless has no primary key" in message
    assert "PrimaryKey()" in message  # says what to do


def test_clustering_key_alone_is_not_a_primary_key() -> None:
    with pytest.raises(DefinitionError, match="OnlyClustering has no primary key"):

        class OnlyClustering(coodie.sync.Document):
            c: Annotated[int, ClusteringKey()]


@FRONTS
def test_duplicate_partition_key_index(front: Any) -> None:
    with pytest.raises(DefinitionError) as info:

        class TwoPartitionKeys(front.Document):
            a: Annotated[str, PrimaryKey()]
            b: Annotated[str, PrimaryKey()]

    message = message_of(info)
    assert message.startswith("TwoPartitionKeys: ")
    assert "a, b share the same partition key position" in message
    assert "PrimaryKey(partition_key_index=...)" in message


def test_composite_partition_key_with_indexes() -> None:
    class Composite(coodie.sync.Document):
        b: Annotated[str, PrimaryKey(partition_key_index=1)]
        a: Annotated[str, PrimaryKey(partition_key_index=0)]
        c: Annotated[int, ClusteringKey(index=1)]
        d: Annotated[int, ClusteringKey(index=0, order="DESC")]

    schema = Composite.__coodie_schema__
    assert [c.name for c in schema.partition_key] == ["a", "b"]
    assert [c.name for c in schema.clustering] == ["d", "c"]
    assert [c.name for c in schema.primary_key] == ["a", "b", "d", "c"]
    assert [c.name for c in schema.columns] == ["b", "a", "c", "d"]  # declaration order


@FRONTS
def test_duplicate_clustering_index(front: Any) -> None:
    with pytest.raises(DefinitionError) as info:

        class TwoClusterings(front.Document):
            pk: Annotated[str, PrimaryKey()]
            first: Annotated[int, ClusteringKey()]
            second: Annotated[int, ClusteringKey(order="DESC")]

    message = message_of(info)
    assert message.startswith("TwoClusterings: ")
    assert "first, second share the same clustering position" in message
    assert "ClusteringKey(index=...)" in message


@pytest.mark.parametrize("order", ["UP", "descending", "", "ASCENDING"])
def test_clustering_order_must_be_asc_or_desc(order: str) -> None:
    with pytest.raises(DefinitionError) as info:

        class BadOrder(coodie.sync.Document):
            pk: Annotated[str, PrimaryKey()]
            c: Annotated[int, ClusteringKey(order=order)]  # type: ignore[arg-type]

    assert message_of(info) == "BadOrder.c: clustering order must be 'ASC' or 'DESC'"


@pytest.mark.parametrize(("order", "stored"), [("asc", "ASC"), ("desc", "DESC"), ("DESC", "DESC")])
def test_clustering_order_is_case_insensitive(order: str, stored: str) -> None:
    class Ordered(coodie.sync.Document):
        pk: Annotated[str, PrimaryKey()]
        c: Annotated[int, ClusteringKey(order=order)]  # type: ignore[arg-type]

    assert Ordered.__coodie_schema__.by_name["c"].order == stored


def test_a_column_is_one_kind_of_key() -> None:
    with pytest.raises(DefinitionError, match=r"BothKeys\.k: .*remove the extra marker"):

        class BothKeys(coodie.sync.Document):
            k: Annotated[str, PrimaryKey(), ClusteringKey()]


@pytest.mark.parametrize(
    "annotation",
    [list[int], set[str], dict[str, int], Annotated[list[int], Indexed()]],
    ids=["list", "set", "dict", "indexed-list"],
)
@pytest.mark.parametrize("marker", [PrimaryKey(), ClusteringKey()], ids=["partition", "clustering"])
def test_non_frozen_collection_cannot_be_a_key(annotation: Any, marker: Any) -> None:
    pk = Annotated[str, PrimaryKey(partition_key_index=1)]
    with pytest.raises(DefinitionError) as info:
        type(
            "CollectionKey",
            (coodie.sync.Document,),
            {
                "__annotations__": {"other": pk, "k": Annotated[annotation, marker]},
                "__module__": __name__,
            },
        )
    message = message_of(info)
    assert message.startswith("CollectionKey.k: key columns must be frozen")
    assert "Frozen()" in message
    assert "frozenset/tuple" in message


def test_frozen_collections_can_be_keys() -> None:
    class FrozenKeys(coodie.sync.Document):
        a: Annotated[frozenset[int], PrimaryKey()]
        b: Annotated[tuple[int, str], ClusteringKey()]
        c: Annotated[list[int], Frozen(), ClusteringKey(index=1)]
        d: Annotated[dict[str, int], ClusteringKey(index=2), Frozen()]

    types = {c.name: c.type.cql for c in FrozenKeys.__coodie_schema__.columns}
    assert types == {
        "a": "frozen<set<int>>",
        "b": "frozen<tuple<int, text>>",
        "c": "frozen<list<int>>",
        "d": "frozen<map<text, int>>",
    }


@pytest.mark.parametrize("marker", [PrimaryKey(), ClusteringKey()], ids=["partition", "clustering"])
def test_duration_cannot_be_a_key(marker: Any) -> None:
    with pytest.raises(
        DefinitionError, match=r"DurationKey\.k: duration cannot be part of a primary key"
    ):
        type(
            "DurationKey",
            (coodie.sync.Document,),
            {
                "__annotations__": {
                    "other": Annotated[str, PrimaryKey(partition_key_index=1)],
                    "k": Annotated[dt.timedelta, marker],
                },
                "__module__": __name__,
            },
        )


def test_frozen_value_holding_a_duration_cannot_be_a_key() -> None:
    with pytest.raises(DefinitionError, match=r"NestedDurationKey\.k"):

        class NestedDurationKey(coodie.sync.Document):
            k: Annotated[tuple[int, dt.timedelta], PrimaryKey()]


def test_counter_cannot_be_a_key() -> None:
    with pytest.raises(
        DefinitionError, match=r"CounterKey\.k: counter cannot be part of a primary key"
    ):

        class CounterKey(coodie.sync.Document):
            k: Annotated[int, Counter(), PrimaryKey()]
            n: Annotated[int, Counter()] = 0


# -- static columns -----------------------------------------------------------------------------


@pytest.mark.parametrize("marker", [PrimaryKey(), ClusteringKey()], ids=["partition", "clustering"])
def test_static_on_a_key(marker: Any) -> None:
    with pytest.raises(DefinitionError) as info:
        type(
            "StaticKey",
            (coodie.sync.Document,),
            {
                "__annotations__": {
                    "other": Annotated[str, PrimaryKey(partition_key_index=1)],
                    "k": Annotated[int, marker, Static()],
                },
                "__module__": __name__,
            },
        )
    assert message_of(info) == "StaticKey.k: a key column cannot be Static()"


@FRONTS
def test_static_without_clustering_columns(front: Any) -> None:
    with pytest.raises(DefinitionError) as info:

        class LonelyStatic(front.Document):
            pk: Annotated[str, PrimaryKey()]
            shared: Annotated[str, Static()] = ""
            other: Annotated[int, Static()] = 0

    message = message_of(info)
    assert message.startswith("LonelyStatic: static column(s) shared, other")
    assert "add a ClusteringKey() or drop Static()" in message


def test_static_with_clustering_columns() -> None:
    class WithStatic(coodie.sync.Document):
        pk: Annotated[str, PrimaryKey()]
        c: Annotated[int, ClusteringKey()]
        shared: Annotated[Optional[str], Static()] = None

    assert WithStatic.__coodie_schema__.by_name["shared"].kind == "static"


# -- counters -----------------------------------------------------------------------------------


@FRONTS
def test_counter_table_mixed_with_other_columns(front: Any) -> None:
    with pytest.raises(DefinitionError) as info:

        class MixedCounters(front.Document):
            pk: Annotated[str, PrimaryKey()]
            hits: Annotated[int, Counter()] = 0
            label: str = ""
            note: Optional[str] = None

    message = message_of(info)
    assert message.startswith("MixedCounters: a table with counter columns may only have")
    assert "move label, note to another model" in message


def test_counter_table() -> None:
    class Counters(coodie.sync.Document):
        pk: Annotated[str, PrimaryKey()]
        c: Annotated[int, ClusteringKey()]
        hits: Annotated[int, Counter()] = 0
        misses: Annotated[int, Counter()] = 0

    schema = Counters.__coodie_schema__
    assert schema.is_counter_table
    assert {c.name: c.type.cql for c in schema.data_columns} == {
        "hits": "counter",
        "misses": "counter",
    }


# -- Settings -----------------------------------------------------------------------------------


@FRONTS
def test_unknown_settings_key(front: Any) -> None:
    with pytest.raises(DefinitionError) as info:

        class Misconfigured(front.Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                table_name = "oops"

    message = message_of(info)
    assert message.startswith("Misconfigured.Settings: unknown setting 'table_name'")
    assert "abstract, connection, discriminator, keyspace, name, options" in message


def test_unknown_settings_key_in_a_parent_is_reported() -> None:
    with pytest.raises(DefinitionError, match=r"Base\.Settings: unknown setting 'keyspce'"):

        class Base(coodie.sync.Document):
            class Settings:
                abstract = True
                keyspce = "typo"


@pytest.mark.parametrize("bad", ["bad-name", "1table", "with space", 'quote"d'])
def test_invalid_table_name(bad: str) -> None:
    with pytest.raises(DefinitionError) as info:

        class BadName(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                name = bad

    message = message_of(info)
    assert message.startswith("BadName: ")
    assert f"table name {bad!r} is not a valid CQL identifier" in message
    assert "letters, digits and underscores" in message


def test_invalid_keyspace_name() -> None:
    with pytest.raises(DefinitionError, match="keyspace 'my-keyspace' is not a valid CQL"):

        class BadKeyspace(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                keyspace = "my-keyspace"


# -- table names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("class_name", "table"),
    [
        ("ArgusTestRun", "argus_test_run"),
        ("SSHTunnelKey", "ssh_tunnel_key"),
        ("User", "user"),
        ("ArgusUser", "argus_user"),
        ("HTTPRequest", "http_request"),
        ("Event2Log", "event2_log"),
        ("already_snake", "already_snake"),
    ],
)
@FRONTS
def test_default_table_name_is_snake_case(front: Any, class_name: str, table: str) -> None:
    model = type(
        class_name,
        (front.Document,),
        {"__annotations__": {"id": Annotated[int, PrimaryKey()]}, "__module__": __name__},
    )
    assert model.__coodie_schema__.table == table


def test_settings_name_overrides_the_default() -> None:
    class ArgusTestRun(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = "runs"
            keyspace = "argus"

    schema = ArgusTestRun.__coodie_schema__
    assert (schema.table, schema.keyspace, schema.model_name) == ("runs", "argus", "ArgusTestRun")


# -- inheritance --------------------------------------------------------------------------------


@FRONTS
def test_settings_name_is_not_inherited_but_keyspace_is(front: Any) -> None:
    class Parent(front.Document):
        id: Annotated[UUID, PrimaryKey()]
        label: str = ""

        class Settings:
            name = "parents"
            keyspace = "family"
            options = {"comment": "parent table"}

    class ChildRecord(Parent):
        extra: Optional[int] = None

    parent, child = Parent.__coodie_schema__, ChildRecord.__coodie_schema__
    assert parent.table == "parents"
    assert child.table == "child_record"
    assert child.keyspace == "family"
    assert dict(child.options) == {"comment": "parent table"}
    assert child is not parent
    assert [c.name for c in parent.columns] == ["id", "label"]
    assert [c.name for c in child.columns] == ["id", "label", "extra"]
    assert child.model_name == "ChildRecord"
    assert table_schema(ChildRecord) is child
    assert table_schema(Parent) is parent


def test_subclass_settings_override_the_parent() -> None:
    class Parent(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            keyspace = "one"
            connection = "analytics"

    class Child(Parent):
        class Settings:
            keyspace = "two"

    schema = Child.__coodie_schema__
    assert (schema.keyspace, schema.connection) == ("two", "analytics")
    assert Parent.__coodie_schema__.keyspace == "one"


def test_subclass_gets_its_own_hydrator_cache() -> None:
    class Parent(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

    class Child(Parent):
        name: str = ""

    assert Child.__coodie_hydrators__ is not Parent.__coodie_hydrators__
    parent_hydrator = hydrator(Parent, Parent.__coodie_schema__.columns)
    child_hydrator = hydrator(Child, Child.__coodie_schema__.columns)
    assert parent_hydrator is not child_hydrator
    assert type(child_hydrator((1, "x"))) is Child
    assert type(parent_hydrator((1,))) is Parent


@FRONTS
def test_abstract_models_have_no_schema(front: Any) -> None:
    class Timestamped(front.Document):
        created_at: Optional[dt.datetime] = None  # no primary key: fine, it is abstract

        class Settings:
            abstract = True
            keyspace = "shared"

    assert Timestamped.__coodie_schema__ is None
    with pytest.raises(ConfigurationError, match=r"Timestamped is abstract .* concrete subclass"):
        table_schema(Timestamped)

    class Article(Timestamped):
        id: Annotated[UUID, PrimaryKey()]

    schema = Article.__coodie_schema__
    assert schema is not None
    assert schema.table == "article"
    assert schema.keyspace == "shared"  # inherited from the abstract parent
    assert [c.name for c in schema.columns] == ["created_at", "id"]


def test_abstract_is_not_inherited() -> None:
    class Base(coodie.sync.Document):
        class Settings:
            abstract = True

    with pytest.raises(DefinitionError, match="Concrete has no primary key"):

        class Concrete(Base):
            name: str = ""


def test_front_bases_are_abstract() -> None:
    assert coodie.sync.Document.__coodie_schema__ is None
    assert coodie.aio.Document.__coodie_schema__ is None


def test_subclass_may_change_a_column_type() -> None:
    class Parent(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        n: int = 0

    class Child(Parent):
        n: Annotated[int, BigInt()] = 0

    assert Parent.__coodie_schema__.by_name["n"].type.cql == "int"
    assert Child.__coodie_schema__.by_name["n"].type.cql == "bigint"


# -- pydantic behaviour -------------------------------------------------------------------------


@FRONTS
def test_unknown_constructor_argument_is_rejected(front: Any) -> None:
    class Strict(front.Document):
        id: Annotated[int, PrimaryKey()]
        name: str = ""

    with pytest.raises(pydantic.ValidationError) as info:
        Strict(id=1, nmae="typo")
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("extra_forbidden", ("nmae",))]
    assert "nmae" in str(info.value)


def test_assignment_is_validated() -> None:
    class Validated(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        n: int = 0

    doc = Validated(id=1)
    with pytest.raises(pydantic.ValidationError) as info:
        doc.n = "not a number"  # type: ignore[assignment]
    assert info.value.errors()[0]["loc"] == ("n",)


def test_wrong_value_type_names_the_field() -> None:
    class Typed(coodie.sync.Document):
        id: Annotated[UUID, PrimaryKey()]

    with pytest.raises(pydantic.ValidationError) as info:
        Typed(id="not-a-uuid")
    assert info.value.errors()[0]["loc"] == ("id",)


def test_timestamps_are_utc_in_memory() -> None:
    class Stamped(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        at: Optional[dt.datetime] = None

    plus_two = dt.timezone(dt.timedelta(hours=2))
    doc = Stamped(id=1, at=dt.datetime(2024, 5, 1, 12, 0, tzinfo=plus_two))
    assert doc.at == dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.timezone.utc)
    assert doc.at is not None and doc.at.tzinfo is dt.timezone.utc
    naive = Stamped(id=1, at=dt.datetime(2024, 5, 1, 12, 0))
    assert naive.at == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
