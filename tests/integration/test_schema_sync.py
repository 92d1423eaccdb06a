"""sync_table, drop_table, create_keyspace and drop_keyspace against a real node.

Every assertion about the schema reads ``system_schema`` with the raw driver session,
so these tests check what Cassandra holds, not what coodie believes it sent.
"""

import datetime as dt
import time
import uuid
from decimal import Decimal
from typing import Annotated, Any

import pytest
from cassandra.cluster import Session

import coodie.sync
from coodie import schema_sync
from coodie.connection import Connection
from coodie.exceptions import ConfigurationError, SchemaMismatch
from coodie.fields import (
    Ascii,
    BigInt,
    ClusteringKey,
    Frozen,
    Indexed,
    PrimaryKey,
    SmallInt,
    Static,
    TimeUUID,
)
from tests.integration.conftest import Api

# -- helpers -------------------------------------------------------------------------------


def unique(prefix: str) -> str:
    """A table or keyspace name no other test (or other front) uses."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def live_columns(session: Session, keyspace: str, table: str) -> dict[str, tuple[Any, ...]]:
    """column -> (kind, position, type, clustering_order), as Cassandra holds them."""
    rows = session.execute(
        "SELECT column_name, kind, position, type, clustering_order FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    return {r.column_name: (r.kind, r.position, r.type, r.clustering_order) for r in rows}


def live_table(session: Session, keyspace: str, table: str) -> Any:
    return session.execute(
        "SELECT * FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    ).one()


def live_indexes(session: Session, keyspace: str, table: str) -> dict[str, tuple[str, dict]]:
    """index name -> (kind, options)."""
    rows = session.execute(
        "SELECT index_name, kind, options FROM system_schema.indexes "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    return {r.index_name: (r.kind, dict(r.options)) for r in rows}


def wait_until_built(session: Session, keyspace: str, table: str, timeout: float = 30.0) -> None:
    """Wait until every index of the table is built (queries fail while one is building).

    An index created on a table that already holds rows is built in the background;
    Cassandra lists it in ``system."IndexInfo"`` once it is done.
    """
    wanted = set(live_indexes(session, keyspace, table))
    deadline = time.monotonic() + timeout
    while True:
        rows = session.execute(
            'SELECT index_name FROM system."IndexInfo" WHERE table_name = %s', (keyspace,)
        )
        missing = wanted - {r.index_name for r in rows}
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"indexes {sorted(missing)} were not built in {timeout}s")
        time.sleep(0.05)


def raw_rows(session: Session, keyspace: str, table: str) -> list[Any]:
    return list(session.execute(f'SELECT * FROM "{keyspace}"."{table}"'))


# -- models --------------------------------------------------------------------------------


def keyed_model(base: type, table: str) -> Any:
    """Composite partition key and two clustering columns declared out of key order."""

    class Reading(base):  # type: ignore[misc,valid-type]
        # Declared before `sensor` but second in the partition key.
        day: Annotated[dt.date, PrimaryKey(partition_key_index=1)]
        sensor: Annotated[uuid.UUID, PrimaryKey(partition_key_index=0)]
        # Declared before `at` but second among the clustering columns.
        seq: Annotated[int, BigInt(), ClusteringKey(index=1)]
        at: Annotated[dt.datetime, ClusteringKey(order="DESC", index=0)]
        site: Annotated[str, Static()] = ""
        value: float = 0.0
        label: Annotated[str, Ascii()] = ""
        small: Annotated[int, SmallInt()] = 0
        amount: Decimal = Decimal(0)
        event: Annotated[uuid.UUID, TimeUUID()] | None = None
        flags: list[bool] = []
        tags: set[str] = set()
        attrs: dict[str, int] = {}
        frozen_tags: frozenset[str] = frozenset()
        frozen_list: Annotated[list[int], Frozen()] = []
        pair: tuple[int, str] | None = None
        raw: bytes | None = None

        class Settings:
            name = table

    return Reading


def indexed_model(base: type, table: str) -> Any:
    custom = f"custom_{table}"  # index names are unique per keyspace, not per table

    class Item(base):  # type: ignore[misc,valid-type]
        id: Annotated[uuid.UUID, PrimaryKey()]
        owner: Annotated[str, Indexed()] = ""
        tags: Annotated[list[str], Indexed()] = []
        labels: Annotated[set[str], Indexed()] = set()
        attrs: Annotated[dict[str, str], Indexed()] = {}
        sizes: Annotated[frozenset[int], Indexed()] = frozenset()
        frozen_list: Annotated[list[int], Frozen(), Indexed()] = []
        kind: Annotated[str, Indexed(name=custom)] = ""
        title: Annotated[str, Indexed(using="sai")] = ""

        class Settings:
            name = table

    return Item


def simple_v1(base: type, table: str) -> Any:
    class Profile(base):  # type: ignore[misc,valid-type]
        id: Annotated[int, PrimaryKey()]
        name: str = ""
        age: int = 0

        class Settings:
            name = table

    return Profile


def simple_v2(base: type, table: str) -> Any:
    """``simple_v1`` plus an indexed ``email`` column."""

    class ProfileV2(base):  # type: ignore[misc,valid-type]
        id: Annotated[int, PrimaryKey()]
        name: str = ""
        age: int = 0
        email: Annotated[str | None, Indexed()] = None

        class Settings:
            name = table

    return ProfileV2


# -- creating tables -----------------------------------------------------------------------


async def test_sync_table_creates_columns(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("reading")
    model = keyed_model(api.Document, table)

    statements = await api.wait(model.sync_table())

    assert len(statements) == 1
    assert statements[0].startswith("CREATE TABLE")
    assert live_columns(connection.session, keyspace, table) == {
        "sensor": ("partition_key", 0, "uuid", "none"),
        "day": ("partition_key", 1, "date", "none"),
        "at": ("clustering", 0, "timestamp", "desc"),
        "seq": ("clustering", 1, "bigint", "asc"),
        "site": ("static", -1, "text", "none"),
        "value": ("regular", -1, "double", "none"),
        "label": ("regular", -1, "ascii", "none"),
        "small": ("regular", -1, "smallint", "none"),
        "amount": ("regular", -1, "decimal", "none"),
        "event": ("regular", -1, "timeuuid", "none"),
        "flags": ("regular", -1, "list<boolean>", "none"),
        "tags": ("regular", -1, "set<text>", "none"),
        "attrs": ("regular", -1, "map<text, int>", "none"),
        "frozen_tags": ("regular", -1, "frozen<set<text>>", "none"),
        "frozen_list": ("regular", -1, "frozen<list<int>>", "none"),
        "pair": ("regular", -1, "frozen<tuple<int, text>>", "none"),
        "raw": ("regular", -1, "blob", "none"),
    }


async def test_created_table_is_usable_and_orders_desc(api: Api, keyspace: str) -> None:
    model = keyed_model(api.Document, unique("reading"))
    await api.wait(model.sync_table())
    sensor, day = uuid.uuid4(), dt.date(2024, 5, 1)
    base = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)
    for minute in (1, 3, 2):
        doc = model(sensor=sensor, day=day, at=base + dt.timedelta(minutes=minute), seq=minute)
        await api.wait(doc.save())

    found = await api.wait(model.find(sensor=sensor, day=day).all())

    # DESC clustering: newest first, without any ORDER BY.
    assert [d.seq for d in found] == [3, 2, 1]


async def test_sync_table_applies_options(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("opts")

    class Logged(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        text: str = ""

        class Settings:
            name = table
            options = {
                "default_time_to_live": 3600,
                "comment": "it's a comment",
                "gc_grace_seconds": 7200,
                "bloom_filter_fp_chance": 0.02,
                "compaction": {"class": "LeveledCompactionStrategy"},
            }

    await api.wait(Logged.sync_table())

    row = live_table(connection.session, keyspace, table)
    assert row is not None
    assert row.default_time_to_live == 3600
    assert row.comment == "it's a comment"
    assert row.gc_grace_seconds == 7200
    assert row.bloom_filter_fp_chance == pytest.approx(0.02)
    assert row.compaction["class"].endswith("LeveledCompactionStrategy")


async def test_sync_table_creates_indexes(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("item")
    model = indexed_model(api.Document, table)

    statements = await api.wait(model.sync_table())

    assert len(statements) == 1 + 8  # the table and eight indexes
    indexes = live_indexes(connection.session, keyspace, table)
    targets = {name: options["target"] for name, (_, options) in indexes.items()}
    assert targets == {
        f"{table}_owner_idx": "owner",
        f"{table}_tags_idx": "values(tags)",
        f"{table}_labels_idx": "values(labels)",
        f"{table}_attrs_idx": "values(attrs)",
        f"{table}_sizes_idx": "full(sizes)",
        f"{table}_frozen_list_idx": "full(frozen_list)",
        f"custom_{table}": "kind",
        f"{table}_title_idx": "title",
    }
    for name, (kind, _) in indexes.items():
        if name != f"{table}_title_idx":
            assert kind == "COMPOSITES", name
    kind, options = indexes[f"{table}_title_idx"]
    assert kind == "CUSTOM"
    assert options["class_name"] in ("sai", "org.apache.cassandra.index.sai.StorageAttachedIndex")


async def test_created_indexes_serve_queries(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("item")
    model = indexed_model(api.Document, table)
    await api.wait(model.sync_table())
    wait_until_built(connection.session, keyspace, table)
    first = model(
        id=uuid.uuid4(),
        owner="ann",
        tags=["a", "b"],
        labels={"x"},
        attrs={"k": "v"},
        sizes=frozenset({1, 2}),
        frozen_list=[1, 2],
        kind="book",
        title="Dune",
    )
    second = model(id=uuid.uuid4(), owner="bob", kind="film", title="Alien")
    await api.wait(first.save())
    await api.wait(second.save())

    async def ids(**filters: Any) -> set[uuid.UUID]:
        return {d.id for d in await api.wait(model.find(**filters).all())}

    assert await ids(owner="ann") == {first.id}
    assert await ids(tags__contains="b") == {first.id}
    assert await ids(labels__contains="x") == {first.id}
    assert await ids(attrs__contains="v") == {first.id}
    assert await ids(sizes=frozenset({1, 2})) == {first.id}
    assert await ids(frozen_list=[1, 2]) == {first.id}
    assert await ids(kind="film") == {second.id}
    assert await ids(title="Alien") == {second.id}


async def test_index_name_taken_by_another_table(
    api: Api, keyspace: str, connection: Connection
) -> None:
    shared = unique("shared_idx")
    first, second = unique("first"), unique("second")

    class First(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        tag: Annotated[str, Indexed(name=shared)] = ""

        class Settings:
            name = first

    class Second(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        tag: Annotated[str, Indexed(name=shared)] = ""

        class Settings:
            name = second

    await api.wait(First.sync_table())
    # Cassandra index names are unique per keyspace: the second index cannot be created.
    # sync_table must say so instead of returning the CREATE INDEX it did not perform
    # (and returning it again on every later call).
    try:
        statements = await api.wait(Second.sync_table())
    except ConfigurationError as exc:
        assert shared in str(exc)
    else:
        assert shared in live_indexes(connection.session, keyspace, second), statements


async def test_index_on_tuple_column(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("pairs")

    class Pair(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        pair: Annotated[tuple[int, str] | None, Indexed()] = None

        class Settings:
            name = table

    await api.wait(Pair.sync_table())

    indexes = live_indexes(connection.session, keyspace, table)
    assert indexes[f"{table}_pair_idx"][1]["target"] == "pair"


# -- idempotence and dry runs ----------------------------------------------------------------


async def test_sync_table_twice_is_a_no_op(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("item")
    model = indexed_model(api.Document, table)
    assert await api.wait(model.sync_table())
    columns = live_columns(connection.session, keyspace, table)
    indexes = live_indexes(connection.session, keyspace, table)

    assert await api.wait(model.sync_table()) == []
    assert await api.wait(model.sync_table(dry_run=True)) == []

    assert live_columns(connection.session, keyspace, table) == columns
    assert live_indexes(connection.session, keyspace, table) == indexes


async def test_sync_table_twice_with_keys_and_every_type(
    api: Api, keyspace: str, connection: Connection
) -> None:
    # Every type coodie prints must compare equal to the type system_schema prints.
    model = keyed_model(api.Document, unique("reading"))
    await api.wait(model.sync_table())

    assert await api.wait(model.sync_table()) == []


async def test_sync_table_twice_with_case_sensitive_names(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("CamelTable")

    class Camel(api.Document):  # type: ignore[misc,name-defined]
        userId: Annotated[int, PrimaryKey()]
        createdAt: Annotated[int, ClusteringKey(order="DESC")]
        displayName: Annotated[str, Indexed()] = ""

        class Settings:
            name = table

    await api.wait(Camel.sync_table())
    assert await api.wait(Camel.sync_table()) == []

    columns = live_columns(connection.session, keyspace, table)
    assert columns["userId"][0] == "partition_key"
    assert columns["createdAt"][3] == "desc"
    wait_until_built(connection.session, keyspace, table)
    await api.wait(Camel(userId=1, createdAt=2, displayName="x").save())
    assert (await api.wait(Camel.find(displayName="x").all()))[0].userId == 1


async def test_dry_run_creates_nothing(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("item")
    model = indexed_model(api.Document, table)

    statements = await api.wait(model.sync_table(dry_run=True))

    assert len(statements) == 9
    assert statements[0].startswith(f'CREATE TABLE IF NOT EXISTS "{keyspace}"."{table}"')
    assert all(s.startswith(("CREATE INDEX", "CREATE CUSTOM INDEX")) for s in statements[1:])
    assert live_table(connection.session, keyspace, table) is None
    assert live_columns(connection.session, keyspace, table) == {}
    assert live_indexes(connection.session, keyspace, table) == {}

    # The statements it returned are the ones a real run executes.
    assert await api.wait(model.sync_table()) == statements
    assert live_table(connection.session, keyspace, table) is not None


async def test_dry_run_does_not_alter(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("profile")
    await api.wait(simple_v1(api.Document, table).sync_table())
    before = live_columns(connection.session, keyspace, table)

    statements = await api.wait(simple_v2(api.Document, table).sync_table(dry_run=True))

    assert statements == [
        f'ALTER TABLE "{keyspace}"."{table}" ADD "email" text',
        f'CREATE INDEX IF NOT EXISTS "{table}_email_idx" ON "{keyspace}"."{table}" ("email")',
    ]
    assert live_columns(connection.session, keyspace, table) == before
    assert live_indexes(connection.session, keyspace, table) == {}


# -- evolving a table -------------------------------------------------------------------------


async def test_added_field_is_added(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("profile")
    v1 = simple_v1(api.Document, table)
    await api.wait(v1.sync_table())
    await api.wait(v1(id=1, name="ann", age=30).save())
    await api.wait(v1(id=2, name="bob", age=40).save())
    v2 = simple_v2(api.Document, table)

    statements = await api.wait(v2.sync_table())

    assert [s.split()[0] for s in statements] == ["ALTER", "CREATE"]
    assert live_columns(connection.session, keyspace, table) == {
        "id": ("partition_key", 0, "int", "none"),
        "name": ("regular", -1, "text", "none"),
        "age": ("regular", -1, "int", "none"),
        "email": ("regular", -1, "text", "none"),
    }
    indexes = live_indexes(connection.session, keyspace, table)
    assert indexes[f"{table}_email_idx"][1]["target"] == "email"
    # Existing rows are kept and read through the new model.
    old = await api.wait(v2.get(id=1))
    assert (old.name, old.age, old.email) == ("ann", 30, None)
    assert {r.id for r in raw_rows(connection.session, keyspace, table)} == {1, 2}
    # The new column and its index work (once built: the table already held rows).
    wait_until_built(connection.session, keyspace, table)
    old.email = "ann@example.com"
    await api.wait(old.save())
    found = await api.wait(v2.find(email="ann@example.com").all())
    assert [d.id for d in found] == [1]
    # The old model keeps working on the wider table (after its statements were forgotten).
    await api.wait(v1(id=3, name="cy", age=50).save())
    assert (await api.wait(v1.get(id=3))).name == "cy"
    assert await api.wait(v2.sync_table()) == []


async def test_removed_field_is_not_dropped(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("profile")
    v2 = simple_v2(api.Document, table)
    await api.wait(v2.sync_table())
    await api.wait(v2(id=1, name="ann", age=30, email="a@x").save())
    before = live_columns(connection.session, keyspace, table)

    class Narrow(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        name: str = ""

        class Settings:
            name = table

    assert await api.wait(Narrow.sync_table()) == []

    assert live_columns(connection.session, keyspace, table) == before
    assert f"{table}_email_idx" in live_indexes(connection.session, keyspace, table)
    doc = await api.wait(Narrow.get(id=1))
    doc.name = "anna"
    await api.wait(doc.save())
    row = raw_rows(connection.session, keyspace, table)[0]
    assert (row.name, row.age, row.email) == ("anna", 30, "a@x")


async def test_added_static_and_collection_columns(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("events")

    class Events(api.Document):  # type: ignore[misc,name-defined]
        stream: Annotated[str, PrimaryKey()]
        at: Annotated[int, ClusteringKey(order="DESC")]

        class Settings:
            name = table

    class EventsV2(api.Document):  # type: ignore[misc,name-defined]
        stream: Annotated[str, PrimaryKey()]
        at: Annotated[int, ClusteringKey(order="DESC")]
        owner: Annotated[str | None, Static()] = None
        tags: Annotated[set[str], Indexed()] = set()

        class Settings:
            name = table

    await api.wait(Events.sync_table())
    await api.wait(Events(stream="s", at=1).save())

    statements = await api.wait(EventsV2.sync_table())

    assert len(statements) == 3
    columns = live_columns(connection.session, keyspace, table)
    assert columns["owner"] == ("static", -1, "text", "none")
    assert columns["tags"] == ("regular", -1, "set<text>", "none")
    target = live_indexes(connection.session, keyspace, table)[f"{table}_tags_idx"][1]["target"]
    assert target == "values(tags)"
    await api.wait(EventsV2(stream="s", at=2, owner="me", tags={"t"}).save())
    docs = await api.wait(EventsV2.find(stream="s").all())
    assert [(d.at, d.owner) for d in docs] == [(2, "me"), (1, "me")]


# -- mismatches ------------------------------------------------------------------------------


async def _assert_unchanged(
    connection: Connection, keyspace: str, table: str, columns: Any, indexes: Any
) -> None:
    assert live_columns(connection.session, keyspace, table) == columns
    assert live_indexes(connection.session, keyspace, table) == indexes


async def test_changed_type_raises(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("profile")
    await api.wait(simple_v1(api.Document, table).sync_table())
    columns = live_columns(connection.session, keyspace, table)

    class Retyped(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        name: str = ""
        age: str = ""  # int in the table
        email: Annotated[str | None, Indexed()] = None  # would be added

        class Settings:
            name = table

    error = await api.raises(SchemaMismatch, Retyped.sync_table)

    assert error.differences == ["age is int in the table, text in the model"]
    assert "Retyped" in str(error)
    assert "age is int in the table, text in the model" in str(error)
    # Nothing was added: neither the new column nor its index.
    await _assert_unchanged(connection, keyspace, table, columns, {})
    # A dry run reports the same mismatch.
    await api.raises(SchemaMismatch, Retyped.sync_table, dry_run=True)


async def test_each_difference_is_listed(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("profile")
    await api.wait(simple_v1(api.Document, table).sync_table())
    columns = live_columns(connection.session, keyspace, table)

    class Different(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, BigInt(), PrimaryKey()]  # int in the table
        name: Annotated[str, Static()] = ""  # regular in the table (needs a clustering key)
        age: float = 0.0  # int in the table
        at: Annotated[int, ClusteringKey()] = 0  # not in the table

        class Settings:
            name = table

    error = await api.raises(SchemaMismatch, Different.sync_table)

    assert sorted(error.differences) == sorted(
        [
            "id is int in the table, bigint in the model",
            "name is regular in the table, static in the model",
            "age is int in the table, double in the model",
            "key column at is not in the table",
        ]
    )
    assert "Different" in str(error)
    for difference in error.differences:
        assert difference in str(error)
    await _assert_unchanged(connection, keyspace, table, columns, {})


async def test_changed_partition_key_raises(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("profile")
    await api.wait(simple_v1(api.Document, table).sync_table())
    columns = live_columns(connection.session, keyspace, table)

    class Rekeyed(api.Document):  # type: ignore[misc,name-defined]
        id: int = 0
        name: Annotated[str, PrimaryKey()]
        age: int = 0

        class Settings:
            name = table

    error = await api.raises(SchemaMismatch, Rekeyed.sync_table)

    assert sorted(error.differences) == sorted(
        [
            "id is partition_key in the table, regular in the model",
            "name is regular in the table, partition_key in the model",
        ]
    )
    assert "Rekeyed" in str(error)
    await _assert_unchanged(connection, keyspace, table, columns, {})


async def test_composite_partition_key_changes_raise(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("composite")

    class Composite(api.Document):  # type: ignore[misc,name-defined]
        a: Annotated[str, PrimaryKey(partition_key_index=0)]
        b: Annotated[str, PrimaryKey(partition_key_index=1)]
        value: int = 0

        class Settings:
            name = table

    class Swapped(api.Document):  # type: ignore[misc,name-defined]
        a: Annotated[str, PrimaryKey(partition_key_index=1)]
        b: Annotated[str, PrimaryKey(partition_key_index=0)]
        value: int = 0

        class Settings:
            name = table

    class Shorter(api.Document):  # type: ignore[misc,name-defined]
        a: Annotated[str, PrimaryKey()]
        value: int = 0

        class Settings:
            name = table

    await api.wait(Composite.sync_table())
    columns = live_columns(connection.session, keyspace, table)
    assert columns["a"][:2] == ("partition_key", 0)
    assert columns["b"][:2] == ("partition_key", 1)

    error = await api.raises(SchemaMismatch, Swapped.sync_table)
    assert sorted(error.differences) == sorted(
        [
            "a is at partition_key position 0 in the table, 1 in the model",
            "b is at partition_key position 1 in the table, 0 in the model",
        ]
    )
    assert "Swapped" in str(error)

    error = await api.raises(SchemaMismatch, Shorter.sync_table)
    assert error.differences == ["key column b of the table is not in the model"]
    assert "Shorter" in str(error)

    await _assert_unchanged(connection, keyspace, table, columns, {})
    assert await api.wait(Composite.sync_table()) == []


async def test_changed_clustering_raises(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("timeline")

    class Timeline(api.Document):  # type: ignore[misc,name-defined]
        user: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey(order="DESC")]
        seq: Annotated[int, ClusteringKey(index=1)]
        body: str = ""

        class Settings:
            name = table

    class Ascending(api.Document):  # type: ignore[misc,name-defined]
        user: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey(order="ASC")]
        seq: Annotated[int, ClusteringKey(index=1, order="DESC")]
        body: str = ""

        class Settings:
            name = table

    class Reordered(api.Document):  # type: ignore[misc,name-defined]
        user: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey(order="DESC", index=1)]
        seq: Annotated[int, ClusteringKey(index=0)]
        body: str = ""

        class Settings:
            name = table

    class Unclustered(api.Document):  # type: ignore[misc,name-defined]
        user: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey(order="DESC")]
        seq: int = 0
        body: Annotated[str, ClusteringKey(index=1)] = ""

        class Settings:
            name = table

    await api.wait(Timeline.sync_table())
    await api.wait(Timeline(user=1, at=1, seq=1, body="kept").save())
    columns = live_columns(connection.session, keyspace, table)

    error = await api.raises(SchemaMismatch, Ascending.sync_table)
    assert sorted(error.differences) == sorted(
        [
            "at clusters DESC in the table, ASC in the model",
            "seq clusters ASC in the table, DESC in the model",
        ]
    )
    assert "Ascending" in str(error)

    error = await api.raises(SchemaMismatch, Reordered.sync_table)
    assert sorted(error.differences) == sorted(
        [
            "at is at clustering position 0 in the table, 1 in the model",
            "seq is at clustering position 1 in the table, 0 in the model",
        ]
    )

    error = await api.raises(SchemaMismatch, Unclustered.sync_table)
    # Exactly these two: see test_key_kind_change_lists_no_spurious_order.
    assert "seq is clustering in the table, regular in the model" in error.differences
    assert "body is regular in the table, clustering in the model" in error.differences

    await _assert_unchanged(connection, keyspace, table, columns, {})
    assert [r.body for r in raw_rows(connection.session, keyspace, table)] == ["kept"]


async def test_key_kind_change_lists_no_spurious_order(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("timeline")

    class Timeline(api.Document):  # type: ignore[misc,name-defined]
        user: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey()]
        body: str = ""

        class Settings:
            name = table

    class Unclustered(api.Document):  # type: ignore[misc,name-defined]
        user: Annotated[int, PrimaryKey()]
        at: int = 0
        body: Annotated[str, ClusteringKey()] = ""

        class Settings:
            name = table

    await api.wait(Timeline.sync_table())

    error = await api.raises(SchemaMismatch, Unclustered.sync_table)

    assert sorted(error.differences) == sorted(
        [
            "at is clustering in the table, regular in the model",
            "body is regular in the table, clustering in the model",
        ]
    )


# -- keyspaces --------------------------------------------------------------------------------


async def test_sync_table_on_missing_keyspace(api: Api, keyspace: str) -> None:
    missing = unique("coodie_missing")

    class Elsewhere(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            keyspace = missing

    for dry_run in (False, True):
        error = await api.raises(ConfigurationError, Elsewhere.sync_table, dry_run=dry_run)
        message = str(error)
        assert "Elsewhere" in message
        assert missing in message
        assert "create_keyspace" in message


async def test_create_and_drop_keyspace_simple(api: Api, connection: Connection) -> None:
    name = unique("coodie_ks")
    try:
        await api.wait(api.module.create_keyspace(name, replication_factor=1))
        row = connection.session.execute(
            "SELECT replication, durable_writes FROM system_schema.keyspaces "
            "WHERE keyspace_name = %s",
            (name,),
        ).one()
        assert row is not None
        assert dict(row.replication) == {
            "class": "org.apache.cassandra.locator.SimpleStrategy",
            "replication_factor": "1",
        }
        assert row.durable_writes is True
        # IF NOT EXISTS: creating it again is harmless.
        await api.wait(api.module.create_keyspace(name, replication_factor=1))
    finally:
        await api.wait(api.module.drop_keyspace(name))
    assert _keyspace_row(connection.session, name) is None
    # Dropping a missing keyspace is harmless too.
    await api.wait(api.module.drop_keyspace(name))


async def test_create_keyspace_network_topology(api: Api, connection: Connection) -> None:
    dc = connection.session.execute("SELECT data_center FROM system.local").one().data_center
    name = unique("coodie_ks")
    try:
        await api.wait(
            api.module.create_keyspace(name, dc_replication={dc: 1}, durable_writes=False)
        )
        row = _keyspace_row(connection.session, name)
        assert row is not None
        assert dict(row.replication) == {
            "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
            dc: "1",
        }
        assert row.durable_writes is False

        class InTopology(api.Document):  # type: ignore[misc,name-defined]
            id: Annotated[int, PrimaryKey()]
            value: str = ""

            class Settings:
                keyspace = name

        await api.wait(InTopology.sync_table())
        await api.wait(InTopology(id=1, value="x").save())
        assert (await api.wait(InTopology.get(id=1))).value == "x"
    finally:
        await api.wait(api.module.drop_keyspace(name))
    assert _keyspace_row(connection.session, name) is None


def _keyspace_row(session: Session, name: str) -> Any:
    return session.execute(
        "SELECT replication, durable_writes FROM system_schema.keyspaces WHERE keyspace_name = %s",
        (name,),
    ).one()


@pytest.mark.parametrize(
    "options",
    [{}, {"replication_factor": 1, "dc_replication": {"datacenter1": 1}}],
    ids=["neither", "both"],
)
async def test_create_keyspace_needs_one_strategy(
    api: Api, connection: Connection, options: dict[str, Any]
) -> None:
    name = unique("coodie_ks")
    # The check comes before any I/O: the operation fails before yielding a statement.
    with pytest.raises(ConfigurationError) as info:
        next(schema_sync.create_keyspace_op(name, **options))
    assert "replication_factor" in str(info.value)
    assert "dc_replication" in str(info.value)
    # Through the public API, on a connection that does not even exist: the option check
    # fails first, so nothing can have been sent anywhere.
    error = await api.raises(
        ConfigurationError, api.module.create_keyspace, name, connection="nowhere", **options
    )
    assert "replication_factor" in str(error)
    await api.raises(ConfigurationError, api.module.create_keyspace, name, **options)
    assert _keyspace_row(connection.session, name) is None


# -- dropping tables ---------------------------------------------------------------------------


async def test_drop_table(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("profile")
    model = simple_v1(api.Document, table)
    await api.wait(model.sync_table())
    await api.wait(model(id=1, name="ann").save())

    await api.wait(model.drop_table())

    assert live_table(connection.session, keyspace, table) is None
    assert live_columns(connection.session, keyspace, table) == {}
    # Dropping a missing table is harmless.
    await api.wait(model.drop_table())


async def test_drop_then_sync_works_again(api: Api, keyspace: str, connection: Connection) -> None:
    table = unique("profile")
    model = simple_v1(api.Document, table)
    await api.wait(model.sync_table())
    await api.wait(model(id=1, name="ann", age=1).save())
    assert (await api.wait(model.get(id=1))).name == "ann"
    assert len(await api.wait(model.find(id=1).all())) == 1

    await api.wait(model.drop_table())
    assert await api.wait(model.sync_table())

    # The table is new and empty; every statement shape used before works again.
    assert await api.wait(model.find(id=1).all()) == []
    await api.wait(model(id=2, name="bob", age=2).save())
    assert (await api.wait(model.get(id=2))).name == "bob"
    assert [d.id for d in await api.wait(model.find(id=2).all())] == [2]
    doc = await api.wait(model.get(id=2))
    doc.age = 3
    await api.wait(doc.save())
    assert (await api.wait(model.get(id=2))).age == 3
    assert [r.id for r in raw_rows(connection.session, keyspace, table)] == [2]


async def test_drop_then_sync_with_new_types(
    api: Api, keyspace: str, connection: Connection
) -> None:
    # Same statement texts as before the drop, different column types: a stale prepared
    # statement would serialise the values with the old types.
    table = unique("retype")

    class Before(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        value: int = 0

        class Settings:
            name = table

    class After(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        value: str = ""

        class Settings:
            name = table

    await api.wait(Before.sync_table())
    await api.wait(Before(id=1, value=7).save())
    assert (await api.wait(Before.get(id=1))).value == 7
    await api.raises(SchemaMismatch, After.sync_table)

    await api.wait(Before.drop_table())
    await api.wait(After.sync_table())

    await api.wait(After(id=1, value="seven").save())
    assert (await api.wait(After.get(id=1))).value == "seven"
    assert [d.value for d in await api.wait(After.find(id=1).all())] == ["seven"]
    assert live_columns(connection.session, keyspace, table)["value"][2] == "text"


async def test_sync_table_via_sync_front_directly(keyspace: str, connection: Connection) -> None:
    # coodie.sync needs no event loop at all.
    table = unique("plain")

    class Plain(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table

    assert len(Plain.sync_table()) == 1
    assert Plain.sync_table() == []
    Plain.drop_table()
    assert live_table(connection.session, keyspace, table) is None


async def test_sync_table_waits_for_a_new_index_on_a_populated_table(
    api: Any, keyspace: str, connection: Any
) -> None:
    from typing import Annotated

    from coodie.fields import Indexed, PrimaryKey

    table = f"idx_wait_{uuid.uuid4().hex[:8]}"

    class Before(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        color: str = ""

        class Settings:
            name = table

    class After(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        color: Annotated[str, Indexed()] = ""

        class Settings:
            name = table

    await api.wait(Before.sync_table())
    for i in range(3000):
        connection.session.execute(
            f'INSERT INTO "{keyspace}"."{table}" (id, color) VALUES (%s, %s)',
            (i, "red" if i % 100 == 0 else "blue"),
        )
    created = await api.wait(After.sync_table())
    assert any("CREATE INDEX" in c for c in created)
    # Right after sync_table returns, the index answers (no ReadFailure while it builds).
    reds = await api.wait(After.find(color="red").all())
    assert len(reds) == 30


async def test_an_index_made_elsewhere_is_used_but_never_created(
    api: Api, keyspace: str, connection: Connection
) -> None:
    """``Indexed(managed=False)``: cqlengine's ``custom_index=True``."""
    table = unique("ext")

    class External(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        code: Annotated[str, Indexed(managed=False)] = ""

        class Settings:
            name = table

    statements = await api.wait(External.sync_table())
    assert len(statements) == 1 and statements[0].startswith("CREATE TABLE")
    assert live_indexes(connection.session, keyspace, table) == {}
    connection.session.execute(f'CREATE INDEX {table}_code ON "{keyspace}"."{table}" (code)')
    wait_until_built(connection.session, keyspace, table)
    await api.wait(External(id=1, code="a").save())
    await api.wait(External(id=2, code="b").save())
    # Filtered without allow_filtering(): the index serves it; a re-sync leaves it alone.
    assert [d.id for d in await api.wait(External.find(code="b").all())] == [2]
    assert await api.wait(External.sync_table()) == []
    assert set(live_indexes(connection.session, keyspace, table)) == {f"{table}_code"}
