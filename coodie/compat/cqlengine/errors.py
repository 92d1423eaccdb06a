"""cqlengine's exception types, so that applications' ``except`` clauses keep working.

The core raises coodie's exceptions; the shim translates each into the type cqlengine
raises in the same situation (``translate``), keeping the message.
"""

from __future__ import annotations

from typing import Any

from cassandra import InvalidRequest


class CQLEngineException(Exception):
    pass


class ValidationError(CQLEngineException):
    pass


class QueryException(CQLEngineException):
    pass


class QueryRefused(QueryException, InvalidRequest):  # type: ignore[misc]
    """A query Cassandra would refuse, refused before it is sent, with the reason and
    the fix.  cqlengine sends such queries and the server raises ``InvalidRequest``;
    this is both that and cqlengine's ``QueryException``, so ``except`` clauses written
    for either keep working."""

    def __init__(self, message: str) -> None:
        QueryException.__init__(self, message)


class ValueRefused(ValidationError, InvalidRequest):  # type: ignore[misc]
    """A value Cassandra would refuse (cqlengine sends it and the server raises
    ``InvalidRequest``), refused before it is sent: both exceptions at once."""

    def __init__(self, message: str) -> None:
        ValidationError.__init__(self, message)


class IfNotExistsWithCounterColumn(CQLEngineException):
    pass


class IfExistsWithCounterColumn(CQLEngineException):
    pass


class LWTException(CQLEngineException):
    """A conditional write was not applied; ``existing`` holds the row's current values."""

    def __init__(self, existing: Any) -> None:
        super().__init__("LWT Query was not applied")
        self.existing = existing


class DoesNotExist(QueryException):
    pass


class MultipleObjectsReturned(QueryException):
    pass


class ModelException(CQLEngineException):
    pass


class ModelDefinitionException(ModelException):
    pass


class PolymorphicModelException(ModelException):
    pass


class UserTypeDefinitionException(ModelException):
    pass


class UnicodeMixin:
    def __str__(self) -> str:
        return self.__unicode__()  # type: ignore[attr-defined,no-any-return]


__all__ = [
    "CQLEngineException",
    "DoesNotExist",
    "IfExistsWithCounterColumn",
    "IfNotExistsWithCounterColumn",
    "LWTException",
    "ModelDefinitionException",
    "ModelException",
    "MultipleObjectsReturned",
    "PolymorphicModelException",
    "QueryException",
    "QueryRefused",
    "UnicodeMixin",
    "UserTypeDefinitionException",
    "ValidationError",
    "ValueRefused",
]
