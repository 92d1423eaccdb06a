"""cqlengine's ``Model``: a class body of ``columns.*`` made into the core's table.

The metaclass applies cqlengine's rules (key order, table name, inheritance, options,
per-model exceptions) and builds a hidden coodie document class from the columns,
through the mapping table: its ``TableSchema`` is the one schema, and every statement,
hydration and check is the core's.  A model instance keeps cqlengine's values (naive
datetimes, ``cassandra.util.Date``) and the core document it reads and writes
through, which remembers the row for change tracking.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from typing import Annotated, Any, ClassVar, Optional

import pydantic

from ... import fields as markers
from ...document import DocumentBase, table_schema
from ...exceptions import CoodieError
from ...writes import delete_op, insert_op, save_op, update_op
from . import columns as cols
from .errors import (
    CQLEngineException,
    DoesNotExist,
    LWTException,
    ModelDefinitionException,
    ModelException,
    MultipleObjectsReturned,
    PolymorphicModelException,
    ValidationError,
)
from .runner import run
from .translate import translated

_CAMEL = re.compile(r"([a-z])([A-Z])")

DEFAULT_KEYSPACE: str | None = None  # set by connection.setup(); models without __keyspace__


class _Document(DocumentBase):
    """Base of the hidden documents (no coodie methods to collide with column names)."""

    class Settings:
        abstract = True


# -- descriptors -----------------------------------------------------------------------------


class ColumnDescriptor:
    """``instance.col`` reads/writes the value; ``Model.col`` is the column (for filters)."""

    def __init__(self, column: cols.Column) -> None:
        self.column = column

    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            from .query import ColumnQueryEvaluator

            return ColumnQueryEvaluator(self.column)
        return instance._values[self.column.column_name]

    def __set__(self, instance: Any, value: Any) -> None:
        name = self.column.column_name
        if value is not None or isinstance(self.column, cols.BaseContainerColumn):
            value = self.column.to_python(value)
        instance._values[name] = value
        instance._explicit.add(name)

    def __delete__(self, instance: Any) -> None:
        if self.column.can_delete:
            instance._values[self.column.column_name] = None
        else:
            raise AttributeError(f"cannot delete {self.column.column_name} columns")


class QuerySetDescriptor:
    """``Model.objects`` is a queryset; ``Model.objects(...)`` filters it."""

    def __get__(self, obj: Any, model: type[BaseModel]) -> Any:
        from .query import ModelQuerySet

        if model.__abstract__:
            raise CQLEngineException("cannot execute queries against abstract models")
        return ModelQuerySet(model)


class _Modifier:
    """``Model.ttl(60)`` (a queryset) and ``instance.ttl(60)`` (the instance), alike for
    timestamp, consistency, timeout, if_not_exists, if_exists, iff, batch and using."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, model: Any) -> Any:
        name = self.name
        if instance is None:
            return lambda *a, **k: getattr(model.objects, name)(*a, **k)

        def set_option(*args: Any, **kwargs: Any) -> Any:
            instance._set_option(name, *args, **kwargs)
            return instance

        return set_option


# -- the model -------------------------------------------------------------------------------


