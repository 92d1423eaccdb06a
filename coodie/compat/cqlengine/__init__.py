"""``coodie.compat.cqlengine``: cqlengine's API over coodie's core.

Change ``cassandra.cqlengine`` to ``coodie.compat.cqlengine`` in an application's
imports: models, querysets, batches, connection and management calls keep their
cqlengine behaviour, and every statement is the core's (prepared, bound). The
vocabulary mapping the shim and the ``coodie-upgrade`` codemod share is ``mapping``.
"""

from .errors import CQLEngineException, UnicodeMixin, ValidationError

CACHING_ALL = "ALL"
CACHING_KEYS_ONLY = "KEYS_ONLY"
CACHING_ROWS_ONLY = "ROWS_ONLY"
CACHING_NONE = "NONE"

SizeTieredCompactionStrategy = "SizeTieredCompactionStrategy"
LeveledCompactionStrategy = "LeveledCompactionStrategy"

ANY = "ANY"
ONE = "ONE"
TWO = "TWO"
THREE = "THREE"
QUORUM = "QUORUM"
LOCAL_ONE = "LOCAL_ONE"
LOCAL_QUORUM = "LOCAL_QUORUM"
EACH_QUORUM = "EACH_QUORUM"
ALL = "ALL"

__all__ = ["CQLEngineException", "UnicodeMixin", "ValidationError"]
