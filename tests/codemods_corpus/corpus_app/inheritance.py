"""Inheritance in one module: an abstract base with columns and options, an abstract
base with options only, several levels, a concrete base whose table the subclasses
share (``__table_name__`` is a class attribute), and a concrete base without one."""

import datetime
import uuid

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model

from . import settings


class Auditable(Model):
    """Columns and options every model below inherits."""

    __abstract__ = True
    __options__ = {"comment": "audited"}
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    created_at = columns.DateTime(default=datetime.datetime.utcnow)
    created_by = columns.Text()


class Article(Auditable):
    title = columns.Text(required=True)
    body = columns.Text()


class Comment(Auditable):
    __options__ = {"comment": "comments", "gc_grace_seconds": 3600}
    article_id = columns.UUID(index=True)
    text = columns.Text()


class Placed(Model):
    """An abstract base with options only."""

    __abstract__ = True
    __keyspace__ = settings.KEYSPACE
    __connection__ = settings.CONNECTION


class PlacedItem(Placed):
    sku = columns.Text(partition_key=True)
    warehouse = columns.Text(primary_key=True)
    quantity = columns.Integer(default=0)


class PlacedSpecial(PlacedItem):
    """A concrete model under a concrete one: its own table (cqlengine names it
    after the class when the base was not used first)."""

    __table_name__ = "placed_special"
    reason = columns.Text()


class Timeline(Auditable):
    """An abstract model under an abstract one."""

    __abstract__ = True
    at = columns.DateTime(primary_key=True, clustering_order="DESC")


class TimelineEntry(Timeline):
    kind = columns.Ascii()


class Event(Model):
    """A concrete base with a table name: its subclasses share its table."""

    __table_name__ = "Events"
    source = columns.Text(partition_key=True)
    at = columns.TimeUUID(primary_key=True, clustering_order="DESC")
    payload = columns.Text()


class AlertEvent(Event):
    severity = columns.Integer()


class PagedAlertEvent(AlertEvent):
    pager = columns.Text()


class Product(Model):
    """A concrete base without a table name: cqlengine caches a model's table name
    on first use, and a subclass used after its base finds the base's cached name,
    before it, its own. ``sync_table`` works on a copy of the model and creates
    ``digital_product``; the application's queries go to ``product`` or to
    ``digital_product`` depending on which model they use first."""

    sku = columns.Text(primary_key=True)
    title = columns.Text()


class DigitalProduct(Product):
    download_url = columns.Text()
