"""Writes that must not lose data, static columns, sealed paging states, counter batches,
pickled documents and the checks made before I/O (issue 6, C2-C7, C10), on the node."""

from __future__ import annotations

import pickle
import uuid
from datetime import datetime, timezone
from typing import Annotated, Any, Optional

import pytest
from pydantic import Field

import coodie.aio
import coodie.sync
from coodie.connection import Connection
from coodie.exceptions import DefinitionError, InvalidQuery
from coodie.fields import ClusteringKey, PrimaryKey, Static
from tests.integration.conftest import Api
from tests.integration.models import define


@pytest.fixture
async def m(api: Api) -> Any:
    models = define(api.Document)

    class Team(api.Document):  # type: ignore[name-defined,misc]
        org: Annotated[str, PrimaryKey()]
        member: Annotated[str, ClusteringKey()]
        owner: Annotated[str, Static()] = ""
        budget: Annotated[int, Static()] = 0
        role: str = ""

        class Settings:
            name = "core_team"

    models.Team = Team
    for model in (models.Item, models.Hits, Team):
        await api.wait(model.sync_table())
    return models


def shop() -> str:
    return f"s-{uuid.uuid4().hex[:8]}"


def row(connection: Connection, keyspace: str, table: str, where: str, *params: Any) -> Any:
    return connection.session.execute(
        f'SELECT * FROM "{keyspace}".{table} WHERE {where}', params
    ).one()


# -- C2: a string where a collection is expected ---------------------------------------------


@pytest.mark.parametrize(
    ("field", "op"),
    [
        ("tags", "remove"),
        ("labels", "remove"),
        ("stock", "remove"),
        ("tags", "append"),
        ("labels", "add"),
    ],
)
async def test_a_string_for_a_collection_operator_is_refused(
    api: Api, m: Any, connection: Connection, keyspace: str, field: str, op: str
) -> None:
    s = shop()
    item = await api.wait(
        m.Item(shop=s, sku=1, tags=["admin", "a", "d"], labels={"a", "d"}, stock={"a": 1}).save()
    )
    error = await api.raises(InvalidQuery, item.update, **{f"{field}__{op}": "admin"})
    assert f"{field}__{op}: __{op} takes a collection of items for Item.{field}" in str(error)
    assert "not 'admin'" in str(error) and "wrap a single item" in str(error)
    stored = row(connection, keyspace, "crud_item", "shop = %s AND sku = 1", s)
    assert stored.tags == ["admin", "a", "d"] and set(stored.labels) == {"a", "d"}
    assert dict(stored.stock) == {"a": 1}


# -- C3: two writers changing one collection through save() -----------------------------------


async def test_two_writers_appending_through_save_keep_both(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, tags=["a"], labels={"a"}, stock={"a": 1}).save())
    one = await api.wait(m.Item.get(shop=s, sku=1))
    two = await api.wait(m.Item.get(shop=s, sku=1))
    one.tags.append("from-one")
    one.labels.add("from-one")
    one.stock["one"] = 1
    await api.wait(one.save())
    two.tags.append("from-two")
    two.labels.add("from-two")
    two.stock["two"] = 2
    await api.wait(two.save())
    stored = row(connection, keyspace, "crud_item", "shop = %s AND sku = 1", s)
    assert stored.tags == ["a", "from-one", "from-two"]
    assert set(stored.labels) == {"a", "from-one", "from-two"}
    assert dict(stored.stock) == {"a": 1, "one": 1, "two": 2}


