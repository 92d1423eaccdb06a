"""Connections: a driver session plus the prepared-statement cache coodie keeps for it.

The driver sits behind this small surface (execute, execute_async, prepare); models
and queries never touch the session directly.  Connections are registered by name;
``Settings.connection`` on a model picks one, ``None`` means the default.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import math
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    ResponseFuture,
    ResultSet,
    Session,
    _ConfigMode,
)
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import (
    BatchStatement,
    BatchType,
    PreparedStatement,
    SimpleStatement,
    tuple_factory,
)

from .exceptions import ConfigurationError
from .execution import AnyRequest, BatchRequest, Request

DEFAULT = "default"
PREPARED_CACHE_SIZE = 2048

_connections: dict[str, Connection] = {}
_lazy: dict[str, Callable[[], Connection]] = {}  # name -> connect on first use


class Connection:
    """A session, its default keyspace, and a bounded cache of prepared statements."""

    def __init__(
        self,
        session: Session,
        keyspace: str | None = None,
        *,
        name: str = DEFAULT,
        owns_cluster: bool = False,
        cache_size: int = PREPARED_CACHE_SIZE,
    ) -> None:
        self.name = name
        self.session = session
        self.cluster: Cluster = session.cluster
        self.keyspace = keyspace
        self._owns_cluster = owns_cluster
        self._prepared: OrderedDict[str, PreparedStatement] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._preparing: dict[tuple[int, str], asyncio.Future[PreparedStatement]] = {}
        self._inbox: _Inbox | None = None  # the last event loop's (see _settle)
        # Rows come back as plain tuples; hydration maps them by position.  A session
        # configured the driver's legacy way (session.row_factory = ..., as cqlengine
        # does) cannot take execution profiles: its rows are turned into tuples instead.
        self.legacy = getattr(self.cluster, "_config_mode", None) == _ConfigMode.LEGACY
        self.profile: ExecutionProfile | None = (
            None
            if self.legacy
            else session.execution_profile_clone_update(
                session.cluster.profile_manager.profiles[EXEC_PROFILE_DEFAULT],
                row_factory=tuple_factory,
            )
        )

        # The keywords of every ``Session.execute_async`` call without per-request options.
        self._options: dict[str, Any] = {} if self.legacy else {"execution_profile": self.profile}

    def __repr__(self) -> str:
        return f"<coodie Connection {self.name!r} keyspace={self.keyspace!r}>"

    # -- prepared statements ------------------------------------------------------------

    def remember(self, cql: str, prepared: PreparedStatement) -> PreparedStatement:
        with self._lock:
            self._prepared[cql] = prepared
            if len(self._prepared) > self._cache_size:
                self._prepared.popitem(last=False)
        return prepared

    def cached(self, cql: str) -> PreparedStatement | None:
        """The prepared statement for ``cql`` if cached, marked as recently used (LRU)."""
        found = self._prepared.get(cql)
        if found is not None:
            try:  # noqa: SIM105 (on every statement: no context manager)
                self._prepared.move_to_end(cql)
            except KeyError:  # evicted by another thread meanwhile: still usable
                pass
        return found

    def prepare(self, cql: str) -> PreparedStatement:
        return self.cached(cql) or self.remember(cql, self.session.prepare(cql))

    async def prepare_async(self, cql: str) -> PreparedStatement:
        found = self.cached(cql)
        if found is not None:
            return found
        # Concurrent first uses of one statement wait for a single PREPARE.
        loop = asyncio.get_running_loop()
        key = (id(loop), cql)
        pending = self._preparing.get(key)
        if pending is None:
            pending = self._preparing[key] = loop.run_in_executor(None, self.session.prepare, cql)
            try:
                return self.remember(cql, await asyncio.shield(pending))
            finally:
                del self._preparing[key]
        return await asyncio.shield(pending)

    def forget_prepared(self) -> None:
        """Drop cached statements (after DDL that changes a table's columns)."""
        with self._lock:
            self._prepared.clear()

    # -- binding ---------------------------------------------------------------------------

    def _batch(self, batch: BatchRequest, prepared: list[PreparedStatement]) -> BatchStatement:
        statement = BatchStatement(batch_type=getattr(BatchType, batch.batch_type))
        if batch.consistency is not None:
            statement.consistency_level = batch.consistency  # checked by BatchRequest
        for request, ps in zip(batch.requests, prepared, strict=True):
            statement.add(ps, request.params)
        return statement

    def statement(self, request: AnyRequest, prepared: Any) -> tuple[Any, Any, dict[str, Any]]:
        """The driver statement, parameters and ``Session.execute`` keywords of a request
        (its consistency levels were checked when it was built).  The keywords may be
        the connection's own dict: read them, pass them on, never change them."""
        if isinstance(request, BatchRequest):
            statement: Any = self._batch(request, prepared)
            params: Any = None
            paging_state = None
        else:
            if prepared is None:
                statement = SimpleStatement(request.cql)
                params = request.params or None
            else:
                statement = prepared.bind(request.params)
                params = None
            if request.consistency is not None:
                statement.consistency_level = request.consistency
            if request.serial_consistency is not None:
                statement.serial_consistency_level = request.serial_consistency
            if request.fetch_size is not None:
                statement.fetch_size = request.fetch_size
            paging_state = request.paging_state
        kwargs = self._options
        if request.timeout is not None or paging_state is not None:
            kwargs = dict(kwargs)
            if request.timeout is not None:  # math.inf: no client-side timeout at all
                kwargs["timeout"] = None if request.timeout == math.inf else request.timeout
            if paging_state is not None:
                kwargs["paging_state"] = paging_state
        return statement, params, kwargs

    def _start(self, request: AnyRequest, prepared: Any) -> ResponseFuture:
        statement, params, kwargs = self.statement(request, prepared)
        return self.session.execute_async(statement, params, **kwargs)

    def prepared_for(self, request: AnyRequest) -> Any:
        """The prepared statement(s) a request needs (prepared now if not cached)."""
        if isinstance(request, BatchRequest):
            return [self.prepare(r.cql) for r in request.requests]
        return self.prepare(request.cql) if request.prepare else None

    def rows(self, result: Any) -> Any:
        """A driver result as operations read it (tuple rows, also for a legacy session)."""
        return _TupleRows(result) if self.legacy else result

    # -- execution ---------------------------------------------------------------------------

    def execute(self, request: AnyRequest) -> ResultSet:
        if isinstance(request, Request) and request.prepare:  # the usual case, in one call
            prepared = self.cached(request.cql) or self.prepare(request.cql)
        else:
            prepared = self.prepared_for(request)
        statement, params, kwargs = self.statement(request, prepared)
        result = self.session.execute_async(statement, params, **kwargs).result()
        return _TupleRows(result) if self.legacy else result

    def execute_async(self, request: AnyRequest) -> Awaitable[Any]:
        """Awaitable result.  When the statement is already prepared (the usual case) this
        is the asyncio future fed by the driver's callbacks, without a coroutine around it."""
        if isinstance(request, BatchRequest):
            return self._prepare_then_execute(request)
        if not request.prepare:
            return self._future(request, None)
        prepared = self.cached(request.cql)
        if prepared is None:
            return self._prepare_then_execute(request)
        statement, params, kwargs = self.statement(request, prepared)
        return self._settle(self.session.execute_async(statement, params, **kwargs))

    async def _prepare_then_execute(self, request: AnyRequest) -> Any:
        if isinstance(request, BatchRequest):
            prepared: Any = [await self.prepare_async(r.cql) for r in request.requests]
        else:
            prepared = await self.prepare_async(request.cql)
        return await self._future(request, prepared)

    def _future(self, request: AnyRequest, prepared: Any) -> asyncio.Future[Any]:
        return self._settle(self._start(request, prepared))

    def _settle(self, future: ResponseFuture) -> asyncio.Future[Any]:
        """An asyncio future settled from the driver's I/O thread.

        The rows the callback receives are wrapped on the loop's thread as
        ``ResponseFuture.result()`` would (without its lock round), and a cancelled
        waiter is left alone."""
        loop = asyncio.get_running_loop()
        inbox = self._inbox
        if inbox is None or inbox.loop is not loop:
            inbox = self._inbox = _Inbox(loop)
        waiter: asyncio.Future[Any] = loop.create_future()
        future.add_callbacks(
            _settled,
            _settled,
            callback_args=(False, inbox, waiter, future, self.legacy),
            errback_args=(True, inbox, waiter, future, self.legacy),
        )
        return waiter

    def close(self) -> None:
        if self._owns_cluster:
            self.cluster.shutdown()


def _settled(
    outcome: Any,
    failed: bool,
    inbox: _Inbox,
    waiter: asyncio.Future[Any],
    future: ResponseFuture,
    legacy: bool,
) -> None:
    """On the driver's I/O thread: hand the rows (or the error) to the waiter's loop."""
    inbox.put((waiter, future, outcome, failed, legacy))


class _Inbox:
    """Outcomes on their way from the driver's I/O thread to one event loop.

    ``loop.call_soon_threadsafe`` writes to the loop's wake-up socket on every call;
    many responses arriving together (a fan-out) are handed over with one wake-up
    instead, and drained in one callback on the loop."""

    __slots__ = ("items", "lock", "loop", "waking")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: collections.deque[Any] = collections.deque()
        self.lock = threading.Lock()
        self.waking = False

    def put(self, item: Any) -> None:
        with self.lock:
            self.items.append(item)
            if self.waking:
                return  # a drain is on its way and will take this one too
            self.waking = True
        try:  # noqa: SIM105 (on every response: no context manager)
            self.loop.call_soon_threadsafe(self.drain)
        except RuntimeError:  # the loop was closed meanwhile: nobody is waiting any more
            pass

    def drain(self) -> None:
        with self.lock:
            self.waking = False
        items = self.items
        while items:
            item = items.popleft()
            try:
                _resolve(*item)
            except Exception as exc:  # e.g. a result that cannot be read: its awaiter's
                if not item[0].done():
                    item[0].set_exception(exc)


class _TupleRows:
    """A legacy session's result with its rows (dicts, named tuples) as plain tuples."""

    __slots__ = ("column_names", "current_rows", "paging_state")

    def __init__(self, result: Any) -> None:
        rows = result.current_rows
        if rows and isinstance(rows[0], dict):
            rows = [tuple(row.values()) for row in rows]
        self.current_rows = rows
        self.paging_state = result.paging_state
        self.column_names = result.column_names


def _resolve(
    waiter: asyncio.Future[Any], future: ResponseFuture, outcome: Any, failed: bool, legacy: bool
) -> None:
    if waiter.done():  # cancelled meanwhile
        return
    if failed:
        waiter.set_exception(outcome)
    else:
        result = ResultSet(future, outcome)
        waiter.set_result(_TupleRows(result) if legacy else result)


# -- registry ------------------------------------------------------------------------------


def register(connection: Connection, *, default: bool = False) -> Connection:
    """Register a connection under its name; ``default=True`` also makes it the default.

    A connection registered before under the same name is closed, and every name that
    pointed to it (e.g. the default) now points to the new one.
    """
    previous = _connections.get(connection.name)
    if previous is not None and previous is not connection:
        for name, conn in list(_connections.items()):
            if conn is previous:
                _connections[name] = connection
        previous.close()
    _connections[connection.name] = connection
    if default and connection.name != DEFAULT:
        _connections[DEFAULT] = connection
    return connection


def register_lazy(name: str, connect: Callable[[], Connection], *, default: bool = False) -> None:
    """Register a connection that ``connect()`` makes (and registers) when a statement
    first needs it, so that an unreachable cluster costs nothing until then."""
    _lazy[name] = connect
    if default:
        _lazy[DEFAULT] = connect


def get_connection(name: str | None = None) -> Connection:
    key = name or DEFAULT
    try:
        return _connections[key]
    except KeyError:
        connect = _lazy.get(key)
        if connect is not None:
            made = connect()  # a failure leaves it lazy: the next use tries again
            _lazy.pop(key, None)
            _connections[key] = made
            return made
        if key == DEFAULT:
            raise ConfigurationError(
                "no connection: call init_coodie(hosts=[...], keyspace=...) from coodie.sync "
                "or coodie.aio first"
            ) from None
        raise ConfigurationError(
            f"no connection named {key!r}; register it with "
            f"init_coodie(hosts=[...], keyspace=..., name={key!r})"
        ) from None


def unregister(name: str | None = None) -> None:
    _lazy.pop(name or DEFAULT, None)
    conn = _connections.pop(name or DEFAULT, None)
    if conn is not None and conn not in _connections.values():
        conn.close()


_LEGACY_OR_PROFILES = frozenset(
    {"execution_profiles", "load_balancing_policy", "default_retry_policy"}
)


def connect(
    hosts: list[str] | tuple[str, ...] | str | None = None,
    keyspace: str | None = None,
    *,
    session: Session | None = None,
    name: str = DEFAULT,
    **driver_options: Any,
) -> Connection:
    """Blocking connect shared by ``coodie.sync.init_coodie`` and ``coodie.aio.init_coodie``."""
    if session is None:
        if hosts is None:
            raise ConfigurationError("init_coodie needs hosts=[...] or session=<driver Session>")
        points, port = contact_points(hosts)
        if port is not None:
            driver_options.setdefault("port", port)
        if not _LEGACY_OR_PROFILES & driver_options.keys():
            # The driver's default policy, stated so that the driver does not warn (not
            # with its legacy options: the driver refuses them next to profiles).
            driver_options["execution_profiles"] = {
                EXEC_PROFILE_DEFAULT: ExecutionProfile(
                    load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy())
                )
            }
        cluster = Cluster(contact_points=points, **driver_options)
        session = cluster.connect()
        owns = True
    else:
        if hosts is not None or driver_options:
            raise ConfigurationError("pass either session=... or hosts/driver options, not both")
        owns = False
    conn = Connection(session, keyspace, name=name, owns_cluster=owns)
    return register(conn)


