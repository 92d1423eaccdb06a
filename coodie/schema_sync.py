"""Schema operations: create or extend tables and indexes, drop them, manage keyspaces.

``sync_table`` reads the live schema from ``system_schema`` every time (no process
cache), adds what is missing, and never drops or retypes anything: differences in
keys or column types raise ``SchemaMismatch`` listing each one.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any, TypedDict

from . import cql
from .connection import Connection, get_connection
from .document import DocumentBase, target
from .exceptions import ConfigurationError, SchemaMismatch
from .execution import ForgetPrepared, Operation, Pause, Request
from .schema import TableSchema, check_identifier

_DDL_TIMEOUT = 60.0


def _keyspace_of(model: type[DocumentBase]) -> tuple[TableSchema, Connection, str]:
    schema, conn, _ = target(model)  # raises when there is no keyspace
    return schema, conn, schema.keyspace or conn.keyspace or ""


def _ddl(conn: Connection, text: str) -> tuple[Connection, Request]:
    return conn, Request(text, (), prepare=False, timeout=_DDL_TIMEOUT)


def sync_table_op(
    model: type[DocumentBase], *, dry_run: bool = False, wait_for_indexes: float = 60.0
) -> Operation[list[str]]:
    """Create or extend the table; see the module docstring.

    An index added to a table that already holds rows is built in the background, and
    queries on it fail until it is built: the operation waits up to
    ``wait_for_indexes`` seconds for Cassandra to list it as built (0: do not wait).
    """
    schema, conn, keyspace = _keyspace_of(model)
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
    result = yield (
        conn,
        Request(
            "SELECT column_name, kind, position, type, clustering_order FROM system_schema.columns "
            "WHERE keyspace_name = ? AND table_name = ?",
            (keyspace, schema.table),
        ),
    )
    live = {r[0]: r for r in result.current_rows}
    statements: list[str] = []
    if not live:
        statements.append(cql.create_table(schema, keyspace))
    else:
        differences = _differences(schema, live)
        if differences:
            raise SchemaMismatch(
                f"{schema.model_name}: table {keyspace}.{schema.table} differs from the model; "
                "coodie never changes keys or column types on its own: " + "; ".join(differences),
                differences,
            )
        statements.extend(
            cql.add_column(schema, keyspace, c) for c in schema.columns if c.db_name not in live
        )
    wanted = [c for c in schema.columns if c.index is not None]
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
            yield _ddl(conn, text)
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


def _differences(schema: TableSchema, live: Mapping[str, Any]) -> list[str]:
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


def drop_table_op(model: type[DocumentBase]) -> Operation[None]:
    schema, conn, keyspace = _keyspace_of(model)
    yield _ddl(conn, cql.drop_table(keyspace, schema.table))
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
    yield _ddl(get_connection(connection), cql.create_keyspace(name, replication, durable_writes))


def drop_keyspace_op(name: str, *, connection: str | None = None) -> Operation[None]:
    check_identifier(name, "keyspace", "drop_keyspace")
    conn = get_connection(connection)
    yield _ddl(conn, cql.drop_keyspace(name))
    yield conn, ForgetPrepared()


__all__ = ["create_keyspace_op", "drop_keyspace_op", "drop_table_op", "sync_table_op"]
