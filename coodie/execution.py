"""The seam between pure statement building and I/O.

Every operation is written once, as a generator that yields ``Request`` (or
``BatchRequest``) objects and receives the driver's result for each.  ``run`` drives
such a generator with blocking calls; ``arun`` drives the same generator with
``await``.  That is the whole difference between ``coodie.sync`` and ``coodie.aio``.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, Union

if TYPE_CHECKING:
    from .connection import Connection

T = TypeVar("T")


@dataclass(slots=True)
class Request:
    """One CQL statement with its bound values and per-call options.

    ``prepare=False`` is for DDL, which is sent once and never cached.
    """

    cql: str
    params: Sequence[Any] = ()
    consistency: Any = None
    timeout: float | None = None
    fetch_size: int | None = None
    paging_state: bytes | None = None
    prepare: bool = True
    serial_consistency: Any = None


@dataclass(slots=True)
class BatchRequest:
    requests: list[Request] = field(default_factory=list)
    batch_type: str = "LOGGED"  # LOGGED, UNLOGGED or COUNTER
    consistency: Any = None
    timeout: float | None = None


AnyRequest = Union[Request, BatchRequest]
Operation = Generator[tuple["Connection", AnyRequest], Any, T]


def run(operation: Operation[T]) -> T:
    """Drive an operation with blocking driver calls."""
    try:
        conn, request = next(operation)
        while True:
            conn, request = operation.send(conn.execute(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def arun(operation: Operation[T]) -> T:
    """Drive an operation on the running asyncio loop."""
    try:
        conn, request = next(operation)
        while True:
            result = await conn.execute_async(request)
            conn, request = operation.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def nothing(value: T) -> Operation[T]:
    """An operation that needs no I/O (e.g. a write that was added to a batch)."""
    return value
    yield  # pragma: no cover - makes this a generator


__all__ = ["AnyRequest", "BatchRequest", "Operation", "Request", "arun", "nothing", "run"]
