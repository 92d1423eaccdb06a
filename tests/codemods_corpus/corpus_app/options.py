"""Model options: table names (explicit, mixed case, case sensitive, derived from
long class names and runs of capitals), keyspace and connection, table options and
``__default_ttl__``."""

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model

from . import settings


class NamedTable(Model):
    __table_name__ = "named_things"
    id = columns.Text(primary_key=True)


class MixedCaseName(Model):
    """cqlengine lower-cases the name (and warns)."""

    __table_name__ = "Mixed_Case_Things"
    id = columns.Text(primary_key=True)


class CaseSensitiveName(Model):
    __table_name__ = "CaseSensitiveThings"
    __table_name_case_sensitive__ = True
    id = columns.Text(primary_key=True)
    Value = columns.Text()


class SSHTunnelKey(Model):
    """The default name collapses runs of capitals: sshtunnel_key."""

    id = columns.Text(primary_key=True)


class PerformanceHDRHistogram(Model):
    id = columns.Text(primary_key=True)


class AVeryLongModelClassNameThatGoesOnAndOnBeyondFortyEightCharactersOfIt(Model):
    """cqlengine keeps the last 48 characters of the derived name."""

    id = columns.Text(primary_key=True)


class _PrivateModel(Model):
    """A leading underscore is dropped from the derived name."""

    id = columns.Text(primary_key=True)


class InKeyspace(Model):
    __keyspace__ = settings.KEYSPACE
    __connection__ = settings.CONNECTION
    id = columns.Text(primary_key=True)


class WithOptions(Model):
    __options__ = {
        "comment": "options as applications write them",
        "default_time_to_live": "3600",
        "gc_grace_seconds": 86400,
        "bloom_filter_fp_chance": 0.05,
        "caching": {"keys": "ALL", "rows_per_partition": "10"},
        "compaction": {"class": "LeveledCompactionStrategy", "sstable_size_in_mb": "64"},
    }
    id = columns.Text(primary_key=True)
    body = columns.Text()


class WithDefaultTTL(Model):
    """``__default_ttl__`` alone: cqlengine replaces it with __options__'s value."""

    __default_ttl__ = 600
    id = columns.Text(primary_key=True)


class WithBothTTLs(Model):
    __default_ttl__ = 600
    __options__ = {"default_time_to_live": 1200, "comment": "42"}
    id = columns.Text(primary_key=True)


class NoRoutingKey(Model):
    __compute_routing_key__ = False
    id = columns.Text(primary_key=True)
