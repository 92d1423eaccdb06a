"""cqlengine's ``management`` functions over coodie's schema operations."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cassandra.metadata import protect_name

from ... import schema_sync
from ...document import table_schema
from ...exceptions import DefinitionError, SchemaMismatch
from ...schema import check_table_options
from . import connection as conn
from . import hints
from .errors import CQLEngineException
from .models import _clone_model_class, placed, table_options
from .runner import run_schema as run
from .translate import translated

CQLENG_ALLOW_SCHEMA_MANAGEMENT = "CQLENG_ALLOW_SCHEMA_MANAGEMENT"

log = logging.getLogger(__name__)


def _allowed() -> None:
    if not os.getenv(CQLENG_ALLOW_SCHEMA_MANAGEMENT):
        warnings.warn(
            "Schema management functions are no longer restricted by default; set "
            f"{CQLENG_ALLOW_SCHEMA_MANAGEMENT} to silence this warning",
            stacklevel=3,
        )


def _connections(connections: Any) -> list[Any]:
    return list(connections) if connections else [None]


@contextmanager
def _placed(model: Any, keyspace: str | None, connection: Any) -> Iterator[Any]:
    """The core document of the model as it is for this call: in ``keyspace`` over
    ``connection`` (else the model's ``__keyspace__``/``__connection__``, read now, as
    cqlengine reads them), with its ``__options__`` as they are now.  The model's own
    document is never changed, so that other threads' statements are not moved."""
    document = model._document
    if document is None:
        raise CQLEngineException("cannot create table from abstract model")
    schema = table_schema(document)
    try:
        options = check_table_options(table_options(model), schema.model_name)
    except DefinitionError as exc:  # cqlengine's KeyError for an option Cassandra lacks
        raise KeyError(f"Invalid table option: {exc}") from None
    keyspace = keyspace or model.__keyspace__
    connection = conn._name(connection) if connection is not None else model.__connection__
    if options != schema.options:  # __options__ changed since the class was made
        attrs = {"__keyspace__": keyspace, "__connection__": connection}
        yield _clone_model_class(model, attrs)._document
    elif keyspace != schema.keyspace or connection != schema.connection:
        yield placed(model, keyspace, connection)._document
    else:
        yield document


def _get_index_name_by_column(table: Any, column_name: str) -> str | None:
    """The name of the index on a column, from the driver's table metadata."""
    quoted = protect_name(column_name)
    for index in table.indexes.values():
        if dict(index.index_options).get("target") in (quoted, f"values({quoted})"):
            return str(index.name)
    return None


def _get_table_metadata(model: Any, connection: Any = None) -> Any:
    """The driver's metadata of the model's table (tests and tools read it)."""
    cluster = conn.get_cluster(connection)
    return cluster.metadata.keyspaces[model._get_keyspace()].tables[model._raw_column_family_name()]


def _check_model(model: Any) -> None:
    from .models import BaseModel

    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise CQLEngineException("Models must be derived from base Model.")
    if model.__abstract__:
        raise CQLEngineException("cannot create table from abstract model")


@contextmanager
def _differences_as_cqlengine_reports_them(what: str, keys: set[str]) -> Iterator[None]:
    """cqlengine refuses a change of the primary key and only logs a warning for a
    column whose type differs from the model's (it never retypes columns either)."""
    try:
        yield
    except SchemaMismatch as exc:
        if any("key column" in d or d.split(" ", 1)[0] in keys for d in exc.differences):
            raise CQLEngineException(str(exc)) from None
        log.warning("%s has column(s) differing from the model %s: %s", *what.split("|"), exc)


def sync_table(model: Any, keyspaces: Any = None, connections: Any = None) -> None:
    """Create the table (and its user types), or add its missing columns and indexes;
    an existing table's options are brought to the model's by ``_update_options``."""
    hints.hint("CU008", "management.sync_table(...)")
    _allowed()
    _check_model(model)
    keys = {c.db_field_name for c in model._primary_keys.values()}
    for connection in _connections(connections):
        for keyspace in keyspaces or [None]:
            with (
                _placed(model, keyspace, connection) as document,
                _differences_as_cqlengine_reports_them(f"Table {model.__name__}|type", keys),
                translated(model),
            ):
                existed = run(_table_exists_op(document))
                run(schema_sync.sync_table_op(document, options=False))
            if existed:
                _update_options(model, connection, keyspace)


def _table_exists_op(document: Any) -> Any:
    schema, conn, keyspace = schema_sync.keyspace_of(document)
    live = yield from schema_sync.live_options_op(conn, keyspace, schema.table)
    return live is not None


def _update_options(model: Any, connection: Any = None, keyspace: str | None = None) -> bool:
    """ALTER the table's options that differ from the model's ``__options__``; True when
    it did (cqlengine's name and answer)."""
    with _placed(model, keyspace, connection) as document, translated(model):
        return bool(run(schema_sync.sync_options_op(document)))


def sync_type(ks_name: str, type_model: Any, connection: Any = None) -> None:
    hints.hint("CU008", "management.sync_type(...)")
    _allowed()
    core = type_model._core_type()
    with (
        _differences_as_cqlengine_reports_them(f"Type {type_model.type_name()}|user type", set()),
        translated(),
    ):
        run(
            schema_sync.sync_type_op(
                core,
                keyspace=ks_name,
                connection=None if connection is None else conn._name(connection),
            )
        )


def drop_table(model: Any, keyspaces: Any = None, connections: Any = None) -> None:
    hints.hint("CU008", "management.drop_table(...)")
    _allowed()
    for connection in _connections(connections):
        for keyspace in keyspaces or [None]:
            with _placed(model, keyspace, connection) as document, translated(model):
                run(schema_sync.drop_table_op(document))


def create_keyspace_simple(
    name: str, replication_factor: int, durable_writes: bool = True, connections: Any = None
) -> None:
    hints.hint("CU008", "management.create_keyspace_simple(...)")
    _allowed()
    for connection in _connections(connections):
        run(
            schema_sync.create_keyspace_op(
                name,
                replication_factor=replication_factor,
                durable_writes=durable_writes,
                connection=None if connection is None else conn._name(connection),
            )
        )


def create_keyspace_network_topology(
    name: str,
    dc_replication_map: dict[str, int],
    durable_writes: bool = True,
    connections: Any = None,
) -> None:
    hints.hint("CU008", "management.create_keyspace_network_topology(...)")
    _allowed()
    for connection in _connections(connections):
        run(
            schema_sync.create_keyspace_op(
                name,
                dc_replication=dc_replication_map,
                durable_writes=durable_writes,
                connection=None if connection is None else conn._name(connection),
            )
        )


def drop_keyspace(name: str, connections: Any = None) -> None:
    hints.hint("CU008", "management.drop_keyspace(...)")
    _allowed()
    for connection in _connections(connections):
        run(
            schema_sync.drop_keyspace_op(
                name, connection=None if connection is None else conn._name(connection)
            )
        )


__all__ = [
    "create_keyspace_network_topology",
    "create_keyspace_simple",
    "drop_keyspace",
    "drop_table",
    "sync_table",
    "sync_type",
]
