"""cqlengine's column classes, with cqlengine's validation and conversions.

A column is a declaration: the shim turns each into a field of the model's hidden
coodie document (``annotation()``, read from ``mapping``), so the schema, the
statements and the hydration are coodie's own.  Values cross between the two worlds
here: ``validate`` / ``to_python`` / ``to_database`` behave as cqlengine's (messages
included), and ``to_core`` / ``from_core`` turn a cqlengine value into the core's
model value and back (naive UTC datetimes, ``cassandra.util.Date`` and ``Time``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import uuid
from collections.abc import Callable, Iterator, Mapping
from copy import deepcopy
from typing import Annotated, Any, ClassVar, Optional

from cassandra import util
from cassandra.util import Duration as DriverDuration

from ... import fields as markers
from ...types import utc
from . import mapping
from .errors import ValidationError, ValueRefused

_UTC = dt.timezone.utc


class Column:
    """A column of a cqlengine model; keyword arguments as cqlengine's."""

    db_type: str | None = None
    instance_counter: ClassVar[int] = 0
    _python_type_hashable: ClassVar[bool] = True

    def __init__(
        self,
        primary_key: bool = False,
        partition_key: bool = False,
        index: bool = False,
        db_field: str | None = None,
        default: Any = None,
        required: bool = False,
        clustering_order: str | None = None,
        discriminator_column: bool = False,
        static: bool = False,
        custom_index: bool = False,
    ) -> None:
        self.partition_key = partition_key
        self.primary_key = partition_key or primary_key
        self.index = index
        self.custom_index = custom_index
        self.db_field = db_field
        self.default = default
        self.required = required
        self.clustering_order = clustering_order
        self.discriminator_column = discriminator_column
        self.static = static
        self.column_name: str | None = None
        self._partition_key_index: int | None = None
        self.value = None
        self.position = Column.instance_counter  # declaration order decides key order
        Column.instance_counter += 1
        if type(self).db_type is not None and "db_type" not in self.__dict__:
            self.db_type = type(self).db_type

    # Columns compare by declaration order, as cqlengine's do.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Column):
            return self.position == other.position
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Column):
            return self.position != other.position
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Column):
            return self.position < other.position
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Column):
            return self.position <= other.position
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Column):
            return self.position > other.position
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Column):
            return self.position >= other.position
        return NotImplemented

    def __hash__(self) -> int:
        return id(self)

    # -- cqlengine's value protocol --------------------------------------------------------

    def validate(self, value: Any) -> Any:
        if value is None and self.required:
            raise ValidationError(
                f"{self.column_name or self.db_field} - None values are not allowed"
            )
        return value

    def to_python(self, value: Any) -> Any:
        return value

    def to_database(self, value: Any) -> Any:
        return value

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def is_primary_key(self) -> bool:
        return bool(self.primary_key)

    @property
    def can_delete(self) -> bool:
        return not self.primary_key

    def get_default(self) -> Any:
        if not self.has_default:
            return None
        return self.default() if callable(self.default) else self.default

    def set_column_name(self, name: str) -> None:
        self.column_name = name

    @property
    def db_field_name(self) -> str:
        return self.db_field if self.db_field is not None else str(self.column_name)

    @property
    def db_index_name(self) -> str:
        return f"index_{self.db_field_name}"

    @property
    def has_index(self) -> bool:
        return bool(self.index or self.custom_index)

    @property
    def sub_types(self) -> list[Column]:
        return []

    def cql_parameterized_type(self) -> str:
        return str(self.db_type)

    def _val_is_null(self, value: Any) -> bool:
        return value is None

    def get_column_def(self) -> str:
        static = " static" if self.static else ""
        return f'"{self.db_field_name}" {self.cql_parameterized_type()}{static}'

    # -- the bridge to the core ----------------------------------------------------------

    def python_type(self) -> Any:
        """The core's Python type for this column (markers included)."""
        entry = mapping.COLUMN_TYPES[self._mapping_name()]
        if entry.marker is None:
            return entry.python
        return Annotated[entry.python, entry.marker()]

    def _mapping_name(self) -> str:
        for klass in type(self).__mro__:
            if klass.__name__ in mapping.COLUMN_TYPES and klass.__module__ == __name__:
                return klass.__name__
        raise TypeError(f"{type(self).__name__} has no CQL type; subclass a concrete column")

    def to_core(self, value: Any) -> Any:
        """A validated cqlengine value -> the core's model value."""
        return value

    def from_core(self, value: Any) -> Any:
        """The core's model value (``None`` for a null cell) -> the cqlengine value."""
        return self.to_python(value)

    def loader(self) -> Callable[[Any], Any] | None:
        """``from_core`` for the values of loaded rows, or ``None`` where they are
        already cqlengine's (most scalars): built once per model, so that reading a row
        converts only what differs."""
        kind = type(self)
        if kind.from_core is Column.from_core and kind.to_python in _TRUSTED:
            return None
        return self.from_core

    def snapshot(self) -> Callable[[Any], Any] | None:
        """How to keep a copy of a loaded value to compare with later (``None``:
        immutable, the value itself will do)."""
        return None

    def dumper(self) -> Callable[[Any], Any] | None:
        """``to_core`` for writes, or ``None`` where the value is the core's already."""
        return None if type(self).to_core is Column.to_core else self.to_core


