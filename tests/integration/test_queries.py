"""Querysets against the real node: operators, paging, ordering, projections."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from coodie import Token
from coodie.exceptions import InvalidQuery
from tests.integration.conftest import Api
from tests.integration.models import define


@pytest.fixture
async def m(api: Api) -> Any:
    models = define(api.Document)
    for model in (models.Item, models.Pair):
        await api.wait(model.sync_table())
    return models


async def stock(api: Api, m: Any, n: int, **extra: Any) -> str:
    """A fresh partition of ``n`` items (sku 0..n-1) and its key."""
    shop = f"q-{uuid.uuid4().hex[:8]}"
    for sku in range(n):
        fields = {"name": f"item{sku}", "price": float(sku), "tags": [f"t{sku % 3}"], **extra}
        await api.wait(m.Item(shop=shop, sku=sku, **fields).save())
    return shop


async def test_clustering_ranges_and_in(api: Api, m: Any) -> None:
    shop = await stock(api, m, 10)
    found = await api.wait(m.Item.find(shop=shop, sku__gte=3, sku__lt=6).all())
    assert [i.sku for i in found] == [5, 4, 3]  # DESC clustering
    found = await api.wait(m.Item.find(shop=shop, sku__in=[1, 8, 4]).all())
    assert [i.sku for i in found] == [8, 4, 1]
    found = await api.wait(m.Item.find(shop=shop, sku__gt=7).all())
    assert [i.sku for i in found] == [9, 8]
    found = await api.wait(m.Item.find(shop=shop, sku__lte=1).all())
    assert [i.sku for i in found] == [1, 0]


async def test_in_on_partition_and_composite_keys(api: Api, m: Any) -> None:
    a = uuid.uuid4().hex
    for b in (1, 2):
        for c in (1, 2):
            for d in (1, 2):
                await api.wait(m.Pair(a=a, b=b, c=c, d=d, value=b * 100 + c * 10 + d).save())
    found = await api.wait(m.Pair.find(a=a, b__in=[1, 2], c=2, d__in=[1, 2]).all())
    assert sorted(p.value for p in found) == [121, 122, 221, 222]
    found = await api.wait(m.Pair.find(a=a, b=1, c__in=(1, 2), d=1).all())
    assert sorted(p.value for p in found) == [111, 121]
    err = await api.raises(InvalidQuery, lambda: m.Pair.find(a=a, c=1).all())
    assert "partition key (a, b)" in str(err) and "allow_filtering" in str(err)


async def test_order_by_limit_and_per_partition_limit(api: Api, m: Any) -> None:
    shop = await stock(api, m, 6)
    asc = await api.wait(m.Item.find(shop=shop).order_by("sku").limit(3).all())
    assert [i.sku for i in asc] == [0, 1, 2]
    desc = await api.wait(m.Item.find(shop=shop).order_by("-sku").all())
    assert [i.sku for i in desc] == [5, 4, 3, 2, 1, 0]
    other = await stock(api, m, 3)
    per = await api.wait(m.Item.find(shop__in=[shop, other]).per_partition_limit(2).all())
    assert sorted((i.shop, i.sku) for i in per) == sorted(
        [(shop, 5), (shop, 4), (other, 2), (other, 1)]
    )
    err = await api.raises(InvalidQuery, m.Item.find(shop=shop).order_by, "price")
    assert "clustering" in str(err)


async def test_secondary_indexes_and_contains(api: Api, m: Any) -> None:
    shop = await stock(api, m, 9)
    await api.wait(m.Item(shop=shop, sku=100, name=f"only-{shop}", price=50.0).save())
    named = await api.wait(m.Item.find(name=f"only-{shop}").all())
    assert [(i.shop, i.sku) for i in named] == [(shop, 100)]
    tagged = await api.wait(m.Item.find(shop=shop, tags__contains="t1").all())
    assert sorted(i.sku for i in tagged) == [1, 4, 7]
    both = await api.wait(m.Item.find(shop=shop, name="item4").all())
    assert [i.sku for i in both] == [4]
    err = await api.raises(InvalidQuery, lambda: m.Item.find(price=3.0).all())
    assert "price" in str(err) and "Indexed()" in str(err)
    cheap = await api.wait(m.Item.find(shop=shop, price__lt=2.0).allow_filtering().all())
    assert sorted(i.sku for i in cheap) == [0, 1]
    keyed = await api.wait(m.Item.find(shop=shop, stock__contains_key="eu").allow_filtering().all())
    assert keyed == []


async def test_streaming_iterates_every_page(api: Api, m: Any) -> None:
    shop = await stock(api, m, 250)
    qs = m.Item.find(shop=shop).fetch_size(40)
    streamed = await api.collect(qs)
    assert [i.sku for i in streamed] == list(range(249, -1, -1))
    listed = await api.wait(qs.all())
    assert len(listed) == 250
    limited = await api.collect(m.Item.find(shop=shop).fetch_size(40).limit(95))
    assert len(limited) == 95


async def test_paginate(api: Api, m: Any) -> None:
    shop = await stock(api, m, 25)
    qs = m.Item.find(shop=shop)
    pages, state = [], None
    while True:
        page = await api.wait(qs.paginate(10, state))
        pages.append([i.sku for i in page.items])
        state = page.paging_state
        if not page.has_more:
            break
    assert [len(p) for p in pages[:3]] == [10, 10, 5]
    assert [s for p in pages for s in p] == list(range(24, -1, -1))


async def test_token_ranges_cover_the_table(api: Api, m: Any) -> None:
    shops = [await stock(api, m, 2) for _ in range(3)]
    everything = await api.wait(m.Item.objects().values_list("shop", flat=True).all())
    mine = {s for s in everything if s in shops}
    assert mine == set(shops)
    low = await api.wait(m.Item.find(pk__token__lte=0).values_list("shop", flat=True).all())
    high = await api.wait(m.Item.find(pk__token__gt=0).values_list("shop", flat=True).all())
    assert sorted(low + high) == sorted(everything)
    first = shops[0]
    after = await api.wait(
        m.Item.find(pk__token__gt=Token(first)).values_list("shop", flat=True).all()
    )
    assert first not in after


async def test_count_first_get_values_list(api: Api, m: Any) -> None:
    shop = await stock(api, m, 5)
    assert await api.wait(m.Item.find(shop=shop).count()) == 5
    assert await api.wait(m.Item.find(shop=shop, sku__gt=2).count()) == 2
    first = await api.wait(m.Item.find(shop=shop).first())
    assert first.sku == 4
    assert await api.wait(m.Item.find(shop="nope").first()) is None
    got = await api.wait(m.Item.find(shop=shop, sku=3).get())
    assert got.name == "item3"
    pairs = await api.wait(m.Item.find(shop=shop).values_list("sku", "price").limit(2).all())
    assert pairs == [(4, 4.0), (3, 3.0)]
    tags = await api.wait(m.Item.find(shop=shop, sku=1).values_list("tags", flat=True).all())
    assert tags == [["t1"]]


async def test_queryset_update_and_delete(api: Api, m: Any) -> None:
    shop = await stock(api, m, 6)
    await api.wait(m.Item.find(shop=shop, sku__in=[1, 2]).update(note="sale", price=0.5))
    sale = await api.wait(m.Item.find(shop=shop).values_list("sku", "note").all())
    assert [s for s, n in sale if n == "sale"] == [2, 1]
    await api.wait(m.Item.find(shop=shop, sku=1).update(tags__append=["new"]))
    assert (await api.wait(m.Item.get(shop=shop, sku=1))).tags == ["t1", "new"]
    await api.wait(m.Item.find(shop=shop, sku__gte=4).delete())
    left = await api.wait(m.Item.find(shop=shop).values_list("sku", flat=True).all())
    assert left == [3, 2, 1, 0]
    err = await api.raises(InvalidQuery, m.Item.find(shop=shop).update, note="x")
    assert "sku" in str(err)
    err = await api.raises(InvalidQuery, m.Item.find(name="item0").delete)
    assert "primary key" in str(err)
    await api.wait(m.Item.find(shop=shop).delete())
    assert await api.wait(m.Item.find(shop=shop).count()) == 0


async def test_querysets_are_immutable_and_reusable(api: Api, m: Any) -> None:
    shop = await stock(api, m, 4)
    base = m.Item.find(shop=shop)
    limited = base.limit(1)
    assert len(await api.wait(base.all())) == 4
    assert len(await api.wait(limited.all())) == 1
    assert len(await api.wait(base.all())) == 4
    assert "LIMIT ?" in str(limited) and "LIMIT" not in str(base)
    with pytest.raises(TypeError, match="first"):
        bool(base)
