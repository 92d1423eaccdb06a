"""How the shim sends the core's requests: through ``connection.execute``.

cqlengine sends every statement through ``cqlengine.connection.execute`` and then
``Session.execute``, and applications (and cqlengine's own tests) patch either to
count or inspect statements.  The shim drives the core's operations with the core's
runner and this one ``execute`` step: the request is prepared and bound by the core
connection, then handed to ``connection.execute`` (looked up at call time, so that a
patch sees it), which calls ``Session.execute`` with the bound statement.

Later pages of a read are fetched by the driver's result (``fetch_next_page``), as
cqlengine reads them: one statement per query, whatever its number of pages.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple, TypeVar

from ...execution import AnyRequest, BatchRequest, Operation, Request
from ...execution import arun as core_arun
from ...execution import run as core_run
from . import connection as cqlengine_connection

T = TypeVar("T")


class _LastPage(NamedTuple):
    """A result whose paging state the driver did not give (a patched ``execute``)."""

    current_rows: Any
    column_names: Any
    paging_state: None = None


def _through_execute(conn: Any, request: AnyRequest, timeout: Any) -> Any:
    statement, params, kwargs = conn.statement(request, conn.prepared_for(request))
    if not hasattr(statement, "query_string"):  # cqlengine's statements show their CQL
        statement.query_string = (
            request.cql
            if not isinstance(request, BatchRequest)
            else "\n".join(["BEGIN BATCH", *(r.cql for r in request.requests), "APPLY BATCH;"])
        )
    if timeout is cqlengine_connection.NOT_SET:
        timeout = kwargs.get("timeout", timeout)
    options = {k: v for k, v in kwargs.items() if k != "timeout"}  # kwargs may be shared
    return cqlengine_connection.execute(
        statement, params, timeout=timeout, connection=conn.name, **options
    )


def run(operation: Operation[T], timeout: Any = cqlengine_connection.NOT_SET) -> T:
    """Drive a core operation, each request through ``connection.execute``; ``timeout``
    is cqlengine's (``None`` for none, ``NOT_SET`` for the session's default)."""
    pages: dict[bytes, Any] = {}  # paging state -> the driver result that continues it

    def step(conn: Any, request: AnyRequest) -> Any:
        state = getattr(request, "paging_state", None)
        result = pages.pop(state, None) if state is not None else None
        if result is not None:
            result.fetch_next_page()
        else:
            result = _through_execute(conn, request, timeout)
        if result is None:  # a patched execute that returns nothing
            return None
        state = getattr(result, "paging_state", None)
        if isinstance(state, bytes):
            pages[state] = result
        elif state is not None:
            return _LastPage(result.current_rows, result.column_names)
        return conn.rows(result)

    return core_run(operation, step)


async def arun(operation: Operation[T], timeout: Any = cqlengine_connection.NOT_SET) -> T:
    """Drive a core operation on the running asyncio loop (the shim's asyncio API).

    Requests go straight to the driver's asynchronous execution: ``connection.execute``
    is blocking, so it is not on this path.  ``timeout`` is cqlengine's: ``NOT_SET``
    keeps the request's own (or the session's default)."""
    if timeout is cqlengine_connection.NOT_SET:
        return await core_arun(operation)
    seconds = math.inf if timeout is None else timeout  # cqlengine's None: no timeout

    def step(conn: Any, request: AnyRequest) -> Any:
        return conn.execute_async(dataclasses.replace(request, timeout=seconds))

    return await core_arun(operation, step)


def run_schema(operation: Operation[T]) -> T:
    """Drive a schema operation as cqlengine's management functions do: DDL goes to
    ``Session.execute`` but not through ``connection.execute`` (cqlengine's management
    module holds its own reference to it, which patches do not reach), and reads of
    ``system_schema`` go straight to the driver (cqlengine reads the driver's metadata,
    which sends no statement)."""

    def step(conn: Any, request: AnyRequest) -> Any:
        if isinstance(request, Request) and request.cql.startswith("SELECT "):
            return conn.execute(request)
        statement, params, kwargs = conn.statement(request, conn.prepared_for(request))
        if not hasattr(statement, "query_string"):
            statement.query_string = getattr(request, "cql", "")
        return conn.rows(conn.session.execute(statement, params, **kwargs))

    return core_run(operation, step)


__all__ = ["arun", "run", "run_schema"]
