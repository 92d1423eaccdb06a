"""Fixtures for the documentation snippets: a node to run them on, a fresh keyspace prefix.

Tests that use ``docs_keyspace_prefix`` are marked ``integration``.  When no node
answers they are skipped, except with ``CI=true``, where they fail (as in
``tests/integration``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import coodie.sync
from coodie.connection import get_connection
from tests.conftest import cluster_hosts, in_ci

ADMIN = "docs-admin"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "docs_keyspace_prefix" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def docs_session() -> Iterator[Any]:
    """A driver session on the test node, used to drop what the snippets created."""
    hosts = cluster_hosts()
    try:
        coodie.sync.init_coodie(hosts=hosts, name=ADMIN, connect_timeout=10)
    except Exception as exc:  # the driver raises NoHostAvailable and friends
        message = (
            f"no Cassandra node at {hosts} ({type(exc).__name__}: {exc}); start one with "
            "`scripts/cassandra start` or set COODIE_HOSTS"
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield get_connection(ADMIN).session
    coodie.sync.close_coodie(ADMIN)


@pytest.fixture
def docs_keyspace_prefix(docs_session: Any) -> Iterator[str]:
    """A fresh ``coodie_test_<hex>_`` prefix; keyspaces named with it are dropped after."""
    prefix = f"coodie_test_{uuid.uuid4().hex[:12]}_"
    yield prefix
    rows = docs_session.execute("SELECT keyspace_name FROM system_schema.keyspaces")
    for (name,) in rows:
        if name.startswith(prefix):
            coodie.sync.drop_keyspace(name, connection=ADMIN)
