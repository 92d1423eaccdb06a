"""Full-table scans without a database: range math, statements, checks before I/O, the
checkpoint format, and both drivers against a fake connection that serves a synthetic
table by token range, page by page, in a shuffled order."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated, Any

import pytest

import coodie.aio
import coodie.sync
from coodie.connection import Connection, register, unregister
from coodie.exceptions import InvalidQuery
from coodie.execution import AnyRequest, drive
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.scan import (
    MAX_SPLITS,
    MAX_TOKEN,
    MIN_TOKEN,
    ScanCheckpoint,
    ScanPlan,
    token_ranges,
)
from tests.unit.offline import stub_session

FAKE = "unit_scan"


def token_of(k: int) -> int:
    """The fake table's partitioner: spreads keys over the ring (a few sit on edges)."""
    edges = {0: MIN_TOKEN, 1: MAX_TOKEN, 2: token_ranges(16)[0][1], 3: token_ranges(16)[1][0] + 1}
    if k in edges:
        return edges[k]
    return (k * 0x9E3779B97F4A7C15) % 2**64 + MIN_TOKEN


class FakeTable(Connection):
    """Serves ``SELECT ... WHERE token(k) >=|> ? AND token(k) <= ?`` from a list of rows;
    the paging state is the offset, and a full page always has one (so a range whose
    rows fill its last page ends with an empty page, as Cassandra's may)."""

    def __init__(self) -> None:
        super().__init__(stub_session(), "ks", name=FAKE)
        self.rows: list[tuple[int, int, int]] = []  # in token order
        self.tokens: list[int] = []
        self.requests: list[AnyRequest] = []
        self.fail_on: int | None = None  # a range start whose second page fails
        self.lock = threading.Lock()

    def fill(self, partitions: int, per_partition: int) -> None:
        self.rows = [(k, c, k * 1000 + c) for k in range(partitions) for c in range(per_partition)]
        self.rows.sort(key=lambda r: (token_of(r[0]), r[0], r[1]))
        self.tokens = [token_of(r[0]) for r in self.rows]

    def answer(self, request: Any) -> Any:
        with self.lock:
            self.requests.append(request)
        start, end = request.params[0], request.params[1]
        inclusive = 'token("k") >= ?' in request.cql
        low = (bisect_left if inclusive else bisect_right)(self.tokens, start)
        found = self.rows[low : bisect_right(self.tokens, end)]
        offset = int(request.paging_state or b"0")
        if self.fail_on == start and offset:
            raise RuntimeError("node down")
        size = request.fetch_size or 5000
        page = found[offset : offset + size]
        more = len(page) == size
        return SimpleNamespace(
            current_rows=page,
            paging_state=str(offset + size).encode() if more else None,
            column_names=["k", "c", "v"],
        )

    def execute(self, request: AnyRequest) -> Any:
        time.sleep(random.random() / 2000)
        return self.answer(request)

    async def execute_async(self, request: AnyRequest) -> Any:  # type: ignore[override]
        await asyncio.sleep(random.random() / 2000)
        return self.answer(request)


@pytest.fixture
def table() -> Iterator[FakeTable]:
    conn = FakeTable()
    register(conn)
    yield conn
    unregister(FAKE)


class Row(coodie.sync.Document):
    k: Annotated[int, PrimaryKey()]
    c: Annotated[int, ClusteringKey()]
    v: int = 0

    class Settings:
        name = "rows"
        connection = FAKE


class ARow(coodie.aio.Document):
    k: Annotated[int, PrimaryKey()]
    c: Annotated[int, ClusteringKey()]
    v: int = 0

    class Settings:
        name = "rows"
        connection = FAKE


class Tagged(coodie.sync.Document):
    k: Annotated[int, PrimaryKey()]
    c: Annotated[int, ClusteringKey()]
    v: int = 0
    tag: Annotated[str, Indexed()] = ""

    class Settings:
        name = "tagged"
        connection = FAKE


