"""The cqlengine shim's asyncio forms (coodie's addition: cqlengine has none), on the node.

``async_save``/``async_update``/``async_delete`` on instances, ``async_create``/
``async_get`` on model classes, ``async_all``/``async for``/``async_first``/
``async_get``/``async_count``/``async_create``/``async_update``/``async_delete`` on
querysets, and ``async with BatchQuery()``/``async_execute`` on batches.  Each test
asserts what an application observes: the rows on disk (read raw with the driver
session), the values and types returned, the exceptions raised, and that the async
form of a query returns what its blocking form returns.

The shim gets its own keyspace and its own named connection (``aio_shim``), so the
default connection the other integration tests use is not touched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from cassandra import ConsistencyLevel, Unavailable
from cassandra.cluster import NoHostAvailable
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import ValueSequence

from tests.conftest import cluster_hosts
from tests.integration.cqlengine_pair import engine_keyspace, error_kind, norm

NAME = "aio_shim"  # the shim's named connection for this module
T0 = dt.datetime(2024, 3, 1, 12, 0, 0)  # naive UTC, as cqlengine applications write it

# management's notice, at each call: "Schema management functions are no longer restricted"
pytestmark = pytest.mark.filterwarnings("ignore:Schema management functions:UserWarning")


# -- the models ---------------------------------------------------------------------------


def define(cq: SimpleNamespace, keyspace: str, connection: str) -> SimpleNamespace:
    columns, Model = cq.columns, cq.models.Model

    class Base(Model):
        __abstract__ = True
        __keyspace__ = keyspace
        __connection__ = connection

    class Item(Base):
        __table_name__ = "item"
        id = columns.UUID(primary_key=True, default=uuid.uuid4)
        name = columns.Text(required=True, max_length=20)
        n = columns.Integer(default=7)
        note = columns.Text()
        tags = columns.Set(columns.Text)
        at = columns.DateTime()

    class Row(Base):
        __table_name__ = "row"
        part = columns.UUID(partition_key=True)
        seq = columns.Integer(primary_key=True)
        val = columns.Text()

    class Hits(Base):
        __table_name__ = "hits"
        id = columns.UUID(primary_key=True)
        views = columns.Counter()
        clicks = columns.Counter()

    class Animal(Base):
        __table_name__ = "animal"
        owner = columns.UUID(partition_key=True)
        name = columns.Text(primary_key=True)
        kind = columns.Text(discriminator_column=True, index=True)
        age = columns.Integer()

    class Cat(Animal):
        __discriminator_value__ = "cat"
        lives = columns.Integer(default=9)

    class Dog(Animal):
        __discriminator_value__ = "dog"
        good = columns.Boolean()

    return SimpleNamespace(Item=Item, Row=Row, Hits=Hits, Animal=Animal, Cat=Cat, Dog=Dog)


@pytest.fixture(scope="module")
def env(keyspace: str) -> Iterator[SimpleNamespace]:
    """The shim on its own connection and keyspace (plus a second keyspace for
    ``using()``), the models' tables, and the driver session for raw reads."""
    with engine_keyspace("shim", f"{keyspace}_aio", NAME) as e:
        cq = e.cq
        m = define(cq, e.keyspace, NAME)
        for model in (m.Item, m.Row, m.Hits, m.Animal):
            cq.management.sync_table(model)
        other = f"{keyspace}_aio_other"
        cq.management.create_keyspace_simple(other, 1, connections=[NAME])
        cq.management.sync_table(m.Item, keyspaces=[other])
        try:
            yield SimpleNamespace(
                cq=cq,
                m=m,
                keyspace=e.keyspace,
                other=other,
                session=cq.connection.get_session(NAME),
            )
        finally:
            cq.management.drop_keyspace(other, connections=[NAME])


def raw(env: SimpleNamespace, cql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows read with the driver session (dict rows), not through the shim."""
    return list(env.session.execute(cql.format(ks=env.keyspace), params))


class DriverCalls:
    """What reached the driver: each statement sent (its ``ResponseFuture``, which
    shows the statement and the timeout the driver applies) and each PREPARE."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.prepared: list[str] = []


@contextmanager
def driver_calls(session: Any) -> Iterator[DriverCalls]:
    """Record ``Session.execute_async`` (which the driver's ``Session.execute`` calls
    too) and ``Session.prepare`` on ``session``."""
    calls = DriverCalls()
    execute_async, prepare = session.execute_async, session.prepare

    def spy_execute(*args: Any, **kwargs: Any) -> Any:
        future = execute_async(*args, **kwargs)
        calls.sent.append(future)
        return future

    def spy_prepare(query: Any, *args: Any, **kwargs: Any) -> Any:
        calls.prepared.append(query)
        return prepare(query, *args, **kwargs)

    session.execute_async, session.prepare = spy_execute, spy_prepare
    try:
        yield calls
    finally:
        del session.execute_async, session.prepare  # the class's methods again


def fill(env: SimpleNamespace, part: uuid.UUID, count: int) -> None:
    """``count`` rows (seq 0..count-1) in one partition of ``row``, written raw."""
    insert = env.session.prepare(
        f'INSERT INTO "{env.keyspace}"."row" (part, seq, val) VALUES (?, ?, ?)'
    )
    results = execute_concurrent_with_args(
        env.session, insert, [(part, i, f"v{i % 3}") for i in range(count)], concurrency=200
    )
    assert all(ok for ok, _ in results)


@contextmanager
def unavailable() -> Iterator[None]:
    """The node refused the consistency level (THREE on one node): the driver raises
    ``Unavailable``, or ``NoHostAvailable`` holding it once its retry policy tried the
    next host."""
    with pytest.raises((Unavailable, NoHostAvailable)) as refused:
        yield
    assert "Cannot achieve consistency level THREE" in str(refused.value)


def micros(when: dt.datetime) -> int:
    return int(when.replace(tzinfo=dt.timezone.utc).timestamp() * 1_000_000)


# -- instance and class writes --------------------------------------------------------------


async def test_async_create_returns_the_saved_instance_and_writes_the_row(
    env: SimpleNamespace,
) -> None:
    Item = env.m.Item
    item = await Item.async_create(name="pen", tags={"a", "b"}, at=T0)
    assert isinstance(item, Item)
    assert isinstance(item.id, uuid.UUID)  # the column's default
    assert (item.name, item.n, item.note, item.tags, item.at) == ("pen", 7, None, {"a", "b"}, T0)
    (row,) = raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id)
    assert row["name"] == "pen" and row["n"] == 7 and row["note"] is None
    assert set(row["tags"]) == {"a", "b"}
    assert row["at"] == T0

    again = await Item.objects.async_create(name="cup")  # the queryset form
    assert isinstance(again, Item)
    assert raw(env, "SELECT name FROM {ks}.item WHERE id = %s", again.id) == [{"name": "cup"}]


