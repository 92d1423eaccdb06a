"""The vocabulary of keyword suffixes and write options, as plain data.

``find(age__gt=3)``, ``update(tags__add={"x"})`` and ``save(ttl=60)`` are spelled
with the names below, and nothing else spells them: the query builder renders CQL
from ``template``, the validators read ``needs``, the docs' tables are printed from
``doc``, and the cqlengine shim and codemod map their own vocabulary onto these
entries.  Adding an operator is adding a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

# What a column must be for an operator to apply to it.
Needs = Literal[
    "any",  # any column (scalars, frozen collections, tuples)
    "orderable",  # anything but a non-frozen collection
    "collection",  # a list, set or map (frozen or not)
    "map",  # a map (frozen or not)
    "text",  # text or ascii
    "list",  # a non-frozen list
    "set_or_map",  # a non-frozen set or map
    "collection_cells",  # a non-frozen list, set or map
    "counter",  # a counter column
]


@dataclass(frozen=True, slots=True)
class FilterOperator:
    """A ``col__<name>=value`` filter in ``find()``.

    ``template`` is the WHERE clause with ``{col}`` for the quoted column; ``range``
    marks the comparisons that end a clustering prefix; ``operand`` names what the
    value is (``"value"`` of the column, ``"values"`` for a list of them, ``"element"``
    or ``"key"`` of a collection, ``"pattern"`` for LIKE).
    """

    name: str
    template: str
    needs: Needs
    operand: Literal["value", "values", "element", "key", "pattern"]
    doc: str
    range: bool = False

    def render(self, column: str) -> str:
        return self.template.format(col=column)


@dataclass(frozen=True, slots=True)
class AssignmentOperator:
    """A ``col__<name>=value`` change in ``update()`` (``col=value`` is ``set``).

    ``delta`` marks the changes that add to or take from what is stored (so two
    writers do not erase each other), as opposed to replacing it.
    """

    name: str
    template: str
    needs: Needs
    doc: str
    delta: bool = True

    def render(self, column: str) -> str:
        return self.template.format(col=column)


@dataclass(frozen=True, slots=True)
class WriteOption:
    """A keyword option of the write methods; ``accepted_by`` names them."""

    name: str
    accepted_by: frozenset[str]
    doc: str


def _table(*rows: FilterOperator) -> MappingProxyType[str, FilterOperator]:
    return MappingProxyType({r.name: r for r in rows})


FILTERS = _table(
    FilterOperator("eq", "{col} = ?", "orderable", "value", "equal (also ``col=v``)"),
    FilterOperator("ne", "{col} != ?", "orderable", "value", "not equal: refused in WHERE"),
    FilterOperator("gt", "{col} > ?", "orderable", "value", "greater than", range=True),
    FilterOperator("gte", "{col} >= ?", "orderable", "value", "greater or equal", range=True),
    FilterOperator("lt", "{col} < ?", "orderable", "value", "less than", range=True),
    FilterOperator("lte", "{col} <= ?", "orderable", "value", "less or equal", range=True),
    FilterOperator("in", "{col} IN ?", "orderable", "values", "one of a list (one bound value)"),
    FilterOperator(
        "contains", "{col} CONTAINS ?", "collection", "element", "a list/set element or map value"
    ),
    FilterOperator("contains_key", "{col} CONTAINS KEY ?", "map", "key", "a map key"),
    FilterOperator("like", "{col} LIKE ?", "text", "pattern", "LIKE pattern (SASI index)"),
)
"""Filter operators by suffix."""

RANGES = frozenset(name for name, op in FILTERS.items() if op.range)
"""The comparison suffixes (``gt``, ``gte``, ``lt``, ``lte``), also used by token ranges."""

ASSIGNMENTS = MappingProxyType(
    {
        a.name: a
        for a in (
            AssignmentOperator("set", "{col} = ?", "any", "replace the value", delta=False),
            AssignmentOperator("append", "{col} = {col} + ?", "list", "add items at the end"),
            AssignmentOperator("prepend", "{col} = ? + {col}", "list", "add items at the start"),
            AssignmentOperator(
                "add", "{col} = {col} + ?", "set_or_map", "add set items or map entries"
            ),
            AssignmentOperator(
                "remove",
                "{col} = {col} - ?",
                "collection_cells",
                "remove list/set items or map keys",
            ),
            AssignmentOperator("incr", "{col} = {col} + ?", "counter", "add to a counter"),
            AssignmentOperator("decr", "{col} = {col} - ?", "counter", "subtract from a counter"),
        )
    }
)
"""Assignment operators by suffix; ``set`` is the plain ``col=value``."""

_SAVE = "save"
_UPDATE = "update"
_DELETE = "delete"
_INSERT = "insert"
_QS_UPDATE = "QuerySet.update"
_QS_DELETE = "QuerySet.delete"

WRITE_OPTIONS = MappingProxyType(
    {
        o.name: o
        for o in (
            WriteOption(
                "ttl",
                frozenset({_SAVE, _UPDATE, _INSERT, _QS_UPDATE}),
                "seconds until the written cells expire (USING TTL)",
            ),
            WriteOption(
                "timestamp",
                frozenset({_SAVE, _UPDATE, _DELETE, _QS_UPDATE, _QS_DELETE}),
                "write time in microseconds since the epoch, or a datetime (USING TIMESTAMP)",
            ),
            WriteOption(
                "consistency",
                frozenset({_SAVE, _UPDATE, _DELETE, _INSERT}),
                "consistency level of this write",
            ),
            WriteOption(
                "serial_consistency",
                frozenset({_INSERT, _UPDATE, _DELETE}),
                "serial consistency of a conditional write",
            ),
            WriteOption(
                "timeout",
                frozenset({_SAVE, _UPDATE, _DELETE, _INSERT}),
                "seconds to wait for the answer",
            ),
            WriteOption(
                "batch",
                frozenset({_SAVE, _INSERT, _UPDATE, _DELETE, _QS_UPDATE, _QS_DELETE}),
                "queue the write in a BatchQuery instead of sending it",
            ),
            WriteOption(
                "if_exists",
                frozenset({_UPDATE, _DELETE, _QS_UPDATE, _QS_DELETE}),
                "only if the row exists (a lightweight transaction)",
            ),
            WriteOption(
                "if_conditions",
                frozenset({_UPDATE, _DELETE, _QS_UPDATE, _QS_DELETE}),
                "only if the row's columns hold these values, e.g. {'status': 'open', "
                "'count__lt': 10} (a lightweight transaction)",
            ),
        )
    }
)
"""Write options by keyword, with the methods that take each."""

CONDITIONS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in"})
"""The filter operators a conditional write's ``if_conditions`` may use (``IF ...``)."""


def options_of(method: str) -> frozenset[str]:
    """The option keywords ``method`` takes (``"update"``, ``"QuerySet.delete"``, ...)."""
    return frozenset(name for name, o in WRITE_OPTIONS.items() if method in o.accepted_by)


SUFFIXES = frozenset(FILTERS) | frozenset(ASSIGNMENTS) | {"token"}
"""Every ``__suffix`` that has a meaning; no field may end in one."""


def split(key: str, table: Mapping[str, object]) -> tuple[str, str | None]:
    """``"age__gt"`` -> ``("age", "gt")``; a key without a known suffix -> ``(key, None)``."""
    name, sep, op = key.rpartition("__")
    if sep and op in table:
        return name, op
    return key, None


__all__ = [
    "ASSIGNMENTS",
    "CONDITIONS",
    "FILTERS",
    "RANGES",
    "SUFFIXES",
    "WRITE_OPTIONS",
    "AssignmentOperator",
    "FilterOperator",
    "WriteOption",
    "options_of",
    "split",
]
