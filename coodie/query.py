"""Querysets: immutable query descriptions, and the operations that run them.

A ``QuerySetBase`` holds a frozen ``QuerySpec``; every chained call returns a new
queryset sharing everything else.  The terminal operations (``all_op``, ``page_op``,
``count_op``, ...) are generators like every other operation; the fronts drive them.
Before any I/O the spec is checked with Cassandra's own rules
(``coodie.restrictions``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from typing_extensions import Self

from . import cql
from .clauses import Condition, Token, parse_assignments, parse_filters
from .connection import Connection, get_connection
from .document import DocumentBase, rows_to_documents, table_of, table_schema, target
from .exceptions import ConfigurationError, DocumentNotFound, InvalidQuery, MultipleDocumentsFound
from .execution import Operation, Request, check_timeout
from .restrictions import QuerySpec, check_distinct_column, check_key_only, check_select
from .schema import Column, TableSchema
from .values import (
    from_db,
    positive,
    to_db,
    unknown_field,
    using_params,
    validate_value,
    write_timestamp,
)
from .writes import (
    Conditional,
    check_counter_options,
    check_lwt_timestamp,
    conditional,
    enqueue,
)

if TYPE_CHECKING:
    from .batch import BatchBase

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the state to fetch the next (``None`` at the end)."""

    items: list[T]
    paging_state: bytes | None = field(default=None)

    @property
    def has_more(self) -> bool:
        return self.paging_state is not None


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

    @property
    def spec(self) -> QuerySpec:
        return self._spec

    # -- chaining ------------------------------------------------------------------------------

    def find(self, **filters: Any) -> Self:
        """Add filters: ``col=v``, ``col__gt=v``, ``col__in=[...]``, ``col__contains=v``, ..."""
        schema = table_schema(self._model)
        return self._with(conditions=self._spec.conditions + tuple(parse_filters(schema, filters)))

    def filter(self, **filters: Any) -> Self:
        """Alias of ``find()``."""
        return self.find(**filters)

    def limit(self, n: int | None) -> Self:
        return self._with(limit=None if n is None else positive(n, "limit()"))

    def per_partition_limit(self, n: int | None) -> Self:
        return self._with(
            per_partition_limit=None if n is None else positive(n, "per_partition_limit()")
        )

    def order_by(self, *columns: str) -> Self:
        """``order_by("-posted_at")``: clustering columns only, ``-`` for descending."""
        schema = table_schema(self._model)
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

    def order_by_ann(self, name: str, vector: Sequence[float]) -> Self:
        """Nearest rows to ``vector`` first (``ORDER BY name ANN OF ?``): an approximate
        nearest-neighbour search on a ``Vector`` field with an SAI index; needs
        ``limit(k)``."""
        schema = table_schema(self._model)
        column = schema.by_name.get(name)
        if column is None:
            raise InvalidQuery(unknown_field(schema, name, "column") + " in order_by_ann()")
        if not column.type.cql.startswith("vector<"):
            raise InvalidQuery(
                f"{schema.model_name}.{name} is {column.type.cql}; order_by_ann() needs a "
                "Vector(n) field"
            )
        value = to_db(schema, column, validate_value(schema, column, list(vector), what="vector"))
        return self._with(ann=(column, value))

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
        """Yield tuples of these columns (or single values with ``flat=True``); no names:
        every column (with ``distinct()``, its columns)."""
        if flat and len(names) != 1:
            raise InvalidQuery("values_list(flat=True) takes exactly one column")
        schema = table_schema(self._model)
        cols = tuple(schema.by_name[n] for n in self._names(names, "values_list()"))
        return self._with(values=cols, flat=flat)

    def distinct(self, *names: str) -> Self:
        """One row per partition (``SELECT DISTINCT``): documents holding the partition
        key and the static columns named here; other fields read as ``None`` and are
        never written back by ``save()``.  ``limit()`` and ``count()`` then count
        partitions.  Filters may use the partition key (``=``, ``__in``, token ranges)
        and static columns only."""
        schema = table_schema(self._model)
        chosen = set(self._names(names, "distinct()"))
        for name in chosen:
            check_distinct_column(schema, schema.by_name[name], "distinct()")
        statics = tuple(c for c in schema.columns if c.name in chosen and c.kind == "static")
        return self._with(distinct=(*schema.partition_key, *statics))

    def consistency(self, level: Any) -> Self:
        return self._with(consistency=level)

    def timeout(self, seconds: float | None) -> Self:
        return self._with(timeout=check_timeout(seconds, "timeout()"))

    def fetch_size(self, n: int) -> Self:
        return self._with(fetch_size=positive(n, "fetch_size()"))

    def _names(self, names: Sequence[str], where: str) -> list[str]:
        schema = table_schema(self._model)
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
        schema = table_schema(self._model)
        return self._with(columns=tuple(c for c in schema.columns if keep(c)))

    # -- statements ---------------------------------------------------------------------------

    def using(self, *, keyspace: str | None = None, connection: str | None = None) -> Self:
        """Run this query in another keyspace or on another registered connection than
        the model's (the same table there), e.g. to copy rows between clusters."""
        for name, value in (("keyspace", keyspace), ("connection", connection)):
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidQuery(f"using({name}=...) takes a name, not {value!r}")
        return self._with(
            keyspace=keyspace or self._spec.keyspace,
            connection=connection or self._spec.connection,
        )

    def _target(self) -> tuple[TableSchema, Connection, str]:
        spec = self._spec
        if spec.keyspace is None and spec.connection is None:
            return target(self._model)
        schema = table_schema(self._model)
        conn = get_connection(spec.connection or schema.connection)
        keyspace = spec.keyspace or schema.keyspace or conn.keyspace
        if keyspace is None:
            raise ConfigurationError(
                f"{schema.model_name} has no keyspace: pass using(keyspace=...) or set "
                "Settings.keyspace on the model"
            )
        return schema, conn, cql.table_ref(keyspace, schema.table)

    def _statement(self, *, count: bool = False) -> tuple[Connection, str, list[Any]]:
        schema, conn, ref = self._target()
        spec = self._spec
        conditions, allow_filtering = with_discriminator(schema, spec)
        clauses = tuple(c.clause(schema) for c in conditions)
        params: list[Any] = [p for c in conditions for p in c.params()]
        distinct = spec.distinct is not None
        if count:
            # SELECT DISTINCT must name the whole partition key; with COUNT(*) Cassandra
            # counts the partitions (it has no COUNT(DISTINCT ...)).
            keys = tuple(c.quoted for c in schema.partition_key) if distinct else ()
            text = cql.select(
                ref,
                (*keys, "COUNT(*)"),
                clauses,
                allow_filtering=allow_filtering,
                distinct=distinct,
            )
            return conn, text, params
        order = tuple(f"{c.quoted} {'DESC' if d else 'ASC'}" for c, d in spec.order_by)
        if spec.ann is not None:
            params.append(spec.ann[1])
        if spec.per_partition_limit is not None:
            params.append(spec.per_partition_limit)
        if spec.limit is not None:
            params.append(spec.limit)
        text = cql.select(
            ref,
            tuple(c.quoted for c in self.selected_columns()),
            clauses,
            order_by=order,
            per_partition_limit=spec.per_partition_limit is not None,
            limit=spec.limit is not None,
            allow_filtering=allow_filtering,
            ann=None if spec.ann is None else spec.ann[0].quoted,
            distinct=distinct,
        )
        return conn, text, params

    def value_columns(self) -> tuple[Column, ...] | None:
        """The columns of ``values_list()`` results, in order (``None``: documents)."""
        spec = self._spec
        if spec.values is None:
            return None
        return spec.values or spec.distinct or table_schema(self._model).columns

    def selected_columns(self) -> tuple[Column, ...]:
        """The columns a row of this query holds, in order (for the fronts and scans):
        those of ``value_columns()`` first, then, with ``distinct()``, the partition key
        columns they lack (SELECT DISTINCT must name them all)."""
        spec = self._spec
        values = self.value_columns()
        if spec.distinct is None:
            return values or spec.columns or table_of(self._model).columns
        chosen = values or spec.distinct
        names = {c.name for c in chosen}
        pk = table_schema(self._model).partition_key
        return (*chosen, *(c for c in pk if c.name not in names))

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

    def row_converter(self) -> Any:
        """``rows -> results`` (documents, tuples or values) for this query's rows."""
        spec = self._spec
        cols = self.value_columns()
        if cols is None:
            return rows_to_documents(self._model, self.selected_columns())
        if spec.flat:
            col = cols[0]
            return lambda rows: [from_db(col, r[0]) for r in rows]
        n = len(cols)
        if len(self.selected_columns()) > n:  # partition key columns DISTINCT needed
            return lambda rows: [
                tuple(from_db(c, v) for c, v in zip(cols, r[:n], strict=True)) for r in rows
            ]
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


