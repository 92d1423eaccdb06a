"""Materialized views: read-only documents over a base table.

A view model (``coodie.sync.View`` / ``coodie.aio.View``) names its base in
``class Settings: base = Run``.  Its ``TableSchema`` is built like a table's (so
queries, hydration and paging are the table machinery); ``bind_view`` then checks it
against the base at class creation, with Cassandra's rules for views, and gives it the
base's keyspace and connection.  ``sync_view_op``/``drop_view_op`` are the schema
operations, in the style of ``schema_sync``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, NoReturn

from . import cql
from .document import DocumentBase, polymorphic_root, table_schema
from .exceptions import ConfigurationError, DefinitionError, InvalidQuery, SchemaMismatch
from .execution import ForgetPrepared, Operation, Request
from .schema import TableSchema, read_settings
from .schema_sync import column_differences, ddl, keyspace_of, live_options_op, option_changes


class ViewBase(DocumentBase):
    """A model of a materialized view; the fronts' ``View`` classes subclass it."""

    # Settings a view knows besides a table's: ``base``, the Document it is a view of.
    __coodie_settings__: ClassVar[frozenset[str]] = frozenset({"base"})
    __coodie_base__: ClassVar[type[DocumentBase] | None] = None

    class Settings:
        abstract = True

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__coodie_base__ = None
        if read_settings(cls).get("abstract"):
            return
        if cls.__dict__.get("__coodie_schema__") is None:
            raise DefinitionError(
                f"{cls.__name__}: a view's annotations must resolve when the class is "
                "created (no forward references); define it after the types it uses"
            )
        bind_view(cls)


def bind_view(view: type[ViewBase]) -> None:
    """Check the view against its base table (everything Cassandra would refuse raises
    ``DefinitionError`` naming the view and the field) and give it the base's keyspace
    and connection."""
    name = view.__name__
    schema: TableSchema = view.__dict__["__coodie_schema__"]
    settings = read_settings(view)
    base = settings.get("base")
    if base is None:
        raise DefinitionError(
            f"{name}: a view needs the Document it is a view of: class Settings: base = Run"
        )
    if not (isinstance(base, type) and issubclass(base, DocumentBase)) or issubclass(
        base, ViewBase
    ):
        raise DefinitionError(
            f"{name}.Settings.base must be a Document class (a table), not {base!r}; "
            "Cassandra builds views on tables only"
        )
    try:
        base_schema = table_schema(base)
    except ConfigurationError as exc:
        raise DefinitionError(f"{name}.Settings.base: {exc}") from exc
    base_name = base.__name__
    if base_schema.discriminator_value is not None:
        root = polymorphic_root(base)
        raise DefinitionError(
            f"{name}.Settings.base: {base_name} is one kind of row of "
            f"{root.__name__ if root else 'another model'}'s table; a view of it would hold "
            "the rows of every kind: make the view of the base model and filter its rows"
        )
    if base_schema.is_counter_table:
        raise DefinitionError(
            f"{name}: {base_name} is a counter table; Cassandra has no views of counter tables"
        )
    if {k.lower(): v for k, v in base_schema.options.items()}.get("gc_grace_seconds") == 0:
        raise DefinitionError(
            f"{name}: {base_name} has gc_grace_seconds = 0, which Cassandra refuses for the "
            "base of a view (it is the lifetime of undelivered view updates)"
        )
    for setting in ("keyspace", "connection"):
        own = settings.get(setting)
        if own is not None and own != getattr(base_schema, setting):
            raise DefinitionError(
                f"{name}.Settings.{setting} = {own!r}: a view lives in the {setting} of its "
                f"base {base_name} ({getattr(base_schema, setting)!r}); remove the setting"
            )
    if any(k.lower() == "default_time_to_live" for k in schema.options):
        raise DefinitionError(
            f"{name}.Settings.options: a view cannot have default_time_to_live; its rows "
            f"expire with the rows of {base_name}"
        )
    base_columns = {c.db_name: c for c in base_schema.columns}
    for column in schema.columns:
        where = f"{name}.{column.name}"
        found = base_columns.get(column.db_name)
        if found is None:
            raise DefinitionError(
                f"{where}: {base_name} has no column {column.db_name}; a view's columns are "
                f"columns of its base table ({', '.join(base_columns)})"
            )
        if found.type.cql != column.type.cql:
            raise DefinitionError(
                f"{where} is {column.type.cql}, {base_name}.{found.name} is {found.type.cql}; "
                "a view column has the type of its base column"
            )
        if found.kind == "static" or column.kind == "static":
            raise DefinitionError(
                f"{where}: static columns cannot be in a view; remove the field"
                + ("" if column.kind == "static" else f" ({base_name}.{found.name} is static)")
            )
        if column.index is not None:
            raise DefinitionError(
                f"{where}: views cannot have secondary indexes; index {base_name} instead"
            )
    view_key = {c.db_name for c in schema.primary_key}
    missing = [c.db_name for c in base_schema.primary_key if c.db_name not in view_key]
    if missing:
        raise DefinitionError(
            f"{name}: the primary key of a view must contain every primary key column of "
            f"{base_name}; add {', '.join(missing)} as PrimaryKey() or ClusteringKey() fields"
        )
    extra = [c.name for c in schema.primary_key if not base_columns[c.db_name].is_key]
    if len(extra) > 1:
        raise DefinitionError(
            f"{name}: {', '.join(extra)} are not key columns of {base_name}; a view's primary "
            "key may add at most one column to the base table's key"
        )
    view.__coodie_schema__ = dataclasses.replace(
        schema, keyspace=base_schema.keyspace, connection=base_schema.connection
    )
    view.__coodie_base__ = base


