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
import gc
import re
import warnings
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Optional

import pydantic
from cassandra.cqltypes import _cqltypes
from cassandra.metadata import protect_name

from ... import fields as markers
from ...document import (
    DocumentBase,
    blank_document,
    loaded_row,
    set_loaded_row,
    table_schema,
)
from ...exceptions import CoodieError
from . import columns as cols
from . import hints
from .connection import NOT_SET
from .errors import (
    CQLEngineException,
    DoesNotExist,
    IfExistsWithCounterColumn,
    IfNotExistsWithCounterColumn,
    ModelDefinitionException,
    ModelException,
    MultipleObjectsReturned,
    PolymorphicModelException,
    ValidationError,
)

_CAMEL = re.compile(r"([a-z])([A-Z])")
_OPTION_ATTRS = (
    "__table_name__",
    "__keyspace__",
    "__connection__",
    "__options__",
    "__default_ttl__",
    "__discriminator_value__",
)

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
        self.name = str(column.column_name)

    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            from .query import ColumnQueryEvaluator

            return ColumnQueryEvaluator(self.column)
        return instance._current[self.name]

    def __set__(self, instance: Any, value: Any) -> None:
        instance._current[self.name] = value  # as given: validate() converts on save
        instance._explicit.add(self.name)

    def __delete__(self, instance: Any) -> None:
        if self.column.can_delete:
            instance._current[self.name] = None
        else:
            raise AttributeError(f"cannot delete {self.column.column_name} columns")


class QuerySetDescriptor:
    """``Model.objects`` is a queryset; ``Model.objects(...)`` filters it."""

    def __get__(self, obj: Any, model: type[BaseModel]) -> Any:
        if hints.ENABLED:
            hints.hint("CU005", f"{model.__name__}.objects")
        if model.__abstract__:
            raise CQLEngineException("cannot execute queries against abstract models")
        queryset = model.__queryset__(model)
        if model._is_polymorphic and not model._is_polymorphic_base:
            # Like cqlengine: a subclass reads only its own kind when the discriminator
            # can be filtered on (a key or an index); otherwise every row of the table.
            column = model._discriminator_column
            if column is not None and (column.partition_key or column.index):
                return queryset.filter(
                    **{str(model._discriminator_column_name): model.__discriminator_value__}
                )
        return queryset


