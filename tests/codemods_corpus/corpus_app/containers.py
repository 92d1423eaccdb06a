"""Lists, sets, maps and tuples: element types as classes and as instances, keyword
arguments, frozen collections, collections nested in collections, tuples, and the
``_freeze_db_type`` calls applications make in class bodies."""

import uuid

from cassandra.cqlengine import columns
from cassandra.cqlengine.columns import BaseCollectionColumn
from cassandra.cqlengine.models import Model


class Lists(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    names = columns.List(columns.Text)
    counts = columns.List(columns.Integer())
    stamps = columns.List(value_type=columns.DateTime)
    amounts = columns.List(columns.Decimal, default=[])
    uids = columns.List(columns.TimeUUID, required=True)
    bigs = columns.List(columns.BigInt, default=list)


class Sets(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    tags = columns.Set(columns.Text)
    codes = columns.Set(columns.Ascii(), strict=False)
    days = columns.Set(value_type=columns.Date)
    hosts = columns.Set(columns.Inet, default=set)
    ids = columns.Set(columns.UUID, default=set())
    levels = columns.Set(columns.SmallInt, required=False)


class Maps(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    attrs = columns.Map(columns.Text, columns.Text)
    scores = columns.Map(columns.Ascii(), columns.Double())
    seen = columns.Map(key_type=columns.UUID, value_type=columns.DateTime)
    sizes = columns.Map(columns.Integer, value_type=columns.BigInt)
    weights = columns.Map(columns.Text, columns.Float, default={})
    flags = columns.Map(columns.TimeUUID, columns.Boolean, default=dict)


class FrozenCollections(Model):
    """frozen=True, also on key columns."""

    tags = columns.Set(columns.Text, frozen=True, partition_key=True)
    path = columns.List(columns.Integer, frozen=True, primary_key=True)
    labels = columns.Map(columns.Text, columns.Text, frozen=True, primary_key=True)
    history = columns.List(columns.Text, frozen=True)
    members = columns.Set(columns.UUID, frozen=False)
    options = columns.Map(columns.Ascii, columns.Integer, frozen=True)


class NestedCollections(Model):
    """A collection in a collection is frozen, as cqlengine makes it."""

    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    matrix = columns.List(columns.List(columns.Integer))
    groups = columns.Map(columns.Text, columns.Set(columns.UUID))
    deep = columns.Map(columns.Text, columns.Map(columns.Text, columns.List(columns.Double)))
    pairs = columns.Set(columns.Tuple(columns.Text, columns.Integer))
    layers = columns.List(columns.Map(columns.Ascii, columns.Set(columns.Integer)))
    frozen_nested = columns.List(columns.Set(columns.Text), frozen=True)
    keyed = columns.Map(columns.Tuple(columns.Integer, columns.Integer), columns.Text)


class Tuples(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    point = columns.Tuple(columns.Double, columns.Double)
    record = columns.Tuple(columns.Text, columns.Integer(), columns.DateTime, columns.UUID)
    nested = columns.Tuple(
        columns.Text, columns.List(columns.Integer), columns.Map(columns.Text, columns.Text)
    )
    inner = columns.Tuple(columns.Integer, columns.Tuple(columns.Text, columns.Boolean))
    history = columns.List(columns.Tuple(columns.DateTime, columns.Text))


class TupleKeys(Model):
    """Tuples as key columns and with keyword arguments."""

    coords = columns.Tuple(columns.Integer, columns.Integer, partition_key=True)
    version = columns.Tuple(
        columns.Integer, columns.Integer, columns.Integer, primary_key=True, clustering_order="DESC"
    )
    label = columns.Tuple(columns.Text, columns.Text, required=True)
    note = columns.Tuple(columns.Text, columns.Text, db_field="remark")


class FrozenByCall(Model):
    """Collections frozen after the fact, by ``_freeze_db_type`` (the way applications
    froze collections before cqlengine had ``frozen=True``)."""

    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    tags = columns.Set(columns.Text)
    tags._freeze_db_type()
    scores = columns.Map(columns.Text, columns.Integer)
    BaseCollectionColumn._freeze_db_type(scores)
    path = columns.List(columns.Text, primary_key=True)
    columns.BaseCollectionColumn._freeze_db_type(path)
    loose = columns.List(columns.Text)