async def test_async_save_inserts_then_writes_only_what_changed(env: SimpleNamespace) -> None:
    Item = env.m.Item
    item = Item(name="a", note="first")
    assert await item.async_save() is item
    loaded = await Item.async_get(id=item.id)
    assert (loaded.name, loaded.n, loaded.note) == ("a", 7, "first")

    # another writer changes n; the instance only changes name: n is not overwritten
    env.session.execute(f"UPDATE {env.keyspace}.item SET n = 99 WHERE id = %s", (item.id,))
    loaded.name = "b"
    await loaded.async_save()
    (row,) = raw(env, "SELECT name, n, note FROM {ks}.item WHERE id = %s", item.id)
    assert row == {"name": "b", "n": 99, "note": "first"}


async def test_async_update_sets_values_and_deletes_cells_set_to_none(
    env: SimpleNamespace,
) -> None:
    Item = env.m.Item
    item = await Item.async_create(name="a", note="x", tags={"t"})
    assert await item.async_update(name="b", note=None) is item
    assert (item.name, item.note) == ("b", None)
    (row,) = raw(env, "SELECT name, note, tags FROM {ks}.item WHERE id = %s", item.id)
    assert row["name"] == "b" and row["note"] is None and set(row["tags"]) == {"t"}

    item.n = 3  # no values: what changed is written
    await item.async_update()
    assert raw(env, "SELECT n FROM {ks}.item WHERE id = %s", item.id) == [{"n": 3}]


async def test_async_delete_removes_the_row(env: SimpleNamespace) -> None:
    Item = env.m.Item
    item = await Item.async_create(name="gone")
    await item.async_delete()
    assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id) == []
    with pytest.raises(Item.DoesNotExist):
        await Item.async_get(id=item.id)


async def test_async_get_raises_the_models_exceptions(env: SimpleNamespace) -> None:
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    await asyncio.gather(*(Row.async_create(part=part, seq=i, val=f"v{i}") for i in range(3)))

    got = await Row.async_get(part=part, seq=1)
    assert isinstance(got, Row) and (got.seq, got.val) == (1, "v1")
    got = await Row.async_get(Row.part == part, Row.seq == 2)  # expression filters
    assert got.val == "v2"
    got = await Row.objects(part=part).async_get(seq=0)
    assert got.val == "v0"

    with pytest.raises(Row.DoesNotExist) as missing:
        await Row.async_get(part=part, seq=99)
    assert isinstance(missing.value, cq.query.DoesNotExist)
    with pytest.raises(Row.MultipleObjectsReturned) as several:
        await Row.async_get(part=part)
    assert isinstance(several.value, cq.query.MultipleObjectsReturned)
    with pytest.raises(Row.MultipleObjectsReturned):
        await Row.objects(part=part).async_get()


async def test_async_first_and_async_all(env: SimpleNamespace) -> None:
    Row = env.m.Row
    part = uuid.uuid4()
    assert await Row.objects(part=part).async_first() is None
    assert await Row.objects(part=part).async_all() == []
    for i in range(4):
        await Row.async_create(part=part, seq=i, val=f"v{i}")
    first = await Row.objects(part=part).order_by("-seq").async_first()
    assert isinstance(first, Row) and first.seq == 3

    query = Row.objects(part=part)
    rows = await query.async_all()
    assert [r.seq for r in rows] == [0, 1, 2, 3]
    rows.clear()  # a list of its own: the queryset's cache is not changed
    assert [r.seq for r in await query.async_all()] == [0, 1, 2, 3]
    assert [r.seq async for r in query] == [0, 1, 2, 3]
    with driver_calls(env.session) as calls:  # the blocking forms read the result cache
        assert len(query) == 4 and bool(query) and query[1].seq == 1
        assert [r.seq for r in query] == [0, 1, 2, 3] and query.first().seq == 0
        assert query.count() == 4
    assert calls.sent == []