class _Validated(Column):
    """Columns whose values read and write as they validate (numbers, uuids)."""

    def to_python(self, value: Any) -> Any:
        return self.validate(value)

    def to_database(self, value: Any) -> Any:
        return self.validate(value)


# Read from the table, these values are cqlengine's already (validating them again
# would only repeat the checks the write made).
_TRUSTED = (Column.to_python, _Validated.to_python)


# -- scalars -----------------------------------------------------------------------------------


class Blob(Column):
    db_type = "blob"

    def to_database(self, value: Any) -> Any:
        if not isinstance(value, (bytes, bytearray)):
            raise Exception(f"expecting a binary, got a {type(value)}")
        return bytearray(value)

    def to_core(self, value: Any) -> Any:
        return None if value is None else bytes(value)


Bytes = Blob


class Inet(Column):
    db_type = "inet"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                # cqlengine sends it and the server refuses: both exceptions, before I/O
                raise ValueRefused(
                    f"{self.column_name}: {value!r} is not an IPv4 or IPv6 address"
                ) from None
        return value

    def to_core(self, value: Any) -> Any:
        if value is None:
            return None
        address = ipaddress.ip_address(value)
        mapped = getattr(address, "ipv4_mapped", None)
        # cqlengine sends text and the server keeps ::ffff:a.b.c.d as a.b.c.d: the same
        return str(mapped) if mapped is not None else str(value)


class Text(Column):
    db_type = "text"

    def __init__(
        self, min_length: int | None = None, max_length: int | None = None, **kwargs: Any
    ) -> None:
        self.min_length = 1 if min_length is None and kwargs.get("required", False) else min_length
        self.max_length = max_length
        if self.min_length is not None and self.min_length < 0:
            raise ValueError("Minimum length is not allowed to be negative.")
        if self.max_length is not None and self.max_length < 0:
            raise ValueError("Maximum length is not allowed to be negative.")
        low, high = self.min_length, self.max_length
        if low is not None and high is not None and high < low:
            raise ValueError("Maximum length must be greater or equal to minimum length.")
        super().__init__(**kwargs)

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is not None and not isinstance(value, (str, bytearray)):
            raise ValidationError(f"{self.column_name} {type(value)} is not a string")
        if self.max_length is not None and value and len(value) > self.max_length:
            raise ValidationError(f"{self.column_name} is longer than {self.max_length} characters")
        if self.min_length and (not value or len(value) < self.min_length):
            raise ValidationError(
                f"{self.column_name} is shorter than {self.min_length} characters"
            )
        return value


class Ascii(Text):
    db_type = "ascii"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value:
            codes = value if isinstance(value, bytearray) else map(ord, value)
            if any(c > 127 for c in codes):
                raise ValidationError(f"{value!r} is not an ASCII string.")
        return value


class _Integral(_Validated):
    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValidationError(
                f"{self.column_name} {value} can't be converted to integral value"
            ) from None


class Integer(_Integral):
    db_type = "int"


class TinyInt(Integer):
    db_type = "tinyint"


class SmallInt(Integer):
    db_type = "smallint"


class BigInt(Integer):
    db_type = "bigint"


class VarInt(_Integral):
    db_type = "varint"


class Counter(Integer):
    db_type = "counter"

    def __init__(
        self,
        index: bool = False,
        db_field: str | None = None,
        required: bool = False,
    ) -> None:
        super().__init__(
            primary_key=False,
            partition_key=False,
            index=index,
            db_field=db_field,
            default=0,
            required=required,
        )

    def from_core(self, value: Any) -> Any:
        return value or 0


