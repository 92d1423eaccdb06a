"""Keyword arguments to WHERE conditions and SET assignments, validated and bound.

``find(age__gt=3)`` becomes a ``Condition``; ``update(tags__add={"x"})`` an
``Assignment`` with its value.  Both read the operator tables of
``coodie.operators``; values are validated and converted to driver form here, so
that a bad value fails before any statement exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .cql import Assignment
from .exceptions import InvalidQuery, ValidationError
from .operators import ASSIGNMENTS, CONDITIONS, FILTERS, RANGES, AssignmentOperator, Needs, split
from .schema import Column, TableSchema
from .types import ColumnType
from .values import to_db, unknown_field, validate_field, validate_value


@dataclass(frozen=True)
class Token:
    """``find(pk__token__gt=Token(value, ...))`` compares with ``token(?, ...)`` server-side."""

    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, slots=True)
class Condition:
    """One WHERE restriction; ``value`` is in driver form (a list for IN)."""

    column: Column | None  # None: a token() restriction on the partition key
    op: str
    value: Any
    token_values: tuple[Any, ...] | None = None

    def clause(self, schema: TableSchema) -> str:
        if self.column is None:
            cols = ", ".join(c.quoted for c in schema.partition_key)
            rhs = (
                "?"
                if self.token_values is None
                else f"token({', '.join('?' for _ in self.token_values)})"
            )
            return FILTERS[self.op].template.format(col=f"token({cols})").replace("?", rhs)
        return FILTERS[self.op].render(self.column.quoted)

    def params(self) -> list[Any]:
        if self.token_values is not None:
            return list(self.token_values)
        return [self.value]

    def describe(self) -> str:
        """The filter as the user wrote it (for messages)."""
        if self.column is None:
            return f"pk__token__{self.op}"
        suffix = "" if self.op == "eq" else f"__{self.op}"
        return f"{self.column.name}{suffix}={self.value!r}"


def fits(needs: Needs, ctype: ColumnType) -> bool:
    """Does a column of type ``ctype`` take an operator that ``needs`` this?"""
    if needs == "any":
        return not ctype.counter
    if needs == "orderable":
        return not ctype.is_multicell
    if needs == "collection":
        return ctype.collection is not None
    if needs == "map":
        return ctype.collection == "map"
    if needs == "text":
        return ctype.cql in ("text", "ascii")
    if needs == "list":
        return ctype.is_multicell and ctype.collection == "list"
    if needs == "set_or_map":
        return ctype.is_multicell and ctype.collection in ("set", "map")
    if needs == "collection_cells":
        return ctype.is_multicell
    return ctype.counter  # "counter"


_NEEDS_TEXT = {
    "list": "a list column",
    "set_or_map": "a set or map column",
    "collection_cells": "a list, set or map column",
    "counter": "a counter column",
}


# -- filters -------------------------------------------------------------------------------


def parse_filters(schema: TableSchema, filters: Mapping[str, Any]) -> list[Condition]:
    out = []
    for key, raw in filters.items():
        if key.startswith("pk__token"):
            out.append(_token_condition(schema, key.removeprefix("pk__token").strip("_"), raw, key))
            continue
        name, op = split(key, FILTERS)
        column = schema.by_name.get(name)
        if column is None:
            raise InvalidQuery(unknown_field(schema, name, "column") + f" in filter {key!r}")
        out.append(_condition(schema, column, op or "eq", raw, key))
    return out


def _token_condition(schema: TableSchema, op: str, raw: Any, key: str) -> Condition:
    if op in ("", "eq"):
        raise InvalidQuery(f"{key}: use find(<partition key>=...) instead of an equal token")
    if op not in RANGES:
        raise InvalidQuery(f"{key}: token restrictions support __gt, __gte, __lt, __lte")
    if isinstance(raw, Token):
        if len(raw.values) != len(schema.partition_key):
            raise InvalidQuery(
                f"{key}: Token() needs one value per partition key column "
                f"({', '.join(c.name for c in schema.partition_key)})"
            )
        values = tuple(
            to_db(schema, c, validate_value(schema, c, v, what="token value"))
            for c, v in zip(schema.partition_key, raw.values, strict=True)
        )
        return Condition(None, op, None, values)
    if not isinstance(raw, int) or isinstance(raw, bool) or not -(2**63) <= raw < 2**63:
        raise InvalidQuery(
            f"{key}: expected a token (a 64-bit int) or Token(*partition_key_values), not {raw!r}"
        )
    return Condition(None, op, raw)


def _condition(schema: TableSchema, column: Column, op: str, raw: Any, key: str) -> Condition:
    ctype = column.type
    where = f"{schema.model_name}.{column.name}"
    operator = FILTERS[op]
    if op == "ne":
        raise InvalidQuery(
            f"{key}: Cassandra does not support != in WHERE clauses (only in conditional "
            "writes); filter the results in Python, or restrict with __in/__gt/__lt instead"
        )
    if operator.needs == "orderable" and ctype.is_multicell:
        raise InvalidQuery(
            f"{key}: {where} is a non-frozen {ctype.cql}; Cassandra can only match its items: "
            "use __contains (or __contains_key for maps)"
        )
    if operator.needs in ("collection", "map") and ctype.collection is None:
        raise InvalidQuery(f"{key}: {where} is {ctype.cql}, not a collection; __{op} needs one")
    if operator.needs == "map" and not fits("map", ctype):
        raise InvalidQuery(f"{key}: __{op} needs a map column; {where} is {ctype.cql}")
    if operator.needs == "text" and not fits("text", ctype):
        raise InvalidQuery(f"{key}: __{op} needs a text column; {where} is {ctype.cql}")

    if operator.operand == "values":
        if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
            raise InvalidQuery(f"{key}: __in takes a list or tuple of values, not {raw!r}")
        if isinstance(raw, Mapping):
            raise InvalidQuery(f"{key}: __in takes a list or tuple of values, not a dict")
        values = [
            to_db(schema, column, validate_value(schema, column, v, what="value")) for v in raw
        ]
        if isinstance(raw, (set, frozenset)):  # one order in every process (hash seeds vary)
            values.sort(key=repr)
        return Condition(column, op, values)
    if operator.operand in ("element", "key"):
        inner = ctype.key if operator.operand == "key" else ctype.element
        assert inner is not None
        probe = dataclasses.replace(column, type=inner)
        value = to_db(schema, probe, validate_value(schema, probe, raw, what="value"))
        return Condition(column, op, value)
    if operator.operand == "pattern":
        if not isinstance(raw, str):
            raise InvalidQuery(f"{key}: __like takes a pattern string such as 'abc%'")
        if column.index is None or "sasi" not in (column.index.using or "").lower():
            raise InvalidQuery(
                f"{key}: LIKE needs a SASI index on {where}, even with allow_filtering(): "
                "Indexed(using='org.apache.cassandra.index.sasi.SASIIndex', "
                "options={'mode': 'CONTAINS'})"
            )
        return Condition(column, op, raw)
    if raw is None:
        raise InvalidQuery(f"{key}: Cassandra cannot filter on null ({where} = None)")
    return Condition(
        column, op, to_db(schema, column, validate_value(schema, column, raw, what="value"))
    )


def parse_conditions(schema: TableSchema, conditions: Any, what: str) -> list[Condition]:
    """The ``IF`` clauses of a conditional write: ``{"status": "open", "count__lt": 10,
    "owner__ne": None, "kind__in": [...]}`` on non-key columns (``None`` tests for null)."""
    if not isinstance(conditions, Mapping) or not conditions:
        raise InvalidQuery(
            f"{schema.model_name}.{what}: if_conditions takes a non-empty dict such as "
            f"{{'status': 'open'}}, not {conditions!r}"
        )
    out = []
    for key, raw in conditions.items():
        name, op = split(key, FILTERS)
        op = op or "eq"
        column = schema.by_name.get(name)
        if column is None:
            raise InvalidQuery(unknown_field(schema, name, "column") + f" in if_conditions {key!r}")
        where = f"{schema.model_name}.{name}"
        if column.is_key:
            raise InvalidQuery(
                f"if_conditions {key!r}: {where} is part of the primary key, which the write "
                "already names; conditions apply to the other columns"
            )
        if op not in CONDITIONS:
            raise InvalidQuery(
                f"if_conditions {key!r}: conditions use =, __ne, __gt, __gte, __lt, __lte or "
                "__in, not __" + op
            )
        if column.type.counter:
            raise InvalidQuery(f"if_conditions {key!r}: Cassandra has no conditions on counters")
        if raw is None and op in ("eq", "ne"):
            out.append(Condition(column, op, None))
        elif op == "ne" or (op == "eq" and column.type.is_multicell):  # (a whole collection)
            value = validate_value(schema, column, raw, what="condition value")
            out.append(Condition(column, op, to_db(schema, column, value)))
        elif column.type.is_multicell:
            raise InvalidQuery(
                f"if_conditions {key!r}: a non-frozen {column.type.cql} compares only with = "
                "or __ne"
            )
        else:
            out.append(_condition(schema, column, op, raw, key))
    return out


# -- assignments ---------------------------------------------------------------------------


def parse_assignments(
    schema: TableSchema,
    values: Mapping[str, Any],
    *,
    allow_keys: bool,
    model: type[BaseModel],
) -> tuple[list[tuple[Assignment, Any]], list[Any]]:
    """``col=v`` sets (``None`` deletes the cell); ``col__append=[...]`` etc. change collections.

    A set value is validated as an assignment to the model's field would be (its
    constraints and validators included).  Returns (assignment, model value) pairs
    and the bound parameters in order.
    """
    pairs: list[tuple[Assignment, Any]] = []
    params: list[Any] = []
    for key, raw in values.items():
        name, op = split(key, ASSIGNMENTS) if "__" in key else (key, None)
        op = op or "set"
        column = schema.by_name.get(name)
        if column is None:
            raise ValidationError(unknown_field(schema, name) + " in update()")
        if column.is_key and not allow_keys:
            raise InvalidQuery(
                f"{schema.model_name}.{name} is part of the primary key and cannot be updated; "
                "delete the row and save a new one"
            )
        operator = ASSIGNMENTS[op]
        model_value, db_value = _assigned(schema, column, operator, raw, key, model)
        pairs.append((Assignment(column, op), model_value))
        params.append(db_value)
    return pairs, params


def _assigned(
    schema: TableSchema,
    column: Column,
    operator: AssignmentOperator,
    raw: Any,
    key: str,
    model: type[BaseModel],
) -> tuple[Any, Any]:
    """(model value, driver value) of one assignment, checked."""
    ctype = column.type
    op = operator.name
    if op == "set":
        if ctype.counter:
            raise InvalidQuery(
                f"{key}: counters cannot be set; use {column.name}__incr=n or __decr=n"
            )
        if raw is None:
            return None, None
        model_value = validate_field(model, column, raw)
        return model_value, to_db(schema, column, model_value)
    where = f"{schema.model_name}.{column.name}"
    if not fits(operator.needs, ctype):
        raise InvalidQuery(
            f"{key}: __{op} needs {_NEEDS_TEXT[operator.needs]}; {where} is {ctype.cql}"
        )
    if ctype.collection is not None:
        raw = _items(raw, key, where, ctype.cql, op)
        if isinstance(raw, Mapping) and not (ctype.collection == "map" and op == "add"):
            raise InvalidQuery(
                f"{key}: __{op} on {where} ({ctype.cql}) takes a list or set"
                + (" of keys" if ctype.collection == "map" else "")
                + ", not a dict"
            )
    if ctype.counter and (isinstance(raw, bool) or not isinstance(raw, int)):
        raise InvalidQuery(f"{key}: __{op} takes a whole number, not {raw!r}")
    if op == "remove" and ctype.collection == "map":
        assert ctype.key is not None
        probe = dataclasses.replace(column, type=ctype.key)
        keys = {validate_value(schema, probe, k, what="map key") for k in raw}
        return keys, {to_db(schema, probe, k) for k in keys}
    if op == "remove":
        raw = list(raw) if ctype.collection == "list" else set(raw)
    model_value = validate_value(schema, column, raw, what="value")
    return model_value, to_db(schema, column, model_value)


def _items(raw: Any, key: str, where: str, cql: str, op: str) -> Any:
    """The collection given to a collection operator; a lone string (whose characters
    would be taken as the items) or a scalar is refused."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        example = "{'k'}" if op == "remove" and cql.startswith("map") else "['x']"
        raise InvalidQuery(
            f"{key}: __{op} takes a collection of items for {where} ({cql}), not {raw!r}; "
            f"wrap a single item, e.g. {key}={example}"
        )
    return raw


__all__ = [
    "Assignment",
    "Condition",
    "Token",
    "fits",
    "parse_assignments",
    "parse_conditions",
    "parse_filters",
]
