"""cqlengine's vocabulary mapped to coodie's, as plain data: the one table.

The shim reads it at run time (a ``columns.BigInt()`` becomes an ``int`` field with a
``BigInt()`` marker in the model's table description), and the ``coodie-upgrade``
codemod prints source from the same entries (``python_source``/``marker_source``), so
the two can never disagree.  It imports neither cqlengine nor libcst.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cassandra.util import Duration as DriverDuration
from cassandra.util import Time as DriverTime

from ... import fields


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A cqlengine column class: the Python type and coodie marker of its field."""

    name: str  # the cqlengine class name
    cql: str
    python: Any
    python_source: str
    marker: Any = None  # a coodie.fields type marker class, if the default type differs
    marker_source: str | None = None


def _col(name: str, cql: str, python: Any, source: str, marker: Any = None) -> ColumnType:
    return ColumnType(
        name, cql, python, source, marker, f"{marker.__name__}()" if marker is not None else None
    )


COLUMN_TYPES = MappingProxyType(
    {
        c.name: c
        for c in (
            _col("Text", "text", str, "str"),
            _col("Ascii", "ascii", str, "str", fields.Ascii),
            _col("Integer", "int", int, "int"),
            _col("TinyInt", "tinyint", int, "int", fields.TinyInt),
            _col("SmallInt", "smallint", int, "int", fields.SmallInt),
            _col("BigInt", "bigint", int, "int", fields.BigInt),
            _col("VarInt", "varint", int, "int", fields.VarInt),
            _col("Counter", "counter", int, "int", fields.Counter),
            _col("Float", "float", float, "float", fields.Float),
            _col("Double", "double", float, "float"),
            _col("Decimal", "decimal", decimal.Decimal, "Decimal"),
            _col("Boolean", "boolean", bool, "bool"),
            _col("DateTime", "timestamp", datetime.datetime, "datetime"),
            _col("Date", "date", datetime.date, "date"),
            _col("Time", "time", DriverTime, "Time"),
            _col("Duration", "duration", DriverDuration, "Duration"),
            _col("UUID", "uuid", uuid.UUID, "UUID"),
            _col("TimeUUID", "timeuuid", uuid.UUID, "UUID", fields.TimeUUID),
            _col("Blob", "blob", bytes, "bytes"),
            _col("Bytes", "blob", bytes, "bytes"),
            _col("Inet", "inet", str, "str", fields.Inet),
        )
    }
)
"""Scalar column classes. ``Inet`` stays ``str`` (cqlengine reads and writes text)."""

COLLECTIONS = MappingProxyType(
    {
        "List": ("list", "list[{0}]"),
        "Set": ("set", "set[{0}]"),
        "Map": ("dict", "dict[{0}, {1}]"),
        "Tuple": ("tuple", "tuple[{0}]"),
        "UserDefinedType": ("udt", "{0}"),
    }
)
"""Container column classes: the kind and the annotation source with element types."""


@dataclass(frozen=True, slots=True)
class ColumnOption:
    """A keyword argument of ``columns.X(...)`` and what it becomes."""

    name: str
    becomes: str  # how coodie says it (a marker, a default, a check)
    source: str | None  # the marker's source text for the codemod ({value} is the kwarg)


COLUMN_OPTIONS = MappingProxyType(
    {
        o.name: o
        for o in (
            ColumnOption("primary_key", "PrimaryKey() or ClusteringKey() by position", None),
            ColumnOption("partition_key", "PrimaryKey(partition_key_index=n)", "PrimaryKey()"),
            ColumnOption(
                "clustering_order", "ClusteringKey(order=...)", "ClusteringKey(order={value!r})"
            ),
            ColumnOption("index", "Indexed()", "Indexed()"),
            ColumnOption("custom_index", "an index made elsewhere: filters allowed", None),
            ColumnOption("db_field", "DbName(...)", "DbName({value!r})"),
            ColumnOption("static", "Static()", "Static()"),
            ColumnOption("discriminator_column", "Discriminator()", "Discriminator()"),
            ColumnOption("default", "the field's default or default_factory", None),
            ColumnOption("required", "a non-Optional field (checked on save)", None),
            ColumnOption(
                "min_length", "Field(min_length=...) on Text", "Field(min_length={value!r})"
            ),
            ColumnOption(
                "max_length", "Field(max_length=...) on Text", "Field(max_length={value!r})"
            ),
        )
    }
)

MODEL_OPTIONS = MappingProxyType(
    {
        "__table_name__": "Settings.name",
        "__table_name_case_sensitive__": "Settings.name (kept as written)",
        "__keyspace__": "Settings.keyspace",
        "__connection__": "Settings.connection",
        "__options__": "Settings.options",
        "__default_ttl__": "(none: cqlengine sets it from __options__)",
        "__abstract__": "Settings.abstract",
        "__discriminator_value__": "Settings.discriminator",
        "__type_name__": "Settings.name (of a UserType)",
        "__compute_routing_key__": "(the driver's routing: nothing to say)",
    }
)
"""Model class attributes and the ``class Settings`` entry each becomes."""

FILTER_OPERATORS = MappingProxyType(
    {
        "eq": "eq",
        "ne": "ne",
        "in": "in",
        "gt": "gt",
        "gte": "gte",
        "lt": "lt",
        "lte": "lte",
        "contains": "contains",
        "contains_key": "contains_key",
        "like": "like",
    }
)
"""cqlengine's ``col__op`` filter suffixes -> coodie's (``coodie.operators.FILTERS``)."""

