"""``distinct()`` against the real node: one document per partition, static columns,
partition key filters, counts of partitions, paging, scans, and the refusals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Optional

import pytest
from cassandra.concurrent import execute_concurrent_with_args

import coodie.sync
from coodie import Token
from coodie.connection import Connection
from coodie.exceptions import InvalidQuery
from coodie.fields import ClusteringKey, Indexed, PrimaryKey, Static
from tests.integration.conftest import Api

SENSORS = 10
DAYS = 3
ROWS = 4  # clustering rows per partition
MANY = 5100  # partitions of dst_many: more than a page of 5000


def define(Document: Any) -> Any:
    class Reading(Document):
        sensor: Annotated[str, PrimaryKey()]
        day: Annotated[int, PrimaryKey(partition_key_index=1)]
        at: Annotated[int, ClusteringKey()]
        site: Annotated[Optional[str], Static()] = None
        value: float = 0.0
        label: Annotated[str, Indexed()] = ""

        class Settings:
            name = "dst_reading"

    class Many(Document):
        id: Annotated[int, PrimaryKey()]
        c: Annotated[int, ClusteringKey()]

        class Settings:
            name = "dst_many"

    class Tag(Document):
        name: Annotated[str, PrimaryKey()]
        hits: int = 0
        note: str = ""

        class Settings:
            name = "dst_tag"

    return type("Models", (), {"Reading": Reading, "Many": Many, "Tag": Tag})


def site_of(sensor: int) -> str:
    return "north" if sensor % 2 else "south"


# Every partition of dst_reading: 30 with rows, and one that holds only its static column.
PARTITIONS = {(f"s{s}", d): site_of(s) for s in range(SENSORS) for d in range(1, DAYS + 1)}
PARTITIONS[("lonely", 1)] = "east"


@pytest.fixture(scope="module")
def farm(connection: Connection, keyspace: str) -> Iterator[None]:
    """The tables, written once for both fronts (the tests only read them)."""
    models = define(coodie.sync.Document)
    for model in (models.Reading, models.Many, models.Tag):
        model.sync_table()
    session = connection.session
    insert = session.prepare(
        f'INSERT INTO "{keyspace}".dst_reading (sensor, day, at, site, value, label) '
        "VALUES (?, ?, ?, ?, ?, ?)"
    )
    rows = [
        (f"s{s}", d, at, site_of(s), float(at), f"l{at}")
        for s in range(SENSORS)
        for d in range(1, DAYS + 1)
        for at in range(ROWS)
    ]
    execute_concurrent_with_args(session, insert, rows, concurrency=64, raise_on_first_error=True)
    session.execute(
        f'INSERT INTO "{keyspace}".dst_reading (sensor, day, site) VALUES (%s, %s, %s)',
        ("lonely", 1, "east"),
    )
    many = session.prepare(f'INSERT INTO "{keyspace}".dst_many (id, c) VALUES (?, ?)')
    pairs = [(i, c) for i in range(MANY) for c in range(2)]
    execute_concurrent_with_args(session, many, pairs, concurrency=128, raise_on_first_error=True)
    yield


@pytest.fixture
def m(api: Api, farm: None) -> Any:
    return define(api.Document)


def keys(docs: list[Any]) -> list[tuple[str, int]]:
    return [(d.sensor, d.day) for d in docs]


async def test_distinct_reads_one_document_per_partition(api: Api, m: Any) -> None:
    qs = m.Reading.objects().distinct()
    assert str(qs).startswith('SELECT DISTINCT "sensor", "day" FROM ')
    docs = await api.wait(qs.all())
    assert len(docs) == len(PARTITIONS)
    assert set(keys(docs)) == set(PARTITIONS)
    for doc in docs:  # only the partition key is loaded
        assert (doc.at, doc.site, doc.value, doc.label) == (None, None, None, None)
        assert doc.is_loaded


async def test_distinct_with_static_columns(api: Api, m: Any) -> None:
    docs = await api.wait(m.Reading.objects().distinct("site").all())
    assert {(d.sensor, d.day): d.site for d in docs} == PARTITIONS
    assert all(d.at is None and d.value is None for d in docs)
    named = await api.wait(m.Reading.objects().distinct("day", "site", "sensor").all())
    assert {(d.sensor, d.day): d.site for d in named} == PARTITIONS


async def test_distinct_values_list(api: Api, m: Any) -> None:
    rows = await api.wait(m.Reading.objects().distinct().values_list("sensor", "day", "site").all())
    assert {(s, d): site for s, d, site in rows} == PARTITIONS
    sensors = await api.wait(m.Reading.objects().distinct().values_list("sensor", flat=True).all())
    assert sorted(sensors) == sorted(s for s, _ in PARTITIONS)  # one per partition
    sites = await api.wait(
        m.Reading.find(sensor__in=["s1", "s2"], day=2)
        .values_list("site", flat=True)
        .distinct()
        .all()
    )
    assert sorted(sites) == ["north", "south"]
    whole = await api.wait(m.Reading.objects().distinct("site").values_list().all())
    assert sorted(whole) == sorted((s, d, site) for (s, d), site in PARTITIONS.items())


async def test_distinct_filters_on_the_partition_key(api: Api, m: Any) -> None:
    some = await api.wait(m.Reading.find(sensor__in=["s1", "s2"], day__in=[1, 3]).distinct().all())
    assert sorted(keys(some)) == [("s1", 1), ("s1", 3), ("s2", 1), ("s2", 3)]
    one = await api.wait(m.Reading.find(sensor="s4", day=2).distinct("site").get())
    assert (one.sensor, one.day, one.site, one.at) == ("s4", 2, "south", None)
    low = await api.wait(m.Reading.find(pk__token__lte=0).distinct().all())
    high = await api.wait(m.Reading.find(pk__token__gt=0).distinct().all())
    assert sorted(keys(low) + keys(high)) == sorted(PARTITIONS)
    after = await api.wait(m.Reading.find(pk__token__gt=Token("s1", 1)).distinct().all())
    assert ("s1", 1) not in keys(after) and len(set(keys(after))) == len(after)
    # A static column or a part of the partition key filters with allow_filtering().
    north = await api.wait(m.Reading.find(site="north").allow_filtering().distinct("site").all())
    assert sorted(keys(north)) == sorted(k for k, v in PARTITIONS.items() if v == "north")
    days = await api.wait(m.Reading.find(sensor="s3").allow_filtering().distinct().all())
    assert sorted(keys(days)) == [("s3", 1), ("s3", 2), ("s3", 3)]


async def test_distinct_count_limit_and_first(api: Api, m: Any) -> None:
    qs = m.Reading.objects().distinct()
    assert await api.wait(qs.count()) == len(PARTITIONS)  # partitions, not rows
    assert await api.wait(m.Reading.objects().count()) == SENSORS * DAYS * ROWS + 1
    assert await api.wait(qs.limit(5).count()) == 5
    assert await api.wait(qs.limit(500).count()) == len(PARTITIONS)
    assert (
        await api.wait(m.Reading.find(sensor__in=["s1", "s2"]).distinct().allow_filtering().count())
        == 6
    )
    north = m.Reading.find(site="north").allow_filtering().distinct()
    assert await api.wait(north.count()) == SENSORS // 2 * DAYS
    limited = await api.wait(qs.limit(5).all())
    assert len(limited) == 5 and len(set(keys(limited))) == 5
    first = await api.wait(qs.first())
    assert (first.sensor, first.day) in PARTITIONS and first.at is None
    nothing = m.Reading.find(sensor="nobody", day=1).distinct()
    assert await api.wait(nothing.count()) == 0
    assert await api.wait(nothing.first()) is None


async def test_distinct_count_and_all_span_server_pages(api: Api, m: Any) -> None:
    qs = m.Many.objects().distinct()
    assert await api.wait(qs.count()) == MANY
    assert await api.wait(m.Many.objects().count()) == 2 * MANY
    ids = await api.wait(qs.values_list("id", flat=True).fetch_size(1000).all())
    assert sorted(ids) == list(range(MANY))


async def test_distinct_streams_and_paginates_every_partition(api: Api, m: Any) -> None:
    streamed = await api.collect(m.Reading.objects().distinct().fetch_size(4))
    assert sorted(keys(streamed)) == sorted(PARTITIONS)
    limited = await api.collect(m.Reading.objects().distinct().fetch_size(3).limit(10))
    assert len(limited) == 10 and len(set(keys(limited))) == 10
    qs = m.Reading.objects().distinct("site")
    sizes, seen, state = [], [], None
    while True:
        page = await api.wait(qs.paginate(7, state))
        sizes.append(len(page.items))
        seen += [(d.sensor, d.day, d.site) for d in page.items]
        state = page.paging_state
        if not page.has_more:
            break
    assert sizes[:4] == [7, 7, 7, 7] and sum(sizes) == len(PARTITIONS)
    assert sorted(seen) == sorted((s, d, site) for (s, d), site in PARTITIONS.items())
    other = m.Reading.objects().distinct()  # another statement: the state is not its own
    first = await api.wait(qs.paginate(7))
    await api.raises(InvalidQuery, other.paginate, 7, first.paging_state)


async def test_distinct_scan_reads_each_partition_once(api: Api, m: Any) -> None:
    found = await api.collect(m.Reading.objects().distinct("site").scan(splits=5))
    assert sorted((d.sensor, d.day, d.site) for d in found) == sorted(
        (s, d, site) for (s, d), site in PARTITIONS.items()
    )


async def test_distinct_refusals(api: Api, m: Any) -> None:
    err = await api.raises(InvalidQuery, m.Reading.objects().distinct, "at")
    assert str(err) == (
        "Reading: distinct() cannot select at: SELECT DISTINCT reads one row per partition, "
        "so it selects only partition key columns (sensor, day) and static columns (site), "
        "and Reading.at is a clustering column. Drop at from distinct(), or read the rows "
        "without distinct()"
    )
    err = await api.raises(InvalidQuery, m.Reading.objects().distinct, "value")
    assert "Reading.value is a regular column" in str(err)
    err = await api.raises(InvalidQuery, m.Reading.find(sensor="s1", day=1, at=2).distinct().all)
    assert str(err).startswith(
        "Reading: distinct() cannot filter on at (Reading.at is a clustering column): SELECT "
        "DISTINCT filters only on the partition key (=, __in, pk__token ranges) and static "
        "columns. Drop that filter"
    )
    err = await api.raises(InvalidQuery, m.Reading.find(label="l1").distinct().count)
    assert "distinct() cannot filter on label (Reading.label is a regular column)" in str(err)
    err = await api.raises(
        InvalidQuery, m.Reading.find(sensor="s1", day=1).order_by("-at").distinct().first
    )
    assert "distinct() and order_by() do not combine" in str(err)
    err = await api.raises(InvalidQuery, m.Reading.objects().distinct().only("value").all)
    assert "distinct() and only()/defer() do not combine" in str(err)
    err = await api.raises(InvalidQuery, m.Reading.objects().distinct().per_partition_limit(1).all)
    assert "distinct() and per_partition_limit() do not combine" in str(err)
    err = await api.raises(InvalidQuery, m.Reading.objects().distinct().values_list("value").all)
    assert "values_list() of a distinct() queryset cannot select value" in str(err)
    err = await api.raises(InvalidQuery, m.Reading.find(sensor="s1").distinct().all)
    assert "partly restricted" in str(err) and "allow_filtering()" in str(err)


async def test_distinct_documents_are_never_written_back_whole(api: Api, m: Any) -> None:
    name = f"tag-{uuid.uuid4().hex[:8]}"
    await api.wait(m.Tag(name=name, hits=1, note="keep").save())
    doc = await api.wait(m.Tag.find(name=name).distinct().get())
    assert (doc.name, doc.hits, doc.note) == (name, None, None)
    doc.hits = 5
    await api.wait(doc.save())  # writes hits only
    stored = await api.wait(m.Tag.get(name=name))
    assert (stored.hits, stored.note) == (5, "keep")
    # A partition's document lacks the clustering key: it cannot be saved as a row.
    reading = await api.wait(m.Reading.find(sensor="s1", day=1).distinct("site").get())
    reading.site = "moved"
    err = await api.raises(InvalidQuery, reading.save)
    assert "Reading.at is part of the primary key and is None" in str(err)
    site = await api.wait(m.Reading.find(sensor="s1", day=1).distinct("site").get())
    assert site.site == "north"
