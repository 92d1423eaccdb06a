"""Batches collect writes without I/O and send them as one BATCH statement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .connection import Connection
from .exceptions import InvalidQuery, LWTFailed
from .execution import BatchRequest, Operation, Request, check_timeout, consistency_level

_TYPES = ("LOGGED", "UNLOGGED", "COUNTER")  # the names of cassandra.query.BatchType


def _batch_type(value: Any) -> str:
    name = getattr(value, "name", value)
    name = "LOGGED" if name is None else str(name).upper()
    if name not in _TYPES:
        raise InvalidQuery(f"batch_type must be one of {', '.join(_TYPES)}, not {value!r}")
    return name


def lwt_row(result: Any) -> dict[str, Any] | None:
    """The first row of a conditional write's answer, by column name (``[applied]``
    first), as Cassandra sent it."""
    rows = result.current_rows
    if not rows:
        return None
    return dict(zip(result.column_names, rows[0], strict=False))


class BatchBase:
    """Shared state of ``coodie.sync.BatchQuery`` and ``coodie.aio.BatchQuery``.

    Writes given ``batch=`` are added here; the batch runs once, on a clean exit of
    its ``with`` block (or by ``execute()``), and never when the block raised.
    """

    def __init__(
        self,
        batch_type: Any = "LOGGED",
        *,
        consistency: Any = None,
        timeout: float | None = None,
    ) -> None:
        self.batch_type = _batch_type(batch_type)
        self.consistency = consistency_level(consistency)
        self.timeout = check_timeout(timeout, "BatchQuery")
        self._connection: Connection | None = None
        self._requests: list[Request] = []
        self._done: list[Callable[[], None]] = []
        self._docs: list[object] = []
        self._doc_ids: set[int] = set()
        self._conditional = False  # holds a write with IF: applied all or nothing
        self.executed = False

    def add(
        self,
        connection: Connection,
        request: Request,
        done: Callable[[], None] | None = None,
        *,
        counter: bool = False,
        doc: object = None,
        conditional: bool = False,
    ) -> None:
        """Queue a write; ``done`` runs after the batch was applied (never if it fails).

        ``counter`` marks a write to a counter table, which goes in a COUNTER batch and
        only there; ``doc`` is the document written, if any (see ``holds``)."""
        if counter and self.batch_type != "COUNTER":
            raise InvalidQuery(
                "counter updates (and deletes of counter rows) go in a counter batch: use "
                "BatchQuery(batch_type='COUNTER') for them and another batch for other writes"
            )
        if not counter and self.batch_type == "COUNTER":
            raise InvalidQuery(
                "a COUNTER batch takes only counter updates and deletes of counter rows; put "
                "this write in another BatchQuery"
            )
        if self.executed:
            raise InvalidQuery("this batch was already executed; start a new BatchQuery")
        if self._connection is None:
            self._connection = connection
        elif connection is not self._connection:
            raise InvalidQuery(
                f"a batch runs on one connection; this write uses {connection.name!r} but the "
                f"batch already holds writes for {self._connection.name!r}"
            )
        self._requests.append(request)
        self._conditional = self._conditional or conditional
        if done is not None:
            self._done.append(done)
        if doc is not None:
            self._docs.append(doc)  # kept alive, so that its id stays its own
            self._doc_ids.add(id(doc))

    def holds(self, doc: object) -> bool:
        """Does the batch hold a write of this document (not yet executed)?"""
        return id(doc) in self._doc_ids

    def __len__(self) -> int:
        return len(self._requests)

    @property
    def statements(self) -> list[str]:
        """The CQL of the writes collected so far (for logs and tests)."""
        return [r.cql for r in self._requests]

    def _execute_op(self) -> Operation[None]:
        if self.executed:
            raise InvalidQuery("this batch was already executed; start a new BatchQuery")
        self.executed = True
        if not self._requests or self._connection is None:
            return
        request = BatchRequest(
            list(self._requests), self.batch_type, self.consistency, self.timeout
        )
        self._requests.clear()
        self._docs.clear()
        self._doc_ids.clear()
        result = yield self._connection, request
        if self._conditional:
            row = lwt_row(result)
            if row is not None and next(iter(row.values()), True) is False:
                self._done.clear()
                raise LWTFailed(
                    "the batch was not applied: a condition of its writes did not hold "
                    f"(Cassandra answered {row})",
                    None,
                    row,
                )
        for done in self._done:
            done()
        self._done.clear()


__all__ = ["BatchBase", "lwt_row"]
