"""Defects C1, C10, C11 against a real node: what Cassandra ends up holding.

Models are defined inside the tests from the front's ``Document`` class, so this module
does not use ``from __future__ import annotations``.
"""

import datetime as dt
import uuid
from typing import Annotated, Any, Optional

import pydantic
import pytest

from coodie.connection import Connection
from coodie.exceptions import ConfigurationError, ValidationError
from coodie.fields import BigInt, ClusteringKey, Indexed, PrimaryKey, SmallInt
from coodie.schema import TABLE_OPTIONS
from tests.integration.conftest import Api


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def live_index_options(connection: Connection, keyspace: str, table: str) -> dict[str, Any]:
    rows = connection.session.execute(
        "SELECT index_name, options FROM system_schema.indexes "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    return {r.index_name: dict(r.options) for r in rows}


def raw_row(connection: Connection, keyspace: str, table: str, key: Any) -> Any:
    return connection.session.execute(
        f'SELECT * FROM "{keyspace}"."{table}" WHERE id = %s', (key,)
    ).one()


# -- C1: index options of two models with the same annotation ---------------------------------


async def test_index_options_of_two_models_reach_the_node(
    api: Api, keyspace: str, connection: Connection
) -> None:
    first_table, second_table = unique("c1_first"), unique("c1_second")

    class FirstTitles(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        title: Annotated[str, Indexed(using="sai", options={"case_sensitive": "false"})] = ""

        class Settings:
            name = first_table

    class SecondTitles(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        title: Annotated[str, Indexed(using="sai", options={"case_sensitive": "true"})] = ""

        class Settings:
            name = second_table

    planned = await api.wait(SecondTitles.sync_table(dry_run=True))
    (create_index,) = [s for s in planned if "INDEX" in s]
    assert "WITH OPTIONS = {'case_sensitive': 'true'}" in create_index

    await api.wait(FirstTitles.sync_table())
    await api.wait(SecondTitles.sync_table())

    first = live_index_options(connection, keyspace, first_table)[f"{first_table}_title_idx"]
    second = live_index_options(connection, keyspace, second_table)[f"{second_table}_title_idx"]
    assert first["case_sensitive"] == "false"
    assert second["case_sensitive"] == "true"


# -- C11a: integer ranges ----------------------------------------------------------------------


async def test_integer_bounds_round_trip_and_out_of_range_writes_nothing(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("c11a")

    class Sized(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        n: int = 0
        big: Annotated[int, BigInt()] = 0
        small: Annotated[int, SmallInt()] = 0
        counts: dict[str, int] = pydantic.Field(default_factory=dict)

        class Settings:
            name = table

    await api.wait(Sized.sync_table())
    top = Sized(id=2**31 - 1, n=-(2**31), big=2**63 - 1, small=-(2**15), counts={"a": 2**31 - 1})
    await api.wait(top.save())
    row = raw_row(connection, keyspace, table, 2**31 - 1)
    assert (row.n, row.big, row.small, dict(row.counts)) == (
        -(2**31),
        2**63 - 1,
        -(2**15),
        {"a": 2**31 - 1},
    )

    for bad in ({"n": 2**31}, {"big": -(2**63) - 1}, {"small": 2**15}, {"counts": {"a": 2**31}}):
        with pytest.raises(pydantic.ValidationError) as info:
            Sized(id=7, **bad)
        assert info.value.errors()[0]["loc"][0] == next(iter(bad))
    assert raw_row(connection, keyspace, table, 7) is None


# -- C10a: replication factors -----------------------------------------------------------------


async def test_bad_replication_factor_creates_no_keyspace(api: Api, connection: Connection) -> None:
    name = unique("c10a")
    for options in (
        {"replication_factor": 0},
        {"replication_factor": "1"},
        {"replication_factor": True},
        {"dc_replication": {"datacenter1": 0}},
        {"dc_replication": {"datacenter1": 1.5}},
    ):
        error = await api.raises(ConfigurationError, api.module.create_keyspace, name, **options)
        assert f"create_keyspace({name!r})" in str(error)
        assert "positive integer" in str(error)
    found = connection.session.execute(
        "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = %s", (name,)
    ).one()
    assert found is None


# -- C10b: aware times -------------------------------------------------------------------------


async def test_aware_time_refused_naive_time_stored(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("c10b")

    class Shift(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        starts: Annotated[dt.time, ClusteringKey()]
        ends: Optional[dt.time] = None

        class Settings:
            name = table

    await api.wait(Shift.sync_table())
    aware = dt.time(9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with pytest.raises(pydantic.ValidationError) as info:
        Shift(id=1, starts=aware)
    assert info.value.errors()[0]["loc"] == ("starts",)
    with pytest.raises(pydantic.ValidationError):
        Shift(id=1, starts=dt.time(9), ends=aware)
    with pytest.raises(ValidationError, match=r"Shift\.starts: .*time zone"):
        await api.wait(Shift.find(id=1, starts=aware).all())

    await api.wait(Shift(id=1, starts=dt.time(9, 30), ends=dt.time(17)).save())
    row = raw_row(connection, keyspace, table, 1)
    assert (row.starts.time(), row.ends.time()) == (dt.time(9, 30), dt.time(17))
    assert [s.starts for s in await api.wait(Shift.find(id=1).all())] == [dt.time(9, 30)]


# -- C10c: table options -----------------------------------------------------------------------

SCYLLA_ONLY = {
    "paxos_grace_seconds",
    "per_partition_rate_limit",
    "synchronous_updates",
    "tombstone_gc",
}


def release_version(connection: Connection) -> str:
    return str(connection.session.execute("SELECT release_version FROM system.local").one()[0])


def test_table_options_cover_what_the_node_stores(connection: Connection) -> None:
    if not release_version(connection).startswith("5.0"):
        pytest.skip("the option list is checked against Cassandra 5.0")
    rows = connection.session.execute("SELECT * FROM system_schema.tables LIMIT 1")
    stored = set(rows.column_names)
    # Keys of the row, a flag set by the table's shape, and options 4.0 removed (the node
    # refuses them in CREATE TABLE but still has the columns).
    not_options = {"keyspace_name", "table_name", "flags"}
    removed = {"read_repair_chance", "dclocal_read_repair_chance"}
    assert stored - not_options - removed == set(TABLE_OPTIONS) - SCYLLA_ONLY


async def test_every_cassandra_table_option_is_accepted_by_the_node(
    api: Api, keyspace: str, connection: Connection
) -> None:
    if not release_version(connection).startswith("5.0"):
        pytest.skip("the option list is checked against Cassandra 5.0")
    table = unique("c10c")
    table_id = uuid.uuid4()
    wanted = {
        "additional_write_policy": "95p",
        "allow_auto_snapshot": False,
        "bloom_filter_fp_chance": 0.02,
        "caching": {"keys": "ALL", "rows_per_partition": 10},
        "cdc": False,
        "comment": "every option",
        "compaction": {"class": "LeveledCompactionStrategy", "sstable_size_in_mb": 64},
        "compression": {"enabled": False},
        "crc_check_chance": 0.5,
        "default_time_to_live": 60,
        "extensions": {},
        "gc_grace_seconds": 3600,
        "id": str(table_id),
        "incremental_backups": False,
        "max_index_interval": 1024,
        "memtable": "default",
        "memtable_flush_period_in_ms": 60000,
        "min_index_interval": 64,
        "read_repair": "NONE",
        "speculative_retry": "99p",
    }
    assert set(wanted) == set(TABLE_OPTIONS) - SCYLLA_ONLY

    class AllOptions(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table
            options = wanted

    await api.wait(AllOptions.sync_table())
    row = connection.session.execute(
        "SELECT * FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    ).one()
    assert row.id == table_id
    assert row.comment == "every option" and row.gc_grace_seconds == 3600
    assert row.default_time_to_live == 60 and row.read_repair == "NONE"
    assert row.allow_auto_snapshot is False and row.incremental_backups is False
    assert row.compaction["class"].endswith("LeveledCompactionStrategy")
    assert row.compression.get("enabled") == "false"
    assert dict(row.caching) == {"keys": "ALL", "rows_per_partition": "10"}


# -- C11b: IPv6 contact points -----------------------------------------------------------------