def result(rows: list[Any], state: bytes | None = None) -> Any:
    return SimpleNamespace(current_rows=rows, paging_state=state, column_names=[])


# -- range math ---------------------------------------------------------------------------------


@pytest.mark.parametrize("splits", [1, 2, 3, 7, 16, 1000, 65537])
def test_token_ranges_cover_the_ring_exactly_once(splits: int) -> None:
    ranges = token_ranges(splits)
    assert len(ranges) == splits
    assert ranges[0][0] == MIN_TOKEN and ranges[-1][1] == MAX_TOKEN
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert start == end  # (.., end] then (end, ..]: no gap, no overlap
    assert all(start < end for start, end in ranges)
    samples = {MIN_TOKEN, MIN_TOKEN + 1, MAX_TOKEN, MAX_TOKEN - 1, 0, -1, 1}
    for start, end in ranges[:50]:
        samples |= {start - 1, start, start + 1, end - 1, end, end + 1}
    samples |= {random.randrange(MIN_TOKEN, MAX_TOKEN + 1) for _ in range(200)}
    for t in samples:
        if not MIN_TOKEN <= t <= MAX_TOKEN:
            continue
        owners = [
            i
            for i, (start, end) in enumerate(ranges)
            if (start <= t if i == 0 else start < t) and t <= end
        ]
        assert len(owners) == 1, (t, owners)


def test_ranges_are_nearly_equal() -> None:
    widths = {end - start for start, end in token_ranges(16)[1:]}
    assert max(widths) - min(widths) <= 1


# -- statements ---------------------------------------------------------------------------------


def test_statements_bind_the_token_bounds_and_keep_the_queryset_options(table: FakeTable) -> None:
    qs = (
        Tagged.objects()
        .only("v")
        .find(tag="x")
        .per_partition_limit(2)
        .consistency("LOCAL_QUORUM")
        .timeout(3)
        .fetch_size(7)
    )
    plan = ScanPlan(qs, splits=4)
    (first, last), ranges = plan.texts, token_ranges(4)
    assert first == (
        'SELECT "k", "c", "v" FROM "ks"."tagged" WHERE token("k") >= ? AND token("k") <= ? '
        'AND "tag" = ? PER PARTITION LIMIT ?'
    )
    assert last == first.replace(">= ?", "> ?")
    fetched, [request] = drive(plan.page_op(0, False), [result([(1, 2, 3)], b"s1")])
    assert request.cql == first and request.params == [MIN_TOKEN, ranges[0][1], "x", 2]
    assert request.paging_state is None and request.fetch_size == 7 and request.timeout == 3.0
    assert request.consistency == 6  # LOCAL_QUORUM
    assert fetched.after == b"s1" and [(d.k, d.c, d.v, d.tag) for d in fetched.items] == [
        (1, 2, 3, None)
    ]
    fetched, [request] = drive(plan.page_op(2, b"s1"), [result([])])
    assert request.cql == last and request.params == [*ranges[2], "x", 2]
    assert request.paging_state == b"s1" and fetched.after is True and fetched.items == []


def test_values_list_and_allow_filtering(table: FakeTable) -> None:
    plan = ScanPlan(Row.objects().values_list("v", flat=True).find(c__gt=3).allow_filtering(), 2)
    assert plan.texts[1] == (
        'SELECT "v" FROM "ks"."rows" WHERE token("k") > ? AND token("k") <= ? AND "c" > ? '
        "ALLOW FILTERING"
    )
    fetched, _ = drive(plan.page_op(1, False), [result([(5,), (6,)])])
    assert fetched.items == [5, 6]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Row.find(k=1).scan_pages(), "partition key"),
        (lambda: Row.find(k__in=[1, 2]).scan(), "partition key"),
        (lambda: Row.find(pk__token__gt=5).scan_pages(), "token ranges"),
        (lambda: Row.objects().limit(3).scan_pages(), "limit()"),
        (lambda: Row.objects().find(v=3).scan_pages(), "ALLOW FILTERING"),
        (lambda: Row.objects().find(c=3).scan(), "ALLOW FILTERING"),
        (lambda: Row.objects().scan_pages(splits=0), "splits"),
        (lambda: Row.objects().scan_pages(splits=True), "splits"),
        (lambda: Row.objects().scan_pages(splits=MAX_SPLITS + 1), "splits"),
        (lambda: Row.objects().scan_pages(concurrency=0), "concurrency"),
        (lambda: Row.objects().scan_pages(checkpoint="abc"), "not str"),
        (lambda: ARow.objects().scan_pages(checkpoint=b"garbage" * 9), "garbled"),
    ],
)
def test_scans_refuse_before_io(table: FakeTable, build: Any, message: str) -> None:
    with pytest.raises(InvalidQuery) as info:
        build()  # raised by the call itself, before iterating
    assert message in str(info.value)
    assert table.requests == []


