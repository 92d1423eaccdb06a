"""cqlengine's ``named`` module: tables addressed by keyspace and name, without a model.

cqlengine builds a ``NamedTable``'s statements without knowing the table: filters are
parsed by name into ``_where`` clauses and values are sent as given, so querysets of a
table that does not exist (yet) can be built and inspected.  The core cannot run a
query without a schema (it prepares and checks every statement against one), so a
named queryset records its calls and keeps cqlengine's ``_where`` with no I/O; its first
read or write replays them on an ordinary ``ModelQuerySet`` of a model learnt from the
driver's schema metadata (a table, else a materialized view).  Its rows are
``ResultObject``s, cqlengine's dicts keyed by column name that also read as attributes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, cast

from cassandra import InvalidRequest

from ... import fields as markers
from . import columns as cols
from .connection import get_cluster
from .errors import CQLEngineException, QueryException
from .errors import DoesNotExist as _DoesNotExist
from .errors import MultipleObjectsReturned as _MultipleObjectsReturned
from .functions import Token
from .models import Model, ModelMetaClass
from .operators import (
    BaseWhereOperator,
    ContainsOperator,
    EqualsOperator,
    GreaterThanOperator,
    GreaterThanOrEqualOperator,
    InOperator,
    LessThanOperator,
    LessThanOrEqualOperator,
)
from .query import AbstractQueryableColumn, ModelQuerySet, ResultObject
from .statements import WhereClause
from .usertype import UserType, UserTypeMetaClass

_Call = tuple[str, tuple[Any, ...], dict[str, Any]]


class NamedColumn(AbstractQueryableColumn):
    """A column known only by its name: comparisons make cqlengine's ``WhereClause``,
    with the value as given (nothing is known to convert it with)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name

    def _get_column(self) -> Any:
        return self

    @property
    def db_field_name(self) -> str:
        return self.name

    @property
    def cql(self) -> str:
        return self.get_cql()

    def get_cql(self) -> str:
        return f'"{self.name}"'

    def to_database(self, val: Any) -> Any:
        return val

    def _clause(self, operator: BaseWhereOperator, value: Any) -> WhereClause:
        return WhereClause(str(self), operator, value)

    def in_(self, item: Any) -> WhereClause:
        return self._clause(InOperator(), item)

    def contains_(self, item: Any) -> WhereClause:
        return self._clause(ContainsOperator(), item)

    def __eq__(self, other: Any) -> Any:
        return self._clause(EqualsOperator(), other)

    def __gt__(self, other: Any) -> Any:
        return self._clause(GreaterThanOperator(), other)

    def __ge__(self, other: Any) -> Any:
        return self._clause(GreaterThanOrEqualOperator(), other)

    def __lt__(self, other: Any) -> Any:
        return self._clause(LessThanOperator(), other)

    def __le__(self, other: Any) -> Any:
        return self._clause(LessThanOrEqualOperator(), other)

    __hash__ = object.__hash__


# -- the queryset ----------------------------------------------------------------------------


def _filter_key(clause: WhereClause) -> str:
    """The ``col__op`` keyword that a where clause stands for (to replay it)."""
    symbol = str(type(clause.operator).symbol)
    if symbol not in _REPLAYABLE:
        raise QueryException(f"{clause} is not a valid query operator for a NamedTable")
    name = "pk__token" if isinstance(clause.value, Token) else clause.field
    return name if symbol == "EQ" else f"{name}__{symbol.lower()}"


_REPLAYABLE = frozenset({"EQ", "NE", "IN", "GT", "GTE", "LT", "LTE", "CONTAINS", "LIKE"})


class _Recorded:
    """A chaining method of ``SimpleQuerySet``: recorded now, replayed on the
    ``ModelQuerySet`` (which checks the arguments) when the query runs."""

    name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, queryset: Any, owner: type) -> Callable[..., SimpleQuerySet]:
        name = self.name

        def record(*args: Any, **kwargs: Any) -> SimpleQuerySet:
            return cast(SimpleQuerySet, queryset)._clone((name, args, kwargs))

        return record