def contact_points(hosts: str | list[str] | tuple[str, ...]) -> tuple[list[str], int | None]:
    """Contact points and their port from ``"h1,h2"``, ``"h1:9043,h2:9043"`` or a list.

    IPv6 addresses are written bare (``"::1"``) or, with a port, in brackets
    (``"[::1]:9043"``).  Every host must use the same port (the driver takes one).
    """
    if isinstance(hosts, str):
        hosts = hosts.split(",")
    points: list[str] = []
    ports: set[int] = set()
    for entry in (h.strip() for h in hosts):
        if not entry:
            continue
        host, port = _host_and_port(entry)
        if port is not None:
            ports.add(port)
        points.append(host)
    if len(ports) > 1:
        raise ConfigurationError(f"hosts use different ports {sorted(ports)}; use one port")
    return points, (ports.pop() if ports else None)


def _host_and_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        address, closed, rest = entry[1:].partition("]")
        if not closed or not _is_ipv6(address) or (rest and not rest.startswith(":")):
            raise ConfigurationError(
                f"host {entry!r}: brackets hold an IPv6 address, optionally followed by "
                ":port, e.g. '[::1]:9042'"
            )
        return address, (_port(entry, rest[1:]) if rest else None)
    if entry.count(":") > 1:  # only an IPv6 address has several colons
        if not _is_ipv6(entry):
            raise ConfigurationError(
                f"host {entry!r} is neither host, host:port nor an IPv6 address; write an "
                "IPv6 address with a port in brackets, e.g. '[2001:db8::1]:9042'"
            )
        return entry, None
    host, colon, port = entry.partition(":")
    return host, (_port(entry, port) if colon else None)


def _port(entry: str, text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 65536):
        raise ConfigurationError(
            f"host {entry!r}: the port must be a number from 1 to 65535, e.g. 'host:9042'"
        )
    return int(text)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)  # also takes a scope: 'fe80::1%eth0'
    except ValueError:
        return False
    return True


__all__ = [
    "DEFAULT",
    "Connection",
    "connect",
    "contact_points",
    "get_connection",
    "register",
    "unregister",
]
