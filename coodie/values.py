"""Value conversion between the user, the model and the driver, with errors that name
the model and the field.

Input is validated here (``validate_value``, ``validate_field``) before it reaches a
statement; ``to_db``/``from_db`` cross between model values and driver values.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any, get_origin

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from .exceptions import InvalidQuery, ValidationError
from .fields import Marker
from .instances import bare
from .schema import Column, TableSchema
from .types import annotation_layers


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
    """Driver value -> model value (a null cell reads as the column's null value)."""
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


def validate_field(model: type[BaseModel], column: Column, value: Any) -> Any:
    """Validate ``value`` as an assignment to the model's field: type, constraints
    (``Field(max_length=...)``) and field validators, as ``doc.field = value`` would.

    A value of exactly the field's scalar type, for a field pydantic would return it
    unchanged for (no constraints, validators or config that could change or refuse
    it), is taken as it is (and normalized, as its marker would)."""
    ctype = column.type
    if type(value) is ctype.python and column.name in plain_fields(model):
        bounds = ctype.bounds
        if bounds is None or bounds[0] <= value <= bounds[1]:
            normalize = ctype.normalize
            return value if normalize is None else normalize(value)
    probe = bare(model, {}, set(), None)
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


# Scalar types pydantic returns unchanged when given exactly that type (lax mode).
_PLAIN_TYPES = frozenset({str, int, float, bool, bytes, uuid.UUID, datetime, date, timedelta})
# Model settings that cannot change or refuse a value of the field's exact type.
_HARMLESS_CONFIG = frozenset(
    {
        "extra",
        "arbitrary_types_allowed",
        "validate_assignment",
        "revalidate_instances",
        "title",
        "populate_by_name",
        "validate_by_name",
        "validate_by_alias",
        "protected_namespaces",
        "json_schema_extra",
        "use_attribute_docstrings",
        "defer_build",
    }
)


def plain_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` whose validation returns a value of their exact scalar type
    unchanged (before coodie's own normalization): no constraints, no validators, no
    frozen field, no model setting that transforms values.  Found once per validator
    (a rebuild may change them), and kept on the class itself."""
    validator = model.__dict__.get("__pydantic_validator__")
    known = model.__dict__.get("__coodie_plain__")
    if known is not None and known[0] is validator:
        return known[1]  # type: ignore[no-any-return]
    found = frozenset(_find_plain(model))
    type.__setattr__(model, "__coodie_plain__", (validator, found))
    return found


def _find_plain(model: type[BaseModel]) -> Iterator[str]:
    config = model.model_config
    if not config.keys() <= _HARMLESS_CONFIG or config.get("frozen"):
        return
    decorators = model.__pydantic_decorators__
    if decorators.model_validators or decorators.root_validators:
        return
    checked = {
        field
        for group in (decorators.field_validators, decorators.validators)
        for d in group.values()
        for field in d.info.fields
    }
    if "*" in checked:
        return
    for name, info in model.__pydantic_fields__.items():
        if name in checked or info.frozen or info.discriminator is not None:
            continue
        if not all(_own_marker(m) for m in info.metadata):
            continue
        if _bare_type(info.annotation) in _PLAIN_TYPES:
            yield name


def _own_marker(item: Any) -> bool:
    """One of coodie's own markers, whose validation (a range, a timestamp's
    normalization) the fast path reproduces; not a subclass of the application's, which
    may validate on its own."""
    return isinstance(item, Marker) and type(item).__module__ == Marker.__module__


def _bare_type(annotation: Any) -> Any:
    """``X`` from ``X``, ``Optional[X]`` or ``Annotated[X, <coodie markers>]``, nested;
    ``None`` for anything else (a constraint, a union, a generic)."""
    bare, metadata, _ = annotation_layers(annotation)
    if get_origin(bare) is not None or not all(_own_marker(m) for m in metadata):
        return None
    return bare


def unknown_field(schema: TableSchema, name: str, what: str = "field") -> str:
    """The message for a name the model does not have, with the closest match."""
    close = difflib.get_close_matches(name, list(schema.by_name), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{schema.model_name} has no {what} {name!r}{hint} (fields: {', '.join(schema.by_name)})"


def key_values(
    schema: TableSchema, values: dict[str, Any], *, partition_only: bool = False
) -> list[Any]:
    """The driver values of the primary key in ``values`` (a document's ``__dict__``), or
    of its partition key alone."""
    try:  # the generated binder; on any failure, the loop below names the column
        return (schema.partition_key_binder if partition_only else schema.key_binder)(values)
    except Exception:  # a None key or a bad value: the loop below names it
        pass
    out = []
    for column in schema.partition_key if partition_only else schema.primary_key:
        value = values.get(column.name)
        if value is None:
            raise InvalidQuery(
                f"{schema.model_name}.{column.name} is part of the primary key and is None; "
                "set it before writing"
            )
        out.append(to_db(schema, column, value))
    return out


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MIN_TIMESTAMP = -(2**63)  # Cassandra refuses Long.MIN_VALUE itself
_MAX_TIMESTAMP = 2**63 - 1
MAX_TTL = 630_720_000  # 20 years: Cassandra's limit


def write_timestamp(value: int | datetime) -> int:
    """USING TIMESTAMP takes microseconds since the epoch; datetimes are converted."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        return (aware - _EPOCH) // timedelta(microseconds=1)  # exact, unlike float seconds
    if isinstance(value, int) and not isinstance(value, bool):
        if not _MIN_TIMESTAMP < value <= _MAX_TIMESTAMP:
            raise InvalidQuery(
                f"timestamp {value} is outside the range Cassandra accepts "
                f"({_MIN_TIMESTAMP + 1}..{_MAX_TIMESTAMP} microseconds since the epoch)"
            )
        return value
    raise InvalidQuery(
        f"timestamp must be microseconds since the epoch or a datetime, not {value!r}"
    )


def using_params(ttl: int | None, timestamp: int | datetime | None) -> list[Any]:
    """The bound values of ``USING TTL ? AND TIMESTAMP ?``, checked."""
    params: list[Any] = []
    if ttl is not None:
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= MAX_TTL:
            raise InvalidQuery(
                f"ttl must be a whole number of seconds from 0 to {MAX_TTL} (20 years, "
                f"Cassandra's limit), not {ttl!r}"
            )
        params.append(ttl)
    if timestamp is not None:
        params.append(write_timestamp(timestamp))
    return params


MAX_INT32 = 2**31 - 1


def positive(n: Any, where: str) -> int:
    """A row count (limit, fetch size, page size): a positive 32-bit int, as CQL takes."""
    if not isinstance(n, int) or isinstance(n, bool) or not 0 < n <= MAX_INT32:
        raise InvalidQuery(f"{where} takes a positive int up to {MAX_INT32}, not {n!r}")
    return n


__all__ = [
    "MAX_TTL",
    "from_db",
    "key_values",
    "positive",
    "to_db",
    "unknown_field",
    "using_params",
    "validate_field",
    "validate_value",
    "write_timestamp",
]
