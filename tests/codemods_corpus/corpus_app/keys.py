"""Primary keys: the first primary key as the partition key, composite partition
keys, clustering columns declared before the partition columns, every spelling of
the clustering order, static columns and db_field on key columns."""

import uuid

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class SimpleKey(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    name = columns.Text()


class FirstKeyPartitions(Model):
    """No partition_key: the first primary key is the partition key, the others
    cluster in declaration order."""

    owner = columns.Text(primary_key=True)
    created = columns.DateTime(primary_key=True, clustering_order="DESC")
    id = columns.TimeUUID(primary_key=True)
    note = columns.Text()


class CompositePartition(Model):
    tenant = columns.UUID(partition_key=True)
    region = columns.Ascii(partition_key=True)
    shard = columns.Integer(partition_key=True)
    at = columns.DateTime(primary_key=True)
    value = columns.Double()


class ClusteringFirst(Model):
    """Clustering columns declared before, between and after the partition columns;
    the orders in every case cqlengine accepts."""

    minute = columns.Integer(primary_key=True, clustering_order="desc")
    sensor = columns.Text(partition_key=True)
    second = columns.Integer(primary_key=True, clustering_order="ASC")
    day = columns.Date(partition_key=True)
    seq = columns.BigInt(primary_key=True, clustering_order="asc")
    part = columns.Integer(primary_key=True, clustering_order="DESC")
    reading = columns.Float()


class KeysOnly(Model):
    """A table whose columns are all key columns."""

    a = columns.Text(partition_key=True)
    b = columns.Text(primary_key=True, clustering_order="DESC")
    c = columns.Integer(primary_key=True)


class Statics(Model):
    """Static columns, with defaults and a static collection."""

    account = columns.UUID(partition_key=True)
    entry = columns.TimeUUID(primary_key=True, clustering_order="DESC")
    owner = columns.Text(static=True)
    balance = columns.Decimal(static=True, required=True)
    limits = columns.Map(columns.Text, columns.Integer, static=True)
    flags = columns.Set(columns.Ascii, static=False)
    amount = columns.Decimal()


class RenamedKeys(Model):
    """db_field on partition, clustering and plain columns."""

    tenant = columns.UUID(partition_key=True, db_field="tenant_id")
    kind = columns.Text(primary_key=True, db_field="Kind", clustering_order="desc")
    name = columns.Text(primary_key=True, db_field="name")
    body = columns.Text(db_field="content")
    reply_to = columns.Text(db_field="from")
