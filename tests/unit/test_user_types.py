"""User-defined types without a database: CQL spelling, DDL text, definition errors,
converters, and the schema-sync plan driven with ``drive()``."""

from __future__ import annotations

import datetime as dt
import pickle
from collections import namedtuple
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated, Any, Optional
from uuid import UUID, uuid4

import pytest
from pydantic import BaseModel, ConfigDict, Field

import coodie.sync
from coodie import schema_sync
from coodie.connection import Connection, register, unregister
from coodie.document import set_loaded_row
from coodie.exceptions import DefinitionError, SchemaMismatch, ValidationError
from coodie.execution import ForgetPrepared, drive
from coodie.fields import (
    BigInt,
    ClusteringKey,
    Counter,
    DbName,
    Duration,
    Frozen,
    Indexed,
    PrimaryKey,
    SmallInt,
    Static,
)
from coodie.usertype import UdtValue, UserType, cql_name, type_schema
from coodie.values import to_db
from tests.unit.offline import stub_session

OFFLINE = "unit_udt"


@pytest.fixture(autouse=True)
def offline() -> Iterator[None]:
    register(Connection(stub_session(), "ks", name=OFFLINE))  # type: ignore[arg-type]
    yield
    unregister(OFFLINE)


def result(rows: list[tuple[Any, ...]]) -> Any:
    return SimpleNamespace(current_rows=rows, paging_state=None, column_names=[])


class Point(UserType):
    model_config = ConfigDict(frozen=True)
    x: int = 0
    y: int = 0


class Address(UserType):
    street: str = ""
    zip_code: Annotated[int, BigInt()] = 0
    tags: list[str] = Field(default_factory=list)
    seen: Optional[dt.datetime] = None
    where: Optional[Point] = None


