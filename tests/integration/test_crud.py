"""Writes and reads of single documents, observed in the table itself."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import pydantic
import pytest

from coodie.connection import Connection
from coodie.exceptions import (
    DocumentNotFound,
    InvalidQuery,
    LWTFailed,
    MultipleDocumentsFound,
    ValidationError,
)
from tests.integration.conftest import Api
from tests.integration.models import define


@pytest.fixture
async def m(api: Api) -> Any:
    models = define(api.Document)
    for model in (models.Item, models.Pair, models.Hits):
        await api.wait(model.sync_table())
    return models


def shop() -> str:
    return f"shop-{uuid.uuid4().hex[:8]}"


def raw(connection: Connection, keyspace: str, cql: str, *params: Any) -> Any:
    return connection.session.execute(cql.replace("KS", keyspace), params).one()


def tombstones(connection: Connection, keyspace: str, shop_: str) -> int:
    """Tombstone cells Cassandra reports reading for a partition (from query tracing)."""
    rs = connection.session.execute(
        f'SELECT * FROM "{keyspace}".crud_item WHERE shop = %s', (shop_,), trace=True
    )
    trace = rs.get_query_trace(max_wait_sec=10)
    found = [e.description for e in trace.events if "tombstone" in e.description]
    assert found, [e.description for e in trace.events]
    return sum(int(d.split(" and ")[1].split()[0]) for d in found if " and " in d)


async def test_save_new_writes_set_columns_without_tombstones(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, name="pen").save())
    row = raw(connection, keyspace, "SELECT * FROM KS.crud_item WHERE shop=%s AND sku=1", s)
    assert row.name == "pen" and row.note is None and row.tags is None
    assert tombstones(connection, keyspace, s) == 0
    # The check can fail: a plain INSERT binding nulls leaves tombstones.
    connection.session.execute(
        f'INSERT INTO "{keyspace}".crud_item (shop, sku, note, tags) VALUES (%s, 2, null, null)',
        (s,),
    )
    assert tombstones(connection, keyspace, s) > 0


async def test_get_round_trip_and_not_found(api: Api, m: Any) -> None:
    s = shop()
    item = m.Item(
        shop=s, sku=7, name="ink", price=2.5, tags=["a", "b"], labels={"x"}, stock={"eu": 3}
    )
    await api.wait(item.save())
    back = await api.wait(m.Item.get(shop=s, sku=7))
    assert back == item
    assert back.created.tzinfo is timezone.utc
    err = await api.raises(DocumentNotFound, m.Item.get, shop=s, sku=8)
    assert "Item" in str(err) and "sku=8" in str(err)
    assert await api.wait(m.Item.find_one(shop=s, sku=8)) is None


async def test_loaded_save_writes_only_changed_columns(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, name="pen", price=1.0).save(timestamp=1_000))
    item = await api.wait(m.Item.get(shop=s, sku=1))
    item.price = 3.0
    await api.wait(item.save(timestamp=2_000))
    row = raw(
        connection,
        keyspace,
        "SELECT price, writetime(price) AS wp, writetime(name) AS wn FROM KS.crud_item "
        "WHERE shop=%s AND sku=1",
        s,
    )
    assert (row.price, row.wp, row.wn) == (3.0, 2_000, 1_000)
    # Nothing changed: nothing is written.
    await api.wait(item.save(timestamp=3_000))
    again = raw(
        connection, keyspace, "SELECT writetime(price) AS wp FROM KS.crud_item WHERE shop=%s", s
    )
    assert again.wp == 2_000


async def test_in_place_collection_change_is_saved(api: Api, m: Any) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, tags=["a"]).save())
    item = await api.wait(m.Item.get(shop=s, sku=1))
    item.tags.append("b")
    item.stock["eu"] = 5
    await api.wait(item.save())
    back = await api.wait(m.Item.get(shop=s, sku=1))
    assert back.tags == ["a", "b"] and back.stock == {"eu": 5}


async def test_none_deletes_a_cell(api: Api, m: Any) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, note="keep?").save())
    item = await api.wait(m.Item.get(shop=s, sku=1))
    item.note = None
    await api.wait(item.save())
    assert (await api.wait(m.Item.get(shop=s, sku=1))).note is None


async def test_only_and_defer_never_erase_unloaded_columns(api: Api, m: Any) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, name="pen", price=1.5, tags=["t"], note="n").save())
    partial = (await api.wait(m.Item.find(shop=s).only("price").all()))[0]
    assert partial.price == 1.5 and partial.name is None
    partial.price = 9.0
    await api.wait(partial.save())
    deferred = (await api.wait(m.Item.find(shop=s).defer("tags", "note").all()))[0]
    deferred.name = "marker"
    await api.wait(deferred.save())
    back = await api.wait(m.Item.get(shop=s, sku=1))
    assert (back.name, back.price, back.tags, back.note) == ("marker", 9.0, ["t"], "n")


async def test_insert_if_not_exists_reports_existing_row(api: Api, m: Any) -> None:
    s = shop()
    first = m.Item(shop=s, sku=1, name="first")
    result = await api.wait(first.insert())
    assert result.applied and result and result.existing is None
    second = m.Item(shop=s, sku=1, name="second")
    result = await api.wait(second.insert())
    assert not result.applied and not result
    assert result.existing == first
    assert (await api.wait(m.Item.get(shop=s, sku=1))).name == "first"


async def test_update_validates_and_persists(api: Api, m: Any) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1, name="pen").save())
    await api.wait(item.update(name="pencil", price="2.5"))
    assert item.price == 2.5
    back = await api.wait(m.Item.get(shop=s, sku=1))
    assert (back.name, back.price) == ("pencil", 2.5)
    err = await api.raises(ValidationError, item.update, price="cheap")
    assert "Item.price" in str(err) and err.errors()
    err = await api.raises(ValidationError, item.update, nmae="x")
    assert "did you mean 'name'" in str(err)
    err = await api.raises(InvalidQuery, item.update, sku=2)
    assert "primary key" in str(err)
    assert (await api.wait(m.Item.get(shop=s, sku=1))).price == 2.5


async def test_update_collection_operations(api: Api, m: Any) -> None:
    s = shop()
    item = await api.wait(
        m.Item(shop=s, sku=1, tags=["b"], labels={"x", "y"}, stock={"eu": 1, "us": 2}).save()
    )
    await api.wait(
        item.update(tags__append=["c"], labels__remove={"x"}, stock__add={"asia": 3}, note="n")
    )
    await api.wait(item.update(tags__prepend=["a"], stock__remove={"us"}, labels__add={"z"}))
    back = await api.wait(m.Item.get(shop=s, sku=1))
    assert back.tags == ["a", "b", "c"]
    assert back.labels == {"y", "z"}
    assert back.stock == {"eu": 1, "asia": 3}
    assert (item.tags, item.labels, item.stock) == (back.tags, back.labels, back.stock)


async def test_update_if_exists(api: Api, m: Any) -> None:
    ghost = m.Item(shop=shop(), sku=1)
    err = await api.raises(LWTFailed, ghost.update, name="x", if_exists=True)
    assert "not applied" in str(err)
    # Rows changed by LWTs are written by LWTs too: a plain write right before a
    # conditional one may carry a later (client-side) timestamp and shadow it.
    real = m.Item(shop=shop(), sku=1)
    assert (await api.wait(real.insert())).applied
    await api.wait(real.update(name="y", if_exists=True))
    assert (await api.wait(m.Item.get(shop=real.shop, sku=1))).name == "y"


async def test_counters(api: Api, m: Any) -> None:
    page = shop()
    hits = m.Hits(page=page)
    await api.wait(hits.update(views__incr=3))
    await api.wait(hits.update(views__incr=2, likes__incr=1))
    await api.wait(hits.update(likes__decr=1))
    back = await api.wait(m.Hits.get(page=page))
    assert (back.views, back.likes) == (5, 0)
    err = await api.raises(InvalidQuery, m.Hits(page=page).save)
    assert "counter" in str(err)


async def test_delete(api: Api, m: Any) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1).save())
    await api.wait(item.delete())
    await api.raises(DocumentNotFound, m.Item.get, shop=s, sku=1)
    assert not item.is_loaded


async def test_create_and_get_with_partial_key(api: Api, m: Any) -> None:
    s = shop()
    made = await api.wait(m.Item.create(shop=s, sku=1, name="a"))
    assert made.is_loaded
    await api.wait(m.Item.create(shop=s, sku=2, name="b"))
    err = await api.raises(MultipleDocumentsFound, m.Item.get, shop=s)
    assert "more than one" in str(err)
    one = await api.wait(m.Item.get(shop=s, name="b"))
    assert one.sku == 2


async def test_ttl_and_timestamp(api: Api, m: Any, connection: Connection, keyspace: str) -> None:
    s = shop()
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    await api.wait(m.Item(shop=s, sku=1, name="tmp").save(ttl=300, timestamp=when))
    row = raw(
        connection,
        keyspace,
        "SELECT ttl(name) AS t, writetime(name) AS w FROM KS.crud_item WHERE shop=%s",
        s,
    )
    assert 0 < row.t <= 300
    assert row.w == int(when.timestamp() * 1_000_000)
    await api.raises(InvalidQuery, m.Item(shop=s, sku=2).save, ttl=-1)


async def test_bad_input_fails_before_io(api: Api, m: Any) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        m.Item(shop="s", sku="not a number")
    assert "sku" in str(info.value)
    with pytest.raises(pydantic.ValidationError) as info:
        m.Item(shop="s", sku=1, colour="red")
    assert "colour" in str(info.value)
    with pytest.raises(pydantic.ValidationError) as info:
        m.Item(sku=1)  # missing primary key value
    assert "shop" in str(info.value)
    item = m.Item(shop="s", sku=1)
    with pytest.raises(pydantic.ValidationError):
        item.price = "expensive"  # assignment is validated too
    err = await api.raises(ValidationError, m.Item.get, shop="s", sku="x")
    assert "Item.sku" in str(err)
    with pytest.raises(pydantic.ValidationError) as info:
        m.Pair(a="a", b=2**40, c=0, d=0)  # outside CQL int: refused by pydantic itself
    assert info.value.errors()[0]["loc"] == ("b",)
    # coodie's own check stays as a second line, for a value that skipped validation.
    unchecked = m.Pair.model_construct(a="a", b=2**40, c=0, d=0)
    err = await api.raises(ValidationError, unchecked.save)
    assert "Pair.b" in str(err) and "range" in str(err)


async def test_consistency_and_timeout_options(api: Api, m: Any) -> None:
    s = shop()
    item = m.Item(shop=s, sku=1)
    await api.wait(item.save(consistency="ONE", timeout=5))
    await api.wait(item.update(name="x", consistency="LOCAL_ONE"))
    found = await api.wait(m.Item.find(shop=s).consistency("ONE").timeout(5).all())
    assert [f.name for f in found] == ["x"]


async def test_save_on_a_document_with_a_timestamp_key_updates_in_place(
    api: Api, m: Any, keyspace: str, connection: Connection
) -> None:
    # ArgusTestRun-shaped: a datetime clustering key. Loaded + changed must UPDATE,
    # and a field set to None must delete its cell.
    models = _timestamp_keyed(api)
    await api.wait(models.sync_table())
    start = datetime(2025, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)
    await api.wait(models(build="b", start=start, note="x", status="created").save(timestamp=10))
    run = await api.wait(models.get(build="b", start=start))
    run.note = None
    run.status = "running"
    await api.wait(run.save(timestamp=20))
    row = connection.session.execute(
        f'SELECT note, status, writetime(status) AS ws FROM "{keyspace}".ts_keyed '
        "WHERE build = 'b'"
    ).one()
    assert (row.note, row.status, row.ws) == (None, "running", 20)


def _timestamp_keyed(api: Api) -> Any:
    from typing import Annotated, Optional

    from coodie.fields import ClusteringKey, PrimaryKey

    class TsKeyed(api.Document):  # type: ignore[name-defined,misc]
        build: Annotated[str, PrimaryKey()]
        start: Annotated[datetime, ClusteringKey(order="DESC")]
        note: Optional[str] = None
        status: str = "created"

        class Settings:
            name = "ts_keyed"

    return TsKeyed


async def test_failed_batch_leaves_documents_unsaved(api: Api, m: Any) -> None:
    s = shop()
    item = m.Item(shop=s, sku=1, name="queued")
    with pytest.raises(RuntimeError):
        if api.name == "aio":
            async with api.BatchQuery() as batch:
                await item.save(batch=batch)
                raise RuntimeError("abort")
        else:
            with api.BatchQuery() as batch:
                item.save(batch=batch)
                raise RuntimeError("abort")
    assert not item.is_loaded
    await api.wait(item.save())  # the retry really writes
    assert (await api.wait(m.Item.get(shop=s, sku=1))).name == "queued"


async def test_null_cells_read_as_the_field_promises(
    api: Api, m: Any, keyspace: str, connection: Connection
) -> None:
    s = shop()
    connection.session.execute(
        f'INSERT INTO "{keyspace}".crud_item (shop, sku) VALUES (%s, 1)', (s,)
    )
    item = await api.wait(m.Item.get(shop=s, sku=1))
    # Non-Optional fields read their plain default or an empty collection; Optional
    # fields read None; a default_factory is never called to invent a value.
    assert (item.name, item.price, item.note, item.tags, item.stock) == ("", 0.0, None, [], {})
    assert item.created is None
    hits = m.Hits(page=s)
    await api.wait(hits.update(views__incr=1))
    assert (await api.wait(m.Hits.get(page=s))).likes == 0  # a never-touched counter
    await api.wait(item.save())  # nothing changed: nothing is written


async def test_delete_if_exists(api: Api, m: Any) -> None:
    item = m.Item(shop=shop(), sku=1)
    err = await api.raises(LWTFailed, item.delete, if_exists=True)
    assert "does not exist" in str(err)
    assert (await api.wait(item.insert())).applied
    await api.wait(item.delete(if_exists=True))
    await api.raises(DocumentNotFound, m.Item.get, shop=item.shop, sku=1)


async def test_failed_conditional_update_leaves_the_document_unchanged(api: Api, m: Any) -> None:
    ghost = m.Item(shop=shop(), sku=1, name="before")
    await api.raises(LWTFailed, ghost.update, name="after", if_exists=True)
    assert ghost.name == "before"


async def test_collection_change_on_an_unloaded_field_never_overwrites_it(api: Api, m: Any) -> None:
    s = shop()
    await api.wait(m.Item(shop=s, sku=1, tags=["x"], name="n").save())
    partial = await api.wait(m.Item.find(shop=s).only("name").first())
    await api.wait(partial.update(tags__append=["y"]))
    assert partial.tags is None  # only the change is known, not the whole list
    partial.name = "renamed"
    await api.wait(partial.save())
    fresh = m.Item(shop=s, sku=1)  # never loaded
    await api.wait(fresh.update(tags__append=["z"]))
    fresh.note = "n2"
    await api.wait(fresh.save())
    back = await api.wait(m.Item.get(shop=s, sku=1))
    assert (back.tags, back.name, back.note) == (["x", "y", "z"], "renamed", "n2")


async def test_batched_update_records_the_value_it_queued(api: Api, m: Any) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1, name="a").save())
    if api.name == "aio":
        async with api.BatchQuery() as batch:
            await item.update(name="b", batch=batch)
            assert item.name == "a"  # nothing applied yet
    else:
        with api.BatchQuery() as batch:
            item.update(name="b", batch=batch)
            assert item.name == "a"
    assert item.name == "b"
    item.name = "c"
    await api.wait(item.save())
    assert (await api.wait(m.Item.get(shop=s, sku=1))).name == "c"


async def test_update_enforces_field_constraints_and_validators(api: Api) -> None:
    from typing import Annotated

    from pydantic import Field, field_validator

    from coodie.fields import PrimaryKey

    class Strict(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        name: Annotated[str, Field(max_length=5)] = ""
        qty: Annotated[int, Field(ge=0)] = 0

        @field_validator("name")
        @classmethod
        def not_bad(cls, value: str) -> str:
            if value == "bad":
                raise ValueError("bad name")
            return value

        class Settings:
            name = "crud_strict"

    await api.wait(Strict.sync_table())
    doc = await api.wait(Strict(id=1).save())
    for change, words in (
        ({"name": "waytoolong"}, "at most 5"),
        ({"qty": -5}, "greater than or equal to 0"),
        ({"name": "bad"}, "bad name"),
    ):
        err = await api.raises(ValidationError, doc.update, **change)
        assert "Strict." in str(err) and words in str(err)
        assert err.errors()
    await api.wait(doc.update(name="ok", qty=3))
    assert (await api.wait(Strict.get(id=1))).qty == 3


async def test_count_honours_limit(api: Api, m: Any) -> None:
    s = shop()
    for sku in range(5):
        await api.wait(m.Item(shop=s, sku=sku).save())
    assert await api.wait(m.Item.find(shop=s).limit(3).count()) == 3
    assert await api.wait(m.Item.find(shop=s).count()) == 5
    await api.raises(InvalidQuery, m.Item.find(shop=s).per_partition_limit(1).count)


async def test_counter_rules_fail_before_io(api: Api, m: Any) -> None:
    page = shop()
    hits = m.Hits(page=page)
    await api.raises(InvalidQuery, hits.insert)
    err = await api.raises(InvalidQuery, hits.update, views__incr=1, ttl=60)
    assert "no ttl or timestamp" in str(err)
    logged = api.BatchQuery()
    err = await api.raises(InvalidQuery, hits.update, views__incr=1, batch=logged)
    assert "counter batch" in str(err)
    counters = api.BatchQuery("COUNTER")
    err = await api.raises(InvalidQuery, m.Item(shop=page, sku=1).save, batch=counters)
    assert "a COUNTER batch takes only counter updates" in str(err)
    assert hits.views == 0  # nothing was applied


async def test_empty_collection_is_not_rewritten(
    api: Api, m: Any, keyspace: str, connection: Connection
) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1, tags=[]).save(timestamp=100))
    item.name = "changed"
    await api.wait(item.save(timestamp=200))
    row = raw(
        connection,
        keyspace,
        "SELECT writetime(name) AS wn FROM KS.crud_item WHERE shop=%s AND sku=1",
        s,
    )
    assert row.wn == 200
    assert tombstones(connection, keyspace, s) == 0  # tags=[] was never written as null
