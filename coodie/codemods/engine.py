"""One module through the rules: source in, source out (no file system here)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import AnyStr

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper

from coodie.compat.cqlengine.mapping import RULES

from .imports import finish_imports, maybe_unused
from .models import find_todos
from .project import CONVERTED, CONVERTED_TYPES, LEFT, PROJECT, Project, scan
from .rules import TRANSFORMERS, select

MARKER = b"cqlengine"
"""A module without this word needs no rule: it is skipped before parsing."""
_RULE_OF = {"model": "CU002", "usertype": "CU003"}
LONE = "__module__"
"""The dotted name given to a module upgraded alone (``upgrade_source``)."""
TODO_MARK = b"TODO(coodie-upgrade"
"""The comments a rule leaves where it cannot rewrite faithfully (listed in reports)."""


class SourceParseError(ValueError):
    """The module does not parse (Python 2 syntax, say): it is left as it is."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.message = message
        self.line = line  # 1-based
        self.column = column  # 1-based


@dataclass
class Outcome:
    """What the rules did to one module: the new source (None: no change), per rule."""

    source: bytes | None
    rewrites: dict[str, int] = field(default_factory=dict)
    todos: list[tuple[int, str, str]] = field(default_factory=list)  # (line, rule, why)
    converted: set[str] = field(default_factory=set)  # classes converted (their names)
    left: dict[str, str] = field(default_factory=dict)  # classes left: name -> why


def might_need_change(source: bytes | str) -> bool:
    """The cheap test made before parsing: does the module mention cqlengine at all?"""
    return MARKER in source if isinstance(source, bytes) else MARKER.decode() in source


def upgrade_bytes(
    source: bytes,
    rules: Iterable[str],
    filename: str = "<string>",
    *,
    project: Project | None = None,
    module: str | None = None,
) -> Outcome:
    """Run ``rules`` (ids of implemented rules, applied in catalogue order) on a module.

    ``project`` is the first pass over the tree the module belongs to (bases and models
    of other modules), ``module`` its dotted name.  The encoding and line endings are
    kept (libcst reads and writes the bytes).  Raises SourceParseError when the module
    does not parse, or when the rewrite would not (nothing is returned then).
    """
    converted: set[str] = set()
    left: dict[str, str] = {}
    new, rewrites = _upgrade(source, rules, filename, project, module, converted, left)
    after = source if new is None else new
    todos = find_todos(after) if TODO_MARK in after else []
    return Outcome(new, rewrites, todos, converted, left)


def upgrade_source(source: str, rules: Iterable[str] | None = None, *, compat: bool = False) -> str:
    """Rewrite the text of one module and return it (unchanged if nothing applies).

    ``rules`` are rule ids (``"CU001"``...); None runs every implemented rule (the full
    mode), ``compat=True`` the import swap alone.  Rules not implemented yet are
    skipped; an unknown id raises ValueError, a module that does not parse
    SourceParseError.

    >>> upgrade_source("from cassandra.cqlengine import columns\\n", compat=True)
    'from coodie.compat.cqlengine import columns\\n'
    """
    run, _pending = select(None if rules is None else list(rules), compat=compat)
    new, _rewrites = _upgrade(source, run, "<string>")
    return source if new is None else new


def _upgrade(
    source: AnyStr,
    rules: Iterable[str],
    filename: str,
    project: Project | None = None,
    module: str | None = None,
    converted: set[str] | None = None,
    left_out: dict[str, str] | None = None,
) -> tuple[AnyStr | None, dict[str, int]]:
    wanted = set(rules)
    order = [r for r in TRANSFORMERS if r in wanted]
    if not order or not (might_need_change(source) or project is not None):
        return None, {}
    # CPython's parser first (fast): a module whose ``cqlengine`` is only in strings,
    # comments or relative imports is done without libcst
    python_tree: ast.Module | None
    try:
        python_tree = ast.parse(source, filename)
    except (RecursionError, MemoryError):
        # too deep for CPython's parser: libcst's native parser would overflow its stack
        # (and kill the process), so the module is reported here
        raise SourceParseError("too deeply nested for the parser", 1, 1) from None
    except SyntaxError as exc:
        if "too many nested" in (exc.msg or ""):
            raise SourceParseError(exc.msg, exc.lineno or 1, exc.offset or 1) from None
        python_tree = None  # Python 2, say, or syntax newer than this Python: libcst says
    except ValueError:
        python_tree = None  # null bytes: libcst says
    if python_tree is not None:
        order = [r for r in order if _applies(r, python_tree)]
        if not order:
            return None, {}
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise _parse_error(source, exc, filename) from None
    except (SyntaxError, UnicodeError, LookupError) as exc:  # bad bytes, unknown coding
        line = getattr(exc, "lineno", None) or 1
        raise SourceParseError(f"cannot be read as Python: {exc}", line, 1) from None
    except (RecursionError, MemoryError):
        raise SourceParseError("too deeply nested for the parser", 1, 1) from None
    if python_tree is not None:  # this module's own classes, for a lone module too
        module = module or LONE
        project = project.copy() if project is not None else Project()
        defined = (c.name for c in python_tree.body if isinstance(c, ast.ClassDef))
        if project.classes.keys().isdisjoint(f"{module}.{name}" for name in defined):
            project.add(scan(python_tree, module, filename))
    original = tree
    while True:
        tree, rewrites, shared = _apply(original, order, filename, module, project, python_tree)
        done = _names(shared, CONVERTED) | _names(shared, CONVERTED_TYPES)
        if project is None:
            break
        reasons = shared.get(LEFT)
        for name, why in reasons.items() if isinstance(reasons, dict) else ():
            project.reasons.setdefault(f"{module}.{name}", why)
        mine = {q for q, info in project.classes.items() if info.module == module}
        left = {q for q in mine & project.kinds.keys() if q.rpartition(".")[2] not in done}
        left -= project.failed
        project.failed |= left
        for q in left:  # left by a rule that did not run: say so in the others' TODOs
            rule = _RULE_OF[project.kinds[q]]
            if rule not in order:
                project.reasons.setdefault(q, f"{rule} ({RULES[rule].title}) was not run")
        # again only when a class left now takes converted ones of its family with it
        if not any(project.family(q) & {f"{module}.{n}" for n in done} for q in left):
            break
    if converted is not None:
        converted.update(done)
    if left_out is not None and project is not None:
        prefix = f"{module}."
        left_out.update(
            {q[len(prefix) :]: why for q, why in project.reasons.items() if q.startswith(prefix)}
        )
    new: AnyStr = tree.bytes if isinstance(source, bytes) else tree.code
    if new == source:
        return None, {}
    _check_parses(source, new, filename)
    return new, rewrites


