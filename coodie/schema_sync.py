"""Schema operations: create or extend tables and indexes, drop them, manage keyspaces.

``sync_table`` reads the live schema from ``system_schema`` every time (no process
cache), adds what is missing, and never drops or retypes anything: differences in
keys or column types raise ``SchemaMismatch`` listing each one.
"""

from __future__ import annotations

import math
import re
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from . import cql, usertype
from .connection import Connection, get_connection
from .document import DocumentBase, table_of, target
from .exceptions import ConfigurationError, SchemaMismatch
from .execution import ForgetPrepared, Operation, Pause, Request
from .schema import TableSchema, check_identifier
from .usertype import TypeSchema, UserType, type_schema

_DDL_TIMEOUT = 60.0


def keyspace_of(model: type[DocumentBase]) -> tuple[TableSchema, Connection, str]:
    _, conn, _ = target(model)  # raises when there is no keyspace
    schema = table_of(model)  # a hierarchy's table has every subclass's columns
    return schema, conn, schema.keyspace or conn.keyspace or ""


def ddl(conn: Connection, text: str) -> tuple[Connection, Request]:
    return conn, Request(text, (), prepare=False, timeout=_DDL_TIMEOUT)


def sync_table_op(
    model: type[DocumentBase],
    *,
    dry_run: bool = False,
    wait_for_indexes: float = 60.0,
    options: bool = True,
) -> Operation[list[str]]:
    """Create or extend the table; see the module docstring.  ``options=False`` leaves
    an existing table's options as they are (``sync_options_op`` does that part).

    An index added to a table that already holds rows is built in the background, and
    queries on it fail until it is built: the operation waits up to
    ``wait_for_indexes`` seconds for Cassandra to list it as built (0: do not wait).
    """
    schema, conn, keyspace = keyspace_of(model)
    result = yield (
        conn,
        Request(
            "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", (keyspace,)
        ),
    )
    if not result.current_rows:
        raise ConfigurationError(
            f"{schema.model_name}: keyspace {keyspace!r} does not exist; create it first: "
            f"create_keyspace({keyspace!r}, replication_factor=1) on a single node, "
            "replication_factor=3 or dc_replication={'dc1': 3} on a production cluster"
        )
    # The user types the columns hold come first, created (or extended) in this keyspace.
    statements: list[str] = yield from _types_plan_op(
        conn, keyspace, schema.user_types, schema.model_name
    )
    result = yield (
        conn,
        Request(
            "SELECT column_name, kind, position, type, clustering_order FROM system_schema.columns "
            "WHERE keyspace_name = ? AND table_name = ?",
            (keyspace, schema.table),
        ),
    )
    live = {r[0]: r for r in result.current_rows}
    if not live:
        statements.append(cql.create_table(schema, keyspace))
    else:
        differences = column_differences(schema, live)
        if differences:
            raise SchemaMismatch(
                f"{schema.model_name}: table {keyspace}.{schema.table} differs from the model; "
                "coodie never changes keys or column types on its own: " + "; ".join(differences),
                differences,
            )
        statements.extend(
            cql.add_column(schema, keyspace, c) for c in schema.columns if c.db_name not in live
        )
        if options:
            statements.extend((yield from _options_plan_op(schema, conn, keyspace)))
    wanted = [c for c in schema.columns if c.index is not None and c.index.managed]
    pending: set[str] = set()
    if wanted:
        # Index names are unique per keyspace, not per table: read them all.
        result = yield (
            conn,
            Request(
                "SELECT table_name, index_name, options FROM system_schema.indexes "
                "WHERE keyspace_name = ?",
                (keyspace,),
            ),
        )
        names = {r[1]: r[0] for r in result.current_rows}
        targets = {
            dict(r[2]).get("target", "") for r in result.current_rows if r[0] == schema.table
        }
        for column in wanted:
            index = column.index
            assert index is not None
            owner = names.get(index.name)
            if owner is not None and owner != schema.table:
                raise ConfigurationError(
                    f"{schema.model_name}.{column.name}: index name {index.name!r} is taken by "
                    f"table {keyspace}.{owner} (index names are unique per keyspace); pass "
                    "another name with Indexed(name=...)"
                )
            if owner is None and index.target not in targets:
                statements.append(cql.create_index(schema, keyspace, column, index))
                pending.add(index.name)
    if not dry_run:
        for text in statements:
            yield ddl(conn, text)
        if statements:
            yield conn, ForgetPrepared()
        if live and wait_for_indexes > 0:
            building = {c.index.name for c in wanted if c.index and c.index.name in pending}
            yield from _wait_for_indexes(conn, keyspace, building, wait_for_indexes)
    return statements


