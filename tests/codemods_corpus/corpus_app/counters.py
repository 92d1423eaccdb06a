"""Counter tables."""

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class PageViews(Model):
    site = columns.Text(partition_key=True)
    day = columns.Date(partition_key=True)
    path = columns.Text(primary_key=True)
    views = columns.Counter()
    unique_views = columns.Counter(db_field="uniques")


class Likes(Model):
    __table_name__ = "likes_by_post"
    post_id = columns.UUID(primary_key=True)
    likes = columns.Counter(required=True)
