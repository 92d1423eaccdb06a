"""Write operations on documents, and ``get`` by primary key.

Each is a generator that yields requests (``coodie.execution``) and never waits, so
that ``coodie.sync``, ``coodie.aio`` and the cqlengine shim all run the same code.
A document changes only once its write was applied (for a batch: once the batch
ran), so that a failed write leaves it as it was.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, Generic, TypedDict, TypeVar

from cassandra.query import UNSET_VALUE

from . import cql
from .batch import BatchBase, lwt_row
from .clauses import Condition, parse_assignments, parse_conditions
from .connection import Connection
from .document import (
    DocumentBase,
    hydrator,
    loaded_row,
    rows_to_documents,
    set_loaded_row,
    table_of,
    table_schema,
    target,
)
from .exceptions import DocumentNotFound, InvalidQuery, LWTFailed
from .execution import Operation, Request, consistency_level
from .operators import options_of
from .schema import Column, TableSchema
from .values import from_db, key_values, to_db, using_params, validate_value

D = TypeVar("D", bound=DocumentBase)


def record(doc: DocumentBase, schema: TableSchema, written: Mapping[str, Any]) -> None:
    """Remember what the table holds after a write: the row the document was loaded
    with (if any) with the ``written`` columns (driver values) replaced."""
    loaded = loaded_row(doc)
    if loaded is not None and loaded[0] is schema.columns:  # the whole row: by position
        row = list(loaded[1])
        position = schema.positions
        for name, value in written.items():
            row[position[name]] = value
        set_loaded_row(doc, (schema.columns, tuple(row)))
        return
    held = dict(zip([c.name for c in loaded[0]], loaded[1], strict=True)) if loaded else {}
    held.update(written)
    if len(held) == len(schema.columns):
        columns = schema.columns
    else:
        columns = tuple(c for c in schema.columns if c.name in held)
    set_loaded_row(doc, (columns, tuple(held[c.name] for c in columns)))


def check_batch(batch: Any) -> None:
    if batch is not None and not isinstance(batch, BatchBase):
        raise InvalidQuery(f"batch= takes a BatchQuery, not {batch!r}")


def enqueue(
    conn: Connection,
    request: Request,
    batch: BatchBase,
    done: Callable[[], None],
    *,
    counter: bool = False,
    doc: DocumentBase | None = None,
    after_others: bool = False,
    conditional: bool = False,
) -> None:
    """Queue a write in ``batch``; ``done`` records it once the batch ran.  (A write
    outside a batch is yielded by its operation, and recorded right after.)

    A ``conditional`` write queued in a batch makes it a conditional batch: the batch
    applies all or nothing, and raises ``LWTFailed`` when its conditions did not hold.

    ``doc`` is the document written; ``after_others`` refuses it when the batch already
    holds a write of it (a ``save()`` computes its change from the row as last read or
    written, which a queued write has not changed yet).
    """
    check_batch(batch)
    if request.consistency is not None or request.timeout is not None:
        raise InvalidQuery(
            "consistency and timeout apply to the whole batch; pass them to "
            "BatchQuery(consistency=..., timeout=...) instead of the write"
        )
    if after_others and doc is not None and batch.holds(doc):
        raise InvalidQuery(
            f"{type(doc).__name__}: this document already has a write in this batch; "
            "save() computes its change from the row as last written, and the queued "
            "write has not happened yet: make all changes, then save once per batch"
        )
    batch.add(conn, request, done, counter=counter, doc=doc, conditional=conditional)


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
    serial_consistency: Any
    timeout: float | None
    batch: BatchBase | None
    if_exists: bool
    if_conditions: Mapping[str, Any] | None


class InsertOptions(TypedDict, total=False):
    ttl: int | None
    consistency: Any
    serial_consistency: Any
    timeout: float | None
    batch: BatchBase | None


# Keyword arguments of update() that are options, not fields (see docs/crud.md for
# fields with these names: pass them in the positional dict).
UPDATE_OPTIONS = options_of("update")


def save_op(
    doc: D,
    *,
    ttl: int | None = None,
    timestamp: int | datetime | None = None,
    consistency: Any = None,
    timeout: float | None = None,
    batch: BatchBase | None = None,
) -> Operation[D]:
    schema, conn, ref = target(type(doc))
    if schema.is_counter_table:
        raise InvalidQuery(
            f"{schema.model_name} is a counter table: change counters with "
            "update(col__incr=n) or find(...).update(col__incr=n); save() cannot write them"
        )
    loaded = loaded_row(doc)
    values = doc.__dict__
    options = [] if ttl is None and timestamp is None else using_params(ttl, timestamp)
    if consistency is not None:
        consistency_level(consistency)  # checked even when nothing is sent
    if batch is not None:
        check_batch(batch)
    for name, normalize in schema.normalized_collections:
        value = values.get(name)
        if value is not None:
            values[name] = normalize(value)
    if loaded is not None and _same_key(loaded, doc):
        keys = key_values(schema, doc.__dict__)
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
        stored = dict(zip([c.name for c in columns], row, strict=True))
        assignments: list[cql.Assignment] = []
        set_params: list[Any] = []
        written: dict[str, Any] = {}
        for column in changed:
            value = values[column.name]
            written[column.name] = to_db(schema, column, value)
            delta = None
            if column.type.is_multicell and stored.get(column.name, UNSET_VALUE) is not UNSET_VALUE:
                delta = collection_delta(column, from_db(column, stored[column.name]), value)
            if delta is None:  # replaced whole (or not loaded: nothing to compare with)
                assignments.append(cql.Assignment(column))
                set_params.append(written[column.name])
                continue
            for op, part in delta:
                assignments.append(cql.Assignment(column, op))
                set_params.append(_delta_param(schema, column, op, part))
        where, keys = _row_clauses(schema, doc, changed)
        text = cql.update(
            ref,
            tuple(assignments),
            where,
            ttl=ttl is not None,
            timestamp=timestamp is not None,
        )
        params = [*options, *set_params, *keys]
        request = Request(text, params, consistency, timeout)
        if batch is not None:
            done = lambda: record(doc, schema, written)  # noqa: E731
            enqueue(conn, request, batch, done, doc=doc, after_others=True)
            return doc
        yield conn, request
        record(doc, schema, written)
        return doc
    text, params, row = _insert_statement(doc, schema, ref, ttl, timestamp, options, lwt=False)
    request = Request(text, params, consistency, timeout)
    if batch is not None:
        written_row = lambda: set_loaded_row(doc, (schema.columns, row))  # noqa: E731
        enqueue(conn, request, batch, written_row, doc=doc, after_others=True)
        return doc
    yield conn, request
    set_loaded_row(doc, (schema.columns, row))
    return doc


def _row_clauses(
    schema: TableSchema, doc: DocumentBase, columns: Sequence[Column]
) -> tuple[tuple[str, ...], list[Any]]:
    """WHERE clauses and values for a write of ``columns``: the partition key alone when
    they are all static (Cassandra refuses clustering restrictions then), else the row."""
    if schema.has_static and schema.clustering and all(c.kind == "static" for c in columns):
        n = len(schema.partition_key)  # the clustering key may be unset then
        return schema.key_clauses[:n], key_values(schema, doc.__dict__, partition_only=True)
    return schema.key_clauses, key_values(schema, doc.__dict__)


_INEXACT = frozenset({float, decimal.Decimal})


def collection_delta(column: Column, old: Any, new: Any) -> list[tuple[str, Any]] | None:
    """The change from ``old`` to ``new`` (model values of a non-frozen collection) as
    additions and removals (``[("add", {...}), ("remove", {...})]``), so that another
    writer's concurrent changes to other items survive; ``None`` when the new value
    must replace the old one whole (it is empty, or a list was reordered)."""
    if not new:
        return None
    kind = column.type.collection
    try:
        delta = _delta(kind, old, new)
    except TypeError:  # unhashable items (e.g. frozen maps in a list): replace whole
        return None
    if delta and any(op == "remove" for op, _ in delta):
        # 0.0 == -0.0 and Decimal("1.0") == Decimal("1.00") in Python, not to Cassandra:
        # a removal computed with == could leave a twin on disk; write such values whole.
        items = old.keys() if kind == "map" else old
        if any(type(v) in _INEXACT for v in items):
            return None
    return delta


def _delta(kind: Any, old: Any, new: Any) -> list[tuple[str, Any]] | None:
    if kind == "set":
        added, removed = set(new) - set(old), set(old) - set(new)
        return [("add", added)] * bool(added) + [("remove", removed)] * bool(removed)
    if kind == "map":
        changed = {k: v for k, v in new.items() if k not in old or old[k] != v}
        gone = old.keys() - new.keys()
        return [("add", changed)] * bool(changed) + [("remove", gone)] * bool(gone)
    n = len(old)
    if list(new[:n]) == list(old):
        return [("append", list(new[n:]))]
    if n < len(new) and list(new[-n:]) == list(old):
        return [("prepend", list(new[: len(new) - n]))]
    dropped = set(old) - set(new)
    if dropped and [v for v in old if v not in dropped] == list(new):
        return [("remove", list(dropped))]
    return None


def _delta_param(schema: TableSchema, column: Column, op: str, part: Any) -> Any:
    if op == "remove" and column.type.key is not None:  # a map: the keys to remove
        key = dataclasses.replace(column, type=column.type.key)
        return {to_db(schema, key, k) for k in part}
    return to_db(schema, column, part)


def _differs(column: Column, value: Any, stored: Any) -> bool:
    if stored is UNSET_VALUE:  # written as nothing: changed once it holds something
        return value is not None and (not column.type.is_multicell or bool(value))
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
    return found == len(table_schema(type(doc)).primary_key)


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
            key_values(schema, doc.__dict__)  # raises, naming the key column
    # Unset columns keep what the table held before (an INSERT is an upsert): they are
    # recorded as UNSET, "not observed", so that no later change is sent as a
    # difference from a value that was never seen.
    row = tuple(params)
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
    row: dict[str, Any] | None = None  # Cassandra's answer when not applied, by column name

    def __bool__(self) -> bool:
        return self.applied


def insert_op(
    doc: D,
    *,
    ttl: int | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
    timeout: float | None = None,
    batch: BatchBase | None = None,
) -> Operation[InsertResult[D]]:
    """INSERT ... IF NOT EXISTS.  Queued in a ``batch``, its outcome is the batch's: the
    result reads ``applied`` and the batch raises ``LWTFailed`` if it was not."""
    schema, conn, ref = target(type(doc))
    if schema.is_counter_table:
        raise InvalidQuery(
            f"{schema.model_name} is a counter table: counters cannot be inserted; use "
            "update(col__incr=n)"
        )
    options = using_params(ttl, None)
    text, params, row = _insert_statement(doc, schema, ref, ttl, None, options, lwt=True)
    request = Request(
        text,
        params,
        consistency=consistency,
        serial_consistency=serial_consistency,
        timeout=timeout,
    )
    if batch is not None:
        written_row = lambda: set_loaded_row(doc, (schema.columns, row))  # noqa: E731
        enqueue(conn, request, batch, written_row, doc=doc, after_others=True, conditional=True)
        return InsertResult(True)
    result = yield conn, request
    applied, existing = lwt_outcome(type(doc), result)
    if applied:
        set_loaded_row(doc, (schema.columns, row))
        return InsertResult(True)
    return InsertResult(False, existing, lwt_row(result))


def lwt_outcome(cls: type[D], result: Any) -> tuple[bool, D | None]:
    """Read ``[applied]`` and, when it was not, the existing row Cassandra sent back."""
    rows = result.current_rows
    if not rows:
        return True, None
    row = rows[0]
    if row[0]:
        return True, None
    names = list(result.column_names)[1:]
    schema = table_schema(cls)
    columns = tuple(schema.by_db_name[n] for n in names if n in schema.by_db_name)
    if not columns:
        return False, None
    position = {n: i + 1 for i, n in enumerate(names)}
    values = tuple(row[position[c.db_name]] for c in columns)
    return False, hydrator(cls, columns)(values)


def update_op(doc: D, values: Mapping[str, Any] | None, fields: dict[str, Any]) -> Operation[D]:
    """``doc.update({...}, **fields)``: option keywords are split from the fields here.

    The document changes only once the write was applied (for a batch: when the batch
    ran).  Plain sets become the document's values; a collection or counter change is
    applied to a value the document loaded, and otherwise leaves that field unloaded
    (its whole value is not known), so that a later ``save()`` never overwrites it.
    """
    options: dict[str, Any] = {}
    if not UPDATE_OPTIONS.isdisjoint(fields):
        options = {k: fields.pop(k) for k in UPDATE_OPTIONS & fields.keys()}
    values = fields if values is None else {**values, **fields}
    ttl = options.get("ttl")
    timestamp = options.get("timestamp")
    consistency = options.get("consistency")
    timeout = options.get("timeout")
    batch = options.get("batch")
    cls = type(doc)
    schema, conn, ref = target(cls)
    lwt = conditional(
        schema, "update()", options.get("if_exists", False), options.get("if_conditions")
    )
    if timestamp is not None:
        check_lwt_timestamp(lwt, timestamp)
    if not values:
        raise InvalidQuery(f"{schema.model_name}.update() needs at least one field=value")
    assignments, set_params = parse_assignments(schema, values, allow_keys=False, model=cls)
    if ttl is not None or timestamp is not None:
        check_counter_options(schema, assignments, ttl, timestamp)
    where, keys = _row_clauses(schema, doc, [a.column for a, _ in assignments])
    text = cql.update(
        ref,
        tuple(map(itemgetter(0), assignments)),
        where,
        ttl=ttl is not None,
        timestamp=timestamp is not None,
        if_exists=lwt.if_exists,
        conditions=lwt.clauses,
    )
    params = set_params
    if ttl is not None or timestamp is not None:
        params = [*using_params(ttl, timestamp), *params]
    request = Request(
        text,
        [*params, *keys, *lwt.params],
        consistency,
        timeout,
        serial_consistency=options.get("serial_consistency"),
    )
    if batch is not None:
        enqueue(
            conn,
            request,
            batch,
            lambda: _apply_update(doc, schema, assignments, set_params),
            doc=doc,
            counter=any(a.column.type.counter for a, _ in assignments),
            conditional=bool(lwt),
        )
        return doc
    if lwt:
        yield from lwt.send(conn, request, cls)
    else:
        yield conn, request
    _apply_update(doc, schema, assignments, set_params)
    return doc


@dataclass(frozen=True, slots=True)
class Conditional:
    """The ``IF`` part of a write: ``IF EXISTS`` or ``IF <conditions>``, or nothing."""

    what: str  # "Model.update()", for messages
    if_exists: bool = False
    conditions: tuple[Condition, ...] = ()
    clauses: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()

    def __bool__(self) -> bool:
        return self.if_exists or bool(self.conditions)

    def send(self, conn: Connection, request: Request, model: type[D]) -> Operation[None]:
        """Send a conditional write; raise ``LWTFailed`` (with the current values Cassandra
        sent back, as a partial document) when it was not applied."""
        result = yield conn, request
        applied, existing = lwt_outcome(model, result)
        if applied:
            return
        row = lwt_row(result)
        if self.if_exists or existing is None:
            reason = "the row does not exist"
        else:  # the cells as stored: a null cell is shown as None, not as a default
            stored = dict(zip(result.column_names, result.current_rows[0], strict=False))
            held = ", ".join(
                f"{c.column.name}="
                + repr(
                    None if (v := stored.get(c.column.db_name)) is None else from_db(c.column, v)
                )
                for c in self.conditions
                if c.column is not None
            )
            reason = f"the row holds {held}"
        raise LWTFailed(f"{self.what} was not applied: {reason}", existing, row)


UNCONDITIONAL = Conditional("")
"""A write without ``IF``: its ``what`` is never shown (no LWT error can occur)."""


def check_lwt_timestamp(lwt: Conditional, timestamp: Any) -> None:
    """Cassandra gives a conditional write the time of its Paxos round: it takes none."""
    if lwt and timestamp is not None:
        raise InvalidQuery(
            f"{lwt.what}: a conditional write (if_exists, if_conditions) is a lightweight "
            "transaction: it takes no timestamp"
        )


def conditional(
    schema: TableSchema, method: str, if_exists: Any, if_conditions: Any
) -> Conditional:
    """Check and parse ``if_exists``/``if_conditions`` (one of them at most)."""
    if if_exists is False and if_conditions is None:
        return UNCONDITIONAL  # the usual case: nothing to check or build
    what = f"{schema.model_name}.{method}"
    if not isinstance(if_exists, bool):
        raise InvalidQuery(f"{what}: if_exists takes True or False, not {if_exists!r}")
    if if_conditions is None:
        return Conditional(what, if_exists)
    if if_exists:
        raise InvalidQuery(
            f"{what}: pass if_exists=True or if_conditions={{...}}, not both (conditions on "
            "columns already require the row to exist)"
        )
    conditions = tuple(parse_conditions(schema, if_conditions, method))
    return Conditional(
        what,
        False,
        conditions,
        tuple(c.clause(schema) for c in conditions),
        tuple(p for c in conditions for p in c.params()),
    )


def _apply_update(
    doc: DocumentBase, schema: TableSchema, assignments: Any, db_values: Sequence[Any]
) -> None:
    """After an update was applied: show it in the document and record what the table
    now holds for the columns whose whole value is known (``db_values``: what each
    assignment sent)."""
    values = doc.__dict__
    loaded = loaded_row(doc)
    written: dict[str, Any] = {}
    for (assignment, value), sent in zip(assignments, db_values, strict=True):
        column = assignment.column
        name = column.name
        if assignment.op == "set":
            values[name] = column.null_value() if value is None else value
            written[name] = sent  # the value written: the driver's form of values[name]
        elif _is_known(loaded, column):
            values[name] = _changed(assignment.op, values.get(name), value)
            written[name] = to_db(schema, column, values[name])
        else:  # only the change is known, not the result: leave the field unloaded
            values[name] = None
            doc.__pydantic_fields_set__.discard(name)
            continue
        doc.__pydantic_fields_set__.add(name)
    if loaded is None:  # a new document now knows its key (and what it set)
        written.update((c.name, to_db(schema, c, values[c.name])) for c in schema.primary_key)
    record(doc, schema, written)


def _is_known(loaded: tuple[tuple[Column, ...], tuple[Any, ...]] | None, column: Column) -> bool:
    """Is the column's whole value loaded (read, or written as a whole)?"""
    if loaded is None:
        return False
    columns, row = loaded
    name = column.name
    return any(c.name == name and v is not UNSET_VALUE for c, v in zip(columns, row, strict=True))


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
    serial_consistency: Any = None,
    timeout: float | None = None,
    batch: BatchBase | None = None,
    if_exists: bool = False,
    if_conditions: Mapping[str, Any] | None = None,
) -> Operation[None]:
    schema, conn, ref = target(type(doc))
    lwt = conditional(schema, "delete()", if_exists, if_conditions)
    text = cql.delete(
        ref,
        schema.key_clauses,
        timestamp=timestamp is not None,
        if_exists=lwt.if_exists,
        conditions=lwt.clauses,
    )
    params = key_values(schema, doc.__dict__)
    if timestamp is not None:
        check_lwt_timestamp(lwt, timestamp)
        params = [*using_params(None, timestamp), *params]
    if lwt is not UNCONDITIONAL:
        params += lwt.params
    request = Request(text, params, consistency, timeout, serial_consistency=serial_consistency)
    if batch is not None:
        enqueue(
            conn,
            request,
            batch,
            lambda: set_loaded_row(doc, None),
            counter=schema.is_counter_table,
            doc=doc,
            conditional=bool(lwt),
        )
        return
    if lwt:
        yield from lwt.send(conn, request, type(doc))
    else:
        yield conn, request
    set_loaded_row(doc, None)