class DateTime(Column):
    db_type = "timestamp"
    truncate_microseconds: ClassVar[bool] = False

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if DateTime.truncate_microseconds:
                return value.replace(microsecond=value.microsecond // 1000 * 1000)
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        return dt.datetime.fromtimestamp(value, tz=_UTC).replace(tzinfo=None)

    def to_database(self, value: Any) -> Any:
        value = super().to_database(value)
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            if isinstance(value, dt.date):
                value = dt.datetime(value.year, value.month, value.day)
            else:
                raise ValidationError(f"{self.column_name} '{value}' is not a datetime object")
        aware = value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
        return int(aware.timestamp() * 1000)

    def to_core(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            if isinstance(value, dt.date):
                value = dt.datetime(value.year, value.month, value.day)
            else:
                raise ValidationError(f"{self.column_name} '{value}' is not a datetime object")
        return _cqlengine_millisecond(utc(value))

    def from_core(self, value: Any) -> Any:
        # cqlengine hands out naive UTC datetimes; applications compare them to utcnow().
        if value is None:
            return None
        return value.astimezone(_UTC).replace(tzinfo=None)

    def loader(self) -> Callable[[Any], Any] | None:
        return _naive  # the core reads timestamps as aware UTC datetimes


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)


def _cqlengine_millisecond(value: dt.datetime) -> dt.datetime:
    """The instant cqlengine stores for ``value``: it computes the milliseconds with a
    float (``int(total_seconds() * 1000)``), which lands 1 ms early for some values.
    Writing and filtering the same instant keeps rows cqlengine wrote findable, and
    keys equal, after the imports change."""
    try:
        millis = int((value - _EPOCH).total_seconds() * 1000)
        return _EPOCH + dt.timedelta(milliseconds=millis)
    except OverflowError:  # beyond what cqlengine could write: the exact value
        return value


def _naive(value: Any) -> Any:
    # combine() is replace(tzinfo=None) (the same wall-clock fields) at a quarter of its cost
    return None if value is None else dt.datetime.combine(value, value.time())


class Date(Column):
    db_type = "date"

    def to_database(self, value: Any) -> Any:
        if value is None:
            return None
        day = value if isinstance(value, util.Date) else util.Date(value)
        return day.days_from_epoch + (2**31)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, util.Date):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        return util.Date(value)

    def to_core(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return (value if isinstance(value, util.Date) else util.Date(value)).date()


class Time(Column):
    db_type = "time"

    def to_database(self, value: Any) -> Any:
        if value is None:
            return None
        return value if isinstance(value, util.Time) else util.Time(value)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, util.Time):
            return value
        return util.Time(value)

    def to_core(self, value: Any) -> Any:  # the driver's Time: nanoseconds are kept
        if value is None:
            return None
        value = value if isinstance(value, util.Time) else util.Time(value)
        if not 0 <= value.nanosecond_time < 86_400_000_000_000:
            raise ValueRefused(
                f"{self.column_name}: {value.nanosecond_time} ns is not a time of day "
                "(0 to 86,399,999,999,999 nanoseconds)"
            )
        return value


class Duration(Column):
    db_type = "duration"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is not None and not isinstance(value, DriverDuration):
            raise TypeError(f"{self.column_name} {value} is not a valid Duration.")
        return value


class UUID(_Validated):
    db_type = "uuid"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None or isinstance(value, uuid.UUID):
            return value
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
        raise ValidationError(f"{self.column_name} {value} is not a valid uuid")


class TimeUUID(UUID):
    db_type = "timeuuid"


class Boolean(Column):
    db_type = "boolean"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        return None if value is None else bool(value)

    def to_python(self, value: Any) -> Any:
        return self.validate(value)


class BaseFloat(_Validated):
    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{self.column_name} {value} is not a valid float") from None


class Float(BaseFloat):
    db_type = "float"


class Double(BaseFloat):
    db_type = "double"


class Decimal(_Validated):
    db_type = "decimal"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        try:
            return (
                decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
            )
        except (TypeError, ValueError, decimal.InvalidOperation):
            raise ValidationError(
                f"{self.column_name} '{value}' can't be coerced to decimal"
            ) from None


# -- collections --------------------------------------------------------------------------------


