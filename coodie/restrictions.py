"""Cassandra's rules for a query, checked before any I/O.

A query Cassandra would refuse (a partition key partly restricted, a clustering
column skipped, an unindexed filter without ``allow_filtering()``, an order it
cannot serve) fails here with a message that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .clauses import Condition
from .exceptions import InvalidQuery
from .operators import RANGES
from .schema import Column, Index, TableSchema


@dataclass(frozen=True, slots=True)
class QuerySpec:
    """What a queryset asks for; immutable, so that chained querysets share it."""

    conditions: tuple[Condition, ...] = ()
    limit: int | None = None
    per_partition_limit: int | None = None
    order_by: tuple[tuple[Column, bool], ...] = ()  # (column, descending)
    ann: tuple[Column, Any] | None = None  # ORDER BY column ANN OF vector (driver form)
    allow_filtering: bool = False
    columns: tuple[Column, ...] | None = None  # only()/defer(); None = all
    values: tuple[Column, ...] | None = None  # values_list(); () = the row's columns
    distinct: tuple[Column, ...] | None = None  # SELECT DISTINCT these (partition key first)
    flat: bool = False
    consistency: Any = None
    timeout: float | None = None
    fetch_size: int | None = None
    keyspace: str | None = None  # using(): another keyspace or connection than the model's
    connection: str | None = None


def _restrictions(spec: QuerySpec) -> dict[str, list[Condition]]:
    by: dict[str, list[Condition]] = {}
    for c in spec.conditions:
        if c.column is not None:
            by.setdefault(c.column.name, []).append(c)
    return by


def _partition_restricted(schema: TableSchema, by: Mapping[str, list[Condition]]) -> bool:
    return all(
        any(c.op in ("eq", "in") for c in by.get(col.name, ())) for col in schema.partition_key
    )


def filtering_reasons(schema: TableSchema, spec: QuerySpec) -> list[str]:
    """Why Cassandra would need ALLOW FILTERING for this query (empty: it would not)."""
    by = _restrictions(spec)
    # Key columns with their own index may be filtered on like any indexed column.
    served = {
        c.name
        for c in schema.primary_key
        if c.index is not None
        and c.name in by
        and all(_index_serves(c.index, x.op, c.type.cql) for x in by[c.name])
    }
    indexed_used = len(served)
    reasons: list[str] = []
    full_partition = _partition_restricted(schema, by)
    missing = [c.name for c in schema.partition_key if c.name not in by]
    partly = [c.name for c in schema.partition_key if c.name in by and c.name not in served]
    if partly and missing:
        reasons.append(
            f"the partition key ({', '.join(c.name for c in schema.partition_key)}) is only "
            f"partly restricted; add = or __in filters on {', '.join(missing)}"
        )
    for col in schema.partition_key:
        if col.name in served:
            continue
        for cond in by.get(col.name, ()):
            if cond.op not in ("eq", "in"):
                reasons.append(
                    f"{col.name}__{cond.op} on a partition key column (only = and __in, or "
                    "pk__token__... ranges, select partitions)"
                )
    reasons += clustering_reasons(schema, by, full_partition, skip=served)
    for col in schema.data_columns:
        for cond in by.get(col.name, ()):
            index = col.index
            if index is None:
                reasons.append(
                    f"{col.name} is not part of the primary key and has no index "
                    f"(add Indexed() to {schema.model_name}.{col.name})"
                )
            elif not _index_serves(index, cond.op, col.type.cql):
                reasons.append(f"the index on {col.name} cannot serve __{cond.op}")
            else:
                indexed_used += 1
    if indexed_used > 1 and not all(
        col.index is not None and col.index.is_sai
        for col in schema.columns
        if col.name in by and (not col.is_key or col.name in served)
    ):
        reasons.append("more than one indexed column is restricted")
    return reasons


def clustering_reasons(
    schema: TableSchema,
    by: Mapping[str, list[Condition]],
    full_partition: bool,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Clustering filters must follow the clustering order: = or __in on a prefix, then
    at most one range.  (Columns in ``skip`` are answered by their own index.)"""
    reasons = []
    blocked: str | None = None if full_partition else "the partition key is not restricted"
    for col in schema.clustering:
        conds = by.get(col.name, [])
        if col.name in skip:
            blocked = blocked or f"clustering column {col.name} (before it) is filtered by index"
            continue
        if not conds:
            blocked = blocked or f"clustering column {col.name} (before it) is not restricted"
            continue
        for cond in conds:
            if cond.op not in ("eq", "in", *RANGES):
                reasons.append(f"{col.name}__{cond.op} on a clustering column")
        if blocked is not None:
            reasons.append(f"{col.name} is restricted although {blocked}")
        if any(c.op in RANGES for c in conds):
            blocked = blocked or f"{col.name} (before it) has a range"
    return reasons


