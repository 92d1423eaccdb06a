"""User-defined types on a real node, with both fronts: types created and extended,
the heaviest shapes of real applications round-tripped, rows checked on disk.

UserType classes are front-independent and defined once at module level; documents
are defined per front (module level too, so that they pickle).  No ``from __future__
import annotations``: the per-test classes below are resolved in their functions.
"""

import datetime as dt
import pickle
import uuid
from typing import Annotated, Any, Optional
from uuid import UUID

import pydantic
import pytest
from pydantic import ConfigDict, Field

import coodie.aio
import coodie.sync
from coodie.connection import Connection
from coodie.exceptions import DocumentNotFound, SchemaMismatch, ValidationError
from coodie.fields import BigInt, PrimaryKey, SmallInt
from coodie.usertype import UserType
from tests.integration.conftest import Api

UTC = dt.timezone.utc


class GeoPoint(UserType):
    model_config = ConfigDict(frozen=True)
    lat: float = 0.0
    lon: float = 0.0


class Contact(UserType):
    name: str = ""
    phones: list[str] = Field(default_factory=list)
    since: Optional[dt.datetime] = None


class Site(UserType):
    """A UDT holding UDTs, a collection of UDTs and a map."""

    label: str = ""
    size: Annotated[int, BigInt()] = 0
    location: Optional[GeoPoint] = None
    contacts: list[Contact] = Field(default_factory=list)
    extra: dict[str, int] = Field(default_factory=dict)


def _heavy(Document: Any) -> Any:
    class UdtHeavy(Document):
        id: Annotated[UUID, PrimaryKey()]
        site: Optional[Site] = None
        history: list[dict[str, Site]] = Field(default_factory=list)
        by_team: dict[str, list[Contact]] = Field(default_factory=dict)
        steps: list[tuple[int, Contact]] = Field(default_factory=list)
        visited: set[GeoPoint] = Field(default_factory=set)
        names: dict[GeoPoint, str] = Field(default_factory=dict)
        note: str = ""

        class Settings:
            name = "udt_heavy"

    return UdtHeavy


SyncHeavy = _heavy(coodie.sync.Document)
AioHeavy = _heavy(coodie.aio.Document)
SyncHeavy.__qualname__ = SyncHeavy.__name__ = "SyncHeavy"  # importable, so it pickles
AioHeavy.__qualname__ = AioHeavy.__name__ = "AioHeavy"
HEAVY = {"sync": SyncHeavy, "aio": AioHeavy}


def raw(connection: Connection, table: str, column: str, key: UUID) -> Any:
    row = connection.session.execute(
        f'SELECT "{column}" FROM "{connection.keyspace}"."{table}" WHERE "id" = %s', (key,)
    ).one()
    assert row is not None
    return row[0]


def live_type(connection: Connection, name: str) -> Optional[tuple[list[str], list[str]]]:
    row = connection.session.execute(
        "SELECT field_names, field_types FROM system_schema.types "
        "WHERE keyspace_name = %s AND type_name = %s",
        (connection.keyspace, name),
    ).one()
    return None if row is None else (list(row[0]), list(row[1]))