async def test_validation_errors_are_raised_before_any_io(env: SimpleNamespace) -> None:
    cq, Item = env.cq, env.m.Item
    ValidationError = cq.root.ValidationError
    known = await Item.async_create(name="known")
    ids = [uuid.uuid4() for _ in range(3)]
    with driver_calls(env.session) as calls:
        with pytest.raises(ValidationError):
            await Item.async_create(id=ids[0])  # name is required
        with pytest.raises(ValidationError):
            await Item.async_create(id=ids[1], name="x" * 21)  # max_length=20
        with pytest.raises(ValidationError, match="Incorrect columns passed"):
            await Item.async_create(id=ids[2], name="a", bogus=1)
        with pytest.raises(ValidationError):
            await Item(id=ids[2], name="a", n="not a number").async_save()
        with pytest.raises(ValidationError):
            await Item.objects.async_create(id=ids[2])
        with pytest.raises(ValidationError, match="primary key"):
            await known.async_update(id=uuid.uuid4())
        with pytest.raises(ValidationError, match="no column named"):
            await known.async_update(nope=1)
        with pytest.raises(ValidationError, match="no column named"):
            await Item.objects(id=known.id).async_update(nope=1)
        with pytest.raises(ValidationError, match="primary key"):
            await Item.objects(id=known.id).async_update(id=uuid.uuid4())
    assert calls.sent == [] and calls.prepared == []
    assert raw(env, "SELECT id FROM {ks}.item WHERE id IN %s", ValueSequence(ids)) == []
    (row,) = raw(env, "SELECT name, n FROM {ks}.item WHERE id = %s", known.id)
    assert row == {"name": "known", "n": 7}


# -- where the statements go ----------------------------------------------------------------


