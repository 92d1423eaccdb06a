"""How the shim sends the core's requests: through ``connection.execute``.

cqlengine sends every statement through ``cqlengine.connection.execute`` and then
``Session.execute``, and applications (and cqlengine's own tests) patch either to
count or inspect statements.  The shim drives the core's operations with the core's
runner and this one ``execute`` step: the request is prepared and bound by the core
connection, then handed to ``connection.execute`` (looked up at call time, so that a
patch sees it), which calls ``Session.execute`` with the bound statement.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ...execution import AnyRequest, BatchRequest, Operation
from ...execution import run as core_run
from . import connection as cqlengine_connection

T = TypeVar("T")


def _through_execute(conn: Any, request: AnyRequest) -> Any:
    statement, params, kwargs = conn.statement(request, conn.prepared_for(request))
    if not hasattr(statement, "query_string"):  # cqlengine's statements show their CQL
        statement.query_string = (
            request.cql
            if not isinstance(request, BatchRequest)
            else "\n".join(["BEGIN BATCH", *(r.cql for r in request.requests), "APPLY BATCH;"])
        )
    timeout = kwargs.pop("timeout", cqlengine_connection.NOT_SET)
    result = cqlengine_connection.execute(
        statement, params, timeout=timeout, connection=conn.name, **kwargs
    )
    return conn.rows(result)


def run(operation: Operation[T]) -> T:
    """Drive a core operation, each request through ``connection.execute``."""
    return core_run(operation, _through_execute)


__all__ = ["run"]