class BaseCollectionColumn(Column):
    """Columns holding other columns' values (lists, sets, maps, tuples)."""

    def __init__(self, types: Any, **kwargs: Any) -> None:
        instances = []
        for t in types:
            is_column = issubclass(t, Column) if isinstance(t, type) else isinstance(t, Column)
            if not is_column:
                raise ValidationError(f"{t} is not a column class")
            if t.db_type is None:
                raise ValidationError(f"{t} is an abstract type")
            inner = t() if isinstance(t, type) else t
            if isinstance(t, BaseCollectionColumn):
                inner._freeze_db_type()
            instances.append(inner)
        self.types = instances
        super().__init__(**kwargs)

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is not None and len(value) > 65535:
            raise ValidationError(
                f"{self.column_name} Collection can't have more than 65535 elements."
            )
        return value

    def _val_is_null(self, value: Any) -> bool:
        return not value

    def _freeze_db_type(self) -> None:
        if not str(self.db_type).startswith("frozen"):
            self.db_type = f"frozen<{self.db_type}>"

    @property
    def sub_types(self) -> list[Column]:
        return self.types

    @property
    def frozen_type(self) -> bool:
        return str(self.db_type).startswith("frozen")

    def _wrap(self, annotation: Any) -> Any:
        return Annotated[annotation, markers.Frozen()] if self.frozen_type else annotation


class Tuple(BaseCollectionColumn):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not args:
            raise ValueError("Tuple must specify at least one inner type")
        super().__init__(args, **kwargs)
        self.db_type = f"tuple<{', '.join(str(t.db_type) for t in self.types)}>"

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        if len(value) > len(self.types):
            raise ValidationError(
                f"Value {value!r} has more fields than tuple definition "
                f"({', '.join(str(t.db_type) for t in self.types)})"
            )
        return tuple(t.validate(v) for t, v in zip(self.types, value, strict=False))

    def to_python(self, value: Any) -> Any:
        if value is None:
            return ()
        return tuple(t.to_python(v) for t, v in zip(self.types, value, strict=False))

    def to_database(self, value: Any) -> Any:
        if value is None:
            return None
        return tuple(t.to_database(v) for t, v in zip(self.types, value, strict=False))

    def python_type(self) -> Any:
        return tuple[tuple(Optional[t.python_type()] for t in self.types)]  # type: ignore[misc]

    def to_core(self, value: Any) -> Any:
        if value is None:
            return None
        items = list(value) + [None] * (len(self.types) - len(value))
        return tuple(t.to_core(v) for t, v in zip(self.types, items, strict=True))

    def from_core(self, value: Any) -> Any:
        if value is None:
            return None
        return tuple(t.from_core(v) for t, v in zip(self.types, value, strict=False))


class BaseContainerColumn(BaseCollectionColumn):
    _copy: ClassVar[Callable[[Any], Any]]  # a shallow copy of a value: list, set, dict
    _empty: ClassVar[Callable[[], Any]]  # cqlengine's value of a null cell
    _plain_from_core: ClassVar[Callable[..., Any]]  # the class's own from_core

    def __init__(self, types: Any, frozen: bool = False, **kwargs: Any) -> None:
        self.frozen = frozen
        super().__init__(types, **kwargs)

    def _flat(self) -> bool:
        """Items of scalars only, whose copies need no copies inside."""
        return not any(isinstance(t, (BaseCollectionColumn, UserDefinedType)) for t in self.types)

    def snapshot(self) -> Callable[[Any], Any] | None:
        return type(self)._copy if self._flat() else deepcopy

    def loader(self) -> Callable[[Any], Any] | None:
        if type(self).from_core is not type(self)._plain_from_core or not all(
            t.loader() is None for t in self.types
        ):
            return self.from_core
        copy, empty = type(self)._copy, type(self)._empty

        def load(value: Any) -> Any:  # a copy: the core document keeps its own
            return empty() if value is None else copy(value)

        return load

    def _apply_frozen(self) -> None:
        if self.frozen:
            self._freeze_db_type()


