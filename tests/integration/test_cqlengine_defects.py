"""Defects an adversarial pass found in the shim (issue 7), each run through cqlengine
and through the shim on the node, asserting the same outcome: rows, values and the
kind of exception.  Most of them once lost or changed data."""

from __future__ import annotations

import datetime as dt
import pickle
import sys
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.integration.cqlengine_pair import engine_keyspace, error_kind

ENGINES = ("ref", "shim")


def define(cq: SimpleNamespace, keyspace: str, connection: str) -> SimpleNamespace:
    columns, Model = cq.columns, cq.models.Model

    class Profile(Model):
        __keyspace__ = keyspace
        __connection__ = connection
        id = columns.Integer(primary_key=True)
        name = columns.Text()
        age = columns.Integer(default=7)
        tags = columns.Set(columns.Text)
        scores = columns.Map(columns.Text, columns.Integer)
        must = columns.Text(required=True, default="x")

    class Visit(Model):
        __keyspace__ = keyspace
        __connection__ = connection
        at = columns.DateTime(primary_key=True)
        ip = columns.Inet()

    class Tally(Model):
        __keyspace__ = keyspace
        __connection__ = connection
        id = columns.Integer(primary_key=True)
        a = columns.Counter()
        b = columns.Counter()

    # pickle finds the classes by module and name
    for model in (Profile, Visit, Tally):
        model.__module__ = __name__
        model.__qualname__ = f"{model.__name__}_{cq.name}"
        setattr(sys.modules[__name__], model.__qualname__, model)
    return SimpleNamespace(Profile=Profile, Visit=Visit, Tally=Tally)


@pytest.fixture(scope="module")
def engines(keyspace: str) -> Iterator[dict[str, SimpleNamespace]]:
    out: dict[str, SimpleNamespace] = {}
    contexts = []
    for engine in ENGINES:
        ctx = engine_keyspace(engine, f"{keyspace}_def_{engine}", f"defects_{engine}")
        e = ctx.__enter__()
        contexts.append(ctx)
        e.cq.name = engine
        e.m = define(e.cq, e.keyspace, e.name)
        for model in vars(e.m).values():
            e.cq.management.sync_table(model)
        out[engine] = e
    yield out
    for ctx in reversed(contexts):
        ctx.__exit__(None, None, None)


def both(engines: dict[str, SimpleNamespace], scenario: Any) -> dict[str, Any]:
    seen = {}
    for engine, e in engines.items():
        try:
            seen[engine] = scenario(e.m, e.cq)
        except Exception as exc:
            seen[engine] = error_kind(exc, e.cq)
    return seen


