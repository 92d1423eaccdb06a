"""The one immutable description of a model's table.

Built once per class at class creation; DDL, statement building, query validation
and hydration all read it and nothing re-derives it from annotations later.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter
from pydantic_core import PydanticUndefined

from .exceptions import DefinitionError
from .fields import (
    ClusteringKey,
    CqlType,
    DbName,
    Discriminator,
    Indexed,
    Marker,
    PrimaryKey,
    Static,
    TimestampType,
    normalize_timestamps,
)
from .types import (
    ColumnType,
    checked_marker,
    holds_marker,
    resolve,
    split_annotation,
    with_cql_checks,
)

if TYPE_CHECKING:
    from pydantic import BaseModel, GetCoreSchemaHandler
    from pydantic.fields import FieldInfo
    from pydantic_core import CoreSchema

ColumnKind = Literal["partition_key", "clustering", "static", "regular"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SETTINGS_KEYS = {"name", "keyspace", "options", "abstract", "connection", "discriminator"}
# Settings that belong to the class that states them; the others are inherited.
_OWN_SETTINGS = {"name", "abstract", "discriminator"}


def check_identifier(value: str, what: str, where: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value) or len(value) > 222:
        raise DefinitionError(
            f"{where}: {what} {value!r} is not a valid CQL identifier; use letters, "
            "digits and underscores, starting with a letter or underscore"
        )
    return value


def quote(identifier: str) -> str:
    """Quote an identifier already checked by ``check_identifier`` (case is kept)."""
    return f'"{identifier}"'


@lru_cache(maxsize=512)
def type_adapter(python: Any) -> TypeAdapter[Any]:
    """One pydantic ``TypeAdapter`` per Python type (building one costs ~100µs)."""
    return TypeAdapter(python)


def snake_case(name: str) -> str:
    """``ArgusTestRun`` -> ``argus_test_run``; ``SSHTunnelKey`` -> ``ssh_tunnel_key``."""
    step = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", step).lower()


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    target: str  # as system_schema.indexes shows it: "col", "values(col)", "full(col)"
    using: str | None
    options: Mapping[str, str] | None
    managed: bool = True  # False: made outside coodie; sync_table leaves it alone

    @property
    def custom(self) -> bool:
        return self.using is not None

    @property
    def is_sai(self) -> bool:
        return self.using == "sai"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per field
class Column:
    name: str  # attribute on the model
    db_name: str  # column in the table
    type: ColumnType
    kind: ColumnKind
    position: int  # order within the partition or clustering key, else -1
    order: Literal["ASC", "DESC"] | None
    index: Index | None
    optional: bool  # the annotation allows None
    quoted: str
    default: Any = PydanticUndefined  # the field's plain default, if any
    discriminator: bool = False  # says which subclass a row belongs to

    @property
    def is_key(self) -> bool:
        return self.kind in ("partition_key", "clustering")

    @property
    def adapter(self) -> TypeAdapter[Any]:
        """Validates filter values for this column; built on first use, shared by type."""
        return type_adapter(self.type.python)

    def null_value(self) -> Any:
        """What a null cell reads back as.

        ``None`` for Optional fields; otherwise what the type promises: an empty
        collection, ``0`` for a counter, or the field's plain default (never a
        ``default_factory``, which would invent a value).
        """
        if self.optional:
            return None
        if self.type.empty is not None:
            return self.type.empty()
        if self.type.counter:
            return 0
        default = self.default
        if default is PydanticUndefined or default is None:
            return None
        return copy.deepcopy(default)  # nested mutables too: never share a default


@dataclass(frozen=True)
class TableSchema:
    model_name: str
    table: str
    keyspace: str | None
    connection: str | None
    columns: tuple[Column, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    # Single-table inheritance: the subclass's value of the discriminator column.
    discriminator_value: Any = None

    @cached_property
    def discriminator(self) -> Column | None:
        """The ``Discriminator()`` column, if the model is part of a hierarchy."""
        return next((c for c in self.columns if c.discriminator), None)

    @cached_property
    def by_name(self) -> Mapping[str, Column]:
        return MappingProxyType({c.name: c for c in self.columns})

    @cached_property
    def by_db_name(self) -> Mapping[str, Column]:
        """Columns by their name in the table (``DbName``), e.g. for LWT result rows."""
        return MappingProxyType({c.db_name: c for c in self.columns})

    @cached_property
    def partition_key(self) -> tuple[Column, ...]:
        return tuple(sorted((c for c in self.columns if c.kind == "partition_key"), key=_pos))

    @cached_property
    def clustering(self) -> tuple[Column, ...]:
        return tuple(sorted((c for c in self.columns if c.kind == "clustering"), key=_pos))

    @cached_property
    def primary_key(self) -> tuple[Column, ...]:
        return self.partition_key + self.clustering

    @cached_property
    def key_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.primary_key)

    @cached_property
    def quoted_columns(self) -> tuple[str, ...]:
        return tuple(c.quoted for c in self.columns)

    @cached_property
    def key_clauses(self) -> tuple[str, ...]:
        return tuple(f"{c.quoted} = ?" for c in self.primary_key)

    @cached_property
    def positions(self) -> Mapping[str, int]:
        """Each column's position in ``columns`` (and in a full row), by field name."""
        return MappingProxyType({c.name: i for i, c in enumerate(self.columns)})

    @cached_property
    def key_positions(self) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.columns) if c.is_key)

    @cached_property
    def insert_binder(self) -> Callable[[Mapping[str, Any]], list[Any]]:
        from .binding import insert_binder

        return insert_binder(self)

    @cached_property
    def key_binder(self) -> Callable[[Mapping[str, Any]], list[Any]]:
        from .binding import key_binder

        return key_binder(self)

    @cached_property
    def partition_key_binder(self) -> Callable[[Mapping[str, Any]], list[Any]]:
        from .binding import key_binder

        return key_binder(self, partition_only=True)

    @cached_property
    def data_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.is_key)

    @cached_property
    def normalized(self) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        """Columns whose input is normalized (timestamps to aware UTC milliseconds, at any
        depth), so that what is in memory equals what Cassandra will return, or checked
        (times must be naive)."""
        return tuple((c.name, c.type.normalize) for c in self.columns if c.type.normalize)

    @cached_property
    def user_types(self) -> tuple[type, ...]:
        """The ``UserType`` classes the columns hold, at any depth, each after the types
        it holds (the order in which ``sync_table()`` creates them)."""
        return tuple(dict.fromkeys(t for c in self.columns for t in c.type.user_types))

    @cached_property
    def normalized_collections(self) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        """The normalized columns holding collections, which can change in place
        (``doc.times.append(...)``) without passing through validation."""
        return tuple((n, f) for n, f in self.normalized if self.by_name[n].type.collection)

    @cached_property
    def has_static(self) -> bool:
        return any(c.kind == "static" for c in self.columns)

    @cached_property
    def is_counter_table(self) -> bool:
        return any(c.type.counter for c in self.data_columns)


