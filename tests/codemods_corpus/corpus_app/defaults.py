"""Defaults: callables of the standard library, of the module and lambdas; mutable
values; values computed once, when the class is made."""

import datetime
import uuid
from datetime import timezone

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


def new_token() -> str:
    return uuid.uuid4().hex


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(timezone.utc)


class CallableDefaults(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    trace = columns.TimeUUID(default=uuid.uuid1)
    created = columns.DateTime(default=datetime.datetime.utcnow)
    updated = columns.DateTime(default=datetime.datetime.now)
    today = columns.Date(default=datetime.date.today)
    token = columns.Text(default=new_token)
    seen = columns.DateTime(default=now_utc)
    expires = columns.DateTime(
        default=lambda: datetime.datetime.now(timezone.utc) + datetime.timedelta(days=1)
    )
    status = columns.Text(default=lambda: "new")
    tries = columns.Integer(default=lambda: 3)
    labels = columns.List(columns.Text, default=lambda: ["inbox"])
    empty = columns.Text(default=str)
    zero = columns.Integer(default=int)


class MutableDefaults(Model):
    """Mutable values as defaults: cqlengine copies nothing, pydantic copies them."""

    id = columns.Integer(primary_key=True)
    steps = columns.List(columns.Integer, default=[1, 2, 3])
    config = columns.Map(columns.Text, columns.Text, default={"mode": "fast"})
    roles = columns.Set(columns.Text, default={"reader"})
    nothing = columns.List(columns.Text, default=[])
    empty_map = columns.Map(columns.Text, columns.Integer, default={})
    empty_set = columns.Set(columns.Integer, default=set())


class FixedAtImport(Model):
    """Defaults computed once, when the module is imported (a call, not a callable):
    every row gets the same value."""

    id = columns.Integer(primary_key=True)
    run_id = columns.UUID(default=uuid.uuid4())
    started = columns.DateTime(default=datetime.datetime(2024, 1, 1, 12, 0))
    epoch = columns.Date(default=datetime.date(1970, 1, 1))