def get_op(
    cls: type[D], keys: Mapping[str, Any], *, consistency: Any = None, timeout: float | None = None
) -> Operation[D]:
    """Fetch one document by its full primary key (for the base of a single-table
    hierarchy, as the subclass its row names; for a subclass, only its own rows)."""
    schema, conn, ref = target(cls)
    params = []
    for column in schema.primary_key:
        value = keys[column.name]
        if value is None:
            raise InvalidQuery(
                f"{schema.model_name}.get(): primary key column {column.name} is None; "
                "pass its value"
            )
        params.append(to_db(schema, column, validate_value(schema, column, value, what="key")))
    if schema.discriminator is None:
        columns, quoted = schema.columns, schema.quoted_columns
    else:
        columns = table_of(cls).columns
        quoted = tuple(c.quoted for c in columns)
    text = cql.select(ref, quoted, schema.key_clauses)
    result = yield conn, Request(text, params, consistency=consistency, timeout=timeout)
    rows = result.current_rows
    disc = schema.discriminator
    if not rows:
        raise DocumentNotFound(f"{schema.model_name} with {_shown(schema, keys)} not found")
    if schema.discriminator_value is not None and disc is not None:
        found = rows[0][[c.name for c in columns].index(disc.name)]
        if found != to_db(schema, disc, schema.discriminator_value):
            raise DocumentNotFound(
                f"{schema.model_name} with {_shown(schema, keys)} not found (the row is a "
                f"{disc.name}={found!r} row, not {schema.discriminator_value!r})"
            )
    if disc is None:  # the common case: one hydrator, no hierarchy to dispatch
        return hydrator(cls, columns)(rows[0])  # type: ignore[no-any-return]
    return rows_to_documents(cls, columns)(rows)[0]  # type: ignore[no-any-return]


def _shown(schema: TableSchema, keys: Mapping[str, Any]) -> str:
    return ", ".join(f"{c.name}={keys[c.name]!r}" for c in schema.primary_key)


def is_full_key(schema: TableSchema, filters: Mapping[str, Any]) -> bool:
    return filters.keys() == schema.key_names


__all__ = [
    "Conditional",
    "DeleteOptions",
    "InsertOptions",
    "InsertResult",
    "WriteOptions",
    "conditional",
    "delete_op",
    "enqueue",
    "get_op",
    "insert_op",
    "is_full_key",
    "lwt_outcome",
    "record",
    "save_op",
    "update_op",
]
