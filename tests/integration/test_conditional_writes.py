"""Conditional writes on column values (``if_conditions``) for documents and querysets,
observed on the node (issue 6, B3)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from coodie.connection import Connection
from coodie.exceptions import InvalidQuery, LWTFailed
from tests.integration.conftest import Api
from tests.integration.models import define


@pytest.fixture
async def m(api: Api) -> Any:
    models = define(api.Document)
    await api.wait(models.Item.sync_table())
    return models


def shop() -> str:
    return f"c-{uuid.uuid4().hex[:8]}"


def stored(connection: Connection, keyspace: str, shop_: str, sku: int = 1) -> Any:
    return connection.session.execute(
        f'SELECT * FROM "{keyspace}".crud_item WHERE shop = %s AND sku = %s', (shop_, sku)
    ).one()


async def test_update_applies_only_when_the_conditions_hold(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1, name="pen", price=2.0, tags=["a"]).save())
    await api.wait(item.update(price=3.0, if_conditions={"name": "pen", "price__lt": 2.5}))
    assert stored(connection, keyspace, s).price == 3.0 and item.price == 3.0
    error = await api.raises(
        LWTFailed, item.update, name="ink", if_conditions={"name": "cap", "note": None}
    )
    assert str(error) == "Item.update() was not applied: the row holds name='pen', note=None"
    assert error.existing.name == "pen" and error.existing.note is None
    assert item.name == "pen" and stored(connection, keyspace, s).name == "pen"
    # A whole-collection condition, __in and __ne.
    await api.wait(
        item.update(
            note="x", if_conditions={"tags": ["a"], "name__in": ["pen", "cap"], "price__ne": 0.0}
        )
    )
    assert stored(connection, keyspace, s).note == "x"


async def test_conditions_on_a_missing_row_say_so(api: Api, m: Any) -> None:
    ghost = m.Item(shop=shop(), sku=1)
    error = await api.raises(LWTFailed, ghost.update, name="x", if_conditions={"name": ""})
    assert "the row does not exist" in str(error) and error.existing is None
    assert not ghost.is_loaded


async def test_conditional_delete_on_documents_and_querysets(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    item = await api.wait(m.Item(shop=s, sku=1, name="pen").save())
    error = await api.raises(LWTFailed, item.delete, if_conditions={"name": "ink"})
    assert error.existing.name == "pen" and stored(connection, keyspace, s) is not None
    await api.wait(item.delete(if_conditions={"name": "pen"}))
    assert stored(connection, keyspace, s) is None and not item.is_loaded
    await api.wait(m.Item(shop=s, sku=2, name="cap").save())
    error = await api.raises(
        LWTFailed, m.Item.find(shop=s, sku=2).delete, if_conditions={"name": "pen"}
    )
    assert "the row holds name='cap'" in str(error)
    await api.wait(m.Item.find(shop=s, sku=2).update(name="hat", if_conditions={"name": "cap"}))
    assert stored(connection, keyspace, s, 2).name == "hat"
    await api.wait(m.Item.find(shop=s, sku=2).delete(if_exists=True))
    assert stored(connection, keyspace, s, 2) is None


async def test_bad_conditions_fail_before_io(api: Api, m: Any) -> None:
    item = m.Item(shop=shop(), sku=1)
    cases = [
        ({"sku": 1}, "is part of the primary key"),
        ({"name__contains": "x"}, "conditions use =, __ne, __gt"),
        ({"nmae": "x"}, "did you mean 'name'?"),
        ({}, "if_conditions takes a non-empty dict"),
        ({"tags__gt": ["a"]}, "compares only with = or __ne"),
    ]
    for conditions, message in cases:
        error = await api.raises(InvalidQuery, item.update, name="x", if_conditions=conditions)
        assert message in str(error)
    error = await api.raises(
        InvalidQuery, item.update, name="x", if_exists=True, if_conditions={"name": "y"}
    )
    assert "not both" in str(error)
    error = await api.raises(
        InvalidQuery, item.update, name="x", if_conditions={"name": "y"}, timestamp=1
    )
    assert "takes no timestamp" in str(error)
    error = await api.raises(
        InvalidQuery,
        m.Item.find(shop__in=["a", "b"], sku=1).update,
        name="x",
        if_conditions={"name": "y"},
    )
    assert "restrict its key with = only" in str(error)
    assert not item.is_loaded


async def test_a_null_cell_is_reported_as_none_not_as_the_default(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    connection.session.execute(
        f'INSERT INTO "{keyspace}".crud_item (shop, sku) VALUES (%s, 1)', (s,)
    )
    item = await api.wait(m.Item.get(shop=s, sku=1))
    assert item.name == ""  # a null cell reads as the field's default
    error = await api.raises(LWTFailed, item.update, price=1.0, if_conditions={"name": ""})
    assert "the row holds name=None" in str(error)
    await api.wait(item.update(price=1.0, if_conditions={"name": None}))
    assert stored(connection, keyspace, s).price == 1.0


async def test_a_batch_with_conditions_applies_all_or_nothing(
    api: Api, m: Any, connection: Connection, keyspace: str
) -> None:
    s = shop()
    pen = await api.wait(m.Item(shop=s, sku=1, name="pen").save())
    cap = m.Item(shop=s, sku=2, name="cap")

    async def run(batch: Any) -> None:
        if api.name == "aio":
            async with batch:
                await api.wait(pen.update(name="ink", batch=batch, if_conditions={"name": "pen"}))
                await api.wait(cap.insert(batch=batch))
        else:
            with batch:
                pen.update(name="ink", batch=batch, if_conditions={"name": "pen"})
                cap.insert(batch=batch)

    await run(api.BatchQuery())
    assert stored(connection, keyspace, s).name == "ink" and pen.name == "ink"
    assert stored(connection, keyspace, s, 2).name == "cap" and cap.is_loaded
    # The condition no longer holds: nothing of the batch lands, and it says why.
    late = m.Item(shop=s, sku=3, name="late")
    batch = api.BatchQuery()
    await api.wait(pen.update(name="gel", batch=batch, if_conditions={"name": "pen"}))
    await api.wait(late.save(batch=batch))
    error = await api.raises(LWTFailed, batch.execute)
    assert error.row is not None and error.row["[applied]"] is False
    assert "was not applied" in str(error)
    assert stored(connection, keyspace, s).name == "ink" and pen.name == "ink"
    assert stored(connection, keyspace, s, 3) is None and not late.is_loaded