async def test_async_statements_go_to_the_driver_not_through_connection_execute(
    env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocking forms go through ``connection.execute`` (as in cqlengine); the async
    forms go straight to ``Session.execute_async``: a patch of ``connection.execute``
    does not see them, a patch of ``Session.execute_async`` sees both."""
    cq, Item = env.cq, env.m.Item
    seen: list[str] = []
    original = cq.connection.execute

    def patched(query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(query, "query_string", str(query)))
        return original(query, *args, **kwargs)

    monkeypatch.setattr(cq.connection, "execute", patched)

    item = Item.create(name="sync")
    Item.get(id=item.id)
    assert len(seen) == 2 and seen[0].startswith("INSERT") and seen[1].startswith("SELECT")

    seen.clear()
    with driver_calls(env.session) as calls:
        other = await Item.async_create(name="async")
        await Item.async_get(id=other.id)
        await Item.objects(id=other.id).async_count()
        await other.async_update(note="n")
        async with cq.query.BatchQuery() as batch:
            await Item.batch(batch).async_create(name="batched")
        await other.async_delete()
    assert seen == []
    sent = [c.query for c in calls.sent]
    assert len(sent) == 6  # INSERT, SELECT, SELECT COUNT, UPDATE, BATCH, DELETE
    assert type(sent[4]).__name__ == "BatchStatement"

    with driver_calls(env.session) as calls:
        Item.get(id=item.id)  # the driver's execute calls execute_async
    assert len(calls.sent) == 1


async def test_async_options_reach_the_driver(env: SimpleNamespace) -> None:
    """consistency and timeout, on querysets and on instances."""
    Item = env.m.Item
    item = await Item.async_create(name="opts")
    with unavailable():  # one node cannot answer at THREE
        await Item.objects(id=item.id).consistency(ConsistencyLevel.THREE).async_all()
    with unavailable():
        await Item.objects.consistency(ConsistencyLevel.THREE).async_create(name="no")
    with unavailable():
        await Item(name="no").consistency(ConsistencyLevel.THREE).async_save()
    with unavailable():
        await Item.objects(id=item.id).consistency(ConsistencyLevel.THREE).async_count()
    got = await Item.objects(id=item.id).consistency(ConsistencyLevel.ALL).async_get()
    assert got.name == "opts"

    with driver_calls(env.session) as calls:
        await Item.objects(id=item.id).timeout(3).async_all()
        await Item.objects(id=item.id).timeout(4).async_count()
        await Item(name="t").timeout(5).async_save()
        await Item.objects(id=item.id).timeout(6).async_update(note="t")
    assert [c.timeout for c in calls.sent] == [3, 4, 5, 6]


async def test_async_timeout_none_means_no_timeout_as_in_the_sync_form(
    env: SimpleNamespace,
) -> None:
    """cqlengine's ``timeout(None)``: no client-side timeout (the driver gets
    ``timeout=None``).  The blocking form does that; the async form must too."""
    Item = env.m.Item
    item = await Item.async_create(name="none")
    with driver_calls(env.session) as calls:
        list(Item.objects(id=item.id).timeout(None))
    assert [c.timeout for c in calls.sent] == [None]
    with driver_calls(env.session) as calls:
        await Item.objects(id=item.id).timeout(None).async_all()
        await Item(name="t").timeout(None).async_save()
    assert [c.timeout for c in calls.sent] == [None, None]


async def test_async_batch_timeout(env: SimpleNamespace) -> None:
    """``BatchQuery(timeout=...)`` reaches the driver; ``timeout=None`` is cqlengine's
    "no timeout" (its default is ``NOT_SET``: the session's).  The blocking
    ``execute()`` has the same defect as ``async_execute()`` here."""
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    with driver_calls(env.session) as calls:
        async with cq.query.BatchQuery(timeout=3) as batch:
            await Row.batch(batch).async_create(part=part, seq=1, val="a")
        async with cq.query.BatchQuery() as batch:
            await Row.batch(batch).async_create(part=part, seq=2, val="b")
    default = env.session.cluster.profile_manager.default.request_timeout
    assert [c.timeout for c in calls.sent] == [3, default]
    with driver_calls(env.session) as calls:
        async with cq.query.BatchQuery(timeout=None) as batch:
            await Row.batch(batch).async_create(part=part, seq=3, val="c")
    assert [c.timeout for c in calls.sent] == [None]
    assert len(raw(env, "SELECT * FROM {ks}.row WHERE part = %s", part)) == 3


async def test_async_ttl_timestamp_and_using(env: SimpleNamespace) -> None:
    Item = env.m.Item
    item = await Item.ttl(100).async_create(name="ttl")
    (row,) = raw(env, "SELECT TTL(name) AS t FROM {ks}.item WHERE id = %s", item.id)
    assert 0 < row["t"] <= 100
    item.note = "later"
    await item.ttl(50).async_save()
    (row,) = raw(env, "SELECT TTL(note) AS t FROM {ks}.item WHERE id = %s", item.id)
    assert 0 < row["t"] <= 50

    stamped = await Item.timestamp(T0).async_create(name="ts")
    (row,) = raw(env, "SELECT WRITETIME(name) AS w FROM {ks}.item WHERE id = %s", stamped.id)
    assert row["w"] == micros(T0)
    await Item.objects(id=stamped.id).timestamp(T0 + dt.timedelta(seconds=1)).async_update(note="u")
    (row,) = raw(env, "SELECT WRITETIME(note) AS w FROM {ks}.item WHERE id = %s", stamped.id)
    assert row["w"] == micros(T0) + 1_000_000
    await Item.objects(id=stamped.id).ttl(30).async_update(note="short")
    (row,) = raw(
        env, "SELECT TTL(note) AS t, TTL(name) AS n FROM {ks}.item WHERE id = %s", stamped.id
    )
    assert 0 < row["t"] <= 30 and row["n"] is None

    moved = await Item.objects.using(keyspace=env.other).async_create(name="elsewhere")
    assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", moved.id) == []
    other = list(
        env.session.execute(f"SELECT name FROM {env.other}.item WHERE id = %s", (moved.id,))
    )
    assert other == [{"name": "elsewhere"}]
    got = await Item.objects.using(keyspace=env.other).async_get(id=moved.id)
    assert got.name == "elsewhere"
    assert await Item.objects.using(keyspace=env.other).filter(id=moved.id).async_count() == 1
    with pytest.raises(Item.DoesNotExist):
        await Item.async_get(id=moved.id)


async def test_async_writes_and_reads_on_another_connection(env: SimpleNamespace) -> None:
    """``using(connection=...)`` and ``ContextQuery``: the async statements go to that
    connection's session."""
    cq, Item = env.cq, env.m.Item
    second = f"{NAME}_2"
    cq.connection.register_connection(second, hosts=cluster_hosts())
    try:
        other_session = cq.connection.get_session(second)
        with driver_calls(env.session) as mine, driver_calls(other_session) as theirs:
            item = await Item.objects.using(connection=second).async_create(name="via 2")
            got = await Item.objects.using(connection=second).async_get(id=item.id)
            await item.using(connection=second).async_update(note="n")
        assert got.name == "via 2"
        assert mine.sent == []
        assert len(theirs.sent) == 3
        (row,) = raw(env, "SELECT name, note FROM {ks}.item WHERE id = %s", item.id)
        assert row == {"name": "via 2", "note": "n"}

        with cq.query.ContextQuery(Item, keyspace=env.other) as Moved:
            moved = await Moved.async_create(name="context")
            assert (await Moved.async_get(id=moved.id)).name == "context"
        assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", moved.id) == []
        assert env.session.execute(
            f"SELECT name FROM {env.other}.item WHERE id = %s", (moved.id,)
        ).one() == {"name": "context"}
    finally:
        cq.connection.unregister_connection(second)


async def test_async_queryset_update_and_delete(env: SimpleNamespace) -> None:
    Row = env.m.Row
    part = uuid.uuid4()
    for i in range(6):
        await Row.async_create(part=part, seq=i, val="old")
    await Row.objects(part=part, seq=2).async_update(val="new")
    await Row.objects(part=part, seq__in=[3, 4]).async_update(val="in")
    rows = raw(env, "SELECT seq, val FROM {ks}.row WHERE part = %s", part)
    assert [(r["seq"], r["val"]) for r in rows] == [
        (0, "old"),
        (1, "old"),
        (2, "new"),
        (3, "in"),
        (4, "in"),
        (5, "old"),
    ]
    await Row.objects(part=part, seq__gte=4).async_delete()
    await Row.objects(part=part, seq=0).async_delete()
    rows = raw(env, "SELECT seq FROM {ks}.row WHERE part = %s", part)
    assert [r["seq"] for r in rows] == [1, 2, 3]
    await Row.objects(part=part).async_delete()
    assert raw(env, "SELECT seq FROM {ks}.row WHERE part = %s", part) == []


# -- concurrency and paging -----------------------------------------------------------------


async def test_two_hundred_concurrent_async_creates(env: SimpleNamespace) -> None:
    Row, Item = env.m.Row, env.m.Item
    part = uuid.uuid4()
    created = await asyncio.gather(
        *(Row.async_create(part=part, seq=i, val=f"v{i}") for i in range(200))
    )
    assert [(r.seq, r.val) for r in created] == [(i, f"v{i}") for i in range(200)]
    assert await Row.objects(part=part).async_count() == 200
    rows = await Row.objects(part=part).async_all()
    assert [(r.seq, r.val) for r in rows] == [(i, f"v{i}") for i in range(200)]
    (row,) = raw(env, "SELECT COUNT(*) AS c FROM {ks}.row WHERE part = %s", part)
    assert row["c"] == 200

    got = await asyncio.gather(*(Row.async_get(part=part, seq=i) for i in range(200)))
    assert [g.val for g in got] == [f"v{i}" for i in range(200)]
    counts = await asyncio.gather(*(Row.objects(part=part).async_count() for _ in range(20)))
    assert counts == [200] * 20

    items = await asyncio.gather(*(Item.async_create(name=f"c{i}") for i in range(200)))
    ids = {i.id for i in items}
    assert len(ids) == 200  # each its own default uuid
    found = raw(env, "SELECT id, name FROM {ks}.item WHERE id IN %s", ValueSequence(ids))
    assert sorted(r["name"] for r in found) == sorted(f"c{i}" for i in range(200))


async def test_async_for_reads_every_page(env: SimpleNamespace) -> None:
    Row = env.m.Row
    part = uuid.uuid4()
    fill(env, part, 10_050)

    with driver_calls(env.session) as calls:
        seqs = [r.seq async for r in Row.objects(part=part).limit(None)]
    assert seqs == list(range(10_050))
    assert len(calls.sent) == 3  # pages of 5,000

    with driver_calls(env.session) as calls:
        rows = [r async for r in Row.objects(part=part, seq__lt=5_500).fetch_size(1_000)]
    assert [r.seq for r in rows] == list(range(5_500))
    assert all(isinstance(r, Row) and r.val == f"v{r.seq % 3}" for r in rows)
    assert len(calls.sent) == 6

    # cqlengine's default limit (10,000) applies; count() counts every row
    assert len(await Row.objects(part=part).async_all()) == 10_000
    assert await Row.objects(part=part).async_count() == 10_050
    assert await Row.objects(part=part).limit(10).async_count() == 10_050
    assert [r.seq for r in list(Row.objects(part=part).limit(None))] == seqs


# -- conditional writes ---------------------------------------------------------------------


async def test_async_if_not_exists_raises_lwt_exception_with_the_existing_row(
    env: SimpleNamespace,
) -> None:
    cq, Item = env.cq, env.m.Item
    LWTException = cq.query.LWTException
    item = await Item.if_not_exists().async_create(name="first")
    with pytest.raises(LWTException) as failed:
        await Item.if_not_exists().async_create(id=item.id, name="second")
    existing = failed.value.existing
    assert existing["[applied]"] is False
    assert (existing["id"], existing["name"], existing["n"]) == (item.id, "first", 7)
    with pytest.raises(LWTException):
        await Item(id=item.id, name="third").if_not_exists().async_save()
    with pytest.raises(LWTException):
        await Item.objects.if_not_exists().async_create(id=item.id, name="fourth")
    assert raw(env, "SELECT name FROM {ks}.item WHERE id = %s", item.id) == [{"name": "first"}]


async def test_async_iff_and_if_exists_on_instances(env: SimpleNamespace) -> None:
    cq, Item = env.cq, env.m.Item
    LWTException = cq.query.LWTException
    item = await Item.async_create(name="a")

    with pytest.raises(LWTException) as failed:
        await item.iff(name="wrong").async_update(name="b")
    assert failed.value.existing == {"[applied]": False, "name": "a"}
    assert raw(env, "SELECT name FROM {ks}.item WHERE id = %s", item.id) == [{"name": "a"}]

    fresh = await Item.async_get(id=item.id)
    await fresh.iff(name="a").async_update(name="b")
    assert raw(env, "SELECT name FROM {ks}.item WHERE id = %s", item.id) == [{"name": "b"}]

    fresh = await Item.async_get(id=item.id)
    fresh.note = "saved"
    await fresh.iff(name="b").async_save()
    assert raw(env, "SELECT note FROM {ks}.item WHERE id = %s", item.id) == [{"note": "saved"}]

    fresh = await Item.async_get(id=item.id)
    stale = await Item.async_get(id=item.id)  # loaded before the delete, no condition
    with pytest.raises(LWTException):
        await fresh.iff(name="wrong").async_delete()
    assert len(raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id)) == 1
    await fresh.iff(name="b").async_delete()
    assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id) == []

    with pytest.raises(LWTException) as failed:
        await stale.if_exists().async_update(note="after delete")
    assert failed.value.existing == {"[applied]": False}
    with pytest.raises(LWTException):
        await stale.if_exists().async_delete()
    assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id) == []


