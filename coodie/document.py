"""``DocumentBase``: the pydantic base of every model, and the table it describes.

``coodie.sync.Document`` and ``coodie.aio.Document`` (and the cqlengine shim's
models) subclass it.  The table description is built once, at class creation;
``table_schema``, ``target`` and ``hydrator`` are how every other module reaches it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

from cassandra.query import UNSET_VALUE
from pydantic import BaseModel, ConfigDict
from pydantic_core import core_schema

from . import cql
from .connection import Connection, get_connection
from .exceptions import ConfigurationError, DefinitionError
from .hydration import LOADED, Hydrator
from .instances import bare, private_defaults
from .operators import SUFFIXES
from .schema import Column, TableSchema, build_schema, model_core_schema, read_settings
from .values import from_db, to_db

D = TypeVar("D", bound="DocumentBase")


class DocumentBase(BaseModel):
    """Pydantic model plus the table description; the I/O fronts subclass it."""

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        validate_assignment=True,
        revalidate_instances="never",
    )

    __coodie_schema__: ClassVar[TableSchema | None] = None
    __coodie_hydrators__: ClassVar[dict[tuple[str, ...] | None, Hydrator]]
    # Single-table inheritance, on the base: subclasses by discriminator value, and the
    # table with all their columns (see table_of()).
    __coodie_subtypes__: ClassVar[dict[Any, type[DocumentBase]]]
    __coodie_union__: ClassVar[TableSchema | None] = None

    # What was read from or written to the table, in driver form: (columns, row) under
    # the key LOADED of ``__pydantic_private__`` (see loaded_row()).  Not a PrivateAttr:
    # a model without private attributes is then built without pydantic's post-init
    # call, on every construction.

    # Bare int and time fields get their CQL checks (int range, naive time), and bare
    # datetime fields their normalization (aware UTC milliseconds), in pydantic.
    __get_pydantic_core_schema__ = classmethod(model_core_schema)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__coodie_hydrators__ = {}
        cls.__coodie_schema__ = None
        check_field_names(cls)
        # A model whose annotations pydantic cannot resolve yet (forward references)
        # gets its schema once they are: see model_rebuild() and table_schema().
        if cls.__pydantic_complete__:
            _complete(cls)

    @classmethod
    def model_rebuild(
        cls,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        # Pydantic rebuilds a model with forward references when they can be resolved
        # (explicitly, or on its first validation): the table description, a subclass's
        # place in its hierarchy and its discriminator value come then, before any
        # document of it is built.
        done = super().model_rebuild(
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=_types_namespace,
        )
        if cls.__pydantic_complete__ and cls.__dict__.get("__coodie_schema__") is None:
            _complete(cls)
        return done

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        # The loaded row holds the driver's UNSET_VALUE (a sentinel compared by identity)
        # and the table description's columns: a deep copy shares them.
        memo = {} if memo is None else memo
        memo[id(UNSET_VALUE)] = UNSET_VALUE
        loaded = loaded_row(self)
        if loaded is not None:
            memo[id(loaded[0])] = loaded[0]
        return super().__deepcopy__(memo)

    def __getstate__(self) -> dict[Any, Any]:
        # The loaded row refers to the table description (converters are closures, not
        # picklable) and holds driver types; pickle column names and plain values.
        state = super().__getstate__()
        private = state.get("__pydantic_private__") or {}
        loaded = private.get(LOADED)
        if loaded is not None:
            columns, row = loaded
            schema = table_schema(type(self))
            plain = tuple(
                _NotWritten if v is UNSET_VALUE else to_db(schema, c, from_db(c, v))
                for c, v in zip(columns, row, strict=True)
            )
            state["__pydantic_private__"] = {
                **private,
                LOADED: (tuple(c.name for c in columns), plain),
            }
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        private = state.get("__pydantic_private__") or {}
        loaded = private.get(LOADED)
        if loaded is not None:
            names, row = loaded
            schema = table_schema(type(self))
            columns = tuple(schema.by_name[n] for n in names)
            if names == tuple(c.name for c in schema.columns):
                columns = schema.columns
            row = tuple(UNSET_VALUE if v is _NotWritten else v for v in row)
            state = {**state, "__pydantic_private__": {**private, LOADED: (columns, row)}}
        super().__setstate__(state)

    @property
    def is_loaded(self) -> bool:
        """True once the document was read or saved (or its key written by ``update()``)."""
        return loaded_row(self) is not None


class _NotWritten:
    """Stands for the driver's UNSET_VALUE (a bare object()) in a pickled loaded row."""


