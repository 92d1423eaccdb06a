"""Immutable query descriptions, their validation, and the operations that run them.

A ``QuerySetBase`` holds a frozen ``QuerySpec``; every chained call returns a new
queryset sharing everything else.  Before any I/O the spec is checked against the
table description with Cassandra's own rules (partition key, clustering prefix,
indexes), so a query Cassandra would refuse fails here with a message that says
what to do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from typing_extensions import Self

from . import cql
from .connection import Connection
from .document import (
    DocumentBase,
    from_db,
    to_db,
    unknown_field,
    validate_field,
    validate_value,
)
from .exceptions import DocumentNotFound, InvalidQuery, MultipleDocumentsFound
from .execution import Operation, Request
from .schema import Column, Index, TableSchema

T = TypeVar("T")

_RANGE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_OPS = {"eq", "ne", "in", *_RANGE, "contains", "contains_key", "like"}
_ASSIGN_OPS = {"append", "prepend", "add", "remove", "incr", "decr"}


@dataclass(frozen=True)
class Token:
    """``find(pk__token__gt=Token(value, ...))`` compares with ``token(?, ...)`` server-side."""

    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, slots=True)
class Condition:
    column: Column | None  # None: a token() restriction on the partition key
    op: str
    value: Any  # driver form; a list for IN
    token_values: tuple[Any, ...] | None = None

    def clause(self, schema: TableSchema) -> str:
        if self.column is None:
            cols = ", ".join(c.quoted for c in schema.partition_key)
            rhs = (
                "?"
                if self.token_values is None
                else f"token({', '.join('?' for _ in self.token_values)})"
            )
            return f"token({cols}) {_RANGE[self.op]} {rhs}"
        q = self.column.quoted
        if self.op == "eq":
            return f"{q} = ?"
        if self.op == "ne":
            return f"{q} != ?"
        if self.op == "in":
            return f"{q} IN ?"
        if self.op == "contains":
            return f"{q} CONTAINS ?"
        if self.op == "contains_key":
            return f"{q} CONTAINS KEY ?"
        if self.op == "like":
            return f"{q} LIKE ?"
        return f"{q} {_RANGE[self.op]} ?"

    def params(self) -> list[Any]:
        if self.token_values is not None:
            return list(self.token_values)
        return [self.value]


@dataclass(frozen=True, slots=True)
class QuerySpec:
    conditions: tuple[Condition, ...] = ()
    limit: int | None = None
    per_partition_limit: int | None = None
    order_by: tuple[tuple[Column, bool], ...] = ()  # (column, descending)
    allow_filtering: bool = False
    columns: tuple[Column, ...] | None = None  # only()/defer(); None = all
    values: tuple[Column, ...] | None = None  # values_list()
    flat: bool = False
    consistency: Any = None
    timeout: float | None = None
    fetch_size: int | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the state to fetch the next (``None`` at the end)."""

    items: list[T]
    paging_state: bytes | None = field(default=None)

    @property
    def has_more(self) -> bool:
        return self.paging_state is not None


# -- parsing filters and assignments -------------------------------------------------------


def parse_filters(schema: TableSchema, filters: Mapping[str, Any]) -> list[Condition]:
    out = []
    for key, raw in filters.items():
        name, op = _split(key, _OPS)
        if name == "pk" and op.startswith("token__"):
            out.append(_token_condition(schema, op.removeprefix("token__"), raw, key))
            continue
        column = schema.by_name.get(name)
        if column is None:
            raise InvalidQuery(unknown_field(schema, name, "column") + f" in filter {key!r}")
        out.append(_condition(schema, column, op, raw, key))
    return out


def _split(key: str, ops: set[str]) -> tuple[str, str]:
    if key.startswith("pk__token__"):
        return "pk", key[4:]
    if key == "pk__token":
        return "pk", "token__eq"
    name, sep, op = key.rpartition("__")
    if sep and op in ops:
        return name, op
    return key, "eq"


def _token_condition(schema: TableSchema, op: str, raw: Any, key: str) -> Condition:
    if op not in _RANGE and op != "eq":
        raise InvalidQuery(f"{key}: token restrictions support __gt, __gte, __lt, __lte")
    if op == "eq":
        raise InvalidQuery(f"{key}: use find(<partition key>=...) instead of an equal token")
    if isinstance(raw, Token):
        if len(raw.values) != len(schema.partition_key):
            raise InvalidQuery(
                f"{key}: Token() needs one value per partition key column "
                f"({', '.join(c.name for c in schema.partition_key)})"
            )
        values = tuple(
            to_db(schema, c, validate_value(schema, c, v, what="token value"))
            for c, v in zip(schema.partition_key, raw.values, strict=True)
        )
        return Condition(None, op, None, values)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise InvalidQuery(f"{key}: expected a token (int) or Token(*partition_key_values)")
    return Condition(None, op, raw)