async def test_async_conditional_queryset_update_and_delete(env: SimpleNamespace) -> None:
    cq, Item = env.cq, env.m.Item
    LWTException = cq.query.LWTException
    item = await Item.async_create(name="q")
    query = Item.objects(id=item.id)

    with pytest.raises(LWTException) as failed:
        await query.iff(name="wrong").async_update(note="x")
    assert failed.value.existing == {"[applied]": False, "name": "q"}
    await query.iff(name="q").async_update(note="x")
    await query.if_exists().async_update(n=1)
    (row,) = raw(env, "SELECT note, n FROM {ks}.item WHERE id = %s", item.id)
    assert row == {"note": "x", "n": 1}

    with pytest.raises(LWTException):
        await query.iff(n=2).async_delete()
    await query.iff(n=1).async_delete()
    assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id) == []
    with pytest.raises(LWTException) as failed:
        await query.if_exists().async_delete()
    assert failed.value.existing == {"[applied]": False}
    with pytest.raises(LWTException):
        await query.if_exists().async_update(note="y")
    assert raw(env, "SELECT * FROM {ks}.item WHERE id = %s", item.id) == []


# -- batches --------------------------------------------------------------------------------


async def test_async_with_batch_writes_on_exit_and_runs_callbacks(env: SimpleNamespace) -> None:
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    await Row.async_create(part=part, seq=0, val="old")
    await Row.async_create(part=part, seq=9, val="doomed")
    loaded = await Row.async_get(part=part, seq=0)
    doomed = await Row.async_get(part=part, seq=9)
    done: list[str] = []
    async with cq.query.BatchQuery() as batch:
        batch.add_callback(done.append, "applied")
        created = await Row.batch(batch).async_create(part=part, seq=1, val="new")
        await Row.objects.batch(batch).async_create(part=part, seq=2, val="qs")
        await loaded.batch(batch).async_update(val="changed")
        await doomed.batch(batch).async_delete()
        await Row.objects(part=part, seq=3).batch(batch).async_update(val="upsert")
        assert isinstance(created, Row) and created.val == "new"
        rows = raw(env, "SELECT seq, val FROM {ks}.row WHERE part = %s", part)
        assert [(r["seq"], r["val"]) for r in rows] == [(0, "old"), (9, "doomed")]
        assert done == []
    assert done == ["applied"]
    rows = raw(env, "SELECT seq, val FROM {ks}.row WHERE part = %s", part)
    assert [(r["seq"], r["val"]) for r in rows] == [
        (0, "changed"),
        (1, "new"),
        (2, "qs"),
        (3, "upsert"),
    ]


