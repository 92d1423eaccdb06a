"""Python type hints to CQL types, and the converters between driver and model values.

``resolve()`` runs once per field at class creation and returns a ``ColumnType``:
the CQL type as ``system_schema`` prints it (so that schema comparison is a string
comparison), plus converters used on the hot paths.  Converters are ``None`` where
the driver already speaks the model's type, so hydration does no work for them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from cassandra.util import Duration as DriverDuration
from cassandra.util import Time as DriverTime
from pydantic import BaseModel

from .exceptions import DefinitionError, ValidationError
from .fields import (
    CqlType,
    Frozen,
    Int,
    Marker,
    Time,
    Timestamp,
    Vector,
    refuse_aware_time,
    stored_timestamp,
)

Converter = Callable[[Any], Any]
CollectionKind = Literal["list", "set", "map"]

_UTC = dt.timezone.utc
_NS_PER_US = 1000
_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A resolved CQL type.

    ``to_db`` and ``from_db`` convert non-null values (``None`` when no conversion
    is needed); ``empty`` builds the value a null collection reads back as;
    ``collection`` names the kind of list, set or map (frozen or not); ``is_multicell``
    tells the non-frozen ones, which Cassandra stores cell by cell (an empty one is
    null, and they are indexed by values, keys or entries).
    """

    cql: str
    python: Any
    to_db: Converter | None = None
    from_db: Converter | None = None
    empty: Callable[[], Any] | None = None
    collection: CollectionKind | None = None
    frozen: bool = False
    element: ColumnType | None = None  # list/set element, map value
    key: ColumnType | None = None  # map key
    counter: bool = False
    normalize: Converter | None = None  # user input -> the value Cassandra will return
    # The UserType classes held at any depth, each after those it holds.
    user_types: tuple[type, ...] = ()
    # An integer type's range, when ``to_db`` is only the check of that range: generated
    # code (binding, hydration) checks it inline instead of calling ``to_db``.
    bounds: tuple[int, int] | None = None

    @property
    def is_multicell(self) -> bool:
        return self.collection is not None and not self.frozen


# -- scalars -----------------------------------------------------------------------


def aware_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # combine() is several times faster than replace(tzinfo=...)
        return dt.datetime.combine(value, value.time(), _UTC)
    return value.astimezone(_UTC)


def utc(value: dt.datetime) -> dt.datetime:
    """What a ``timestamp`` column holds: aware UTC, whole milliseconds.

    Naive datetimes are taken as UTC.  Truncating on the way in makes the value in
    memory equal to the value Cassandra will return.
    """
    return stored_timestamp(value)  # type: ignore[no-any-return]


def naive_time(where: str) -> Converter:
    """What a ``time`` column holds: a naive time of day.  An aware time is refused
    (``where`` names ``Model.field``): Cassandra would drop its offset silently."""

    def check(value: dt.time) -> dt.time:
        try:
            return refuse_aware_time(value)  # type: ignore[no-any-return]
        except ValueError as exc:
            raise ValidationError(f"{where}: {exc}") from None

    return check


def _date_from_db(value: Any) -> dt.date:
    return value.date() if hasattr(value, "date") else value  # type: ignore[no-any-return]


def _time_from_db(value: Any) -> dt.time:
    return value.time() if hasattr(value, "time") else value  # type: ignore[no-any-return]


