"""What ``coodie.sync.Document`` and ``coodie.aio.Document`` share: the pydantic base,
the table description built at class creation, hydration, and every write operation
(as generators driven by ``execution.run`` or ``execution.arun``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypedDict, TypeVar

from cassandra.query import UNSET_VALUE
from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator
from pydantic import ValidationError as PydanticValidationError

from . import cql
from .connection import Connection, get_connection
from .exceptions import (
    ConfigurationError,
    DocumentNotFound,
    InvalidQuery,
    LWTFailed,
    ValidationError,
)
from .execution import Operation, Request
from .hydration import LOADED as _LOADED
from .hydration import Hydrator
from .schema import Column, TableSchema, build_schema, read_settings

if TYPE_CHECKING:
    from .batch import BatchBase

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

    # (columns, row): what was read from or written to the table, in driver form.
    _coodie_loaded: Any = PrivateAttr(default=None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__coodie_hydrators__ = {}
        cls.__coodie_schema__ = None
        # A model whose annotations pydantic cannot resolve yet (forward references)
        # gets its schema on first use, after model_rebuild(); see _schema().
        if not read_settings(cls).get("abstract") and cls.__pydantic_complete__:
            cls.__coodie_schema__ = build_schema(cls, cls.model_fields)

    @model_validator(mode="after")
    def _coodie_normalize(self) -> Any:
        cls = type(self)
        schema = cls.__dict__.get("__coodie_schema__")
        if schema is None and cls.__pydantic_complete__ and not read_settings(cls).get("abstract"):
            schema = cls._schema()  # a model completed after its definition (forward refs)
        if schema is not None:
            values = self.__dict__
            for name, normalize in schema.normalized:
                value = values.get(name)
                if value is not None:
                    values[name] = normalize(value)
        return self

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def _schema(cls) -> TableSchema:
        schema = cls.__dict__.get("__coodie_schema__")
        if schema is not None:
            return schema  # type: ignore[no-any-return]
        if read_settings(cls).get("abstract"):
            raise ConfigurationError(
                f"{cls.__name__} is abstract (Settings.abstract = True) and has no table; "
                "use one of its concrete subclasses"
            )
        try:
            cls.model_rebuild()
        except Exception as exc:
            raise ConfigurationError(
                f"{cls.__name__} has annotations that cannot be resolved ({exc}); define or "
                f"import the types they name, then call {cls.__name__}.model_rebuild()"
            ) from exc
        cls.__coodie_schema__ = build_schema(cls, cls.model_fields)
        return cls.__coodie_schema__

    @classmethod
    def _target(cls) -> tuple[TableSchema, Connection, str]:
        """The schema, the connection it lives on and the quoted table reference."""
        schema = cls._schema()
        conn = get_connection(schema.connection)
        keyspace = schema.keyspace or conn.keyspace
        if keyspace is None:
            raise ConfigurationError(
                f"{cls.__name__} has no keyspace: set Settings.keyspace on the model or pass "
                "keyspace=... to init_coodie()"
            )
        return schema, conn, cql.table_ref(keyspace, schema.table)

    @classmethod
    def _hydrator(cls: type[D], columns: tuple[Column, ...]) -> Hydrator:
        # The full-row plan (the common case) is found without building a key.
        key = None if columns is cls._schema().columns else tuple(c.name for c in columns)
        found = cls.__coodie_hydrators__.get(key)
        if found is None:
            found = cls.__coodie_hydrators__[key] = Hydrator(cls, columns)
        return found

    @property
    def is_loaded(self) -> bool:
        """True once the document was read or saved (or its key written by ``update()``)."""
        return self.__pydantic_private__[_LOADED] is not None  # type: ignore[index]


# -- values --------------------------------------------------------------------------------


def to_db(schema: TableSchema, column: Column, value: Any) -> Any:
    """Model value -> driver value; errors name the model and field."""
    if value is None:
        return None
    ctype = column.type
    convert = ctype.to_db
    if convert is None:
        return value
    try:
        return convert(value)
    except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        raise ValidationError(
            f"{schema.model_name}.{column.name}: cannot store {value!r} as {ctype.cql}: {exc}"
        ) from exc


def from_db(column: Column, value: Any) -> Any:
    if value is None:
        return column.null_value()
    convert = column.type.from_db
    return value if convert is None else convert(value)


def validate_value(schema: TableSchema, column: Column, value: Any, *, what: str) -> Any:
    """Validate user input for one column with pydantic; raise coodie's ValidationError."""
    if value is None:
        return None
    if type(value) is column.type.python:  # already the right type: nothing to coerce
        normalize = column.type.normalize
        return value if normalize is None else normalize(value)
    try:
        value = column.adapter.validate_python(value)
    except PydanticValidationError as exc:
        detail = "; ".join(e["msg"] for e in exc.errors())
        raise ValidationError(
            f"{schema.model_name}.{column.name}: invalid {what} {value!r} "
            f"(expected {column.type.cql}): {detail}",
            exc.errors(),
        ) from None
    normalize = column.type.normalize
    return value if normalize is None else normalize(value)