async def test_async_with_failing_conditional_batch_raises_lwt_exception(
    env: SimpleNamespace,
) -> None:
    cq, Row = env.cq, env.m.Row
    LWTException = cq.query.LWTException
    part = uuid.uuid4()
    await Row.async_create(part=part, seq=1, val="a")
    loaded = await Row.async_get(part=part, seq=1)
    done: list[str] = []
    with pytest.raises(LWTException) as failed:
        async with cq.query.BatchQuery() as batch:
            batch.add_callback(done.append, "applied")
            await loaded.batch(batch).iff(val="wrong").async_update(val="b")
            await Row.batch(batch).async_create(part=part, seq=2, val="new")
    existing = failed.value.existing
    assert existing["[applied]"] is False
    assert (existing["seq"], existing["val"]) == (1, "a")
    assert done == []  # callbacks run only once the batch was applied
    rows = raw(env, "SELECT seq, val FROM {ks}.row WHERE part = %s", part)
    assert [(r["seq"], r["val"]) for r in rows] == [(1, "a")]

    # the same batch with a condition that holds is applied whole
    loaded = await Row.async_get(part=part, seq=1)
    async with cq.query.BatchQuery() as batch:
        await loaded.batch(batch).iff(val="a").async_update(val="b")
        await Row.batch(batch).async_create(part=part, seq=2, val="new")
    rows = raw(env, "SELECT seq, val FROM {ks}.row WHERE part = %s", part)
    assert [(r["seq"], r["val"]) for r in rows] == [(1, "b"), (2, "new")]

    with pytest.raises(LWTException):  # IF NOT EXISTS in a batch
        async with cq.query.BatchQuery() as batch:
            await Row.batch(batch).if_not_exists().async_create(part=part, seq=2, val="dup")
    assert raw(env, "SELECT val FROM {ks}.row WHERE part = %s AND seq = 2", part) == [
        {"val": "new"}
    ]


async def test_async_with_batch_and_execute_on_exception(env: SimpleNamespace) -> None:
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    done: list[str] = []

    with pytest.raises(RuntimeError, match="boom"):
        async with cq.query.BatchQuery() as batch:
            batch.add_callback(done.append, "discarded")
            await Row.batch(batch).async_create(part=part, seq=1, val="discarded")
            raise RuntimeError("boom")
    assert raw(env, "SELECT * FROM {ks}.row WHERE part = %s", part) == []
    assert done == []

    with pytest.raises(RuntimeError, match="boom"):
        async with cq.query.BatchQuery(execute_on_exception=True) as batch:
            batch.add_callback(done.append, "kept")
            await Row.batch(batch).async_create(part=part, seq=2, val="kept")
            raise RuntimeError("boom")
    rows = raw(env, "SELECT seq, val FROM {ks}.row WHERE part = %s", part)
    assert [(r["seq"], r["val"]) for r in rows] == [(2, "kept")]
    assert done == ["kept"]


async def test_async_execute_of_a_batch(env: SimpleNamespace) -> None:
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    batch = cq.query.BatchQuery()
    await Row.batch(batch).async_create(part=part, seq=1, val="x")
    await Row.batch(batch).async_create(part=part, seq=2, val="y")
    assert raw(env, "SELECT * FROM {ks}.row WHERE part = %s", part) == []
    await batch.async_execute()
    assert len(raw(env, "SELECT * FROM {ks}.row WHERE part = %s", part)) == 2
    with pytest.warns(UserWarning, match="Batch executed multiple times"):
        await batch.async_execute()

    with pytest.warns(UserWarning, match="no need to call execute directly"):
        async with cq.query.BatchQuery() as batch:
            await Row.batch(batch).async_create(part=part, seq=3, val="z")
            await batch.async_execute()
    assert len(raw(env, "SELECT * FROM {ks}.row WHERE part = %s", part)) == 3

    done: list[int] = []
    empty = cq.query.BatchQuery()
    empty.add_callback(done.append, 1)
    await empty.async_execute()  # no writes: callbacks still run, as in cqlengine
    assert done == [1]


async def test_async_batch_options(env: SimpleNamespace) -> None:
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    async with cq.query.BatchQuery(timestamp=T0) as batch:
        await Row.batch(batch).async_create(part=part, seq=1, val="stamped")
        await Row.batch(batch).ttl(100).async_create(part=part, seq=2, val="ttl")
    with cq.query.BatchQuery(timestamp=T0) as batch:  # the blocking form, for comparison
        Row.batch(batch).create(part=part, seq=3, val="sync")
    rows = raw(
        env,
        "SELECT seq, WRITETIME(val) AS w, TTL(val) AS t FROM {ks}.row WHERE part = %s",
        part,
    )
    by_seq = {r["seq"]: r for r in rows}
    assert by_seq[1]["w"] == by_seq[3]["w"] == micros(T0)
    assert by_seq[1]["t"] is None and 0 < by_seq[2]["t"] <= 100

    with unavailable():
        async with cq.query.BatchQuery(consistency=ConsistencyLevel.THREE) as batch:
            await Row.batch(batch).async_create(part=part, seq=4, val="no")
    assert raw(env, "SELECT * FROM {ks}.row WHERE part = %s AND seq = 4", part) == []


