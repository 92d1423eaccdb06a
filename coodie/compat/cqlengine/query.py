"""cqlengine's querysets and batches over the core's queries and batches.

A ``ModelQuerySet`` is cqlengine's API (cloning, result cache, default limit of
10,000, slicing, ``objects(...)``) over one core queryset of the model's hidden
document: the statements, checks and hydration are the core's.  Filter values go
through the columns' conversions first (naive datetimes, ``util.Date``, ...).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ... import query as core_query
from ...batch import BatchBase
from ...clauses import Token
from ...query import QuerySetBase
from . import columns as cols
from .errors import (
    CQLEngineException,
    DoesNotExist,
    IfExistsWithCounterColumn,
    IfNotExistsWithCounterColumn,
    LWTException,
    MultipleObjectsReturned,
    QueryException,
    ValidationError,
)
from .functions import MaxTimeUUID, MinTimeUUID
from .mapping import FILTER_OPERATORS, UPDATE_OPERATORS
from .runner import run
from .translate import translated

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

    def _expr(self, op: str, value: Any) -> tuple[str, Any]:
        name = str(self.column.column_name)
        return (name if op == "eq" else f"{name}__{op}"), value

    def in_(self, item: Any) -> tuple[str, Any]:
        return self._expr("in", item)

    def contains_(self, item: Any) -> tuple[str, Any]:
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
        timeout: Any = None,
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
        self._core = BatchBase(batch_type or "LOGGED", consistency=consistency, timeout=timeout)

    @property
    def queries(self) -> list[str]:
        return self._core.statements

    def consistency(self, consistency: Any) -> None:
        self._consistency = consistency
        self._core.consistency = consistency

    def add_callback(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        if not callable(fn):
            raise ValueError(f"Value for argument 'fn' is {type(fn)} and is not a callable object.")
        self._callbacks.append((fn, args, kwargs))

    def execute(self) -> None:
        if self._executed and self.warn_multiple_exec:
            import warnings

            message = "Batch executed multiple times."
            if self._context_entered:
                message += (
                    " If using the batch as a context manager, there is no need to call "
                    "execute directly."
                )
            warnings.warn(message, stacklevel=2)
        self._executed = True
        if len(self._core) and not self._core.executed:
            with translated():
                run(self._core._execute_op())
        self._core = BatchBase(
            self.batch_type or "LOGGED", consistency=self._consistency, timeout=self._timeout
        )
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
            attrs: dict[str, Any] = {}
            if keyspace:
                attrs["__keyspace__"] = keyspace
            if connection:
                attrs["__connection__"] = connection
            self.models.append(_clone_model_class(model, attrs))

    def __enter__(self) -> Any:
        return tuple(self.models) if len(self.models) > 1 else self.models[0]

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        return None


class ModelQuerySet:
    """cqlengine's queryset of a model."""

    def __init__(self, model: Any) -> None:
        self.model = model
        document = model._document
        self._core: QuerySetBase[Any] = _CoreQuerySet(document).limit(DEFAULT_LIMIT)
        self._result_cache: list[Any] | None = None
        self._options: dict[str, Any] = {}
        self._values_list: tuple[tuple[str, ...], bool] | None = None

    # -- cloning ------------------------------------------------------------------------------

    def _clone(self, core: QuerySetBase[Any] | None = None, **options: Any) -> ModelQuerySet:
        clone = copy.copy(self)
        clone._result_cache = None
        clone._options = {**self._options, **options}
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
            return key, value
        name, _, op = key.partition("__")
        if name == "pk":
            name = next(iter(self.model._primary_keys))
        column = self.model._columns.get(name)
        if column is None:
            raise QueryException(f"Can't resolve column name: '{name}'")
        if op and op not in FILTER_OPERATORS:
            raise QueryException(f"Can't resolve operator '{op}'")
        if isinstance(value, Token):
            return f"pk__token__{op or 'eq'}", value
        if isinstance(value, (MinTimeUUID, MaxTimeUUID)):
            value = value.uuid()
        core_op = FILTER_OPERATORS.get(op, "eq") if op else "eq"
        if core_op == "in":
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
        filters: dict[str, Any] = {}
        for arg in args:
            if not isinstance(arg, tuple) or len(arg) != 2:
                raise QueryException(f"{arg} is not a valid query operator")
            key, value = arg
            filters[key] = value
        filters.update(kwargs)
        converted = dict(self._convert(k, v) for k, v in filters.items())
        with translated(self.model):
            return self._clone(self._core.find(**converted))

    def iff(self, *args: Any, **kwargs: Any) -> ModelQuerySet:
        return self._clone(iff={**self._options.get("iff", {}), **kwargs})

    def limit(self, n: int | None) -> ModelQuerySet:
        if n is not None and (not isinstance(n, int) or n < 0):
            raise QueryException("Can't apply limit to a negative or non-int value")
        if n == 0:
            return self._clone(empty=True)
        return self._clone(self._core.limit(n))

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
        with translated(self.model):
            return self._clone(self._core.only(*fields))

    def defer(self, fields: Any) -> ModelQuerySet:
        with translated(self.model):
            return self._clone(self._core.defer(*fields))

    def values_list(self, *fields: str, **kwargs: Any) -> ModelQuerySet:
        flat = bool(kwargs.pop("flat", False))
        if kwargs:
            raise TypeError(f"Unexpected keyword arguments to values_list: {list(kwargs)}")
        if flat and len(fields) > 1:
            raise TypeError(
                "'flat' is not valid when values_list is called with more than one field."
            )
        clone = self._clone(self._core.only(*fields) if fields else None)
        clone._values_list = (tuple(fields) or tuple(self.model._columns), flat)
        return clone

    def consistency(self, level: Any) -> ModelQuerySet:
        return self._clone(self._core.consistency(level), consistency=level)

    def timeout(self, seconds: Any) -> ModelQuerySet:
        return self._clone(self._core.timeout(seconds), timeout=seconds)

    def ttl(self, ttl: Any) -> ModelQuerySet:
        return self._clone(ttl=ttl)

    def timestamp(self, timestamp: Any) -> ModelQuerySet:
        return self._clone(timestamp=timestamp)

    def batch(self, batch: Any) -> ModelQuerySet:
        if batch is not None and not isinstance(batch, BatchQuery):
            raise CQLEngineException("batch_obj must be a BatchQuery instance or None")
        return self._clone(batch=batch)

    def if_not_exists(self) -> ModelQuerySet:
        if any(isinstance(c, cols.Counter) for c in self.model._columns.values()):
            raise IfNotExistsWithCounterColumn(
                "if_not_exists cannot be used with tables containing counter columns"
            )
        return self._clone(if_not_exists=True)

    def if_exists(self) -> ModelQuerySet:
        if any(isinstance(c, cols.Counter) for c in self.model._columns.values()):
            raise IfExistsWithCounterColumn(
                "if_exists cannot be used with tables containing counter columns"
            )
        return self._clone(if_exists=True)

    def using(self, keyspace: str | None = None, connection: str | None = None) -> ModelQuerySet:
        return self._clone(keyspace=keyspace, connection=connection)

    # -- reads ------------------------------------------------------------------------------------

    def _rows(self) -> list[Any]:
        if self._options.get("empty"):
            return []
        with translated(self.model):
            docs = run(core_query.all_op(self._core))
        if self._values_list is not None:
            names, flat = self._values_list
            columns = [self.model._columns[n] for n in names]
            if flat:
                return [columns[0].from_core(d.__dict__.get(names[0])) for d in docs]
            return [
                [c.from_core(d.__dict__.get(n)) for c, n in zip(columns, names, strict=True)]
                for d in docs
            ]
        from_core = self.model._from_core
        return [from_core(d) for d in docs]

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
        rows = self._fill()
        return rows[index]

    def all(self) -> ModelQuerySet:
        return self._clone()

    def first(self) -> Any:
        rows = self._fill()
        return rows[0] if rows else None

    def get(self, *args: Any, **kwargs: Any) -> Any:
        query = self.filter(*args, **kwargs) if args or kwargs else self
        rows = query.limit(2)._rows() if query._values_list is None else query._rows()
        if not rows:
            raise self.model.DoesNotExist(f"Object not found in database: {kwargs or args}")
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"Multiple objects found for {kwargs or args}")
        return rows[0]

    def count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        with translated(self.model):
            return run(core_query.count_op(self._core))

    # -- writes -----------------------------------------------------------------------------------

    def create(self, **kwargs: Any) -> Any:
        instance = self.model(**kwargs)
        for name in (
            "ttl",
            "timestamp",
            "consistency",
            "timeout",
            "batch",
            "if_not_exists",
            "if_exists",
            "iff",
        ):
            if name in self._options:
                instance._options[name] = self._options[name]
        return instance.save()

    def update(self, **values: Any) -> None:
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
            if op:
                core_op = UPDATE_OPERATORS.get(op)
                if core_op is None:
                    raise ValidationError(f"Unknown update operator: {op}")
                if op == "discard":
                    value = {column.key_col.to_core(k) for k in value}
                elif isinstance(column, cols.BaseContainerColumn):
                    value = column.to_core(column.validate(value))
                changes[f"{name}__{core_op}"] = value
            elif isinstance(column, cols.Counter):
                current = value
                changes[f"{name}__incr"] = current
            else:
                changes[name] = None if value is None else column.to_core(column.validate(value))
        options = self._write_options()
        with translated(self.model):
            run(core_query.update_op(self._core.limit(None), changes, **options))

    def delete(self) -> None:
        options = self._write_options()
        options.pop("ttl", None)
        with translated(self.model):
            run(core_query.delete_op(self._core.limit(None), **options))

    def _write_options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        opts = self._options
        if opts.get("ttl") is not None:
            out["ttl"] = opts["ttl"]
        if opts.get("timestamp") is not None:
            from .models import _write_time

            out["timestamp"] = _write_time(opts["timestamp"])
        if opts.get("batch") is not None:
            out["batch"] = opts["batch"]._core
        if opts.get("if_exists"):
            out["if_exists"] = True
        if opts.get("iff"):
            out["if_conditions"] = opts["iff"]
        return out

    def __str__(self) -> str:
        return str(self._core)

    def __repr__(self) -> str:
        return f"<ModelQuerySet of {self.model.__name__}>"


__all__ = [
    "AbstractQueryableColumn",
    "BatchQuery",
    "BatchType",
    "ColumnQueryEvaluator",
    "ContextQuery",
    "DoesNotExist",
    "IfExistsWithCounterColumn",
    "IfNotExistsWithCounterColumn",
    "LWTException",
    "ModelQuerySet",
    "MultipleObjectsReturned",
    "QueryException",
]