def validate_field(model: type[DocumentBase], column: Column, value: Any) -> Any:
    """Validate ``value`` as an assignment to the model's field: type, constraints
    (``Field(max_length=...)``) and field validators, as ``doc.field = value`` would."""
    probe = model.__new__(model)
    setattr_ = object.__setattr__
    setattr_(probe, "__dict__", {})
    setattr_(probe, "__pydantic_fields_set__", set())
    setattr_(probe, "__pydantic_extra__", None)
    setattr_(probe, "__pydantic_private__", None)
    try:
        model.__pydantic_validator__.validate_assignment(probe, column.name, value)
    except PydanticValidationError as exc:
        detail = "; ".join(e["msg"] for e in exc.errors())
        raise ValidationError(
            f"{model.__name__}.{column.name}: invalid value {value!r} "
            f"(expected {column.type.cql}): {detail}",
            exc.errors(),
        ) from None
    return probe.__dict__[column.name]


def unknown_field(schema: TableSchema, name: str, what: str = "field") -> str:
    close = difflib.get_close_matches(name, list(schema.by_name), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{schema.model_name} has no {what} {name!r}{hint} (fields: {', '.join(schema.by_name)})"


def pk_values(doc: DocumentBase, schema: TableSchema) -> list[Any]:
    values = doc.__dict__
    out = []
    for column in schema.primary_key:
        value = values.get(column.name)
        if value is None:
            raise InvalidQuery(
                f"{schema.model_name}.{column.name} is part of the primary key and is None; "
                "set it before writing"
            )
        out.append(to_db(schema, column, value))
    return out


def _options(ttl: int | None, timestamp: int | datetime | None) -> list[Any]:
    params: list[Any] = []
    if ttl is not None:
        if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0:
            raise InvalidQuery(f"ttl must be a non-negative number of seconds, not {ttl!r}")
        params.append(ttl)
    if timestamp is not None:
        params.append(write_timestamp(timestamp))
    return params


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def write_timestamp(value: int | datetime) -> int:
    """USING TIMESTAMP takes microseconds since the epoch; datetimes are converted."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        return (aware - _EPOCH) // timedelta(microseconds=1)  # exact, unlike float seconds
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidQuery(
        f"timestamp must be microseconds since the epoch or a datetime, not {value!r}"
    )


def _record(doc: DocumentBase, schema: TableSchema, written: Mapping[str, Any]) -> None:
    """Remember what the table holds after a write: the row the document was loaded
    with (if any) with the ``written`` columns (driver values) replaced."""
    loaded = doc.__pydantic_private__[_LOADED]  # type: ignore[index]
    held = dict(zip([c.name for c in loaded[0]], loaded[1], strict=True)) if loaded else {}
    held.update(written)
    if len(held) == len(schema.columns):
        columns = schema.columns
    else:
        columns = tuple(c for c in schema.columns if c.name in held)
    doc.__pydantic_private__[_LOADED] = (columns, tuple(held[c.name] for c in columns))  # type: ignore[index]


def _dispatch(
    conn: Connection,
    request: Request,
    batch: BatchBase | None,
    done: Callable[[], None],
    *,
    counter: bool = False,
) -> Operation[Any]:
    """Send the write now, or queue it in ``batch``; ``done`` records it once it was sent."""
    if batch is not None:
        if request.consistency is not None or request.timeout is not None:
            raise InvalidQuery(
                "consistency and timeout apply to the whole batch; pass them to "
                "BatchQuery(consistency=..., timeout=...) instead of the write"
            )
        batch.add(conn, request, done, counter=counter)
        return None
    result = yield conn, request
    done()
    return result


# -- write operations ----------------------------------------------------------------------


class WriteOptions(TypedDict, total=False):
    """Options of ``save()``; ``update()`` takes the same plus ``if_exists``."""

    ttl: int | None
    timestamp: int | datetime | None
    consistency: Any
    timeout: float | None
    batch: BatchBase | None


class DeleteOptions(TypedDict, total=False):
    timestamp: int | datetime | None
    consistency: Any
    timeout: float | None
    batch: BatchBase | None
    if_exists: bool


class InsertOptions(TypedDict, total=False):
    ttl: int | None
    consistency: Any
    serial_consistency: Any
    timeout: float | None


# Keyword arguments of update() that are options, not fields (see docs/crud.md for
# fields with these names: pass them in the positional dict).
UPDATE_OPTIONS = frozenset({*WriteOptions.__annotations__, "if_exists"})


def save_op(
    doc: D,
    *,
    ttl: int | None = None,
    timestamp: int | datetime | None = None,
    consistency: Any = None,
    timeout: float | None = None,
    batch: BatchBase | None = None,
) -> Operation[D]:
    schema, conn, ref = type(doc)._target()
    if schema.is_counter_table:
        raise InvalidQuery(
            f"{schema.model_name} is a counter table: change counters with "
            "update(col__incr=n) or find(...).update(col__incr=n); save() cannot write them"
        )
    loaded = doc.__pydantic_private__[_LOADED]  # type: ignore[index]
    values = doc.__dict__
    options = _options(ttl, timestamp)
    if loaded is not None and _same_key(loaded, doc):
        keys = pk_values(doc, schema)
        columns, row = loaded
        loaded_names = {c.name for c in columns}
        changed = [
            c
            for i, c in enumerate(columns)
            if not c.is_key and _differs(c, values.get(c.name), row[i])
        ]
        changed += [
            c
            for c in schema.data_columns
            if c.name not in loaded_names and c.name in doc.__pydantic_fields_set__
        ]
        if not changed:
            return doc
        text = cql.update(
            ref,
            tuple(cql.Assignment(c) for c in changed),
            schema.key_clauses,
            ttl=ttl is not None,
            timestamp=timestamp is not None,
        )
        written = {c.name: to_db(schema, c, values[c.name]) for c in changed}
        params = [*options, *written.values(), *keys]
        request = Request(text, params, consistency=consistency, timeout=timeout)
        yield from _dispatch(conn, request, batch, lambda: _record(doc, schema, written))
        return doc
    text, params, row = _insert_statement(doc, schema, ref, ttl, timestamp, options, lwt=False)
    request = Request(text, params, consistency=consistency, timeout=timeout)
    yield from _dispatch(conn, request, batch, lambda: _loaded(doc, schema.columns, row))
    return doc


def _loaded(doc: DocumentBase, columns: tuple[Column, ...], row: tuple[Any, ...]) -> None:
    doc.__pydantic_private__[_LOADED] = (columns, row)  # type: ignore[index]


def _differs(column: Column, value: Any, stored: Any) -> bool:
    if column.type.is_multicell:  # Cassandra stores an empty collection as null
        return (value or None) != (from_db(column, stored) or None)
    return value != from_db(column, stored)  # type: ignore[no-any-return]


def _same_key(loaded: tuple[tuple[Column, ...], Sequence[Any]], doc: DocumentBase) -> bool:
    """Is the document still the row it was loaded as?  (Compared as model values.)"""
    columns, row = loaded
    values = doc.__dict__
    found = 0
    for column, value in zip(columns, row, strict=True):
        if column.is_key:
            if from_db(column, value) != values.get(column.name):
                return False
            found += 1
    return found == len(type(doc)._schema().primary_key)


def _insert_statement(
    doc: DocumentBase,
    schema: TableSchema,
    ref: str,
    ttl: int | None,
    timestamp: int | datetime | None,
    options: list[Any],
    *,
    lwt: bool,
) -> tuple[str, list[Any], tuple[Any, ...]]:
    """INSERT text, its bound values, and the row the table will hold (for change tracking)."""
    values = doc.__dict__
    try:
        params = schema.insert_binder(values)
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        for column in schema.columns:  # find and name the field that failed
            to_db(schema, column, values.get(column.name))
        raise
    for i in schema.key_positions:
        if params[i] is UNSET_VALUE:
            pk_values(doc, schema)  # raises, naming the key column
    row = tuple([None if p is UNSET_VALUE else p for p in params])
    text = cql.insert(
        ref,
        schema.quoted_columns,
        ttl=ttl is not None,
        timestamp=timestamp is not None,
        if_not_exists=lwt,
    )
    params.extend(options)
    return text, params, row


@dataclass(frozen=True, slots=True)
class InsertResult(Generic[D]):
    """What ``insert()`` (INSERT ... IF NOT EXISTS) did: ``applied``, else the row in the way."""

    applied: bool
    existing: D | None = None

    def __bool__(self) -> bool:
        return self.applied


def insert_op(
    doc: D,
    *,
    ttl: int | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
    timeout: float | None = None,
) -> Operation[InsertResult[D]]:
    schema, conn, ref = type(doc)._target()
    if schema.is_counter_table:
        raise InvalidQuery(
            f"{schema.model_name} is a counter table: counters cannot be inserted; use "
            "update(col__incr=n)"
        )
    options = _options(ttl, None)
    text, params, row = _insert_statement(doc, schema, ref, ttl, None, options, lwt=True)
    result = yield (
        conn,
        Request(
            text,
            params,
            consistency=consistency,
            serial_consistency=serial_consistency,
            timeout=timeout,
        ),
    )
    applied, existing = lwt_outcome(type(doc), result)
    if applied:
        _loaded(doc, schema.columns, row)
    return InsertResult(applied, existing)


def lwt_outcome(cls: type[D], result: Any) -> tuple[bool, D | None]:
    """Read ``[applied]`` and, when it was not, the existing row Cassandra sent back."""
    rows = result.current_rows
    if not rows:
        return True, None
    row = rows[0]
    if row[0]:
        return True, None
    names = list(result.column_names)[1:]
    schema = cls._schema()
    columns = tuple(schema.by_name[n] for n in names if n in schema.by_name)
    if not columns:
        return False, None
    position = {n: i + 1 for i, n in enumerate(names)}
    values = tuple(row[position[c.name]] for c in columns)
    return False, cls._hydrator(columns)(values)


def update_op(doc: D, values: Mapping[str, Any] | None, fields: dict[str, Any]) -> Operation[D]:
    """``doc.update({...}, **fields)``: option keywords are split from the fields here.

    The document changes only once the write was applied (for a batch: when the batch
    ran).  Plain sets become the document's values; a collection or counter change is
    applied to a value the document loaded, and otherwise leaves that field unloaded
    (its whole value is not known), so that a later ``save()`` never overwrites it.
    """
    from .query import parse_assignments

    options = {k: fields.pop(k) for k in UPDATE_OPTIONS & fields.keys()}
    values = {**(values or {}), **fields}
    ttl = options.get("ttl")
    timestamp = options.get("timestamp")
    consistency = options.get("consistency")
    timeout = options.get("timeout")
    batch = options.get("batch")
    if_exists = bool(options.get("if_exists"))
    cls = type(doc)
    schema, conn, ref = cls._target()
    if not values:
        raise InvalidQuery(f"{schema.model_name}.update() needs at least one field=value")
    assignments, params = parse_assignments(schema, values, allow_keys=False, model=cls)
    check_counter_options(schema, assignments, ttl, timestamp)
    keys = pk_values(doc, schema)
    if if_exists and (timestamp is not None or batch is not None):
        raise InvalidQuery("if_exists=True is a lightweight transaction: no timestamp or batch")
    text = cql.update(
        ref,
        tuple(a for a, _ in assignments),
        schema.key_clauses,
        ttl=ttl is not None,
        timestamp=timestamp is not None,
        if_exists=if_exists,
    )
    request = Request(
        text, [*_options(ttl, timestamp), *params, *keys], consistency=consistency, timeout=timeout
    )
    if not if_exists:
        yield from _dispatch(
            conn,
            request,
            batch,
            lambda: _apply_update(doc, schema, assignments),
            counter=any(a.column.type.counter for a, _ in assignments),
        )
        return doc
    result = yield conn, request
    if not lwt_outcome(cls, result)[0]:
        raise LWTFailed(
            f"{schema.model_name}.update(if_exists=True) was not applied: the row does not exist"
        )
    _apply_update(doc, schema, assignments)
    return doc


def _apply_update(doc: DocumentBase, schema: TableSchema, assignments: Any) -> None:
    """After an update was applied: show it in the document and record what the table
    now holds for the columns whose whole value is known."""
    values = doc.__dict__
    loaded = doc.__pydantic_private__[_LOADED]  # type: ignore[index]
    known = {c.name for c in loaded[0]} if loaded else set()
    written: dict[str, Any] = {}
    for assignment, value in assignments:
        column = assignment.column
        name = column.name
        if assignment.op == "set":
            values[name] = column.null_value() if value is None else value
        elif name in known:
            values[name] = _changed(assignment.op, values.get(name), value)
        else:  # only the change is known, not the result: leave the field unloaded
            values[name] = None
            doc.__pydantic_fields_set__.discard(name)
            continue
        doc.__pydantic_fields_set__.add(name)
        written[name] = to_db(schema, column, values[name])
    if loaded is None:  # a new document now knows its key (and what it set)
        written.update((c.name, to_db(schema, c, values[c.name])) for c in schema.primary_key)
    _record(doc, schema, written)


def _changed(op: str, current: Any, value: Any) -> Any:
    """The value after a collection or counter change."""
    if op == "append":
        return [*(current or []), *value]
    if op == "prepend":
        return [*value, *(current or [])]
    if op == "add":
        if isinstance(value, dict):
            return {**(current or {}), **value}
        return set(current or ()) | set(value)
    if op == "remove":
        if isinstance(current, dict):
            return {k: v for k, v in current.items() if k not in value}
        if isinstance(current, list):
            return [v for v in current if v not in value]
        return set(current or ()) - set(value)
    if op == "incr":
        return (current or 0) + value
    return (current or 0) - value  # decr


def check_counter_options(schema: TableSchema, assignments: Any, ttl: Any, timestamp: Any) -> None:
    if (ttl is not None or timestamp is not None) and any(
        a.column.type.counter for a, _ in assignments
    ):
        raise InvalidQuery(
            f"{schema.model_name}: counter updates take no ttl or timestamp (Cassandra "
            "manages counter cells itself)"
        )


def delete_op(
    doc: D,
    *,
    timestamp: int | datetime | None = None,
    consistency: Any = None,
    timeout: float | None = None,
    batch: BatchBase | None = None,
    if_exists: bool = False,
) -> Operation[None]:
    schema, conn, ref = type(doc)._target()
    if if_exists and (timestamp is not None or batch is not None):
        raise InvalidQuery("if_exists=True is a lightweight transaction: no timestamp or batch")
    text = cql.delete(
        ref,
        schema.key_clauses,
        timestamp=timestamp is not None,
        if_exists=if_exists,
    )
    params = [*_options(None, timestamp), *pk_values(doc, schema)]
    request = Request(text, params, consistency=consistency, timeout=timeout)
    result = yield from _dispatch(conn, request, batch, lambda: _forget(doc))
    if if_exists and not lwt_outcome(type(doc), result)[0]:
        raise LWTFailed(
            f"{schema.model_name}.delete(if_exists=True) was not applied: the row does not exist"
        )


def _forget(doc: DocumentBase) -> None:
    doc.__pydantic_private__[_LOADED] = None  # type: ignore[index]


def get_op(
    cls: type[D], keys: Mapping[str, Any], *, consistency: Any = None, timeout: float | None = None
) -> Operation[D]:
    """Fetch one document by its full primary key."""
    schema, conn, ref = cls._target()
    params = []
    for column in schema.primary_key:
        value = keys[column.name]
        if value is None:
            raise InvalidQuery(
                f"{schema.model_name}.get(): primary key column {column.name} is None; "
                "pass its value"
            )
        params.append(to_db(schema, column, validate_value(schema, column, value, what="key")))
    text = cql.select(ref, schema.quoted_columns, schema.key_clauses)
    result = yield conn, Request(text, params, consistency=consistency, timeout=timeout)
    rows = result.current_rows
    if not rows:
        shown = ", ".join(f"{k}={keys[k]!r}" for k in (c.name for c in schema.primary_key))
        raise DocumentNotFound(f"{schema.model_name} with {shown} not found")
    return cls._hydrator(schema.columns)(rows[0])  # type: ignore[no-any-return]


def is_full_key(schema: TableSchema, filters: Mapping[str, Any]) -> bool:
    return filters.keys() == schema.key_names


__all__ = [
    "DocumentBase",
    "Hydrator",
    "InsertResult",
    "delete_op",
    "get_op",
    "insert_op",
    "save_op",
    "update_op",
]
