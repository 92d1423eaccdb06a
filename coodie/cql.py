"""CQL text builders.  Pure functions: identifiers in, statement text out (cached:
the same shape of call returns the same text without rebuilding it).

Values never appear in the text: every value, including LIMIT, TTL and TIMESTAMP, is
a bind marker, so that one statement text (and one prepared statement) serves every
call of the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from .operators import ASSIGNMENTS
from .schema import Column, Index, TableSchema, quote


class Assignment(NamedTuple):
    """One SET item (``op`` names a row of ``operators.ASSIGNMENTS``).  A named tuple:
    the statement cache hashes and compares these on every update, in C."""

    column: Column
    op: str = "set"

    def render(self) -> str:
        return ASSIGNMENTS[self.op].render(self.column.quoted)


@lru_cache(maxsize=1024)
def table_ref(keyspace: str, table: str) -> str:
    return f"{quote(keyspace)}.{quote(table)}"


def using(ttl: bool, timestamp: bool) -> str:
    parts = [p for p, on in (("TTL ?", ttl), ("TIMESTAMP ?", timestamp)) if on]
    return f" USING {' AND '.join(parts)}" if parts else ""


def where(clauses: Sequence[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


@lru_cache(maxsize=4096)
def insert(
    ref: str, columns: tuple[str, ...], *, ttl: bool, timestamp: bool, if_not_exists: bool
) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    lwt = " IF NOT EXISTS" if if_not_exists else ""
    return f"INSERT INTO {ref} ({names}) VALUES ({marks}){lwt}{using(ttl, timestamp)}"


@lru_cache(maxsize=4096)
def update(
    ref: str,
    assignments: tuple[Assignment, ...],
    clauses: tuple[str, ...],
    *,
    ttl: bool = False,
    timestamp: bool = False,
    if_exists: bool = False,
    conditions: tuple[str, ...] = (),
) -> str:
    sets = ", ".join(a.render() for a in assignments)
    tail = " IF EXISTS" if if_exists else ""
    if conditions:
        tail = " IF " + " AND ".join(conditions)
    return f"UPDATE {ref}{using(ttl, timestamp)} SET {sets}{where(clauses)}{tail}"


@lru_cache(maxsize=4096)
def delete(
    ref: str,
    clauses: tuple[str, ...],
    *,
    columns: tuple[str, ...] = (),
    timestamp: bool = False,
    if_exists: bool = False,
    conditions: tuple[str, ...] = (),
) -> str:
    cols = f" {', '.join(columns)}" if columns else ""
    tail = " IF EXISTS" if if_exists else ""
    if conditions:
        tail = " IF " + " AND ".join(conditions)
    return f"DELETE{cols} FROM {ref}{using(False, timestamp)}{where(clauses)}{tail}"


@lru_cache(maxsize=4096)
def select(
    ref: str,
    columns: tuple[str, ...],
    clauses: tuple[str, ...],
    *,
    order_by: tuple[str, ...] = (),
    per_partition_limit: bool = False,
    limit: bool = False,
    allow_filtering: bool = False,
    ann: str | None = None,
    distinct: bool = False,
) -> str:
    head = "SELECT DISTINCT" if distinct else "SELECT"
    parts = [f"{head} {', '.join(columns)} FROM {ref}{where(clauses)}"]
    if ann is not None:
        parts.append(f"ORDER BY {ann} ANN OF ?")
    elif order_by:
        parts.append(f"ORDER BY {', '.join(order_by)}")
    if per_partition_limit:
        parts.append("PER PARTITION LIMIT ?")
    if limit:
        parts.append("LIMIT ?")
    if allow_filtering:
        parts.append("ALLOW FILTERING")
    return " ".join(parts)


# -- DDL ---------------------------------------------------------------------------------


def literal(value: Any) -> str:
    """Render an option value as a CQL literal (DDL only; DML values are always bound)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Mapping):
        items = ", ".join(f"{literal(str(k))}: {literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(f"cannot render {value!r} as a CQL option; use str, number, bool or dict")


def create_table(schema: TableSchema, keyspace: str) -> str:
    ref = table_ref(keyspace, schema.table)
    cols = [
        f"{c.quoted} {c.type.cql}{' static' if c.kind == 'static' else ''}" for c in schema.columns
    ]
    partition = ", ".join(c.quoted for c in schema.partition_key)
    if len(schema.partition_key) > 1 or schema.clustering:
        partition = f"({partition})"
    key = ", ".join([partition, *(c.quoted for c in schema.clustering)])
    cql = f"CREATE TABLE IF NOT EXISTS {ref} ({', '.join(cols)}, PRIMARY KEY ({key}))"
    withs: list[str] = []
    if schema.clustering:
        order = ", ".join(f"{c.quoted} {c.order}" for c in schema.clustering)
        withs.append(f"CLUSTERING ORDER BY ({order})")
    withs.extend(f"{k} = {literal(v)}" for k, v in schema.options.items())
    if withs:
        cql += " WITH " + " AND ".join(withs)
    return cql


def add_column(schema: TableSchema, keyspace: str, column: Column) -> str:
    static = " static" if column.kind == "static" else ""
    return (
        f"ALTER TABLE {table_ref(keyspace, schema.table)} "
        f"ADD {column.quoted} {column.type.cql}{static}"
    )


def create_index(schema: TableSchema, keyspace: str, column: Column, index: Index) -> str:
    target = index.target
    if "(" in target:
        fn, _, rest = target.partition("(")
        target = f"{fn}({quote(rest.rstrip(')'))})"
    else:
        target = quote(target)
    cql = (
        f"CREATE {'CUSTOM ' if index.custom else ''}INDEX IF NOT EXISTS {quote(index.name)} "
        f"ON {table_ref(keyspace, schema.table)} ({target})"
    )
    if index.using:
        cql += f" USING {literal(index.using)}"
        if index.options:
            cql += f" WITH OPTIONS = {literal(dict(index.options))}"
    return cql


def drop_table(keyspace: str, table: str) -> str:
    return f"DROP TABLE IF EXISTS {table_ref(keyspace, table)}"


def create_keyspace(name: str, replication: Mapping[str, Any], durable_writes: bool) -> str:
    rep = json.dumps({k: str(v) for k, v in replication.items()}).replace('"', "'")
    durable = "true" if durable_writes else "false"
    return (
        f"CREATE KEYSPACE IF NOT EXISTS {quote(name)} WITH replication = {rep} "
        f"AND durable_writes = {durable}"
    )


def drop_keyspace(name: str) -> str:
    return f"DROP KEYSPACE IF EXISTS {quote(name)}"


# -- table options and materialized views ------------------------------------------------


def alter_options(
    keyspace: str, name: str, options: Mapping[str, Any], *, view: bool = False
) -> str:
    """``ALTER TABLE|MATERIALIZED VIEW ... WITH ...`` for options checked by
    ``schema.check_table_options`` (known names, so they need no quoting)."""
    kind = "MATERIALIZED VIEW" if view else "TABLE"
    items = " AND ".join(f"{k.lower()} = {literal(v)}" for k, v in options.items())
    return f"ALTER {kind} {table_ref(keyspace, name)} WITH {items}"


def create_view(schema: TableSchema, keyspace: str, base: str) -> str:
    """``CREATE MATERIALIZED VIEW IF NOT EXISTS``: the view's columns selected from
    ``base``, each key column restricted ``IS NOT NULL`` (as Cassandra requires)."""
    columns = ", ".join(c.quoted for c in schema.columns)
    not_null = " AND ".join(f"{c.quoted} IS NOT NULL" for c in schema.primary_key)
    partition = ", ".join(c.quoted for c in schema.partition_key)
    if len(schema.partition_key) > 1 or schema.clustering:
        partition = f"({partition})"
    key = ", ".join([partition, *(c.quoted for c in schema.clustering)])
    text = (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {table_ref(keyspace, schema.table)} AS "
        f"SELECT {columns} FROM {table_ref(keyspace, base)} WHERE {not_null} "
        f"PRIMARY KEY ({key})"
    )
    withs: list[str] = []
    if schema.clustering:
        order = ", ".join(f"{c.quoted} {c.order}" for c in schema.clustering)
        withs.append(f"CLUSTERING ORDER BY ({order})")
    withs.extend(f"{k.lower()} = {literal(v)}" for k, v in schema.options.items())
    if withs:
        text += " WITH " + " AND ".join(withs)
    return text


def drop_view(keyspace: str, name: str) -> str:
    return f"DROP MATERIALIZED VIEW IF EXISTS {table_ref(keyspace, name)}"


__all__ = [
    "Assignment",
    "add_column",
    "alter_options",
    "create_index",
    "create_keyspace",
    "create_table",
    "create_view",
    "delete",
    "drop_keyspace",
    "drop_table",
    "drop_view",
    "insert",
    "literal",
    "select",
    "table_ref",
    "update",
]