class SimpleQuerySet:
    """A ``NamedTable``'s queryset (cqlengine's ``SimpleQuerySet``): ``model`` is the table,
    ``_where`` cqlengine's clauses; rows are ``ResultObject``s."""

    def __init__(self, model: NamedTable) -> None:
        self.model = model
        self._where: list[WhereClause] = []
        self._calls: tuple[_Call, ...] = ()
        self._query: ModelQuerySet | None = None  # made on the first read or write

    def _clone(self, call: _Call | None = None) -> SimpleQuerySet:
        clone = SimpleQuerySet(self.model)
        clone._where = list(self._where)
        clone._calls = self._calls if call is None else (*self._calls, call)
        return clone

    def __deepcopy__(self, memo: Any) -> SimpleQuerySet:
        return self._clone()

    # -- building (no I/O) ---------------------------------------------------------------

    def filter(self, *args: Any, **kwargs: Any) -> SimpleQuerySet:
        if any(value is None for value in kwargs.values()):
            raise CQLEngineException("None values on filter are not allowed")
        clone = self._clone()
        for arg in args:
            if not isinstance(arg, WhereClause):
                raise QueryException(f"{arg} is not a valid query operator")
            clone._add(arg, _filter_key(arg), arg.value)
        for key, value in kwargs.items():
            clone._add(self._where_clause(key, value), key, value)
        return clone

    __call__ = filter

    def _add(self, clause: WhereClause, key: str, value: Any) -> None:
        self._where.append(clause)
        self._calls = (*self._calls, ("filter", (), {key: value}))

    def _where_clause(self, key: str, value: Any) -> WhereClause:
        """cqlengine's parsing of ``col__op=value`` for a table whose columns are unknown."""
        name, _, op = key.rpartition("__") if "__" in key and key != "pk__token" else (key, "", "")
        operator = BaseWhereOperator.get_operator(op or "EQ")()
        if not isinstance(value, Token):
            if isinstance(operator, InOperator) and not isinstance(value, (list, tuple)):
                raise QueryException("IN queries must use a list/tuple value")
            return WhereClause(str(name), operator, value)
        if name != "pk__token":
            raise QueryException(
                "Token() values may only be compared to the 'pk__token' virtual column"
            )
        keys = list(self.model._partition_keys)
        if len(keys) != len(value.value):
            raise QueryException(
                f"Token() received {len(value.value)} arguments but model has "
                f"{len(keys)} partition keys"
            )
        field = "token({})".format(", ".join(f'"{k}"' for k in keys))
        return WhereClause(field, operator, value, quote_field=False)

    def all(self) -> SimpleQuerySet:
        return self._clone()

    iff = _Recorded()
    limit = _Recorded()
    fetch_size = _Recorded()
    order_by = _Recorded()
    allow_filtering = _Recorded()
    distinct = _Recorded()
    consistency = _Recorded()
    timeout = _Recorded()
    batch = _Recorded()
    using = _Recorded()

    # -- running: the ordinary queryset of the table's model ---------------------------------

    def _queryset(self) -> ModelQuerySet:
        if self._query is None:
            query = ModelQuerySet(self.model._model())
            for name, args, kwargs in self._calls:
                query = getattr(query, name)(*args, **kwargs)
            self._query = query
        return self._query

    def __iter__(self) -> Iterator[Any]:
        return iter(self._queryset())

    def __len__(self) -> int:
        return len(self._queryset())

    def __bool__(self) -> bool:
        return bool(self._queryset())

    def __getitem__(self, index: Any) -> Any:
        return self._queryset()[index]

    def first(self) -> Any:
        return self._queryset().first()

    def count(self) -> int:
        return self._queryset().count()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        query = self.filter(*args, **kwargs) if args or kwargs else self
        return query._queryset().get()

    def delete(self) -> Any:
        return self._queryset().delete()

    def __str__(self) -> str:
        return str(self._queryset())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SimpleQuerySet) or len(self._where) != len(other._where):
            return False
        return all(w in other._where for w in self._where)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        # cqlengine's private queryset state (``_result_cache``...) is the real queryset's;
        # the public API is the one above, cqlengine's ``SimpleQuerySet``'s.
        if not name.startswith("_") or name.startswith("__"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._queryset(), name)