def test_order_by_is_refused(table: FakeTable) -> None:
    with pytest.raises(InvalidQuery, match="order_by"):
        ScanPlan(Row.objects().order_by("c"))


# -- the checkpoint -------------------------------------------------------------------------------


def test_checkpoint_round_trips_and_garbled_bytes_are_refused(table: FakeTable) -> None:
    plan = ScanPlan(Row.objects(), splits=5)
    point = plan.checkpoint([True, b"\x00state", False, True, b"x" * 300])
    data = point.to_bytes()
    assert ScanCheckpoint.from_bytes(data) == point
    assert point.splits == 5 and point.ranges_done == 2 and not point.done
    assert [r.status for r in point.ranges] == ["done", "started", "pending", "done", "started"]
    assert point.ranges[0].includes_start and not point.ranges[1].includes_start
    for bad in (data[:-1], data[1:], data + b"x", data[:20], b"", bytes([data[0] ^ 1]) + data[1:]):
        with pytest.raises(InvalidQuery, match="garbled"):
            ScanCheckpoint.from_bytes(bad)
    middle = bytearray(data)
    middle[len(middle) // 2] ^= 0x40
    with pytest.raises(InvalidQuery, match="garbled"):
        ScanCheckpoint.from_bytes(bytes(middle))


def test_a_checkpoint_resumes_only_its_own_query_and_split_count(table: FakeTable) -> None:
    data = ScanPlan(Tagged.objects().find(tag="a"), splits=8).checkpoint([False] * 8).to_bytes()
    assert ScanPlan(Tagged.objects().find(tag="a"), checkpoint=data).ranges == token_ranges(8)
    assert len(ScanPlan(Tagged.objects().find(tag="a"), 8, checkpoint=data).start) == 8
    for other in (
        Tagged.objects().find(tag="b"),  # another value
        Tagged.objects().find(tag="a").only("v"),  # other columns
        Tagged.objects(),  # no filter
        Row.objects(),  # another table
    ):
        with pytest.raises(InvalidQuery, match="another scan"):
            ScanPlan(other, checkpoint=data)
    with pytest.raises(InvalidQuery, match="splits=8, not splits=16"):
        ScanPlan(Tagged.objects().find(tag="a"), 16, checkpoint=data)
    # fetch size, consistency and timeout may change between runs
    ScanPlan(Tagged.objects().find(tag="a").fetch_size(3).consistency("ONE"), checkpoint=data)


# -- the drivers ---------------------------------------------------------------------------------


async def pages(model: Any, **options: Any) -> Any:
    """The front's scan_pages() as an async iterator, whatever the front."""
    found = model.objects().fetch_size(options.pop("fetch_size", 7)).scan_pages(**options)
    if hasattr(found, "__anext__"):
        return found
    return _as_async(found)


async def _as_async(it: Iterator[Any]) -> Any:
    try:
        for item in it:
            yield item
    finally:
        close = getattr(it, "close", None)
        if close:
            close()


async def read(model: Any, stop_after: int | None = None, **options: Any) -> tuple[list[Any], Any]:
    """(rows of the pages read, checkpoint bytes after the last), stopping after n pages."""
    rows: list[Any] = []
    stored = None
    it = await pages(model, **options)
    try:
        n = 0
        async for page in it:
            rows += [(d.k, d.c) for d in page.items]
            stored = page.checkpoint.to_bytes()
            n += 1
            if stop_after is not None and n == stop_after:
                break
    finally:
        await it.aclose()
    return rows, stored


@pytest.mark.parametrize("model", [Row, ARow], ids=["sync", "aio"])
async def test_every_row_exactly_once(table: FakeTable, model: Any) -> None:
    table.fill(300, 5)
    rows, stored = await read(model, splits=16, concurrency=4)
    assert Counter(rows) == Counter((k, c) for k, c, _ in table.rows)
    last = ScanCheckpoint.from_bytes(stored)
    assert last.splits == 16 and last.done  # the last page's checkpoint is always done
    # each range was read with one statement per page: never one page per range
    assert len(table.requests) > 16 * 2


@pytest.mark.parametrize("model", [Row, ARow], ids=["sync", "aio"])
@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_interrupted_scans_resume_without_loss_or_repeat(
    table: FakeTable, model: Any, concurrency: int
) -> None:
    table.fill(200, 4)
    expected = Counter((k, c) for k, c, _ in table.rows)
    seen: Counter[tuple[int, int]] = Counter()
    checkpoint = None
    rounds = 0
    while checkpoint is None or not ScanCheckpoint.from_bytes(checkpoint).done:
        rows, stored = await read(
            model,
            stop_after=random.randint(1, 15),
            splits=None if checkpoint else 16,
            concurrency=concurrency,
            checkpoint=checkpoint,
            fetch_size=random.choice([3, 5, 11]),
        )
        seen.update(rows)
        checkpoint = stored
        rounds += 1
    assert rounds > 3
    assert seen == expected


@pytest.mark.parametrize("model", [Row, ARow], ids=["sync", "aio"])
async def test_pages_fetched_ahead_are_not_in_the_checkpoint(table: FakeTable, model: Any) -> None:
    table.fill(300, 5)
    it = await pages(model, splits=16, concurrency=4, fetch_size=3)
    first = await it.__anext__()
    await asyncio.sleep(0.05)  # the workers fetch ahead meanwhile
    time.sleep(0.05)
    second = await it.__anext__()
    await it.aclose()
    assert len(table.requests) > 2
    assert [r.status for r in first.checkpoint.ranges].count("pending") == 15
    assert [r.status for r in second.checkpoint.ranges].count("pending") in (14, 15)


@pytest.mark.parametrize("model", [Row, ARow], ids=["sync", "aio"])
async def test_a_failed_page_fails_the_scan(table: FakeTable, model: Any) -> None:
    table.fill(300, 5)
    table.fail_on = token_ranges(16)[5][0]
    with pytest.raises(RuntimeError, match="node down"):
        await read(model, splits=16, concurrency=4, fetch_size=3)


@pytest.mark.parametrize("model", [Row, ARow], ids=["sync", "aio"])
async def test_empty_table_and_finished_checkpoint_yield_nothing(
    table: FakeTable, model: Any
) -> None:
    rows, stored = await read(model, splits=4)
    assert rows == [] and ScanCheckpoint.from_bytes(stored).done  # one empty, final page
    assert len(table.requests) == 4
    done = ScanPlan(model.objects(), 4).checkpoint([True] * 4)
    table.requests.clear()
    assert await read(model, checkpoint=done) == ([], None)
    assert table.requests == []


def test_sync_scan_yields_documents_and_closes_its_threads(table: FakeTable) -> None:
    table.fill(50, 3)
    before = threading.active_count()
    docs = list(Row.objects().fetch_size(4).scan(splits=8, concurrency=3))
    assert sorted((d.k, d.c) for d in docs) == sorted((k, c) for k, c, _ in table.rows)
    it = Row.objects().fetch_size(2).scan(concurrency=4)
    next(it)
    it.close()
    assert threading.active_count() == before
