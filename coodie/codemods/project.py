"""The first pass over a whole tree: which classes are cqlengine models and user types,
where they live, and which of them the rules convert.

A module's rules see only that module.  What they need from the others comes from here:
a model whose base is defined in another module (CU002 needs the base's columns for
the key order and its options for ``Settings``), and call sites on models imported from
another module (CU005, CU006, CU008 rewrite calls on converted models only).

The pass reads the modules that mention ``cqlengine`` with CPython's ``ast`` (no
libcst: it is several times faster); the runner then runs the rules, collects which
classes were converted and, when one was left as cqlengine (a TODO), marks its family
(its bases and subclasses across modules) as left and runs again the modules that
name one of them: a converted class never has a cqlengine base or subclass.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.helpers import get_full_name_for_node

from coodie.compat.cqlengine.mapping import MODEL_OPTIONS

PROJECT = "coodie-upgrade:project"
"""The ``context.scratch`` key of the :class:`Project` (absent for a lone module)."""
CONVERTED = "coodie-upgrade:converted"
"""The ``context.scratch`` key of this module's converted classes: name -> parent
(a class name of the module, a qualified name of another module's class, or None)."""
CONVERTED_TYPES = "coodie-upgrade:converted-types"
"""The ``context.scratch`` key of this module's converted user types (CU003): names."""
LEFT = "coodie-upgrade:left"
"""The ``context.scratch`` key of the classes a rule left as they are for a reason of
their own (class name -> the reason), for the TODOs of their families elsewhere."""

_ROOTS = {
    "cassandra.cqlengine.models.Model": "model",
    "coodie.compat.cqlengine.models.Model": "model",
    "cassandra.cqlengine.usertype.UserType": "usertype",
    "coodie.compat.cqlengine.usertype.UserType": "usertype",
}
_COLUMNS = ("cassandra.cqlengine.columns.", "coodie.compat.cqlengine.columns.")


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the key order needs it."""

    name: str
    primary: bool
    partition: bool
    kind: str = ""  # the column class's name (``Map``, ``Set``, ``Text``...)


@dataclass(frozen=True)
class ClassInfo:
    """A class with bases, as the first pass read it."""

    module: str
    name: str
    path: str
    bases: tuple[str, ...]  # qualified names, as resolved through the module's imports
    columns: tuple[ColumnInfo, ...]  # its own, in declaration order
    options: tuple[tuple[str, str], ...]  # its own model options: name, source
    uses: tuple[str, ...] = ()  # the user types its columns hold (qualified names)

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class Project:
    """The classes of the tree, and those left as cqlengine by an earlier round."""

    classes: dict[str, ClassInfo] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)  # why a failed class stays
    whole: bool = False  # the whole tree was read (not one module upgraded alone)
    kinds: dict[str, str] = field(default_factory=dict)  # qualified -> model | usertype
    _family: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._settle()

    def copy(self) -> Project:
        """The same classes, with its own record of failures (a module's rounds)."""
        return Project(dict(self.classes), set(self.failed), dict(self.reasons), whole=self.whole)

    def add(self, infos: Iterable[ClassInfo]) -> None:
        for info in infos:
            self.classes[info.qualified] = info
        self._settle()

    def _settle(self) -> None:
        """Kinds by fixpoint over the bases, families by union of base links."""
        kinds: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for q, info in self.classes.items():
                if q in kinds:
                    continue
                for base in info.bases:
                    kind = _ROOTS.get(base) or kinds.get(base)
                    if kind is not None:
                        kinds[q] = kind
                        changed = True
                        break
        self.kinds = kinds
        parent: dict[str, str] = {q: q for q in kinds}

        def find(q: str) -> str:
            while parent[q] != q:
                parent[q] = parent[parent[q]]
                q = parent[q]
            return q

        for q in kinds:  # a class and its bases; a model and the user types it holds
            for other in (*self.classes[q].bases, *self.classes[q].uses):
                if other in kinds:
                    parent[find(q)] = find(other)
        self._family = {q: find(q) for q in kinds}

    def kind(self, qualified: str) -> str | None:
        """``model``, ``usertype`` or None (not a cqlengine class of the tree)."""
        return self.kinds.get(qualified)

    def family(self, qualified: str) -> set[str]:
        root = self._family.get(qualified)
        return {q for q, r in self._family.items() if r == root} if root else set()

    def left(self, qualified: str) -> bool:
        """Is the class left as cqlengine (it, or a class of its family, failed)?"""
        if qualified in self.failed:
            return True
        root = self._family.get(qualified)
        return root is not None and any(self._family.get(q) == root for q in self.failed)

    def why_left(self, qualified: str) -> str | None:
        """The reason a class of the family of ``qualified`` stays cqlengine's."""
        if qualified in self.reasons:
            return self.reasons[qualified]
        for member in sorted(self.family(qualified) & self.failed):
            if member in self.reasons:
                return f"{member} stays a cqlengine class: {self.reasons[member]}"
        return None

    def converts(self, qualified: str) -> bool:
        return qualified in self.kinds and not self.left(qualified)

    def columns(self, qualified: str) -> list[ColumnInfo]:
        """All columns of a model, its bases' first (cqlengine's order)."""
        info = self.classes[qualified]
        inherited: list[ColumnInfo] = []
        for base in info.bases:
            if self.kinds.get(base) == "model":
                inherited = self.columns(base)
                break
        return inherited + list(info.columns)

    def parent(self, qualified: str) -> str | None:
        """The base of a model that is itself a model of the tree."""
        for base in self.classes[qualified].bases:
            if base in self.kinds:
                return base
        return None

    def options(self, qualified: str) -> dict[str, str]:
        """The model options a class inherits and sets (sources), bases first."""
        chain: list[str] = []
        q: str | None = qualified
        while q is not None and q not in chain:
            chain.append(q)
            q = self.parent(q)
        found: dict[str, str] = {}
        for name in reversed(chain):
            found.update(self.classes[name].options)
        return found

    def finder(self, qualified: Iterable[str]) -> Callable[[bytes], bool]:
        """A cheap test of a module's bytes: may it use one of these classes?  It names
        the class and imports from the class's package (or relatively)."""
        chosen = [self.classes[q] for q in qualified if q in self.classes]
        if not chosen:
            return lambda data: False
        names = _words({c.name for c in chosen})
        # any part of the home module's dotted name: ``from app import User`` (a
        # package that re-exports it) as well as ``from app.models import User``
        homes = sorted({part for c in chosen for part in c.module.split(".")})
        imports = re.compile(
            rb"(?:^|\n)[ \t]*(?:from[ \t]+\.|(?:from|import)[ \t][^\n]*\b(?:"
            + b"|".join(re.escape(h.encode()) for h in homes)
            + rb")\b)"
        )
        return lambda data: bool(names.search(data) and imports.search(data))


def _words(words: Iterable[str]) -> re.Pattern[bytes]:
    return re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in sorted(words)) + rb")\b")


