"""BatchQuery: nothing is sent until a clean exit; then every write lands at once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from coodie.exceptions import InvalidQuery
from tests.integration.conftest import Api
from tests.integration.models import define


@pytest.fixture
async def m(api: Api) -> Any:
    models = define(api.Document)
    for model in (models.Item, models.Hits):
        await api.wait(model.sync_table())
    return models


async def run_batch(api: Api, batch: Any, body: Any, *, fail: bool = False) -> None:
    """Run ``body(batch)`` inside the front's own ``with``/``async with`` block."""
    if api.name == "aio":
        async with batch:
            await body(batch)
            if fail:
                raise RuntimeError("boom")
    else:
        with batch:
            await body(batch)
            if fail:
                raise RuntimeError("boom")


async def test_logged_batch_writes_everything_on_exit(api: Api, m: Any) -> None:
    shop = f"b-{uuid.uuid4().hex[:8]}"
    existing = await api.wait(m.Item(shop=shop, sku=99, name="old").save())

    async def body(batch: Any) -> None:
        for sku in range(10):
            await api.wait(m.Item(shop=shop, sku=sku, name=f"n{sku}").save(batch=batch))
        await api.wait(existing.update(name="new", batch=batch))
        assert len(batch) == 11
        assert await api.wait(m.Item.find(shop=shop).count()) == 1  # nothing sent yet

    await run_batch(api, api.BatchQuery(), body)
    rows = await api.wait(m.Item.find(shop=shop).all())
    assert sorted(r.sku for r in rows) == [*range(10), 99]
    assert (await api.wait(m.Item.get(shop=shop, sku=99))).name == "new"


async def test_exception_sends_nothing(api: Api, m: Any) -> None:
    shop = f"b-{uuid.uuid4().hex[:8]}"

    async def body(batch: Any) -> None:
        await api.wait(m.Item(shop=shop, sku=1).save(batch=batch))

    with pytest.raises(RuntimeError, match="boom"):
        await run_batch(api, api.BatchQuery(), body, fail=True)
    assert await api.wait(m.Item.find(shop=shop).count()) == 0


async def test_unlogged_batch_and_delete(api: Api, m: Any) -> None:
    shop = f"b-{uuid.uuid4().hex[:8]}"
    doomed = await api.wait(m.Item(shop=shop, sku=5).save())

    async def body(batch: Any) -> None:
        await api.wait(m.Item(shop=shop, sku=1).save(batch=batch, ttl=600))
        await api.wait(doomed.delete(batch=batch))

    await run_batch(api, api.BatchQuery("UNLOGGED"), body)
    rows = await api.wait(m.Item.find(shop=shop).values_list("sku", flat=True).all())
    assert rows == [1]


async def test_counter_batch(api: Api, m: Any) -> None:
    page = f"p-{uuid.uuid4().hex[:8]}"

    async def body(batch: Any) -> None:
        for _ in range(3):
            await api.wait(m.Hits(page=page).update(views__incr=2, batch=batch))

    await run_batch(api, api.BatchQuery(batch_type="COUNTER"), body)
    assert (await api.wait(m.Hits.get(page=page))).views == 6


async def test_batch_misuse_fails_before_io(api: Api, m: Any) -> None:
    batch = api.BatchQuery(consistency="ONE")
    item = m.Item(shop="x", sku=1)
    err = await api.raises(InvalidQuery, item.save, batch=batch, consistency="ALL")
    assert "BatchQuery(consistency" in str(err)
    await api.wait(batch.execute())  # an empty batch sends nothing
    err = await api.raises(InvalidQuery, batch.execute)
    assert "already executed" in str(err)
    with pytest.raises(InvalidQuery, match="batch_type"):
        api.BatchQuery("SOMETIMES")