async def test_async_reads_are_refused_in_batch_mode(env: SimpleNamespace) -> None:
    """cqlengine: "Only inserts, updates, and deletes are available in batch mode"."""
    cq, Row = env.cq, env.m.Row
    part = uuid.uuid4()
    batch = cq.query.BatchQuery()
    query = Row.objects(part=part).batch(batch)
    with pytest.raises(cq.root.CQLEngineException, match="batch mode"):
        await query.async_all()
    with pytest.raises(cq.root.CQLEngineException, match="batch mode"):
        [r async for r in query]
    with pytest.raises(cq.root.CQLEngineException, match="batch mode"):
        await query.async_first()
    with pytest.raises(cq.root.CQLEngineException, match="batch mode"):
        await query.async_get(seq=1)


async def test_async_count_is_refused_in_batch_mode(env: SimpleNamespace) -> None:
    """cqlengine's ``count()`` raises in batch mode, as its other reads do."""
    cq, Row = env.cq, env.m.Row
    query = Row.objects(part=uuid.uuid4()).batch(cq.query.BatchQuery())
    with pytest.raises(cq.root.CQLEngineException, match="batch mode"):
        await query.async_count()


# -- counters -------------------------------------------------------------------------------


async def test_async_counter_updates_increment(env: SimpleNamespace) -> None:
    Hits = env.m.Hits
    key = uuid.uuid4()
    await Hits.objects(id=key).async_update(views=5)
    await Hits.objects(id=key).async_update(views=5, clicks=-2)
    (row,) = raw(env, "SELECT views, clicks FROM {ks}.hits WHERE id = %s", key)
    assert row == {"views": 10, "clicks": -2}

    await asyncio.gather(*(Hits.objects(id=key).async_update(views=1) for _ in range(50)))
    assert raw(env, "SELECT views FROM {ks}.hits WHERE id = %s", key) == [{"views": 60}]

    hits = await Hits.async_get(id=key)
    assert (hits.views, hits.clicks) == (60, -2)
    # another writer adds 5; the instance sends what it moved since it was read (60 ->
    # 70: +10), so the counter ends at 60 + 5 + 10
    env.session.execute(f"UPDATE {env.keyspace}.hits SET views = views + 5 WHERE id = %s", (key,))
    await hits.async_update(views=70)
    assert raw(env, "SELECT views FROM {ks}.hits WHERE id = %s", key) == [{"views": 75}]

    await hits.async_delete()
    assert raw(env, "SELECT * FROM {ks}.hits WHERE id = %s", key) == []


async def test_async_counter_save_sends_what_each_counter_moved(env: SimpleNamespace) -> None:
    cq, Hits = env.cq, env.m.Hits
    key = uuid.uuid4()
    with pytest.warns(DeprecationWarning, match="Counters are deprecated"):
        created = await Hits.async_create(id=key, views=3)
    assert created.views == 3
    # cqlengine writes every counter of a new row: the others are incremented by 0
    assert raw(env, "SELECT views, clicks FROM {ks}.hits WHERE id = %s", key) == [
        {"views": 3, "clicks": 0}
    ]

    first, second = await asyncio.gather(Hits.async_get(id=key), Hits.async_get(id=key))
    first.views += 1
    second.views += 2
    second.clicks = 4
    with pytest.warns(DeprecationWarning):
        await asyncio.gather(first.async_save(), second.async_save())
    assert raw(env, "SELECT views, clicks FROM {ks}.hits WHERE id = %s", key) == [
        {"views": 6, "clicks": 4}
    ]
    with pytest.warns(DeprecationWarning):
        await first.async_save()  # nothing moved since: the row stays as it is
    assert raw(env, "SELECT views FROM {ks}.hits WHERE id = %s", key) == [{"views": 6}]

    with pytest.raises(cq.query.IfNotExistsWithCounterColumn):
        Hits.if_not_exists()

    other = uuid.uuid4()
    async with cq.query.BatchQuery(batch_type=cq.query.BatchType.Counter) as batch:
        await Hits.objects(id=other).batch(batch).async_update(views=2)
        await Hits.objects(id=key).batch(batch).async_update(clicks=1)
    assert raw(env, "SELECT views FROM {ks}.hits WHERE id = %s", other) == [{"views": 2}]
    assert raw(env, "SELECT clicks FROM {ks}.hits WHERE id = %s", key) == [{"clicks": 5}]


# -- polymorphic models ---------------------------------------------------------------------


