"""The same cqlengine code run through real cqlengine and through the shim, against the
node: equal schema in ``system_schema``, equal rows on disk, equal values and types,
equal exception types (issue 7's differential tests; this is their first set).

Each engine gets its own keyspace and its own named connection, so that neither
touches the default connection the other integration tests use.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from cassandra.util import Date as DriverDate
from cassandra.util import Time as DriverTime

from tests.conftest import cluster_hosts
from tests.integration.cqlengine_pair import ENGINES, load, schema_rows


def define(cq: SimpleNamespace, keyspace: str, connection: str) -> SimpleNamespace:
    columns, Model = cq.columns, cq.models.Model

    class Address(cq.usertype.UserType):
        street = columns.Text()
        number = columns.Integer()

    class Everything(Model):
        __keyspace__ = keyspace
        __connection__ = connection
        __table_name__ = "everything"
        shard = columns.Integer(partition_key=True)
        day = columns.Date(partition_key=True)
        at = columns.DateTime(primary_key=True, clustering_order="desc")
        seq = columns.Integer(primary_key=True, clustering_order="asc")
        owner = columns.Text(static=True)
        name = columns.Text(index=True)
        code = columns.Ascii(db_field="code_")
        small = columns.SmallInt()
        tiny = columns.TinyInt()
        big = columns.BigInt()
        huge = columns.VarInt()
        ratio = columns.Float()
        exact = columns.Double()
        money = columns.Decimal()
        flag = columns.Boolean()
        when = columns.Time()
        uid = columns.UUID()
        tid = columns.TimeUUID()
        raw = columns.Blob()
        ip = columns.Inet()
        tags = columns.List(columns.Text)
        labels = columns.Set(columns.Integer)
        counts = columns.Map(columns.Text, columns.Integer)
        pair = columns.Tuple(columns.Integer, columns.Text)
        frozen_tags = columns.List(columns.Text, frozen=True)
        nested = columns.Map(columns.Text, columns.List(columns.Integer))
        home = columns.UserDefinedType(Address)
        homes = columns.List(columns.UserDefinedType(Address))

    class Simple(Model):
        __keyspace__ = keyspace
        __connection__ = connection
        id = columns.UUID(primary_key=True, default=uuid.uuid4)
        name = columns.Text(required=True)
        age = columns.Integer(default=7)

    return SimpleNamespace(Address=Address, Everything=Everything, Simple=Simple)


@pytest.fixture(scope="module")
def engines(keyspace: str) -> Iterator[dict[str, Any]]:
    out: dict[str, Any] = {}
    for engine in ENGINES:
        cq = load(engine)
        name = f"diff_{engine}"
        ks = f"{keyspace}_{engine}"
        cq.connection.register_connection(name, hosts=cluster_hosts())
        cq.management.create_keyspace_simple(ks, 1, connections=[name])
        models = define(cq, ks, name)
        for model in (models.Everything, models.Simple):
            cq.management.sync_table(model)
        out[engine] = SimpleNamespace(cq=cq, models=models, keyspace=ks, name=name)
    yield out
    for e in out.values():
        e.cq.management.drop_keyspace(e.keyspace, connections=[e.name])
        e.cq.connection.unregister_connection(e.name)


def test_both_engines_create_the_same_schema(engines: dict[str, Any], connection: Any) -> None:
    session = connection.session
    ref = schema_rows(session, engines["ref"].keyspace)
    shim = schema_rows(session, engines["shim"].keyspace)
    assert ref["columns"] and shim == ref


def sample(models: Any) -> dict[str, Any]:
    return dict(
        shard=1,
        day=dt.date(2024, 5, 6),
        at=dt.datetime(2024, 5, 6, 7, 8, 9, 123000),
        seq=2,
        owner="own",
        name="pen",
        code="abc",
        small=12,
        tiny=3,
        big=2**40,
        huge=2**70,
        ratio=0.5,
        exact=1.25,
        money=decimal.Decimal("3.14"),
        flag=True,
        when=dt.time(10, 11, 12),
        uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        tid=uuid.UUID("a6d8c3a0-3b4f-11ef-9c5b-0242ac120002"),
        raw=b"\x00\x01",
        ip="10.0.0.1",
        tags=["a", "b"],
        labels={1, 2},
        counts={"x": 1},
        pair=(1, "one"),
        frozen_tags=["f"],
        nested={"k": [1, 2]},
        home=models.Address(street="main", number=5),
        homes=[models.Address(street="a", number=1)],
    )


def test_rows_values_and_types_agree(engines: dict[str, Any], connection: Any) -> None:
    seen: dict[str, Any] = {}
    for engine, e in engines.items():
        e.models.Everything.create(**sample(e.models))
        got = e.models.Everything.objects(shard=1, day=dt.date(2024, 5, 6)).first()
        values = dict(got.items())
        values["home"] = dict(values["home"].items())
        values["homes"] = [dict(h.items()) for h in values["homes"]]
        seen[engine] = values
        raw = connection.session.execute(
            f'SELECT * FROM "{e.keyspace}".everything WHERE shard = 1 AND day = %s',
            (DriverDate(dt.date(2024, 5, 6)),),
        ).one()
        seen[f"{engine}-raw"] = {
            k: v for k, v in raw._asdict().items() if k not in ("home", "homes")
        }
    assert seen["shim"] == seen["ref"]
    assert {k: type(v) for k, v in seen["shim"].items()} == {
        k: type(v) for k, v in seen["ref"].items()
    }
    assert seen["shim-raw"] == seen["ref-raw"]
    assert isinstance(seen["shim"]["day"], DriverDate) and isinstance(
        seen["shim"]["when"], DriverTime
    )
    assert seen["shim"]["at"].tzinfo is None  # naive UTC, as cqlengine returns


def test_defaults_saves_updates_and_deletes_agree(engines: dict[str, Any]) -> None:
    outcome: dict[str, Any] = {}
    for engine, e in engines.items():
        Simple = e.models.Simple
        person = Simple.create(name="ann")
        person.age = 8
        person.save()
        person.update(name="bob")
        loaded = Simple.get(id=person.id)
        count = Simple.objects(id=person.id).count()
        person.delete()
        outcome[engine] = (loaded.name, loaded.age, count, Simple.objects(id=person.id).count())
    assert outcome["shim"] == outcome["ref"] == ("bob", 8, 1, 0)


def test_errors_have_cqlengine_types(engines: dict[str, Any]) -> None:
    kinds: dict[str, list[str]] = {}
    for engine, e in engines.items():
        Simple = e.models.Simple
        found = []
        calls: list[tuple[Any, dict[str, Any]]] = [
            (Simple.get, {"id": uuid.uuid4()}),
            (Simple.create, {"age": 1}),  # the required name is missing
            (Simple.create, {"name": "x", "age": "not a number"}),
            (Simple.objects, {"nope": 1}),
        ]
        for call, kwargs in calls:
            try:
                call(**kwargs)
            except Exception as exc:
                found.append(
                    type(exc).__name__
                    + ("+DoesNotExist" if isinstance(exc, Simple.DoesNotExist) else "")
                )
            else:
                found.append("no error")
        kinds[engine] = found
    assert kinds["shim"] == kinds["ref"]


def test_modules_expose_cqlengine_names() -> None:
    shim = load("shim")
    for module, names in _USED.items():
        missing = {n for n in names if not hasattr(getattr(shim, module), n)}
        assert not missing, f"{module}: {sorted(missing)}"


# Names of each module that applications use (from CQLENGINE.md and real code).
_USED = {
    "columns": [
        "Text", "Ascii", "Integer", "TinyInt", "SmallInt", "BigInt", "VarInt", "Counter",
        "Float", "Double", "Decimal", "Boolean", "DateTime", "Date", "Time", "Duration", "UUID",
        "TimeUUID", "Blob", "Bytes", "Inet", "List", "Set", "Map", "Tuple", "UserDefinedType",
        "Column", "BaseCollectionColumn", "BaseContainerColumn",
    ],
    "models": ["Model", "BaseModel", "ModelDefinitionException", "ColumnDescriptor"],
    "query": [
        "BatchQuery", "BatchType", "DoesNotExist", "MultipleObjectsReturned", "LWTException",
        "QueryException", "ModelQuerySet",
    ],
    "usertype": ["UserType"],
    "management": [
        "sync_table", "sync_type", "drop_table", "create_keyspace_simple",
        "create_keyspace_network_topology", "drop_keyspace",
    ],
    "connection": [
        "setup", "execute", "get_session", "get_cluster", "register_connection",
        "unregister_connection", "set_default_connection",
    ],
}  # fmt: skip


def test_counters_context_queries_and_timeuuid_bounds_agree(engines: dict[str, Any]) -> None:
    outcome: dict[str, Any] = {}
    for engine, e in engines.items():
        cq = e.cq
        columns = cq.columns

        class Hits(cq.models.Model):
            __keyspace__ = e.keyspace
            __connection__ = e.name
            id = columns.Integer(primary_key=True)
            views = columns.Counter()

        class Event(cq.models.Model):
            __keyspace__ = e.keyspace
            __connection__ = e.name
            id = columns.Integer(primary_key=True)
            at = columns.TimeUUID(primary_key=True)

        functions = importlib.import_module(f"{ENGINES[engine]}.functions")
        query = importlib.import_module(f"{ENGINES[engine]}.query")
        cq.management.sync_table(Hits)
        cq.management.sync_table(Event)
        hit = Hits(id=1)
        hit.views += 3
        hit.save()
        hit.views += 2
        hit.save()
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        Event.create(id=1, at=uuid.uuid1())
        window = Event.objects.filter(
            id=1,
            at__gte=functions.MinTimeUUID(now - dt.timedelta(minutes=1)),
            at__lte=functions.MaxTimeUUID(now + dt.timedelta(minutes=1)),
        ).count()
        with query.ContextQuery(Hits, keyspace=e.keyspace) as H:
            in_context = H.objects(id=1).first().views
        outcome[engine] = (Hits.get(id=1).views, window, in_context)
    assert outcome["shim"] == outcome["ref"] == (5, 1, 5)
