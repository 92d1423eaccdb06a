"""Custom column classes, which only the application knows."""

import uuid
from typing import Any

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class LowerText(columns.Text):
    """Text stored lower-cased."""

    def to_database(self, value: Any) -> Any:
        value = super().to_database(value)
        return value.lower() if value is not None else None


class Embedding(columns.List):
    """A vector column: a list of floats with another CQL type."""

    def __init__(self, dimensions: int, **kwargs: Any) -> None:
        super().__init__(columns.Float, **kwargs)
        # the shim declares db_type a ClassVar (cqlengine's is a plain class attribute)
        self.db_type = f"vector<float, {dimensions}>"


class Profile(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    handle = LowerText(index=True)
    bio = columns.Text()


class Passage(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    title = columns.Text()
    vector = Embedding(3)
