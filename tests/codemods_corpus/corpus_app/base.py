"""Bases defined here and subclassed in ``derived``."""

import datetime
import uuid

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class Tracked(Model):
    __abstract__ = True
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    created = columns.DateTime(default=datetime.datetime.utcnow)


class Ledger(Model):
    __table_name__ = "ledger"
    account = columns.Text(partition_key=True)
    entry = columns.TimeUUID(primary_key=True, clustering_order="DESC")
    amount = columns.Decimal()