def test_changes_to_columns_only_did_not_read_are_written(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        m.Profile.create(id=1, name="n", age=1, tags={"a"}, scores={"a": 1})
        p = m.Profile.objects.only(["id", "name"]).get(id=1)
        p.tags.add("z")
        p.scores["z"] = 9
        p.age = None
        p.save()
        return dict(m.Profile.get(id=1).items())

    seen = both(engines, scenario)
    assert seen["shim"] == seen["ref"]
    assert seen["ref"]["tags"] == {"a", "z"} and seen["ref"]["age"] is None


def test_a_queryset_update_refuses_none_for_a_required_column(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        m.Profile.create(id=2, must="kept")
        try:
            m.Profile.objects(id=2).update(must=None)
        finally:
            kept = m.Profile.get(id=2).must
        return kept

    seen = both(engines, scenario)
    assert seen["shim"][:1] == ("ValidationError",) == seen["ref"][:1]
    assert [m.Profile.get(id=2).must for m in (e.m for e in engines.values())] == ["kept"] * 2


def test_iff_refuses_none(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        m.Profile.create(id=3, name="n")
        return m.Profile.objects(id=3).iff(name=None).update(age=2)

    seen = both(engines, scenario)
    assert seen["shim"] == seen["ref"] and "CQLEngineException" in seen["ref"]


def test_datetimes_are_stored_at_cqlengines_millisecond(engines: Any) -> None:
    """cqlengine's float arithmetic stores some instants 1 ms early: rows it wrote
    must be found, and not duplicated, after the imports change."""
    at = dt.datetime(2004, 5, 6, 18, 56, 56, 133000)
    ref, shim = engines["ref"], engines["shim"]
    ref.m.Visit.create(at=at, ip="10.0.0.1")  # written by cqlengine
    session = ref.cq.connection.get_session(ref.name)
    stored = session.execute(f"SELECT at FROM {ref.keyspace}.visit").one()["at"]
    # The shim, over cqlengine's table, finds it by the same value and writes over it.
    with shim.cq.query.ContextQuery(shim.m.Visit, keyspace=ref.keyspace) as Visit:
        assert Visit.objects(at=at).count() == 1
        Visit.create(at=at, ip="10.0.0.2")
        assert Visit.objects.count() == 1
    assert stored == dt.datetime(2004, 5, 6, 18, 56, 56, 132000)


def test_delete_then_save_sends_nothing(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        m.Profile.create(id=4, name="gone")
        p = m.Profile.get(id=4)
        p.delete()
        p.save()
        return m.Profile.objects(id=4).count()

    assert both(engines, scenario) == {"ref": 0, "shim": 0}


def test_a_new_counter_row_writes_every_counter(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        with pytest.warns(DeprecationWarning):
            m.Tally.create(id=1, a=5)
        t = m.Tally.get(id=1)
        return (t.a, t.b)

    assert both(engines, scenario) == {"ref": (5, 0), "shim": (5, 0)}


def test_an_ipv4_mapped_address_is_stored_as_the_server_stores_it(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        at = dt.datetime(2020, 1, 1)
        m.Visit.create(at=at, ip="::ffff:10.0.0.1")
        return (
            m.Visit.get(at=at).ip,
            m.Visit.objects(at=at).filter(ip="10.0.0.1").allow_filtering().count(),
        )

    seen = both(engines, scenario)
    assert seen["shim"] == seen["ref"] == ("10.0.0.1", 1)


def test_limit_zero_is_no_limit(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        for i in range(10, 13):
            m.Profile.create(id=i)
        return len(m.Profile.objects.filter(id__in=[10, 11, 12]).limit(0))

    assert both(engines, scenario) == {"ref": 3, "shim": 3}


def test_loaded_instances_pickle(engines: Any) -> None:
    """Caches, multiprocessing and task queues pickle instances; a shim instance carries
    its hidden document's state, so a copy saves only what changed."""
    m = engines["shim"].m
    m.Profile.create(id=20, name="a", tags={"t"})
    copy = pickle.loads(pickle.dumps(m.Profile.get(id=20)))
    copy.name = "b"
    copy.save()
    got = m.Profile.get(id=20)
    assert (got.name, got.tags, copy.get_changed_columns()) == ("b", {"t"}, [])


def test_a_connection_registered_twice_is_replaced(engines: Any) -> None:
    def scenario(m: Any, cq: Any) -> Any:
        name = f"twice_{uuid.uuid4().hex[:6]}"
        cq.connection.register_connection(name, hosts=["127.0.0.1"])
        cq.connection.register_connection(name, hosts=["127.0.0.1"])
        cq.connection.unregister_connection(name)
        return "ok"

    assert both(engines, scenario) == {"ref": "ok", "shim": "ok"}


@pytest.mark.parametrize(
    "change",
    [
        {"tags__update": {"y"}},  # not a set's suffix: cqlengine assigns
        {"tags__append": {"y"}},
        {"tags__add": {"y"}},
        {"tags__remove": {"a"}},
        {"scores": {"z": 5}},  # a blind map update sets each key given: a merge
        {"scores__append": {"z": 5}},  # a list's operator on a map: a merge too
        {"scores": {}},  # clears it
        {"scores__update": {"a": None}},
        {"scores__remove": {"a"}},
        {"name__add": "w"},  # a plain column: assigned
        {"tags__prepend": {"y"}},
    ],
    ids=lambda c: next(iter(c)),
)
def test_queryset_update_suffixes_by_the_columns_kind(engines: Any, change: dict[str, Any]) -> None:
    """cqlengine reads a ``col__op`` suffix by the column's class: a set's add/remove,
    a map's update/remove, and anything else an assignment (a merge on a map)."""

    def scenario(m: Any, cq: Any) -> Any:
        m.Profile.create(id=40, name="n", tags={"a", "b"}, scores={"a": 1, "b": 2})
        m.Profile.objects(id=40).update(**change)
        row = m.Profile.get(id=40)
        return row.name, sorted(row.tags or ()), dict(row.scores or {})

    seen = both(engines, scenario)
    assert seen["shim"] == seen["ref"]
