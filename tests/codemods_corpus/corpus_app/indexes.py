"""Secondary indexes: on scalars, on db_field columns, on collections (values and, for
frozen ones, FULL), on a clustering column, and custom indexes made elsewhere."""

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class Searchable(Model):
    id = columns.Text(partition_key=True)
    seq = columns.Integer(primary_key=True, index=True)
    email = columns.Text(index=True)
    status = columns.Ascii(index=True, default="new")
    owner = columns.UUID(index=True, db_field="owner_id")
    tags = columns.Set(columns.Text, index=True)
    scores = columns.Map(columns.Text, columns.Integer, index=True)
    history = columns.List(columns.Text, index=True)
    frozen_tags = columns.Set(columns.Text, frozen=True, index=True)
    flag = columns.Boolean(index=False)


class CustomIndexed(Model):
    """custom_index=True: the index is made outside the application (cqlengine
    creates none, and lets queries filter on the column)."""

    id = columns.Text(primary_key=True)
    body = columns.Text(custom_index=True)
    title = columns.Text(custom_index=False)