class QuerySetDescriptor:
    """``table.objects``: a fresh queryset of that table on every access."""

    def __get__(self, obj: NamedTable | None, model: type[NamedTable]) -> Any:
        if model.__abstract__:
            raise CQLEngineException("cannot execute queries against abstract models")
        return self if obj is None else SimpleQuerySet(obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Only tells IDEs that ``table.objects(...)`` is fine."""
        raise NotImplementedError


# -- the table ---------------------------------------------------------------------------------


class NamedTable:
    """A table (or materialized view) not coupled to a model class."""

    __abstract__: ClassVar[bool] = False
    __connection__: ClassVar[str | None] = None
    _partition_key_index: ClassVar[Any] = None

    objects = QuerySetDescriptor()

    class DoesNotExist(_DoesNotExist):
        pass

    class MultipleObjectsReturned(_MultipleObjectsReturned):
        pass

    def __init__(self, keyspace: str, name: str) -> None:
        self.keyspace = keyspace
        self.name = name
        self._connection: str | None = None
        self._models: dict[str | None, type[Model]] = {}  # by connection
        self._partition_key_columns: dict[str, cols.Column] | None = None

    def using(self, connection: str | None = None) -> NamedTable:
        if connection:
            self._connection = connection
        return self

    def _get_connection(self) -> str | None:
        return self._connection or self.__connection__

    @property
    def _partition_keys(self) -> dict[str, cols.Column]:
        if self._partition_key_columns is None:
            try:
                _, meta = _metadata(self.keyspace, self.name, self._get_connection())
            except Exception as exc:
                raise CQLEngineException(
                    f"Failed inspecting partition keys for {self.column_family_name()}."
                    "Ensure cqlengine is connected before attempting this with NamedTable."
                ) from exc
            self._partition_key_columns = {
                c.name: cols.Column(primary_key=True, partition_key=True, db_field=c.name)
                for c in meta.partition_key
            }
        return self._partition_key_columns

    def _model(self) -> type[Model]:
        """The table's model on the current connection, learnt from the schema metadata
        once (a table that does not exist fails as the server would fail the query)."""
        connection = self._get_connection()
        model = self._models.get(connection)
        if model is None:
            model = self._models[connection] = _build_model(self, connection)
        return model

    def column(self, name: str) -> NamedColumn:
        return NamedColumn(name)

    def column_family_name(self, include_keyspace: bool = True) -> str:
        return f"{self.keyspace}.{self.name}" if include_keyspace else self.name

    def _get_column(self, name: str) -> NamedColumn:
        return self.column(name)

    def all(self) -> SimpleQuerySet:
        return cast(SimpleQuerySet, self.objects).all()

    def filter(self, *args: Any, **kwargs: Any) -> SimpleQuerySet:
        return cast(SimpleQuerySet, self.objects).filter(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return cast(SimpleQuerySet, self.objects).get(*args, **kwargs)


class NamedKeyspace:
    """A keyspace, to name its tables: ``NamedKeyspace("ks").table("users")``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def table(self, name: str) -> NamedTable:
        return NamedTable(self.name, name)


# -- the model learnt from the schema metadata ---------------------------------------------


def _metadata(keyspace: str, name: str, connection: str | None) -> tuple[Any, Any]:
    """(keyspace metadata, table or view metadata).  The driver's copy misses what other
    clients created since it was read: it is refreshed once when the table is not in it."""
    cluster = get_cluster(connection)
    for attempt in range(2):
        ks = _lookup(cluster.metadata.keyspaces, keyspace)
        if ks is not None:
            table = _lookup(ks.tables, name) or _lookup(ks.views, name)
            if table is not None:
                return ks, table
        if attempt == 0:
            cluster.refresh_schema_metadata()
    raise InvalidRequest(f"table {keyspace}.{name} does not exist")


def _lookup(entries: Any, name: str) -> Any:
    """CQL folds unquoted names to lower case, as cqlengine's statements leave them."""
    return entries.get(name.lower()) or entries.get(name)


class _NamedRows:
    """Mixin of a named table's model: its rows are ``ResultObject``s, its errors the
    ``NamedTable``'s (the metaclass subclasses the first base's)."""

    DoesNotExist = NamedTable.DoesNotExist
    MultipleObjectsReturned = NamedTable.MultipleObjectsReturned
    _columns: ClassVar[dict[str, cols.Column]]

    @classmethod
    def _from_core(cls, doc: Any) -> ResultObject:
        values = doc.__dict__
        return ResultObject(
            {
                column.db_field_name: None if values[n] is None else column.from_core(values[n])
                for n, column in cls._columns.items()
                if n in values
            }
        )

    @classmethod
    def _construct_instance(cls, values: dict[str, Any]) -> ResultObject:
        return ResultObject(values)


def _build_model(table: NamedTable, connection: str | None) -> type[Model]:
    ks, meta = _metadata(table.keyspace, table.name, connection)
    types = _Types(ks)
    indexes = _index_markers(meta)
    partition = [c.name for c in meta.partition_key]
    clustering = [c.name for c in meta.clustering_key]
    keys = {*partition, *clustering}
    ordered = [
        *meta.partition_key,
        *meta.clustering_key,
        *(c for c in meta.columns.values() if c.name not in keys),
    ]
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__keyspace__": ks.name,
        "__table_name__": meta.name,
        "__table_name_case_sensitive__": meta.name != meta.name.lower(),
        "__connection__": connection,
    }
    try:
        for column_meta in ordered:
            options: dict[str, Any] = {}
            if column_meta.name in partition:
                options["partition_key"] = True
            elif column_meta.name in clustering:
                options["primary_key"] = True
                options["clustering_order"] = "DESC" if column_meta.is_reversed else None
            elif column_meta.is_static:
                options["static"] = True
            column = types.column(column_meta.cql_type, **options)
            marker = indexes.get(column_meta.name)
            if marker is not None:
                column.index = True
                column.index_marker = marker  # type: ignore[attr-defined]
            attrs[column_meta.name] = column
        name = re.sub(r"\W", "_", meta.name)
        return cast("type[Model]", ModelMetaClass(name, (_NamedRows, Model), attrs))
    except CQLEngineException:
        raise
    except Exception as exc:  # a column the shim's columns cannot describe
        raise CQLEngineException(
            f"Cannot read {table.column_family_name()} as a NamedTable: {exc}"
        ) from exc