UPDATE_OPERATORS = MappingProxyType(
    {
        "append": "append",  # List
        "prepend": "prepend",  # List
        "add": "add",  # Set
        "remove": "remove",  # Set: elements; Map: keys (given as a set)
        "update": "add",  # Map: add or replace entries
    }
)
"""cqlengine's ``col__op=`` update suffixes -> coodie's (``coodie.operators.ASSIGNMENTS``),
each for the collection kind noted.  cqlengine reads an operator of another kind as a
plain assignment (``set__update={...}`` replaces the set; on a map, it sets each key
given); the shim refuses a suffix that is none of these (cqlengine assigns it too)."""
UPDATE_KINDS = MappingProxyType(
    {"List": ("append", "prepend"), "Set": ("add", "remove"), "Map": ("update", "remove")}
)
"""The suffixes each collection kind applies; for the others cqlengine assigns."""

QUERYSET_METHODS = MappingProxyType(
    {
        "filter": "find",
        "objects": "find / objects()",
        "all": "all",
        "get": "get",
        "first": "first",
        "count": "count",
        "limit": "limit",
        "order_by": "order_by",
        "allow_filtering": "allow_filtering",
        "only": "only",
        "defer": "defer",
        "values_list": "values_list",
        "fetch_size": "fetch_size",
        "consistency": "consistency",
        "timeout": "timeout",
        "ttl": "ttl= write option",
        "timestamp": "timestamp= write option",
        "using": "Settings.connection / keyspace",
        "batch": "batch= write option",
        "iff": "if_conditions= write option",
        "if_exists": "if_exists=True write option",
        "if_not_exists": "insert()",
        "update": "update",
        "delete": "delete",
        "create": "Model(...).save()",
        "distinct": "distinct",
    }
)
"""Queryset and model methods -> their coodie spelling."""

EXCEPTIONS = MappingProxyType(
    {
        "DoesNotExist": "coodie.exceptions.DocumentNotFound",
        "MultipleObjectsReturned": "coodie.exceptions.MultipleDocumentsFound",
        "LWTException": "coodie.exceptions.LWTFailed",
        "ValidationError": "coodie.exceptions.ValidationError",
        "QueryException": "coodie.exceptions.InvalidQuery",
        "ModelDefinitionException": "coodie.exceptions.DefinitionError",
        "CQLEngineException": "coodie.exceptions.CoodieError",
    }
)
"""cqlengine exceptions -> the coodie exceptions they correspond to."""

MANAGEMENT = MappingProxyType(
    {
        "sync_table": "Model.sync_table()",
        "sync_type": "sync_type(Type)",
        "drop_table": "Model.drop_table()",
        "create_keyspace_simple": "create_keyspace(name, replication_factor=n)",
        "create_keyspace_network_topology": "create_keyspace(name, dc_replication={...})",
        "drop_keyspace": "drop_keyspace(name)",
    }
)
"""``management.*`` -> the native calls."""

CONNECTION = MappingProxyType(
    {
        "setup": "init_coodie(hosts=..., keyspace=...)",
        "register_connection": "init_coodie(..., name=...)",
        "unregister_connection": "close_coodie(name)",
        "set_session": "init_coodie(session=s, keyspace=s.keyspace)",
        "default": 'init_coodie(hosts=["127.0.0.1"])',
        "get_session": "get_connection().session",
        "get_cluster": "get_connection().cluster",
    }
)
"""``connection.*`` -> the native calls."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A ``coodie-upgrade`` rewrite: its stable id, what it rewrites, into what."""

    id: str
    title: str
    rewrite: str


RULES = MappingProxyType(
    {
        r.id: r
        for r in (
            Rule("CU001", "imports", "cassandra.cqlengine -> coodie.compat.cqlengine"),
            Rule(
                "CU002",
                "models",
                "class M(Model) with columns.* -> class M(Document) with Annotated fields",
            ),
            Rule("CU003", "user types", "class T(UserType) -> class T(coodie UserType)"),
            Rule("CU004", "model options", "__table_name__, __keyspace__, ... -> class Settings"),
            Rule(
                "CU005",
                "querysets and call sites",
                "Model.objects(...)/filter/create/get -> Model.find(...)/Model(...).save()/get",
            ),
            Rule("CU006", "exceptions", "Model.DoesNotExist -> coodie.exceptions.DocumentNotFound"),
            Rule("CU007", "connection setup", "connection.setup(...) -> init_coodie(...)"),
            Rule("CU008", "schema management", "management.sync_table(M) -> M.sync_table()"),
        )
    }
)
"""The rewrites of ``coodie-upgrade`` by id; the shim's migration hints name them."""


__all__ = [
    "COLLECTIONS",
    "COLUMN_OPTIONS",
    "COLUMN_TYPES",
    "CONNECTION",
    "EXCEPTIONS",
    "FILTER_OPERATORS",
    "MANAGEMENT",
    "MODEL_OPTIONS",
    "QUERYSET_METHODS",
    "RULES",
    "UPDATE_KINDS",
    "UPDATE_OPERATORS",
    "ColumnOption",
    "ColumnType",
    "Rule",
]
