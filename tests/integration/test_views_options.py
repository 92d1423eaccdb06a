"""Table options altered by sync_table, and materialized views, against a real node
(both fronts).  Schema assertions read ``system_schema`` with the raw driver session.

Views are eventually consistent: a row written to the base shows in the view a little
later, so reads through a view poll (up to 10 s).
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Optional

import pytest
from cassandra.cluster import Session

from coodie.connection import Connection
from coodie.exceptions import ConfigurationError, DefinitionError, InvalidQuery, SchemaMismatch
from coodie.fields import ClusteringKey, PrimaryKey
from tests.integration.conftest import Api


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def live_table(session: Session, keyspace: str, table: str) -> Any:
    return session.execute(
        "SELECT * FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    ).one()


def live_view(session: Session, keyspace: str, view: str) -> Any:
    return session.execute(
        "SELECT * FROM system_schema.views WHERE keyspace_name = %s AND view_name = %s",
        (keyspace, view),
    ).one()


async def eventually(api: Api, read: Any, expected: Any, timeout: float = 10.0) -> Any:
    """Poll ``read()`` (a call of either front) until it returns ``expected``."""
    deadline = time.monotonic() + timeout
    while True:
        got = await api.wait(read())
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


# -- table options ------------------------------------------------------------------------------


def tuned(api: Api, table: str, options: dict[str, Any]) -> Any:
    """A model of ``table`` with these options (read at class creation: one class each)."""
    stated = options

    class Tuned(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        name: str = ""

        class Settings:
            name = table
            options = stated

    return Tuned


async def test_sync_table_alters_changed_options(
    api: Api, keyspace: str, connection: Connection
) -> None:
    session = connection.session
    table = unique("opts")
    first = tuned(
        api,
        table,
        {
            "comment": "first",
            "compaction": {"class": "SizeTieredCompactionStrategy", "min_threshold": 4},
            "gc_grace_seconds": 86400,
            "caching": {"keys": "ALL", "rows_per_partition": "NONE"},
        },
    )
    await api.wait(first.sync_table())
    row = live_table(session, keyspace, table)
    assert row.compaction["class"] == (
        "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"
    )
    # Short class names, defaults filled in by Cassandra: nothing to do.
    assert await api.wait(first.sync_table()) == []

    second = tuned(
        api,
        table,
        {
            "comment": "it's the second",
            "compaction": {"class": "LeveledCompactionStrategy"},
            "gc_grace_seconds": 3600,
            "caching": {"keys": "ALL", "rows_per_partition": "NONE"},
        },
    )
    ref = f'"{keyspace}"."{table}"'
    expected = (
        f"ALTER TABLE {ref} WITH comment = 'it''s the second' AND "
        "compaction = {'class': 'LeveledCompactionStrategy'} AND gc_grace_seconds = 3600"
    )
    assert await api.wait(second.sync_table(dry_run=True)) == [expected]
    assert live_table(session, keyspace, table).comment == "first"  # dry run: unchanged
    assert await api.wait(second.sync_table()) == [expected]
    row = live_table(session, keyspace, table)
    assert row.comment == "it's the second"
    assert row.gc_grace_seconds == 3600
    assert row.compaction["class"] == (
        "org.apache.cassandra.db.compaction.LeveledCompactionStrategy"
    )
    assert await api.wait(second.sync_table()) == []

    # An option the model does not state is left as it is on the server.
    partial = tuned(api, table, {"comment": "it's the second"})
    assert await api.wait(partial.sync_table()) == []
    assert live_table(session, keyspace, table).gc_grace_seconds == 3600
    await api.wait(second.drop_table())


# -- materialized views -------------------------------------------------------------------------


def run_models(api: Api, table: str) -> tuple[Any, Any]:
    class Run(api.Document):  # type: ignore[name-defined,misc]
        build_id: Annotated[str, PrimaryKey()]
        seq: Annotated[int, ClusteringKey()]
        status: str = "created"
        note: Optional[str] = None

        class Settings:
            name = table

    class RunsByStatus(api.module.View):  # type: ignore[name-defined,misc]
        status: Annotated[str, PrimaryKey()]
        build_id: Annotated[str, ClusteringKey(index=0)]
        seq: Annotated[int, ClusteringKey(index=1, order="DESC")]
        note: Optional[str] = None

        class Settings:
            name = f"{table}_by_status"
            base = Run
            options = {"comment": "runs by status"}

    return Run, RunsByStatus


async def test_view_lifecycle(api: Api, keyspace: str, connection: Connection) -> None:
    session = connection.session
    table = unique("run")
    Run, ByStatus = run_models(api, table)
    view = f"{table}_by_status"

    with pytest.raises(ConfigurationError, match=f"base table {keyspace}.{table} does not exist"):
        await api.wait(ByStatus.sync_view())
    await api.wait(Run.sync_table())
    planned = await api.wait(ByStatus.sync_view(dry_run=True))
    assert planned[0].startswith(f'CREATE MATERIALIZED VIEW IF NOT EXISTS "{keyspace}"."{view}"')
    assert live_view(session, keyspace, view) is None
    assert await api.wait(ByStatus.sync_view()) == planned
    row = live_view(session, keyspace, view)
    assert (row.base_table_name, row.comment, row.include_all_columns) == (
        table,
        "runs by status",
        False,
    )
    assert "status IS NOT NULL" in row.where_clause
    assert await api.wait(ByStatus.sync_view()) == []

    for seq, status in [(1, "ok"), (2, "failed"), (3, "ok"), (4, "ok")]:
        await api.wait(Run(build_id="b1", seq=seq, status=status, note=f"n{seq}").save())
    await api.wait(Run(build_id="b2", seq=1, status="ok").save())

    def ok_keys() -> Any:
        async def read() -> list[tuple[str, int]]:
            found = await api.wait(ByStatus.find(status="ok").all())
            return [(d.build_id, d.seq) for d in found]

        return read()

    expected = [("b1", 4), ("b1", 3), ("b1", 1), ("b2", 1)]  # build_id ASC, seq DESC
    assert await eventually(api, ok_keys, expected) == expected

    got = await api.wait(ByStatus.get(status="ok", build_id="b1", seq=3))
    assert (got.note, type(got)) == ("n3", ByStatus)
    one = await api.wait(ByStatus.get(status="failed"))
    assert (one.build_id, one.seq) == ("b1", 2)
    assert await api.wait(ByStatus.find(status="ok").count()) == 4
    asc = await api.wait(ByStatus.find(status="ok", build_id="b1").order_by("seq").all())
    assert [d.seq for d in asc] == [1, 3, 4]
    page = await api.wait(ByStatus.find(status="ok").paginate(3))
    assert len(page.items) == 3 and page.paging_state is not None
    rest = await api.wait(ByStatus.find(status="ok").paginate(3, page.paging_state))
    assert [(d.build_id, d.seq) for d in rest.items] == [("b2", 1)]
    streamed = await api.collect(ByStatus.objects())
    assert len(streamed) == 5
    assert await api.wait(ByStatus.find_one(status="none")) is None

    # A change to the base shows in the view, moving the row between partitions.
    await api.wait(Run(build_id="b2", seq=1, status="failed").save())

    def failed_count() -> Any:
        return ByStatus.find(status="failed").count()

    assert await eventually(api, failed_count, 2) == 2

    # Writes are refused before any I/O.
    for call in (
        got.save,
        got.delete,
        got.insert,
        lambda: got.update(note="x"),
        lambda: ByStatus.create(status="a", build_id="b", seq=1),
        lambda: ByStatus.find(status="ok", build_id="b1").update(note="x"),
        lambda: ByStatus.find(status="ok").delete(),
    ):
        await api.raises(InvalidQuery, call)

    # Cassandra will not drop a base table that has views.
    with pytest.raises(Exception, match="materialized views"):
        await api.wait(Run.drop_table())
    await api.wait(ByStatus.drop_view())
    assert live_view(session, keyspace, view) is None
    await api.wait(ByStatus.drop_view())  # IF EXISTS
    await api.wait(Run.drop_table())


async def test_existing_view_with_another_key_is_a_mismatch(
    api: Api, keyspace: str, connection: Connection
) -> None:
    table = unique("run")
    Run, ByStatus = run_models(api, table)
    await api.wait(Run.sync_table())
    await api.wait(ByStatus.sync_view())

    class Other(api.module.View):  # type: ignore[name-defined,misc]
        status: Annotated[str, PrimaryKey()]
        build_id: Annotated[str, ClusteringKey(index=0)]
        seq: Annotated[int, ClusteringKey(index=1)]  # ASC, the view has DESC

        class Settings:
            name = f"{table}_by_status"
            base = Run

    with pytest.raises(SchemaMismatch) as info:
        await api.wait(Other.sync_view())
    assert info.value.differences == ["seq clusters DESC in the table, ASC in the model"]

    class Clash(api.module.View):  # type: ignore[name-defined,misc]
        build_id: Annotated[str, PrimaryKey()]
        seq: Annotated[int, ClusteringKey()]

        class Settings:
            name = table  # the base table's own name
            base = Run

    with pytest.raises(ConfigurationError, match="is a table, not a materialized view"):
        await api.wait(Clash.sync_view())
    await api.wait(ByStatus.drop_view())
    await api.wait(Run.drop_table())


async def test_view_definition_errors(api: Api) -> None:
    Run, _ = run_models(api, unique("run"))
    with pytest.raises(DefinitionError, match=r"TooWide: status, note are not key columns"):

        class TooWide(api.module.View):  # type: ignore[name-defined,misc]
            status: Annotated[str, PrimaryKey()]
            note: Annotated[str, ClusteringKey(index=0)]
            build_id: Annotated[str, ClusteringKey(index=1)]
            seq: Annotated[int, ClusteringKey(index=2)]

            class Settings:
                base = Run

    with pytest.raises(DefinitionError, match=r"Typo.stauts: Run has no column stauts"):

        class Typo(api.module.View):  # type: ignore[name-defined,misc]
            stauts: Annotated[str, PrimaryKey()]
            build_id: Annotated[str, ClusteringKey(index=0)]
            seq: Annotated[int, ClusteringKey(index=1)]

            class Settings:
                base = Run