def _condition(schema: TableSchema, column: Column, op: str, raw: Any, key: str) -> Condition:
    ctype = column.type
    where = f"{schema.model_name}.{column.name}"
    if op == "ne":
        raise InvalidQuery(
            f"{key}: Cassandra does not support != in WHERE clauses (only in conditional "
            "writes); filter the results in Python, or restrict with __in/__gt/__lt instead"
        )
    if op == "in":
        if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
            raise InvalidQuery(f"{key}: __in takes a list or tuple of values, not {raw!r}")
        values = [
            to_db(schema, column, validate_value(schema, column, v, what="value")) for v in raw
        ]
        return Condition(column, op, values)
    if op in ("contains", "contains_key"):
        if ctype.collection is None:
            raise InvalidQuery(f"{key}: {where} is {ctype.cql}, not a collection; __{op} needs one")
        if op == "contains_key" and ctype.collection != "map":
            raise InvalidQuery(f"{key}: __contains_key needs a map column; {where} is {ctype.cql}")
        inner = ctype.key if op == "contains_key" else ctype.element
        assert inner is not None
        probe = dataclasses.replace(column, type=inner)
        value = to_db(schema, probe, validate_value(schema, probe, raw, what="value"))
        return Condition(column, op, value)
    if op == "like":
        if ctype.cql not in ("text", "ascii"):
            raise InvalidQuery(f"{key}: __like needs a text column; {where} is {ctype.cql}")
        if not isinstance(raw, str):
            raise InvalidQuery(f"{key}: __like takes a pattern string such as 'abc%'")
        if column.index is None or "sasi" not in (column.index.using or "").lower():
            raise InvalidQuery(
                f"{key}: LIKE needs a SASI index on {where}, even with allow_filtering(): "
                "Indexed(using='org.apache.cassandra.index.sasi.SASIIndex', "
                "options={'mode': 'CONTAINS'})"
            )
        return Condition(column, op, raw)
    if ctype.is_multicell:
        raise InvalidQuery(
            f"{key}: {where} is a non-frozen {ctype.cql}; Cassandra can only match its items: "
            "use __contains (or __contains_key for maps)"
        )
    if raw is None:
        raise InvalidQuery(f"{key}: Cassandra cannot filter on null ({where} = None)")
    return Condition(
        column, op, to_db(schema, column, validate_value(schema, column, raw, what="value"))
    )


def parse_assignments(
    schema: TableSchema,
    values: Mapping[str, Any],
    *,
    allow_keys: bool,
    model: type[DocumentBase],
) -> tuple[list[tuple[cql.Assignment, Any]], list[Any]]:
    """``col=v`` sets (``None`` deletes the cell); ``col__append=[...]`` etc. change collections.

    A set value is validated as an assignment to the model's field would be (its
    constraints and validators included).  Returns (assignment, model value) pairs
    and the bound parameters in order.
    """
    pairs: list[tuple[cql.Assignment, Any]] = []
    params: list[Any] = []
    for key, raw in values.items():
        name, op = _split(key, _ASSIGN_OPS)
        if op == "eq":
            op = "set"
        column = schema.by_name.get(name)
        if column is None:
            from .exceptions import ValidationError

            raise ValidationError(unknown_field(schema, name) + " in update()")
        if column.is_key and not allow_keys:
            raise InvalidQuery(
                f"{schema.model_name}.{name} is part of the primary key and cannot be updated; "
                "delete the row and save a new one"
            )
        where = f"{schema.model_name}.{name}"
        ctype = column.type
        if op in ("incr", "decr") and not ctype.counter:
            raise InvalidQuery(f"{key}: __{op} needs a counter column; {where} is {ctype.cql}")
        if op == "set" and ctype.counter:
            raise InvalidQuery(f"{key}: counters cannot be set; use {name}__incr=n or __decr=n")
        if op in ("append", "prepend") and ctype.collection != "list":
            raise InvalidQuery(f"{key}: __{op} needs a list column; {where} is {ctype.cql}")
        if op in ("add", "remove") and not ctype.is_multicell:
            raise InvalidQuery(f"{key}: __{op} needs a set or map column; {where} is {ctype.cql}")
        if op == "remove" and ctype.collection == "map":
            assert ctype.key is not None
            probe = dataclasses.replace(column, type=ctype.key)
            model_value = {validate_value(schema, probe, k, what="map key") for k in raw}
            db_value: Any = {to_db(schema, probe, k) for k in model_value}
        elif op == "remove" and ctype.collection == "list":
            model_value = validate_value(schema, column, list(raw), what="value")
            db_value = to_db(schema, column, model_value)
        elif op == "set" and raw is not None:
            model_value = validate_field(model, column, raw)
            db_value = to_db(schema, column, model_value)
        else:
            if op == "remove":
                raw = set(raw)
            model_value = validate_value(schema, column, raw, what="value")
            db_value = to_db(schema, column, model_value)
        pairs.append((cql.Assignment(column, op), model_value))  # type: ignore[arg-type]
        params.append(db_value)
    return pairs, params