def _apply(
    tree: cst.Module,
    order: Iterable[str],
    filename: str,
    module: str | None,
    project: Project | None,
    python_tree: ast.Module | None,
) -> tuple[cst.Module, dict[str, int], dict[str, object]]:
    """The rules, in order, on one tree, then the imports they asked for."""
    rewrites: dict[str, int] = {}
    shared: dict[str, object] = {}  # one scratch for the module's rules (CU002 -> CU004)
    if project is not None:
        shared[PROJECT] = project
    if python_tree is not None:
        shared["ast"] = python_tree
    for rule in order:
        command_class = TRANSFORMERS[rule]
        if command_class is None:
            continue
        # What Codemod.transform_module does, without its deep copy of the tree (the
        # copy cost several times the parse; this tree is ours alone)
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        context = CodemodContext(
            filename=filename, full_module_name=module, wrapper=wrapper, scratch=shared
        )
        command = command_class(context)
        with command.resolve(wrapper):
            tree = command.transform_module_impl(wrapper.module)
        count = int(getattr(command, "rewrites", 0))
        if count:
            rewrites[rule] = count
    if rewrites:  # the imports the rules asked for, added and dropped once for all
        context = CodemodContext(scratch=shared)
        if set(rewrites) - {"CU001"} and python_tree is not None:
            # code was converted: the cqlengine imports it used and no longer uses go
            before = {n.id for n in ast.walk(python_tree) if isinstance(n, ast.Name)}
            for imported, name, local in _cqlengine_imports(tree):
                if local in before:
                    maybe_unused(context, imported, name)
        tree = finish_imports(context, tree)
    return tree, rewrites, shared


def _cqlengine_imports(tree: cst.Module) -> Iterator[tuple[str, str, str]]:
    """The module's top-level imports of cqlengine (either spelling), as candidates of
    ``maybe_unused`` (``(module, name)`` or ``(module, "")``) with the name they bind."""
    for stmt in tree.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = get_full_name_for_node(alias.name) or ""
                    if _is_cqlengine(full):
                        local = alias.asname.name if alias.asname else None
                        bound = get_full_name_for_node(local) if local else full.split(".")[0]
                        yield full, "", bound or ""
            elif (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and small.module is not None
                and not isinstance(small.names, cst.ImportStar)
            ):
                module = get_full_name_for_node(small.module) or ""
                for alias in small.names:
                    name = get_full_name_for_node(alias.name) or ""
                    if _is_cqlengine(f"{module}.{name}"):
                        local = alias.asname.name if alias.asname else None
                        yield module, name, (get_full_name_for_node(local) if local else name) or ""


def _is_cqlengine(dotted: str) -> bool:
    return any(
        dotted == root or dotted.startswith(root + ".")
        for root in ("cassandra.cqlengine", "coodie.compat.cqlengine")
    )


def _names(shared: dict[str, object], key: str) -> set[str]:
    names = shared.get(key)
    return set(names) if isinstance(names, dict | set) else set()


def _applies(rule: str, tree: ast.Module) -> bool:
    applies = getattr(TRANSFORMERS[rule], "applies", None)
    return True if applies is None else bool(applies(tree))


_LIBCST_POSITION = re.compile(r"error at (\d+):(\d+)")


def _parse_error(
    source: str | bytes, exc: cst.ParserSyntaxError, filename: str
) -> SourceParseError:
    """The error with CPython's own message and position when it has one (clearer)."""
    try:
        ast.parse(source, filename)
    except SyntaxError as py:
        if py.lineno is not None:
            return SourceParseError(py.msg, py.lineno, py.offset or 1)
    except (ValueError, RecursionError):
        pass
    message = exc.message.splitlines()[0]
    match = _LIBCST_POSITION.search(message)
    if match:
        return SourceParseError(message, int(match[1]), int(match[2]))
    return SourceParseError(message, exc.editor_line, exc.editor_column)


def _check_parses(before: str | bytes, after: str | bytes, filename: str) -> None:
    """Never hand back a module that does not parse: CPython's parser judges; for
    syntax it does not know (it failed on the original too), libcst's parser."""
    try:
        ast.parse(after, filename)
        return
    except SyntaxError as exc:
        try:
            ast.parse(before, filename)
        except SyntaxError:
            pass
        else:  # pragma: no cover - a bug in a rule
            raise SourceParseError(
                f"the rewrite would not parse: {exc.msg}", exc.lineno or 0, exc.offset or 0
            ) from None
    try:
        cst.parse_module(after)
    except cst.ParserSyntaxError as exc:  # pragma: no cover - a bug in a rule
        raise SourceParseError(f"the rewrite would not parse: {exc.message}", 0, 0) from None
