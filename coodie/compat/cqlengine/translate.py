"""The core's exceptions as cqlengine's, at the shim's boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ... import exceptions as core
from .errors import LWTException, ModelDefinitionException, QueryException, ValidationError


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
    except core.LWTFailed as exc:
        existing = exc.existing
        values = {}
        if existing is not None and model is not None:
            values = {k: v for k, v in model._from_core(existing).items()}
            present = set(existing.__dict__)
            values = {k: v for k, v in values.items() if k in present}
        raise LWTException(values) from None
    except core.ValidationError as exc:
        raise ValidationError(str(exc)) from None
    except core.DefinitionError as exc:
        raise ModelDefinitionException(str(exc)) from None
    except core.InvalidQuery as exc:
        raise QueryException(str(exc)) from None


__all__ = ["translated"]
