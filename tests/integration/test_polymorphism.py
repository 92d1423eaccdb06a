"""Single-table inheritance with a discriminator column, on the node (issue 6, B5)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest

from coodie.connection import Connection
from coodie.exceptions import DefinitionError, DocumentNotFound, InvalidQuery
from coodie.fields import ClusteringKey, Discriminator, Indexed, PrimaryKey
from tests.integration.conftest import Api


def define(Document: Any, indexed: bool) -> Any:
    marker: Any = Indexed() if indexed else Discriminator()

    class Pet(Document):
        owner: Annotated[str, PrimaryKey()]
        name: Annotated[str, ClusteringKey()]
        kind: Annotated[str, Discriminator(), marker] = ""
        age: int = 0

        class Settings:
            name = "poly_pet_indexed" if indexed else "poly_pet"

    class Cat(Pet):
        lives: int = 9

        class Settings:
            discriminator = "cat"

    class Dog(Pet):
        good: bool = True

        class Settings:
            discriminator = "dog"

    return Pet, Cat, Dog


@pytest.fixture
async def pets(api: Api) -> Any:
    Pet, Cat, Dog = define(api.Document, indexed=False)
    await api.wait(Pet.sync_table())
    return Pet, Cat, Dog


async def test_one_table_with_every_subclass_column(
    api: Api, pets: Any, connection: Connection, keyspace: str
) -> None:
    rows = connection.session.execute(
        "SELECT column_name FROM system_schema.columns WHERE keyspace_name = %s "
        "AND table_name = 'poly_pet'",
        (keyspace,),
    )
    assert {r.column_name for r in rows} == {"owner", "name", "kind", "age", "lives", "good"}
    _, Cat, _ = pets
    assert await api.wait(Cat.sync_table()) == []


async def test_the_base_reads_subclass_instances(
    api: Api, pets: Any, connection: Connection, keyspace: str
) -> None:
    Pet, Cat, Dog = pets
    owner = f"o-{uuid.uuid4().hex[:8]}"
    tom = await api.wait(Cat(owner=owner, name="tom", lives=7).save())
    await api.wait(Dog(owner=owner, name="rex", good=False).save())
    await api.wait(Pet(owner=owner, name="nemo", kind="fish").save())
    assert tom.kind == "cat"  # set by the subclass, not by the caller
    raw = connection.session.execute(
        f'SELECT kind, lives, good FROM "{keyspace}".poly_pet WHERE owner = %s AND name = %s',
        (owner, "tom"),
    ).one()
    assert (raw.kind, raw.lives, raw.good) == ("cat", 7, None)
    found = {p.name: p for p in await api.wait(Pet.find(owner=owner).all())}
    assert type(found["tom"]) is Cat and found["tom"] == tom
    assert type(found["rex"]) is Dog and found["rex"].good is False
    assert type(found["nemo"]) is Pet
    assert type(await api.wait(Pet.get(owner=owner, name="rex"))) is Dog
    # A subclass reads only its own rows.
    assert [c.name for c in await api.wait(Cat.find(owner=owner).all())] == ["tom"]
    assert await api.wait(Dog.find(owner=owner).count()) == 1
    error = await api.raises(DocumentNotFound, Cat.get, owner=owner, name="rex")
    assert "kind='dog' row, not 'cat'" in str(error)
    # Saving a loaded subclass writes only what changed.
    loaded = await api.wait(Cat.get(owner=owner, name="tom"))
    loaded.lives = 6
    await api.wait(loaded.save())
    assert (await api.wait(Pet.get(owner=owner, name="tom"))).lives == 6


async def test_subclass_queries_across_partitions_need_an_index(api: Api, pets: Any) -> None:
    _, Cat, _ = pets
    with pytest.raises(InvalidQuery, match=r"mark the base's kind with Indexed\(\)"):
        await api.wait(Cat.objects().all())
    await api.wait(Cat.objects().allow_filtering().limit(1).all())
    IPet, ICat, IDog = define(api.Document, indexed=True)
    await api.wait(IPet.sync_table())
    owner = f"o-{uuid.uuid4().hex[:8]}"
    await api.wait(ICat(owner=owner, name="a").save())
    await api.wait(IDog(owner=owner, name="b").save())
    cats = await api.wait(ICat.objects().all())
    assert {c.name for c in cats} >= {"a"} and all(type(c) is ICat for c in cats)


async def test_bad_hierarchies_are_refused(api: Api) -> None:
    with pytest.raises(DefinitionError, match="no base model declares a discriminator"):

        class Lone(api.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]

            class Settings:
                discriminator = "x"

    class Base(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        kind: Annotated[int, Discriminator()] = 0

    with pytest.raises(DefinitionError, match="does not fit kind"):

        class Wrong(Base):
            class Settings:
                discriminator = "not a number"

    class One(Base):
        class Settings:
            discriminator = 1

    with pytest.raises(DefinitionError, match="1 is already the value of One"):

        class Two(Base):
            class Settings:
                discriminator = 1

    with pytest.raises(DefinitionError, match="shares the table of Base"):

        class Named(Base):
            class Settings:
                discriminator = 3
                name = "elsewhere"


async def test_subclass_querysets_refuse_writes_that_reach_other_kinds(api: Api, pets: Any) -> None:
    Pet, Cat, Dog = pets
    owner = f"o-{uuid.uuid4().hex[:8]}"
    await api.wait(Cat(owner=owner, name="tom").save())
    await api.wait(Dog(owner=owner, name="rex").save())
    error = await api.raises(InvalidQuery, Cat.find(owner=owner).delete)
    assert "would act on the rows of every kind" in str(error)
    error = await api.raises(InvalidQuery, Cat.find(owner=owner, name="rex").update, age=3)
    assert "would act on the rows of every kind" in str(error)
    assert await api.wait(Pet.find(owner=owner).count()) == 2
    # Scans of a subclass read its own kind only.
    cats = [c async for c in _scan(api, Cat.objects().allow_filtering())]
    assert all(type(c) is Cat for c in cats) and "rex" not in {c.name for c in cats}


async def _scan(api: Api, qs: Any) -> Any:
    if api.name == "aio":
        async for item in qs.scan():
            yield item
    else:
        for item in qs.scan():
            yield item


async def test_conflicting_column_types_in_a_hierarchy_are_refused(api: Api) -> None:
    class Root(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        kind: Annotated[str, Discriminator()] = ""

    class A(Root):
        extra: int = 0

        class Settings:
            discriminator = "a"

    with pytest.raises(DefinitionError, match="already has column extra as int"):

        class B(Root):
            extra: str = ""

            class Settings:
                discriminator = "b"


async def test_subclass_rules_found_by_use(api: Api) -> None:
    class Root(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        kind: Annotated[str, Discriminator()]  # no default: subclasses fill it in

    class A(Root):
        class Settings:
            discriminator = "a"

    assert A(id=1).kind == "a" and A(id=1, kind="zzz").kind == "a"
    with pytest.raises(DefinitionError, match=r"set Settings\.discriminator to store its rows"):

        class Forgot(Root):
            pass

    class OwnTable(Root):
        class Settings:
            name = "poly_own_table"

    assert OwnTable(id=1, kind="x").kind == "x"


async def test_a_view_of_one_kind_is_refused(api: Api, pets: Any) -> None:
    _, Cat, _ = pets
    with pytest.raises(DefinitionError, match="a view of it would hold the rows of every kind"):

        class CatsByAge(api.module.View):  # type: ignore[name-defined,misc]
            age: Annotated[int, PrimaryKey()]
            owner: Annotated[str, ClusteringKey()]
            name: Annotated[str, ClusteringKey(index=1)]

            class Settings:
                base = Cat