def module_root(path: str | Path) -> tuple[str, Path]:
    """The dotted name a file is imported under and the folder it is imported from:
    up through the folders that hold an ``__init__.py`` (a symbolic link is named
    where it stands, as ``import`` finds it)."""
    file = Path(os.path.abspath(path))
    parts = [file.stem] if file.stem != "__init__" else []
    folder = file.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def module_name(path: str | Path) -> str:
    """The dotted name a file is imported under (see :func:`module_root`)."""
    return module_root(path)[0] or Path(path).stem


def resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """``from ..a import b`` in ``module`` -> the absolute module named."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    base = ".".join(package)
    return f"{base}.{name}" if base and name else (base or name or "")


def scan(tree: ast.Module, module: str, path: str) -> list[ClassInfo]:
    """The module-level classes with bases of a module (models or not: a base of a
    model may be in another module), with their cqlengine columns and options."""
    is_package = Path(path).name == "__init__.py"
    imported: dict[str, str] = {}
    classes: list[ClassInfo] = []
    local: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    imported.setdefault(head, head)
        elif isinstance(stmt, ast.ImportFrom):
            source = stmt.module or ""
            if stmt.level:
                source = resolve_relative(module, is_package, stmt.level, stmt.module)
            for alias in stmt.names:
                if alias.name != "*":
                    imported[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(stmt, ast.ClassDef) and stmt.bases:
            bases = tuple(_qualified(b, imported, local, module) for b in stmt.bases)
            columns, options, uses = _body(stmt, imported, local, module)
            classes.append(
                ClassInfo(
                    module,
                    stmt.name,
                    path,
                    tuple(b for b in bases if b),
                    tuple(columns),
                    tuple(options),
                    tuple(uses),
                )
            )
            local.add(stmt.name)
    return classes


def ast_dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or an attribute chain of CPython's ``ast``; None otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = ast_dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _qualified(node: ast.expr, imported: dict[str, str], local: set[str], module: str) -> str:
    full = ast_dotted(node)
    if full is None:
        return ""
    head, _, rest = full.partition(".")
    if head in imported:
        return imported[head] + (f".{rest}" if rest else "")
    if head in local:
        return f"{module}.{full}"
    return full


def _body(
    node: ast.ClassDef, imported: dict[str, str], local: set[str], module: str
) -> tuple[list[ColumnInfo], list[tuple[str, str]], list[str]]:
    columns: list[ColumnInfo] = []
    options: list[tuple[str, str]] = []
    uses: list[str] = []
    for stmt in node.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            continue
        name = stmt.targets[0].id
        if name in MODEL_OPTIONS:
            options.append((name, ast.unparse(stmt.value)))
            continue
        value = stmt.value
        if not isinstance(value, ast.Call):
            continue
        kind = _qualified(value.func, imported, set(), "")
        if not kind.startswith(_COLUMNS):
            continue
        for inner in ast.walk(value):
            if (
                isinstance(inner, ast.Call)
                and _qualified(inner.func, imported, set(), "").endswith(".UserDefinedType")
                and inner.args
            ):
                uses.append(_qualified(inner.args[0], imported, local, module))
        flags = {k.arg: _truthy(k.value) for k in value.keywords if k.arg}
        partition = flags.get("partition_key", False)
        primary = flags.get("primary_key", False) or partition
        columns.append(ColumnInfo(name, primary, partition, kind.rpartition(".")[2]))
    return columns, options, uses


def _truthy(node: ast.expr) -> bool:
    try:
        return bool(ast.literal_eval(node))
    except (ValueError, SyntaxError, TypeError):
        return False


def build(files: Iterable[tuple[str, bytes]]) -> Project:
    """The project of these files (path, source); modules that do not parse are
    left out (the rules report them)."""
    project = Project(whole=True)
    found: list[ClassInfo] = []
    homes: dict[str, set[str]] = {}  # dotted module name -> the files read under it
    for path, source in files:
        try:
            tree = ast.parse(source, path)
            name = module_name(path)
            found.extend(scan(tree, name, path))
            homes.setdefault(name, set()).add(path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the rules report it, for this file alone
    project.add(found)
    for name, paths in homes.items():
        if len(paths) > 1:  # folders without __init__.py: which one an import means is
            for q, info in project.classes.items():  # unknown, so their classes stay
                if info.module == name and q in project.kinds:
                    project.failed.add(q)
                    project.reasons[q] = (
                        f"several files are the module {name} (folders without "
                        "__init__.py): which one an import means cannot be told; run "
                        "coodie-upgrade on each folder alone, or make them packages"
                    )
    return project


# -- what a module's rules ask ---------------------------------------------------------


def converted_names(context: CodemodContext, module: cst.Module) -> dict[str, str]:
    """The spellings of this module that denote a class the rules convert, and its
    kind: ``{"ArgusUser": "model", "models.ArgusUser": "model", "Address": "usertype"}``.

    This module's own come from what CU002/CU003 converted (``context.scratch``); the
    imported ones from the :class:`Project` (absent when one module is upgraded alone).
    """
    found: dict[str, str] = {}
    converted = context.scratch.get(CONVERTED)
    if isinstance(converted, dict):
        found.update(dict.fromkeys(converted, "model"))
    types = context.scratch.get(CONVERTED_TYPES)
    if isinstance(types, set | dict | list | tuple):
        found.update(dict.fromkeys(types, "usertype"))
    project = project_of(context)
    if project is None or not project.kinds:
        return found
    this = context.full_module_name or ""
    is_package = (context.filename or "").endswith("__init__.py")
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                source = get_full_name_for_node(small.module) if small.module else None
                if small.relative:
                    source = resolve_relative(this, is_package, len(small.relative), source)
                for alias in small.names:
                    q = f"{source}.{get_full_name_for_node(alias.name)}"
                    local = (
                        get_full_name_for_node(alias.asname.name)
                        if alias.asname is not None
                        else get_full_name_for_node(alias.name)
                    )
                    if not local:
                        continue
                    if project.converts(q):
                        found[local] = project.kinds[q]
                    else:  # ``from app import models``: models.User
                        found.update(_members(project, q, local))
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    target = get_full_name_for_node(alias.name) or ""
                    spelled = (
                        get_full_name_for_node(alias.asname.name)
                        if alias.asname is not None
                        else target
                    )
                    found.update(_members(project, target, spelled or target))
    return found


def _members(project: Project, module: str, spelled: str) -> dict[str, str]:
    """``spelled.Class`` for the converted classes of ``module``."""
    prefix = module + "."
    return {
        f"{spelled}.{q[len(prefix) :]}": kind
        for q, kind in project.kinds.items()
        if q.startswith(prefix) and "." not in q[len(prefix) :] and project.converts(q)
    }


def project_of(context: CodemodContext) -> Project | None:
    """The first pass over the tree, when the module is upgraded as part of one (None
    for a module upgraded alone: what other modules hold is unknown then)."""
    project = module_project(context)
    return project if project is not None and project.whole else None


def module_project(context: CodemodContext) -> Project | None:
    """The classes known to the module's rules: the tree's, or the module's own."""
    project = context.scratch.get(PROJECT)
    return project if isinstance(project, Project) else None


__all__ = [
    "CONVERTED",
    "CONVERTED_TYPES",
    "LEFT",
    "PROJECT",
    "ClassInfo",
    "ColumnInfo",
    "Project",
    "ast_dotted",
    "build",
    "converted_names",
    "module_name",
    "project_of",
    "scan",
]