async def test_async_polymorphic_models(env: SimpleNamespace) -> None:
    cq, m = env.cq, env.m
    Animal, Cat, Dog = m.Animal, m.Cat, m.Dog
    owner = uuid.uuid4()
    tom = await Cat.async_create(owner=owner, name="tom", age=3)
    await Dog.objects.async_create(owner=owner, name="rex", good=True)
    dog = Dog(owner=owner, name="fido", good=False)
    await dog.async_save()
    assert isinstance(tom, Cat) and (tom.kind, tom.lives) == ("cat", 9)
    rows = raw(env, "SELECT name, kind, lives, good FROM {ks}.animal WHERE owner = %s", owner)
    assert [(r["name"], r["kind"], r["lives"], r["good"]) for r in rows] == [
        ("fido", "dog", None, False),
        ("rex", "dog", None, True),
        ("tom", "cat", 9, None),
    ]

    animals = await Animal.objects(owner=owner).async_all()
    assert [(type(a), a.name) for a in animals] == [(Dog, "fido"), (Dog, "rex"), (Cat, "tom")]
    assert [type(a) async for a in Animal.objects(owner=owner)] == [Dog, Dog, Cat]
    assert [c.name for c in await Cat.objects(owner=owner).async_all()] == ["tom"]
    assert await Dog.objects(owner=owner).async_count() == 2
    rex = await Animal.async_get(owner=owner, name="rex")
    assert isinstance(rex, Dog) and rex.good is True
    cat = await Cat.async_get(owner=owner, name="tom")
    assert isinstance(cat, Cat)
    with pytest.raises(Cat.DoesNotExist):
        await Cat.async_get(owner=owner, name="rex")  # a dog, not a cat

    await rex.async_update(age=5)
    cat.lives = 8
    await cat.async_save()
    rows = raw(env, "SELECT name, age, lives, kind FROM {ks}.animal WHERE owner = %s", owner)
    assert {r["name"]: (r["age"], r["lives"], r["kind"]) for r in rows} == {
        "fido": (None, None, "dog"),
        "rex": (5, None, "dog"),
        "tom": (3, 8, "cat"),
    }

    with pytest.raises(cq.models.PolymorphicModelException):
        await Animal(owner=owner, name="base").async_save()
    with pytest.raises(cq.models.PolymorphicModelException):
        await Animal.async_create(owner=owner, name="base")
    await dog.async_delete()
    assert [a.name for a in await Animal.objects(owner=owner).async_all()] == ["rex", "tom"]


# -- the async form returns what the blocking form returns ----------------------------------

Query = Callable[[SimpleNamespace, uuid.UUID, uuid.UUID], Any]

QUERIES: dict[str, Query] = {
    "partition": lambda m, p, o: m.Row.objects(part=p),
    "order_by desc, limit": lambda m, p, o: m.Row.objects(part=p).order_by("-seq").limit(5),
    "range": lambda m, p, o: m.Row.objects(part=p, seq__gte=5, seq__lt=12),
    "expressions, in": lambda m, p, o: m.Row.objects.filter(
        m.Row.part == p, m.Row.seq.in_([1, 3, 5])
    ),
    "allow_filtering": lambda m, p, o: m.Row.objects(part=p).filter(val="v1").allow_filtering(),
    "only": lambda m, p, o: m.Row.objects(part=p).only(["seq"]),
    "defer": lambda m, p, o: m.Row.objects(part=p).defer(["val"]),
    "values_list": lambda m, p, o: m.Row.objects(part=p).values_list("seq", "val"),
    "values_list flat": lambda m, p, o: m.Row.objects(part=p).values_list("seq", flat=True),
    "limit 0": lambda m, p, o: m.Row.objects(part=p).limit(0),
    "no rows": lambda m, p, o: m.Row.objects(part=uuid.UUID(int=1)),
    "fetch_size": lambda m, p, o: m.Row.objects(part=p).fetch_size(3),
    "consistency": lambda m, p, o: m.Row.objects(part=p).consistency(ConsistencyLevel.ONE),
    "limit, count ignores it": lambda m, p, o: m.Row.objects(part=p).limit(4),
    "polymorphic base": lambda m, p, o: m.Animal.objects(owner=o),
    "polymorphic subclass": lambda m, p, o: m.Cat.objects(owner=o),
    "full scan": lambda m, p, o: m.Animal.objects.limit(None),
}


@pytest.fixture(scope="module")
def data(env: SimpleNamespace) -> tuple[uuid.UUID, uuid.UUID]:
    m = env.m
    part, owner = uuid.uuid4(), uuid.uuid4()
    for i in range(20):
        m.Row.create(part=part, seq=i, val=f"v{i % 3}")
    m.Cat.create(owner=owner, name="a", age=1)
    m.Dog.create(owner=owner, name="b", good=True)
    m.Cat.create(owner=owner, name="c", lives=3)
    return part, owner


@pytest.mark.parametrize("name", QUERIES)
async def test_async_results_equal_sync_results(
    env: SimpleNamespace, data: tuple[uuid.UUID, uuid.UUID], name: str
) -> None:
    m, (part, owner) = env.m, data
    query = QUERIES[name]

    def make() -> Any:
        return query(m, part, owner)

    expected = norm(list(make()))
    assert norm(await make().async_all()) == expected
    assert norm([r async for r in make()]) == expected
    assert norm(await make().async_first()) == norm(make().first())
    assert await make().async_count() == make().count()
    if name != "no rows":
        assert expected  # the data makes each query return something


async def test_async_get_equals_sync_get(
    env: SimpleNamespace, data: tuple[uuid.UUID, uuid.UUID]
) -> None:
    cq, m, (part, owner) = env.cq, env.m, data

    gets: list[tuple[Any, dict[str, Any]]] = [
        (m.Row, {"part": part, "seq": 3}),
        (m.Row, {"part": part, "seq": 99}),
        (m.Row, {"part": part}),
        (m.Animal, {"owner": owner, "name": "b"}),
        (m.Cat, {"owner": owner, "name": "a"}),
        (m.Cat, {"owner": owner, "name": "b"}),
        (m.Cat, {"owner": owner}),
    ]
    for model, filters in gets:
        pairs = (
            (partial(model.get, **filters), partial(model.async_get, **filters)),
            (model.objects.filter(**filters).get, model.objects.filter(**filters).async_get),
        )
        for sync, run_async in pairs:
            try:
                expected: Any = norm(sync())
            except Exception as exc:
                expected = error_kind(exc, cq, model)
            try:
                got: Any = norm(await run_async())
            except Exception as exc:
                got = error_kind(exc, cq, model)
            assert got == expected, (model.__name__, filters)