async def test_removals_and_prepends_are_sent_as_differences(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    await api.wait(
        m.Item(
            shop=s, sku=1, tags=["b", "x", "c"], labels={"x", "y"}, stock={"x": 1, "y": 2}
        ).save()
    )
    one = await api.wait(m.Item.get(shop=s, sku=1))
    two = await api.wait(m.Item.get(shop=s, sku=1))
    one.tags = ["b", "c"]
    one.labels.discard("x")
    del one.stock["x"]
    await api.wait(one.save())
    two.tags = ["first", *two.tags]
    two.labels.add("z")
    two.stock["y"] = 20
    await api.wait(two.save())
    stored = row(connection, keyspace, "crud_item", "shop = %s AND sku = 1", s)
    assert stored.tags == ["first", "b", "c"]
    assert set(stored.labels) == {"y", "z"}
    assert dict(stored.stock) == {"y": 20}
    # A reordered list cannot be a difference: it is written whole.
    one = await api.wait(m.Item.get(shop=s, sku=1))
    one.tags = ["c", "b", "first"]
    one.labels = set()
    await api.wait(one.save())
    stored = row(connection, keyspace, "crud_item", "shop = %s AND sku = 1", s)
    assert stored.tags == ["c", "b", "first"] and stored.labels is None
    assert await api.wait(m.Item.get(shop=s, sku=1)) == one


# -- C4: static columns alone -------------------------------------------------------------------


async def test_static_columns_change_alone(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    org = shop()
    alice = await api.wait(m.Team(org=org, member="alice", owner="alice", role="dev").save())
    await api.wait(m.Team(org=org, member="bob", role="ops").save())
    alice.owner = "carol"
    await api.wait(alice.save())
    assert (
        row(connection, keyspace, "core_team", "org = %s AND member = 'bob'", org).owner == "carol"
    )
    await api.wait(alice.update(owner="dan", budget=5))
    stored = row(connection, keyspace, "core_team", "org = %s AND member = 'bob'", org)
    assert (stored.owner, stored.budget) == ("dan", 5)
    await api.wait(m.Team.find(org=org).update(owner="erin"))
    assert (
        row(connection, keyspace, "core_team", "org = %s AND member = 'bob'", org).owner == "erin"
    )
    error = await api.raises(InvalidQuery, m.Team.find(org=org, member="bob").update, owner="x")
    assert "static columns only (owner) takes the partition key alone" in str(error)
    # A static and a regular column together still need the whole key.
    error = await api.raises(InvalidQuery, m.Team.find(org=org).update, owner="x", role="y")
    assert "needs every primary key column" in str(error)


# -- C5: paging states sealed to their query ------------------------------------------------------


async def test_paginate_resumes_without_loss_and_refuses_foreign_states(
    api: Api, m: Any, connection: Connection
) -> None:
    s = shop()
    for sku in range(7):
        await api.wait(m.Item(shop=s, sku=sku, name=f"n{sku}").save())
    query = m.Item.find(shop=s)
    seen: list[int] = []
    state = None
    while True:
        page = await api.wait(query.paginate(3, state))
        seen += [i.sku for i in page.items]
        state = page.paging_state
        if state is None:
            break
        # The same query rebuilt elsewhere (another request of a web app) resumes it.
        query = m.Item.find(shop=s)
    assert seen == [6, 5, 4, 3, 2, 1, 0]

    first = await api.wait(m.Item.find(shop=s).paginate(3))
    assert first.paging_state is not None
    for bad in (first.paging_state[:-1] + b"\x00", b"garbage", first.paging_state[5:]):
        error = await api.raises(InvalidQuery, m.Item.find(shop=s).paginate, 3, bad)
        assert "this paging_state was not returned by this query" in str(error)
    other = m.Item.find(shop=shop())
    error = await api.raises(InvalidQuery, other.paginate, 3, first.paging_state)
    assert "comes from a query with other filters" in str(error)
    error = await api.raises(InvalidQuery, m.Item.find(shop=s).paginate, 3, "abc")
    assert "must be the bytes of Page.paging_state" in str(error)
    # Nothing reached the driver: the connection still serves every query at once.
    assert len(await api.wait(m.Item.find(shop=s).all())) == 7
    connection.session.execute("SELECT release_version FROM system.local")


# -- C6: queryset counter updates in batches ------------------------------------------------------


async def test_queryset_counter_update_joins_a_counter_batch_only(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    page = shop()
    batch = api.BatchQuery(batch_type="COUNTER")
    await api.wait(m.Hits.find(page=page).update(views__incr=2, batch=batch))
    await api.wait(m.Hits(page=page).update(likes__incr=1, batch=batch))
    await api.wait(batch.execute())
    stored = row(connection, keyspace, "crud_hits", "page = %s", page)
    assert (stored.views, stored.likes) == (2, 1)
    logged = api.BatchQuery()
    error = await api.raises(
        InvalidQuery, m.Hits.find(page=page).update, views__incr=1, batch=logged
    )
    assert "counter updates (and deletes of counter rows) go in a counter batch" in str(error)
    assert len(logged) == 0
    error = await api.raises(InvalidQuery, m.Hits.find(page=page).update, views__incr=1, ttl=5)
    assert "counter updates take no ttl or timestamp" in str(error)


# -- C7: pickled documents -------------------------------------------------------------------------


class PickledSync(coodie.sync.Document):  # module level: pickle finds classes by name
    shop: Annotated[str, PrimaryKey()]
    sku: Annotated[int, ClusteringKey()]
    name: str = ""
    price: float = 0.0
    tags: list[str] = Field(default_factory=list)
    stock: dict[str, int] = Field(default_factory=dict)
    when: Optional[datetime] = None

    class Settings:
        name = "core_pickled"


class PickledAio(coodie.aio.Document):
    shop: Annotated[str, PrimaryKey()]
    sku: Annotated[int, ClusteringKey()]
    name: str = ""
    price: float = 0.0
    tags: list[str] = Field(default_factory=list)
    stock: dict[str, int] = Field(default_factory=dict)
    when: Optional[datetime] = None

    class Settings:
        name = "core_pickled"


async def test_a_loaded_document_pickles_and_saves_only_its_changes(
    api: Api, connection: Connection, keyspace: str
) -> None:
    model: Any = PickledAio if api.name == "aio" else PickledSync
    await api.wait(model.sync_table())
    s = shop()
    when = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=timezone.utc)
    await api.wait(model(shop=s, sku=1, name="pen", tags=["a"], stock={"x": 1}, when=when).save())
    loaded = await api.wait(model.get(shop=s, sku=1))
    copy = pickle.loads(pickle.dumps(loaded))
    assert copy == loaded and copy.is_loaded
    # Another writer changes the name; the copy changes only its tags.
    connection.session.execute(
        f'UPDATE "{keyspace}".core_pickled SET name = %s WHERE shop = %s AND sku = 1', ("ink", s)
    )
    copy.tags.append("b")
    await api.wait(copy.save())
    stored = row(connection, keyspace, "core_pickled", "shop = %s AND sku = 1", s)
    assert (stored.name, stored.tags, stored.stock) == ("ink", ["a", "b"], {"x": 1})
    partial = await api.wait(model.find(shop=s).only("price").first())
    assert pickle.loads(pickle.dumps(partial)) == partial
    fresh = model(shop=s, sku=2)
    assert not pickle.loads(pickle.dumps(fresh)).is_loaded


# -- C10: checked before any I/O -------------------------------------------------------------


async def test_bad_options_fail_before_io(api: Api, m: Any) -> None:
    item = m.Item(shop=shop(), sku=1)
    for bad in ("1", -1, 0, True):
        error = await api.raises(InvalidQuery, item.save, timeout=bad)
        assert f"timeout must be a positive number of seconds, not {bad!r}" in str(error)
    with pytest.raises(InvalidQuery, match="timeout must be a positive number"):
        m.Item.find(shop="x").timeout("soon")
    with pytest.raises(InvalidQuery, match="timeout must be a positive number"):
        api.BatchQuery(timeout="1s")
    for ts in (2**63, -(2**63)):
        error = await api.raises(InvalidQuery, item.save, timestamp=ts)
        assert "outside the range Cassandra accepts" in str(error)
    assert not item.is_loaded


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("name__in: str = ''", "a field name cannot end in __in"),
        ("total__incr: int = 0", "a field name cannot end in __incr"),
        ("update: int = 0", "the field would hide Document.update()"),
        ("delete: int = 0", "the field would hide Document.delete()"),
    ],
)
async def test_field_names_that_would_be_misread_are_refused(
    api: Api, body: str, message: str
) -> None:
    source = f"class Bad(Document):\n    id: Annotated[int, PrimaryKey()]\n    {body}\n"
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        exec(source, {"Document": api.Document, "Annotated": Annotated, "PrimaryKey": PrimaryKey})


