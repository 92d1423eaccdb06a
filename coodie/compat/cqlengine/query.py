"""cqlengine's querysets and batches over the core's queries and batches.

A ``ModelQuerySet`` is cqlengine's API (cloning, result cache, default limit of
10,000, slicing, ``objects(...)``) over one core queryset of the model's hidden
document: the statements, checks and hydration are the core's.  Filter values go
through the columns' conversions first (naive datetimes, ``util.Date``, ...).
"""

from __future__ import annotations

import copy
import math
import re
import warnings
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

from ... import query as core_query
from ...batch import BatchBase
from ...clauses import Token
from ...connection import get_connection
from ...document import blank_document, loaded_row
from ...execution import Operation, Request
from ...query import QuerySetBase
from ...writes import delete_op, get_op, insert_op, save_op, update_op
from . import columns as cols
from . import connection as cqlengine_connection
from .connection import NOT_SET
from .errors import (
    CQLEngineException,
    DoesNotExist,
    IfExistsWithCounterColumn,
    IfNotExistsWithCounterColumn,
    LWTException,
    MultipleObjectsReturned,
    QueryException,
    QueryRefused,
    ValidationError,
)
from .functions import MaxTimeUUID, MinTimeUUID
from .mapping import FILTER_OPERATORS, UPDATE_KINDS, UPDATE_OPERATORS
from .operators import BaseWhereOperator, EqualsOperator
from .runner import arun, run
from .statements import (
    BaseCQLStatement,
    CounterUpdateClause,
    IsNotNullClause,
    SelectStatement,
    UpdateStatement,
    WhereClause,
)
from .translate import translated

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

DEFAULT_LIMIT = 10000  # cqlengine's querysets read at most this many rows unless limit(None)


class _CoreQuerySet(QuerySetBase[Any]):
    __slots__ = ()


class AbstractQueryableColumn:
    """``Model.col == 5``, ``Model.col.in_([...])``: filters written as expressions."""

    def __init__(self, column: cols.Column) -> None:
        self.column = column

    def _get_column(self) -> cols.Column:
        return self.column

    def __str__(self) -> str:
        return str(self.column.column_name)

    def _expr(self, op: str, value: Any) -> WhereClause:
        operator = BaseWhereOperator.get_operator(op)()
        return WhereClause(self.column.db_field_name, operator, value)

    def in_(self, item: Any) -> WhereClause:
        return self._expr("in", item)

    def contains_(self, item: Any) -> WhereClause:
        return self._expr("contains", item)

    def __eq__(self, other: Any) -> Any:
        return self._expr("eq", other)

    def __gt__(self, other: Any) -> Any:
        return self._expr("gt", other)

    def __ge__(self, other: Any) -> Any:
        return self._expr("gte", other)

    def __lt__(self, other: Any) -> Any:
        return self._expr("lt", other)

    def __le__(self, other: Any) -> Any:
        return self._expr("lte", other)

    __hash__ = object.__hash__


class ColumnQueryEvaluator(AbstractQueryableColumn):
    pass


class ResultObject(dict[str, Any]):
    """A row of a ``NamedTable`` (no model): a dict whose keys also read as attributes."""

    def __getattr__(self, item: str) -> Any:
        try:
            return self[item]
        except KeyError:
            raise AttributeError(item) from None


class BatchType:
    Unlogged = "UNLOGGED"
    Counter = "COUNTER"


