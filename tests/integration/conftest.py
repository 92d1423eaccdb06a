"""Fixtures for tests against a real node: one fresh keyspace per session, dropped after.

``api`` runs a test once with ``coodie.sync`` and once with ``coodie.aio``; test
bodies are ``async def`` and wrap every call in ``await api.wait(...)``, which awaits
coroutines and passes plain values through.  Models are defined once per API by
functions that take the ``Document`` base class.
"""

from __future__ import annotations

import inspect
import types
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import coodie.aio
import coodie.sync
from coodie.connection import Connection, get_connection
from coodie.exceptions import CoodieError
from tests.conftest import cluster_hosts, in_ci


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def keyspace() -> Iterator[str]:
    """Connect the default coodie connection to a fresh keyspace."""
    name = f"coodie_test_{uuid.uuid4().hex[:12]}"
    hosts = cluster_hosts()
    try:
        coodie.sync.init_coodie(hosts=hosts, keyspace=name, connect_timeout=10)
    except Exception as exc:  # the driver raises NoHostAvailable and friends
        message = (
            f"no Cassandra node at {hosts} ({type(exc).__name__}: {exc}); start one with "
            "`scripts/cassandra start` or set COODIE_HOSTS"
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    coodie.sync.create_keyspace(name, replication_factor=1)
    yield name
    try:
        coodie.sync.drop_keyspace(name)
    finally:
        coodie.sync.close_coodie()


@pytest.fixture(scope="session")
def connection(keyspace: str) -> Connection:
    return get_connection()


class Api:
    """One of the two fronts, with ``wait`` to treat sync and async calls alike."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.name = module.__name__.rsplit(".", 1)[-1]
        self.Document = module.Document
        self.BatchQuery = module.BatchQuery
        self.QuerySet = module.QuerySet

    @staticmethod
    async def wait(value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    async def collect(self, queryset: Any) -> list[Any]:
        """Iterate a queryset the front's own way (``for`` or ``async for``)."""
        if self.name == "aio":
            return [item async for item in queryset]
        return list(queryset)

    async def raises(self, exc: type[BaseException], call: Any, *args: Any, **kwargs: Any) -> Any:
        with pytest.raises(exc) as info:
            await self.wait(call(*args, **kwargs))
        return info.value

    def __repr__(self) -> str:
        return self.name


@pytest.fixture(params=[coodie.sync, coodie.aio], ids=["sync", "aio"])
def api(request: pytest.FixtureRequest, keyspace: str) -> Api:
    return Api(request.param)


__all__ = ["Api", "CoodieError"]
