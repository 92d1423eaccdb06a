"""Named connections, adopted sessions, keyspace resolution and consistency levels.

Each test leaves the connection registry as it found it: connections it registers are
closed, and the default connection of the ``keyspace`` fixture is never closed.
"""

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster, Session
from cassandra.query import dict_factory

import coodie.aio
import coodie.connection as registry_module
import coodie.sync
from coodie.connection import Connection, get_connection
from coodie.exceptions import ConfigurationError, InvalidQuery
from coodie.fields import Indexed, PrimaryKey
from tests.conftest import cluster_hosts
from tests.integration.conftest import Api

# -- fixtures and helpers ----------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def driver_cluster() -> Cluster:
    """A plain driver cluster for the same nodes the tests use (``host:port`` understood)."""
    points, port = registry_module.contact_points(cluster_hosts())
    return Cluster(contact_points=points, port=port or 9042)


@pytest.fixture
def registry(keyspace: str) -> Iterator[dict[str, Connection]]:
    """Snapshot the connection registry; close and forget what the test added."""
    saved = dict(registry_module._connections)
    yield saved
    current = registry_module._connections
    for name, conn in list(current.items()):
        if saved.get(name) is not conn:
            del current[name]
            if conn not in saved.values() and conn not in current.values():
                conn.close()
    current.update(saved)


@pytest.fixture
def detached_default(registry: dict[str, Connection]) -> Connection:
    """Take the fixture's default connection out of the registry (without closing it).

    ``init_coodie()`` under the default name closes the connection it replaces; the
    ``registry`` fixture puts this one back afterwards.
    """
    return registry_module._connections.pop(registry_module.DEFAULT)


@pytest.fixture(scope="module")
def other_keyspace(keyspace: str) -> Iterator[str]:
    name = unique("coodie_other")
    coodie.sync.create_keyspace(name, replication_factor=1)
    yield name
    coodie.sync.drop_keyspace(name)


def raw_ids(session: Session, keyspace: str, table: str) -> set[int]:
    return {row.id for row in session.execute(f'SELECT id FROM "{keyspace}"."{table}"')}


def table_exists(session: Session, keyspace: str, table: str) -> bool:
    row = session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    ).one()
    return row is not None


def wait_until_built(session: Session, keyspace: str, index: str, timeout: float = 30.0) -> None:
    """Wait until a secondary index is built (queries on it fail until then)."""
    deadline = time.monotonic() + timeout
    query = 'SELECT index_name FROM system."IndexInfo" WHERE table_name = %s AND index_name = %s'
    while session.execute(query, (keyspace, index)).one() is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"index {keyspace}.{index} was not built in {timeout}s")
        time.sleep(0.05)