def site(n: int) -> Site:
    return Site(
        label=f"site {n}",
        size=2**40 + n,
        location=GeoPoint(lat=n, lon=-n),
        contacts=[
            Contact(name="a", phones=["1", "2"], since=dt.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
            Contact(name="b"),
        ],
        extra={"x": n},
    )


def heavy_values() -> dict[str, Any]:
    return {
        "site": site(1),
        "history": [{"first": site(2), "second": site(3)}, {}],
        "by_team": {"ops": [Contact(name="c"), Contact(name="d", phones=["9"])], "none": []},
        "steps": [(1, Contact(name="e")), (2, Contact(name="f", since=dt.datetime(2020, 1, 1)))],
        "visited": {GeoPoint(lat=1.5, lon=2.5), GeoPoint()},
        "names": {GeoPoint(lat=3.0): "home"},
    }


async def synced(api: Api) -> Any:
    model = HEAVY[api.name]
    await api.wait(model.sync_table())
    return model


async def test_heavy_model_round_trips(api: Api, connection: Connection) -> None:
    model = await synced(api)
    assert await api.wait(model.sync_table(dry_run=True)) == []  # types and table match
    doc = model(id=uuid.uuid4(), **heavy_values())
    await api.wait(doc.save())
    loaded = await api.wait(model.get(id=doc.id))
    assert loaded == doc
    assert type(loaded.site) is Site and type(loaded.site.location) is GeoPoint
    assert type(loaded.site.contacts[0]) is Contact
    assert loaded.site.contacts[0].since == dt.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert type(loaded.history[0]["first"]) is Site
    assert type(loaded.by_team["ops"][1]) is Contact
    assert loaded.by_team["none"] == []
    assert type(loaded.steps[1][1]) is Contact
    assert all(type(p) is GeoPoint for p in loaded.visited)
    assert all(type(p) is GeoPoint for p in loaded.names)
    assert type(loaded.visited) is set and type(loaded.history[0]) is dict

    # What Cassandra holds, read with the plain driver (its own named tuples).
    cell = raw(connection, "udt_heavy", "site", doc.id)
    assert (cell.label, cell.size) == ("site 1", 2**40 + 1)
    assert (cell.location.lat, cell.location.lon) == (1.0, -1.0)
    assert [c.name for c in cell.contacts] == ["a", "b"]
    assert list(cell.contacts[0].phones) == ["1", "2"]
    assert cell.contacts[1].since is None
    history = raw(connection, "udt_heavy", "history", doc.id)
    assert history[0]["second"].label == "site 3"
    steps = raw(connection, "udt_heavy", "steps", doc.id)
    assert steps[0][0] == 1 and steps[0][1].name == "e"


async def test_null_and_empty(api: Api, connection: Connection) -> None:
    model = await synced(api)
    doc = model(id=uuid.uuid4(), site=Site())
    await api.wait(doc.save())
    loaded = await api.wait(model.get(id=doc.id))
    assert loaded == doc
    assert loaded.site == Site() and loaded.site.contacts == [] and loaded.site.location is None
    bare = model(id=uuid.uuid4())
    await api.wait(bare.save())
    assert (await api.wait(model.get(id=bare.id))).site is None
    assert raw(connection, "udt_heavy", "site", bare.id) is None


async def test_find_and_values_list_read_user_types(api: Api) -> None:
    model = await synced(api)
    doc = model(id=uuid.uuid4(), site=site(7))
    await api.wait(doc.save())
    (value,) = await api.wait(model.find(id=doc.id).values_list("site", flat=True).all())
    assert value == site(7)
    found = await api.wait(model.find(id=doc.id).only("site").first())
    assert found.site == site(7) and type(found.site.location) is GeoPoint


async def test_change_tracking_writes_only_changed_udt_columns(
    api: Api, connection: Connection
) -> None:
    model = await synced(api)
    doc = model(id=uuid.uuid4(), site=site(1), note="mine")
    await api.wait(doc.save())
    loaded = await api.wait(model.get(id=doc.id))
    # Another writer changes "note"; our save() of the site must not overwrite it.
    connection.session.execute(
        f'UPDATE "{connection.keyspace}"."udt_heavy" SET "note" = %s WHERE "id" = %s',
        ("theirs", doc.id),
    )
    loaded.site.label = "renamed"  # in place, inside the UDT
    loaded.site.contacts.append(Contact(name="new"))
    await api.wait(loaded.save())
    again = await api.wait(model.get(id=doc.id))
    assert again.note == "theirs"
    assert again.site.label == "renamed" and again.site.contacts[-1] == Contact(name="new")

    # update() validates (a dict becomes a Site) and writes the value.
    await api.wait(again.update(site={"label": "from dict", "location": {"lat": 9.0}}))
    assert again.site == Site(label="from dict", location=GeoPoint(lat=9.0))
    assert (await api.wait(model.get(id=doc.id))).site == again.site

    # queryset update with UDTs in a collection
    await api.wait(model.find(id=doc.id).update(by_team={"t": [Contact(name="q")]}))
    assert (await api.wait(model.get(id=doc.id))).by_team == {"t": [Contact(name="q")]}

    # appending to a list of frozen UDTs
    again.steps.append((5, Contact(name="z")))
    await api.wait(again.save())
    assert (await api.wait(model.get(id=doc.id))).steps == [(5, Contact(name="z"))]


async def test_document_with_user_types_pickles(api: Api) -> None:
    model = await synced(api)
    doc = model(id=uuid.uuid4(), **heavy_values())
    await api.wait(doc.save())
    loaded = await api.wait(model.get(id=doc.id))
    copy = pickle.loads(pickle.dumps(loaded))
    assert copy == loaded and type(copy.site) is Site
    copy.site.label = "changed after unpickling"
    await api.wait(copy.save())  # change tracking survived the pickle
    assert (await api.wait(model.get(id=doc.id))).site.label == "changed after unpickling"


async def test_bad_values_fail_before_io(api: Api) -> None:
    model = await synced(api)
    with pytest.raises(pydantic.ValidationError):
        Site(size="many")
    with pytest.raises(pydantic.ValidationError):
        model(id=uuid.uuid4(), site={"location": {"lat": "north"}})
    bad = model(id=uuid.uuid4(), site=Site.model_construct(size=2**70))
    with pytest.raises(ValidationError, match=r"site.*Site\.size: .*bigint"):
        await api.wait(bad.save())
    with pytest.raises(DocumentNotFound):
        await api.wait(model.get(id=bad.id))


async def test_sync_type_creates_and_extends(api: Api, connection: Connection) -> None:
    name = type_name = f"evolving_{api.name}"

    class V1(UserType):
        a: int = 0
        inner: Optional[GeoPoint] = None

        class Settings:
            name = type_name

    class V2(UserType):  # the same type, one version later
        a: int = 0
        inner: Optional[GeoPoint] = None
        b: list[Contact] = Field(default_factory=list)
        c: Annotated[int, SmallInt()] = 0

        class Settings:
            name = type_name

    created = await api.wait(api.module.sync_type(V1))
    assert created[-1].startswith(f'CREATE TYPE IF NOT EXISTS "{connection.keyspace}"."{name}"')
    assert live_type(connection, name) == (["a", "inner"], ["int", "frozen<geo_point>"])
    assert await api.wait(api.module.sync_type(V1)) == []

    added = await api.wait(api.module.sync_type(V2))
    assert added[-2:] == [
        f'ALTER TYPE "{connection.keyspace}"."{name}" ADD "b" list<frozen<contact>>',
        f'ALTER TYPE "{connection.keyspace}"."{name}" ADD "c" smallint',
    ]
    assert live_type(connection, name) == (
        ["a", "inner", "b", "c"],
        ["int", "frozen<geo_point>", "list<frozen<contact>>", "smallint"],
    )
    # The old model still syncs: extra fields in the database are left alone.
    assert await api.wait(api.module.sync_type(V1)) == []

    class V3(UserType):
        a: Annotated[int, BigInt()] = 0
        inner: Optional[Contact] = None

        class Settings:
            name = type_name

    mismatch = await api.raises(SchemaMismatch, api.module.sync_type, V3)
    assert mismatch.differences == [
        f"{name}.a is int in the database, bigint in V3.a",
        f"{name}.inner is frozen<geo_point> in the database, frozen<contact> in V3.inner",
    ]
    assert live_type(connection, name)[0] == ["a", "inner", "b", "c"]  # type: ignore[index]

    await api.wait(api.module.drop_type(V1))
    assert live_type(connection, name) is None


async def test_field_added_to_a_used_type_is_written_and_read(
    api: Api, connection: Connection
) -> None:
    type_name = f"grown_{api.name}"
    table = f"grown_table_{api.name}"

    def models(with_extra: bool) -> Any:
        if with_extra:

            class Grown(UserType):
                a: int = 0
                extra: Optional[str] = None

                class Settings:
                    name = type_name

        else:

            class Grown(UserType):  # type: ignore[no-redef]
                a: int = 0

                class Settings:
                    name = type_name

        class Holder(api.Document):  # type: ignore[name-defined,misc]
            id: Annotated[UUID, PrimaryKey()]
            g: Optional[Grown] = None

            class Settings:
                name = table

        return Grown, Holder

    Old, OldHolder = models(False)
    await api.wait(OldHolder.sync_table())
    old = OldHolder(id=uuid.uuid4(), g=Old(a=1))
    await api.wait(old.save())
    assert await api.wait(OldHolder.get(id=old.id)) == old  # statements now prepared

    New, NewHolder = models(True)
    statements = await api.wait(NewHolder.sync_table())
    assert statements == [f'ALTER TYPE "{connection.keyspace}"."{type_name}" ADD "extra" text']
    doc = NewHolder(id=uuid.uuid4(), g=New(a=2, extra="x"))
    await api.wait(doc.save())
    assert (await api.wait(NewHolder.get(id=doc.id))).g == New(a=2, extra="x")
    assert (await api.wait(NewHolder.get(id=old.id))).g == New(a=1, extra=None)
    # The old model still reads rows written with the new field.
    assert (await api.wait(OldHolder.get(id=doc.id))).g == Old(a=2)


async def test_one_type_used_by_two_tables(api: Api, connection: Connection) -> None:
    class UdtOwnerA(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[UUID, PrimaryKey()]
        contact: Optional[Contact] = None

    class UdtOwnerB(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[UUID, PrimaryKey()]
        contacts: dict[str, Contact] = Field(default_factory=dict)

    await api.wait(UdtOwnerA.sync_table())
    statements = await api.wait(UdtOwnerB.sync_table())
    assert not any("CREATE TYPE" in s for s in statements)  # Contact exists already
    a = UdtOwnerA(id=uuid.uuid4(), contact=Contact(name="shared"))
    b = UdtOwnerB(id=uuid.uuid4(), contacts={"k": Contact(name="shared", phones=["1"])})
    await api.wait(a.save())
    await api.wait(b.save())
    assert await api.wait(UdtOwnerA.get(id=a.id)) == a
    assert await api.wait(UdtOwnerB.get(id=b.id)) == b


async def test_sync_table_refuses_a_changed_type(api: Api, connection: Connection) -> None:
    connection.session.execute(
        f'CREATE TYPE IF NOT EXISTS "{connection.keyspace}"."drifted" ("a" text)'
    )

    class Drifted(UserType):
        a: int = 0

    class UdtDriftOwner(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[UUID, PrimaryKey()]
        d: Optional[Drifted] = None

    mismatch = await api.raises(SchemaMismatch, UdtDriftOwner.sync_table)
    assert mismatch.differences == ["drifted.a is text in the database, int in Drifted.a"]
    assert "UdtDriftOwner" in str(mismatch)
    tables = connection.session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND "
        "table_name = 'udt_drift_owner'",
        (connection.keyspace,),
    ).all()
    assert tables == []  # nothing was created


async def test_udt_fields_named_like_python_keywords_round_trip(
    api: Api, connection: Connection, keyspace: str
) -> None:
    from coodie.fields import DbName as Name
    from coodie.usertype import UserType as Base

    class Mailer(Base):
        sender: Annotated[str, Name("from")] = ""
        note: str = ""

        class Settings:
            name = "kw_mailer"

    class Mailbox(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[str, PrimaryKey()]
        m: Optional[Mailer] = None

        class Settings:
            name = "kw_mailbox"

    await api.wait(Mailbox.sync_table())
    box = await api.wait(Mailbox(id="a", m=Mailer(sender="ann", note="n")).save())
    loaded = await api.wait(Mailbox.get(id="a"))
    assert loaded == box and loaded.m.sender == "ann"
    loaded.m.note = "changed"
    await api.wait(loaded.save())
    assert (await api.wait(Mailbox.get(id="a"))).m.sender == "ann"