def _timedelta_to_db(value: dt.timedelta) -> DriverDuration:
    nanos = (value // dt.timedelta(microseconds=1)) * _NS_PER_US
    if abs(nanos) > 2**63 - 1:
        raise ValueError(f"{value} is longer than a duration can hold (2**63-1 ns)")
    return DriverDuration(0, 0, nanos)


def _timedelta_from_db(value: DriverDuration) -> dt.timedelta:
    if value.months:
        raise ValueError(
            f"duration {value} has a month part, which timedelta cannot hold; "
            "annotate the field with cassandra.util.Duration to read it"
        )
    return dt.timedelta(days=value.days, microseconds=value.nanoseconds // _NS_PER_US)


def _inet_from_db(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(value)


# Checks run on the way to the driver, so that a value Cassandra cannot hold fails
# with the model and field named instead of deep in the driver or on the server.


def _int_bounds(bits: int) -> tuple[int, int]:
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _int_range(cql: str, bits: int) -> Converter:
    low, high = _int_bounds(bits)

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"{value} is outside the {cql} range [{low}, {high}]")
        return value

    return check


_FLOAT32_MAX = 3.4028234663852886e38


def _float32(value: float) -> float:
    if value == value and abs(value) > _FLOAT32_MAX and abs(value) != float("inf"):
        raise ValueError(f"{value} is outside the float (32-bit) range; use Double()")
    return value


def _ascii(value: str) -> str:
    if not value.isascii():
        raise ValueError(f"{value!r} has non-ASCII characters; use text (str) instead")
    return value


def _timeuuid(value: uuid.UUID) -> uuid.UUID:
    if value.version != 1:
        raise ValueError(f"{value} is a version {value.version} UUID; timeuuid needs uuid1()")
    return value


def _inet_text(value: str) -> str:
    ipaddress.ip_address(value)  # ValueError names the bad address
    return value


_BOUNDS: dict[str, tuple[int, int]] = {
    "tinyint": _int_bounds(8),
    "smallint": _int_bounds(16),
    "int": _int_bounds(32),
    "bigint": _int_bounds(64),
    "counter": _int_bounds(64),
}

_CHECKS: dict[str, Converter] = {
    "tinyint": _int_range("tinyint", 8),
    "smallint": _int_range("smallint", 16),
    "int": _int_range("int", 32),
    "bigint": _int_range("bigint", 64),
    "counter": _int_range("counter", 64),
    "float": _float32,
    "ascii": _ascii,
    "timeuuid": _timeuuid,
    "time": refuse_aware_time,
    "inet": _inet_text,
}

_DEFAULT_CQL: dict[Any, str] = {
    str: "text",
    int: "int",
    float: "double",
    bool: "boolean",
    bytes: "blob",
    uuid.UUID: "uuid",
    dt.datetime: "timestamp",
    dt.date: "date",
    dt.time: "time",
    decimal.Decimal: "decimal",
    ipaddress.IPv4Address: "inet",
    ipaddress.IPv6Address: "inet",
    dt.timedelta: "duration",
    DriverDuration: "duration",
    DriverTime: "time",  # the driver's time of day, to the nanosecond
}

_SCALAR_CONVERTERS: dict[Any, tuple[Converter | None, Converter | None]] = {
    dt.datetime: (None, aware_utc),
    dt.date: (None, _date_from_db),
    dt.time: (None, _time_from_db),
    ipaddress.IPv4Address: (str, _inet_from_db),
    ipaddress.IPv6Address: (str, _inet_from_db),
    dt.timedelta: (_timedelta_to_db, _timedelta_from_db),
}

# Which Python types each CQL type may hold (for type markers on other types).
_COMPATIBLE: dict[str, tuple[Any, ...]] = {
    "text": (str,),
    "ascii": (str,),
    "int": (int,),
    "bigint": (int,),
    "smallint": (int,),
    "tinyint": (int,),
    "varint": (int,),
    "counter": (int,),
    "double": (float,),
    "float": (float,),
    "timeuuid": (uuid.UUID,),
    "timestamp": (dt.datetime,),
    "date": (dt.date,),
    "time": (dt.time, DriverTime),
    "duration": (dt.timedelta, DriverDuration),
    "decimal": (decimal.Decimal,),
    "inet": (str,),  # an address as text; ipaddress types map to inet by default
}


# -- annotation walking --------------------------------------------------------------

# Python types whose CQL constraint pydantic checks once the type carries its marker.
_CHECKED: dict[Any, CqlType] = {int: Int(), dt.time: Time(), dt.datetime: Timestamp()}
_UNIONS = (Union, types.UnionType)
_GENERICS = (list, set, frozenset, dict, tuple)


def checked_marker(annotation: Any) -> CqlType | None:
    """The marker that makes pydantic check a bare ``int`` or ``time`` annotation, or
    normalize a bare ``datetime`` one."""
    return _CHECKED.get(annotation) if isinstance(annotation, type) else None


def with_cql_checks(annotation: Any) -> Any:
    """``annotation`` with each bare ``int`` as ``Annotated[int, Int()]`` (pydantic then
    checks the 32-bit range of CQL ``int``), each bare ``time`` as
    ``Annotated[time, Time()]`` (pydantic refuses aware times) and each bare ``datetime``
    as ``Annotated[datetime, Timestamp()]`` (pydantic makes it aware UTC milliseconds),
    at any depth; types that
    carry a type marker are left alone.  Returns ``annotation`` itself when there is
    nothing to change."""
    marker = checked_marker(annotation)
    if marker is not None:
        return Annotated[annotation, marker]
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *meta = get_args(annotation)
        if any(isinstance(m, CqlType) for m in meta):
            return annotation
        new = with_cql_checks(inner)
        if new is inner:
            return annotation
        args = (new, *meta)
        return Annotated[args]
    if origin in _UNIONS or origin in _GENERICS:
        args = get_args(annotation)
        if origin in _UNIONS and (len(args) != 2 or type(None) not in args):
            return annotation  # a real union, which resolve() rejects naming it as written
        new_args = tuple(with_cql_checks(a) for a in args)
        if all(n is a for n, a in zip(new_args, args, strict=True)):
            return annotation
        return Union[new_args] if origin in _UNIONS else origin[new_args]
    return annotation


def holds_marker(annotation: Any, kind: type[Marker]) -> bool:
    """Does ``annotation`` carry a marker of ``kind`` at any depth?"""
    if get_origin(annotation) is Annotated:
        inner, *meta = get_args(annotation)
        return any(isinstance(m, kind) for m in meta) or holds_marker(inner, kind)
    return any(holds_marker(a, kind) for a in get_args(annotation))


def split_annotation(annotation: Any) -> tuple[Any, list[Marker], bool]:
    """Strip ``Optional``/``Annotated`` layers: (bare type, coodie markers, allows None)."""
    bare, metadata, optional = annotation_layers(annotation)
    return bare, [m for m in metadata if isinstance(m, Marker)], optional


def annotation_layers(annotation: Any) -> tuple[Any, list[Any], bool]:
    """Strip ``Optional``/``Annotated`` layers: (bare type, all their metadata, allows
    None).  A real union is returned as the bare type."""
    metadata: list[Any] = []
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *meta = get_args(annotation)
            metadata.extend(meta)
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == len(get_args(annotation)) or len(args) != 1:
                return annotation, metadata, optional  # a real union: rejected by resolve()
            optional = True
            annotation = args[0]
        else:
            return annotation, metadata, optional


def resolve(annotation: Any, markers: list[Marker], where: str) -> ColumnType:
    """Resolve a bare annotation plus its markers; ``where`` names ``Model.field`` in errors."""
    return _resolve(annotation, markers, where, nested=False)


def _resolve(tp: Any, markers: list[Marker], where: str, *, nested: bool) -> ColumnType:
    type_markers = [m for m in markers if isinstance(m, CqlType)]
    if len(type_markers) > 1:
        raise DefinitionError(
            f"{where}: more than one CQL type marker ({', '.join(map(repr, type_markers))}); "
            "keep one"
        )
    marker = type_markers[0] if type_markers else None
    frozen = any(isinstance(m, Frozen) for m in markers)
    origin = get_origin(tp)

    vectors = [m for m in markers if isinstance(m, Vector)]
    if vectors:
        return _vector(tp, vectors[0].dimensions, marker, where)

    if origin in (list, set, frozenset, dict, tuple):
        if marker is not None:
            raise DefinitionError(
                f"{where}: {marker!r} does not apply to a {origin.__name__}; put it on the "
                f"element type instead, e.g. list[Annotated[int, {marker!r}]]"
            )
        return _collection(tp, origin, where, frozen=frozen or nested or origin is frozenset)

    if tp in (list, set, frozenset, dict, tuple):
        example = {"dict": "dict[str, int]", "tuple": "tuple[int, str]"}.get(tp.__name__)
        raise DefinitionError(
            f"{where}: a bare {tp.__name__} has no element types; write "
            f"{example or tp.__name__ + '[str]'}"
        )
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp, marker, where)

    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _user_type(tp, marker, where)

    if tp is Any or tp is object or origin is not None or not isinstance(tp, type):
        raise DefinitionError(
            f"{where}: coodie cannot store {_name(tp)}; use a concrete type such as str, "
            "int, UUID, datetime, list[T], set[T], dict[K, V] or tuple[A, B] "
            "(see docs/models.md for the full table)"
        )

    base = _scalar_base(tp)
    if base is None:
        raise DefinitionError(
            f"{where}: {_name(tp)} has no CQL type; supported: "
            + ", ".join(sorted({_name(t) for t in _DEFAULT_CQL}))
            + ", Enum, list, set, frozenset, dict, tuple"
        )
    cql = _DEFAULT_CQL[base]
    if marker is not None:
        if base not in _COMPATIBLE.get(marker.cql, ()):
            raise DefinitionError(
                f"{where}: {marker!r} stores {marker.cql}, which cannot hold {_name(tp)}; "
                f"use it on {' or '.join(_name(t) for t in _COMPATIBLE[marker.cql])}"
            )
        cql = marker.cql
    to_db, from_db = _SCALAR_CONVERTERS.get(base, (None, None))
    bounds = _BOUNDS.get(cql) if to_db is None else None
    check = _CHECKS.get(cql)
    if check is not None:
        to_db = check if to_db is None else _then(check, to_db)
    return ColumnType(
        bounds=bounds,
        cql=cql,
        python=tp,
        to_db=to_db,
        from_db=from_db,
        frozen=frozen,
        counter=cql == "counter",
        normalize=utc if cql == "timestamp" else naive_time(where) if cql == "time" else None,
    )


def _user_type(tp: type[BaseModel], marker: CqlType | None, where: str) -> ColumnType:
    from .usertype import UserType, user_column_type

    if not issubclass(tp, UserType):
        raise DefinitionError(
            f"{where}: {tp.__name__} is a pydantic model, which has no CQL type; to store it "
            "as a user-defined type, subclass coodie.usertype.UserType instead of BaseModel"
        )
    if marker is not None:
        raise DefinitionError(
            f"{where}: {marker!r} does not apply to the user type {tp.__name__}; put type "
            f"markers on the fields of {tp.__name__}"
        )
    return user_column_type(tp, where)


def _user_types(*parts: ColumnType) -> tuple[type, ...]:
    return tuple(dict.fromkeys(t for p in parts for t in p.user_types))


def _then(first: Converter, second: Converter) -> Converter:
    return lambda value: second(first(value))


def _scalar_base(tp: type) -> Any:
    if tp in _DEFAULT_CQL:
        return tp
    for base in tp.__mro__[1:]:  # subclasses of a supported type (e.g. a str subclass)
        if base in _DEFAULT_CQL and base is not object:
            return base
    return None


def _vector(tp: Any, dimensions: int, marker: Any, where: str) -> ColumnType:
    if get_origin(tp) is not list or get_args(tp) != (float,) or marker is not None:
        raise DefinitionError(
            f"{where}: Vector({dimensions}) applies to list[float] (vector<float, N>), not "
            f"{_name(tp)}"
        )

    def check(values: Any) -> list[float]:
        if len(values) != dimensions:
            raise ValueError(
                f"a vector<float, {dimensions}> holds exactly {dimensions} floats, not "
                f"{len(values)}"
            )
        for value in values:
            _float32(value)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"{value} is not a finite float")
        return list(values)

    return ColumnType(cql=f"vector<float, {dimensions}>", python=tp, to_db=check, frozen=True)