_SCALARS: dict[str, type[cols.Column]] = {
    "ascii": cols.Ascii,
    "bigint": cols.BigInt,
    "blob": cols.Blob,
    "boolean": cols.Boolean,
    "counter": cols.Counter,
    "date": cols.Date,
    "decimal": cols.Decimal,
    "double": cols.Double,
    "duration": cols.Duration,
    "float": cols.Float,
    "inet": cols.Inet,
    "int": cols.Integer,
    "smallint": cols.SmallInt,
    "text": cols.Text,
    "time": cols.Time,
    "timestamp": cols.DateTime,
    "timeuuid": cols.TimeUUID,
    "tinyint": cols.TinyInt,
    "uuid": cols.UUID,
    "varchar": cols.Text,
    "varint": cols.VarInt,
}


class _Vector(cols.Column):
    """``vector<float, n>`` (Cassandra 5), which no cqlengine column describes."""

    def __init__(self, dimensions: int, **options: Any) -> None:
        self.dimensions = dimensions
        super().__init__(**options)
        self.db_type = f"vector<float, {dimensions}>"

    def python_type(self) -> Any:
        return Annotated[list[float], markers.Vector(self.dimensions)]


_CONTAINERS: dict[str, Callable[..., cols.BaseContainerColumn]] = {
    "list": cols.List,
    "set": cols.Set,
    "map": cols.Map,
}

_TOKEN = re.compile(r"\s*(\"(?:[^\"]|\"\")*\"|'[^']*'|[<>,]|[^\s<>,]+)")


