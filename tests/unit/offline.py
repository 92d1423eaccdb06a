"""A connection for unit tests that answers at the I/O seam, without a driver.

``Recorder`` is a ``coodie.connection.Connection`` whose ``execute`` and
``execute_async`` record each ``Request`` and answer with an empty result: tests see
exactly what the operations yielded (statement text and bound values), and "nothing
was sent" means no request reached the seam.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from coodie.connection import Connection
from coodie.execution import AnyRequest, BatchRequest


def stub_session() -> Any:
    """Just enough of a driver session to build a ``Connection``; never called."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT

    profiles = {EXEC_PROFILE_DEFAULT: SimpleNamespace()}
    return SimpleNamespace(
        cluster=SimpleNamespace(profile_manager=SimpleNamespace(profiles=profiles)),
        execution_profile_clone_update=lambda profile, **changes: SimpleNamespace(**changes),
    )


EMPTY = SimpleNamespace(current_rows=[], paging_state=None, column_names=[])


class Recorder(Connection):
    def __init__(self, keyspace: str, name: str) -> None:
        super().__init__(stub_session(), keyspace, name=name)
        self.requests: list[AnyRequest] = []

    def execute(self, request: AnyRequest) -> Any:
        self.requests.append(request)
        return EMPTY

    async def execute_async(self, request: AnyRequest) -> Any:  # type: ignore[override]
        self.requests.append(request)
        return EMPTY

    @property
    def executed(self) -> list[tuple[str, list[Any]]]:
        """(statement, bound values) of each request; a batch counts its statements."""
        out = []
        for r in self.requests:
            parts = r.requests if isinstance(r, BatchRequest) else [r]
            out += [(p.cql, list(p.params)) for p in parts]
        return out

    @property
    def prepared(self) -> list[str]:
        """The distinct statement texts, i.e. what the connection would prepare."""
        return list(dict.fromkeys(cql for cql, _ in self.executed))

    @property
    def untouched(self) -> bool:
        return not self.requests