async def test_plain_fields_near_reserved_names_are_fine(api: Api) -> None:
    class Fine(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        update_count: int = 0
        items_in: list[int] = Field(default_factory=list)

    assert Fine(id=1).update_count == 0


# -- found by trying to break it ----------------------------------------------------------------


async def test_a_new_document_over_an_old_row_then_appended_matches_the_table(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, tags=["old", "old"], labels={"old"}).save())
    fresh = await api.wait(m.Item(shop=s, sku=1, name="fresh").save())  # collections unset
    fresh.tags.append("new")
    fresh.labels.add("new")
    await api.wait(fresh.save())
    stored = row(connection, keyspace, "crud_item", "shop = %s AND sku = 1", s)
    assert (stored.tags, set(stored.labels)) == (["new"], {"new"})
    assert await api.wait(m.Item.get(shop=s, sku=1)) == fresh


async def test_a_second_save_of_a_document_in_one_batch_is_refused(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1, tags=["a"]).save())
    batch = api.BatchQuery()
    item.tags.append("b")
    await api.wait(item.save(batch=batch))
    item.tags.append("c")
    error = await api.raises(InvalidQuery, item.save, batch=batch)
    assert "already has a write in this batch" in str(error)
    await api.wait(batch.execute())
    assert row(connection, keyspace, "crud_item", "shop = %s AND sku = 1", s).tags == ["a", "b"]