def _index_serves(index: Index, op: str, cql_type: str) -> bool:
    """Which filters an index answers: legacy 2i only =/CONTAINS; SAI adds ranges on
    non-text types; SASI adds ranges and LIKE (Cassandra 5.0's SAI has no LIKE)."""
    target = index.target
    if index.using is not None:
        if "sasi" in index.using.lower():
            return op in ("eq", "like", *RANGES)
        if index.is_sai:
            if op in RANGES:
                return cql_type not in ("text", "ascii")
            if op == "contains":
                return not target.startswith(("keys(", "entries("))
            if op == "contains_key":
                return target.startswith("keys(")
            return op == "eq" and not target.startswith(("values(", "keys(", "entries("))
        return True  # another custom index: let the server decide
    if op == "eq":
        return not target.startswith(("values(", "keys("))
    if op == "contains":
        return target.startswith("values(")
    if op == "contains_key":
        return target.startswith("keys(")
    return False


_KINDS = {
    "partition_key": "a partition key column",
    "clustering": "a clustering column",
    "static": "a static column",
    "regular": "a regular column",
}


def _distinct_columns(schema: TableSchema) -> str:
    pk = ", ".join(c.name for c in schema.partition_key)
    statics = ", ".join(c.name for c in schema.columns if c.kind == "static")
    return f"partition key columns ({pk}) and static columns ({statics or 'none in this table'})"


def check_distinct_column(schema: TableSchema, column: Column, method: str) -> None:
    """SELECT DISTINCT reads one row per partition: only the partition key and static
    columns can be selected (by ``distinct()`` or ``values_list()``)."""
    if column.kind in ("partition_key", "static"):
        return
    what = method if method == "distinct()" else f"{method} of a distinct() queryset"
    raise InvalidQuery(
        f"{schema.model_name}: {what} cannot select {column.name}: SELECT DISTINCT reads one "
        f"row per partition, so it selects only {_distinct_columns(schema)}, and "
        f"{schema.model_name}.{column.name} is {_KINDS[column.kind]}. Drop {column.name} from "
        f"{method}, or read the rows without distinct()"
    )


def check_distinct(schema: TableSchema, spec: QuerySpec) -> None:
    """What Cassandra refuses with SELECT DISTINCT (``spec.distinct`` is set): filters on
    clustering or regular columns, ordering, per-partition limits, other columns."""
    model = schema.model_name
    for cond in spec.conditions:
        column = cond.column
        if column is not None and column.kind not in ("partition_key", "static"):
            raise InvalidQuery(
                f"{model}: distinct() cannot filter on {column.name} ({model}.{column.name} is "
                f"{_KINDS[column.kind]}): SELECT DISTINCT filters only on the partition key "
                "(=, __in, pk__token ranges) and static columns. Drop that filter, or read "
                "the rows without distinct()"
            )
    for what, used in (
        ("order_by()", bool(spec.order_by)),
        ("order_by_ann()", spec.ann is not None),
    ):
        if used:
            raise InvalidQuery(
                f"{model}: distinct() and {what} do not combine: SELECT DISTINCT returns one "
                "row per partition, in token order, and cannot sort them; sort client side"
            )
    if spec.per_partition_limit is not None:
        raise InvalidQuery(
            f"{model}: distinct() and per_partition_limit() do not combine: SELECT DISTINCT "
            "already returns one row per partition; drop per_partition_limit()"
        )
    if spec.columns is not None:
        raise InvalidQuery(
            f"{model}: distinct() and only()/defer() do not combine: distinct() selects the "
            "partition key and the static columns it names; name them in distinct(...) instead"
        )
    for column in spec.values or ():
        check_distinct_column(schema, column, "values_list()")


