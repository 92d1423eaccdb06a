"""Model values to INSERT parameters, generated once per table.

Like hydration, this is on every write's path: a generated function with one
expression per column (unset for ``None`` and empty collections, a converter only
where the driver needs one) replaces a loop that asked each column what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cassandra.query import UNSET_VALUE

if TYPE_CHECKING:
    from .schema import TableSchema

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
        convert = column.type.to_db
        if convert is None:
            value = "v"
        else:
            namespace[f"convert{i}"] = convert
            value = f"convert{i}(v)"
        items.append(f"UNSET if {get} else {value}")
    source = "def bind(values):\n    return [" + ", ".join(items) + "]\n"
    exec(compile(source, f"<coodie bind {schema.model_name}>", "exec"), namespace)
    return namespace["bind"]  # type: ignore[no-any-return]


__all__ = ["insert_binder"]
