"""coodie: a typed, async-capable Pydantic v2 ODM for Apache Cassandra and ScyllaDB.

Models live in ``coodie.sync`` (blocking) or ``coodie.aio`` (asyncio); field markers
in ``coodie.fields``; errors in ``coodie.exceptions``.
"""

from .clauses import Token
from .query import Page
from .writes import InsertResult

__version__ = "0.1.0"

__all__ = ["InsertResult", "Page", "Token", "__version__"]
