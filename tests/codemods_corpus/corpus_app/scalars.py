"""Every scalar column type of cqlengine: nullable, required, with literal defaults,
with length limits, and as key columns."""

import uuid

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class AllScalars(Model):
    """One nullable column of each scalar type."""

    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    text = columns.Text()
    ascii = columns.Ascii()
    integer = columns.Integer()
    tiny = columns.TinyInt()
    small = columns.SmallInt()
    big = columns.BigInt()
    var = columns.VarInt()
    single = columns.Float()
    double = columns.Double()
    amount = columns.Decimal()
    flag = columns.Boolean()
    stamp = columns.DateTime()
    day = columns.Date()
    clock = columns.Time()
    span = columns.Duration()
    uid = columns.UUID()
    tuid = columns.TimeUUID()
    blob = columns.Blob()
    raw = columns.Bytes()
    address = columns.Inet()


class RequiredScalars(Model):
    """required=True, with and without a default."""

    id = columns.Integer(primary_key=True)
    name = columns.Text(required=True)
    code = columns.Ascii(required=True, default="XX")
    count = columns.Integer(required=True, default=0)
    ratio = columns.Double(required=True, default=1.0)
    active = columns.Boolean(required=True, default=True)
    owner = columns.UUID(required=True)
    seen = columns.DateTime(required=False)


class LiteralDefaults(Model):
    """A literal default of each kind: the column is not nullable then."""

    id = columns.Text(primary_key=True)
    label = columns.Text(default="untitled")
    level = columns.TinyInt(default=-1)
    size = columns.BigInt(default=2**40)
    weight = columns.Float(default=0.5)
    score = columns.Double(default=-2.5e-3)
    enabled = columns.Boolean(default=False)
    payload = columns.Blob(default=b"\x00")
    nothing = columns.Text(default=None)
    host = columns.Inet(default="127.0.0.1")


class TextLimits(Model):
    """min_length and max_length on Text and Ascii."""

    id = columns.Ascii(primary_key=True, max_length=36)
    title = columns.Text(min_length=1, max_length=200)
    slug = columns.Ascii(max_length=64, default="draft")
    body = columns.Text(min_length=0)


class ScalarKeys(Model):
    """Key columns of many types: a composite partition key and many clustering
    columns."""

    region = columns.Ascii(partition_key=True)
    bucket = columns.SmallInt(partition_key=True)
    day = columns.Date(primary_key=True)
    at = columns.Time(primary_key=True, clustering_order="DESC")
    seq = columns.VarInt(primary_key=True)
    level = columns.TinyInt(primary_key=True, clustering_order="desc")
    price = columns.Decimal(primary_key=True)
    ratio = columns.Float(primary_key=True)
    exact = columns.Double(primary_key=True)
    ok = columns.Boolean(primary_key=True)
    node = columns.Inet(primary_key=True)
    digest = columns.Blob(primary_key=True)
    event = columns.TimeUUID(primary_key=True, clustering_order="Desc")
    value = columns.Text()


class DailyReport(Model):
    """Columns named after the types they hold, as applications name them."""

    id = columns.UUID(primary_key=True)
    date = columns.Date()
    datetime = columns.DateTime()
    previous_date = columns.Date()
    created = columns.DateTime()
    time = columns.Time()