def with_discriminator(schema: TableSchema, spec: QuerySpec) -> tuple[tuple[Condition, ...], bool]:
    """The query's conditions and ALLOW FILTERING, checked, with a subclass's
    discriminator (single-table inheritance) restricted to its value.

    An unindexed discriminator is filtered by Cassandra within the partitions the query
    names (ALLOW FILTERING is added then: it reads nothing more); across partitions it
    needs an index on the discriminator or ``allow_filtering()``."""
    column = schema.discriminator
    if schema.discriminator_value is None or column is None:
        check_select(schema, spec)
        return spec.conditions, spec.allow_filtering
    if spec.distinct is not None and column.kind not in ("partition_key", "static"):
        raise InvalidQuery(
            f"{schema.model_name}: distinct() cannot keep only the partitions of "
            f"{column.name}={schema.discriminator_value!r}: SELECT DISTINCT filters only on "
            f"the partition key and static columns, and {column.name} is a "
            f"{column.kind} column; use the base model's queryset, whose distinct() reads "
            "the partitions of every kind"
        )
    own = Condition(column, "eq", to_db(schema, column, schema.discriminator_value))
    if column.index is not None or column.is_key:
        widened = dataclasses.replace(spec, conditions=(*spec.conditions, own))
        check_select(schema, widened)
        return widened.conditions, spec.allow_filtering
    check_select(schema, spec)
    keys = {c.column.name for c in spec.conditions if c.column is not None and c.op in ("eq", "in")}
    in_partitions = all(c.name in keys for c in schema.partition_key)
    if not in_partitions and not spec.allow_filtering:
        raise InvalidQuery(
            f"{schema.model_name}: a query across partitions restricts {column.name} to "
            f"{schema.discriminator_value!r}, which needs an index: mark the base's "
            f"{column.name} with Indexed(), or call .allow_filtering() if scanning is intended"
        )
    return (*spec.conditions, own), True