class Set(BaseContainerColumn):
    _python_type_hashable = False

    def __init__(
        self,
        value_type: Any,
        strict: bool = True,
        default: Any = set,
        frozen: bool = False,
        **kwargs: Any,
    ) -> None:
        self.strict = strict
        super().__init__((value_type,), frozen=frozen, default=default, **kwargs)
        self.value_col = self.types[0]
        if not self.value_col._python_type_hashable:
            raise ValidationError("Cannot create a Set with unhashable value type (see PYTHON-494)")
        self.db_type = f"set<{self.value_col.db_type}>"
        self._apply_frozen()

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        types: tuple[type, ...] = (set, util.SortedSet, frozenset)
        if not self.strict:
            types += (list, tuple)
        if not isinstance(value, types):
            how = "is not a set object" if self.strict else "cannot be coerced to a set object"
            raise ValidationError(f"{self.column_name} {value} {how}")
        assert isinstance(value, (set, frozenset, list, tuple, util.SortedSet))
        if None in value:
            raise ValidationError(f"{self.column_name} None not allowed in a set")
        return {self.value_col.validate(v) for v in value}

    def to_python(self, value: Any) -> Any:
        return set() if value is None else {self.value_col.to_python(v) for v in value}

    def to_database(self, value: Any) -> Any:
        return None if value is None else {self.value_col.to_database(v) for v in value}

    def python_type(self) -> Any:
        inner = self.value_col.python_type()
        return self._wrap(frozenset[inner] if self.frozen_type else set[inner])  # type: ignore[valid-type]

    def to_core(self, value: Any) -> Any:
        if value is None:
            return None
        kind = frozenset if self.frozen_type else set
        return kind(self.value_col.to_core(v) for v in value)

    def from_core(self, value: Any) -> Any:
        return set() if value is None else {self.value_col.from_core(v) for v in value}

    _plain_from_core = from_core
    _copy = set
    _empty = set


class List(BaseContainerColumn):
    _python_type_hashable = False

    def __init__(
        self, value_type: Any, default: Any = list, frozen: bool = False, **kwargs: Any
    ) -> None:
        super().__init__((value_type,), frozen=frozen, default=default, **kwargs)
        self.value_col = self.types[0]
        self.db_type = f"list<{self.value_col.db_type}>"
        self._apply_frozen()

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        if not isinstance(value, (set, list, tuple)):
            raise ValidationError(f"{self.column_name} {value} is not a list object")
        if None in value:
            raise ValidationError(f"{self.column_name} None is not allowed in a list")
        return [self.value_col.validate(v) for v in value]

    def to_python(self, value: Any) -> Any:
        return [] if value is None else [self.value_col.to_python(v) for v in value]

    def to_database(self, value: Any) -> Any:
        return None if value is None else [self.value_col.to_database(v) for v in value]

    def python_type(self) -> Any:
        return self._wrap(list[self.value_col.python_type()])  # type: ignore[misc]

    def to_core(self, value: Any) -> Any:
        return None if value is None else [self.value_col.to_core(v) for v in value]

    def from_core(self, value: Any) -> Any:
        return [] if value is None else [self.value_col.from_core(v) for v in value]

    _plain_from_core = from_core
    _copy = list
    _empty = list