def base_of(view: type[DocumentBase]) -> type[DocumentBase]:
    base = getattr(view, "__coodie_base__", None)
    if base is None:
        raise ConfigurationError(
            f"{view.__name__} is not a materialized view; subclass coodie.sync.View or "
            "coodie.aio.View and set Settings.base"
        )
    return base  # type: ignore[no-any-return]


def refuse_write(model: type[DocumentBase], what: str) -> NoReturn:
    """Views are written by Cassandra from their base table, never directly."""
    base = getattr(model, "__coodie_base__", None)
    of = f" of {base.__name__}" if base is not None else ""
    instead = f"; write {base.__name__} instead" if base is not None else ""
    raise InvalidQuery(
        f"{model.__name__} is a materialized view{of} and is read-only: {what} is refused "
        f"(Cassandra updates a view from its base table){instead}"
    )


def sync_view_op(view: type[DocumentBase], *, dry_run: bool = False) -> Operation[list[str]]:
    """Create the view (after checking that its base table exists), or compare an
    existing one: a different base, key or column type raises ``SchemaMismatch``
    (views cannot be altered, only dropped and created again); differing options are
    changed with ``ALTER MATERIALIZED VIEW``."""
    base = base_of(view)
    schema, conn, keyspace = keyspace_of(view)
    base_table = table_schema(base).table
    found = yield from live_options_op(conn, keyspace, base_table)
    if found is None:
        raise ConfigurationError(
            f"{schema.model_name}: base table {keyspace}.{base_table} does not exist; create it "
            f"first with {base.__name__}.sync_table()"
        )
    if found.get("gc_grace_seconds") == 0:
        raise ConfigurationError(
            f"{schema.model_name}: base table {keyspace}.{base_table} has gc_grace_seconds = 0, "
            "which Cassandra refuses for the base of a view"
        )
    live = yield from live_options_op(conn, keyspace, schema.table, view=True)
    result = yield (
        conn,
        Request(
            "SELECT column_name, kind, position, type, clustering_order FROM system_schema.columns "
            "WHERE keyspace_name = ? AND table_name = ?",
            (keyspace, schema.table),
        ),
    )
    columns = {r[0]: r for r in result.current_rows}
    statements: list[str] = []
    what = f"view {keyspace}.{schema.table}"
    if live is None:
        if columns:  # CREATE ... IF NOT EXISTS would silently keep the table
            raise ConfigurationError(
                f"{schema.model_name}: {keyspace}.{schema.table} is a table, not a materialized "
                "view; name the view otherwise (Settings.name)"
            )
        statements.append(cql.create_view(schema, keyspace, base_table))
    else:
        differences = []
        if live.get("base_table_name") != base_table:
            differences.append(
                f"the view is of table {live.get('base_table_name')}, the model's base is "
                f"{base_table}"
            )
        differences += column_differences(schema, columns)
        differences += [
            f"{c.db_name} is not in the view"
            for c in schema.columns
            if not c.is_key and c.db_name not in columns
        ]
        if differences:
            raise SchemaMismatch(
                f"{schema.model_name}: {what} differs from the model; a view cannot be altered: "
                "drop_view() and sync_view() to build it again: " + "; ".join(differences),
                differences,
            )
        changed = option_changes(schema, live, what)
        if changed:
            statements.append(cql.alter_options(keyspace, schema.table, changed, view=True))
    if not dry_run and statements:
        for text in statements:
            yield ddl(conn, text)
        yield conn, ForgetPrepared()
    return statements


def drop_view_op(view: type[DocumentBase]) -> Operation[None]:
    base_of(view)
    schema, conn, keyspace = keyspace_of(view)
    yield ddl(conn, cql.drop_view(keyspace, schema.table))
    yield conn, ForgetPrepared()


__all__ = ["ViewBase", "base_of", "bind_view", "drop_view_op", "refuse_write", "sync_view_op"]
