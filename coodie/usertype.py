"""User-defined types: ``UserType``, the pydantic base of UDT classes, and the one
immutable description of each (``TypeSchema``).

A UDT class is a pydantic model whose fields use the same annotations and type
markers as documents::

    class Address(UserType):
        street: str
        zip_code: Annotated[int, BigInt()] = 0

The description is built once per class (at class creation, or on first use for a
class with forward references): fields in order, their resolved CQL types and
converters, the types it depends on.  ``coodie.types.resolve`` turns a field
annotated with the class into a ``ColumnType`` whose CQL type is ``frozen<name>``,
exactly as ``system_schema`` prints it, and whose converters cross between the user's
instances and what the driver reads and writes.  Nothing is registered with the
driver's cluster: rows come back as the driver's named tuples and ``from_db`` builds
the user's instances from them, without pydantic validation (rows are trusted).
"""

from __future__ import annotations

import copy
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, get_origin

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticUndefined

from .exceptions import ConfigurationError, DefinitionError
from .fields import ClusteringKey, DbName, Discriminator, Indexed, Marker, PrimaryKey, Static
from .instances import bare, private_defaults
from .schema import check_identifier, model_core_schema, quote, snake_case
from .types import ColumnType, resolve, split_annotation

_SETTINGS_KEYS = {"name", "keyspace"}

# Cassandra 5.0's reserved keywords: system_schema prints a type named like one of
# these in double quotes (as it does any name that is not lower case).
_RESERVED = frozenset(
    [
        "add",
        "allow",
        "alter",
        "and",
        "apply",
        "asc",
        "authorize",
        "batch",
        "begin",
        "by",
        "columnfamily",
        "create",
        "delete",
        "desc",
        "describe",
        "drop",
        "entries",
        "execute",
        "from",
        "full",
        "grant",
        "if",
        "in",
        "index",
        "infinity",
        "insert",
        "into",
        "is",
        "keyspace",
        "limit",
        "materialized",
        "modify",
        "nan",
        "norecursive",
        "not",
        "null",
        "of",
        "on",
        "or",
        "order",
        "primary",
        "rename",
        "revoke",
        "schema",
        "select",
        "set",
        "table",
        "to",
        "token",
        "truncate",
        "unlogged",
        "update",
        "use",
        "using",
        "view",
        "where",
        "with",
    ]
)
# Names a type cannot usefully take: CQL's own types (``frozen<text>`` would read as the
# native type) and those Cassandra reserves for future types.
_TYPE_NAMES = frozenset(
    [
        "ascii",
        "bigint",
        "blob",
        "boolean",
        "counter",
        "date",
        "decimal",
        "double",
        "duration",
        "float",
        "inet",
        "int",
        "smallint",
        "text",
        "time",
        "timestamp",
        "timeuuid",
        "tinyint",
        "uuid",
        "varchar",
        "varint",
        "list",
        "set",
        "map",
        "tuple",
        "frozen",
        "vector",
        "byte",
        "complex",
        "enum",
        "interval",
        "macaddr",
        "bitstring",
    ]
)
_UNQUOTED = re.compile(r"^[a-z][a-z0-9_]*$")


def cql_name(name: str) -> str:
    """A type name as ``system_schema`` prints it inside other types: bare when it is
    lower case and not a reserved word, else double-quoted."""
    return name if _UNQUOTED.match(name) and name not in _RESERVED else quote(name)


_MISSING = object()


class UdtValue:
    """What the driver is given for a UDT value: its fields as attributes, by name.

    The driver serializes a UDT from ``value[i]`` when the value is indexable and from
    ``getattr(value, field)`` otherwise; a positional tuple would put the fields in the
    model's order, which need not be the live type's (fields added later come last), so
    this object is not indexable.  A field the live type has and the model does not is
    ``None`` (written as null).
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __reduce__(self) -> tuple[Any, ...]:
        return UdtValue, (self.__dict__,)

    def __repr__(self) -> str:
        return f"UdtValue({self.__dict__!r})"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per field
class TypeField:
    name: str  # attribute of the class
    db_name: str  # field of the type in Cassandra (``DbName``, else ``name``)
    type: ColumnType
    optional: bool  # the annotation allows None
    quoted: str
    default: Any = PydanticUndefined

    def null_value(self) -> Any:
        """What a null field reads back as: as for a document's column, ``None`` for
        Optional fields, else an empty collection or the field's plain default."""
        if self.optional:
            return None
        if self.type.empty is not None:
            return self.type.empty()
        default = self.default
        if default is PydanticUndefined or default is None:
            return None
        return copy.deepcopy(default)  # nested mutables too: never share a default