@dataclass
class _CqlType:
    """A parsed CQL type: ``map<text, frozen<list<int>>>``."""

    name: str
    args: list[_CqlType] = field(default_factory=list)


def _parse_type(text: str) -> _CqlType:
    tokens = _TOKEN.findall(text)
    pos = 0

    def parse() -> _CqlType:
        nonlocal pos
        node = _CqlType(_unquote(tokens[pos]))
        pos += 1
        if pos < len(tokens) and tokens[pos] == "<":
            pos += 1
            while True:
                node.args.append(parse())
                pos += 1
                if tokens[pos - 1] == ">":
                    break
        return node

    try:
        node = parse()
    except IndexError:
        raise CQLEngineException(f"cannot parse the CQL type {text!r}") from None
    if pos != len(tokens):
        raise CQLEngineException(f"cannot parse the CQL type {text!r}")
    return node


def _unquote(name: str) -> str:
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


class _Types:
    """The shim's columns for a keyspace's CQL types (its user types built on demand)."""

    def __init__(self, keyspace: Any) -> None:
        self.keyspace = keyspace
        self.user_types: dict[str, type[UserType]] = {}

    def column(self, text: str, **options: Any) -> cols.Column:
        return self._column(_parse_type(text), False, options)

    def _column(self, node: _CqlType, frozen: bool, options: dict[str, Any]) -> cols.Column:
        name, args = node.name, node.args
        if not args:
            if name in _SCALARS:
                return _SCALARS[name](**options)
            user_type = self._user_type(name)
            if user_type is not None:
                return cols.UserDefinedType(user_type, **options)
        elif name == "vector" and [a.name for a in args][:1] == ["float"] and len(args) == 2:
            if args[1].name.isdigit():
                return _Vector(int(args[1].name), **options)
        elif name == "frozen" and len(args) == 1:
            return self._column(args[0], True, options)
        elif (name, len(args)) in (("list", 1), ("set", 1), ("map", 2)) or name == "tuple":
            inner = [self._column(a, False, {}) for a in args]
            if name == "tuple":
                return cols.Tuple(*inner, **options)
            return _CONTAINERS[name](*inner, frozen=frozen, **options)
        raise CQLEngineException(f"no cqlengine column reads the CQL type {name!r}")

    def _user_type(self, name: str) -> type[UserType] | None:
        found = self.user_types.get(name)
        if found is None:
            meta = self.keyspace.user_types.get(name)
            if meta is None:
                return None
            fields = {
                field_name: self.column(field_type)
                for field_name, field_type in zip(meta.field_names, meta.field_types, strict=True)
            }
            attrs = {"__module__": __name__, "__type_name__": name, **fields}
            found = UserTypeMetaClass(re.sub(r"\W", "_", name), (UserType,), attrs)
            self.user_types[name] = found
        return found


_INDEX_TARGET = re.compile(r"(keys|values|entries|full)\((.+)\)")
_INDEX_ON: dict[str, Literal["values", "keys", "entries", "full"]] = {
    "values": "values",
    "keys": "keys",
    "entries": "entries",
    "full": "full",
}


def _index_markers(meta: Any) -> dict[str, markers.Indexed]:
    """The table's secondary indexes as the core's markers, by column: the core checks a
    filter on a non-key column against the column's index before sending it."""
    found: dict[str, markers.Indexed] = {}
    for index in (getattr(meta, "indexes", None) or {}).values():
        options = dict(index.index_options or {})
        target = options.pop("target", "")
        using = options.pop("class_name", None)
        match = _INDEX_TARGET.fullmatch(target)
        on, column = (_INDEX_ON[match[1]], match[2]) if match else (None, target)
        if using is not None and using.endswith(".StorageAttachedIndex"):
            using = "sai"  # the core's name for it
        found.setdefault(
            _unquote(column),
            markers.Indexed(name=index.name, using=using, options=options or None, on=on),
        )
    return found


__all__ = [
    "NamedColumn",
    "NamedKeyspace",
    "NamedTable",
    "QuerySetDescriptor",
    "SimpleQuerySet",
]
