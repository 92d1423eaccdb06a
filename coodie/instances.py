"""Pydantic instances built without validation: rows read from the table, probes that
validate one field, blank documents a front fills itself.

Pydantic keeps an instance's state in four slots of ``BaseModel`` (``__dict__``,
``__pydantic_fields_set__``, ``__pydantic_extra__``, ``__pydantic_private__``).  Their
setters, called directly, skip ``object.__setattr__``'s lookup: this is on the path of
every row read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    setter = getattr(BaseModel.__dict__.get(name), "__set__", None)
    if setter is None:  # a pydantic without these slots: the generic way
        return lambda instance, value: object.__setattr__(instance, name, value)
    return setter  # type: ignore[no-any-return]


set_dict = _slot_setter("__dict__")
set_fields_set = _slot_setter("__pydantic_fields_set__")
set_extra = _slot_setter("__pydantic_extra__")
set_private = _slot_setter("__pydantic_private__")

SETTERS = {
    "set_dict": set_dict,
    "set_fields_set": set_fields_set,
    "set_extra": set_extra,
    "set_private": set_private,
}
"""The setters by name, for generated code (``hydration``)."""


def bare(cls: type[M], values: dict[str, Any], fields_set: set[str], private: Any) -> M:
    """An instance of ``cls`` holding ``values`` as they are (no validation)."""
    instance = cls.__new__(cls)
    set_dict(instance, values)
    set_fields_set(instance, fields_set)
    set_extra(instance, None)
    set_private(instance, private)
    return instance


def private_defaults(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Fresh values of private attributes (``PrivateAttr(default_factory=...)`` called),
    for an instance built without ``__init__``."""
    out = {}
    for name, attribute in attributes.items():
        try:
            out[name] = attribute.get_default(call_default_factory=True)
        except TypeError:  # a pydantic whose get_default() always calls the factory
            out[name] = attribute.get_default()
    return out


__all__ = [
    "SETTERS",
    "bare",
    "private_defaults",
    "set_dict",
    "set_extra",
    "set_fields_set",
    "set_private",
]