def _wait_for_indexes(
    conn: Connection, keyspace: str, names: set[str], limit: float
) -> Operation[None]:
    deadline = time.monotonic() + limit
    while names:
        try:
            result = yield (
                conn,
                Request(
                    'SELECT index_name FROM system."IndexInfo" WHERE table_name = ?', (keyspace,)
                ),
            )
        except Exception:  # a cluster without this table: nothing to wait on
            return
        names -= {r[0] for r in result.current_rows}
        if names and time.monotonic() > deadline:
            warnings.warn(
                f"indexes {', '.join(sorted(names))} of keyspace {keyspace} are still being "
                f"built after {limit:g}s; queries on them fail until they are",
                stacklevel=2,
            )
            return
        if names:
            yield conn, Pause(0.2)


def column_differences(schema: TableSchema, live: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for column in schema.columns:
        row = live.get(column.db_name)
        if row is None:
            if column.is_key:
                out.append(f"key column {column.db_name} is not in the table")
            continue
        _, kind, position, ctype, order = row
        if kind != column.kind:
            out.append(f"{column.db_name} is {kind} in the table, {column.kind} in the model")
        elif column.is_key and position != _rank(schema, column):
            out.append(
                f"{column.db_name} is at {kind} position {position} in the table, "
                f"{_rank(schema, column)} in the model"
            )
        if ctype != column.type.cql:
            out.append(f"{column.db_name} is {ctype} in the table, {column.type.cql} in the model")
        if kind == column.kind == "clustering" and order.upper() != column.order:
            out.append(
                f"{column.db_name} clusters {order.upper()} in the table, "
                f"{column.order} in the model"
            )
    names = {c.db_name for c in schema.columns}
    for name, row in live.items():
        if name not in names and row[1] in ("partition_key", "clustering"):
            out.append(f"key column {name} of the table is not in the model")
    return out


def _rank(schema: TableSchema, column: Any) -> int:
    keys = schema.partition_key if column.kind == "partition_key" else schema.clustering
    return keys.index(column)


# -- table options ---------------------------------------------------------------------------


def _options_plan_op(schema: TableSchema, conn: Connection, keyspace: str) -> Operation[list[str]]:
    """The ALTER that brings the options the model states to the table (only those)."""
    if not schema.options:
        return []
    live = yield from live_options_op(conn, keyspace, schema.table)
    changed = option_changes(schema, live or {}, f"table {keyspace}.{schema.table}")
    return [cql.alter_options(keyspace, schema.table, changed)] if changed else []


def sync_options_op(model: type[DocumentBase]) -> Operation[list[str]]:
    """ALTER an existing table's options where they differ from the model's stated ones;
    returns the CQL run (empty when they agree)."""
    schema, conn, keyspace = keyspace_of(model)
    statements = yield from _options_plan_op(schema, conn, keyspace)
    for text in statements:
        yield ddl(conn, text)
    return statements


def live_options_op(
    conn: Connection, keyspace: str, name: str, *, view: bool = False
) -> Operation[dict[str, Any] | None]:
    """The ``system_schema.tables`` (or ``views``) row of a table, by column name, or
    ``None`` when there is none."""
    table, column = ("views", "view_name") if view else ("tables", "table_name")
    result = yield (
        conn,
        Request(
            f"SELECT * FROM system_schema.{table} WHERE keyspace_name = ? AND {column} = ?",
            (keyspace, name),
        ),
    )
    rows = result.current_rows
    if not rows:
        return None
    return dict(zip(result.column_names, rows[0], strict=True))


# What system_schema shows as null for an option left at its default.
_OPTION_DEFAULTS: Mapping[str, Any] = {
    "allow_auto_snapshot": True,
    "incremental_backups": True,
    "cdc": False,
    "memtable": "default",
}
_RETRY = re.compile(r"^([0-9]+(?:\.[0-9]*)?)\s*(p|percentile|ms)$")
_RETRY_PAIR = re.compile(r"^(min|max)\(([^,]+),([^,]+)\)$")


def option_changes(schema: TableSchema, live: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The options the model states whose live value differs, by lower-case name.

    Options the server does not list in ``system_schema`` (ScyllaDB's own, on
    Cassandra) cannot be compared and are left alone; a different ``id`` cannot be
    altered and raises ``SchemaMismatch``.
    """
    changed: dict[str, Any] = {}
    for key, want in schema.options.items():
        name = key.lower()
        if name not in live:
            continue
        have = live[name]
        if name == "id":
            if have is not None and uuid.UUID(str(want)) != have:
                difference = f"id is {have} in the {what.split()[0]}, {want} in the model"
                raise SchemaMismatch(
                    f"{schema.model_name}: {what} differs from the model; the id of a table "
                    f"cannot be changed: {difference}",
                    [difference],
                )
            continue
        if not same_option(name, want, have):
            changed[name] = want
    return changed


def same_option(name: str, want: Any, have: Any) -> bool:
    """Does the live value ``have`` (as ``system_schema`` prints it: maps of text with
    every default filled in, class names qualified) mean the model's ``want``?"""
    if have is None:
        have = _OPTION_DEFAULTS.get(name)
        if have is None:
            return False
    if isinstance(want, Mapping):
        if not isinstance(have, Mapping):
            return False
        for key, value in want.items():
            found = have.get(key)
            if found is None:
                if key == "enabled" and _same_text(value, "true"):
                    continue  # Cassandra keeps compression 'enabled' only when false
                return False
            if key == "class" and isinstance(value, str) and isinstance(found, str):
                # 'LeveledCompactionStrategy' names org.apache.cassandra...Leveled...
                if found != value and ("." in value or found.rsplit(".", 1)[-1] != value):
                    return False
            elif not _same_text(value, found):
                return False
        return True
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have or (isinstance(have, str) and _same_text(want, have))
    if isinstance(want, (int, float)):
        return isinstance(have, (int, float)) and math.isclose(want, have, rel_tol=1e-9)
    if name in ("speculative_retry", "additional_write_policy"):
        return bool(_retry(want) == _retry(have))
    if name == "read_repair":
        return str(want).upper() == str(have).upper()
    return bool(want == have)


def _same_text(want: Any, have: Any) -> bool:
    """A value of an option map: Cassandra keeps them as text (``'32'``, ``'true'``)."""
    if isinstance(have, bytes):  # extensions are blobs
        return str(want).encode() == have
    if isinstance(want, bool):
        return str(have).lower() == ("true" if want else "false")
    if isinstance(want, (int, float)):
        try:
            return math.isclose(want, float(have), rel_tol=1e-9)
        except ValueError:
            return False
    return str(want).lower() == str(have).lower()


def _retry(value: Any) -> Any:
    """'99PERCENTILE', '99p' and '99.0p' are one policy; so are '10ms' and '10.0ms' (the
    server keeps whole milliseconds), 'NONE' and 'NEVER', and MIN/MAX of such values."""
    text = str(value).strip().lower().replace(" ", "")
    if text == "none":
        return "never"
    combined = _RETRY_PAIR.match(text)
    if combined is not None:
        return combined[1], _retry(combined[2]), _retry(combined[3])
    found = _RETRY.match(text)
    if found is None:
        return text
    if found[2] == "ms":
        return float(int(float(found[1]))), "ms"
    return float(found[1]), "p"


# -- user-defined types ----------------------------------------------------------------------


def _types_plan_op(
    conn: Connection, keyspace: str, user_types: Sequence[type[UserType]], where: str
) -> Operation[list[str]]:
    """The DDL that creates the missing ``user_types`` (dependencies first) and adds their
    missing fields; ``SchemaMismatch`` listing every field whose type differs."""
    if not user_types:
        return []
    result = yield (
        conn,
        Request(
            "SELECT type_name, field_names, field_types FROM system_schema.types "
            "WHERE keyspace_name = ?",
            (keyspace,),
        ),
    )
    live = {r[0]: dict(zip(r[1], r[2], strict=True)) for r in result.current_rows}
    statements: list[str] = []
    differences: list[str] = []
    for user_type in user_types:
        described = type_schema(user_type)
        fields = live.get(described.name)
        if fields is None:
            statements.append(usertype.create_type(described, keyspace))
            continue
        for field in described.fields:
            found = fields.get(field.db_name)
            if found is None:
                statements.append(usertype.add_field(described, keyspace, field))
            elif found != field.type.cql:
                differences.append(
                    f"{described.name}.{field.db_name} is {found} in the database, "
                    f"{field.type.cql} in {described.model_name}.{field.name}"
                )
    if differences:
        raise SchemaMismatch(
            f"{where}: user types in keyspace {keyspace} differ from the model; coodie never "
            "drops or retypes the fields of a type: " + "; ".join(differences),
            differences,
        )
    return statements


def _type_target(
    user_type: type[UserType], keyspace: str | None, connection: str | None
) -> tuple[TypeSchema, Connection, str]:
    described = type_schema(user_type)
    conn = get_connection(connection)
    name = keyspace or described.keyspace or conn.keyspace
    if name is None:
        raise ConfigurationError(
            f"{described.model_name} has no keyspace: pass keyspace=..., set Settings.keyspace "
            "on the type or pass keyspace=... to init_coodie()"
        )
    check_identifier(name, "keyspace", described.model_name)
    return described, conn, name


def sync_type_op(
    user_type: type[UserType],
    *,
    keyspace: str | None = None,
    connection: str | None = None,
    dry_run: bool = False,
) -> Operation[list[str]]:
    """Create the type and the types it holds (dependencies first), or add the fields it
    lacks; never drops or retypes a field (``SchemaMismatch``).  Returns the CQL run."""
    described, conn, name = _type_target(user_type, keyspace, connection)
    result = yield (
        conn,
        Request(
            "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", (name,)
        ),
    )
    if not result.current_rows:
        raise ConfigurationError(
            f"{described.model_name}: keyspace {name!r} does not exist; create it first with "
            f"create_keyspace({name!r}, ...)"
        )
    wanted = (*described.dependencies, user_type)
    statements = yield from _types_plan_op(conn, name, wanted, described.model_name)
    if not dry_run:
        for text in statements:
            yield ddl(conn, text)
        if statements:
            yield conn, ForgetPrepared()
    return statements


def drop_type_op(
    user_type: type[UserType], *, keyspace: str | None = None, connection: str | None = None
) -> Operation[None]:
    """DROP TYPE IF EXISTS (Cassandra refuses while a table or another type uses it)."""
    described, conn, name = _type_target(user_type, keyspace, connection)
    yield ddl(conn, usertype.drop_type(described, name))
    yield conn, ForgetPrepared()


def drop_table_op(model: type[DocumentBase]) -> Operation[None]:
    schema, conn, keyspace = keyspace_of(model)
    yield ddl(conn, cql.drop_table(keyspace, schema.table))
    yield conn, ForgetPrepared()


class KeyspaceOptions(TypedDict, total=False):
    """Keyword options of ``create_keyspace``: exactly one of the two replications."""

    replication_factor: int | None
    dc_replication: Mapping[str, int] | None
    durable_writes: bool
    connection: str | None


def create_keyspace_op(
    name: str,
    *,
    replication_factor: int | None = None,
    dc_replication: Mapping[str, int] | None = None,
    durable_writes: bool = True,
    connection: str | None = None,
) -> Operation[None]:
    check_identifier(name, "keyspace", "create_keyspace")
    if (replication_factor is None) == (dc_replication is None):
        raise ConfigurationError(
            "create_keyspace needs exactly one of replication_factor=N (SimpleStrategy) or "
            "dc_replication={'dc1': N} (NetworkTopologyStrategy)"
        )
    # Checked here, before any I/O: Cassandra's own errors name neither the call nor
    # the value, and some bad values (True, 1.5, "3") would be rendered as text.
    where = f"create_keyspace({name!r})"

    def positive(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value > 0

    if replication_factor is not None and not positive(replication_factor):
        raise ConfigurationError(
            f"{where}: replication_factor={replication_factor!r} is not a positive integer; "
            "pass the number of replicas, e.g. replication_factor=3"
        )
    if dc_replication is not None:
        if not isinstance(dc_replication, Mapping) or not dc_replication:
            raise ConfigurationError(
                f"{where}: dc_replication={dc_replication!r} must name at least one data "
                "center and its number of replicas, e.g. dc_replication={'dc1': N}"
            )
        for dc, factor in dc_replication.items():
            if not isinstance(dc, str) or not dc or dc == "class":
                raise ConfigurationError(
                    f"{where}: dc_replication keys are data center names (as nodetool status "
                    f"shows them), not {dc!r}"
                )
            if not positive(factor):
                raise ConfigurationError(
                    f"{where}: dc_replication[{dc!r}]={factor!r} is not a positive integer; "
                    f"pass the number of replicas in {dc}, e.g. {{{dc!r}: 3}}"
                )
    replication: dict[str, Any]
    if dc_replication is not None:
        replication = {"class": "NetworkTopologyStrategy", **dc_replication}
    else:
        replication = {"class": "SimpleStrategy", "replication_factor": replication_factor}
    yield ddl(get_connection(connection), cql.create_keyspace(name, replication, durable_writes))


def drop_keyspace_op(name: str, *, connection: str | None = None) -> Operation[None]:
    check_identifier(name, "keyspace", "drop_keyspace")
    conn = get_connection(connection)
    yield ddl(conn, cql.drop_keyspace(name))
    yield conn, ForgetPrepared()


__all__ = [
    "create_keyspace_op",
    "drop_keyspace_op",
    "drop_table_op",
    "drop_type_op",
    "live_options_op",
    "option_changes",
    "sync_options_op",
    "sync_table_op",
    "sync_type_op",
]
