"""Every error coodie raises, under one base class.

Messages name the model and the field involved and say what to do, so that a stack
trace alone is enough to fix the call site.
"""

from __future__ import annotations

from typing import Any


class CoodieError(Exception):
    """Base of every coodie error."""


class ConfigurationError(CoodieError):
    """Connections, keyspaces or settings are missing or inconsistent."""


class DefinitionError(ConfigurationError, TypeError):
    """A model class is defined in a way Cassandra cannot store.

    Raised at class creation, or on first use for a model whose annotations could not
    be resolved when it was defined (forward references)."""


class InvalidQuery(CoodieError, ValueError):
    """A query or write that Cassandra would reject; raised before anything is sent."""


class ValidationError(CoodieError, ValueError):
    """A value does not fit its field. ``errors()`` returns pydantic's error details."""

    def __init__(self, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self._errors = list(errors or [])

    def errors(self) -> list[Any]:
        return list(self._errors)


class DocumentNotFound(CoodieError, LookupError):
    """``get()`` matched no row."""


class MultipleDocumentsFound(CoodieError, LookupError):
    """``get()`` matched more than one row."""


class UnreadableRow(CoodieError, ValueError):
    """A row holds a value its model's field cannot hold (read back, not written)."""


class LWTFailed(CoodieError):
    """A conditional write (``IF ...``) was not applied.

    ``existing`` holds the row that prevented it, when Cassandra sends one back
    (``insert()`` returns it in its result instead of raising); ``row`` is that answer
    as Cassandra sent it (``[applied]`` and the stored cells, by column name).
    """

    def __init__(
        self, message: str, existing: Any = None, row: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.existing = existing
        self.row = row


class SchemaMismatch(CoodieError):
    """``sync_table()`` found a table whose keys or column types differ from the model.

    coodie never drops or retypes columns on its own; ``differences`` lists each
    one so that a migration can be written by hand.
    """

    def __init__(self, message: str, differences: list[str]) -> None:
        super().__init__(message)
        self.differences = differences
