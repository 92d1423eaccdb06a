"""The child process of ``coodie-upgrade --verify`` (see :mod:`.verify`), and the
description of a class's schema (:func:`describe_class`, used in any process).

The child is this file, loaded by its path: it imports nothing of ``coodie.codemods``
(whose libcst it does not need).  It reads from standard input
``{"roots": [...], "modules": {name: {"path", "source"}}}`` (sources in base64),
imports each module by its dotted name with the given sources served ahead of the
files on disk and ``roots`` first on ``sys.path``, and writes to standard output
``{"modules": {name: {"classes": {...}} or {"error": ..., "where": "path:line"}},
"inert": [...]}``.

Before importing anything it:

- makes connection setup inert: the shim's ``connection.setup``,
  ``register_connection``, ``set_session``, ``default``, ``set_default_connection`` and
  ``unregister_connection``, and coodie's ``init_coodie`` (sync and asyncio) do nothing
  and are listed in ``inert``;
- makes whatever would reach a database raise, saying why: the driver's
  ``Cluster.connect``, the shim's ``get_session``, ``get_cluster`` and ``execute``, and
  coodie's ``get_connection`` (every statement asks for its connection): a module that
  runs statements when it is imported cannot be imported here, and is named;
- makes ``cassandra.cqlengine`` (and its modules) the shim's, for the modules read from
  disk that still import it, as step 1 would;
- writes no bytecode, and sends whatever the modules print to standard error (the
  result alone goes to standard output).
"""

from __future__ import annotations

import base64
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import pkgutil
import sys
import traceback
import types
from collections.abc import Sequence
from typing import Any

KEYSPACE = "<keyspace>"
"""Stands for the keyspace in the statements described: the keyspace is compared on its
own (a different keyspace is one difference, not one per statement)."""

Description = dict[str, Any]
"""What creating one class's schema takes (JSON): see :func:`describe_class`."""


# -- describing classes (in the process that imported them) ---------------------------------


def describe_class(cls: Any) -> Description | None:
    """What creating the schema of ``cls`` runs, or None when it creates none.

    A cqlengine model (of the shim) is described as ``management.sync_table`` syncs it,
    a ``Document`` as ``Document.sync_table()``, a user type (the shim's or coodie's) as
    ``sync_type``, a view as ``sync_view``.  Abstract classes create nothing.  Raises
    what building the description raises (a definition error, say).
    """
    if not isinstance(cls, type):
        return None
    from coodie.compat.cqlengine import management
    from coodie.compat.cqlengine.models import BaseModel
    from coodie.compat.cqlengine.usertype import BaseUserType
    from coodie.document import DocumentBase
    from coodie.schema import read_settings
    from coodie.usertype import UserType
    from coodie.views import ViewBase

    if issubclass(cls, BaseModel):
        if cls.__abstract__ or cls._document is None:
            return None
        with management._placed(cls, None, None) as document:
            return _describe_table(document)
    if issubclass(cls, BaseUserType):
        return None if cls._core is None else _describe_type(cls._core_type())
    if issubclass(cls, UserType):
        return None if cls is UserType else _describe_type(cls)
    if issubclass(cls, DocumentBase):
        if cls.__module__.startswith("coodie.") or read_settings(cls).get("abstract"):
            return None  # the core's own bases (Document, View...)
        if issubclass(cls, ViewBase):
            return _describe_view(cls)
        return _describe_table(cls)
    return None


