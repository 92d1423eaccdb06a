"""Sync every model of a copy of ``corpus_app`` with one engine, in a process of its own.

    python sync_corpus.py cqlengine|coodie ROOT KEYSPACE HOSTS

``ROOT`` holds the package (the original or its conversion); the keyspace is created
and every concrete model of every module is synced into it, module by module in name
order and in definition order within a module (the order matters to cqlengine: see
``corpus_app.inheritance.Product``). ``corpus_app.settings`` reads the keyspace and the
connection name from the environment, set here. Prints, as JSON, each model synced:
``[module, class, how]`` where ``how`` is ``cqlengine``, ``document`` (a native coodie
Document) or ``shim`` (a class the codemod left on the compatibility layer).

A process per engine keeps the two versions of the package apart (both are
``corpus_app``, with absolute imports) and their connections too.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import sys
import warnings
from types import ModuleType
from typing import Any

CONNECTION = "corpus_named"


def modules(root: str) -> list[ModuleType]:
    sys.path.insert(0, root)
    package = importlib.import_module("corpus_app")
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    return [importlib.import_module(f"corpus_app.{name}") for name in names]


def own_classes(module: ModuleType) -> list[type[Any]]:
    """The classes a module defines, in definition order."""
    return [
        c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == module.__name__
    ]


def sync_cqlengine(root: str, keyspace: str, hosts: list[str]) -> list[list[str]]:
    from cassandra.cqlengine import connection, management, models

    connection.setup(hosts, keyspace)
    management.create_keyspace_simple(keyspace, 1)
    # connected after the keyspace exists: its cluster's metadata knows it from the start
    connection.register_connection(CONNECTION, hosts=hosts)
    done = []
    for module in modules(root):
        for cls in own_classes(module):
            if issubclass(cls, models.Model) and not cls.__abstract__:
                management.sync_table(cls)
                done.append([module.__name__, cls.__name__, "cqlengine"])
    return done


def sync_coodie(root: str, keyspace: str, hosts: list[str]) -> list[list[str]]:
    import coodie.sync
    from coodie.compat.cqlengine import connection as shim_connection
    from coodie.compat.cqlengine import management as shim_management
    from coodie.compat.cqlengine import models as shim_models
    from coodie.document import read_settings

    coodie.sync.init_coodie(hosts=hosts, keyspace=keyspace)
    coodie.sync.create_keyspace(keyspace, replication_factor=1)
    coodie.sync.init_coodie(hosts=hosts, keyspace=keyspace, name=CONNECTION)
    # what the codemod left on the compatibility layer: its own connection
    shim_connection.register_connection("corpus_shim", hosts=hosts)
    done = []
    for module in modules(root):
        for cls in own_classes(module):
            if issubclass(cls, coodie.sync.Document):
                if not read_settings(cls).get("abstract"):
                    cls.sync_table()
                    done.append([module.__name__, cls.__name__, "document"])
            elif issubclass(cls, shim_models.Model) and not cls.__abstract__:
                shim_management.sync_table(cls, keyspaces=[keyspace], connections=["corpus_shim"])
                done.append([module.__name__, cls.__name__, "shim"])
    return done


def main(argv: list[str]) -> None:
    engine, root, keyspace, hosts = argv
    os.environ["CORPUS_KEYSPACE"] = keyspace
    os.environ["CORPUS_CONNECTION"] = CONNECTION
    os.environ["CQLENG_ALLOW_SCHEMA_MANAGEMENT"] = "1"
    warnings.simplefilter("ignore")
    sync = sync_cqlengine if engine == "cqlengine" else sync_coodie
    done = sync(root, keyspace, hosts.split(","))
    print(json.dumps(done))


if __name__ == "__main__":
    main(sys.argv[1:])