# -- operations ------------------------------------------------------------------------------


def page_op(
    qs: QuerySetBase[T], paging_state: bytes | None = None, page_size: int | None = None
) -> Operation[Page[T]]:
    """One page, with the driver's paging state; iterating runs this until it is None."""
    conn, request = qs._request(paging_state, page_size)
    result = yield conn, request
    return Page(qs.row_converter()(result.current_rows), result.paging_state)


def all_op(qs: QuerySetBase[T]) -> Operation[list[T]]:
    page = yield from page_op(qs)
    items = page.items
    while page.paging_state is not None:  # every page, never just the first
        page = yield from page_op(qs, page.paging_state)
        items.extend(page.items)
    return items


def first_op(qs: QuerySetBase[T]) -> Operation[T | None]:
    found = yield from all_op(qs.limit(1))
    return found[0] if found else None


def one_op(qs: QuerySetBase[T]) -> Operation[T]:
    """Exactly one match (``get()``), else ``DocumentNotFound``/``MultipleDocumentsFound``."""
    found = yield from all_op(qs.limit(2))
    model = qs.model.__name__
    shown = ", ".join(c.describe() for c in qs.spec.conditions) or "no filters"
    if not found:
        raise DocumentNotFound(f"{model} matching {shown} not found")
    if len(found) > 1:
        raise MultipleDocumentsFound(
            f"{model} matching {shown} returned more than one document; add filters or use .first()"
        )
    return found[0]