def _enum(tp: type[enum.Enum], marker: CqlType | None, where: str) -> ColumnType:
    value_types = {type(m.value) for m in tp}
    if len(value_types) != 1:
        raise DefinitionError(
            f"{where}: enum {tp.__name__} mixes value types "
            f"({', '.join(sorted(t.__name__ for t in value_types))}); Cassandra stores one"
        )
    inner = _resolve(value_types.pop(), [marker] if marker else [], where, nested=False)
    to_db = _enum_value if inner.to_db is None else _then(_enum_value, inner.to_db)
    return ColumnType(cql=inner.cql, python=tp, to_db=to_db, from_db=tp)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _collection(tp: Any, origin: Any, where: str, *, frozen: bool) -> ColumnType:
    args = get_args(tp)
    if origin is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            raise DefinitionError(
                f"{where}: tuple fields need fixed element types, e.g. tuple[int, str]; "
                "for a variable number of items use list[T]"
            )
        items = [_element(a, where, role="tuple element") for a in args]
        cql = f"frozen<tuple<{', '.join(i.cql for i in items)}>>"
        return ColumnType(
            cql=cql,
            python=tp,
            to_db=_tuple_converter([i.to_db for i in items]),
            from_db=_tuple_converter([i.from_db for i in items]),
            frozen=True,
            normalize=_maybe(_tuple_converter, [i.normalize for i in items]),
            user_types=_user_types(*items),
        )
    if origin is dict:
        if len(args) != 2:
            raise DefinitionError(f"{where}: dict fields need key and value types: dict[K, V]")
        key = _element(args[0], where, role="map key")
        value = _element(args[1], where, role="map value")
        body = f"map<{key.cql}, {value.cql}>"
        return ColumnType(
            cql=f"frozen<{body}>" if frozen else body,
            python=tp,
            to_db=_map_converter(key.to_db, value.to_db),
            from_db=_map_converter(key.from_db, value.from_db),
            empty=dict,
            collection="map",
            frozen=frozen,
            element=value,
            key=key,
            normalize=(
                _map_converter(key.normalize, value.normalize)
                if key.normalize or value.normalize
                else None
            ),
            user_types=_user_types(key, value),
        )
    if len(args) != 1:
        raise DefinitionError(f"{where}: {origin.__name__} fields need one element type")
    kind: CollectionKind = "list" if origin is list else "set"
    item = _element(args[0], where, role=f"{kind} element")
    body = f"{kind}<{item.cql}>"
    python_kind: Callable[..., Any] = origin
    db_kind = db_container(kind, frozen=frozen)
    return ColumnType(
        cql=f"frozen<{body}>" if frozen else body,
        python=tp,
        to_db=_sequence_converter(db_kind, item.to_db),
        from_db=_sequence_converter(python_kind, item.from_db),
        empty=python_kind,
        collection=kind,
        frozen=frozen,
        element=item,
        normalize=_sequence_converter(python_kind, item.normalize) if item.normalize else None,
        user_types=item.user_types,
    )


