"""cqlengine's ``connection`` module over coodie's connection registry.

``setup()`` connects once and registers the session with coodie (so models find it);
the session's own rows are dicts, as cqlengine's are, because applications read
``row["col"]`` from raw CQL on it; coodie's statements get tuples through their own
execution profile.  ``session`` and ``cluster`` are readable module attributes.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections import defaultdict
from typing import Any

from cassandra import ConsistencyLevel
from cassandra.cluster import (
    _NOT_SET,
    Cluster,
    Session,
    UserTypeDoesNotExist,
    _ConfigMode,
)
from cassandra.query import SimpleStatement, dict_factory

from ... import connection as core
from . import hints
from .errors import CQLEngineException
from .statements import BaseCQLStatement

log = logging.getLogger(__name__)

NOT_SET = _NOT_SET  # the driver's "no timeout given", as cqlengine passes it
DEFAULT_CONNECTION = object()  # cqlengine's marker for "the default connection"


class Connection:
    """One named connection as cqlengine describes it."""

    def __init__(
        self,
        name: str,
        hosts: Any = None,
        consistency: Any = None,
        lazy_connect: bool = False,
        retry_connect: bool = False,
        cluster_options: dict[str, Any] | None = None,
        session: Session | None = None,
    ) -> None:
        self.name = name
        self.hosts = hosts
        self.consistency = consistency
        self.lazy_connect = lazy_connect
        self.retry_connect = retry_connect
        self.cluster_options = dict(cluster_options or {})
        self.session = session
        self.cluster: Cluster | None = session.cluster if session is not None else None
        self._adopted = session is not None  # the application's session: never shut down

    def setup(self, keyspace: str | None) -> None:
        """Connect now, or with ``lazy_connect`` on first use (registered with coodie as
        a connection made when a statement first needs it)."""
        self.keyspace = keyspace
        if self.lazy_connect and self.session is None:
            core.register_lazy(self.name, self._connect)
            return
        self._connect()

    def handle_lazy_connect(self) -> None:
        if self.session is None:
            core.get_connection(self.name)

    def _connect(self) -> core.Connection:
        """Connect as cqlengine does: a session configured the driver's legacy way (dict
        rows, ``session.default_consistency_level``) unless ``cluster_options`` bring
        execution profiles, which then get the dict rows and the consistency."""
        if self.session is None:
            options = dict(self.cluster_options)
            hosts = None if options.get("cloud") else self.hosts
            self.cluster = Cluster(hosts, **options) if hosts is not None else Cluster(**options)
            self.session = self.cluster.connect()
        # Dict rows and the consistency, on an adopted session too, as cqlengine does.
        if self.session.cluster._config_mode == _ConfigMode.PROFILES:
            default = self.session.cluster.profile_manager.default
            default.row_factory = dict_factory
            if self.consistency is not None:
                default.consistency_level = self.consistency
        else:
            self.session.row_factory = dict_factory
            if self.consistency is not None:
                self.session.default_consistency_level = self.consistency
        return core.register(
            _CoreConnection(
                self.session, self.keyspace, name=self.name, owns_cluster=not self._adopted
            )
        )


def _legacy(session: Session) -> bool:
    return bool(getattr(session.cluster, "_config_mode", None) == _ConfigMode.LEGACY)


class _CoreConnection(core.Connection):
    """coodie's connection for a cqlengine one: models without ``__keyspace__`` live in
    ``models.DEFAULT_KEYSPACE`` (set by ``setup()``), whatever the connection, as in
    cqlengine."""

    @property
    def keyspace(self) -> str | None:  # read on every statement: no import here
        models = sys.modules.get(f"{__package__}.models")
        default = getattr(models, "DEFAULT_KEYSPACE", None)
        return default or self._own_keyspace

    @keyspace.setter
    def keyspace(self, value: str | None) -> None:
        self._own_keyspace = value


_connections: dict[str, Connection] = {}
_default: str | None = None

# The user types the models use, by keyspace (None: the default keyspace), by name.
udt_by_keyspace: defaultdict[str | None, dict[str, Any]] = defaultdict(dict)


def register_udt(keyspace: str | None, type_name: str, klass: Any, connection: Any = None) -> None:
    udt_by_keyspace[keyspace][type_name] = klass


def _register_known_types(cluster: Any) -> None:
    """Register the recorded user types with a driver cluster (its raw reads then build
    the classes); the shim's own reads do not need it."""
    from . import models

    for keyspace, types in udt_by_keyspace.items():
        for type_name, klass in types.items():
            with contextlib.suppress(UserTypeDoesNotExist):
                cluster.register_user_type(keyspace or models.DEFAULT_KEYSPACE, type_name, klass)


def _name(connection: Any) -> str:
    if connection is None or connection is DEFAULT_CONNECTION:
        if _default is None:
            raise CQLEngineException(
                "Connection name '<default>' doesn't exist in the registry: there is no "
                "default connection; call connection.setup(hosts, keyspace) first"
            )
        return _default
    return str(connection)


