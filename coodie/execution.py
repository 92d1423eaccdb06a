"""The seam between pure statement building and I/O.

Every operation is written once, as a generator that yields ``Request`` (or
``BatchRequest``) objects and receives the driver's result for each.  ``run`` drives
such a generator with blocking calls; ``arun`` drives the same generator with
``await``.  That is the whole difference between ``coodie.sync`` and ``coodie.aio``.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, Union

from cassandra import ConsistencyLevel

from .exceptions import ConfigurationError, InvalidQuery

if TYPE_CHECKING:
    from .connection import Connection

T = TypeVar("T")


def consistency_level(value: Any) -> Any:
    """Accept ``ConsistencyLevel.QUORUM`` (an int) or ``"QUORUM"``/``"quorum"``."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value in ConsistencyLevel.value_to_name:
            return value
    else:
        found = ConsistencyLevel.name_to_value.get(str(value).upper())
        if found is not None:
            return found
    raise ConfigurationError(
        f"unknown consistency level {value!r}; use one of "
        + ", ".join(sorted(ConsistencyLevel.name_to_value))
    )


def check_timeout(value: Any, where: str = "timeout") -> float | None:
    """``timeout`` is seconds (an int or float above 0; ``math.inf`` for no client-side
    timeout), or ``None`` for the session's default."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidQuery(f"{where}: timeout must be a positive number of seconds, not {value!r}")
    return float(value)


@dataclass(slots=True, init=False)
class Request:
    """One CQL statement with its bound values and per-call options.

    ``prepare=False`` is for DDL, which is sent once and never cached.  The options are
    checked here, when the request is built: before any I/O, even a PREPARE (one
    ``__init__`` per statement, without a ``__post_init__`` call).
    """

    cql: str
    params: Sequence[Any]
    consistency: Any
    timeout: float | None
    fetch_size: int | None
    paging_state: bytes | None
    prepare: bool
    serial_consistency: Any

    def __init__(
        self,
        cql: str,
        params: Sequence[Any] = (),
        consistency: Any = None,
        timeout: float | None = None,
        fetch_size: int | None = None,
        paging_state: bytes | None = None,
        prepare: bool = True,
        serial_consistency: Any = None,
    ) -> None:
        self.cql = cql
        self.params = params
        self.consistency = None if consistency is None else consistency_level(consistency)
        self.timeout = None if timeout is None else check_timeout(timeout)
        self.fetch_size = fetch_size
        self.paging_state = paging_state
        self.prepare = prepare
        self.serial_consistency = (
            None if serial_consistency is None else consistency_level(serial_consistency)
        )


@dataclass(slots=True)
class BatchRequest:
    requests: list[Request] = field(default_factory=list)
    batch_type: str = "LOGGED"  # LOGGED, UNLOGGED or COUNTER
    consistency: Any = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.timeout is not None:
            check_timeout(self.timeout, "BatchQuery")
        if self.consistency is not None:
            self.consistency = consistency_level(self.consistency)


AnyRequest = Union[Request, BatchRequest]
Operation = Generator[tuple["Connection", Union[AnyRequest, "Control"]], Any, T]


@dataclass(slots=True)
class Pause:
    """Wait before the next request (``time.sleep`` or ``asyncio.sleep``, by front)."""

    seconds: float


@dataclass(slots=True)
class ForgetPrepared:
    """Drop the connection's prepared statements (after DDL changed a table's columns)."""


Control = Union[Pause, ForgetPrepared]


def run(
    operation: Operation[T], execute: Callable[[Connection, AnyRequest], Any] | None = None
) -> T:
    """Drive an operation with blocking driver calls; errors are raised inside it.

    ``execute`` sends one request (default: the connection's ``execute``; a front may
    route requests its own way: the cqlengine shim sends them through
    ``cqlengine.connection.execute``, which applications patch).
    """
    try:
        conn, request = next(operation)
        while True:
            if isinstance(request, Pause):
                time.sleep(request.seconds)
                conn, request = operation.send(None)
                continue
            if isinstance(request, ForgetPrepared):
                conn.forget_prepared()
                conn, request = operation.send(None)
                continue
            try:
                result = conn.execute(request) if execute is None else execute(conn, request)
            except Exception as exc:
                conn, request = operation.throw(exc)
            else:
                conn, request = operation.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def arun(
    operation: Operation[T],
    execute: Callable[[Connection, AnyRequest], Awaitable[Any]] | None = None,
) -> T:
    """Drive an operation on the running asyncio loop; errors are raised inside it.
    ``execute`` sends one request (default: the connection's ``execute_async``)."""
    try:
        conn, request = next(operation)
        while True:
            if isinstance(request, Pause):
                await asyncio.sleep(request.seconds)
                conn, request = operation.send(None)
                continue
            if isinstance(request, ForgetPrepared):
                conn.forget_prepared()
                conn, request = operation.send(None)
                continue
            try:
                result = await (
                    conn.execute_async(request) if execute is None else execute(conn, request)
                )
            except Exception as exc:
                conn, request = operation.throw(exc)
            else:
                conn, request = operation.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def drive(operation: Operation[T], results: Iterable[Any] = ()) -> tuple[T, list[Any]]:
    """Run an operation without a database: each request it yields gets the next of
    ``results`` (an exception in ``results`` is raised inside the operation, as a
    failed request would be).  Returns its value and the requests it yielded.

    For tests of statement building and of the checks made before any I/O, and for
    tools that need the statements without sending them::

        value, requests = drive(save_op(doc), [None])
    """
    answers = iter(results)
    sent: list[Any] = []
    try:
        _, request = next(operation)
        while True:
            sent.append(request)
            if isinstance(request, (Pause, ForgetPrepared)):
                _, request = operation.send(None)
                continue
            try:
                answer = next(answers)
            except StopIteration:
                what = getattr(request, "cql", request)
                raise AssertionError(
                    f"the operation sent request {len(sent)} ({what!r}) but no result was "
                    "given for it"
                ) from None
            if isinstance(answer, BaseException):
                _, request = operation.throw(answer)
            else:
                _, request = operation.send(answer)
    except StopIteration as done:
        return done.value, sent


def call(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Call a blocking function (the blocking twin of ``acall``)."""
    return function(*args, **kwargs)


async def acall(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Call a blocking function (connecting, shutting down) in a worker thread, so that
    the event loop keeps running meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(function, *args, **kwargs)
    )


__all__ = [
    "AnyRequest",
    "BatchRequest",
    "ForgetPrepared",
    "Operation",
    "Pause",
    "Request",
    "acall",
    "arun",
    "call",
    "check_timeout",
    "consistency_level",
    "drive",
    "run",
]