class Shipment(coodie.sync.Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    to: Optional[Address] = None
    stops: list[dict[str, Address]] = Field(default_factory=list)
    routes: dict[str, list[Address]] = Field(default_factory=dict)
    legs: list[tuple[int, Address]] = Field(default_factory=list)
    points: set[Point] = Field(default_factory=set)
    by_point: dict[Point, str] = Field(default_factory=dict)

    class Settings:
        connection = OFFLINE


def test_cql_types_are_spelled_as_system_schema_prints_them() -> None:
    types = {c.name: c.type.cql for c in Shipment.__coodie_schema__.columns}  # type: ignore[union-attr]
    assert types == {
        "id": "uuid",
        "to": "frozen<address>",
        "stops": "list<frozen<map<text, frozen<address>>>>",
        "routes": "map<text, frozen<list<frozen<address>>>>",
        "legs": "list<frozen<tuple<int, frozen<address>>>>",
        "points": "set<frozen<point>>",
        "by_point": "map<frozen<point>, text>",
    }
    fields = {f.name: f.type.cql for f in type_schema(Address).fields}
    # As cqlengine writes them: a collection field is not frozen, nested ones are.
    assert fields == {
        "street": "text",
        "zip_code": "bigint",
        "tags": "list<text>",
        "seen": "timestamp",
        "where": "frozen<point>",
    }


def test_user_types_of_a_table_come_dependencies_first() -> None:
    assert Shipment.__coodie_schema__.user_types == (Point, Address)  # type: ignore[union-attr]
    assert type_schema(Address).dependencies == (Point,)


def test_type_names() -> None:
    class HTTPRequestInfo(UserType):
        a: int = 0

    class Named(UserType):
        a: int = 0

        class Settings:
            name = "Named_Type"

    assert type_schema(HTTPRequestInfo).name == "http_request_info"
    assert type_schema(Named).cql == 'frozen<"Named_Type">'
    assert cql_name("address") == "address"
    assert cql_name("select") == '"select"'
    assert cql_name("_u") == '"_u"'


def test_ddl_text() -> None:
    class Tagged(UserType):
        from_: Annotated[str, DbName("from")] = ""
        n: Annotated[int, SmallInt()] = 0

    described = type_schema(Tagged)
    from coodie.usertype import add_field, create_type, drop_type

    assert create_type(described, "ks") == (
        'CREATE TYPE IF NOT EXISTS "ks"."tagged" ("from" text, "n" smallint)'
    )
    assert add_field(described, "ks", described.fields[1]) == (
        'ALTER TYPE "ks"."tagged" ADD "n" smallint'
    )
    assert drop_type(described, "ks") == 'DROP TYPE IF EXISTS "ks"."tagged"'


@pytest.mark.parametrize(
    ("marker", "name"),
    [(PrimaryKey(), "PrimaryKey"), (ClusteringKey(), "ClusteringKey"), (Indexed(), "Indexed")],
)
def test_key_and_index_markers_are_refused_naming_the_field(marker: Any, name: str) -> None:
    with pytest.raises(DefinitionError, match=rf"^Bad\.a: {name}\(.*not to the fields of a user"):

        class Bad(UserType):
            a: Annotated[int, marker] = 0


def test_static_and_counter_are_refused() -> None:
    with pytest.raises(DefinitionError, match=r"^Bad\.a: Static\(\)"):

        class Bad(UserType):
            a: Annotated[int, Static()] = 0

    with pytest.raises(DefinitionError, match=r"^Bad2\.a: a user type cannot hold a counter"):

        class Bad2(UserType):
            a: Annotated[int, Counter()] = 0


def test_bad_names_are_refused() -> None:
    with pytest.raises(DefinitionError, match=r"'text' is the name of a CQL type"):

        class Text(UserType):
            a: int = 0

    with pytest.raises(DefinitionError, match=r"not a valid CQL identifier"):

        class Odd(UserType):
            a: int = 0

            class Settings:
                name = "odd-name"

    with pytest.raises(DefinitionError, match=r"unknown setting 'options' for a user type"):

        class WithOptions(UserType):
            a: int = 0

            class Settings:
                options = {"comment": "x"}


def test_type_marker_on_a_user_type_field_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"BigInt\(\) does not apply to the user type"):

        class Bad(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            a: Annotated[Address, BigInt()]


def test_plain_pydantic_models_are_refused_with_the_fix() -> None:
    class Plain(BaseModel):
        a: int = 0

    with pytest.raises(DefinitionError, match=r"^Bad\.p: Plain is a pydantic model.*UserType"):

        class Bad(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            p: Optional[Plain] = None


def test_set_elements_and_map_keys_must_be_hashable() -> None:
    with pytest.raises(DefinitionError) as info:

        class Bad(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            s: set[Address] = Field(default_factory=set)

    message = str(info.value)
    assert message.startswith("Bad.s: a set element must be hashable")
    assert "Address is mutable; give it model_config = ConfigDict(frozen=True)" in message

    class FrozenWithList(UserType):
        model_config = ConfigDict(frozen=True)
        items: list[int] = Field(default_factory=list)

    with pytest.raises(DefinitionError, match=r"FrozenWithList\.items is a list"):

        class Bad2(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            m: dict[FrozenWithList, int] = Field(default_factory=dict)

    class Span(UserType):
        model_config = ConfigDict(frozen=True)
        d: Annotated[dt.timedelta, Duration()] = dt.timedelta()

    with pytest.raises(DefinitionError, match=r"Span holds a duration"):

        class Bad3(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]
            s: set[Span] = Field(default_factory=set)


def test_recursive_types_are_refused() -> None:
    with pytest.raises(DefinitionError, match=r"^Node\.children: user type Node contains itself"):

        class Node(UserType):
            children: list[Node] = Field(default_factory=list)


def test_forward_references_resolve_on_first_use() -> None:
    class Outer(UserType):
        inner: Optional[Later] = None

    class Later(UserType):
        n: int = 0

    namespace = {"Later": Later}
    Outer.model_rebuild(_types_namespace=namespace)
    assert type_schema(Outer).fields[0].type.cql == "frozen<later>"


def test_field_validation_and_normalization() -> None:
    with pytest.raises(Exception, match="less than or equal to 2147483647"):
        Point(x=2**31)
    seen = Address(seen=dt.datetime(2024, 1, 1, 12, 0, 0, 123456))
    assert seen.seen == dt.datetime(2024, 1, 1, 12, 0, 0, 123000, tzinfo=dt.timezone.utc)
    assert seen.seen is not None and seen.seen.tzinfo is dt.timezone.utc
    seen.seen = dt.datetime(2024, 1, 1, 12, 0, 0, 999999)  # assignments too
    assert seen.seen == dt.datetime(2024, 1, 1, 12, 0, 0, 999000, tzinfo=dt.timezone.utc)


def test_to_db_gives_the_driver_named_fields_and_checks_values() -> None:
    schema = Shipment.__coodie_schema__
    assert schema is not None
    column = schema.by_name["to"]
    value = to_db(schema, column, Address(street="s", where=Point(x=1)))
    assert isinstance(value, UdtValue)
    assert value.street == "s" and value.where.x == 1 and value.tags == []
    assert value.not_a_field is None  # a field of the live type the model lacks: null
    with pytest.raises(TypeError):
        value[0]  # never positional: the live order may differ
    assert pickle.loads(pickle.dumps(value)).street == "s"

    address = Address.model_construct(zip_code=2**70)
    with pytest.raises(ValidationError, match=r"Shipment\.to: .*Address\.zip_code: .*bigint"):
        to_db(schema, column, address)


def test_from_db_builds_the_users_classes_without_validation() -> None:
    schema = Shipment.__coodie_schema__
    assert schema is not None
    column = schema.by_name["routes"]
    Row = namedtuple("Row", ["street", "zip_code", "tags", "seen", "where", "added_later"])
    PointRow = namedtuple("PointRow", ["x", "y"])
    stored = {"r": [Row("s", 5, None, dt.datetime(2024, 1, 1), PointRow(1, None), 7)]}
    routes = column.type.from_db(stored)  # type: ignore[misc]
    address = routes["r"][0]
    assert type(address) is Address and type(address.where) is Point
    assert address == Address(
        street="s",
        zip_code=5,
        tags=[],
        seen=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        where=Point(x=1, y=0),
    )
    # what was written (UdtValue) reads back the same way
    written = column.type.to_db(routes)  # type: ignore[misc]
    assert column.type.from_db(written) == routes  # type: ignore[misc]


def test_documents_with_user_types_pickle() -> None:
    shipment = Shipment(to=Address(street="s"), points={Point(x=1)})
    set_loaded_row(
        shipment,
        (
            Shipment.__coodie_schema__.columns,  # type: ignore[union-attr]
            tuple(
                to_db(Shipment.__coodie_schema__, c, getattr(shipment, c.name))  # type: ignore[arg-type]
                for c in Shipment.__coodie_schema__.columns  # type: ignore[union-attr]
            ),
        ),
    )
    copy = pickle.loads(pickle.dumps(shipment))
    assert copy == shipment and type(copy.to) is Address and copy.is_loaded


# -- schema sync, driven without a database ---------------------------------------------------


def test_sync_type_creates_dependencies_first() -> None:
    op = schema_sync.sync_type_op(Address, connection=OFFLINE)
    statements, sent = drive(op, [result([("ks",)]), result([]), None, None])
    assert statements == [
        'CREATE TYPE IF NOT EXISTS "ks"."point" ("x" int, "y" int)',
        'CREATE TYPE IF NOT EXISTS "ks"."address" ("street" text, "zip_code" bigint, '
        '"tags" list<text>, "seen" timestamp, "where" frozen<point>)',
    ]
    assert [getattr(r, "cql", None) for r in sent[-3:-1]] == statements
    assert isinstance(sent[-1], ForgetPrepared)


def test_sync_type_adds_missing_fields_and_never_drops() -> None:
    live = [
        ("point", ["x", "y"], ["int", "int"]),
        ("address", ["street", "zip_code", "gone"], ["text", "bigint", "int"]),
    ]
    op = schema_sync.sync_type_op(Address, connection=OFFLINE, dry_run=True)
    statements, _ = drive(op, [result([("ks",)]), result(live)])
    assert statements == [
        'ALTER TYPE "ks"."address" ADD "tags" list<text>',
        'ALTER TYPE "ks"."address" ADD "seen" timestamp',
        'ALTER TYPE "ks"."address" ADD "where" frozen<point>',
    ]


def test_sync_type_raises_on_changed_field_types() -> None:
    live = [
        ("point", ["x", "y"], ["bigint", "int"]),
        ("address", ["street", "zip_code"], ["text", "int"]),
    ]
    with pytest.raises(SchemaMismatch) as info:
        drive(
            schema_sync.sync_type_op(Address, connection=OFFLINE),
            [result([("ks",)]), result(live)],
        )
    assert info.value.differences == [
        "point.x is bigint in the database, int in Point.x",
        "address.zip_code is int in the database, bigint in Address.zip_code",
    ]


def test_sync_table_syncs_its_types_first() -> None:
    statements, _ = drive(
        schema_sync.sync_table_op(Shipment, dry_run=True),
        [result([("ks",)]), result([("point", ["x", "y"], ["int", "int"])]), result([])],
    )
    assert statements[0].startswith('CREATE TYPE IF NOT EXISTS "ks"."address"')
    assert statements[1].startswith('CREATE TABLE IF NOT EXISTS "ks"."shipment"')
    assert len(statements) == 2


def test_frozen_marker_on_a_udt_field_collection() -> None:
    class Bag(UserType):
        items: Annotated[list[int], Frozen()] = Field(default_factory=list)

    assert type_schema(Bag).fields[0].type.cql == "frozen<list<int>>"
