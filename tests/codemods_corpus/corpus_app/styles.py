"""The import styles applications use: column classes imported by name, modules
under other names, ``models.Model``, an aliased ``Model``."""

import datetime
import uuid
from typing import Any

import cassandra.cqlengine.columns as cols
from cassandra.cqlengine import models
from cassandra.cqlengine.columns import UUID, DateTime, Integer, Text
from cassandra.cqlengine.models import Model as CqlModel


class ByName(models.Model):
    id = UUID(primary_key=True, default=uuid.uuid4)
    name = Text(required=True)
    at = DateTime(default=datetime.datetime.utcnow)
    rank = Integer(index=True)


class ModuleAlias(CqlModel):
    key = cols.Ascii(partition_key=True)
    at = cols.DateTime(primary_key=True, clustering_order="desc")
    tags = cols.Set(cols.Text)
    matrix = cols.List(cols.List(cols.Integer))


class Mixed(models.Model):
    """A docstring, a comment, ``__init__``, methods and properties stay."""

    # the key
    id = Text(primary_key=True)
    first = Text()  # given name
    last = Text()

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        if self.first and not self.last:
            self.last = self.first

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    def greet(self) -> str:
        return f"hello {self.full_name}"