def count_op(qs: QuerySetBase[Any]) -> Operation[int]:
    spec = qs.spec
    conn, text, params = qs._statement(count=True)  # checks the query first
    if spec.per_partition_limit is not None:
        raise InvalidQuery(
            "count() cannot apply per_partition_limit(); count the rows of .all() instead"
        )
    result = yield (
        conn,
        Request(text, params, consistency=spec.consistency, timeout=spec.timeout),
    )
    count = int(result.current_rows[0][-1])  # (with distinct(), after the partition key)
    return count if spec.limit is None else min(count, spec.limit)


def paginate_op(
    qs: QuerySetBase[T], page_size: int, paging_state: bytes | None = None
) -> Operation[Page[T]]:
    """One page for a caller that keeps the paging state between calls (a web API).

    The state handed out is sealed to this query: a state that is garbled, foreign or
    from another query fails this call with ``InvalidQuery`` before anything is sent
    (the driver would drop the connection on a garbled one, or silently skip rows).
    """
    size = positive(page_size, "paginate()")
    conn, request = qs._request(None, size)
    seal = _seal_key(request)
    if paging_state is not None:
        request.paging_state = _unseal(qs, seal, paging_state)
    result = yield conn, request
    state = result.paging_state
    return Page(
        qs.row_converter()(result.current_rows), None if state is None else _sealed(seal, state)
    )


_STATE_VERSION = b"c1"
_DIGEST = 16


def _key(secret: bytes) -> bytes:
    return hashlib.blake2b(secret).digest()[:32]


_env_key = os.environ.get("COODIE_PAGING_KEY", "").encode()
_paging_key = _key(_env_key) if _env_key else os.urandom(32)


def set_paging_key(key: str | bytes) -> None:
    """The secret that seals ``paginate()`` states (default: ``$COODIE_PAGING_KEY``, else
    random per process).  Processes that resume each other's states (the workers of a
    web application) must share it; a state sealed with another key is refused."""
    global _paging_key
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if not raw:
        raise InvalidQuery("set_paging_key() needs a non-empty secret")
    _paging_key = _key(raw)


def _seal_key(request: Request) -> bytes:
    """What a paging state belongs to: the statement and its bound values."""
    return repr((request.cql, [stable_repr(p) for p in request.params])).encode()


def stable_repr(value: Any) -> Any:
    """A repr-stable form of a bound value (set and map order varies between processes)."""
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(repr(stable_repr(v)) for v in value))
    if isinstance(value, Mapping):
        return (
            "map",
            sorted((repr(stable_repr(k)), repr(stable_repr(v))) for k, v in value.items()),
        )
    if isinstance(value, (list, tuple)):
        return [stable_repr(v) for v in value]
    return value


def _sealed(seal: bytes, state: bytes) -> bytes:
    digest = hashlib.blake2b(seal + state, digest_size=_DIGEST, key=_paging_key).digest()
    return _STATE_VERSION + digest + state


def _unseal(qs: QuerySetBase[Any], seal: bytes, token: Any) -> bytes:
    model = qs.model.__name__
    if not isinstance(token, bytes):
        raise InvalidQuery(
            f"{model}.paginate(): paging_state must be the bytes of Page.paging_state from "
            f"this query, not {type(token).__name__}"
        )
    head = len(_STATE_VERSION) + _DIGEST
    state = token[head:]
    if (
        len(token) <= head
        or not token.startswith(_STATE_VERSION)
        or not hmac.compare_digest(token[len(_STATE_VERSION) : head], _sealed(seal, state)[2:head])
    ):
        raise InvalidQuery(
            f"{model}.paginate(): this paging_state was not returned by this query (it is "
            "garbled, or comes from a query with other filters, columns or values); start "
            "again from the first page with paging_state=None"
        )
    return state


