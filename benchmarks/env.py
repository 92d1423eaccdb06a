"""Connections, the benchmark keyspace, prepared statements and seeded data.

Each contender gets its own driver ``Cluster`` (as it would in an application):
raw builds one with ``tuple_factory`` rows, cqlengine runs ``connection.setup`` on
its own, coodie runs ``init_coodie`` (shared by ``coodie.sync`` and ``coodie.aio``).
The keyspace is created here and dropped in ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import PreparedStatement, tuple_factory

import coodie.sync
from coodie.connection import contact_points
from coodie.exceptions import ConfigurationError

from .models import KEY_NAMES, NAMES, TABLE, SyncRun, make_cqlengine_model, new_rows, params

DDL_TIMEOUT = 120.0


def parse_hosts(hosts: str) -> tuple[list[str], int | None]:
    """``"h1,h2"`` or ``"h1:9043,h2:9043"`` -> contact points and port, as coodie reads them."""
    try:
        return contact_points(hosts)
    except ConfigurationError as exc:
        raise SystemExit(f"--hosts: {exc}") from None


@dataclass
class Flavour:
    """A cqlengine-shaped API: cqlengine itself, or coodie's compat shim."""

    name: str
    package: str  # "cassandra.cqlengine" or "coodie.compat.cqlengine"
    model: Any
    batch_query: Any
    connection: Any


@dataclass
class Statements:
    insert: PreparedStatement
    insert_lwt: PreparedStatement
    get: PreparedStatement
    update: PreparedStatement
    delete: PreparedStatement
    partition: PreparedStatement
    index: PreparedStatement