def check_field_names(model: type[DocumentBase]) -> None:
    """Refuse field names that would be misread: ``a__in`` (taken as a filter on ``a``)
    and names of coodie's own methods (``update``, ``delete``, ...), which the field
    would hide."""
    own = [b for b in model.__mro__[1:] if b.__module__.startswith("coodie.")]
    for name in model.__pydantic_fields__:
        base, sep, suffix = name.rpartition("__")
        if sep and base and suffix in SUFFIXES:
            raise DefinitionError(
                f"{model.__name__}.{name}: a field name cannot end in __{suffix}, which "
                f"coodie reads as an operator (find({name}=...) would filter {base}); "
                "rename the field"
            )
        shadowed = next((b for b in own if name in b.__dict__), None)
        if shadowed is not None and name not in getattr(shadowed, "__pydantic_fields__", {}):
            raise DefinitionError(
                f"{model.__name__}.{name}: the field would hide {shadowed.__name__}.{name}(); "
                "rename the field"
            )


def table_schema(model: type[DocumentBase]) -> TableSchema:
    """The model's table description (built now for a model completed after its
    definition, e.g. one with forward references)."""
    schema = model.__dict__.get("__coodie_schema__")
    if schema is not None:
        return schema  # type: ignore[no-any-return]
    if read_settings(model).get("abstract"):
        raise ConfigurationError(
            f"{model.__name__} is abstract (Settings.abstract = True) and has no table; "
            "use one of its concrete subclasses"
        )
    try:
        model.model_rebuild()
    except DefinitionError:
        raise
    except Exception as exc:
        raise ConfigurationError(
            f"{model.__name__} has annotations that cannot be resolved ({exc}); define or "
            f"import the types they name, then call {model.__name__}.model_rebuild()"
        ) from exc
    if model.__dict__.get("__coodie_schema__") is None:
        _complete(model)
    return model.__coodie_schema__  # type: ignore[return-value]


def _complete(model: type[DocumentBase]) -> None:
    """Once pydantic completed the model: its table description, its place in a
    single-table hierarchy, and its discriminator value."""
    if read_settings(model).get("abstract"):
        return
    model.__coodie_schema__ = schema = build_schema(model, model.model_fields)
    _register_subtype(model, schema)
    _default_discriminator(model, schema)


def _register_subtype(model: type[DocumentBase], schema: TableSchema) -> None:
    """Single-table inheritance: the base knows its subclasses by discriminator value."""
    if schema.discriminator is None:
        return
    if schema.discriminator_value is None:
        parent = polymorphic_root(model)
        if parent is not None and "name" not in read_settings(model):
            raise DefinitionError(
                f"{model.__name__} subclasses {parent.__name__}, which shares its table with "
                "its subclasses: set Settings.discriminator to store its rows there, or "
                "Settings.name for a table of its own"
            )
        model.__coodie_subtypes__ = {}
        return
    root: type[DocumentBase] = next(
        b
        for b in model.__mro__[1:]
        if "__coodie_subtypes__" in b.__dict__ and b.__dict__["__coodie_schema__"] is not None
    )
    taken = root.__coodie_subtypes__.get(schema.discriminator_value)
    if taken is not None and taken.__qualname__ != model.__qualname__:
        raise DefinitionError(
            f"{model.__name__}.Settings.discriminator: {schema.discriminator_value!r} is "
            f"already the value of {taken.__name__}; give each subclass its own"
        )
    known = {c.db_name: c for c in table_of(root).columns}
    for column in schema.columns:
        other = known.get(column.db_name)
        if other is not None and other.type.cql != column.type.cql:
            raise DefinitionError(
                f"{model.__name__}.{column.name}: the shared table already has column "
                f"{column.db_name} as {other.type.cql} (from another model of the "
                f"hierarchy); {column.type.cql} cannot be stored there: rename the field"
            )
    root.__coodie_subtypes__[schema.discriminator_value] = model
    root.__coodie_union__ = None  # the table's columns grew


def _default_discriminator(model: type[DocumentBase], schema: TableSchema) -> None:
    """A subclass of a hierarchy fills in its discriminator itself: its value becomes the
    field's default, and the field's validator keeps it whatever is passed (a rebuild,
    once per such class, instead of a check on every construction of every model)."""
    column = schema.discriminator
    if column is None or schema.discriminator_value is None:
        return
    info = model.model_fields[column.name]
    info.default = schema.discriminator_value
    info.metadata = [m for m in info.metadata if not isinstance(m, _Always)]
    info.metadata.append(_Always(schema.discriminator_value))
    model.model_rebuild(force=True)


