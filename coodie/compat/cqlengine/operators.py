"""cqlengine's ``operators`` module: the WHERE operator classes of its statements.

The shim's querysets filter through coodie's core and never build these; they exist
for code that writes cqlengine statements itself (``WhereClause("a", EqualsOperator(),
1)``).  Each operator's CQL is the core's: the metaclass reads it from
``coodie.operators.FILTERS`` through the shim's suffix table
(``mapping.FILTER_OPERATORS``), so the two vocabularies cannot drift apart.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from ...operators import FILTERS
from .errors import UnicodeMixin
from .mapping import FILTER_OPERATORS


class QueryOperatorException(Exception):
    pass


class BaseQueryOperator(UnicodeMixin):
    """``symbol`` is the ``col__<symbol>`` suffix (upper case), ``cql_symbol`` the CQL."""

    symbol: ClassVar[str | None] = None
    cql_symbol: ClassVar[str | None] = None

    def __unicode__(self) -> str:
        if self.cql_symbol is None:
            raise QueryOperatorException("cql symbol is None")
        return self.cql_symbol


def _core_symbol(core: str) -> str:
    """The comparison of a core filter: ``"{col} IN ?"`` -> ``"IN"``."""
    return FILTERS[core].render("").removesuffix("?").strip()


class OpMapMeta(type):
    """Registers each where operator by symbol (for ``get_operator``) and fills in the
    CQL of those that are core filters (``core`` names the core's operator)."""

    opmap: dict[str, type[BaseWhereOperator]]

    def __init__(cls, name: str, bases: tuple[type, ...], dct: dict[str, Any]) -> None:
        super().__init__(name, bases, dct)
        if not hasattr(cls, "opmap"):
            cls.opmap = {}  # the root class: the registry every subclass shares
            return
        op = cast("type[BaseWhereOperator]", cls)
        symbol = str(op.symbol)
        op.core = FILTER_OPERATORS.get(symbol.lower())
        if op.core is not None and "cql_symbol" not in dct:
            op.cql_symbol = _core_symbol(op.core)
        cls.opmap[symbol] = op


class BaseWhereOperator(BaseQueryOperator, metaclass=OpMapMeta):
    """The base of the operators a ``WhereClause`` takes."""

    core: ClassVar[str | None] = None

    @classmethod
    def get_operator(cls, symbol: str) -> type[BaseWhereOperator]:
        try:
            return cls.opmap[symbol.upper()]
        except KeyError:
            raise QueryOperatorException(f"{symbol} doesn't map to a QueryOperator") from None


class EqualsOperator(BaseWhereOperator):
    symbol = "EQ"


class NotEqualsOperator(BaseWhereOperator):
    symbol = "NE"


# IN, CONTAINS, LIKE and IS NOT NULL subclass EqualsOperator, as in cqlengine, where
# ``isinstance(op, EqualsOperator)`` holds for them.
class InOperator(EqualsOperator):
    symbol = "IN"


class GreaterThanOperator(BaseWhereOperator):
    symbol = "GT"


class GreaterThanOrEqualOperator(BaseWhereOperator):
    symbol = "GTE"


class LessThanOperator(BaseWhereOperator):
    symbol = "LT"


class LessThanOrEqualOperator(BaseWhereOperator):
    symbol = "LTE"


class ContainsOperator(EqualsOperator):
    symbol = "CONTAINS"


class LikeOperator(EqualsOperator):
    symbol = "LIKE"


class IsNotNullOperator(EqualsOperator):
    """Not a core filter: the core writes ``IS NOT NULL`` only in view definitions."""

    symbol = "IS NOT NULL"
    cql_symbol = "IS NOT NULL"


__all__ = [
    "BaseQueryOperator",
    "BaseWhereOperator",
    "ContainsOperator",
    "EqualsOperator",
    "GreaterThanOperator",
    "GreaterThanOrEqualOperator",
    "InOperator",
    "IsNotNullOperator",
    "LessThanOperator",
    "LessThanOrEqualOperator",
    "LikeOperator",
    "NotEqualsOperator",
    "OpMapMeta",
    "QueryOperatorException",
]
