"""Connections, the benchmark keyspace, prepared statements and seeded data.

Each API gets its own driver ``Cluster`` (as it would in an application): raw builds
one with ``tuple_factory`` rows, cqlengine runs its ``connection.setup``, compat (the
same code from ``coodie.compat.cqlengine``) runs the shim's, which also becomes
coodie's default connection (shared by ``coodie.sync`` and ``coodie.aio``, replacing
the one ``init_coodie`` made to create the table).  The keyspace is created here and
dropped in ``close()``.
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

from .models import (
    KEY_NAMES,
    NAMES,
    NATIVE,
    TABLE,
    SyncRun,
    make_cqlengine_model,
    new_rows,
    params,
)

DDL_TIMEOUT = 120.0


def parse_hosts(hosts: str) -> tuple[list[str], int | None]:
    """``"h1,h2"`` or ``"h1:9043,h2:9043"`` -> contact points and port, as coodie reads them."""
    try:
        return contact_points(hosts)
    except ConfigurationError as exc:
        raise SystemExit(f"--hosts: {exc}") from None


# The cqlengine API, from each package that provides it: only the import root differs.
FLAVOURS: tuple[tuple[str, str], ...] = (
    ("cqlengine", "cassandra.cqlengine"),
    ("compat", "coodie.compat.cqlengine"),
)
# cqlengine is ~10x slower per item than the others on CPU work: it runs over the first
# 20,000 items only, to keep a full run short (per-item times are compared, and a
# smaller batch, a smaller heap for the garbage collector, can only flatter it).
CPU_SLOW_CAP = 20_000


@dataclass
class Flavour:
    """A cqlengine-shaped API: cqlengine itself, or coodie's compat shim.

    The workloads hold one cqlengine-style body each, run once per flavour: the
    model below is made by the same ``make_cqlengine_model`` from the flavour's own
    ``columns`` and ``models`` modules, and every call goes through these modules.
    """

    name: str  # "cqlengine" or "compat": the contender
    root: str  # "cassandra.cqlengine" or "coodie.compat.cqlengine"
    columns: Any
    connection: Any
    management: Any
    models: Any
    query: Any
    model: Any  # BenchRun, the cqlengine twin of SyncRun
    cpu_cap: int | None  # at most this many items per repetition on CPU workloads

    @property
    def batch_query(self) -> Any:
        return self.query.BatchQuery

    @classmethod
    def load(cls, name: str, root: str) -> Flavour:
        """Import the flavour's modules (the model comes once it is connected)."""
        modules = {
            part: importlib.import_module(f"{root}.{part}")
            for part in ("columns", "connection", "management", "models", "query")
        }
        cap = CPU_SLOW_CAP if name == "cqlengine" else None
        return cls(name=name, root=root, model=None, cpu_cap=cap, **modules)


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

        # coodie creates the table (its model is the reference definition), on a
        # connection of its own: the shim's setup below makes its legacy session coodie's
        # default, and native coodie is measured on its own session.
        coodie.sync.init_coodie(
            hosts=self.hosts, keyspace=self.keyspace, name=NATIVE, connect_timeout=10
        )
        SyncRun.sync_table()

        # cqlengine and compat: the same setup code, from each one's import root.
        # cqlengine's own connection; sync_table on the existing table must be a no-op
        # (it adds columns or indexes it finds missing, which would reveal a difference).
        # compat's connection.setup also registers its session as coodie's default
        # connection (the shim's models run on it, as in an application that runs both);
        # the coodie contender keeps its own (models.NATIVE).
        os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")
        for name, root in FLAVOURS:
            self._open_flavour(name, root)

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

    def _open_flavour(self, name: str, root: str) -> None:
        """Connect one cqlengine-shaped API and define the model with it.

        cqlengine must work; the compat contender runs only if ``coodie.compat.cqlengine``
        imports and sets up (a shim in progress must not stop the other contenders).
        """
        try:
            flavour = Flavour.load(name, root)
            flavour.connection.setup(self.points, self.keyspace, **self._cluster_options())
            flavour.model = make_cqlengine_model(flavour.columns, flavour.models.Model)
            before = self._schema_fingerprint()
            flavour.management.sync_table(flavour.model)
            if self._schema_fingerprint() != before:
                print(f"warning: {root}'s sync_table changed the coodie-made table", flush=True)
        except Exception as exc:
            if name != "compat":
                raise
            what = "" if isinstance(exc, ImportError) else "setup failed: "
            self.compat_error = f"n/a ({what}{type(exc).__name__}: {exc})"
            return
        self.flavours[name] = flavour

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
            coodie.sync.close_coodie(NATIVE)
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


__all__ = ["CPU_SLOW_CAP", "FLAVOURS", "Env", "Flavour", "parse_hosts"]