class Map(BaseContainerColumn):
    _python_type_hashable = False

    def __init__(
        self,
        key_type: Any,
        value_type: Any,
        default: Any = dict,
        frozen: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__((key_type, value_type), frozen=frozen, default=default, **kwargs)
        self.key_col = self.types[0]
        self.value_col = self.types[1]
        if not self.key_col._python_type_hashable:
            raise ValidationError("Cannot create a Map with unhashable key type (see PYTHON-494)")
        self.db_type = f"map<{self.key_col.db_type}, {self.value_col.db_type}>"
        self._apply_frozen()

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is None:
            return None
        if not isinstance(value, (dict, util.OrderedMap)):
            raise ValidationError(f"{self.column_name} {value} is not a dict object")
        if None in value:
            raise ValidationError(f"{self.column_name} None is not allowed in a map")
        return {self.key_col.validate(k): self.value_col.validate(v) for k, v in value.items()}

    def to_python(self, value: Any) -> Any:
        if value is None:
            return {}
        return {self.key_col.to_python(k): self.value_col.to_python(v) for k, v in value.items()}

    def to_database(self, value: Any) -> Any:
        if value is None:
            return None
        return {
            self.key_col.to_database(k): self.value_col.to_database(v) for k, v in value.items()
        }

    def python_type(self) -> Any:
        return self._wrap(dict[self.key_col.python_type(), self.value_col.python_type()])  # type: ignore[misc]

    def to_core(self, value: Any) -> Any:
        if value is None:
            return None
        return {self.key_col.to_core(k): self.value_col.to_core(v) for k, v in value.items()}

    def from_core(self, value: Any) -> Any:
        if value is None:
            return {}
        return {self.key_col.from_core(k): self.value_col.from_core(v) for k, v in value.items()}

    _plain_from_core = from_core
    _copy = dict
    _empty = dict


class UserDefinedType(Column):
    """A column holding a ``usertype.UserType`` (always ``frozen<name>``)."""

    def __init__(self, user_type: Any, **kwargs: Any) -> None:
        self.user_type = user_type
        super().__init__(**kwargs)
        self.db_type = f"frozen<{user_type.type_name()}>"

    @property
    def sub_types(self) -> list[Column]:
        return list(self.user_type._fields.values())

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if value is not None:
            value.validate()
        return value

    def to_python(self, value: Any) -> Any:
        return value

    def to_database(self, value: Any) -> Any:
        return None if value is None else deepcopy(value)

    def python_type(self) -> Any:
        return self.user_type._core_type()

    def to_core(self, value: Any) -> Any:
        return None if value is None else value._to_core()

    def from_core(self, value: Any) -> Any:
        return None if value is None else self.user_type._from_core(value)


ColumnFactory = Callable[..., Column]


class BaseValueManager:
    """One column's value on one instance, as cqlengine exposes it
    (``instance._values[name].previous_value``, ``.changed``, ``.deleted``).

    A view over the instance's plain dicts, made on access: loading a row creates no
    object per column, which keeps the shim's reads close to the core's cost.
    """

    __slots__ = ("column", "instance", "name")

    def __init__(self, instance: Any, column: Column) -> None:
        self.instance = instance
        self.column = column
        self.name = str(column.column_name)

    @property
    def value(self) -> Any:
        return self.instance._current[self.name]

    @value.setter
    def value(self, value: Any) -> None:
        self.instance._current[self.name] = value

    @property
    def previous_value(self) -> Any:
        return self.instance._previous.get(self.name)

    @previous_value.setter
    def previous_value(self, value: Any) -> None:
        self.instance._previous[self.name] = value

    @property
    def explicit(self) -> bool:
        return self.name in self.instance._explicit

    @explicit.setter
    def explicit(self, on: bool) -> None:
        if on:
            self.instance._explicit.add(self.name)
        else:
            self.instance._explicit.discard(self.name)

    @property
    def deleted(self) -> bool:
        null = self.column._val_is_null
        return null(self.value) and (self.explicit or not null(self.previous_value))

    @property
    def changed(self) -> bool:
        return changed(self.column, self.value, self.previous_value, self.explicit)

    def reset_previous_value(self) -> None:
        self.previous_value = deepcopy(self.value)

    def getval(self) -> Any:
        return self.value

    def setval(self, value: Any) -> None:
        self.value = value
        self.explicit = True

    def delval(self) -> None:
        self.value = None


class ValueManagers(Mapping[str, BaseValueManager]):
    """``instance._values``: cqlengine's value managers of a model or user type instance,
    made on access."""

    __slots__ = ("_columns", "_instance")

    def __init__(self, instance: Any, columns: Mapping[str, Column]) -> None:
        self._instance = instance
        self._columns = columns

    def __getitem__(self, name: str) -> BaseValueManager:
        return BaseValueManager(self._instance, self._columns[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def changed(column: Column, value: Any, previous: Any, explicit: bool) -> bool:
    """cqlengine's rule: a value set explicitly changed if it differs from the one last
    read or written; a container also changed when it was mutated in place."""
    if explicit:
        return bool(value != previous)
    if isinstance(column, BaseContainerColumn):
        default = column.get_default()
        if column._val_is_null(default):
            return not column._val_is_null(value) and bool(value != previous)
        if previous is None:
            return bool(value != default)
        return bool(value != previous)
    return False


__all__ = [
    "UUID",
    "Ascii",
    "BaseCollectionColumn",
    "BaseContainerColumn",
    "BaseFloat",
    "BaseValueManager",
    "BigInt",
    "Blob",
    "Boolean",
    "Bytes",
    "Column",
    "Counter",
    "Date",
    "DateTime",
    "Decimal",
    "Double",
    "Duration",
    "Float",
    "Inet",
    "Integer",
    "List",
    "Map",
    "Set",
    "SmallInt",
    "Text",
    "Time",
    "TimeUUID",
    "TinyInt",
    "Tuple",
    "UserDefinedType",
    "VarInt",
]