class BaseModel:
    """cqlengine's model base; see ``Model``."""

    __abstract__: ClassVar[bool] = True
    __table_name__: ClassVar[str | None] = None
    __table_name_case_sensitive__: ClassVar[bool] = False
    __keyspace__: ClassVar[str | None] = None
    __connection__: ClassVar[str | None] = None
    __options__: ClassVar[dict[str, Any] | None] = None
    __default_ttl__: ClassVar[int | None] = None
    __discriminator_value__: ClassVar[Any] = None
    __consistency__: ClassVar[Any] = None
    __compute_routing_key__: ClassVar[bool] = True

    _columns: ClassVar[dict[str, cols.Column]]
    _defined_columns: ClassVar[dict[str, cols.Column]]
    _primary_keys: ClassVar[dict[str, cols.Column]]
    _partition_keys: ClassVar[dict[str, cols.Column]]
    _clustering_keys: ClassVar[dict[str, cols.Column]]
    _db_map: ClassVar[dict[str, str]]
    _document: ClassVar[type[DocumentBase] | None] = None
    _is_polymorphic: ClassVar[bool] = False
    _is_polymorphic_base: ClassVar[bool] = False
    _discriminator_column_name: ClassVar[str | None] = None

    DoesNotExist: ClassVar[type[DoesNotExist]] = DoesNotExist
    MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]] = MultipleObjectsReturned

    objects = QuerySetDescriptor()
    ttl = _Modifier("ttl")
    timestamp = _Modifier("timestamp")
    consistency = _Modifier("consistency")
    if_not_exists = _Modifier("if_not_exists")
    if_exists = _Modifier("if_exists")
    iff = _Modifier("iff")
    batch = _Modifier("batch")
    using = _Modifier("using")

    def __init__(self, **values: Any) -> None:
        self._options: dict[str, Any] = {}
        self._is_persisted = False
        self._doc: DocumentBase | None = None
        self._values: dict[str, Any] = {}
        self._explicit: set[str] = set()
        for name, column in self._columns.items():
            value = values.get(name, column.get_default() if column.has_default else None)
            if value is not None or isinstance(column, cols.BaseContainerColumn):
                value = column.to_python(value)
            self._values[name] = value
            if name in values:
                self._explicit.add(name)

    # -- options ---------------------------------------------------------------------------

    def _set_option(self, name: str, *args: Any, **kwargs: Any) -> None:
        if name == "iff":
            self._options["iff"] = dict(kwargs)
        elif name in ("if_not_exists", "if_exists"):
            self._options[name] = args[0] if args else True
        elif name == "using":
            self._options["connection"] = kwargs.get("connection", args[0] if args else None)
        else:
            self._options[name] = args[0] if args else None

    def timeout(self, timeout: Any) -> BaseModel:
        self._options["timeout"] = timeout
        return self

    # -- identity and display ----------------------------------------------------------------

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={getattr(self, k)!r}"
            for k in self._defined_columns
            if k != self._discriminator_column_name
        )
        return f"{type(self).__name__}({shown})"

    def __str__(self) -> str:
        keys = ", ".join(f"{k}={getattr(self, k)}" for k in self._primary_keys)
        return f"{type(self).__name__} <{keys}>"

    def __eq__(self, other: object) -> bool:
        if self.__class__ != other.__class__:
            return False
        assert isinstance(other, BaseModel)
        keys = set(self._columns) | set(other._columns)
        return all(getattr(self, k, None) == getattr(other, k, None) for k in keys)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    # -- mapping protocol --------------------------------------------------------------------

    def __iter__(self) -> Any:
        yield from self._columns

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, str):
            raise TypeError
        if key not in self._columns:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError
        if key not in self._columns:
            raise KeyError(key)
        setattr(self, key, value)

    def __len__(self) -> int:
        return len(self._columns)

    def keys(self) -> list[str]:
        return list(self._columns)

    def values(self) -> list[Any]:
        return [self[k] for k in self._columns]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self[k]) for k in self._columns]

    def _as_dict(self) -> dict[str, Any]:
        return {n: c.to_database(getattr(self, n, None)) for n, c in self._columns.items()}

    @property
    def pk(self) -> Any:
        return getattr(self, next(iter(self._primary_keys)))

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, next(iter(self._primary_keys)), value)

    # -- class-level helpers -----------------------------------------------------------------

    @classmethod
    def column_family_name(cls, include_keyspace: bool = True) -> str:
        name = cls._raw_column_family_name()
        if cls.__table_name_case_sensitive__:
            name = f'"{name}"'
        if include_keyspace:
            keyspace = cls._get_keyspace()
            return f"{keyspace}.{name}" if keyspace else name
        return name

    @classmethod
    def _raw_column_family_name(cls) -> str:
        if cls.__table_name__:
            return (
                cls.__table_name__
                if cls.__table_name_case_sensitive__
                else cls.__table_name__.lower()
            )
        if cls._is_polymorphic and not cls._is_polymorphic_base:
            return cls._polymorphic_base._raw_column_family_name()  # type: ignore[attr-defined,no-any-return]
        return _CAMEL.sub(lambda m: f"{m[1]}_{m[2].lower()}", cls.__name__).lower()[-48:]

    @classmethod
    def _get_keyspace(cls) -> str | None:
        return cls.__keyspace__ or DEFAULT_KEYSPACE

    @classmethod
    def _get_column(cls, name: str) -> cols.Column:
        return cls._columns[name]

    @classmethod
    def _get_column_by_db_name(cls, name: str) -> cols.Column:
        return cls._columns[cls._db_map.get(name, name)]

    # -- validation and change tracking ------------------------------------------------------

    def validate(self) -> None:
        for name, column in self._columns.items():
            value = self._values.get(name)
            if value is None and name not in self._explicit and column.has_default:
                value = column.get_default()
            self._values[name] = column.validate(value)

    def get_changed_columns(self) -> list[str]:
        doc = self._doc
        if doc is None or not self._is_persisted:
            return [n for n, v in self._values.items() if v is not None or n in self._explicit]
        changed = []
        for name, column in self._columns.items():
            value = self._values.get(name)
            if column.to_core(value) != doc.__dict__.get(name):
                changed.append(name)
        return changed

    # -- the bridge to the core ----------------------------------------------------------------

    def _core_document(self) -> DocumentBase:
        """The core document with this instance's values, for a write."""
        document = type(self)._document
        assert document is not None
        doc = self._doc
        if doc is None:
            doc = document.model_construct()
            doc.__dict__.clear()
            self._doc = doc
        values = doc.__dict__
        for name, column in self._columns.items():
            values[name] = column.to_core(self._values.get(name))
        return doc

    @classmethod
    def _from_core(cls, doc: DocumentBase) -> BaseModel:
        """A loaded core document -> a model instance (its ``__init__`` runs, as on load in
        cqlengine), remembered as persisted."""
        klass = getattr(type(doc), "__shim__", cls)
        values = doc.__dict__
        instance = klass(
            **{n: c.from_core(values.get(n)) for n, c in klass._columns.items() if n in values}
        )
        instance._doc = doc
        instance._is_persisted = True
        instance._explicit.clear()
        return instance

    # -- writes ------------------------------------------------------------------------------

    def _write_options(self, *, ttl: bool = True) -> dict[str, Any]:
        options: dict[str, Any] = {}
        opts = self._options
        if ttl and opts.get("ttl") is not None:  # else the table's default_time_to_live
            options["ttl"] = opts["ttl"]
        if opts.get("timestamp") is not None:
            options["timestamp"] = _write_time(opts["timestamp"])
        consistency = opts.get("consistency", self.__consistency__)
        if consistency is not None:
            options["consistency"] = consistency
        if opts.get("timeout") is not None:
            options["timeout"] = opts["timeout"]
        if opts.get("batch") is not None:
            options["batch"] = opts["batch"]._core
        return options

    def save(self) -> BaseModel:
        """INSERT a new instance, or UPDATE what changed on a loaded one."""
        if self._is_polymorphic:
            if self._is_polymorphic_base:
                raise PolymorphicModelException("cannot save polymorphic base model")
            setattr(self, str(self._discriminator_column_name), self.__discriminator_value__)
        self.validate()
        counters = [n for n, c in self._columns.items() if isinstance(c, cols.Counter)]
        if counters:
            return self._save_counters(counters)
        doc = self._core_document()
        options = self._write_options()
        with translated(type(self)):
            if self._options.get("if_not_exists"):
                options.pop("batch", None)
                options.pop("timestamp", None)
                result = run(insert_op(doc, **options))
                if not result.applied:
                    existing = result.existing
                    raise LWTException(
                        {} if existing is None else dict(type(self)._from_core(existing).items())
                    )
            elif self._options.get("iff") or self._options.get("if_exists"):
                changes = {
                    n: doc.__dict__[n]
                    for n in self.get_changed_columns()
                    if not self._columns[n].is_primary_key
                }
                options.pop("batch", None)
                if self._options.get("iff"):
                    options["if_conditions"] = self._conditions(self._options["iff"])
                else:
                    options["if_exists"] = True
                run(update_op(doc, changes or {}, options))
            else:
                run(save_op(doc, **options))
        self._is_persisted = True
        self._explicit.clear()
        self._options.pop("timestamp", None)
        return self

    def _save_counters(self, counters: list[str]) -> BaseModel:
        """A counter model's save: each counter changes by what it moved since it was
        read (``"c" = "c" + ?``), as cqlengine does."""
        document = type(self)._document
        assert document is not None
        if self._doc is None:
            self._doc = document.model_construct()
            self._doc.__dict__.clear()
        doc = self._doc
        before = {n: doc.__dict__.get(n) or 0 for n in counters}
        for name, column in self._primary_keys.items():
            doc.__dict__[name] = column.to_core(self._values.get(name))
        changes = {
            f"{n}__incr": (self._values.get(n) or 0) - before[n]
            for n in counters
            if (self._values.get(n) or 0) != before[n]
        }
        if not changes:  # cqlengine still writes the row: an increment by 0 creates it
            changes = {f"{counters[0]}__incr": 0}
        options = self._write_options(ttl=False)
        options.pop("timestamp", None)
        with translated(type(self)):
            run(update_op(doc, {}, {**changes, **options}))
        for n in counters:
            doc.__dict__[n] = self._values.get(n) or 0
        self._is_persisted = True
        self._explicit.clear()
        return self

    def update(self, **values: Any) -> BaseModel:
        """Set and write the given columns (or, with none, what changed)."""
        for name, value in values.items():
            column = self._columns.get(name)
            if column is None:
                raise ValidationError(
                    f"{type(self).__module__}.{type(self).__name__} has no column named: {name}"
                )
            if column.is_primary_key and value != getattr(self, name):
                raise ValidationError(
                    f"Cannot apply update to primary key '{name}' for "
                    f"{type(self).__module__}.{type(self).__name__}"
                )
            setattr(self, name, value)
        if self._is_polymorphic and not self._is_polymorphic_base:
            setattr(self, str(self._discriminator_column_name), self.__discriminator_value__)
        self.validate()
        changed = self.get_changed_columns()
        changed = [n for n in changed if not self._columns[n].is_primary_key]
        if not changed:
            return self
        doc = self._core_document()
        options = self._write_options()
        if self._options.get("iff"):
            options["if_conditions"] = self._conditions(self._options["iff"])
        elif self._options.get("if_exists"):
            options["if_exists"] = True
        with translated(type(self)):
            run(update_op(doc, {n: doc.__dict__[n] for n in changed}, options))
        self._is_persisted = True
        self._explicit.clear()
        return self

    def delete(self) -> None:
        doc = self._core_document()
        options = self._write_options(ttl=False)
        if self._options.get("iff"):
            options["if_conditions"] = self._conditions(self._options["iff"])
        elif self._options.get("if_exists"):
            options["if_exists"] = True
        with translated(type(self)):
            run(delete_op(doc, **options))
        self._is_persisted = False

    def _conditions(self, conditions: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in conditions.items():
            name, _, op = key.partition("__")
            column = self._columns.get(name)
            if column is None:
                raise ValidationError(f"{type(self).__name__} has no column named: {name}")
            converted = column.to_core(column.validate(value)) if value is not None else None
            out[key if op else name] = converted
        return out

    # -- class-level shortcuts ------------------------------------------------------------------

    @classmethod
    def create(cls, **kwargs: Any) -> Any:
        extra = set(kwargs) - set(cls._columns)
        if extra:
            raise ValidationError(f"Incorrect columns passed: {extra}")
        return cls.objects.create(**kwargs)

    @classmethod
    def all(cls) -> Any:
        return cls.objects.all()

    @classmethod
    def filter(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.objects.filter(*args, **kwargs)

    @classmethod
    def get(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.objects.get(*args, **kwargs)


class ModelMetaClass(type):
    """Collects the columns of a cqlengine class body and builds the core table."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("__abstract__", False)
        own = sorted(
            ((k, v) for k, v in attrs.items() if isinstance(v, cols.Column)),
            key=lambda kv: kv[1].position,
        )
        inherited: dict[str, cols.Column] = {}
        for base in reversed(bases):
            inherited.update(getattr(base, "_defined_columns", {}))
        defined: dict[str, cols.Column] = dict(inherited)
        for key, column in own:
            column.set_column_name(key)
            defined[key] = column

        polymorphic_base = next(
            (b for b in bases if getattr(b, "_is_polymorphic_base", False)),
            next(
                (
                    getattr(b, "_polymorphic_base", None)
                    for b in bases
                    if getattr(b, "_is_polymorphic", False)
                    and not getattr(b, "_is_polymorphic_base", False)
                ),
                None,
            ),
        )
        discriminators = [c for c in defined.values() if c.discriminator_column]
        if len(discriminators) > 1:
            raise ModelDefinitionException(
                "only one discriminator_column can be defined in a model"
            )
        is_polymorphic = bool(discriminators)
        is_polymorphic_base = is_polymorphic and attrs.get("__discriminator_value__") is None

        partition = [c for c in defined.values() if c.partition_key]
        primary = [c for c in defined.values() if c.primary_key]
        if not attrs["__abstract__"] and not primary:
            raise ModelDefinitionException("At least 1 primary key is required.")
        if not partition and primary:
            partition = [primary[0]]
        clustering = [c for c in primary if c not in partition]
        counters = [c for c in defined.values() if isinstance(c, cols.Counter)]
        others = [
            c for c in defined.values() if not c.primary_key and not isinstance(c, cols.Counter)
        ]
        if counters and others:
            raise ModelDefinitionException(
                "counter models may not have data columns: "
                + ", ".join(str(c.column_name) for c in others)
            )
        db_names = [c.db_field_name for c in defined.values()]
        if len(set(db_names)) != len(db_names):
            raise ModelDefinitionException(f"{name}: two columns share one db_field")
        for column in defined.values():
            if column.static and column.primary_key:
                raise ModelDefinitionException("a primary key column cannot be static")
            if column.clustering_order and column not in clustering:
                raise ModelDefinitionException(
                    "clustering_order may be specified only for clustering primary keys"
                )
            if column.clustering_order and column.clustering_order.upper() not in ("ASC", "DESC"):
                raise ModelDefinitionException(
                    f"invalid clustering order '{column.clustering_order}' for column "
                    f"'{column.column_name}'"
                )

        attrs["_defined_columns"] = defined
        attrs["_columns"] = defined
        attrs["_partition_keys"] = {str(c.column_name): c for c in partition}
        attrs["_clustering_keys"] = {str(c.column_name): c for c in clustering}
        attrs["_primary_keys"] = {**attrs["_partition_keys"], **attrs["_clustering_keys"]}
        attrs["_db_map"] = {c.db_field_name: k for k, c in defined.items() if c.db_field_name != k}
        attrs["_is_polymorphic"] = is_polymorphic
        attrs["_is_polymorphic_base"] = is_polymorphic_base
        attrs["_polymorphic_base"] = polymorphic_base
        attrs["_discriminator_column_name"] = (
            discriminators[0].column_name if discriminators else None
        )
        for key, column in defined.items():
            attrs[key] = ColumnDescriptor(column)

        # Per-model exceptions: subclasses of the parents', as cqlengine's are.
        parent_dne = tuple(b.DoesNotExist for b in bases if hasattr(b, "DoesNotExist")) or (
            DoesNotExist,
        )
        parent_mor = tuple(
            b.MultipleObjectsReturned for b in bases if hasattr(b, "MultipleObjectsReturned")
        ) or (MultipleObjectsReturned,)
        attrs["DoesNotExist"] = type("DoesNotExist", parent_dne, {})
        attrs["MultipleObjectsReturned"] = type("MultipleObjectsReturned", parent_mor, {})

        klass = super().__new__(mcs, name, bases, attrs)
        if not attrs["__abstract__"]:
            klass._document = _build_document(klass, partition, clustering)  # type: ignore[attr-defined]
        return klass


def annotated(annotation: Any, extra: list[Any]) -> Any:
    """``Annotated[annotation, *extra]`` (spelled so that Python 3.10 parses it)."""
    return Annotated.__class_getitem__((annotation, *extra)) if extra else annotation  # type: ignore[attr-defined]


def _build_document(
    model: Any, partition: list[cols.Column], clustering: list[cols.Column]
) -> type[DocumentBase]:
    """The hidden core document of a cqlengine model: one field per column."""
    fields: dict[str, Any] = {}
    for name, column in model._columns.items():
        annotation: Any = column.python_type()
        extra: list[Any] = []
        if column in partition:
            extra.append(markers.PrimaryKey(partition_key_index=partition.index(column)))
        elif column in clustering:
            extra.append(
                markers.ClusteringKey(
                    order="DESC" if (column.clustering_order or "").upper() == "DESC" else "ASC",
                    index=clustering.index(column),
                )
            )
        if column.index:
            extra.append(markers.Indexed())
        if column.static:
            extra.append(markers.Static())
        if column.db_field is not None:
            extra.append(markers.DbName(column.db_field))
        if column.discriminator_column:
            extra.append(markers.Discriminator())
        if column.primary_key:
            fields[name] = (annotated(annotation, extra), ...)
        else:
            wrapped = annotated(Optional[annotation], extra)
            fields[name] = (wrapped, None)
    settings: dict[str, Any] = {"name": model._raw_column_family_name()}
    if model.__keyspace__:
        settings["keyspace"] = model.__keyspace__
    if model.__connection__:
        settings["connection"] = model.__connection__
    options = dict(model.__options__ or {})
    if model.__default_ttl__ is not None:
        options["default_time_to_live"] = model.__default_ttl__
    if options:
        settings["options"] = options
    base: type[DocumentBase] = _Document
    polymorphic_base = model._polymorphic_base
    if model._is_polymorphic and not model._is_polymorphic_base and polymorphic_base is not None:
        base = polymorphic_base._document
        settings = {"discriminator": model.__discriminator_value__}
        fields = {k: v for k, v in fields.items() if k not in polymorphic_base._columns}
    namespace_settings = type("Settings", (), settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # column names that shadow BaseModel attributes
        try:
            document = pydantic.create_model(
                f"{model.__name__}Document",
                __base__=base,
                __module__=model.__module__,
                Settings=(ClassVar[type], namespace_settings),
                **fields,
            )
        except CoodieError as exc:
            raise ModelDefinitionException(str(exc)) from exc
    document.__shim__ = model  # type: ignore[attr-defined]
    table_schema(document)
    return document


def _write_time(value: Any) -> Any:
    """cqlengine's ``timestamp()`` also takes a timedelta: that long from now."""
    if isinstance(value, dt.timedelta):
        return dt.datetime.now(dt.timezone.utc) + value
    return value


def _clone_model_class(model: Any, attrs: dict[str, Any]) -> Any:
    """A subclass of ``model`` over the same table, with other settings (``attrs``):
    another keyspace or connection (``ContextQuery``)."""
    attrs = {
        "__table_name__": model.__table_name__ or model._raw_column_family_name(),
        "__table_name_case_sensitive__": model.__table_name_case_sensitive__,
        "__abstract__": model.__abstract__,
        "__default_ttl__": model.__default_ttl__,
        "__module__": model.__module__,
        **attrs,
    }
    return type(model)(model.__name__, (model,), attrs)


class Model(BaseModel, metaclass=ModelMetaClass):
    """The base of cqlengine models:
    ``class Person(Model): id = columns.UUID(primary_key=True)``."""

    __abstract__ = True


from .query import ColumnQueryEvaluator  # noqa: E402  (cqlengine exposes it here too)

__all__ = [
    "BaseModel",
    "ColumnDescriptor",
    "ColumnQueryEvaluator",
    "Model",
    "ModelDefinitionException",
    "ModelException",
    "PolymorphicModelException",
    "QuerySetDescriptor",
]