# -- validation ------------------------------------------------------------------------------


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
            if cond.op not in ("eq", "in", *_RANGE):
                reasons.append(f"{col.name}__{cond.op} on a clustering column")
        if blocked is not None:
            reasons.append(f"{col.name} is restricted although {blocked}")
        if any(c.op in _RANGE for c in conds):
            blocked = blocked or f"{col.name} (before it) has a range"
    return reasons


def _index_serves(index: Index, op: str, cql_type: str) -> bool:
    """Which filters an index answers: legacy 2i only =/CONTAINS; SAI adds ranges on
    non-text types; SASI adds ranges and LIKE (Cassandra 5.0's SAI has no LIKE)."""
    target = index.target
    if index.using is not None:
        if "sasi" in index.using.lower():
            return op in ("eq", "like", *_RANGE)
        if index.is_sai:
            if op in _RANGE:
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


def check_select(schema: TableSchema, spec: QuerySpec) -> None:
    """Raise ``InvalidQuery`` for what Cassandra would refuse; nothing is sent."""
    model = schema.model_name
    if spec.order_by:
        by = _restrictions(spec)
        if not _partition_restricted(schema, by):
            raise InvalidQuery(
                f"{model}: order_by() needs the partition key "
                f"({', '.join(c.name for c in schema.partition_key)}) restricted with = or __in"
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
            if (
                cond.column is not None
                and cond.column.kind == "partition_key"
                and cond.op == "in"
                and len(cond.value) > 1
            ):
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


def _key_only(schema: TableSchema, spec: QuerySpec, what: str, *, full: bool) -> None:
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


# -- the queryset -------------------------------------------------------------------------------


class QuerySetBase(Generic[T]):
    """Chainable, immutable query; terminal methods live in ``coodie.sync``/``coodie.aio``."""

    __slots__ = ("_model", "_spec")

    def __init__(self, model: type[DocumentBase], spec: QuerySpec | None = None) -> None:
        self._model = model
        self._spec = spec or QuerySpec()

    def _with(self, **changes: Any) -> Self:
        clone = object.__new__(type(self))
        clone._model = self._model
        clone._spec = dataclasses.replace(self._spec, **changes)
        return clone

    @property
    def model(self) -> type[DocumentBase]:
        return self._model

    # -- chaining ------------------------------------------------------------------------------

    def find(self, **filters: Any) -> Self:
        """Add filters: ``col=v``, ``col__gt=v``, ``col__in=[...]``, ``col__contains=v``, ..."""
        schema = self._model._schema()
        return self._with(conditions=self._spec.conditions + tuple(parse_filters(schema, filters)))

    def filter(self, **filters: Any) -> Self:
        """Alias of ``find()``."""
        return self.find(**filters)

    def limit(self, n: int | None) -> Self:
        return self._with(limit=None if n is None else _positive(n, "limit()"))

    def per_partition_limit(self, n: int | None) -> Self:
        return self._with(
            per_partition_limit=None if n is None else _positive(n, "per_partition_limit()")
        )

    def order_by(self, *columns: str) -> Self:
        """``order_by("-posted_at")``: clustering columns only, ``-`` for descending."""
        schema = self._model._schema()
        order = []
        for spec in columns:
            desc = spec.startswith("-")
            name = spec.lstrip("-+")
            column = schema.by_name.get(name)
            if column is None:
                raise InvalidQuery(unknown_field(schema, name, "column") + " in order_by()")
            if column.kind != "clustering":
                keys = ", ".join(c.name for c in schema.clustering) or "none"
                raise InvalidQuery(
                    f"{schema.model_name}: cannot order by {name}: Cassandra orders rows only "
                    f"by clustering columns (here: {keys}); sort client side instead"
                )
            order.append((column, desc))
        return self._with(order_by=tuple(order))

    def allow_filtering(self) -> Self:
        return self._with(allow_filtering=True)

    def only(self, *names: str) -> Self:
        """Load only these columns (keys are always loaded); others read as ``None``
        and are never written back by ``save()``."""
        chosen = set(self._names(names, "only()"))
        return self._select(lambda c: c.is_key or c.name in chosen)

    def defer(self, *names: str) -> Self:
        """Load every column except these (see ``only()``)."""
        skipped = set(self._names(names, "defer()"))
        return self._select(lambda c: c.is_key or c.name not in skipped)

    def values_list(self, *names: str, flat: bool = False) -> Self:
        """Yield tuples of these columns (or single values with ``flat=True``)."""
        if flat and len(names) != 1:
            raise InvalidQuery("values_list(flat=True) takes exactly one column")
        schema = self._model._schema()
        cols = tuple(schema.by_name[n] for n in self._names(names, "values_list()"))
        return self._with(values=cols or schema.columns, flat=flat)

    def consistency(self, level: Any) -> Self:
        return self._with(consistency=level)

    def timeout(self, seconds: float | None) -> Self:
        return self._with(timeout=seconds)

    def fetch_size(self, n: int) -> Self:
        return self._with(fetch_size=_positive(n, "fetch_size()"))

    def _names(self, names: Sequence[str], where: str) -> list[str]:
        schema = self._model._schema()
        flat: list[str] = []
        for n in names:
            flat.extend([n] if isinstance(n, str) else list(n))
        for n in flat:
            if n not in schema.by_name:
                raise InvalidQuery(unknown_field(schema, n, "column") + f" in {where}")
            if flat.count(n) > 1:
                raise InvalidQuery(f"{schema.model_name}: {n} is listed twice in {where}")
        return flat

    def _select(self, keep: Any) -> Self:
        schema = self._model._schema()
        return self._with(columns=tuple(c for c in schema.columns if keep(c)))

    # -- statements ---------------------------------------------------------------------------

    def _statement(self, *, count: bool = False) -> tuple[Connection, str, list[Any]]:
        schema, conn, ref = self._model._target()
        spec = self._spec
        check_select(schema, spec)
        clauses = tuple(c.clause(schema) for c in spec.conditions)
        params: list[Any] = [p for c in spec.conditions for p in c.params()]
        if count:
            text = cql.select(ref, ("COUNT(*)",), clauses, allow_filtering=spec.allow_filtering)
            return conn, text, params
        order = tuple(f"{c.quoted} {'DESC' if d else 'ASC'}" for c, d in spec.order_by)
        if spec.per_partition_limit is not None:
            params.append(spec.per_partition_limit)
        if spec.limit is not None:
            params.append(spec.limit)
        text = cql.select(
            ref,
            tuple(c.quoted for c in self._columns()),
            clauses,
            order_by=order,
            per_partition_limit=spec.per_partition_limit is not None,
            limit=spec.limit is not None,
            allow_filtering=spec.allow_filtering,
        )
        return conn, text, params

    def _columns(self) -> tuple[Column, ...]:
        spec = self._spec
        return spec.values or spec.columns or self._model._schema().columns

    def _request(
        self, paging_state: bytes | None = None, fetch_size: int | None = None
    ) -> tuple[Connection, Request]:
        conn, text, params = self._statement()
        spec = self._spec
        return conn, Request(
            text,
            params,
            consistency=spec.consistency,
            timeout=spec.timeout,
            fetch_size=fetch_size or spec.fetch_size,
            paging_state=paging_state,
        )

    def _converter(self) -> Any:
        spec = self._spec
        if spec.values is None:
            return self._model._hydrator(self._columns()).many
        cols = spec.values
        if spec.flat:
            col = cols[0]
            return lambda rows: [from_db(col, r[0]) for r in rows]
        return lambda rows: [
            tuple(from_db(c, v) for c, v in zip(cols, r, strict=True)) for r in rows
        ]

    def __str__(self) -> str:
        try:
            return self._statement()[1]
        except Exception as exc:  # the CQL needs a connection for the keyspace
            return f"<{type(self).__name__} of {self._model.__name__}: {exc}>"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self}>"

    def __bool__(self) -> bool:
        raise TypeError(
            "a queryset has no truth value (that would need a query); use .first() is not None "
            "or .count()"
        )

    # -- operations ----------------------------------------------------------------------------

    def _all_op(self) -> Operation[list[T]]:
        page = yield from self._page_op(None)
        items = page.items
        while page.paging_state is not None:  # every page, never just the first
            page = yield from self._page_op(page.paging_state)
            items.extend(page.items)
        return items

    def _first_op(self) -> Operation[T | None]:
        found = yield from self.limit(1)._all_op()
        return found[0] if found else None

    def _get_op(self) -> Operation[T]:
        found = yield from self.limit(2)._all_op()
        schema = self._model._schema()
        shown = ", ".join(_describe(c) for c in self._spec.conditions) or "no filters"
        if not found:
            raise DocumentNotFound(f"{schema.model_name} matching {shown} not found")
        if len(found) > 1:
            raise MultipleDocumentsFound(
                f"{schema.model_name} matching {shown} returned more than one document; "
                "add filters or use .first()"
            )
        return found[0]

    def _count_op(self) -> Operation[int]:
        spec = self._spec
        if spec.per_partition_limit is not None:
            raise InvalidQuery(
                "count() cannot apply per_partition_limit(); count the rows of .all() instead"
            )
        conn, text, params = self._statement(count=True)
        result = yield (
            conn,
            Request(text, params, consistency=spec.consistency, timeout=spec.timeout),
        )
        count = int(result.current_rows[0][0])
        return count if spec.limit is None else min(count, spec.limit)

    def _paginate_op(self, page_size: int, paging_state: bytes | None) -> Operation[Page[T]]:
        return self._page_op(paging_state, _positive(page_size, "paginate()"))

    def _page_op(
        self, paging_state: bytes | None, page_size: int | None = None
    ) -> Operation[Page[T]]:
        """One page; iterating a queryset runs this until the paging state is None."""
        conn, request = self._request(paging_state, page_size)
        result = yield conn, request
        return Page(self._converter()(result.current_rows), result.paging_state)

    def _delete_op(self, timestamp: Any = None, batch: Any = None) -> Operation[None]:
        from .document import _dispatch, write_timestamp

        schema, conn, ref = self._model._target()
        spec = self._spec
        _key_only(schema, spec, "delete()", full=False)
        params: list[Any] = [] if timestamp is None else [write_timestamp(timestamp)]
        params += [p for c in spec.conditions for p in c.params()]
        text = cql.delete(
            ref, tuple(c.clause(schema) for c in spec.conditions), timestamp=timestamp is not None
        )
        request = Request(text, params, consistency=spec.consistency, timeout=spec.timeout)
        yield from _dispatch(conn, request, batch, _nothing)

    def _update_op(
        self, values: Mapping[str, Any], ttl: Any = None, timestamp: Any = None, batch: Any = None
    ) -> Operation[None]:
        from .document import _dispatch, _options

        schema, conn, ref = self._model._target()
        spec = self._spec
        _key_only(schema, spec, "update()", full=True)
        if not values:
            raise InvalidQuery(f"{schema.model_name}: update() needs at least one field=value")
        assignments, set_params = parse_assignments(
            schema, values, allow_keys=False, model=self._model
        )
        text = cql.update(
            ref,
            tuple(a for a, _ in assignments),
            tuple(c.clause(schema) for c in spec.conditions),
            ttl=ttl is not None,
            timestamp=timestamp is not None,
        )
        params = [
            *_options(ttl, timestamp),
            *set_params,
            *(p for c in spec.conditions for p in c.params()),
        ]
        request = Request(text, params, consistency=spec.consistency, timeout=spec.timeout)
        yield from _dispatch(conn, request, batch, _nothing)


def _positive(n: Any, where: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise InvalidQuery(f"{where} takes a positive int, not {n!r}")
    return n


def _nothing() -> None:
    pass


def _describe(c: Condition) -> str:
    if c.column is None:
        return f"pk__token__{c.op}"
    suffix = "" if c.op == "eq" else f"__{c.op}"
    return f"{c.column.name}{suffix}={c.value!r}"


__all__ = ["Condition", "Page", "QuerySetBase", "QuerySpec", "Token", "check_select"]