def check_select(schema: TableSchema, spec: QuerySpec) -> None:
    """Raise ``InvalidQuery`` for what Cassandra would refuse; nothing is sent."""
    model = schema.model_name
    if spec.distinct is not None:
        check_distinct(schema, spec)
    if spec.ann is not None:
        column = spec.ann[0]
        if spec.limit is None:
            raise InvalidQuery(
                f"{model}: order_by_ann() needs limit(k): Cassandra returns the k nearest rows"
            )
        if spec.order_by:
            raise InvalidQuery(f"{model}: order_by_ann() and order_by() do not combine")
        if column.index is None or not column.index.is_sai:
            raise InvalidQuery(
                f"{model}.{column.name}: order_by_ann() needs an SAI index on the vector: "
                "Indexed(using='sai', options={'similarity_function': 'cosine'})"
            )
    if spec.order_by:
        by = _restrictions(spec)
        if not _partition_restricted(schema, by):
            raise InvalidQuery(
                f"{model}: order_by() needs the partition key "
                f"({', '.join(c.name for c in schema.partition_key)}) restricted with ="
            )
        positions = [schema.clustering.index(c) for c, _ in spec.order_by]
        ordered = set(positions)
        skipped = [
            c.name
            for c in schema.clustering[: max(positions) + 1]
            if c.name not in {o.name for o, _ in spec.order_by}
            and not any(x.op == "eq" for x in by.get(c.name, ()))
        ]
        if positions != sorted(ordered) or skipped:
            raise InvalidQuery(
                f"{model}: order_by() must name clustering columns in their declared order "
                f"({', '.join(c.name for c in schema.clustering)}); a column may be left out "
                "only when it is filtered with ="
                + (f" (not the case for {', '.join(skipped)})" if skipped else "")
            )
        flips = {(desc != (col.order == "DESC")) for col, desc in spec.order_by}
        if len(flips) > 1:
            raise InvalidQuery(
                f"{model}: order_by() must keep or reverse the whole clustering order "
                f"({', '.join(f'{c.name} {c.order}' for c in schema.clustering)}); "
                "mixing directions is not supported by Cassandra"
            )
        for cond in spec.conditions:
            if cond.column is not None and cond.column.kind == "partition_key" and cond.op == "in":
                raise InvalidQuery(
                    f"{model}: Cassandra cannot page a query with order_by() and __in on the "
                    f"partition key ({cond.column.name}); sort client side, or run one query "
                    "per partition"
                )
    if not spec.allow_filtering:
        reasons = filtering_reasons(schema, spec)
        if reasons:
            raise InvalidQuery(
                f"{model}: this query needs ALLOW FILTERING because "
                + "; ".join(reasons)
                + ". Restrict the primary key or an indexed column, or call "
                ".allow_filtering() if scanning is intended"
            )


def check_key_only(schema: TableSchema, spec: QuerySpec, what: str, *, full: bool) -> None:
    model = schema.model_name
    by = _restrictions(spec)
    if any(c.column is None for c in spec.conditions):
        raise InvalidQuery(f"{model}: {what} cannot use token ranges; filter on the key")
    others = [n for n in by if not schema.by_name[n].is_key]
    if others:
        raise InvalidQuery(
            f"{model}: {what} can only filter on primary key columns, not {', '.join(others)}; "
            "select the keys first, then act on each"
        )
    if not _partition_restricted(schema, by):
        raise InvalidQuery(
            f"{model}: {what} needs the whole partition key "
            f"({', '.join(c.name for c in schema.partition_key)}) with = or __in"
        )
    if not full:
        reasons = clustering_reasons(schema, by, True)
        if reasons:
            raise InvalidQuery(
                f"{schema.model_name}: {what} cannot use these clustering filters ("
                + "; ".join(reasons)
                + "); restrict the clustering columns in order, with a range only on the last"
            )
    if full:
        missing = [
            c.name
            for c in schema.clustering
            if not any(x.op in ("eq", "in") for x in by.get(c.name, ()))
        ]
        if missing:
            raise InvalidQuery(
                f"{model}: {what} needs every primary key column with = or __in; "
                f"missing {', '.join(missing)}"
            )
    if spec.limit is not None or spec.order_by or spec.allow_filtering:
        raise InvalidQuery(
            f"{model}: {what} does not take limit(), order_by() or allow_filtering()"
        )


__all__ = [
    "QuerySpec",
    "check_distinct",
    "check_distinct_column",
    "check_key_only",
    "check_select",
    "clustering_reasons",
    "filtering_reasons",
]