def _pos(c: Column) -> int:
    return c.position


def read_settings(cls: type) -> dict[str, Any]:
    """Collect ``class Settings`` values: own ``name``/``abstract``, the rest inherited."""
    found: dict[str, Any] = {}
    # A kind of model may know more settings (views: ``base``).
    known = _SETTINGS_KEYS | getattr(cls, "__coodie_settings__", frozenset())
    for klass in cls.__mro__:
        settings = klass.__dict__.get("Settings")
        if settings is None:
            continue
        for key, value in vars(settings).items():
            if key.startswith("__"):
                continue
            if key not in known:
                raise DefinitionError(
                    f"{klass.__name__}.Settings: unknown setting {key!r}; known settings are "
                    + ", ".join(sorted(known))
                )
            if key in _OWN_SETTINGS and klass is not cls:
                continue
            found.setdefault(key, value)
    return found


# -- table options ---------------------------------------------------------------------


def _is_int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str)
        and isinstance(v, (str, int, float))
        and (not isinstance(v, float) or math.isfinite(v))
        for k, v in value.items()
    )


def _is_uuid_text(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


# (what the value must be, check)
_TEXT = ("a str", lambda v: isinstance(v, str))
_BOOL = ("True or False", lambda v: isinstance(v, bool))
_COUNT = ("an int >= 0", lambda v: _is_int(v, 0))
_POSITIVE = ("an int >= 1", lambda v: _is_int(v, 1))
_CHANCE = ("a number from 0 to 1", lambda v: _is_number(v) and 0 <= v <= 1)
_FP_CHANCE = ("a number above 0, at most 1", lambda v: _is_number(v) and 0 < v <= 1)
_MAP = ("a dict of str to str, number or bool", _is_map)
_COMPACTION = (
    "a dict of str to str, number or bool with a 'class', e.g. "
    "{'class': 'LeveledCompactionStrategy'}",
    lambda v: _is_map(v) and "class" in v,
)
_BOOL_OR_MAP = ("True, False or (ScyllaDB) a dict", lambda v: isinstance(v, bool) or _is_map(v))
_UUID = ("a UUID string", _is_uuid_text)

# The table options of CREATE TABLE ... WITH: those Cassandra 5.0 accepts, then those
# only ScyllaDB knows.  Names are matched case-insensitively, as CQL does.
TABLE_OPTIONS: Mapping[str, tuple[str, Callable[[Any], bool]]] = MappingProxyType(
    {
        "additional_write_policy": _TEXT,  # e.g. '99p'
        "allow_auto_snapshot": _BOOL,
        "bloom_filter_fp_chance": _FP_CHANCE,
        "caching": _MAP,  # {'keys': 'ALL', 'rows_per_partition': 'NONE'}
        "cdc": _BOOL_OR_MAP,
        "comment": _TEXT,
        "compaction": _COMPACTION,
        "compression": _MAP,
        "crc_check_chance": _CHANCE,
        "default_time_to_live": _COUNT,
        "extensions": _MAP,
        "gc_grace_seconds": _COUNT,
        "id": _UUID,
        "incremental_backups": _BOOL,
        "max_index_interval": _POSITIVE,
        "memtable": _TEXT,  # a configuration name from cassandra.yaml, e.g. 'default'
        "memtable_flush_period_in_ms": _COUNT,
        "min_index_interval": _POSITIVE,
        "read_repair": _TEXT,  # 'BLOCKING' or 'NONE'
        "speculative_retry": _TEXT,  # e.g. '99p', '10ms', 'ALWAYS', 'NONE'
        # ScyllaDB only
        "paxos_grace_seconds": _COUNT,
        "per_partition_rate_limit": _MAP,
        "synchronous_updates": _BOOL,
        "tombstone_gc": _MAP,
    }
)


def check_table_options(options: Any, model: str) -> dict[str, Any]:
    """``Settings.options`` checked against ``TABLE_OPTIONS``: a typo or a wrong kind of
    value fails at class creation instead of at ``sync_table()``."""
    where = f"{model}.Settings.options"
    if not isinstance(options, Mapping):
        raise DefinitionError(
            f"{where} must be a dict of table options, e.g. {{'gc_grace_seconds': 86400}}, "
            f"not {type(options).__name__}"
        )
    for key, value in options.items():
        found = TABLE_OPTIONS.get(key.lower()) if isinstance(key, str) else None
        if found is None:
            close = difflib.get_close_matches(str(key).lower(), TABLE_OPTIONS, n=3, cutoff=0.6)
            hint = (
                f"did you mean {' or '.join(map(repr, close))}?"
                if close
                else "known options are " + ", ".join(sorted(TABLE_OPTIONS))
            )
            raise DefinitionError(f"{where}: unknown table option {key!r}; {hint}")
        kind, check = found
        if not check(value):
            raise DefinitionError(f"{where}: {key} must be {kind}, not {value!r}")
    return dict(options)


def build_schema(cls: type, fields: Mapping[str, FieldInfo]) -> TableSchema:
    """Turn a pydantic model's fields into a ``TableSchema``; every error names the field."""
    model = cls.__name__
    settings = read_settings(cls)
    table = check_identifier(settings.get("name") or snake_case(model), "table name", model)
    keyspace = settings.get("keyspace")
    if keyspace is not None:
        check_identifier(keyspace, "keyspace", model)
    options = check_table_options(settings.get("options") or {}, model)
    value = settings.get("discriminator")
    root = _polymorphic_root(cls) if value is not None else None
    if root is not None:
        if "name" in settings:
            raise DefinitionError(
                f"{model}.Settings: a subclass with a discriminator shares the table of "
                f"{root.model_name} ({root.table}); drop Settings.name"
            )
        table = root.table

    columns: list[Column] = []
    for name, info in fields.items():
        where = f"{model}.{name}"
        check_identifier(name, "column name", where)
        bare, markers, optional = split_annotation(info.annotation)
        markers = [*markers, *(m for m in info.metadata if isinstance(m, Marker))]
        db_name = _column_name(name, info, markers, where)
        pk = [m for m in markers if isinstance(m, PrimaryKey)]
        ck = [m for m in markers if isinstance(m, ClusteringKey)]
        idx = [m for m in markers if isinstance(m, Indexed)]
        static = any(isinstance(m, Static) for m in markers)
        if len(idx) > 1:
            raise DefinitionError(
                f"{where}: one Indexed() per field; Cassandra keeps one index per target"
            )
        if len(pk) + len(ck) > 1:
            raise DefinitionError(
                f"{where}: a column is either PrimaryKey() or ClusteringKey(), once; "
                "remove the extra marker"
            )
        ctype = resolve(bare, [m for m in markers if not isinstance(m, (Indexed, Static))], where)
        kind: ColumnKind
        order: Literal["ASC", "DESC"] | None = None
        position = -1
        if pk:
            kind, position = "partition_key", pk[0].partition_key_index
        elif ck:
            kind, position = "clustering", ck[0].index
            upper = ck[0].order.upper()
            if upper not in ("ASC", "DESC"):
                raise DefinitionError(f"{where}: clustering order must be 'ASC' or 'DESC'")
            order = "DESC" if upper == "DESC" else "ASC"
        elif static:
            kind = "static"
        else:
            kind = "regular"
        if kind in ("partition_key", "clustering"):
            if static:
                raise DefinitionError(f"{where}: a key column cannot be Static()")
            if ctype.is_multicell:
                raise DefinitionError(
                    f"{where}: key columns must be frozen; annotate with "
                    f"Annotated[..., Frozen()] or use frozenset/tuple"
                )
            if "duration" in ctype.cql or ctype.counter:
                raise DefinitionError(
                    f"{where}: {ctype.cql} cannot be part of a primary key "
                    "(durations and counters have no order)"
                )
        index = None
        if idx:
            index = _index(idx[0], table, db_name, ctype, where)
        columns.append(
            Column(
                name=name,
                db_name=db_name,
                type=ctype,
                kind=kind,
                position=position,
                order=order,
                index=index,
                optional=optional,
                quoted=quote(db_name),
                default=info.default,
                discriminator=any(isinstance(m, Discriminator) for m in markers),
            )
        )
    taken: dict[str, str] = {}
    for column in columns:
        other = taken.setdefault(column.db_name, column.name)
        if other != column.name:
            raise DefinitionError(
                f"{model}.{column.name}: column {column.db_name!r} is also the column of "
                f"{model}.{other}; give one of them another DbName()"
            )
    schema = TableSchema(
        model_name=model,
        table=table,
        keyspace=keyspace,
        connection=settings.get("connection"),
        columns=tuple(columns),
        options=options,
        discriminator_value=_discriminator_value(model, columns, value),
    )
    _check_keys(schema)
    return schema


def _polymorphic_root(cls: type) -> TableSchema:
    """The table description of the hierarchy's base (the model that declares the
    ``Discriminator()`` column and no discriminator value of its own)."""
    for base in cls.__mro__[1:]:
        schema = base.__dict__.get("__coodie_schema__")
        if (
            schema is not None
            and schema.discriminator is not None
            and schema.discriminator_value is None
        ):
            return schema  # type: ignore[no-any-return]
    raise DefinitionError(
        f"{cls.__name__}.Settings.discriminator: no base model declares a discriminator "
        "column; mark one field of the base with Annotated[str, Discriminator()]"
    )


def _discriminator_value(model: str, columns: list[Column], value: Any) -> Any:
    marked = [c for c in columns if c.discriminator]
    if len(marked) > 1:
        raise DefinitionError(
            f"{model}: one Discriminator() per model; {', '.join(c.name for c in marked)} "
            "are marked"
        )
    if marked and (marked[0].type.collection is not None or marked[0].type.counter):
        raise DefinitionError(
            f"{model}.{marked[0].name}: a discriminator holds a scalar (text or a number), "
            f"not {marked[0].type.cql}"
        )
    if value is None:
        return None
    column = marked[0]
    try:
        checked = column.adapter.validate_python(value)
    except Exception as exc:
        raise DefinitionError(
            f"{model}.Settings.discriminator: {value!r} does not fit {column.name} "
            f"({column.type.cql}): {exc}"
        ) from None
    return checked


def _column_name(name: str, info: FieldInfo, markers: list[Marker], where: str) -> str:
    """The field's column name: its ``DbName`` or the field name itself."""
    if info.alias is not None or info.validation_alias is not None:
        raise DefinitionError(
            f"{where}: Field(alias=...) is not how coodie names a column (pydantic would "
            "then expect the alias as the keyword, and queries would still use the field "
            f"name); name the column with Annotated[..., DbName({info.alias!r})] instead"
        )
    names = [m.name for m in markers if isinstance(m, DbName)]
    if len(names) > 1:
        raise DefinitionError(f"{where}: one DbName() per field")
    if not names:
        return name
    return check_identifier(names[0], "column name (DbName)", where)


def _index(marker: Indexed, table: str, column: str, ctype: ColumnType, where: str) -> Index:
    name = marker.name or f"{table}_{column}_idx"
    check_identifier(name, "index name", where)
    if marker.options and not marker.using:
        raise DefinitionError(
            f"{where}: Indexed(options=...) applies to custom indexes only; add using=... "
            "(e.g. using='sai') or drop the options"
        )
    on = marker.on
    if ctype.is_multicell:
        on = on or "values"
        if on not in ("values", "keys", "entries") or (
            on != "values" and ctype.collection != "map"
        ):
            raise DefinitionError(
                f"{where}: Indexed(on={on!r}) does not fit {ctype.cql}; lists and sets index "
                "'values', maps 'values', 'keys' or 'entries'"
            )
        target = f"{on}({column})"
    elif ctype.collection is not None:  # a frozen collection; tuples index like scalars
        if on not in (None, "full"):
            raise DefinitionError(f"{where}: a frozen collection is indexed whole (on='full')")
        target = f"full({column})"
    else:
        if on is not None:
            raise DefinitionError(f"{where}: Indexed(on=...) applies to collections only")
        target = column
    using = marker.using
    if using is not None and (using.lower() == "sai" or "storageattached" in using.lower()):
        using = "sai"  # one spelling, so that every check recognises SAI the same way
    return Index(
        name=name, target=target, using=using, options=marker.options, managed=marker.managed
    )


def add_cql_checks(fields: Mapping[str, FieldInfo]) -> bool:
    """Make pydantic check what CQL cannot store, for fields without a type marker.

    A bare ``int`` is CQL ``int`` (32-bit) and a ``time`` is naive; without this a larger
    int or an aware time passes validation and fails only when written (or loses its
    offset).  A ``datetime`` is stored as aware UTC milliseconds; pydantic makes it so,
    so that the document holds what a read returns.  Such a field gets the marker that
    checks or normalizes it (``Int()``, ``Time()``, ``Timestamp()``; see
    ``coodie.fields``); other annotations get it on the types inside (``int | None``,
    ``dict[str, int]``).  The ``FieldInfo`` objects are changed in place; returns
    whether any was, i.e. whether the model's validator must be (re)built from them.
    """
    changed = False
    for info in fields.values():
        changed |= _add_checks(info)
        if _normalizes(info):
            changed |= _normalize_default(info)
    return changed


def _normalizing(factory: Any, *, takes_data: bool) -> Any:
    """``factory`` whose values have their timestamps normalized (same signature: pydantic
    passes the validated data to a factory that takes an argument)."""
    if takes_data:

        def with_data(data: Any) -> Any:
            return normalize_timestamps(factory(data))

        made: Any = with_data
    else:

        def plain() -> Any:
            return normalize_timestamps(factory())

        made = plain
    made.__coodie_normalizes__ = True
    return made


def _normalize_default(info: FieldInfo) -> bool:
    """A timestamp default (``= datetime(...)``, ``default_factory=datetime.now``, or
    timestamps inside a collection) is normalized as a given value would be.  Pydantic
    does not validate defaults (nor is it asked to: that would run the field's
    validators on them, and refuse a ``= None`` of a non-Optional field)."""
    factory: Any = info.default_factory
    if factory is not None:
        if getattr(factory, "__coodie_normalizes__", False):
            return False  # wrapped already (an earlier build, or a parent's field)
        info.default_factory = _normalizing(
            factory, takes_data=getattr(info, "default_factory_takes_data", False)
        )
        return True
    default = info.default
    if default is PydanticUndefined or default is None:
        return False
    normalized = normalize_timestamps(default)
    if normalized is default:
        return False
    info.default = normalized
    return True


def _add_checks(info: FieldInfo) -> bool:
    if any(isinstance(m, CqlType) for m in info.metadata):
        return False  # the marker checks the field itself
    annotation = info.annotation
    marker = checked_marker(annotation)
    if marker is not None:
        info.metadata.append(marker)
        return True
    checked = with_cql_checks(annotation)
    if checked is annotation:
        return False
    info.annotation = checked
    return True


def _normalizes(info: FieldInfo) -> bool:
    """Does validation change the field's value (a timestamp at any depth)?"""
    if any(isinstance(m, TimestampType) for m in info.metadata):
        return True
    return holds_marker(info.annotation, TimestampType)


def model_core_schema(
    cls: type[BaseModel], source: Any, handler: GetCoreSchemaHandler
) -> CoreSchema:
    """``DocumentBase.__get_pydantic_core_schema__``.

    Pydantic calls it when it builds the model's validator (at class creation and on
    ``model_rebuild()``), after collecting the fields: the fields get their CQL checks
    (``add_cql_checks``), then pydantic builds its schema as usual, at no extra cost.
    """
    add_cql_checks(cls.__pydantic_fields__)
    return handler(source)


def _check_keys(schema: TableSchema) -> None:
    model = schema.model_name
    if not schema.partition_key:
        raise DefinitionError(
            f"{model} has no primary key; mark the partition key with "
            "Annotated[T, PrimaryKey()] (e.g. id: Annotated[UUID, PrimaryKey()])"
        )
    for kind, cols, what in (
        ("partition_key", schema.partition_key, "PrimaryKey(partition_key_index=...)"),
        ("clustering", schema.clustering, "ClusteringKey(index=...)"),
    ):
        positions = [c.position for c in cols]
        if len(set(positions)) != len(positions):
            dupes = sorted({p for p in positions if positions.count(p) > 1})
            names = [c.name for c in cols if c.position in dupes]
            raise DefinitionError(
                f"{model}: {', '.join(names)} share the same {kind.replace('_', ' ')} "
                f"position; give each a distinct {what}"
            )
    statics = [c.name for c in schema.columns if c.kind == "static"]
    if statics and not schema.clustering:
        raise DefinitionError(
            f"{model}: static column(s) {', '.join(statics)} need a table with clustering "
            "columns; add a ClusteringKey() or drop Static()"
        )
    if schema.is_counter_table:
        others = [c.name for c in schema.data_columns if not c.type.counter]
        if others:
            raise DefinitionError(
                f"{model}: a table with counter columns may only have counters besides its "
                f"keys; move {', '.join(others)} to another model"
            )


__all__ = [
    "TABLE_OPTIONS",
    "Column",
    "Index",
    "TableSchema",
    "add_cql_checks",
    "build_schema",
    "check_table_options",
    "model_core_schema",
    "quote",
    "snake_case",
]
