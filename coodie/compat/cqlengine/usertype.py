"""cqlengine's ``UserType`` over coodie's user-defined types.

The class body's columns become a hidden ``coodie.usertype.UserType`` (the one type
description: DDL, conversion, hydration); instances keep cqlengine's values and
mapping protocol and cross to the core's instances with ``_to_core``/``_from_core``.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, ClassVar, Optional

import pydantic

from ...usertype import UserType as CoreUserType
from . import columns as cols
from . import hints
from .errors import CQLEngineException, UserTypeDefinitionException

_CAMEL = re.compile(r"([a-z])([A-Z])")


class UserTypeException(CQLEngineException):
    pass


class BaseUserType:
    __type_name__: ClassVar[str | None] = None
    _fields: ClassVar[dict[str, cols.Column]] = {}
    _db_map: ClassVar[dict[str, str]] = {}
    _core: ClassVar[type[CoreUserType] | None] = None

    @property
    def _values(self) -> cols.ValueManagers:
        return cols.ValueManagers(self, self._fields)

    def __init__(self, **values: Any) -> None:
        if self._db_map:
            values = {self._db_map.get(k, k): v for k, v in values.items()}
        self._current: dict[str, Any] = {}
        self._previous: dict[str, Any] = {}
        self._explicit: set[str] = set()
        for name, field in self._fields.items():
            value = values.get(name, field.get_default() if field.has_default else None)
            if value is not None or isinstance(field, cols.BaseContainerColumn):
                value = field.to_python(value)
            self._current[name] = value
            if name in values:
                self._explicit.add(name)

    def __eq__(self, other: object) -> bool:
        if self.__class__ != other.__class__:
            return False
        assert isinstance(other, BaseUserType)
        return all(getattr(self, k, None) == getattr(other, k, None) for k in self._fields)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return "{" + ", ".join(f"'{k}': {getattr(self, k)}" for k in self._current) + "}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._current.items())})"

    def __getattr__(self, attr: str) -> Any:
        db_map = type(self)._db_map
        if attr in db_map:
            return getattr(self, db_map[attr])
        raise AttributeError(attr)

    def __iter__(self) -> Any:
        yield from self._fields

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, str):
            raise TypeError
        if key not in self._fields:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError
        if key not in self._fields:
            raise KeyError(key)
        setattr(self, key, value)

    def __len__(self) -> int:
        return len(self._fields)

    def keys(self) -> list[str]:
        return list(self._fields)

    def values(self) -> list[Any]:
        return [self[k] for k in self._fields]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self[k]) for k in self._fields]

    def has_changed_fields(self) -> bool:
        return bool(self._explicit)

    def reset_changed_fields(self) -> None:
        self._explicit.clear()

    @classmethod
    def register_for_keyspace(cls, keyspace: str | None, connection: Any = None) -> None:
        """Recorded in ``connection.udt_by_keyspace`` as cqlengine does; coodie converts
        the values itself, so the driver's own UDT mapping is left alone."""
        from . import connection as cqlengine_connection

        cqlengine_connection.register_udt(keyspace, cls.type_name(), cls, connection)

    @classmethod
    def type_name(cls) -> str:
        if cls.__type_name__:
            return cls.__type_name__.lower()
        name = _CAMEL.sub(lambda m: f"{m[1]}_{m[2]}", cls.__name__)[-48:].lower()
        name = re.sub(r"^_+", "", name)
        cls.__type_name__ = name
        return name

    def validate(self) -> None:
        for name, field in self._fields.items():
            value = self._current.get(name)
            if value is None and name not in self._explicit and field.has_default:
                value = field.get_default()
            self._current[name] = field.validate(value)

    # -- the bridge to the core ----------------------------------------------------------

    @classmethod
    def _core_type(cls) -> type[CoreUserType]:
        assert cls._core is not None
        return cls._core

    def _to_core(self) -> CoreUserType:
        core = self._core_type()
        instance = core.model_construct()
        instance.__dict__.update(
            {n: f.to_core(self._current.get(n)) for n, f in self._fields.items()}
        )
        return instance

    @classmethod
    def _from_core(cls, value: Any) -> BaseUserType:
        values = value.__dict__
        return cls(**{n: f.from_core(values.get(n)) for n, f in cls._fields.items()})


class UserTypeMetaClass(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        defs = sorted(
            ((k, v) for k, v in attrs.items() if isinstance(v, cols.Column)),
            key=lambda kv: kv[1].position,
        )
        from .models import ColumnDescriptor

        fields: dict[str, cols.Column] = {}
        for key, column in defs:
            if key in BaseUserType.__dict__:
                raise UserTypeDefinitionException(
                    f"field '{key}' conflicts with built-in attribute/method"
                )
            column.set_column_name(key)
            fields[key] = column
            attrs[key] = ColumnDescriptor(column)
        db_map: dict[str, str] = {}
        for key, column in fields.items():
            if column.db_field_name != key:
                if column.db_field_name in fields:
                    raise UserTypeDefinitionException(
                        f"db_field '{column.db_field_name}' for field '{key}' conflicts with "
                        "another attribute name"
                    )
                db_map[column.db_field_name] = key
        attrs["_fields"] = fields
        attrs["_db_map"] = db_map
        klass = super().__new__(mcs, name, bases, attrs)
        if fields:
            klass._core = _build_core_type(klass)  # type: ignore[attr-defined]
            hints.hint("CU003", f"cqlengine user type {name}")
        return klass


def _build_core_type(udt: Any) -> type[CoreUserType]:
    from ... import fields as markers
    from .models import annotated

    definitions: dict[str, Any] = {}
    for key, column in udt._fields.items():
        annotation: Any = Optional[column.python_type()]
        if column.db_field is not None:
            annotation = annotated(annotation, [markers.DbName(column.db_field)])
        definitions[key] = (annotation, None)
    settings = type("Settings", (), {"name": udt.type_name()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        core = pydantic.create_model(
            f"{udt.__name__}Type",
            __base__=CoreUserType,
            __module__=udt.__module__,
            Settings=(ClassVar[type], settings),
            **definitions,
        )
    return core


class UserType(BaseUserType, metaclass=UserTypeMetaClass):
    """The base of cqlengine user types."""

    __type_name__ = None


__all__ = ["BaseUserType", "UserType", "UserTypeDefinitionException", "UserTypeException"]