class _Modifier:
    """``Model.ttl(60)`` (a queryset) and ``instance.ttl(60)`` (the instance), alike for
    timestamp, consistency, if_not_exists, if_exists, iff, batch and using: on an
    instance each sets the attribute cqlengine sets (``_ttl``, ``_timestamp``, ...)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, model: Any) -> Any:
        name = self.name
        if instance is None:
            return getattr(model.objects, name)

        def set_option(*args: Any, **kwargs: Any) -> Any:
            getattr(instance, f"_set_{name}")(*args, **kwargs)
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
    __consistency__: Any = None
    __compute_routing_key__: ClassVar[bool] = True
    __queryset__: ClassVar[Any]  # query.ModelQuerySet, set below
    __dmlquery__: ClassVar[Any]  # query.DMLQuery, set below

    _columns: ClassVar[dict[str, cols.Column]]
    _defined_columns: ClassVar[dict[str, cols.Column]]
    _primary_keys: ClassVar[dict[str, cols.Column]]
    _partition_keys: ClassVar[dict[str, cols.Column]]
    _clustering_keys: ClassVar[dict[str, cols.Column]]
    _db_map: ClassVar[dict[str, str]]
    _plain_init: ClassVar[bool] = True  # no __init__ of the application's own
    _loaders: ClassVar[tuple[tuple[str, Any], ...]] = ()  # (column, from_core or None)
    _dumpers: ClassVar[tuple[tuple[str, Any], ...]] = ()  # (column, to_core or None)
    _dump: ClassVar[Any]  # an instance's values -> a core document's values (see _dumper)
    _init_plan: ClassVar[tuple[tuple[str, Any, bool, bool], ...]] = ()  # for __init__
    _snapshots: ClassVar[tuple[tuple[str, Any], ...]] = ()  # (column, copy) for mutables
    _load: ClassVar[Any]  # a loaded document's values -> the instance's state
    _document: ClassVar[type[DocumentBase] | None] = None
    _has_counter: ClassVar[bool] = False
    _write_document: ClassVar[type[DocumentBase] | None] = None
    _is_polymorphic: ClassVar[bool] = False
    _is_polymorphic_base: ClassVar[bool] = False
    _polymorphic_base: ClassVar[Any] = None
    _discriminator_column: ClassVar[cols.Column | None] = None
    _discriminator_column_name: ClassVar[str | None] = None
    _discriminator_map: ClassVar[dict[Any, Any]] = {}
    _table_name: ClassVar[str | None] = None
    _partition_key_index: ClassVar[dict[str, int]] = {}
    _routing_types: ClassVar[tuple[Any, ...] | None] = None

    # cqlengine's per-write options, set by ttl(), timestamp(), iff(), batch(), ...
    _ttl: Any = None
    _timestamp: Any = None
    _if_not_exists: bool = False
    _if_exists: bool = False
    _conditional: Any = None
    _batch: Any = None
    _timeout: Any = NOT_SET
    _connection: Any = None

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
        self._is_persisted = False
        self._doc: DocumentBase | None = None
        self._previous: dict[str, Any] = {}
        self._explicit: set[str] = set(values)
        current: dict[str, Any] = {}
        for name, column, defaulted, container in self._init_plan:
            value = (
                values[name] if name in values else (column.get_default() if defaulted else None)
            )
            if value is not None or container:
                value = column.to_python(value)
            current[name] = value
        self._current = current

    @property
    def _values(self) -> cols.ValueManagers:
        return cols.ValueManagers(self, self._columns)

    # -- options (the instance forms of the modifiers) --------------------------------------

    def _set_ttl(self, ttl: Any) -> None:
        self._ttl = ttl

    def _set_timestamp(self, timestamp: Any) -> None:
        self._timestamp = timestamp

    def _set_consistency(self, consistency: Any) -> None:
        self.__consistency__ = consistency

    def _set_if_not_exists(self, if_not_exists: bool = True) -> None:
        if self._has_counter:
            raise IfNotExistsWithCounterColumn(
                "if_not_exists cannot be used with tables containing counter columns"
            )
        self._if_not_exists = if_not_exists

    def _set_if_exists(self, if_exists: bool = True) -> None:
        if self._has_counter:
            raise IfExistsWithCounterColumn(
                "if_exists cannot be used with tables containing counter columns"
            )
        self._if_exists = if_exists

    def _set_iff(self, *prepared: Any, **conditions: Any) -> None:
        self._conditional = prepared[0] if prepared else self.objects.iff(**conditions)._conditional

    def _set_batch(self, batch: Any) -> None:
        if self._timeout is not NOT_SET:
            raise AssertionError("Setting both timeout and batch is not supported")
        if self._connection:
            raise CQLEngineException("Cannot specify a connection on model in batch mode.")
        self._batch = batch

    def _set_using(self, connection: Any = None) -> None:
        if connection:
            if self._batch is not None:
                raise CQLEngineException("Cannot specify a connection on model in batch mode.")
            self._connection = connection

    def timeout(self, timeout: Any) -> BaseModel:
        if self._batch is not None:
            raise AssertionError("Setting both timeout and batch is not supported")
        self._timeout = timeout
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
        if set(self._columns) != set(other._columns):
            return False
        return all(getattr(self, k, None) == getattr(other, k, None) for k in other._columns)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # as cqlengine's: equal by value, unhashable

    # -- pickling: the hidden document class is made at run time, so its state travels
    # and is put back into the model's document class

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        doc = state.pop("_doc", None)
        if doc is not None:
            state["_doc_state"] = (type(doc) is type(self)._document, doc.__getstate__())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = state.pop("_doc_state", None)
        self.__dict__.update(state)
        self._doc = None
        if saved is not None and saved[0]:  # else re-read or re-written whole, as new
            document: Any = type(self)._document
            doc = document.__new__(document)
            doc.__setstate__(saved[1])
            self._doc = doc

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

    # -- class-level helpers -----------------------------------------------------------------

    @classmethod
    def column_family_name(cls, include_keyspace: bool = True) -> str:
        name = protect_name(cls._raw_column_family_name())
        if include_keyspace:
            keyspace = cls._get_keyspace()
            if not keyspace:
                raise CQLEngineException(
                    f"{cls.__name__}: the model's keyspace is not set and there is no default: "
                    "set __keyspace__ on the model, or call connection.setup(..., "
                    "default_keyspace=...) before generating a query"
                )
            return f"{protect_name(keyspace)}.{name}"
        return str(name)

    @classmethod
    def _raw_column_family_name(cls) -> str:
        if "_table_name" in cls.__dict__ and cls._table_name:
            return cls._table_name
        if cls.__table_name__:
            name = cls.__table_name__
            if not cls.__table_name_case_sensitive__:
                if name != name.lower():
                    warnings.warn(
                        "Model __table_name__ will be case sensitive by default in 4.0. You "
                        f"should fix the __table_name__ value of the '{cls.__name__}' model.",
                        stacklevel=2,
                    )
                name = name.lower()
            else:
                warnings.warn(
                    "Model __table_name_case_sensitive__ will be removed in 4.0.",
                    PendingDeprecationWarning,
                    stacklevel=2,
                )
        elif cls._is_polymorphic and not cls._is_polymorphic_base:
            name = cls._polymorphic_base._raw_column_family_name()
        else:
            name = _CAMEL.sub(lambda m: f"{m[1]}_{m[2].lower()}", cls.__name__)
            name = name[-48:].lower().lstrip("_")
        cls._table_name = name
        return name

    @classmethod
    def _routing_key_from_values(cls, pk_values: list[Any], protocol_version: int) -> Any:
        """The serialized partition key parts the driver routes a statement by."""
        types = cls._routing_types
        if types is None:
            return None
        return [t.to_binary(v, protocol_version) for t, v in zip(types, pk_values, strict=True)]

    @classmethod
    def _get_keyspace(cls) -> str | None:
        return cls.__keyspace__ or DEFAULT_KEYSPACE

    @classmethod
    def _get_column(cls, name: str) -> cols.Column:
        return cls._columns[name]

    @classmethod
    def _get_column_by_db_name(cls, name: str) -> cols.Column | None:
        return cls._columns.get(cls._db_map.get(name, name))

    @classmethod
    def _get_model_by_discriminator_value(cls, key: Any) -> Any:
        if not cls._is_polymorphic_base:
            raise ModelException(
                "_get_model_by_discriminator_value can only be called on polymorphic base classes"
            )
        return cls._discriminator_map.get(key)

    @classmethod
    def _discover_polymorphic_submodels(cls) -> None:
        if not cls._is_polymorphic_base:
            raise ModelException(
                "_discover_polymorphic_submodels can only be called on polymorphic base classes"
            )

        def walk(klass: Any) -> None:
            if not klass._is_polymorphic_base and klass.__discriminator_value__ is not None:
                cls._discriminator_map[klass.__discriminator_value__] = klass
            for sub in klass.__subclasses__():
                walk(sub)

        walk(cls)

    # -- validation and change tracking ------------------------------------------------------

    def _set_column_value(self, name: str, value: Any) -> None:
        """Change a value without marking it set (cqlengine's internal assignment)."""
        self._current[name] = value

    def validate(self) -> None:
        current, explicit = self._current, self._explicit
        for name, column in self._columns.items():
            value = current.get(name)
            if value is None and name not in explicit and column.has_default:
                value = column.get_default()
            current[name] = column.validate(value)

    def get_changed_columns(self) -> list[str]:
        current, previous, explicit = self._current, self._previous, self._explicit
        return [
            name
            for name, column in self._columns.items()
            if cols.changed(column, current.get(name), previous.get(name), name in explicit)
        ]

    def _dirty_columns(self) -> list[str]:
        """What a write of a loaded row sends: the changed columns and the deleted ones
        (a value emptied in place, which cqlengine deletes)."""
        current, previous, explicit = self._current, self._previous, self._explicit
        out = []
        for name, column in self._columns.items():
            value, before = current.get(name), previous.get(name)
            null = column._val_is_null
            if cols.changed(column, value, before, name in explicit) or (
                null(value) and not null(before)
            ):
                out.append(name)
        return out

    def _set_persisted(self, force: bool = False) -> None:
        """What was just read or written becomes the values to compare against."""
        current, previous = self._current, self._previous
        if force:
            previous.update(current)
        else:
            for name in self._dirty_columns():
                previous[name] = current.get(name)
        for name, copy in self._snapshots:
            value = current.get(name)
            previous[name] = None if value is None else copy(value)
        self._explicit.clear()
        self._is_persisted = True

    def _can_update(self) -> bool:
        """cqlengine's choice between UPDATE and INSERT: a persisted row whose key stayed."""
        if not self._is_persisted:
            return False
        current, previous = self._current, self._previous
        return all(current.get(k) == previous.get(k) for k in self._primary_keys)

    # -- the bridge to the core ----------------------------------------------------------------

    def _core_document(
        self, connection: str | None = None, dirty: list[str] | None = None
    ) -> DocumentBase:
        """The core document with this instance's values, for a write.  A row whose key
        changed is a new row to the core (cqlengine inserts it whole).  ``dirty``: the
        changed columns, when the caller has them already."""
        model: Any = type(self)
        connection = connection or self._connection or self.__connection__
        moved = placement(model, None, connection, resolved=True)
        if moved is not None:  # using(), or __keyspace__/__connection__ set since
            model = placed(model, *moved)
        document: type[DocumentBase] = model._document
        doc = self._doc
        current = self._current
        if doc is None or not self._can_update():  # a new row: every column
            doc = self._doc = blank_document(document)
            doc.__dict__.update(self._dump(current))
            return doc
        if type(doc) is not document:  # placed elsewhere since it was read
            copy = blank_document(document)
            copy.__dict__.update(doc.__dict__)
            set_loaded_row(copy, loaded_row(doc))
            doc = self._doc = copy
        # Only what changed: a column not read (only/defer) is never overwritten.
        values = doc.__dict__
        columns = self._columns
        for name in self._dirty_columns() if dirty is None else dirty:
            values[name] = columns[name].to_core(current.get(name))
        return doc

    @classmethod
    def _from_core(cls, doc: DocumentBase) -> BaseModel:
        """A loaded core document -> a model instance (its ``__init__`` runs, as on load in
        cqlengine), remembered as persisted."""
        klass = getattr(type(doc), "__shim__", cls)
        if klass is not cls:
            if issubclass(cls, klass):  # cls: a clone placed elsewhere
                klass = cls
            elif not issubclass(klass, cls):
                raise PolymorphicModelException(
                    f"{klass.__name__} is not a subclass of {cls.__name__}"
                )
        if klass._is_polymorphic_base:  # a row no subclass claims (cqlengine refuses it)
            key = doc.__dict__.get(str(klass._discriminator_column_name))
            if key is None:
                raise PolymorphicModelException("discriminator value was not found in values")
            raise PolymorphicModelException(
                f"unrecognized discriminator column {key} for class {klass.__name__}"
            )
        values = doc.__dict__
        loaded = loaded_row(doc)
        if klass._plain_init and (loaded is None or len(loaded[0]) >= len(klass._columns)):
            # A whole row, and no __init__ of the application's to run: the values are
            # set directly, converted only where the core's differ from cqlengine's.
            instance: BaseModel = object.__new__(klass)
            instance.__dict__.update(klass._load(values), _doc=doc)
            return instance
        present: Any = values
        if loaded is not None and len(loaded[0]) < len(klass._columns):
            # only()/defer(): columns not read take their defaults, as cqlengine's do
            present = {c.name for c in loaded[0]}
        instance = klass(
            **{n: c.from_core(values.get(n)) for n, c in klass._columns.items() if n in present}
        )
        instance._doc = doc
        instance._set_persisted(force=True)
        return instance

    @classmethod
    def _from_core_many(cls, docs: list[DocumentBase]) -> list[BaseModel]:
        """``_from_core`` of a page of documents.  The instances hold no reference
        cycles: pausing the cyclic collector meanwhile saves its repeated scans of the
        young objects, as the core's hydration does."""
        from_core = cls._from_core
        if len(docs) < 256 or not gc.isenabled():
            return [from_core(d) for d in docs]
        gc.disable()
        try:
            return [from_core(d) for d in docs]
        finally:
            gc.enable()

    @classmethod
    def _construct_instance(cls, values: dict[str, Any]) -> BaseModel:
        """cqlengine's constructor from a row dict keyed by column names (or db_field)."""
        if cls._db_map:
            values = {cls._db_map.get(k, k): v for k, v in values.items()}
        klass: Any = cls
        if cls._is_polymorphic:
            key = values.get(str(cls._discriminator_column_name))
            if key is None:
                raise PolymorphicModelException("discriminator value was not found in values")
            base = cls if cls._is_polymorphic_base else cls._polymorphic_base
            klass = base._get_model_by_discriminator_value(key)
            if klass is None:
                base._discover_polymorphic_submodels()
                klass = base._get_model_by_discriminator_value(key)
            if klass is None:
                raise PolymorphicModelException(
                    f"unrecognized discriminator column {key} for class {base.__name__}"
                )
            if not issubclass(klass, cls):
                raise PolymorphicModelException(
                    f"{klass.__name__} is not a subclass of {cls.__name__}"
                )
            values = {k: v for k, v in values.items() if k in klass._columns}
        instance: BaseModel = klass(**values)
        instance._set_persisted(force=True)
        return instance

    # -- writes: through __dmlquery__, as in cqlengine ------------------------------------------

    def _dml(self, **extra: Any) -> Any:
        return self.__dmlquery__(
            type(self),
            self,
            batch=self._batch,
            ttl=self._ttl,
            timestamp=self._timestamp,
            consistency=self.__consistency__,
            conditional=self._conditional,
            timeout=self._timeout,
            if_exists=self._if_exists,
            **extra,
        )

    def _stamp_kind(self, verb: str) -> None:
        if self._is_polymorphic:
            if self._is_polymorphic_base:
                raise PolymorphicModelException(f"cannot {verb} polymorphic base model")
            setattr(self, str(self._discriminator_column_name), self.__discriminator_value__)

    def save(self) -> BaseModel:
        """INSERT a new instance, or UPDATE what changed on a loaded one."""
        self._stamp_kind("save")
        self.validate()
        self._dml(if_not_exists=self._if_not_exists).save()
        return self._written()

    def _written(self) -> BaseModel:
        if self._is_persisted:
            self._set_persisted()
        else:  # a new row, written whole: it now holds what the instance holds
            current = self._current
            previous = dict(current)
            for name, copy in self._snapshots:
                value = current[name]
                if value is not None:
                    previous[name] = copy(value)
            self._previous = previous
            self._explicit.clear()
            self._is_persisted = True
        self._timestamp = None
        return self

    def update(self, **values: Any) -> BaseModel:
        """Set and write the given columns (or, with none, what changed)."""
        self._prepare_update(values)
        self._dml().update()
        return self._written()

    def delete(self) -> None:
        self._dml().delete()

    # -- the asyncio forms (coodie's addition; cqlengine has none) -----------------------------

    async def async_save(self) -> BaseModel:
        """``await instance.async_save()``: ``save()`` on the asyncio loop."""
        self._stamp_kind("save")
        self.validate()
        await self._dml(if_not_exists=self._if_not_exists).async_save()
        return self._written()

    async def async_update(self, **values: Any) -> BaseModel:
        self._prepare_update(values)
        await self._dml().async_update()
        return self._written()

    async def async_delete(self) -> None:
        await self._dml().async_delete()

    @classmethod
    async def async_create(cls, **kwargs: Any) -> Any:
        cls._check_create(kwargs)
        return await cls.objects.async_create(**kwargs)

    @classmethod
    async def async_get(cls, *args: Any, **kwargs: Any) -> Any:
        return await cls.objects.async_get(*args, **kwargs)

    def _prepare_update(self, values: dict[str, Any]) -> None:
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
        self._stamp_kind("update")
        self.validate()

    # -- class-level shortcuts ------------------------------------------------------------------

    @classmethod
    def create(cls, **kwargs: Any) -> Any:
        hints.hint("CU005", f"{cls.__name__}.create(...)")
        cls._check_create(kwargs)
        return cls.objects.create(**kwargs)

    @classmethod
    def _check_create(cls, kwargs: dict[str, Any]) -> None:
        extra = set(kwargs) - cls._columns.keys()
        if extra:
            raise ValidationError(f"Incorrect columns passed: {extra}")

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
        is_abstract = attrs.setdefault("__abstract__", False)
        attrs["__discriminator_value__"] = attrs.get("__discriminator_value__")
        # cqlengine reads the default TTL from __options__ (a class-level value is replaced)
        attrs["__default_ttl__"] = (attrs.get("__options__") or {}).get("default_time_to_live")
        own = sorted(
            ((k, v) for k, v in attrs.items() if isinstance(v, cols.Column)),
            key=lambda kv: kv[1].position,
        )
        inherited: dict[str, cols.Column] = {}
        for base in bases:
            for key, column in getattr(base, "_defined_columns", {}).items():
                inherited.setdefault(key, column)
        for key, _column in [*inherited.items(), *own]:
            if key in BaseModel.__dict__:
                raise ModelDefinitionException(
                    f"column '{key}' conflicts with built-in attribute/method"
                )
        defined: dict[str, cols.Column] = dict(inherited)
        for key, column in own:
            column.set_column_name(key)
            defined[key] = column

        is_polymorphic_base = any(c.discriminator_column for _, c in own)
        discriminators = [(k, c) for k, c in defined.items() if c.discriminator_column]
        if len(discriminators) > 1:
            raise ModelDefinitionException(
                "only one discriminator_column can be defined in a model, "
                f"{len(discriminators)} found"
            )
        is_polymorphic = bool(discriminators)
        if attrs["__discriminator_value__"] is not None and not is_polymorphic:
            raise ModelDefinitionException(
                "__discriminator_value__ specified, but no base columns defined with "
                "discriminator_column=True"
            )
        discriminator_name, discriminator = discriminators[0] if discriminators else (None, None)
        if isinstance(discriminator, (cols.BaseContainerColumn, cols.Counter)):
            raise ModelDefinitionException(
                "counter and container columns cannot be used as discriminator columns"
            )
        polymorphic_base = None
        if is_polymorphic and not is_polymorphic_base:
            polymorphic_base = _find_polymorphic_base(bases)

        partition = [c for c in defined.values() if c.partition_key]
        primary = [c for c in defined.values() if c.primary_key]
        if not is_abstract and not primary:
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
        if any(c.primary_key or c.partition_key for c in counters):
            raise ModelDefinitionException("counter columns cannot be used as primary keys")
        seen: set[str] = set()
        for column in defined.values():
            if column.db_field_name in seen:
                raise ModelException(
                    f"{name} defines the column '{column.db_field_name}' more than once"
                )
            seen.add(column.db_field_name)
            if column.static and column.primary_key:
                raise ModelDefinitionException("a primary key column cannot be static")
            if column.clustering_order and column not in clustering:
                raise ModelException(
                    "clustering_order may be specified only for clustering primary keys"
                )
            if column.clustering_order and column.clustering_order.lower() not in ("asc", "desc"):
                raise ModelException(
                    f"invalid clustering order {column.clustering_order!r} for column "
                    f"'{column.db_field_name}'"
                )

        attrs["_defined_columns"] = defined
        attrs["_columns"] = defined
        attrs["_partition_keys"] = {str(c.column_name): c for c in partition}
        attrs["_clustering_keys"] = {str(c.column_name): c for c in clustering}
        attrs["_primary_keys"] = {**attrs["_partition_keys"], **attrs["_clustering_keys"]}
        attrs["_pk_name"] = next(iter(attrs["_partition_keys"]), None)
        attrs["_has_counter"] = bool(counters)
        attrs["_db_map"] = {c.db_field_name: k for k, c in defined.items() if c.db_field_name != k}
        attrs["_is_polymorphic"] = is_polymorphic
        attrs["_is_polymorphic_base"] = is_polymorphic_base
        attrs["_polymorphic_base"] = polymorphic_base
        attrs["_discriminator_column"] = discriminator
        attrs["_discriminator_column_name"] = discriminator_name
        attrs["_discriminator_map"] = {} if is_polymorphic_base else None
        attrs["_table_name"] = None
        for key, column in defined.items():
            attrs[key] = ColumnDescriptor(column)
        partition_names = list(attrs["_partition_keys"])
        if len(partition_names) == 1:
            attrs["pk"] = attrs[partition_names[0]]
        elif partition_names:
            attrs["pk"] = _composite_pk(partition_names)
        # What the driver needs to route a statement: each partition column's position.
        routed = attrs.get("__compute_routing_key__", True)
        attrs["_partition_key_index"] = (
            {c.db_field_name: i for i, c in enumerate(partition)} if routed else {}
        )
        types = tuple(_cqltypes.get(str(c.db_type)) for c in partition)
        attrs["_routing_types"] = types if routed and None not in types else None

        # Per-model exceptions: subclasses of the first parent's, as cqlengine's are.
        dne = next((b.DoesNotExist for b in bases if hasattr(b, "DoesNotExist")), None)
        mor = next(
            (b.MultipleObjectsReturned for b in bases if hasattr(b, "MultipleObjectsReturned")),
            None,
        )
        dne = dne or attrs.pop("DoesNotExist", DoesNotExist)
        mor = mor or attrs.pop("MultipleObjectsReturned", MultipleObjectsReturned)
        attrs["DoesNotExist"] = type("DoesNotExist", (dne,), {})
        attrs["MultipleObjectsReturned"] = type("MultipleObjectsReturned", (mor,), {})

        klass = super().__new__(mcs, name, bases, attrs)
        klass._plain_init = klass.__init__ is BaseModel.__init__  # type: ignore[attr-defined,misc]
        klass._loaders = tuple((k, c.loader()) for k, c in defined.items())  # type: ignore[attr-defined]
        klass._dumpers = tuple((k, c.dumper()) for k, c in defined.items())  # type: ignore[attr-defined]
        klass._dump = staticmethod(_dumper(klass._dumpers))  # type: ignore[attr-defined]
        klass._init_plan = tuple(  # type: ignore[attr-defined]
            (k, c, c.has_default, isinstance(c, cols.BaseContainerColumn))
            for k, c in defined.items()
        )
        klass._snapshots = tuple(  # type: ignore[attr-defined]
            (k, s) for k, c in defined.items() if (s := c.snapshot()) is not None
        )
        klass._load = _loader(klass._loaders, klass._snapshots)  # type: ignore[attr-defined]
        if not is_abstract:
            klass._document = _build_document(klass, partition, clustering)  # type: ignore[attr-defined]
            if is_polymorphic and not is_polymorphic_base and attrs["__discriminator_value__"]:
                klass._write_document = _build_document(  # type: ignore[attr-defined]
                    klass, partition, clustering, flat=True
                )
        if own and hints.ENABLED:
            hints.hint("CU002", f"cqlengine model {name}")
            if any(k in attrs for k in _OPTION_ATTRS):
                hints.hint("CU004", f"model options of {name}")
        for user_type in {u: None for c in defined.values() for u in _user_types(c)}:
            user_type.register_for_keyspace(klass._get_keyspace())  # type: ignore[attr-defined]
        return klass


def _dumper(dumpers: Any) -> Any:
    """The function that turns an instance's values into a new core document's values,
    generated once per model (a dict literal, as ``_loader``): on every write of a new
    row and every delete of a row not read."""
    namespace: dict[str, Any] = {}
    items = []
    for i, (name, dump) in enumerate(dumpers):
        if dump is None:
            items.append(f"{name!r}: get({name!r})")
        else:
            namespace[f"dump{i}"] = dump
            items.append(f"{name!r}: dump{i}(get({name!r}))")
    source = "def dump(current):\n    get = current.get\n    return {" + ", ".join(items) + "}\n"
    exec(source, namespace)
    return namespace["dump"]


def _loader(loaders: Any, snapshots: Any) -> Any:
    """The function that turns a loaded core document's values into an instance's state
    (``_current``, ``_previous``, ...), generated once per model: a dict literal per
    row, the way the core's hydrator is made."""
    namespace: dict[str, Any] = {"combine": dt.datetime.combine}
    items = []
    for i, (name, load) in enumerate(loaders):
        if load is None:
            items.append(f"{name!r}: get({name!r})")
        elif load is cols._naive:  # inline: on every timestamp of every row read
            items.append(
                f"{name!r}: None if (v := get({name!r})) is None else combine(v, v.time())"
            )
        else:
            namespace[f"load{i}"] = load
            items.append(f"{name!r}: load{i}(get({name!r}))")
    copies = []
    for i, (name, copy) in enumerate(snapshots):
        namespace[f"copy{i}"] = copy
        copies.append(
            f"{name!r}: None if current[{name!r}] is None else copy{i}(current[{name!r}])"
        )
    source = "\n".join(
        [
            "def load(values):",
            "    get = values.get",
            "    current = {" + ", ".join(items) + "}",
            "    previous = {**current, " + ", ".join(copies) + "}",
            "    return {'_current': current, '_previous': previous, '_explicit': set(),",
            "            '_is_persisted': True}",
        ]
    )
    exec(source, namespace)
    return namespace["load"]


def _composite_pk(names: list[str]) -> property:
    """``pk`` of a model whose partition key has several columns: a tuple."""

    def get(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in names)

    def set_(self: Any, value: Any) -> None:
        for name, part in zip(names, value, strict=True):
            setattr(self, name, part)

    return property(get, set_)


def _user_types(column: cols.Column) -> Iterator[Any]:
    if isinstance(column, cols.UserDefinedType):
        yield column.user_type
    for inner in getattr(column, "types", None) or column.sub_types:
        yield from _user_types(inner)


def _find_polymorphic_base(bases: tuple[type, ...]) -> Any:
    for base in bases:
        if getattr(base, "_is_polymorphic_base", False):
            return base
        found = _find_polymorphic_base(base.__bases__)
        if found is not None:
            return found
    return None


def annotated(annotation: Any, extra: list[Any]) -> Any:
    """``Annotated[annotation, *extra]`` (spelled so that Python 3.10 parses it)."""
    return Annotated.__class_getitem__((annotation, *extra)) if extra else annotation  # type: ignore[attr-defined]


def _build_document(
    model: Any, partition: list[cols.Column], clustering: list[cols.Column], *, flat: bool = False
) -> type[DocumentBase]:
    """The hidden core document of a cqlengine model: one field per column.  ``flat``:
    a polymorphic subclass's columns as a table of their own, for the writes cqlengine
    sends without regard to the kind of row (``Sub.objects(...).update(...)``)."""
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
        if column.index:  # a NamedTable's columns carry the index read from the table
            extra.append(getattr(column, "index_marker", None) or markers.Indexed())
        elif column.custom_index:  # made outside cqlengine: filters allowed, never created
            extra.append(markers.Indexed(managed=False))
        if column.static:
            extra.append(markers.Static())
        if column.db_field is not None:
            extra.append(markers.DbName(column.db_field))
        if column.discriminator_column and not flat:
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
    options = table_options(model)
    if options:
        settings["options"] = options
    base: type[DocumentBase] = _Document
    polymorphic_base = model._polymorphic_base
    if (
        not flat
        and model._is_polymorphic
        and not model._is_polymorphic_base
        and polymorphic_base is not None
        and polymorphic_base._document is not None
        and model.__discriminator_value__ is not None  # else a table of its own, as a base
    ):
        base = polymorphic_base._document
        settings = {"discriminator": model.__discriminator_value__}
        fields = {k: v for k, v in fields.items() if k not in polymorphic_base._columns}
    namespace_settings = type("Settings", (), settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # column names that shadow BaseModel attributes
        try:
            document = pydantic.create_model(
                f"{model.__name__}{'Write' if flat else ''}Document",
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


def table_options(model: Any) -> dict[str, Any]:
    """The model's ``__options__`` as the core takes them.  cqlengine writes each value
    into the CQL as given, so ``"0.5"`` and ``"3600"`` are numbers there: here too."""
    options: dict[str, Any] = {}
    for name, value in (model.__options__ or {}).items():
        if isinstance(value, str) and name.lower() != "comment":
            for kind in (int, float):
                try:
                    value = kind(value)
                    break
                except ValueError:
                    pass
        options[name] = value
    if model.__default_ttl__ is not None:
        options.setdefault("default_time_to_live", model.__default_ttl__)
    return options


def _write_time(value: Any) -> Any:
    """cqlengine's ``timestamp()`` also takes a timedelta: that long from now."""
    if isinstance(value, dt.timedelta):
        return dt.datetime.now(dt.timezone.utc) + value
    return value


def placement(
    model: Any,
    keyspace: str | None,
    connection: str | None,
    *,
    resolved: bool = False,
    document: Any = None,
) -> tuple[str | None, str | None] | None:
    """Where a statement of ``model`` goes, when that is not where its table was
    described: ``using()`` names another keyspace or connection, or the application
    changed ``__keyspace__``/``__connection__`` after the class was made (cqlengine reads
    them at each statement).  ``None``: as described."""
    keyspace = keyspace or model.__keyspace__
    if not resolved:  # an instance's connection is resolved by the instance
        connection = connection or model.__connection__
    schema = table_schema(document or model._document)
    if keyspace == schema.keyspace and connection == schema.connection:
        return None
    return keyspace, connection


_PLACED: dict[tuple[Any, str | None, str | None], Any] = {}


def placed(model: Any, keyspace: str | None, connection: str | None) -> Any:
    """The model as it is in that keyspace over that connection (``None``: the
    default's), made once per combination."""
    key = (model, keyspace, connection)
    found = _PLACED.get(key)
    if found is None:
        attrs = {"__keyspace__": keyspace, "__connection__": connection}
        found = _PLACED[key] = _clone_model_class(model, attrs)
    return found


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


from .query import ColumnQueryEvaluator, DMLQuery, ModelQuerySet  # noqa: E402

BaseModel.__queryset__ = ModelQuerySet
BaseModel.__dmlquery__ = DMLQuery

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