def db_container(kind: CollectionKind, *, frozen: bool) -> Callable[..., Any]:
    """The container a collection goes to the driver in.  Frozen sets go as frozenset:
    they may sit inside sets and map keys."""
    if kind == "map":
        return dict
    return list if kind == "list" else frozenset if frozen else set


def _element(annotation: Any, where: str, *, role: str = "element") -> ColumnType:
    bare, markers, optional = split_annotation(annotation)
    if optional and role != "tuple element":  # tuples may hold nulls, collections not
        raise DefinitionError(
            f"{where}: collections cannot hold None; drop Optional from the {role} type"
        )
    misplaced = [m for m in markers if not isinstance(m, (CqlType, Frozen))]
    if misplaced:
        raise DefinitionError(
            f"{where}: {misplaced[0]!r} sits inside a collection or tuple, where it applies "
            "to nothing; put key, index and static markers on the field itself"
        )
    resolved = _resolve(bare, markers, where, nested=True)
    if resolved.counter:
        raise DefinitionError(f"{where}: counters cannot be inside a collection or tuple")
    if role in ("set element", "map key") and get_origin(bare) in (list, set, dict):
        raise DefinitionError(
            f"{where}: a {role} must be hashable in Python; use frozenset[...] or tuple[...] "
            f"instead of {get_origin(bare).__name__}"
        )
    if role in ("set element", "map key"):
        _check_hashable(resolved, where, role)
    if role in ("set element", "map key") and "duration" in resolved.cql:
        raise DefinitionError(
            f"{where}: Cassandra does not allow durations as a {role} (they have no order); "
            "use a list or store them as map values"
        )
    return resolved