class BatchQuery:
    """``with BatchQuery() as b: Model.batch(b).create(...)``; callbacks run after it."""

    warn_multiple_exec = True

    def __init__(
        self,
        batch_type: Any = None,
        timestamp: Any = None,
        consistency: Any = None,
        execute_on_exception: bool = False,
        timeout: Any = NOT_SET,
        connection: Any = None,
    ) -> None:
        if timestamp is not None and not isinstance(timestamp, (datetime, timedelta)):
            raise CQLEngineException("timestamp object must be an instance of datetime")
        self.batch_type = batch_type
        self.timestamp = timestamp
        self._consistency = consistency
        self._execute_on_exception = execute_on_exception
        self._timeout = timeout
        self._connection = connection
        self._callbacks: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
        self._executed = False
        self._context_entered = False
        self._core = self._new_core()

    def _new_core(self) -> BatchBase:
        # cqlengine's timeout: NOT_SET for the session's default, None for none at all
        timeout = self._timeout
        seconds = None if timeout is NOT_SET else (math.inf if timeout is None else timeout)
        return BatchBase(
            self.batch_type or "LOGGED", consistency=self._consistency, timeout=seconds
        )

    @property
    def queries(self) -> list[str]:
        return self._core.statements

    def consistency(self, consistency: Any) -> None:
        self._consistency = consistency
        self._core.consistency = consistency

    def add_query(self, query: BaseCQLStatement) -> None:
        """Queue one of cqlengine's statement objects (its text with ``?`` markers, its
        values in order)."""
        if not isinstance(query, BaseCQLStatement):
            raise CQLEngineException("Only BaseCQLStatements can be added to a batch query")
        context = query.get_context()
        names: list[str] = []

        def marker(match: re.Match[str]) -> str:
            names.append(match[1])
            return "?"

        text = _PLACEHOLDER.sub(marker, str(query))
        request = Request(text, [context[n] for n in names])
        counter = isinstance(query, UpdateStatement) and any(
            isinstance(a, CounterUpdateClause) for a in query.assignments
        )
        self._core.add(
            get_connection(cqlengine_connection._name(self._connection)),
            request,
            counter=counter,
            conditional=" IF " in text,
        )

    def add_callback(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        if not callable(fn):
            raise ValueError(f"Value for argument 'fn' is {type(fn)} and is not a callable object.")
        self._callbacks.append((fn, args, kwargs))

    def execute(self) -> None:
        self._before_execute()
        if len(self._core) and not self._core.executed:
            with translated():
                run(self._core._execute_op())
        self._after_execute()

    async def async_execute(self) -> None:
        """``await batch.async_execute()``; ``async with BatchQuery() as b:`` runs it."""
        self._before_execute()
        if len(self._core) and not self._core.executed:
            with translated():
                await arun(self._core._execute_op())
        self._after_execute()

    async def __aenter__(self) -> BatchQuery:
        self._context_entered = True
        return self

    async def __aexit__(self, kind: Any, value: Any, tb: Any) -> None:
        if kind is not None and not self._execute_on_exception:
            return
        await self.async_execute()

    def _before_execute(self) -> None:
        if self._executed and self.warn_multiple_exec:
            message = "Batch executed multiple times."
            if self._context_entered:
                message += (
                    " If using the batch as a context manager, there is no need to call "
                    "execute directly."
                )
            warnings.warn(message, stacklevel=3)
        self._executed = True

    def _after_execute(self) -> None:
        self._core = self._new_core()
        for fn, args, kwargs in self._callbacks:
            fn(*args, **kwargs)

    def __enter__(self) -> BatchQuery:
        self._context_entered = True
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if kind is not None and not self._execute_on_exception:
            return
        self.execute()


class ContextQuery:
    """``with ContextQuery(Model, keyspace="ks2") as M: M.objects...``: the models as
    they are in another keyspace or on another connection."""

    def __init__(self, *models: Any, **kwargs: Any) -> None:
        from .models import Model, _clone_model_class

        if not models:
            raise ValueError("No model provided.")
        keyspace = kwargs.pop("keyspace", None)
        connection = kwargs.pop("connection", None)
        if kwargs:
            raise ValueError(f"Unknown keyword argument(s): {','.join(kwargs)}")
        self.models = []
        for model in models:
            if not (isinstance(model, type) and issubclass(model, Model)):
                raise ValueError("Models must be derived from base Model.")
            # a class of its own each time, as cqlengine's (two of one model differ)
            attrs = {
                "__keyspace__": keyspace or model.__keyspace__,
                "__connection__": connection or model.__connection__,
            }
            self.models.append(_clone_model_class(model, attrs))

    def __enter__(self) -> Any:
        return tuple(self.models) if len(self.models) > 1 else self.models[0]

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        return None


class ModelQuerySet:
    """cqlengine's queryset of a model: its options are the attributes cqlengine keeps
    (``_ttl``, ``_timestamp``, ``_consistency``, ``_conditional``, ``_batch``, ...)."""

    _ttl: Any = None
    _timestamp: Any = None
    _consistency: Any = None
    _conditional: dict[str, Any] | None = None
    _if_not_exists = False
    _if_exists = False
    _batch: Any = None
    _timeout: Any = NOT_SET
    _connection: Any = None
    _keyspace: str | None = None
    _empty = False
    _where: list[WhereClause] = []  # each is replaced by a new list, never changed
    _only_fields: list[str] = []
    _defer_fields: frozenset[str] = frozenset()
    _distinct_fields: list[str] | None = None
    _filters: dict[str, Any] = {}  # the core filters so far (replaced, never changed)

    def __init__(self, model: Any) -> None:
        self.model = model
        self._core: QuerySetBase[Any] = _base_queryset(_query_document(model))
        self._result_cache: list[Any] | None = None
        self._values_list: tuple[tuple[str, ...], bool] | None = None

    # -- cloning ------------------------------------------------------------------------------

    def _clone(self, core: QuerySetBase[Any] | None = None, **attrs: Any) -> ModelQuerySet:
        clone = copy.copy(self)
        clone._result_cache = None
        for name, value in attrs.items():
            setattr(clone, name, value)
        if core is not None:
            clone._core = core
        return clone

    def __call__(self, *args: Any, **kwargs: Any) -> ModelQuerySet:
        return self.filter(*args, **kwargs)

    def __deepcopy__(self, memo: Any) -> ModelQuerySet:
        return self._clone()

    # -- filters ----------------------------------------------------------------------------------

    def _convert(self, key: str, value: Any) -> tuple[str, Any]:
        if key.startswith("pk__token"):
            return key, value  # checked by _clause
        name, _, op = key.partition("__")
        if name == "pk":
            name = next(iter(self.model._primary_keys))
        column = self.model._columns.get(name)
        if column is None:
            raise QueryException(f"Can't resolve column name: '{name}'")
        if op and op not in FILTER_OPERATORS:
            raise QueryException(f"Can't resolve operator '{op}'")
        if isinstance(value, Token):
            raise QueryException(
                f"Token() values may only be compared to the 'pk__token' virtual column, "
                f"not to {name}"
            )
        if isinstance(value, (MinTimeUUID, MaxTimeUUID)):
            value = value.uuid()
        core_op = FILTER_OPERATORS.get(op, "eq") if op else "eq"
        if core_op == "in":
            if not isinstance(value, (list, tuple)):
                raise QueryException("IN queries must use a list/tuple value")
            value = [column.to_core(column.validate(v)) for v in value]
        elif core_op in ("contains", "contains_key"):
            inner = (
                column.key_col
                if core_op == "contains_key"
                else getattr(column, "value_col", column)
            )
            value = inner.to_core(inner.validate(value))
        elif value is not None and core_op != "like":
            value = column.to_core(column.validate(value))
        return (name if core_op == "eq" else f"{name}__{core_op}"), value

    def filter(self, *args: Any, **kwargs: Any) -> ModelQuerySet:
        """Filters as ``col__op=value`` or as expressions (``Model.col >= 1``); each is
        kept as cqlengine's ``WhereClause`` in ``_where`` and sent as a core filter."""
        filters: dict[str, Any] = {}
        where = list(self._where)
        for arg in args:
            if isinstance(arg, IsNotNullClause):  # kept; refused when the query runs
                where.append(arg)
                continue
            if not isinstance(arg, WhereClause):
                raise QueryException(f"{arg} is not a valid query operator")
            column = self.model._get_column_by_db_name(arg.field)
            name = str(column.column_name) if column is not None else arg.field
            suffix = str(arg.operator.symbol).lower()
            filters[name if suffix == "eq" else f"{name}__{suffix}"] = arg.value
            where.append(arg)
        deferred = set(self._defer_fields)
        for key, value in kwargs.items():
            filters[key] = value
            clause = self._clause(key, value)
            where.append(clause)
            if "__" not in key and isinstance(clause.operator, EqualsOperator):
                deferred.add(clause.field)  # cqlengine does not select what = fixes
        if "pk__token" in filters or "pk__token__eq" in filters:
            # A token equal to a partition's token: that partition (core filters name it)
            token = filters.pop("pk__token", None) or filters.pop("pk__token__eq")
            for name, part in zip(self.model._partition_keys, token.values, strict=True):
                filters[name] = part
        converted = dict(self._convert(k, v) for k, v in filters.items())
        with translated(self.model):
            return self._clone(
                self._core.find(**converted),
                _where=where,
                _defer_fields=frozenset(deferred),
                _filters={**self._filters, **converted},
            )

    def _clause(self, key: str, value: Any) -> WhereClause:
        """cqlengine's record of a keyword filter (``_convert`` has checked it)."""
        name, _, op = key.partition("__")
        if name == "pk" and op.startswith("token"):
            if not isinstance(value, Token):
                raise QueryException(
                    "Virtual column 'pk__token' may only be compared to Token() values"
                )
            keys = list(self.model._partition_keys.values())
            if len(value.values) != len(keys):
                raise QueryException(
                    f"Token() takes one value per partition key column of "
                    f"{self.model.__name__} ({len(keys)}), not {len(value.values)}"
                )
            if hasattr(value, "set_columns"):
                value.set_columns(keys)
            field = "token({})".format(", ".join(f'"{c.db_field_name}"' for c in keys))
            suffix = op.partition("__")[2] or "eq"
            operator = BaseWhereOperator.get_operator(suffix)()
            return WhereClause(field, operator, value, quote_field=False)
        if name == "pk":
            name = next(iter(self.model._primary_keys))
        column = self.model._columns.get(name)
        field = column.db_field_name if column is not None else name
        suffix = op.rpartition("__")[2] if op.startswith("token") else op
        if suffix and suffix not in FILTER_OPERATORS:
            raise QueryException(f"Can't resolve operator '{suffix}'")
        operator = BaseWhereOperator.get_operator(suffix or "eq")()
        return WhereClause(field, operator, value, quote_field=column is not None)

    def iff(self, *args: Any, **kwargs: Any) -> ModelQuerySet:
        if args:
            raise QueryException("iff() takes keyword conditions: iff(column=value, ...)")
        conditions = dict(self._conditional or {})
        for key, value in kwargs.items():
            if value is None:
                raise CQLEngineException("None values on iff are not allowed")
            name, _, op = key.partition("__")
            column = self.model._columns.get(name)
            if column is None:
                raise QueryException(f"Can't resolve column name: '{name}'")
            if op and op not in FILTER_OPERATORS:
                raise QueryException(f"Can't resolve operator '{op}'")
            core_op = FILTER_OPERATORS.get(op, "eq") if op else "eq"
            if core_op == "in":
                value = [column.to_core(column.validate(v)) for v in value]
            elif value is not None:
                value = column.to_core(column.validate(value))
            conditions[name if core_op == "eq" else f"{name}__{core_op}"] = value
        return self._clone(_conditional=conditions)

    def limit(self, n: int | None) -> ModelQuerySet:
        if n is not None and (not isinstance(n, int) or n < 0):
            raise QueryException("Can't apply limit to a negative or non-int value")
        # cqlengine reads limit(0) as "no limit"
        return self._clone(self._core.limit(n or None), _empty=False)

    def fetch_size(self, n: int) -> ModelQuerySet:
        if not isinstance(n, int) or n <= 0:
            raise QueryException("fetch size must be a positive integer")
        return self._clone(self._core.fetch_size(n))

    def order_by(self, *names: str) -> ModelQuerySet:
        if len(names) == 1 and isinstance(names[0], (list, tuple)):
            names = tuple(names[0])
        with translated(self.model):
            return self._clone(self._core.order_by(*names))

    def allow_filtering(self) -> ModelQuerySet:
        return self._clone(self._core.allow_filtering())

    def only(self, fields: Any) -> ModelQuerySet:
        if self._only_fields:
            raise QueryException("QuerySet already has 'only' fields defined")
        names = self._field_names(fields)
        with translated(self.model):
            return self._clone(self._core.only(*fields), _only_fields=names)

    def defer(self, fields: Any) -> ModelQuerySet:
        names = self._field_names(fields)
        with translated(self.model):
            return self._clone(
                self._core.defer(*fields), _defer_fields=self._defer_fields | set(names)
            )

    def _field_names(self, fields: Any) -> list[str]:
        columns = self.model._columns
        missing = [f for f in fields if f not in columns]
        if missing:
            raise QueryException(
                f"Can't resolve fields {', '.join(missing)} in {self.model.__name__}"
            )
        return [columns[f].db_field_name for f in fields]

    def _select_fields(self) -> list[str]:
        """The columns cqlengine would name in its SELECT (``[]`` for ``*``); an empty
        choice is an error, as in cqlengine.  The core selects the keys too."""
        if not (self._defer_fields or self._only_fields):
            return []
        fields = [c.db_field_name for c in self.model._columns.values()]
        if self._defer_fields:
            fields = [f for f in fields if f not in self._defer_fields]
            if not fields:
                fields = [c.db_field_name for c in self.model._partition_keys.values()]
        if self._only_fields:
            fields = [f for f in fields if f in self._only_fields]
        if not fields:
            raise QueryException(
                f'No fields in select query. Only fields: "{",".join(self._only_fields)}", '
                f'defer fields: "{",".join(sorted(self._defer_fields))}"'
            )
        return fields

    def distinct(self, distinct_fields: Any = None) -> ModelQuerySet:
        """One row per partition (``SELECT DISTINCT``): the partition key, or the given
        partition key and static columns."""
        names = list(distinct_fields or self.model._partition_keys)
        return self._clone(_distinct_fields=names)  # checked when the query runs, as there

    def _select_query(self) -> SelectStatement:
        """cqlengine's description of this query as a statement object (for tools and
        logs; the query itself runs through the core)."""
        return SelectStatement(
            self.model.column_family_name(),
            fields=self._select_fields(),
            where=self._where,
            limit=self._limit,
            allow_filtering=self._core.spec.allow_filtering,
            distinct_fields=self._distinct_fields,
        )

    @property
    def _limit(self) -> int | None:
        return 0 if self._empty else self._core.spec.limit

    def values_list(self, *fields: str, **kwargs: Any) -> ModelQuerySet:
        flat = bool(kwargs.pop("flat", False))
        if kwargs:
            raise TypeError(f"Unexpected keyword arguments to values_list: {list(kwargs)}")
        if flat and len(fields) > 1:
            raise TypeError(
                "'flat' is not valid when values_list is called with more than one field."
            )
        names = self._field_names(fields) if fields else []
        clone = self._clone(self._core.only(*fields) if fields else None, _only_fields=names)
        clone._values_list = (tuple(fields) or tuple(self.model._columns), flat)
        return clone

    def consistency(self, level: Any) -> ModelQuerySet:
        return self._clone(self._core.consistency(level), _consistency=level)

    def timeout(self, seconds: Any) -> ModelQuerySet:
        return self._clone(_timeout=seconds)

    def ttl(self, ttl: Any) -> ModelQuerySet:
        return self._clone(_ttl=ttl)

    def timestamp(self, timestamp: Any) -> ModelQuerySet:
        return self._clone(_timestamp=timestamp)

    def batch(self, batch: Any) -> ModelQuerySet:
        if batch is not None and not isinstance(batch, BatchQuery):
            raise CQLEngineException("batch_obj must be a BatchQuery instance or None")
        if self._connection:
            raise CQLEngineException("Cannot specify a connection on model in batch mode.")
        return self._clone(_batch=batch)

    def if_not_exists(self) -> ModelQuerySet:
        if self.model._has_counter:
            raise IfNotExistsWithCounterColumn(
                "if_not_exists cannot be used with tables containing counter columns"
            )
        return self._clone(_if_not_exists=True)

    def if_exists(self) -> ModelQuerySet:
        if self.model._has_counter:
            raise IfExistsWithCounterColumn(
                "if_exists cannot be used with tables containing counter columns"
            )
        return self._clone(_if_exists=True)

    def using(self, keyspace: str | None = None, connection: str | None = None) -> ModelQuerySet:
        if connection and self._batch is not None:
            raise CQLEngineException("Cannot specify the connection on model in batch mode.")
        clone = self._clone(
            _keyspace=keyspace or self._keyspace, _connection=connection or self._connection
        )
        if keyspace:  # as in cqlengine, the queryset's model is the model in that keyspace
            from .models import placed

            clone.model = placed(self.model, keyspace, self.model.__connection__)
        return clone

    def _write_target(self) -> QuerySetBase[Any]:
        """The core queryset of an ``update()``/``delete()``: for a polymorphic subclass,
        over all its columns and every kind of row, as cqlengine writes."""
        flat = self.model._write_document
        if flat is None:
            return self._target()
        core = _CoreQuerySet(flat).find(**self._filters)
        if self._consistency is not None:
            core = core.consistency(self._consistency)
        return self._target(core)

    def _target(self, core: QuerySetBase[Any] | None = None) -> QuerySetBase[Any]:
        """The core queryset, on the keyspace and connection given by ``using()`` (or set
        on the queryset, as subclasses of ``ModelQuerySet`` do)."""
        from .models import placement

        batch = self._batch
        connection = batch._connection if batch is not None and batch._connection else None
        core = self._core if core is None else core
        moved = placement(
            self.model, self._keyspace, connection or self._connection, document=core.model
        )
        if self._distinct_fields is not None:
            core = core.distinct(*self._distinct_fields)
        if moved is None:
            return core
        keyspace, connection = moved
        return core.using(keyspace=keyspace, connection=cqlengine_connection._name(connection))

    # -- reads ------------------------------------------------------------------------------------
    # Each read and write is an operation run blocking (``count()``) or on the asyncio
    # loop (``await async_count()``), so that the two forms cannot drift apart.

    def _check_runnable(self) -> None:
        if any(isinstance(w, IsNotNullClause) for w in self._where):
            raise QueryRefused(
                f"{self.model.__name__}: IS NOT NULL restricts only materialized view "
                "definitions; Cassandra refuses it in a SELECT. Filter on values instead"
            )

    def _rows_op(self) -> Operation[list[Any]]:
        self._check_runnable()
        if self._only_fields:
            self._select_fields()  # cqlengine's check of an empty choice
        if self._batch is not None:
            raise CQLEngineException(
                "Only inserts, updates, and deletes are available in batch mode"
            )
        if self._empty:
            return []
        with translated(self.model):
            docs = yield from core_query.all_op(self._target())
        if self._values_list is not None:
            names, flat = self._values_list
            columns = [self.model._columns[n] for n in names]
            if flat:
                return [columns[0].from_core(d.__dict__.get(names[0])) for d in docs]
            return [
                [c.from_core(d.__dict__.get(n)) for c, n in zip(columns, names, strict=True)]
                for d in docs
            ]
        rows: list[Any] = self.model._from_core_many(docs)
        return rows

    def _rows(self) -> list[Any]:
        return run(self._rows_op(), self._timeout)

    def _fill(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = self._rows()
        return self._result_cache

    def __iter__(self) -> Iterator[Any]:
        return iter(self._fill())

    def __len__(self) -> int:
        return len(self._fill())

    def __bool__(self) -> bool:
        return bool(self._fill())

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            if (index.start or 0) < 0 or (index.stop is not None and index.stop < 0):
                warnings.warn(
                    "ModelQuerySet slicing with negative indices support will be removed in 4.0.",
                    DeprecationWarning,
                    stacklevel=2,
                )
        else:
            try:
                index = int(index)
            except (ValueError, TypeError):
                raise TypeError("QuerySet indices must be integers") from None
            if index < 0:
                warnings.warn(
                    "ModelQuerySet indexing with negative indices support will be removed in 4.0.",
                    DeprecationWarning,
                    stacklevel=2,
                )
        return self._fill()[index]

    def all(self) -> ModelQuerySet:
        return self._clone()

    def first(self) -> Any:
        rows = self._fill()
        return rows[0] if rows else None

    def _get_op(self, args: Any, kwargs: Any) -> Operation[Any]:
        query = self.filter(*args, **kwargs) if args or kwargs else self
        if query._values_list is None:
            query = query.limit(2)
        rows = yield from query._rows_op()
        if not rows:
            raise self.model.DoesNotExist(f"Object not found in database: {kwargs or args}")
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"Multiple objects found for {kwargs or args}")
        return rows[0]

    def get(self, *args: Any, **kwargs: Any) -> Any:
        keys = self._by_key(args, kwargs)
        if keys is not None:
            return run(self._get_by_key_op(keys, kwargs), self._timeout)
        return run(self._get_op(args, kwargs), self._timeout)

    def _by_key(self, args: Any, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        """The core values of a ``get()`` by the whole primary key on a plain queryset
        (the common case, read as one row without building a query), else ``None``."""
        model = self.model
        if (
            args
            or self._where
            or model._is_polymorphic
            or len(kwargs) != len(model._primary_keys)
            or kwargs.keys() != model._primary_keys.keys()
            or self._core is not _BASE.get(model._document)
            or self._values_list is not None
            or self._batch is not None
            or self._keyspace
            or self._connection
            or self._consistency is not None
        ):
            return None
        keys = {}
        for name, column in model._primary_keys.items():
            value = kwargs[name]
            if value is None or isinstance(value, (Token, MinTimeUUID, MaxTimeUUID)):
                return None
            keys[name] = column.to_core(column.validate(value))
        return keys

    def _get_by_key_op(self, keys: dict[str, Any], given: dict[str, Any]) -> Operation[Any]:
        from .models import placement

        if placement(self.model, None, None) is not None:  # moved since: the long way
            return (yield from self._get_op((), given))
        with translated(self.model):
            doc = yield from get_op(self.model._document, keys)
        return self.model._from_core(doc)

    def _count_op(self) -> Operation[int]:
        self._check_runnable()
        if self._batch is not None:
            raise CQLEngineException(
                "Only inserts, updates, and deletes are available in batch mode"
            )
        if self._empty:
            return 0
        with translated(self.model):  # cqlengine counts every row: limit() is not applied
            return (yield from core_query.count_op(self._target().limit(None)))

    def count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        return run(self._count_op(), self._timeout)

    # -- the asyncio forms (coodie's addition; cqlengine has none) --------------------------------

    async def async_all(self) -> list[Any]:
        """``await Model.objects.filter(...).async_all()``: the rows, as a list."""
        if self._result_cache is None:
            self._result_cache = await arun(self._rows_op(), self._timeout)
        return list(self._result_cache)

    async def __aiter__(self) -> AsyncIterator[Any]:
        """``async for m in Model.objects.filter(...)``."""
        for row in await self.async_all():
            yield row

    async def async_first(self) -> Any:
        rows = await self.async_all()
        return rows[0] if rows else None

    async def async_get(self, *args: Any, **kwargs: Any) -> Any:
        keys = self._by_key(args, kwargs)
        if keys is not None:
            return await arun(self._get_by_key_op(keys, kwargs), self._timeout)
        return await arun(self._get_op(args, kwargs), self._timeout)

    async def async_count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        return await arun(self._count_op(), self._timeout)

    async def async_create(self, **kwargs: Any) -> Any:
        return await self._new(kwargs).async_save()

    async def async_update(self, **values: Any) -> None:
        await arun(self._update_op(values), self._timeout)

    async def async_delete(self) -> None:
        await arun(self._delete_op(), self._timeout)

    # -- writes -----------------------------------------------------------------------------------

    def _new(self, kwargs: dict[str, Any]) -> Any:
        """A new instance carrying this queryset's write options (``create``)."""
        instance = self.model(**kwargs)
        instance._batch = self._batch
        instance._ttl = self._ttl
        instance.__consistency__ = self._consistency
        instance._if_not_exists = self._if_not_exists
        instance._if_exists = self._if_exists
        instance._conditional = self._conditional
        instance._timestamp = self._timestamp
        instance._timeout = self._timeout
        instance._connection = self._connection
        return instance

    def create(self, **kwargs: Any) -> Any:
        return self._new(kwargs).save()

    def update(self, **values: Any) -> None:
        run(self._update_op(values), self._timeout)

    def delete(self) -> None:
        run(self._delete_op(), self._timeout)

    def _update_op(self, values: dict[str, Any]) -> Operation[None]:
        """cqlengine's blind update: ``col__op=`` by the column's kind (UPDATE_KINDS), an
        operator of another kind a plain assignment (a merge on a map), as cqlengine's
        statement builder reads it; a suffix that is no operator at all is refused."""
        changes: dict[str, Any] = {}
        for key, value in values.items():
            name, _, op = key.partition("__")
            column = self.model._columns.get(name)
            if column is None:
                raise ValidationError(f"{self.model.__name__} has no column named: {name}")
            if column.is_primary_key:
                raise ValidationError(
                    f"Cannot apply update to primary key '{name}' for {self.model.__name__}"
                )
            if op and op not in UPDATE_OPERATORS:
                raise ValidationError(f"Unknown update operator: {op}")  # a typo, say
            if (
                isinstance(column, cols.Map)
                and op != "remove"
                and isinstance(value, dict)
                and value
            ):
                op = "update"  # cqlengine sets each key given: a blind map update merges
            elif op and op not in _applies(column):
                op = ""  # cqlengine assigns: set__update={...} replaces the set
            if op:
                core_op = UPDATE_OPERATORS[op]
                if op == "remove" and isinstance(column, cols.Map):
                    if not isinstance(value, (set, frozenset)):
                        raise ValidationError(
                            f"{self.model.__name__}.{name}__{op} takes a set of map keys, "
                            f"not {type(value).__name__}"
                        )
                    value = {column.key_col.to_core(k) for k in value}
                elif op == "update" and isinstance(column, cols.Map) and isinstance(value, dict):
                    # cqlengine sets each key; a key set to None is removed
                    gone = {column.key_col.to_core(k) for k, v in value.items() if v is None}
                    kept = {k: v for k, v in value.items() if v is not None}
                    if gone:
                        changes[f"{name}__remove"] = gone
                    if not kept:
                        continue
                    value = column.to_core(column.validate(kept))
                elif isinstance(column, cols.BaseContainerColumn):
                    value = column.to_core(column.validate(value))
                changes[f"{name}__{core_op}"] = value
            elif isinstance(column, cols.Counter):
                changes[f"{name}__incr"] = value
            else:
                value = column.validate(value)  # a required column refuses None, as there
                changes[name] = None if value is None else column.to_core(value)
        if not changes:
            return
        options = _write_options(self)
        with translated(self.model):
            yield from core_query.update_op(self._write_target().limit(None), changes, **options)

    def _delete_op(self) -> Operation[None]:
        options = _write_options(self, ttl=False)
        with translated(self.model):
            yield from core_query.delete_op(self._write_target().limit(None), **options)

    def __str__(self) -> str:
        """The SELECT as cqlengine prints it (the statement run is the core's)."""
        return str(self._select_query())

    def __eq__(self, other: object) -> bool:
        """cqlengine's: the same filters (in any order)."""
        if not isinstance(other, ModelQuerySet):
            return NotImplemented
        return len(self._where) == len(other._where) and all(w in other._where for w in self._where)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<ModelQuerySet of {self.model.__name__}>"


_BASE: dict[Any, QuerySetBase[Any]] = {}


def _base_queryset(document: Any) -> QuerySetBase[Any]:
    """A document's queryset with cqlengine's default limit (immutable: made once)."""
    found = _BASE.get(document)
    if found is None:
        found = _BASE[document] = _CoreQuerySet(document).limit(DEFAULT_LIMIT)
    return found


def _delta(column: Any, before: Any, after: Any) -> dict[str, Any]:
    """A column's change as core update keywords: what a collection gained and lost,
    else its new value (``None``: the cell is deleted)."""
    name = str(column.column_name)
    null = column._val_is_null
    if null(after):
        return {name: None}
    if isinstance(column, cols.BaseContainerColumn) and not column.frozen and not null(before):
        if isinstance(column, cols.Set):
            out = {}
            if after - before:
                out[f"{name}__add"] = column.to_core(after - before)
            if before - after:
                out[f"{name}__remove"] = column.to_core(before - after)
            return out
        if isinstance(column, cols.Map):
            out = {}
            changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
            if changed:
                out[f"{name}__add"] = column.to_core(changed)
            gone = {column.key_col.to_core(k) for k in before if k not in after}
            if gone:
                out[f"{name}__remove"] = gone
            return out
        if isinstance(column, cols.List) and after[: len(before)] == before:
            return {f"{name}__append": column.to_core(after[len(before) :])}
    if isinstance(column, cols.BaseContainerColumn) and not column.frozen and null(before):
        kind = "append" if isinstance(column, cols.List) else "add"  # the read value unknown
        return {f"{name}__{kind}": column.to_core(after)}
    return {name: column.to_core(after)}


def _query_document(model: Any) -> Any:
    """The core document a model's queries read: for a polymorphic subclass, its base's
    (cqlengine reads a subclass through its table: rows of every kind come back, and
    raise ``PolymorphicModelException``, unless the discriminator is filtered on)."""
    base = model._polymorphic_base
    if model._is_polymorphic and base is not None and base._document is not None:
        return base._document
    return model._document


def _write_options(source: Any, *, ttl: bool = True, conditions: bool = True) -> dict[str, Any]:
    """A queryset's or DMLQuery's cqlengine options as the core's write options."""
    from .models import _write_time

    out: dict[str, Any] = {}
    if ttl and source._ttl is not None:  # else the table's default_time_to_live
        out["ttl"] = source._ttl
    if source._timestamp is not None:
        out["timestamp"] = _write_time(source._timestamp)
    batch = source._batch
    if batch is not None:
        out["batch"] = batch._core
        if (
            batch.timestamp is not None
            and "timestamp" not in out
            and not (source._if_exists or source._conditional or source._if_not_exists)
            and not source.model._has_counter
        ):  # BatchQuery(timestamp=...): each of its writes carries that time
            out["timestamp"] = _write_time(batch.timestamp)
    if conditions:
        if source._if_exists:
            out["if_exists"] = True
        if source._conditional:
            out["if_conditions"] = source._conditional
    return out


class DMLQuery:
    """The writes of one instance (cqlengine's ``Model.__dmlquery__``): ``save``,
    ``update`` and ``delete`` with the instance's options, each one of the core's write
    operations.  A model may name a subclass of its own in ``__dmlquery__``."""

    _ttl: Any = None
    _consistency: Any = None
    _timestamp: Any = None
    _if_not_exists = False
    _if_exists = False

    def __init__(
        self,
        model: Any,
        instance: Any = None,
        batch: Any = None,
        ttl: Any = None,
        consistency: Any = None,
        timestamp: Any = None,
        if_not_exists: bool = False,
        conditional: Any = None,
        timeout: Any = NOT_SET,
        if_exists: bool = False,
    ) -> None:
        self.model = model
        self.instance = instance
        self._batch = batch
        self._ttl = ttl
        self._consistency = consistency
        self._timestamp = timestamp
        self._if_not_exists = if_not_exists
        self._if_exists = if_exists
        self._conditional = conditional
        self._timeout = timeout

    @property
    def column_family_name(self) -> str:
        return str(self.model.column_family_name())

    def batch(self, batch: Any) -> DMLQuery:
        if batch is not None and not isinstance(batch, BatchQuery):
            raise CQLEngineException("batch_obj must be a BatchQuery instance or None")
        self._batch = batch
        return self

    def _batch_connection(self) -> str | None:
        """A ``BatchQuery(connection=...)`` decides where its writes go."""
        batch = self._batch
        return batch._connection if batch is not None and batch._connection else None

    def _instance(self) -> Any:
        if self.instance is None:
            raise CQLEngineException("DML Query instance attribute is None")
        return self.instance

    def _options(self, *, ttl: bool = True, conditions: bool = True) -> dict[str, Any]:
        options = _write_options(self, ttl=ttl, conditions=conditions)
        if self._batch is None and self._consistency is not None:  # a batch has its own
            options["consistency"] = self._consistency
        return options

    # Each write is an operation (a generator of the core's requests): ``save()`` runs
    # it blocking, through ``connection.execute``; ``async_save()`` on the asyncio loop.

    def save(self) -> None:
        run(self.save_op(), self._timeout)

    def update(self) -> None:
        run(self.update_op(), self._timeout)

    def delete(self) -> None:
        run(self.delete_op(), self._timeout)

    async def async_save(self) -> None:
        await arun(self.save_op(), self._timeout)

    async def async_update(self) -> None:
        await arun(self.update_op(), self._timeout)

    async def async_delete(self) -> None:
        await arun(self.delete_op(), self._timeout)

    def save_op(self) -> Operation[None]:
        """INSERT a new row (or the row at a changed key), UPDATE a loaded one."""
        instance = self._instance()
        if instance._has_counter:
            warnings.warn(
                "'create' and 'save' actions on Counters are deprecated. It will be "
                "disallowed in 4.0. Use the 'update' mechanism instead.",
                DeprecationWarning,
                stacklevel=4,
            )
            yield from self._save_counters()
            return
        updatable = instance._can_update()
        if not updatable and self._static_only():
            yield from self._write_statics()
            return
        dirty = instance._dirty_columns() if updatable else None
        if dirty == []:
            return  # nothing changed: nothing is sent (as in cqlengine)
        if not updatable:  # defaults written now are part of the row
            for name, column in instance._columns.items():
                if column.has_default and not column._val_is_null(instance._current.get(name)):
                    instance._explicit.add(name)
        if self._if_not_exists and not updatable and self._timestamp is not None:
            raise QueryRefused(
                f"{self.model.__name__}: if_not_exists() is a lightweight transaction, "
                "which takes the time of its Paxos round: drop timestamp()"
            )
        doc = instance._core_document(self._batch_connection(), dirty)
        if updatable and (self._if_exists or self._conditional):
            yield from self._update_changed(doc)
            return
        options = self._options(conditions=False)
        with translated(self.model):
            if self._if_not_exists and not updatable:  # a loaded row: UPDATE
                result = yield from insert_op(doc, **options)
                if not result.applied:
                    raise LWTException(result.row or {})
                return
            fresh = not updatable
            unread = self._unread_changes(doc, dirty) if dirty else {}
            yield from save_op(doc, **options)
            if unread:  # columns only()/defer() did not read: their changes, as deltas
                yield from update_op(doc, {}, {**unread, **options})
            if fresh:  # cqlengine deletes the cells a new instance sets to None
                columns, current = instance._columns, instance._current
                nulled = {
                    name: None
                    for name in instance._explicit
                    if name in columns
                    and not columns[name].is_primary_key
                    and columns[name]._val_is_null(current.get(name))
                }
                if nulled:
                    options.pop("ttl", None)
                    yield from update_op(doc, nulled, options)

    def _unread_changes(self, doc: Any, dirty: list[str]) -> dict[str, Any]:
        """The changes of columns the row was read without (``only()``/``defer()``),
        which the core's save leaves alone: each as what it adds or removes (the value
        in the table is unknown), a scalar as its new value, ``None`` as a delete."""
        loaded = loaded_row(doc)
        if loaded is None:
            return {}
        read = {c.name for c in loaded[0]}
        instance = self._instance()
        out: dict[str, Any] = {}
        for name in dirty:
            if name in read:
                continue
            column = instance._columns[name]
            out.update(_delta(column, instance._previous.get(name), instance._current.get(name)))
        return out

    def update_op(self) -> Operation[None]:
        """UPDATE what changed (a set value, or a cell set to None: deleted)."""
        instance = self._instance()
        if instance._has_counter:
            yield from self._save_counters()
        elif self._static_only():
            yield from self._write_statics()
        else:
            yield from self._update_changed(instance._core_document(self._batch_connection()))

    def delete_op(self) -> Operation[None]:
        instance = self._instance()
        doc = instance._core_document(self._batch_connection())
        with translated(self.model):
            yield from delete_op(doc, **self._options(ttl=False))

    def _update_changed(self, doc: Any) -> Operation[None]:
        instance = self._instance()
        values = doc.__dict__
        changes = {
            name: values[name]
            for name in instance._dirty_columns()
            if not instance._columns[name].is_primary_key
        }
        if not changes:
            return
        with translated(self.model):
            yield from update_op(doc, changes, self._options())

    def _static_only(self) -> bool:
        """cqlengine writes only the static columns of a row whose clustering key is unset."""
        instance = self._instance()
        keys = instance._clustering_keys
        return bool(keys) and all(instance._current.get(k) is None for k in keys)

    def _write_statics(self) -> Operation[None]:
        instance = self._instance()
        doc = instance._core_document(self._batch_connection())
        statics = {
            name: doc.__dict__[name]
            for name, column in instance._columns.items()
            if column.static and instance._current.get(name) is not None
        }
        if statics:
            with translated(self.model):
                yield from update_op(doc, statics, self._options())

    def _save_counters(self) -> Operation[None]:
        """Each counter changes by what it moved since it was read (``"c" = "c" + ?``)."""
        instance = self._instance()
        counters = [n for n, c in instance._columns.items() if isinstance(c, cols.Counter)]
        document = self.model._document
        if instance._doc is None:
            instance._doc = blank_document(document)
        doc = instance._doc
        before = {n: doc.__dict__.get(n) or 0 for n in counters}
        for name, column in instance._primary_keys.items():
            doc.__dict__[name] = column.to_core(instance._current.get(name))
        current = instance._current
        fresh = not instance._is_persisted  # a new row: cqlengine writes every counter
        changes = {
            f"{n}__incr": (current.get(n) or 0) - before[n]
            for n in counters
            if fresh or (current.get(n) or 0) != before[n]
        }
        if not changes:  # cqlengine still writes the row: an increment by 0 creates it
            changes = {f"{counters[0]}__incr": 0}
        if self._ttl is not None:
            raise QueryRefused(
                f"{self.model.__name__}: counter tables take no TTL (Cassandra refuses "
                "one on counter updates): drop ttl()"
            )
        options = self._options(ttl=False)
        options.pop("timestamp", None)
        with translated(self.model):
            yield from update_op(doc, {}, {**changes, **options})
        for n in counters:
            doc.__dict__[n] = current.get(n) or 0


__all__ = [
    "AbstractQueryableColumn",
    "BatchQuery",
    "BatchType",
    "ColumnQueryEvaluator",
    "ContextQuery",
    "DMLQuery",
    "DoesNotExist",
    "IfExistsWithCounterColumn",
    "IfNotExistsWithCounterColumn",
    "LWTException",
    "ModelQuerySet",
    "MultipleObjectsReturned",
    "QueryException",
    "ResultObject",
]


def _applies(column: Any) -> tuple[str, ...]:
    """The update suffixes of a column's collection kind (none for other columns)."""
    for kind, suffixes in UPDATE_KINDS.items():
        if isinstance(column, getattr(cols, kind)):
            return suffixes
    return ()