def delete_op(
    qs: QuerySetBase[Any],
    timestamp: int | datetime | None = None,
    batch: BatchBase | None = None,
    if_exists: bool = False,
    if_conditions: Mapping[str, Any] | None = None,
) -> Operation[None]:
    schema, conn, ref = qs._target()
    spec = qs.spec
    _refuse_every_kind(schema, "delete()")
    lwt = conditional(schema, "delete()", if_exists, if_conditions)
    check_key_only(schema, spec, "delete()", full=bool(lwt))
    _check_conditional(qs, lwt, timestamp)
    params: list[Any] = [] if timestamp is None else [write_timestamp(timestamp)]
    params += [p for c in spec.conditions for p in c.params()]
    text = cql.delete(
        ref,
        tuple(c.clause(schema) for c in spec.conditions),
        timestamp=timestamp is not None,
        if_exists=lwt.if_exists,
        conditions=lwt.clauses,
    )
    request = Request(
        text, [*params, *lwt.params], consistency=spec.consistency, timeout=spec.timeout
    )
    if batch is not None:
        enqueue(
            conn, request, batch, _nothing, counter=schema.is_counter_table, conditional=bool(lwt)
        )
    elif lwt:
        yield from lwt.send(conn, request, qs.model)
    else:
        yield conn, request


def update_op(
    qs: QuerySetBase[Any],
    values: Mapping[str, Any],
    ttl: int | None = None,
    timestamp: int | datetime | None = None,
    batch: BatchBase | None = None,
    if_exists: bool = False,
    if_conditions: Mapping[str, Any] | None = None,
) -> Operation[None]:
    schema, conn, ref = qs._target()
    spec = qs.spec
    _refuse_every_kind(schema, "update()")
    lwt = conditional(schema, "update()", if_exists, if_conditions)
    if not values:
        raise InvalidQuery(f"{schema.model_name}: update() needs at least one field=value")
    assignments, set_params = parse_assignments(schema, values, allow_keys=False, model=qs.model)
    statics = bool(schema.clustering) and all(a.column.kind == "static" for a, _ in assignments)
    check_key_only(schema, spec, "update()", full=not statics)
    if statics and any(
        c.column is not None and c.column.kind == "clustering" for c in spec.conditions
    ):
        raise InvalidQuery(
            f"{schema.model_name}: update() of static columns only "
            f"({', '.join(a.column.name for a, _ in assignments)}) takes the partition key "
            "alone; drop the clustering filters"
        )
    _check_conditional(qs, lwt, timestamp)
    check_counter_options(schema, assignments, ttl, timestamp)
    text = cql.update(
        ref,
        tuple(a for a, _ in assignments),
        tuple(c.clause(schema) for c in spec.conditions),
        ttl=ttl is not None,
        timestamp=timestamp is not None,
        if_exists=lwt.if_exists,
        conditions=lwt.clauses,
    )
    params = [
        *using_params(ttl, timestamp),
        *set_params,
        *(p for c in spec.conditions for p in c.params()),
        *lwt.params,
    ]
    request = Request(text, params, consistency=spec.consistency, timeout=spec.timeout)
    if batch is not None:
        counter = any(a.column.type.counter for a, _ in assignments)
        enqueue(conn, request, batch, _nothing, counter=counter, conditional=bool(lwt))
    elif lwt:
        yield from lwt.send(conn, request, qs.model)
    else:
        yield conn, request


def _refuse_every_kind(schema: TableSchema, what: str) -> None:
    """A subclass's queryset reads only its kind of row, but a write by key would reach
    every kind (the discriminator is not part of the key): refused, not guessed."""
    column = schema.discriminator
    if schema.discriminator_value is not None and column is not None and not column.is_key:
        raise InvalidQuery(
            f"{schema.model_name}.find(...).{what} would act on the rows of every kind in "
            f"the table, not only {column.name}={schema.discriminator_value!r}: use the "
            "base model's queryset to act on all kinds, or the documents one by one"
        )


def _check_conditional(qs: QuerySetBase[Any], lwt: Conditional, timestamp: Any) -> None:
    if not lwt:
        return
    check_lwt_timestamp(lwt, timestamp)
    if any(c.op != "eq" for c in qs.spec.conditions):
        raise InvalidQuery(
            f"{lwt.what}: a conditional write acts on one row: restrict its key with = only "
            "(no __in)"
        )


def _nothing() -> None:
    pass


__all__ = [
    "Page",
    "QuerySetBase",
    "QuerySpec",
    "Token",
    "all_op",
    "count_op",
    "delete_op",
    "first_op",
    "one_op",
    "page_op",
    "paginate_op",
    "set_paging_key",
    "update_op",
]