def _check_hashable(resolved: ColumnType, where: str, role: str) -> None:
    """Set elements and map keys are hashed in Python: the user types they hold must be
    frozen pydantic models whose fields are hashable."""
    from .usertype import type_schema

    for user_type in resolved.user_types:
        schema = type_schema(user_type, where)
        problem = schema.hash_problem
        if problem is not None:
            raise DefinitionError(
                f"{where}: a {role} must be hashable, and {problem}; or use a list or "
                "map values instead"
            )
        if any("duration" in f.type.cql for f in schema.fields):
            raise DefinitionError(
                f"{where}: {schema.model_name} holds a duration, which Cassandra does not "
                f"allow in a {role} (durations have no order)"
            )


def _sequence_converter(kind: Callable[..., Any], item: Converter | None) -> Converter:
    if item is None:
        return kind
    return lambda values: kind(item(v) for v in values)


def _pairs(mapping: Any) -> Any:
    """(key, value) pairs of a mapping; the driver's OrderedMap keeps them in ``_items``
    (its ``__getitem__`` re-serializes the key, so ``dict(mapping)`` is slow)."""
    items = getattr(mapping, "_items", None)
    return items if isinstance(items, list) else mapping.items()


def _map_converter(key: Converter | None, value: Converter | None) -> Converter:
    if key is None and value is None:
        return lambda mapping: dict(_pairs(mapping))
    k = key or _identity
    v = value or _identity
    return lambda mapping: {k(a): v(b) for a, b in _pairs(mapping)}


def _tuple_converter(items: list[Converter | None]) -> Converter:
    if all(i is None for i in items):
        return tuple
    convs = [i or _identity for i in items]
    return lambda values: tuple(
        None if v is None else c(v) for c, v in zip(convs, values, strict=False)
    )


def _maybe(
    build: Callable[[list[Converter | None]], Converter], items: list[Converter | None]
) -> Converter | None:
    return build(items) if any(i is not None for i in items) else None


def _identity(value: Any) -> Any:
    return value


def _name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")


__all__ = [
    "ColumnType",
    "annotation_layers",
    "checked_marker",
    "db_container",
    "holds_marker",
    "naive_time",
    "resolve",
    "split_annotation",
    "utc",
    "with_cql_checks",
]