async def test_removing_floats_writes_the_list_whole(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    class Floats(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[str, PrimaryKey()]
        xs: list[float] = Field(default_factory=list)

        class Settings:
            name = "core_floats"

    await api.wait(Floats.sync_table())
    key = shop()
    await api.wait(Floats(id=key, xs=[1.0, 0.0, -0.0]).save())
    doc = await api.wait(Floats.get(id=key))
    doc.xs = [1.0]  # 0.0 == -0.0 for Python: a removal of 0.0 would leave -0.0
    await api.wait(doc.save())
    assert row(connection, keyspace, "core_floats", "id = %s", key).xs == [1.0]


async def test_timestamps_changed_in_place_are_truncated_on_save(api: Api) -> None:
    class Times(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[str, PrimaryKey()]
        at: dict[datetime, str] = Field(default_factory=dict)

        class Settings:
            name = "core_times"

    await api.wait(Times.sync_table())
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    doc = await api.wait(Times(id=shop(), at={t: "a"}).save())
    doc.at[t.replace(microsecond=5)] = "b"  # the same millisecond as t
    await api.wait(doc.save())
    assert doc.at == {t: "b"}
    assert await api.wait(Times.get(id=doc.id)) == doc


async def test_loose_option_values_are_refused(api: Api, m: Any) -> None:
    item = await api.wait(m.Item(shop=shop(), sku=1).save())
    error = await api.raises(InvalidQuery, item.update, name="x", if_exists="no")
    assert "if_exists takes True or False, not 'no'" in str(error)
    error = await api.raises(InvalidQuery, item.save, batch="x")
    assert "batch= takes a BatchQuery, not 'x'" in str(error)
    error = await api.raises(InvalidQuery, m.Hits(page="p").update, views__incr=True)
    assert "views__incr: __incr takes a whole number, not True" in str(error)
    error = await api.raises(InvalidQuery, item.update, labels__remove={"a": 1})
    assert "takes a list or set, not a dict" in str(error)
    with pytest.raises(InvalidQuery, match="__in takes a list or tuple of values, not a dict"):
        m.Item.find(shop__in={"a": 1})
    error = await api.raises(Exception, item.save, consistency="QUOROM")
    assert "unknown consistency level 'QUOROM'" in str(error)


async def test_counter_rows_are_deleted_in_counter_batches_only(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    page = shop()
    await api.wait(m.Hits(page=page).update(views__incr=3))
    logged = api.BatchQuery()
    error = await api.raises(InvalidQuery, m.Hits(page=page).delete, batch=logged)
    assert "go in a counter batch" in str(error)
    counters = api.BatchQuery(batch_type="COUNTER")
    await api.wait(m.Hits.find(page=page).delete(batch=counters))
    await api.wait(counters.execute())
    assert row(connection, keyspace, "crud_hits", "page = %s", page) is None


async def test_paging_states_resist_forgery_and_set_order(api: Api, m: Any) -> None:
    import hashlib

    from coodie import query

    s = shop()
    for sku in range(5):
        await api.wait(m.Item(shop=s, sku=sku).save())
    first = await api.wait(m.Item.find(shop=s).paginate(2))
    state = first.paging_state[18:]
    # Resealed without the secret key: refused before anything is sent.
    _, request = m.Item.find(shop=s)._request(None, 2)
    forged = b"c1" + hashlib.blake2b(query._seal_key(request) + b"junk", digest_size=16).digest()
    error = await api.raises(InvalidQuery, m.Item.find(shop=s).paginate, 2, forged + b"junk")
    assert "was not returned by this query" in str(error)
    assert len(state) > 0
    # __in from a set: one order whatever the hash seed.
    shops = {s, shop(), shop()}
    one = m.Item.find(shop__in=shops).spec.conditions[0].value
    assert one == sorted(one, key=repr)


# -- C8: a cell the model cannot read -------------------------------------------------------------


async def test_an_unreadable_cell_names_model_field_and_row(
    api: Api, connection: Connection, keyspace: str
) -> None:
    import enum
    from datetime import timedelta

    from coodie.exceptions import UnreadableRow

    class Color(enum.Enum):
        RED = "red"

    class Paint(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[str, PrimaryKey()]
        color: Optional[Color] = None
        dry: Optional[timedelta] = None

        class Settings:
            name = "core_paint"

    await api.wait(Paint.sync_table())
    key = shop()
    connection.session.execute(
        f"INSERT INTO \"{keyspace}\".core_paint (id, color) VALUES (%s, 'mauve')", (key,)
    )
    reads = (
        lambda: Paint.get(id=key),
        lambda: Paint.find(id=key).all(),
        lambda: api.collect(Paint.find(id=key)),
    )
    for read in reads:
        with pytest.raises(UnreadableRow) as info:
            await api.wait(read())
        assert str(info.value).startswith(
            f"Paint.color: cannot read 'mauve' from column color (text) of the row with "
            f"id={key!r}: 'mauve' is not a valid "
        )
        assert "widen the field's type" in str(info.value)
    connection.session.execute(
        f"UPDATE \"{keyspace}\".core_paint SET color = 'red', dry = 1mo2d WHERE id = %s", (key,)
    )
    error = await api.raises(UnreadableRow, Paint.get, id=key)
    assert "Paint.dry: cannot read" in str(error) and "month part" in str(error)
