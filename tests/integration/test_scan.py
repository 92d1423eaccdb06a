"""Full-table scans against the real node: every row exactly once, in parallel, and
resumed from a stored checkpoint without losing or repeating a row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from cassandra.concurrent import execute_concurrent_with_args

import coodie.sync
from coodie.connection import Connection
from coodie.exceptions import InvalidQuery
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.scan import ScanCheckpoint
from tests.integration.conftest import Api

PARTITIONS = 60  # (tenant, bucket) pairs
PER_PARTITION = 50  # clustering rows in each


def define(Document: Any) -> Any:
    class ScanRow(Document):
        tenant: Annotated[str, PrimaryKey()]
        bucket: Annotated[int, PrimaryKey(partition_key_index=1)]
        c: Annotated[int, ClusteringKey()]
        n: int = 0
        payload: str = ""

        class Settings:
            name = "scan_row"

    class ScanEmpty(Document):
        id: Annotated[int, PrimaryKey()]
        n: int = 0

        class Settings:
            name = "scan_empty"

    return type("Models", (), {"ScanRow": ScanRow, "ScanEmpty": ScanEmpty})


@pytest.fixture(scope="module")
def expected(connection: Connection, keyspace: str) -> Iterator[Counter[tuple[str, int, int]]]:
    """3,000 rows in 60 partitions, written once for both fronts."""
    models = define(coodie.sync.Document)
    models.ScanRow.sync_table()
    models.ScanEmpty.sync_table()
    session = connection.session
    insert = session.prepare(
        f'INSERT INTO "{keyspace}".scan_row (tenant, bucket, c, n, payload) VALUES (?, ?, ?, ?, ?)'
    )
    rows = [
        (f"t{p % 6}", p, c, p * PER_PARTITION + c, f"row {p}/{c}")
        for p in range(PARTITIONS)
        for c in range(PER_PARTITION)
    ]
    execute_concurrent_with_args(session, insert, rows, concurrency=64, raise_on_first_error=True)
    yield Counter((t, b, c) for t, b, c, _, _ in rows)
    models.ScanRow.drop_table()
    models.ScanEmpty.drop_table()


@pytest.fixture
def m(api: Api, expected: Any) -> Any:
    return define(api.Document)


def key(doc: Any) -> tuple[str, int, int]:
    return (doc.tenant, doc.bucket, doc.c)


async def read_pages(api: Api, pages: Any, stop_after: int | None = None) -> tuple[list[Any], Any]:
    """Process pages like an application would: items first, then store the checkpoint
    bytes; stop (closing the scan) after ``stop_after`` pages."""
    items: list[Any] = []
    stored = None
    count = 0
    try:
        if api.name == "aio":
            async for page in pages:
                items += page.items
                stored = page.checkpoint.to_bytes()
                count += 1
                if count == stop_after:
                    break
        else:
            for page in pages:
                items += page.items
                stored = page.checkpoint.to_bytes()
                count += 1
                if count == stop_after:
                    break
    finally:
        await api.wait(pages.aclose() if api.name == "aio" else pages.close())
    return items, stored


async def test_scan_reads_every_row_exactly_once(api: Api, m: Any, expected: Any) -> None:
    docs = await api.collect(m.ScanRow.objects().fetch_size(37).scan(splits=16, concurrency=4))
    assert Counter(key(d) for d in docs) == expected
    some = next(d for d in docs if d.c == 7 and d.bucket == 11)
    assert (some.n, some.payload) == (11 * PER_PARTITION + 7, "row 11/7")
    pages = m.ScanRow.objects().fetch_size(100).scan_pages(splits=16, concurrency=4)
    items, stored = await read_pages(api, pages)
    assert Counter(key(d) for d in items) == expected
    assert ScanCheckpoint.from_bytes(stored).done


async def test_interrupted_scan_resumes_from_stored_checkpoint(
    api: Api, m: Any, expected: Any
) -> None:
    qs = m.ScanRow.objects().fetch_size(45)
    first, stored = await read_pages(api, qs.scan_pages(splits=16, concurrency=4), stop_after=25)
    assert 0 < len(first) < sum(expected.values())
    point = ScanCheckpoint.from_bytes(stored)
    assert not point.done and point.splits == 16
    assert "started" in {r.status for r in point.ranges}  # resumes inside a range too
    # a second interruption, with another concurrency, then the rest
    second, stored = await read_pages(
        api, qs.scan_pages(concurrency=2, checkpoint=stored), stop_after=10
    )
    rest = await api.collect(qs.fetch_size(200).scan(checkpoint=stored, concurrency=8))
    seen = Counter(key(d) for d in first + second + rest)
    assert seen == expected  # every row, none twice


async def test_checkpoint_of_another_scan_is_refused(api: Api, m: Any) -> None:
    pages = m.ScanRow.objects().fetch_size(50).scan_pages(splits=8, concurrency=2)
    _, stored = await read_pages(api, pages, stop_after=2)
    err = await api.raises(
        InvalidQuery, m.ScanRow.objects().only("n").scan_pages, checkpoint=stored
    )
    assert "another scan" in str(err)
    await api.raises(InvalidQuery, m.ScanEmpty.objects().scan, checkpoint=stored)
    err = await api.raises(InvalidQuery, m.ScanRow.objects().scan, splits=16, checkpoint=stored)
    assert "splits=8" in str(err)
    await api.raises(InvalidQuery, m.ScanRow.objects().scan, checkpoint=stored[:-3])


async def test_empty_table_scans_nothing(api: Api, m: Any) -> None:
    assert await api.collect(m.ScanEmpty.objects().scan(splits=16, concurrency=4)) == []
    items, stored = await read_pages(api, m.ScanEmpty.objects().scan_pages())
    assert items == [] and ScanCheckpoint.from_bytes(stored).done  # one empty, final page


async def test_scan_keeps_projection_and_allowed_filters(api: Api, m: Any) -> None:
    values = m.ScanRow.objects().values_list("n", flat=True).find(c__lt=3).allow_filtering()
    found = await api.collect(values.fetch_size(20).scan(splits=5))
    assert sorted(found) == sorted(
        p * PER_PARTITION + c for p in range(PARTITIONS) for c in range(3)
    )
    only = await api.collect(m.ScanRow.objects().only("n").per_partition_limit(1).scan())
    assert len(only) == PARTITIONS and all(d.c == 0 and d.payload is None for d in only)
    err = await api.raises(InvalidQuery, m.ScanRow.find(tenant="t1", bucket=1).scan)
    assert "partition key" in str(err)
    err = await api.raises(InvalidQuery, m.ScanRow.objects().find(n=3).scan_pages)
    assert "ALLOW FILTERING" in str(err)
