"""The benchmark table, the same model written for each contender, and row data.

One Argus-shaped table (``bench_run``): a composite partition key (``build_id``,
``shard``), a DESC clustering column, a secondary index, a list and a map, 13
columns.  No UDT yet: coodie has no UDT support so far; add a ``frozen<udt>`` column
to every contender here once it does.

All contenders read and write the same table in the same keyspace; each workload
uses its own partitions (named after the contender), so contenders never see each
other's rows except where they read the same seeded data on purpose.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Optional
from uuid import UUID, uuid4

from cassandra.cqltypes import UTF8Type
from cassandra.util import OrderedMapSerializedKey
from pydantic import BaseModel, Field

import coodie.aio
import coodie.sync
from coodie.fields import ClusteringKey, Indexed, PrimaryKey

TABLE = "bench_run"

# Column order of the table, of every INSERT/SELECT the raw contender sends, and of
# the tuples the driver returns with tuple_factory.
NAMES: tuple[str, ...] = (
    "build_id",
    "shard",
    "start_time",
    "id",
    "release_id",
    "group_id",
    "status",
    "investigation_status",
    "heartbeat",
    "end_time",
    "scylla_version",
    "tags",
    "counts",
)
KEY_NAMES: tuple[str, ...] = ("build_id", "shard", "start_time")

UTC = timezone.utc
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


# -- coodie (sync and asyncio fronts: same fields, same table) ------------------------


class RunFields(BaseModel):
    """The fields, once; each front's model adds its ``Document`` base (a pydantic mixin)."""

    build_id: Annotated[str, PrimaryKey()]
    shard: Annotated[int, PrimaryKey(partition_key_index=1)]
    start_time: Annotated[datetime, ClusteringKey(order="DESC")]
    id: UUID = Field(default_factory=uuid4)
    release_id: Annotated[Optional[UUID], Indexed()] = None
    group_id: Optional[UUID] = None
    status: str = "created"
    investigation_status: str = "not_investigated"
    heartbeat: int = 0
    end_time: Optional[datetime] = None
    scylla_version: Optional[str] = None
    tags: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


NATIVE = "coodie_native"
"""coodie's own connection in the benchmarks: the shim's ``connection.setup`` registers
cqlengine's legacy session (dict rows, no execution profiles) as coodie's *default*
connection, and native coodie must not be measured on that session."""


class SyncRun(coodie.sync.Document, RunFields):
    class Settings:
        name = TABLE
        connection = NATIVE


class AioRun(coodie.aio.Document, RunFields):
    class Settings:
        name = TABLE
        connection = NATIVE


# -- plain pydantic (the reference for hydration and validation) ----------------------


class PlainRun(RunFields):
    """The same fields on a plain pydantic model (coodie's markers cost pydantic nothing)."""


# -- cqlengine (and, once it exists, coodie.compat.cqlengine: same code) ---------------


def make_cqlengine_model(columns: Any, model_base: Any) -> Any:
    """The cqlengine twin of ``SyncRun``, built from a ``columns`` module and ``Model``."""

    class BenchRun(model_base):  # type: ignore[misc, valid-type]
        __table_name__ = TABLE

        build_id = columns.Text(partition_key=True)
        shard = columns.Integer(partition_key=True)
        start_time = columns.DateTime(primary_key=True, clustering_order="DESC")
        id = columns.UUID(default=uuid.uuid4)
        release_id = columns.UUID(index=True)
        group_id = columns.UUID()
        status = columns.Text(default="created")
        investigation_status = columns.Text(default="not_investigated")
        heartbeat = columns.Integer(default=0)
        end_time = columns.DateTime()
        scylla_version = columns.Text()
        tags = columns.List(columns.Text)
        counts = columns.Map(columns.Text, columns.Integer)

    return BenchRun


# -- data ----------------------------------------------------------------------------------

_sequence = itertools.count()


def unique_times(n: int) -> Iterator[datetime]:
    """Distinct millisecond timestamps (the clustering key) for the whole process."""
    for _ in range(n):
        yield BASE_TIME + timedelta(milliseconds=next(_sequence))


def row_values(build_id: str, shard: int, start_time: datetime, i: int) -> dict[str, Any]:
    """One fully populated row as user input: every column set, no nulls to tombstone."""
    return {
        "build_id": build_id,
        "shard": shard,
        "start_time": start_time,
        "id": uuid4(),
        "release_id": uuid4(),
        "group_id": uuid4(),
        "status": "running",
        "investigation_status": "not_investigated",
        "heartbeat": i,
        "end_time": start_time + timedelta(hours=1),
        "scylla_version": "2024.1.3-0.20240801.1f8c53f",
        "tags": ["longevity", "x86_64"],
        "counts": {"passed": i % 97, "failed": i % 3},
    }


def new_rows(build_id: str, n: int, shards: int = 4) -> list[dict[str, Any]]:
    """``n`` new rows with never-used keys, spread over ``shards`` partitions."""
    return [row_values(build_id, i % shards, t, i) for i, t in enumerate(unique_times(n))]


def params(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in NAMES)


def keys(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["build_id"], row["shard"], row["start_time"])


def driver_map(value: dict[str, int], protocol_version: int = 5) -> OrderedMapSerializedKey:
    """A ``map<text, int>`` as the driver decodes it (not a dict)."""
    out = OrderedMapSerializedKey(UTF8Type, protocol_version)
    for k, v in value.items():
        out._insert_unchecked(k, UTF8Type.serialize(k, protocol_version), v)
    return out


def driver_rows(n: int) -> list[tuple[Any, ...]]:
    """``n`` rows shaped exactly as the driver returns them with ``tuple_factory``.

    Timestamps are naive UTC datetimes, the list a list, the map an
    ``OrderedMapSerializedKey``; every value is a distinct object (no sharing between
    rows), so that memory measurements count each row's own data.
    """
    base = datetime(2024, 1, 1)
    bits = random.Random(n).getrandbits  # cheap under tracemalloc, unlike uuid4()
    rows = []
    for i in range(n):
        start = base + timedelta(milliseconds=i)
        rows.append(
            (
                f"build-{i % 50}",
                i % 4,
                start,
                UUID(int=bits(128), version=4),
                UUID(int=bits(128), version=4),
                UUID(int=bits(128), version=4),
                "running" + str(i % 3),
                "not_investigated" + str(i % 2),
                i,
                start + timedelta(hours=1),
                f"2024.1.{i % 10}",
                [f"longevity-{i % 5}", "x86_64" + str(i % 2)],
                driver_map({"passed": i % 97, "failed": i % 3}),
            )
        )
    return rows


__all__ = [
    "KEY_NAMES",
    "NAMES",
    "TABLE",
    "AioRun",
    "PlainRun",
    "SyncRun",
    "driver_rows",
    "make_cqlengine_model",
    "new_rows",
    "row_values",
]