@dataclass(frozen=True, eq=False)
class TypeSchema:
    """The immutable description of a ``UserType`` class."""

    cls: type[UserType]
    model_name: str
    name: str  # the type's name in Cassandra
    keyspace: str | None  # Settings.keyspace: where sync_type() creates it by default
    fields: tuple[TypeField, ...]

    @cached_property
    def cql(self) -> str:
        """The CQL type of a column or element holding it: ``frozen<address>``."""
        return f"frozen<{cql_name(self.name)}>"

    @cached_property
    def dependencies(self) -> tuple[type[UserType], ...]:
        """The user types its fields hold, at any depth, each after those it holds."""
        return tuple(dict.fromkeys(t for f in self.fields for t in f.type.user_types))

    @cached_property
    def hash_problem(self) -> str | None:
        """Why instances cannot be hashed (so cannot be set elements or map keys)."""
        if not self.cls.model_config.get("frozen"):
            return (
                f"{self.model_name} is mutable; give it "
                "model_config = ConfigDict(frozen=True) (from pydantic)"
            )
        for f in self.fields:
            kind = f.type.collection
            if kind in ("list", "map") or (kind == "set" and get_origin(f.type.python) is set):
                return (
                    f"{self.model_name}.{f.name} is a {kind}, which is not hashable; use "
                    "tuple[...] or frozenset[...]"
                )
        return None

    @cached_property
    def column_type(self) -> ColumnType:
        return ColumnType(
            cql=self.cql,
            python=self.cls,
            to_db=self._to_db_converter(),
            from_db=self._from_db_converter(),
            frozen=True,
            user_types=(*self.dependencies, self.cls),
        )

    def _to_db_converter(self) -> Any:
        cls, model = self.cls, self.model_name
        spec = tuple((f.name, f.db_name, f.type.to_db) for f in self.fields)

        def to_db(value: Any) -> UdtValue:
            if not isinstance(value, cls):
                raise TypeError(f"expected a {model}, not {type(value).__name__}")
            values = value.__dict__
            out: dict[str, Any] = {}
            for name, db_name, convert in spec:
                item = values.get(name)
                if item is not None and convert is not None:
                    try:
                        item = convert(item)
                    except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:
                        raise ValueError(f"{model}.{name}: {exc}") from exc
                out[db_name] = item
            return UdtValue(out)

        return to_db

    def _from_db_converter(self) -> Any:
        cls = self.cls
        names = frozenset(f.name for f in self.fields)
        spec = []
        for i, f in enumerate(self.fields):
            null = f.null_value()
            fresh = null is not None and not isinstance(null, (str, int, float, bytes, tuple))
            # The driver's named tuples rename fields called like a Python keyword
            # ("from") to field_<position>_: read those by position (the type's fields
            # are in the model's order when coodie created the type).
            renamed = keyword.iskeyword(f.db_name) or f.db_name.startswith("_")
            alias = f"field_{i}_" if renamed else None
            spec.append(
                (f.name, f.db_name, alias, f.type.from_db, f.null_value if fresh else None, null)
            )
        private = cls.__private_attributes__

        def from_db(value: Any) -> Any:
            # A driver named tuple, a UdtValue (what was written), or the instance of a
            # class the application registered with the driver for this type.
            mapping = isinstance(value, Mapping)
            out: dict[str, Any] = {}
            for name, db_name, alias, convert, fresh, null in spec:
                if mapping:
                    item = value.get(db_name)
                else:
                    item = getattr(value, db_name, _MISSING)
                    if item is _MISSING:
                        item = None if alias is None else getattr(value, alias, None)
                if item is None:
                    out[name] = null if fresh is None else fresh()
                else:
                    out[name] = item if convert is None else convert(item)
            return bare(
                cls,
                out,
                set(names),
                private_defaults(private) if private else None,
            )

        return from_db


class UserType(BaseModel):
    """Base class of user-defined types; see docs/user-types.md.

    ``class Settings`` may give ``name`` (default: the class name in snake case) and
    ``keyspace`` (where ``sync_type()`` creates it when not told; tables create the
    types they use in their own keyspace).  Instances used as set elements or map keys
    must be hashable: declare ``model_config = ConfigDict(frozen=True)``.
    """

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        validate_assignment=True,
        revalidate_instances="never",
    )

    __coodie_type__: ClassVar[TypeSchema | None] = None

    # Bare int and time fields get their CQL checks (int range, naive time), and bare
    # datetime fields their normalization (aware UTC milliseconds), in pydantic.
    __get_pydantic_core_schema__ = classmethod(model_core_schema)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__coodie_type__ = None
        if cls.__pydantic_complete__:
            cls.__coodie_type__ = build_type_schema(cls)


_building: set[type[UserType]] = set()


def type_schema(cls: type[UserType], where: str | None = None) -> TypeSchema:
    """The class's description, built now for a class completed after its definition
    (forward references); ``where`` names the field that uses it, for errors."""
    schema = cls.__dict__.get("__coodie_type__")
    if schema is not None:
        return schema  # type: ignore[no-any-return]
    if cls in _building:
        raise DefinitionError(
            f"{where or cls.__name__}: user type {cls.__name__} contains itself; Cassandra "
            "does not allow recursive types"
        )
    if not cls.__pydantic_complete__:
        try:
            cls.model_rebuild()
        except Exception as exc:
            raise ConfigurationError(
                f"{where + ': ' if where else ''}{cls.__name__} has annotations that cannot "
                f"be resolved ({exc}); define or import the types they name, then call "
                f"{cls.__name__}.model_rebuild()"
            ) from exc
    cls.__coodie_type__ = build_type_schema(cls)
    return cls.__coodie_type__


