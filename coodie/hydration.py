"""Rows to documents, fast: one generated function per (model, selected columns).

Rows from the database are trusted, so hydration skips pydantic validation: each
column is taken by position, converted only where the driver's value differs from
the model's (timestamps to aware UTC, sets and maps to ``set``/``dict``, ...), and
written straight into the instance's ``__dict__``.  The function is generated once
from the table description, the way ``dataclasses`` generates ``__init__``: a dict
literal with one expression per field is several times faster than a loop over
converters, and this is the innermost loop of every read.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import gc
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cassandra.util import OrderedMapSerializedKey

from .exceptions import UnreadableRow
from .instances import SETTERS, private_defaults
from .types import aware_utc

if TYPE_CHECKING:
    from .document import DocumentBase
    from .schema import Column

LOADED = "_coodie_loaded"
_UTC = dt.timezone.utc
_IMMUTABLE = (
    str,
    int,
    float,
    bool,
    bytes,
    tuple,
    frozenset,
    enum.Enum,
    uuid.UUID,
    decimal.Decimal,
    dt.date,
    dt.time,
    dt.timedelta,
)


class Hydrator:
    """Builds documents of ``cls`` from rows holding ``columns``, in that order.

    Fields not selected (``only()``/``defer()``) are set to ``None``; the document
    remembers which columns it loaded so that ``save()`` never writes the others.
    """

    __slots__ = ("cls", "columns", "hydrate", "source")

    def __init__(self, cls: type[DocumentBase], columns: tuple[Column, ...]) -> None:
        self.cls = cls
        self.columns = columns
        self.source, namespace = _generate(cls, columns)
        exec(compile(self.source, f"<coodie hydrate {cls.__name__}>", "exec"), namespace)
        self.hydrate: Callable[[Sequence[Any]], Any] = namespace["hydrate"]

    def __call__(self, row: Sequence[Any]) -> Any:
        try:
            return self.hydrate(row)
        except Exception as exc:
            raise self.unreadable([row], exc) from exc

    def many(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        # Hydrating a page allocates several containers per row and makes no reference
        # cycles; pausing the cyclic collector meanwhile saves its repeated scans of the
        # young objects (about 40% of the time on large pages).
        try:
            if len(rows) < 256 or not gc.isenabled():
                return list(map(self.hydrate, rows))
            gc.disable()
            try:
                return list(map(self.hydrate, rows))
            finally:
                gc.enable()
        except Exception as exc:
            raise self.unreadable(rows, exc) from exc

    def unreadable(self, rows: Sequence[Sequence[Any]], exc: Exception) -> Exception:
        """The error for a cell the model cannot hold (an Enum value it does not know, a
        duration with months in a timedelta field), naming the model, field and row."""
        for row in rows:
            for column, value in zip(self.columns, row, strict=False):
                convert = column.type.from_db
                if value is None or convert is None:
                    continue
                try:
                    convert(value)
                except Exception as error:
                    keys = ", ".join(
                        f"{c.name}={v!r}"
                        for c, v in zip(self.columns, row, strict=False)
                        if c.is_key
                    )
                    return UnreadableRow(
                        f"{self.cls.__name__}.{column.name}: cannot read {value!r} from "
                        f"column {column.db_name} ({column.type.cql}) of the row with {keys}: "
                        f"{error}. Fix the stored value, or widen the field's type so that it "
                        "holds it (see docs/models.md, 'Values the model cannot read')"
                    )
        return exc


def _generate(cls: type[DocumentBase], columns: tuple[Column, ...]) -> tuple[str, dict[str, Any]]:
    namespace: dict[str, Any] = {
        "cls": cls,
        "new": cls.__new__,
        **SETTERS,
        "columns": columns,
        "names": frozenset(c.name for c in columns),
        "UTC": _UTC,
    }
    position = {c.name: i for i, c in enumerate(columns)}
    items = []
    for name in cls.model_fields:  # model order, so that partial loads keep it too
        i = position.get(name)
        items.append(f"{name!r}: {'None' if i is None else _expression(columns[i], i, namespace)}")
    private = {n: a for n, a in cls.__private_attributes__.items() if n != LOADED}
    namespace["private"] = private
    own = [i for i, c in enumerate(columns) if c.name in cls.model_fields]
    if len(own) == len(columns):
        loaded = f"{LOADED!r}: (columns, row)"
    else:  # a hierarchy's row holds other subclasses' columns: not this document's
        namespace["own_columns"] = tuple(columns[i] for i in own)
        loaded = f"{LOADED!r}: (own_columns, ({''.join(f'row[{i}], ' for i in own)}))"
    namespace["private_defaults"] = private_defaults
    defaults = "**private_defaults(private), " if private else ""
    private_expr = "{" + defaults + loaded + "}"
    source = "\n".join(
        [
            "def hydrate(row):",
            "    values = {" + ", ".join(items) + "}",
            "    doc = new(cls)",
            "    set_dict(doc, values)",
            "    set_fields_set(doc, set(names))",
            "    set_extra(doc, None)",
            f"    set_private(doc, {private_expr})",
            "    return doc",
        ]
    )
    return source, namespace


def _expression(column: Column, i: int, namespace: dict[str, Any]) -> str:
    """The expression that turns ``row[i]`` into the field's value."""
    null = column.null_value()
    if null is None or isinstance(null, _IMMUTABLE):
        namespace[f"null{i}"] = null
        null_expr = f"null{i}"
    else:  # a fresh empty collection or a copy of a mutable default, per row
        namespace[f"null{i}"] = column.null_value
        null_expr = f"null{i}()"
    convert = column.type.from_db
    if convert is None:
        if null is None:
            return f"row[{i}]"
        return f"(v if (v := row[{i}]) is not None else {null_expr})"
    if convert is aware_utc:  # the driver returns naive UTC datetimes
        namespace["combine"] = dt.datetime.combine
        value = "combine(v, v.time(), UTC)"  # v.replace(tzinfo=UTC), at a quarter of the cost
    elif _plain_map(column):  # the driver's map keeps its (key, value) pairs in _items
        namespace["DriverMap"] = OrderedMapSerializedKey
        namespace[f"convert{i}"] = convert
        return (
            f"(dict(v._items) if type(v := row[{i}]) is DriverMap "
            f"else {null_expr} if v is None else convert{i}(v))"
        )
    else:
        namespace[f"convert{i}"] = convert
        value = f"convert{i}(v)"
    return f"({value} if (v := row[{i}]) is not None else {null_expr})"


def _plain_map(column: Column) -> bool:
    """A map whose keys and values the driver returns as the model holds them."""
    ctype = column.type
    return (
        ctype.collection == "map"
        and ctype.key is not None
        and ctype.key.from_db is None
        and ctype.element is not None
        and ctype.element.from_db is None
    )


__all__ = ["LOADED", "Hydrator"]
