"""Helpers of the differential tests: one piece of cqlengine code, run through real
cqlengine (``ref``) and through the shim (``shim``), each in its own keyspace and on
its own named connection, then compared.

``load`` imports an engine's modules by their cqlengine names; ``schema_rows`` and
``schema_snapshot`` read what a keyspace holds in ``system_schema``; ``norm`` turns
values (model instances, user types, collections, driver types) into plain
structures that keep each leaf's Python type; ``error_kind`` says how an application
would see an exception (its class name and the cqlengine classes it is caught by).
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from cassandra import InvalidRequest

from tests.conftest import cluster_hosts

ENGINES = {"ref": "cassandra.cqlengine", "shim": "coodie.compat.cqlengine"}

MODULES = ("columns", "connection", "functions", "management", "models", "query", "usertype")


def load(engine: str) -> SimpleNamespace:
    """The engine's modules, by their cqlengine names (``root`` is the package)."""
    root = ENGINES[engine]
    found = {n: importlib.import_module(f"{root}.{n}") for n in MODULES}
    return SimpleNamespace(root=importlib.import_module(root), **found)


@contextmanager
def engine_keyspace(engine: str, keyspace: str, name: str) -> Iterator[SimpleNamespace]:
    """A named connection of ``engine`` and a fresh keyspace on it, dropped after."""
    cq = load(engine)
    cq.connection.register_connection(name, hosts=cluster_hosts())
    try:
        cq.management.create_keyspace_simple(keyspace, 1, connections=[name])
        try:
            yield SimpleNamespace(engine=engine, cq=cq, keyspace=keyspace, name=name)
        finally:
            cq.management.drop_keyspace(keyspace, connections=[name])
    finally:
        cq.connection.unregister_connection(name)


def _plain(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def schema_rows(session: Any, keyspace: str) -> dict[str, Any]:
    """Columns (name, kind, position, type, clustering order), index targets and user
    types of ``keyspace``."""
    columns = session.execute(
        "SELECT table_name, column_name, kind, position, type, clustering_order "
        "FROM system_schema.columns WHERE keyspace_name = %s",
        (keyspace,),
    )
    indexes = session.execute(
        "SELECT table_name, index_name, options FROM system_schema.indexes "
        "WHERE keyspace_name = %s",
        (keyspace,),
    )
    types = session.execute(
        "SELECT type_name, field_names, field_types FROM system_schema.types "
        "WHERE keyspace_name = %s",
        (keyspace,),
    )
    return {
        "columns": sorted(_plain(r) for r in columns),
        "indexes": sorted((_plain(r)[0], dict(_plain(r)[2])["target"]) for r in indexes),
        "types": sorted(_plain(r) for r in types),
    }


def schema_snapshot(session: Any, keyspace: str) -> dict[str, Any]:
    """``schema_rows`` plus the tables and the options a model's ``__options__`` sets."""
    tables = session.execute(
        "SELECT table_name, comment, default_time_to_live, gc_grace_seconds, caching, "
        "compaction, bloom_filter_fp_chance FROM system_schema.tables "
        "WHERE keyspace_name = %s",
        (keyspace,),
    )
    out = schema_rows(session, keyspace)
    out["tables"] = sorted(
        (t[0], t[1], t[2], t[3], sorted(dict(t[4]).items()), dict(t[5])["class"], t[6])
        for t in map(_plain, tables)
    )
    return out


def table_rows(session: Any, keyspace: str, table: str) -> list[Any]:
    """Every row of a table, read raw (not through either engine), in a stable order."""
    rows = session.execute(f'SELECT * FROM "{keyspace}"."{table}"')
    return sorted((norm(r) for r in rows), key=repr)


def norm(value: Any) -> Any:
    """A plain, comparable form of ``value`` that keeps the Python type of each leaf.

    Model instances become ``("model", class name, {column: value})``; user-type values
    (cqlengine's ``UserType`` or the driver's named tuples) ``("udt", {field: value})``;
    sets are sorted; every other leaf is ``(type name, value)``.
    """
    if value is None:
        return None
    if hasattr(value, "_columns") and hasattr(value, "items"):  # a model instance
        return ("model", type(value).__name__, {k: norm(v) for k, v in value.items()})
    if hasattr(value, "_fields") and hasattr(value, "items"):  # cqlengine UserType
        return ("udt", {k: norm(v) for k, v in value.items()})
    if hasattr(value, "_fields") and hasattr(value, "_asdict"):  # driver UDT / Row
        return ("udt", {k: norm(v) for k, v in value._asdict().items()})
    if isinstance(value, dict) or type(value).__name__ == "OrderedMapSerializedKey":
        return (
            type(value).__name__,
            sorted(((norm(k), norm(v)) for k, v in value.items()), key=repr),
        )
    if isinstance(value, (set, frozenset)) or type(value).__name__ == "SortedSet":
        return (type(value).__name__, sorted((norm(v) for v in value), key=repr))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [norm(v) for v in value])
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat())
    return (type(value).__name__, value)


def error_kind(exc: BaseException, cq: SimpleNamespace, model: Any = None) -> tuple[str, ...]:
    """How an application sees ``exc``: its class name, then the cqlengine classes (of
    the same engine) that an ``except`` clause would catch it with."""
    catchers = {
        "InvalidRequest": InvalidRequest,  # what the server raises for a refused query
        "CQLEngineException": cq.root.CQLEngineException,
        "ValidationError": cq.root.ValidationError,
        "QueryException": cq.query.QueryException,
        "DoesNotExist": cq.query.DoesNotExist,
        "MultipleObjectsReturned": cq.query.MultipleObjectsReturned,
        "LWTException": cq.query.LWTException,
    }
    if model is not None:
        catchers["Model.DoesNotExist"] = model.DoesNotExist
        catchers["Model.MultipleObjectsReturned"] = model.MultipleObjectsReturned
    caught = tuple(name for name, klass in catchers.items() if isinstance(exc, klass))
    return (type(exc).__name__, *caught)


def fixed_uuid(n: int) -> uuid.UUID:
    """The ``n``-th of a fixed series of (version 4 shaped) uuids."""
    return uuid.UUID(int=(0x5EED << 112) | (4 << 76) | (2 << 62) | n)


def fixed_timeuuid(when: dt.datetime, n: int = 0) -> uuid.UUID:
    """A version 1 uuid of a fixed node and clock sequence, for ``when`` (naive UTC)."""
    from cassandra.util import uuid_from_time

    aware = when.replace(tzinfo=dt.timezone.utc)
    return uuid_from_time(aware, node=0x0242AC120002, clock_seq=n)