def _settings(cls: type) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        settings = klass.__dict__.get("Settings")
        if settings is None:
            continue
        for key, value in vars(settings).items():
            if key.startswith("__"):
                continue
            if key not in _SETTINGS_KEYS:
                raise DefinitionError(
                    f"{klass.__name__}.Settings: unknown setting {key!r} for a user type; "
                    "known settings are keyspace, name"
                )
            if key == "name" and klass is not cls:
                continue  # each class has its own type name
            found.setdefault(key, value)
    return found


def build_type_schema(cls: type[UserType]) -> TypeSchema:
    """Read a UserType's fields once; every error names ``Type.field``."""
    model = cls.__name__
    settings = _settings(cls)
    name = check_identifier(settings.get("name") or snake_case(model), "type name", model)
    if name.lower() in _TYPE_NAMES:
        raise DefinitionError(
            f"{model}: {name!r} is the name of a CQL type; give the user type another "
            "name with Settings.name"
        )
    keyspace = settings.get("keyspace")
    if keyspace is not None:
        check_identifier(keyspace, "keyspace", model)
    _building.add(cls)
    try:
        fields = tuple(_field(model, n, info) for n, info in cls.model_fields.items())
    finally:
        _building.discard(cls)
    taken: dict[str, str] = {}
    for f in fields:
        other = taken.setdefault(f.db_name, f.name)
        if other != f.name:
            raise DefinitionError(
                f"{model}.{f.name}: field name {f.db_name!r} is also the name of "
                f"{model}.{other}; give one of them another DbName()"
            )
    return TypeSchema(cls=cls, model_name=model, name=name, keyspace=keyspace, fields=fields)


def _field(model: str, name: str, info: Any) -> TypeField:
    where = f"{model}.{name}"
    check_identifier(name, "field name", where)
    bare, markers, optional = split_annotation(info.annotation)
    markers = [*markers, *(m for m in info.metadata if isinstance(m, Marker))]
    misplaced = [
        m
        for m in markers
        if isinstance(m, (PrimaryKey, ClusteringKey, Indexed, Static, Discriminator))
    ]
    if misplaced:
        raise DefinitionError(
            f"{where}: {misplaced[0]!r} applies to document fields, not to the fields of a "
            "user type; remove it (mark the document's field instead)"
        )
    if info.alias is not None or info.validation_alias is not None:
        raise DefinitionError(
            f"{where}: Field(alias=...) does not name a field of a user type; use "
            f"Annotated[..., DbName({info.alias!r})]"
        )
    db_names = [m.name for m in markers if isinstance(m, DbName)]
    if len(db_names) > 1:
        raise DefinitionError(f"{where}: one DbName() per field")
    db_name = check_identifier(db_names[0], "field name (DbName)", where) if db_names else name
    ctype = resolve(bare, [m for m in markers if not isinstance(m, DbName)], where)
    if ctype.counter:
        raise DefinitionError(f"{where}: a user type cannot hold a counter; use BigInt()")
    return TypeField(
        name=name,
        db_name=db_name,
        type=ctype,
        optional=optional,
        quoted=quote(db_name),
        default=info.default,
    )


def user_column_type(cls: type[UserType], where: str) -> ColumnType:
    """The ``ColumnType`` of a field annotated with ``cls`` (see ``types.resolve``)."""
    schema = type_schema(cls, where)
    if not schema.fields:
        raise DefinitionError(
            f"{where}: user type {cls.__name__} has no fields; Cassandra needs at least one"
        )
    return schema.column_type


# -- DDL text ------------------------------------------------------------------------------


def create_type(schema: TypeSchema, keyspace: str) -> str:
    fields = ", ".join(f"{f.quoted} {f.type.cql}" for f in schema.fields)
    return f"CREATE TYPE IF NOT EXISTS {quote(keyspace)}.{quote(schema.name)} ({fields})"


def add_field(schema: TypeSchema, keyspace: str, field: TypeField) -> str:
    return f"ALTER TYPE {quote(keyspace)}.{quote(schema.name)} ADD {field.quoted} {field.type.cql}"


def drop_type(schema: TypeSchema, keyspace: str) -> str:
    return f"DROP TYPE IF EXISTS {quote(keyspace)}.{quote(schema.name)}"


__all__ = [
    "TypeField",
    "TypeSchema",
    "UdtValue",
    "UserType",
    "add_field",
    "build_type_schema",
    "cql_name",
    "create_type",
    "drop_type",
    "type_schema",
    "user_column_type",
]