def register_connection(
    name: str,
    hosts: Any = None,
    consistency: Any = None,
    lazy_connect: bool = False,
    retry_connect: bool = False,
    cluster_options: dict[str, Any] | None = None,
    default: bool = False,
    session: Session | None = None,
) -> Connection:
    """Connect ``name`` (or adopt ``session``) and register it with coodie too."""
    hints.hint("CU007", f"connection.register_connection({name!r}, ...)")
    global _default
    if name in _connections:
        log.warning("Registering connection '%s' when it already exists.", name)
        unregister_connection(name)
    if session is not None and (
        hosts or cluster_options or consistency is not None or lazy_connect or retry_connect
    ):
        raise CQLEngineException(
            "Session configuration arguments and 'session' argument are mutually exclusive"
        )
    conn = Connection(
        name, hosts, consistency, lazy_connect, retry_connect, cluster_options, session
    )
    conn.setup(session.keyspace if session is not None else None)
    _connections[name] = conn
    if default:
        set_default_connection(name)
    return conn


def unregister_connection(name: str) -> None:
    global _default
    conn = _connections.pop(name, None)
    if conn is None:
        return
    core.unregister(name)
    if _default == name:
        _default = None
        core.unregister(None)  # coodie's default pointed to it


def set_default_connection(name: str) -> None:
    global _default
    if name not in _connections:
        raise CQLEngineException(f"Connection name '{name}' doesn't exist in the registry.")
    _default = name
    conn = _connections[name]
    if conn.session is None and conn.lazy_connect:
        if name != core.DEFAULT:
            core.unregister(None)  # the previous default (closed unless named as well)
            core.register_lazy(core.DEFAULT, lambda: core.get_connection(name))
    else:
        core.register(core.get_connection(name), default=True)


def get_connection(name: Any = None) -> Connection:
    key = _name(name)
    try:
        return _connections[key]
    except KeyError:
        raise CQLEngineException(
            f"Connection name '{key}' doesn't exist in the registry."
        ) from None


def setup(
    hosts: Any,
    default_keyspace: str | None,
    consistency: Any = None,
    lazy_connect: bool = False,
    retry_connect: bool = False,
    **kwargs: Any,
) -> None:
    """Connect the default connection: ``setup(["127.0.0.1"], "ks")``."""
    hints.hint("CU007", "connection.setup(...)")
    name = "default"
    if name in _connections:
        unregister_connection(name)
    from . import models

    models.DEFAULT_KEYSPACE = default_keyspace  # None too, as cqlengine
    conn = Connection(name, hosts, consistency, lazy_connect, retry_connect, kwargs)
    conn.setup(default_keyspace)
    _connections[name] = conn
    set_default_connection(name)


def set_session(session: Session) -> None:
    """Use an existing driver session as the default connection."""
    name = "default"
    if name in _connections:
        unregister_connection(name)
    if session.keyspace:  # cqlengine takes the session's keyspace as the default
        from . import models

        models.DEFAULT_KEYSPACE = session.keyspace
    conn = Connection(name, session=session)
    conn.setup(session.keyspace)
    _connections[name] = conn
    set_default_connection(name)


def default() -> None:
    """cqlengine's ``default()``: the default connection to the driver's default contact
    point (localhost); the default keyspace stays as it is."""
    register_connection("default", hosts=["127.0.0.1"], default=True)


def get_session(connection: Any = None) -> Session:
    conn = get_connection(connection)
    conn.handle_lazy_connect()
    session = conn.session
    assert session is not None
    return session


def get_cluster(connection: Any = None) -> Cluster:
    conn = get_connection(connection)
    conn.handle_lazy_connect()
    cluster = conn.cluster
    if cluster is None:
        raise CQLEngineException("Cluster not configured; call connection.setup() first")
    return cluster


def execute(
    query: Any,
    params: Any = None,
    consistency_level: Any = None,
    timeout: Any = NOT_SET,
    connection: Any = None,
    **session_options: Any,
) -> Any:
    """Run a statement (CQL text or a driver statement) on a connection's session.

    Raw CQL gets dict rows.  The shim's own statements come here too (already bound,
    with their execution profile in ``session_options``), so that patching this
    function or ``Session.execute`` sees every statement, as with cqlengine."""
    session = _session(connection)
    if isinstance(query, BaseCQLStatement):  # cqlengine's statement objects, as text + values
        params = query.get_context()
        query = SimpleStatement(
            str(query), consistency_level=consistency_level, fetch_size=query.fetch_size
        )
    elif isinstance(query, str):
        query = SimpleStatement(query, consistency_level=consistency_level)
    elif consistency_level is not None:
        query.consistency_level = consistency_level
    session_options["timeout"] = timeout
    return session.execute(query, params, **session_options)


def _session(connection: Any) -> Session:
    """The session of a cqlengine connection, or of a coodie connection of that name."""
    key = _name(connection)
    found = _connections.get(key)
    if found is not None and found.session is not None:
        return found.session
    return core.get_connection(key).session


def __getattr__(name: str) -> Any:
    # cqlengine exposes the default ``session`` and ``cluster`` as module attributes.
    if name in ("session", "cluster"):
        if _default is None:
            return None
        return getattr(_connections[_default], name)
    raise AttributeError(name)


__all__ = [
    "NOT_SET",
    "ConsistencyLevel",
    "default",
    "execute",
    "get_cluster",
    "get_connection",
    "get_session",
    "register_connection",
    "set_default_connection",
    "set_session",
    "setup",
    "unregister_connection",
]
