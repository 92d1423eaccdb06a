"""Modules made from source text, for tests that build models without files: the
original of a codemod example (through the shim) and its rewrite (through the core)."""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def registered(source: str, name: str) -> Iterator[types.ModuleType]:
    """The module of ``source``, in ``sys.modules`` under ``name`` for the block (model
    classes are looked up by their module while they are made)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(source, name, "exec"), module.__dict__)
        yield module
    finally:
        del sys.modules[name]


def load_source(source: str, name: str) -> types.ModuleType:
    with registered(source, name) as module:
        return module