class Env:
    """Everything the workloads share.  ``open()`` connects, ``close()`` cleans up."""

    def __init__(self, hosts: str, *, quick: bool) -> None:
        self.hosts = hosts
        self.points, self.port = parse_hosts(hosts)
        self.quick = quick
        self.keyspace = f"coodie_bench_{uuid.uuid4().hex[:10]}"
        self.raw_cluster: Cluster | None = None
        self.raw: Session = None  # type: ignore[assignment]
        self.ps: Statements = None  # type: ignore[assignment]
        self.flavours: dict[str, Flavour] = {}
        self.compat_error: str | None = None
        self.loop = asyncio.new_event_loop()
        self._seeded: dict[str, Any] = {}
        self._keyspace_created = False

    # -- lifecycle -----------------------------------------------------------------------

    def _cluster_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"connect_timeout": 10}
        if self.port is not None:
            options["port"] = self.port
        return options

    def open(self) -> None:
        logging.getLogger("cassandra").setLevel(logging.ERROR)  # batch-size warnings etc.
        warnings.filterwarnings("ignore", module=r"cassandra\..*")
        self.raw_cluster = Cluster(
            self.points,
            execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(row_factory=tuple_factory)},
            **self._cluster_options(),
        )
        self.raw = self.raw_cluster.connect()
        self.raw.execute(
            f"CREATE KEYSPACE {self.keyspace} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}",
            timeout=DDL_TIMEOUT,
        )
        self._keyspace_created = True

        # coodie creates the table (its model is the reference definition).
        coodie.sync.init_coodie(hosts=self.hosts, keyspace=self.keyspace, connect_timeout=10)
        SyncRun.sync_table()

        # cqlengine: its own connection; sync_table on the existing table must be a no-op
        # (it adds columns or indexes it finds missing, which would reveal a difference).
        os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")
        from cassandra.cqlengine import columns, connection, management, models, query

        connection.setup(self.points, self.keyspace, **self._cluster_options())
        model = make_cqlengine_model(columns, models.Model)
        before = self._schema_fingerprint()
        management.sync_table(model)
        if self._schema_fingerprint() != before:
            print("warning: cqlengine's sync_table changed the coodie-made table", flush=True)
        self.flavours["cqlengine"] = Flavour(
            "cqlengine", "cassandra.cqlengine", model, query.BatchQuery, connection
        )
        self._open_compat()

        ref = f"{self.keyspace}.{TABLE}"
        cols = ", ".join(NAMES)
        marks = ", ".join("?" for _ in NAMES)
        by_key = " AND ".join(f"{k} = ?" for k in KEY_NAMES)
        prepare = self.raw.prepare
        self.ps = Statements(
            insert=prepare(f"INSERT INTO {ref} ({cols}) VALUES ({marks})"),
            insert_lwt=prepare(f"INSERT INTO {ref} ({cols}) VALUES ({marks}) IF NOT EXISTS"),
            get=prepare(f"SELECT {cols} FROM {ref} WHERE {by_key}"),
            update=prepare(f"UPDATE {ref} SET status = ?, heartbeat = ? WHERE {by_key}"),
            delete=prepare(f"DELETE FROM {ref} WHERE {by_key}"),
            partition=prepare(f"SELECT {cols} FROM {ref} WHERE build_id = ? AND shard = ?"),
            index=prepare(f"SELECT {cols} FROM {ref} WHERE release_id = ?"),
        )

    def _open_compat(self) -> None:
        """The compat contender runs only once ``coodie.compat.cqlengine`` exists."""
        try:
            columns = importlib.import_module("coodie.compat.cqlengine.columns")
            models = importlib.import_module("coodie.compat.cqlengine.models")
            query = importlib.import_module("coodie.compat.cqlengine.query")
            connection = importlib.import_module("coodie.compat.cqlengine.connection")
        except ImportError as exc:
            self.compat_error = f"n/a ({exc})"
            return
        try:
            connection.setup(self.points, self.keyspace, **self._cluster_options())
            model = make_cqlengine_model(columns, models.Model)
        except Exception as exc:  # a shim in progress must not stop the other contenders
            self.compat_error = f"n/a (setup failed: {type(exc).__name__}: {exc})"
            return
        self.flavours["compat"] = Flavour(
            "compat", "coodie.compat.cqlengine", model, query.BatchQuery, connection
        )

    def _schema_fingerprint(self) -> tuple[Any, ...]:
        cols = self.raw.execute(
            "SELECT column_name, kind, type, clustering_order FROM system_schema.columns "
            "WHERE keyspace_name = %s AND table_name = %s",
            (self.keyspace, TABLE),
        )
        idx = self.raw.execute(
            "SELECT index_name FROM system_schema.indexes "
            "WHERE keyspace_name = %s AND table_name = %s",
            (self.keyspace, TABLE),
        )
        return tuple(sorted(cols)), tuple(sorted(idx))

    def close(self) -> None:
        try:
            if self._keyspace_created:
                self.raw.execute(f"DROP KEYSPACE IF EXISTS {self.keyspace}", timeout=DDL_TIMEOUT)
        finally:
            for flavour in self.flavours.values():
                with contextlib.suppress(Exception):  # best effort at shutdown
                    flavour.connection.unregister_connection("default")
            coodie.sync.close_coodie()
            if self.raw_cluster is not None:
                self.raw_cluster.shutdown()
            self.loop.close()

    # -- data ------------------------------------------------------------------------------

    def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """Write rows with the raw driver (setup, never timed)."""
        results = execute_concurrent_with_args(
            self.raw, self.ps.insert, [params(r) for r in rows], concurrency=64
        )
        failed = [r for ok, r in results if not ok]
        if failed:
            raise RuntimeError(f"seeding failed: {failed[0]!r}")

    def seeded(self, name: str, n: int, *, shards: int = 4) -> list[dict[str, Any]]:
        """Rows seeded once per run under partition ``seed-<name>`` and shared by contenders."""
        found = self._seeded.get(name)
        if found is None or len(found) < n:
            found = new_rows(f"seed-{name}", n, shards)
            self.insert_rows(found)
            self._seeded[name] = found
        return found  # type: ignore[no-any-return]

    def forget_cpu_data(self) -> None:
        for key in [k for k in self._seeded if k.startswith(("cpu-", "memory-"))]:
            del self._seeded[key]

    # -- running -------------------------------------------------------------------------------

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)


__all__ = ["Env", "Flavour", "parse_hosts"]
