"""The core's exceptions as cqlengine's, at the shim's boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ... import exceptions as core
from .errors import (
    CQLEngineException,
    LWTException,
    ModelDefinitionException,
    QueryException,
    QueryRefused,
    ValidationError,
)


@contextmanager
def translated(model: Any = None) -> Iterator[None]:
    """Re-raise a core error as the exception cqlengine raises there (message kept)."""
    try:
        yield
    except core.DocumentNotFound as exc:
        raise (model.DoesNotExist if model is not None else QueryException)(str(exc)) from None
    except core.MultipleDocumentsFound as exc:
        kind = model.MultipleObjectsReturned if model is not None else QueryException
        raise kind(str(exc)) from None
    except core.LWTFailed as exc:  # cqlengine shows Cassandra's answer as it came
        raise LWTException(dict(exc.row or {})) from None
    except core.ValidationError as exc:
        raise ValidationError(str(exc)) from None
    except core.DefinitionError as exc:
        raise ModelDefinitionException(str(exc)) from None
    except core.InvalidQuery as exc:
        raise QueryRefused(str(exc)) from None
    except core.ConfigurationError as exc:  # e.g. a connection that was never registered
        raise CQLEngineException(str(exc)) from None


__all__ = ["translated"]