def _describe_table(document: Any) -> Description:
    from coodie.cql import create_index, create_table, literal
    from coodie.document import table_of
    from coodie.usertype import create_type, type_schema

    schema = table_of(document)  # a hierarchy's table: every subclass's columns
    type_statements = {}
    for user_type in schema.user_types:
        described = type_schema(user_type)
        type_statements[described.name] = create_type(described, KEYSPACE)
    indexes = [
        create_index(schema, KEYSPACE, c, c.index)
        for c in schema.columns
        if c.index is not None and c.index.managed
    ]
    table = create_table(schema, KEYSPACE)
    return {
        "kind": "table",
        "name": schema.table,
        "keyspace": schema.keyspace,
        "connection": schema.connection,
        "statements": [*type_statements.values(), table, *indexes],
        "table": table,
        "columns": {
            c.db_name: c.type.cql + (" static" if c.kind == "static" else "")
            for c in schema.columns
        },
        "partition_key": [c.db_name for c in schema.partition_key],
        "clustering": [f"{c.db_name} {c.order}" for c in schema.clustering],
        "options": {str(k).lower(): literal(v) for k, v in schema.options.items()},
        "indexes": indexes,
        "unmanaged_indexes": [
            c.index.name for c in schema.columns if c.index is not None and not c.index.managed
        ],
        "types": type_statements,
    }


def _describe_type(user_type: Any) -> Description:
    from coodie.usertype import create_type, type_schema

    described = type_schema(user_type)
    statements = {
        type_schema(t).name: create_type(type_schema(t), KEYSPACE) for t in described.dependencies
    }
    statement = create_type(described, KEYSPACE)
    return {
        "kind": "type",
        "name": described.name,
        "keyspace": described.keyspace,
        "connection": None,
        "statements": [*statements.values(), statement],
        "table": statement,
        "types": statements,
    }


def _describe_view(view: Any) -> Description:
    from coodie.cql import create_view
    from coodie.document import table_schema
    from coodie.views import base_of

    description = _describe_table(view)
    base = table_schema(base_of(view)).table
    statement = create_view(table_schema(view), KEYSPACE, base)
    description.update(
        kind="view", base=base, table=statement, statements=[statement], indexes=[], types={}
    )
    return description


def describe_module(module: types.ModuleType) -> dict[str, Description]:
    """Every model, user type and view the module defines (at its top level), by class
    name, in definition order; a class whose description fails has ``{"error": ...}``."""
    out: dict[str, Description] = {}
    seen: set[int] = set()
    for name, value in list(vars(module).items()):
        if not isinstance(value, type) or getattr(value, "__module__", None) != module.__name__:
            continue
        if id(value) in seen:
            continue  # an alias of a class already seen
        seen.add(id(value))
        try:
            described = describe_class(value)
        except Exception as exc:  # a class that the core refuses: said, per class
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        if described is not None:
            out[name] = described
    return out


# -- the child process --------------------------------------------------------------------

INERT: list[str] = []


class ServedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the given modules from the given sources, whatever is on disk."""

    def __init__(self, modules: dict[str, tuple[str, bytes]]) -> None:
        self.modules = modules

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        found = self.modules.get(fullname)
        if found is None:
            return None
        file = found[0]
        package = os.path.basename(file) == "__init__.py"
        return importlib.util.spec_from_file_location(
            fullname,
            file,
            loader=self,
            submodule_search_locations=[os.path.dirname(file)] if package else None,
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        file, source = self.modules[module.__name__]
        code = compile(source, file, "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, fullname: str) -> str:  # for tracebacks and inspect
        return importlib.util.decode_source(self.modules[fullname][1])

    def is_package(self, fullname: str) -> bool:
        return os.path.basename(self.modules[fullname][0]) == "__init__.py"


def _inert(name: str, result: Any = None) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        INERT.append(name)
        return result

    call.__name__ = name.rsplit(".", 1)[-1]
    return call


def _inert_async(name: str) -> Any:
    async def call(*args: Any, **kwargs: Any) -> Any:
        INERT.append(name)
        return None

    return call


def _refuse(what: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"coodie-upgrade --verify connects to no database, and this module {what} when "
            "it is imported (move that into a function, or under if __name__ == '__main__')"
        )

    return call


def make_connections_inert() -> None:
    """Connection setup does nothing; asking for a connection or a session raises."""
    import cassandra.cluster

    import coodie.aio
    import coodie.connection
    import coodie.sync
    from coodie.compat.cqlengine import connection as shim

    for name in (
        "setup",
        "register_connection",
        "set_session",
        "default",
        "set_default_connection",
        "unregister_connection",
    ):
        setattr(shim, name, _inert(f"cqlengine connection.{name}"))
    shim.get_session = _refuse("asks for the driver's session (connection.get_session)")
    shim.get_cluster = _refuse("asks for the driver's cluster (connection.get_cluster)")
    shim.execute = _refuse("runs CQL (connection.execute)")
    coodie.sync.init_coodie = _inert("coodie.sync.init_coodie")
    coodie.aio.init_coodie = _inert_async("coodie.aio.init_coodie")
    cassandra.cluster.Cluster.connect = _refuse("connects (Cluster.connect)")
    # every statement asks for its connection here, under whichever name a module of
    # coodie imported the function
    original = coodie.connection.get_connection
    refused = _refuse("runs a statement (sync_table, a query...)")
    for name, module in list(sys.modules.items()):
        if name == "coodie" or name.startswith("coodie."):
            for attribute, value in list(vars(module).items()):
                if value is original:
                    setattr(module, attribute, refused)


def alias_cqlengine() -> None:
    """``cassandra.cqlengine...`` is the shim (for modules on disk that import it)."""
    import cassandra

    import coodie.compat.cqlengine as shim

    for info in pkgutil.iter_modules(shim.__path__):
        importlib.import_module(f"{shim.__name__}.{info.name}")
    prefix = shim.__name__
    for name, module in list(sys.modules.items()):
        if name == prefix or name.startswith(prefix + "."):
            sys.modules["cassandra.cqlengine" + name[len(prefix) :]] = module
    cassandra.cqlengine = shim


def describe(modules: dict[str, tuple[str, bytes]], served: ServedModules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    taken = {n: m for n, m in sys.modules.items() if n in modules}  # the stdlib's, say
    for name in modules:
        sys.stderr.write(f"coodie-upgrade --verify: importing {name}\n")
        sys.stderr.flush()
        if name in taken:
            where = getattr(taken[name], "__file__", None) or "built in"
            out[name] = {
                "error": f"its name is that of a module imported before it ({where}): it "
                "cannot be imported by that name",
                "where": None,
            }
            continue
        try:
            module = importlib.import_module(name)
            if getattr(module.__spec__, "loader", None) is not served:
                raise ImportError(f"{name} was imported from {module.__file__}, not served")
        except BaseException as exc:  # SystemExit too: the module is named, with why
            if isinstance(exc, KeyboardInterrupt):
                raise
            traceback.print_exc()
            out[name] = {"error": f"{type(exc).__name__}: {exc}", "where": _where(exc)}
            continue
        out[name] = {"classes": describe_module(module)}
    return out


def _where(exc: BaseException) -> str | None:
    """``path:line`` of the deepest frame of a served module: where the import failed."""
    tb = exc.__traceback__
    where = None
    while tb is not None:
        file = tb.tb_frame.f_code.co_filename
        if file in _SERVED_FILES:
            where = f"{file}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


_SERVED_FILES: set[str] = set()


def main() -> None:
    payload = json.loads(sys.stdin.buffer.read())
    result = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what modules print goes to standard error
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True
    modules = {
        name: (entry["path"], base64.b64decode(entry["source"]))
        for name, entry in payload["modules"].items()
    }
    _SERVED_FILES.update(path for path, _ in modules.values())
    for root in reversed(payload["roots"]):
        sys.path.insert(0, root)
    alias_cqlengine()  # imports every module of the shim first
    make_connections_inert()
    served = ServedModules(modules)
    sys.meta_path.insert(0, served)
    data = {"modules": describe(modules, served), "inert": sorted(set(INERT))}
    result.write(json.dumps(data))
    result.flush()
    os._exit(0)  # threads a module started do not keep the process


if __name__ == "__main__":
    main()