@dataclasses.dataclass(frozen=True)
class _Always:
    """Field metadata: the field's value is ``value``, whatever is passed."""

    value: Any

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        value = self.value
        return core_schema.no_info_after_validator_function(lambda _: value, handler(source))


def polymorphic_root(model: type[DocumentBase]) -> type[DocumentBase] | None:
    """The base of the model's single-table hierarchy, or ``None`` outside one."""
    for klass in model.__mro__:
        if "__coodie_subtypes__" in klass.__dict__:
            return klass
    return None


def table_of(model: type[DocumentBase]) -> TableSchema:
    """The whole table the model's rows live in: for a hierarchy, the base's table with
    the columns of every subclass (what DDL creates and what the base reads)."""
    root = polymorphic_root(model)
    if root is None:
        return table_schema(model)
    union = root.__dict__.get("__coodie_union__")
    if union is None:
        schema = table_schema(root)
        columns = list(schema.columns)
        names = {c.db_name for c in columns}
        for sub in root.__coodie_subtypes__.values():
            for column in table_schema(sub).columns:
                if column.db_name not in names:
                    names.add(column.db_name)
                    columns.append(column)
        union = dataclasses.replace(schema, columns=tuple(columns))
        root.__coodie_union__ = union
    return union


def rows_to_documents(model: type[DocumentBase], columns: tuple[Column, ...]) -> Any:
    """``rows -> documents``: the model's hydrator, or for the base of a single-table
    hierarchy one that builds each row as the subclass its discriminator names."""
    root = polymorphic_root(model)
    schema = table_schema(model)
    if root is not model or not model.__coodie_subtypes__ or schema.discriminator not in columns:
        return hydrator(model, columns).many
    position = columns.index(schema.discriminator)
    base = hydrator(model, columns)
    by_value = {
        to_db(schema, schema.discriminator, value): hydrator(sub, columns)
        for value, sub in model.__coodie_subtypes__.items()
    }
    get = by_value.get

    def many(rows: Any) -> list[Any]:
        return [get(row[position], base)(row) for row in rows]

    return many


def target(model: type[DocumentBase]) -> tuple[TableSchema, Connection, str]:
    """The schema, the connection it lives on and the quoted table reference."""
    schema = model.__dict__.get("__coodie_schema__") or table_schema(model)
    conn = get_connection(schema.connection)
    keyspace = schema.keyspace or conn.keyspace
    if keyspace is None:
        raise ConfigurationError(
            f"{model.__name__} has no keyspace: set Settings.keyspace on the model or pass "
            "keyspace=... to init_coodie()"
        )
    return schema, conn, cql.table_ref(keyspace, schema.table)


def hydrator(model: type[D], columns: tuple[Column, ...]) -> Hydrator:
    """The row -> document function for rows holding ``columns`` (built once per plan)."""
    # The full-row plan (the common case) is found without building a key.
    key = None if columns is table_schema(model).columns else tuple(c.name for c in columns)
    found = model.__coodie_hydrators__.get(key)
    if found is None:
        found = model.__coodie_hydrators__[key] = Hydrator(model, columns)
    return found


def loaded_row(doc: DocumentBase) -> tuple[tuple[Column, ...], tuple[Any, ...]] | None:
    """(columns, driver values) the table held for this document when last read or
    written, or ``None`` for a document never read or written."""
    private = doc.__pydantic_private__
    return None if private is None else private.get(LOADED)


def blank_document(cls: type[D]) -> D:
    """An instance with no field set and no row loaded, made without validation: for a
    front that fills ``__dict__`` itself (the cqlengine shim's writes)."""
    private = private_defaults({n: a for n, a in cls.__private_attributes__.items() if n != LOADED})
    return bare(cls, {}, set(), {**private, LOADED: None})


def set_loaded_row(
    doc: DocumentBase, loaded: tuple[tuple[Column, ...], tuple[Any, ...]] | None
) -> None:
    private = doc.__pydantic_private__
    if private is None:  # a model without private attributes: pydantic set None
        object.__setattr__(doc, "__pydantic_private__", {LOADED: loaded})
    else:
        private[LOADED] = loaded


__all__ = [
    "DocumentBase",
    "blank_document",
    "hydrator",
    "loaded_row",
    "polymorphic_root",
    "rows_to_documents",
    "set_loaded_row",
    "table_of",
    "table_schema",
    "target",
]