class SessionSpy:
    """Records every statement a session is asked to prepare or execute."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
        self.calls: list[tuple[str, Any]] = []
        prepare, execute_async = session.prepare, session.execute_async

        def spy_prepare(query: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(("prepare", query))
            return prepare(query, *args, **kwargs)

        def spy_execute_async(query: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(("execute", query))
            return execute_async(query, *args, **kwargs)

        monkeypatch.setattr(session, "prepare", spy_prepare)
        monkeypatch.setattr(session, "execute_async", spy_execute_async)


# -- named connections -----------------------------------------------------------------------


async def test_named_connection_routes_every_operation(
    api: Api,
    keyspace: str,
    other_keyspace: str,
    connection: Connection,
    registry: dict[str, Connection],
) -> None:
    second = await api.wait(
        api.module.init_coodie(hosts=cluster_hosts(), keyspace=other_keyspace, name="second")
    )
    assert get_connection("second") is second
    assert get_connection() is connection  # the default is untouched
    assert second.session is not connection.session
    table = unique("routed")

    class Routed(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        tag: Annotated[str, Indexed()] = ""
        n: int = 0

        class Settings:
            name = table
            connection = "second"

    try:
        statements = await api.wait(Routed.sync_table())
        assert all(f'"{other_keyspace}"."{table}"' in s for s in statements)
        assert table_exists(connection.session, other_keyspace, table)
        assert not table_exists(connection.session, keyspace, table)
        wait_until_built(connection.session, other_keyspace, f"{table}_tag_idx")

        await api.wait(Routed(id=1, tag="a", n=1).save())
        assert raw_ids(connection.session, other_keyspace, table) == {1}
        assert (await api.wait(Routed.get(id=1))).tag == "a"
        assert [d.id for d in await api.wait(Routed.find(tag="a").all())] == [1]
        assert [d.id for d in await api.collect(Routed.find(id=1))] == [1]
        assert await api.wait(Routed.objects().count()) == 1

        batch = api.BatchQuery()
        await api.wait(Routed(id=2, tag="b").save(batch=batch))
        await api.wait(Routed(id=3, tag="b").save(batch=batch))
        assert raw_ids(connection.session, other_keyspace, table) == {1}  # not yet sent
        await api.wait(batch.execute())
        assert raw_ids(connection.session, other_keyspace, table) == {1, 2, 3}

        await api.wait(Routed.find(id=2).update(n=5))
        row = connection.session.execute(
            f'SELECT n FROM "{other_keyspace}"."{table}" WHERE id = 2'
        ).one()
        assert row.n == 5
        await api.wait(Routed.find(id=3).delete())
        doc = await api.wait(Routed.get(id=1))
        await api.wait(doc.delete())
        assert raw_ids(connection.session, other_keyspace, table) == {2}

        await api.wait(Routed.drop_table())
        assert not table_exists(connection.session, other_keyspace, table)
    finally:
        await api.wait(api.module.close_coodie("second"))

    assert second.cluster.is_shutdown  # coodie created that cluster, so it shut it down
    assert get_connection() is connection
    error = await api.raises(ConfigurationError, Routed.get, id=2)
    assert "'second'" in str(error)


async def test_batch_refuses_two_connections(
    api: Api, keyspace: str, other_keyspace: str, registry: dict[str, Connection]
) -> None:
    await api.wait(
        api.module.init_coodie(hosts=cluster_hosts(), keyspace=other_keyspace, name="second")
    )
    table = unique("split")

    class Here(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table

    class There(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table
            connection = "second"

    try:
        batch = api.BatchQuery()
        await api.wait(Here(id=1).save(batch=batch))
        error = await api.raises(InvalidQuery, There(id=2).save, batch=batch)
        assert "'second'" in str(error)
        assert "'default'" in str(error)
    finally:
        await api.wait(api.module.close_coodie("second"))


async def test_unknown_connection_name(api: Api, keyspace: str) -> None:
    ghost = unique("ghost")

    class Haunted(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            connection = ghost

    calls = [
        (Haunted.sync_table, {}),
        (Haunted.drop_table, {}),
        (Haunted(id=1).save, {}),
        (Haunted.get, {"id": 1}),
        (Haunted.find(id=1).all, {}),
        (Haunted.find(id=1).count, {}),
        (api.module.create_keyspace, {"name": "x", "replication_factor": 1, "connection": ghost}),
        (api.module.drop_keyspace, {"name": "x", "connection": ghost}),
    ]
    for call, kwargs in calls:
        error = await api.raises(ConfigurationError, call, **kwargs)
        assert repr(ghost) in str(error), call
        assert "init_coodie" in str(error)


async def test_reinit_replaces_and_closes(
    api: Api, other_keyspace: str, registry: dict[str, Connection]
) -> None:
    first = await api.wait(
        api.module.init_coodie(hosts=cluster_hosts(), keyspace=other_keyspace, name="second")
    )
    replacement = await api.wait(
        api.module.init_coodie(hosts=cluster_hosts(), keyspace=other_keyspace, name="second")
    )
    try:
        assert first.cluster.is_shutdown
        assert get_connection("second") is replacement
        assert not replacement.cluster.is_shutdown
    finally:
        await api.wait(api.module.close_coodie("second"))
    assert replacement.cluster.is_shutdown
    await api.raises(ConfigurationError, get_connection, "second")
    # Closing a name that is not registered is harmless.
    await api.wait(api.module.close_coodie("second"))


async def test_hosts_as_string_with_port(
    api: Api, keyspace: str, registry: dict[str, Connection]
) -> None:
    points, port = registry_module.contact_points(cluster_hosts())
    hosts = ", ".join(f"{p}:{port or 9042}" for p in points)
    conn = await api.wait(api.module.init_coodie(hosts=hosts, keyspace=keyspace, name="by_string"))
    try:
        row = conn.session.execute("SELECT release_version FROM system.local").one()
        assert row.release_version
    finally:
        await api.wait(api.module.close_coodie("by_string"))


async def test_legacy_driver_options_pass_through(
    api: Api, keyspace: str, registry: dict[str, Connection]
) -> None:
    """The driver refuses its legacy options next to execution profiles: init_coodie
    adds its default profile only when none of them is given."""
    from cassandra.policies import RetryPolicy

    points, port = registry_module.contact_points(cluster_hosts())
    policy = RetryPolicy()
    conn = await api.wait(
        api.module.init_coodie(
            hosts=list(points),
            keyspace=keyspace,
            name="legacy_options",
            port=port or 9042,
            default_retry_policy=policy,
        )
    )
    try:
        assert conn.session.cluster.default_retry_policy is policy
        row = conn.session.execute("SELECT release_version FROM system.local").one()
        assert row.release_version
    finally:
        await api.wait(api.module.close_coodie("legacy_options"))


# -- adopted sessions ----------------------------------------------------------------------------


@pytest.mark.parametrize("conn_name", ["default", "adopted"])
async def test_adopted_session_is_not_shut_down(
    api: Api, keyspace: str, detached_default: Connection, conn_name: str
) -> None:
    cluster = driver_cluster()
    session = cluster.connect()
    table = unique("adopted")

    class Adopted(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        value: str = ""

        class Settings:
            name = table
            connection = conn_name

    try:
        conn = await api.wait(
            api.module.init_coodie(session=session, keyspace=keyspace, name=conn_name)
        )
        assert conn.session is session
        assert get_connection(conn_name) is conn

        await api.wait(Adopted.sync_table())
        await api.wait(Adopted(id=1, value="x").save())
        assert (await api.wait(Adopted.get(id=1))).value == "x"

        await api.wait(api.module.close_coodie(conn_name))

        assert not cluster.is_shutdown
        # The session still works, and coodie left its row factory alone (named tuples).
        rows = session.execute(f'SELECT id, value FROM "{keyspace}"."{table}"')
        assert [(r.id, r.value) for r in rows] == [(1, "x")]
    finally:
        cluster.shutdown()


async def test_adopted_session_keeps_its_settings(
    api: Api, keyspace: str, registry: dict[str, Connection]
) -> None:
    # coodie reads rows as tuples through its own execution profile; the user's session
    # default profile (here: dicts) is not changed.
    cluster = driver_cluster()
    session = cluster.connect()
    cluster.profile_manager.default.row_factory = dict_factory
    table = unique("kept")

    class Kept(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        value: str = ""

        class Settings:
            name = table
            connection = "kept"

    try:
        await api.wait(api.module.init_coodie(session=session, keyspace=keyspace, name="kept"))
        await api.wait(Kept.sync_table())
        await api.wait(Kept(id=1, value="x").save())
        assert (await api.wait(Kept.get(id=1))).value == "x"
        rows = list(session.execute(f'SELECT id, value FROM "{keyspace}"."{table}"'))
        assert rows == [{"id": 1, "value": "x"}]
        await api.wait(api.module.close_coodie("kept"))
        assert not cluster.is_shutdown
    finally:
        cluster.shutdown()


async def test_adopted_legacy_session(
    api: Api, keyspace: str, registry: dict[str, Connection]
) -> None:
    cluster = driver_cluster()
    session = cluster.connect()
    session.row_factory = dict_factory  # legacy (non-profile) configuration
    table = unique("legacy")

    class Legacy(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table
            connection = "legacy"

    try:
        await api.wait(api.module.init_coodie(session=session, keyspace=keyspace, name="legacy"))
        await api.wait(Legacy.sync_table())
        await api.wait(Legacy(id=1).save())
        assert (await api.wait(Legacy.get(id=1))).id == 1
    finally:
        await api.wait(api.module.close_coodie("legacy"))
        cluster.shutdown()


async def test_init_coodie_argument_errors(api: Api, registry: dict[str, Connection]) -> None:
    cluster = driver_cluster()
    session = cluster.connect()
    try:
        error = await api.raises(
            ConfigurationError,
            api.module.init_coodie,
            hosts=cluster_hosts(),
            session=session,
            name="both",
        )
        assert "session" in str(error)
        error = await api.raises(
            ConfigurationError, api.module.init_coodie, session=session, name="both", port=9042
        )
        assert "session" in str(error)
        error = await api.raises(ConfigurationError, api.module.init_coodie, name="neither")
        assert "hosts" in str(error)
        assert "both" not in registry_module._connections
        assert "neither" not in registry_module._connections
    finally:
        cluster.shutdown()


# -- keyspace resolution -------------------------------------------------------------------------


async def test_models_use_their_connection_keyspace(
    api: Api,
    keyspace: str,
    other_keyspace: str,
    connection: Connection,
    registry: dict[str, Connection],
) -> None:
    await api.wait(
        api.module.init_coodie(hosts=cluster_hosts(), keyspace=other_keyspace, name="second")
    )
    table = unique("shared")

    def model(conn: str | None, ks: str | None) -> Any:
        class Shared(api.Document):  # type: ignore[misc,name-defined]
            id: Annotated[int, PrimaryKey()]

            class Settings:
                name = table
                connection = conn
                keyspace = ks

        return Shared

    on_default = model(None, None)
    on_second = model("second", None)
    pinned = model("second", keyspace)  # Settings.keyspace wins over the connection's
    try:
        for m in (on_default, on_second, pinned):
            await api.wait(m.sync_table())
        await api.wait(on_default(id=1).save())
        await api.wait(on_second(id=2).save())
        await api.wait(pinned(id=3).save())

        assert raw_ids(connection.session, keyspace, table) == {1, 3}
        assert raw_ids(connection.session, other_keyspace, table) == {2}
        assert {d.id for d in await api.wait(on_default.objects().all())} == {1, 3}
        assert {d.id for d in await api.wait(on_second.objects().all())} == {2}
        assert {d.id for d in await api.wait(pinned.objects().all())} == {1, 3}
        await api.wait(on_second.drop_table())
        assert table_exists(connection.session, keyspace, table)
    finally:
        await api.wait(api.module.close_coodie("second"))


async def test_connection_without_keyspace(
    api: Api, keyspace: str, connection: Connection, registry: dict[str, Connection]
) -> None:
    bare = await api.wait(api.module.init_coodie(hosts=cluster_hosts(), name="bare"))
    assert bare.keyspace is None
    table = unique("homeless")
    ks = keyspace

    class Homeless(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table
            connection = "bare"

    class Housed(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table
            connection = "bare"
            keyspace = ks

    try:
        calls = [
            (Homeless.sync_table, {}),
            (Homeless.drop_table, {}),
            (Homeless(id=1).save, {}),
            (Homeless.get, {"id": 1}),
            (Homeless.find(id=1).all, {}),
            (Homeless.objects().count, {}),
        ]
        for call, kwargs in calls:
            error = await api.raises(ConfigurationError, call, **kwargs)
            message = str(error)
            assert "Homeless" in message, call
            assert "Settings.keyspace" in message
            assert "keyspace=" in message and "init_coodie" in message
        assert not table_exists(connection.session, keyspace, table)

        await api.wait(Housed.sync_table())
        await api.wait(Housed(id=1).save())
        assert (await api.wait(Housed.get(id=1))).id == 1
        assert raw_ids(connection.session, keyspace, table) == {1}
    finally:
        await api.wait(api.module.close_coodie("bare"))


# -- consistency levels --------------------------------------------------------------------------


def counter_model(base: type, table: str) -> Any:
    class Consistent(base):  # type: ignore[misc,valid-type]
        id: Annotated[int, PrimaryKey()]
        value: str = ""

        class Settings:
            name = table

    return Consistent


@pytest.mark.parametrize(
    "level", ["ONE", "one", "Local_One", ConsistencyLevel.ONE, ConsistencyLevel.QUORUM]
)
async def test_consistency_levels(api: Api, keyspace: str, level: Any) -> None:
    model = counter_model(api.Document, unique("consistent"))
    await api.wait(model.sync_table())

    await api.wait(model(id=1, value="a").save(consistency=level))
    doc = await api.wait(model.find(id=1).consistency(level).get())
    assert doc.value == "a"
    doc.value = "b"
    await api.wait(doc.save(consistency=level))
    assert [d.value for d in await api.wait(model.find(id=1).consistency(level).all())] == ["b"]
    assert await api.wait(model.objects().consistency(level).count()) == 1
    await api.wait(doc.update(value="c", consistency=level))
    batch = api.BatchQuery(consistency=level)
    await api.wait(model(id=2, value="d").save(batch=batch))
    await api.wait(batch.execute())
    assert [d.value for d in await api.wait(model.objects().consistency(level).all())] in (
        ["c", "d"],
        ["d", "c"],
    )
    await api.wait(doc.delete(consistency=level))
    assert await api.wait(model.find(id=1).consistency(level).first()) is None


@pytest.mark.parametrize("level", ["TWO", "two", ConsistencyLevel.THREE])
async def test_consistency_level_is_sent(api: Api, keyspace: str, level: Any) -> None:
    # The test keyspace has replication_factor=1: TWO and THREE cannot be met, so the
    # server refuses; that it refuses proves the level reached it, for writes and reads.
    model = counter_model(api.Document, unique("consistent"))
    await api.wait(model.sync_table())
    await api.wait(model(id=1).save())

    for call in (
        lambda: model(id=2).save(consistency=level),
        lambda: model.find(id=1).consistency(level).all(),
        lambda: model.find(id=1).consistency(level).get(),
        lambda: model.objects().consistency(level).count(),
    ):
        with pytest.raises(Exception, match=r"consistency level (TWO|THREE)"):
            await api.wait(call())
    assert await api.wait(model.find(id=2).first()) is None


@pytest.mark.parametrize("level", ["BOGUS", "one please", 1.5])
async def test_unknown_consistency_is_refused(
    api: Api,
    keyspace: str,
    connection: Connection,
    monkeypatch: pytest.MonkeyPatch,
    level: Any,
) -> None:
    table = unique("consistent")
    model = counter_model(api.Document, table)
    await api.wait(model.sync_table())
    spy = SessionSpy(monkeypatch, connection.session)

    for call in (
        lambda: model(id=1).save(consistency=level),
        lambda: model.find(id=1).consistency(level).all(),
        lambda: model.objects().consistency(level).count(),
    ):
        with pytest.raises(ConfigurationError) as info:
            await api.wait(call())
        assert repr(level) in str(info.value)
        assert "ONE" in str(info.value) and "QUORUM" in str(info.value)

    # No statement was executed (prepare aside: see the xfail test below).
    assert [c for c in spy.calls if c[0] == "execute"] == []
    monkeypatch.undo()
    assert raw_ids(connection.session, keyspace, table) == set()


async def test_unknown_consistency_fails_before_any_io(
    api: Api, keyspace: str, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = counter_model(api.Document, unique("consistent"))
    await api.wait(model.sync_table())
    spy = SessionSpy(monkeypatch, connection.session)

    await api.raises(ConfigurationError, model(id=1).save, consistency="BOGUS")

    assert spy.calls == []


async def test_unknown_integer_consistency_is_refused(
    api: Api, keyspace: str, registry: dict[str, Connection]
) -> None:
    # On a connection of its own: the protocol error this provokes breaks the connection.
    await api.wait(api.module.init_coodie(hosts=cluster_hosts(), keyspace=keyspace, name="cl"))
    table = unique("consistent")

    class OwnConnection(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = table
            connection = "cl"

    try:
        await api.wait(OwnConnection.sync_table())
        error = await api.raises(ConfigurationError, OwnConnection(id=1).save, consistency=99)
        assert "99" in str(error)
    finally:
        await api.wait(api.module.close_coodie("cl"))


# -- asyncio -------------------------------------------------------------------------------------


async def test_aio_init_coodie_in_running_loop(
    keyspace: str, connection: Connection, registry: dict[str, Connection]
) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.get_running_loop().create_task(ticker())
    try:
        conn = await coodie.aio.init_coodie(hosts=cluster_hosts(), keyspace=keyspace, name="aio")
    finally:
        task.cancel()
    assert ticks > 1  # the loop kept running while the driver connected
    table = unique("looped")

    class Looped(coodie.aio.Document):
        id: Annotated[int, PrimaryKey()]
        value: str = ""

        class Settings:
            name = table
            connection = "aio"

    try:
        assert get_connection("aio") is conn
        await Looped.sync_table()
        await asyncio.gather(*(Looped(id=i, value=str(i)).save() for i in range(20)))
        assert (await Looped.get(id=7)).value == "7"
        assert len(await Looped.objects().all()) == 20
        assert raw_ids(connection.session, keyspace, table) == set(range(20))
    finally:
        await coodie.aio.close_coodie("aio")
    assert conn.cluster.is_shutdown
    assert get_connection() is connection


# -- using(): one query elsewhere -------------------------------------------------------------


async def test_using_runs_one_query_in_another_keyspace_or_connection(
    api: Api,
    keyspace: str,
    other_keyspace: str,
    connection: Connection,
    registry: dict[str, Connection],
) -> None:
    table = unique("placed")

    class Here(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        n: int = 0

        class Settings:
            name = table

    class There(api.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        n: int = 0

        class Settings:
            name = table
            keyspace = other_keyspace

    await api.wait(Here.sync_table())
    await api.wait(There.sync_table())
    await api.wait(Here(id=1, n=1).save())
    await api.wait(There(id=2, n=2).save())

    elsewhere = Here.objects().using(keyspace=other_keyspace)
    assert [d.id for d in await api.wait(elsewhere.all())] == [2]
    assert await api.wait(elsewhere.count()) == 1
    assert [d.id for d in await api.wait(Here.objects().all())] == [1]  # unchanged
    await api.wait(Here.find(id=2).using(keyspace=other_keyspace).update(n=20))
    assert {
        (r.id, r.n)
        for r in connection.session.execute(f'SELECT id, n FROM "{other_keyspace}"."{table}"')
    } == {(2, 20)}
    await api.wait(Here.find(id=2).using(keyspace=other_keyspace).delete())
    assert raw_ids(connection.session, other_keyspace, table) == set()
    assert raw_ids(connection.session, keyspace, table) == {1}

    # A registered connection whose keyspace is the other one.
    await api.wait(
        api.module.init_coodie(hosts=cluster_hosts(), keyspace=other_keyspace, name="second")
    )
    await api.wait(There(id=3, n=3).save())
    assert [d.id for d in await api.wait(Here.objects().using(connection="second").all())] == [3]

    for bad in ({"keyspace": ""}, {"connection": 5}):
        with pytest.raises(InvalidQuery, match=r"using\("):
            Here.objects().using(**bad)
    with pytest.raises(ConfigurationError, match="no connection named 'nowhere'"):
        await api.wait(Here.objects().using(connection="nowhere").all())
