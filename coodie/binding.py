"""Model values to INSERT parameters, generated once per table.

Like hydration, this is on every write's path: a generated function with one
expression per column (unset for ``None`` and empty collections, a converter only
where the driver needs one) replaces a loop that asked each column what to do.
Integer range checks, alone or on the items of a collection, are written inline:
a function call per value costs more than the check itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cassandra.query import UNSET_VALUE

from .types import db_container

if TYPE_CHECKING:
    from .schema import TableSchema
    from .types import ColumnType

Binder = Callable[[Mapping[str, Any]], list[Any]]


def insert_binder(schema: TableSchema) -> Binder:
    """``values -> [param per column]``; ``UNSET_VALUE`` where nothing is to be written.

    Unset, not null: a null would write a tombstone for a value never set.  Converter
    errors propagate; callers re-run the slow path to name the field.
    """
    namespace: dict[str, Any] = {"UNSET": UNSET_VALUE}
    items = []
    for i, column in enumerate(schema.columns):
        get = f"(v := values.get({column.name!r})) is None"
        if column.type.is_multicell:
            get += " or not v"
        items.append(f"UNSET if {get} else {to_db_expression(column.type, i, namespace)}")
    source = "def bind(values):\n    return [" + ", ".join(items) + "]\n"
    exec(compile(source, f"<coodie bind {schema.model_name}>", "exec"), namespace)
    return namespace["bind"]  # type: ignore[no-any-return]


def key_binder(schema: TableSchema, *, partition_only: bool = False) -> Binder:
    """``values -> [driver value per key column]`` (the primary key, or the partition
    key alone).  A key that is ``None`` or fails its conversion raises; callers re-run
    the slow path to name the column (``values.key_values``)."""
    namespace: dict[str, Any] = {"missing": _missing}
    columns = schema.partition_key if partition_only else schema.primary_key
    items = [
        f"missing() if (v := values.get({c.name!r})) is None "
        f"else {to_db_expression(c.type, i, namespace)}"
        for i, c in enumerate(columns)
    ]
    source = "def keys(values):\n    return [" + ", ".join(items) + "]\n"
    exec(compile(source, f"<coodie keys {schema.model_name}>", "exec"), namespace)
    return namespace["keys"]  # type: ignore[no-any-return]


class MissingKey(LookupError):
    """Raised by a key binder for a key that is ``None`` (the caller names it)."""


def _missing() -> Any:
    raise MissingKey


def to_db_expression(ctype: ColumnType, i: int, namespace: dict[str, Any]) -> str:
    """The expression turning a non-null model value ``v`` into the driver's value.

    Where the conversion is only a range check (or a collection copy with range checks
    on its items), the check is inline and ``convert{i}`` is called only when it fails,
    to raise the error that names the range (on the value itself, never consumed).
    """
    convert = ctype.to_db
    if convert is None:
        return "v"
    namespace[f"convert{i}"] = convert
    call = f"convert{i}(v)"
    if ctype.bounds is not None:
        low, high = ctype.bounds
        return f"(v if {low} <= v <= {high} else {call})"
    if ctype.collection is None:
        return call
    parts = [(ctype.element, "c.values()" if ctype.collection == "map" else "c")]
    if ctype.key is not None:
        parts.append((ctype.key, "c"))
    checks = []
    for part, items in parts:
        if part is None or part.to_db is None:
            continue
        if part.bounds is None:
            return call  # a real conversion of the items
        low, high = part.bounds
        checks.append(f"{low} <= min({items}) and max({items}) <= {high}")
    # Only a value of the container validation makes (a list for list[int], ...) takes
    # the inline path; anything else (an iterator set through model_construct, pairs for
    # a map) goes to the converter, which refuses it as before.
    namespace[f"kind{i}"] = ctype.empty
    namespace[f"copy{i}"] = db_container(ctype.collection, frozen=ctype.frozen)
    if not checks:
        return f"(copy{i}(v) if type(v) is kind{i} else {call})"
    inline = f"(not (c := copy{i}(v)) or ({' and '.join(checks)}))"
    return f"(c if type(v) is kind{i} and {inline} else {call})"


__all__ = ["MissingKey", "insert_binder", "key_binder", "to_db_expression"]
