"""Rule CU001: every ``cassandra.cqlengine`` import becomes a ``coodie.compat.cqlengine`` one.

This is step 1 of a migration (``coodie-upgrade --compat``): the program keeps its
cqlengine code and runs on the shim.  Forms handled, at any depth (in functions too),
each becoming the same statement with ``coodie.compat.cqlengine`` in place of
``cassandra.cqlengine``::

    import cassandra.cqlengine
    import cassandra.cqlengine.columns as columns
    from cassandra.cqlengine import columns, models
    from cassandra.cqlengine.query import BatchQuery as BQ
    from cassandra import cqlengine          # -> from coodie.compat import cqlengine

and ``from cassandra import cqlengine, ConsistencyLevel`` becomes two statements,
``from cassandra import ConsistencyLevel`` and ``from coodie.compat import cqlengine``.

An unaliased ``import cassandra.cqlengine...`` binds the name ``cassandra``, so its
dotted uses (``cassandra.cqlengine.columns.Text()``) are rewritten with it; when the
module also uses ``cassandra`` for something else (``cassandra.ConsistencyLevel``)
and nothing else imports ``cassandra``, ``import cassandra`` is kept in the rewritten
statement.  Comments and formatting are kept (libcst).  Strings and comments that
mention ``cassandra.cqlengine`` (``importlib.import_module("cassandra.cqlengine")``,
docstrings) are left alone: they are not imports.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import (
    Codemod,
    CodemodContext,
    ContextAwareTransformer,
    VisitorBasedCodemodCommand,
)
from libcst.helpers import get_full_name_for_node

OLD = "cassandra.cqlengine"
NEW = "coodie.compat.cqlengine"


def swap_module(name: str) -> str | None:
    """``cassandra.cqlengine[.x]`` -> ``coodie.compat.cqlengine[.x]``; other names: None."""
    if name == OLD or name.startswith(OLD + "."):
        return NEW + name[len(OLD) :]
    return None


def dotted(name: str) -> cst.Attribute | cst.Name:
    """The expression node of a dotted name (``a.b.c``)."""
    first, *rest = name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(first)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


@dataclass
class Scan:
    """What the module imports and uses, read from CPython's ``ast`` (fast, C parser)."""

    needed: bool = False  # something for CU001 to rewrite
    plain_cqlengine_import: bool = False  # an unaliased ``import cassandra.cqlengine...``
    other_binding: bool = False  # ``import cassandra`` / ``import cassandra.cluster``
    other_use: bool = False  # ``cassandra`` used other than as ``cassandra.cqlengine``


def scan(tree: ast.Module) -> Scan:
    found = Scan()
    names = chains = 0
    top = {id(stmt) for stmt in tree.body}  # a binding for the module's own uses
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if swap_module(alias.name):
                    found.needed = True
                    found.plain_cqlengine_import |= alias.asname is None
                elif (
                    alias.asname is None
                    and alias.name.split(".")[0] == "cassandra"
                    and id(node) in top
                ):
                    found.other_binding = True
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if swap_module(node.module) or (
                node.module == "cassandra" and any(a.name == "cqlengine" for a in node.names)
            ):
                found.needed = True
        elif isinstance(node, ast.Name) and node.id == "cassandra":
            names += 1
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "cqlengine"
            and isinstance(node.value, ast.Name)
            and node.value.id == "cassandra"
        ):
            chains += 1
    found.other_use = names > chains
    return found


class _Bindings(cst.CSTVisitor):
    """A first look at the module: how the name ``cassandra`` is bound and used."""

    def __init__(self) -> None:
        self.plain_cqlengine_import = False  # an unaliased ``import cassandra.cqlengine...``
        self.other_binding = False  # ``import cassandra`` / ``import cassandra.cluster``
        self.other_use = False  # ``cassandra`` used other than as ``cassandra.cqlengine``
        self._not_uses: set[int] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            full = get_full_name_for_node(alias.name) or ""
            if alias.asname is None and (full == "cassandra" or full.startswith("cassandra.")):
                if swap_module(full):
                    self.plain_cqlengine_import = True
                else:
                    self.other_binding = True
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._not_uses.add(id(node.attr))  # ``x.cassandra`` is not the name
        if isinstance(node.value, cst.Name) and node.attr.value == "cqlengine":
            self._not_uses.add(id(node.value))
        return True

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is not None:
            self._not_uses.add(id(node.keyword))
        return True

    def visit_Name(self, node: cst.Name) -> bool:
        if node.value == "cassandra" and id(node) not in self._not_uses:
            self.other_use = True
        return False


class PlainTransformer(ContextAwareTransformer):
    """A ``ContextAwareTransformer`` without libcst's matcher machinery.

    None of the rules (nor libcst's import visitors) uses matcher decorators, yet
    ``MatcherDecoratableTransformer`` looks for them over ``dir(self)`` for each
    instance (~17 ms) and checks them at each node visited and left: the plain
    ``CSTTransformer`` dispatch does the same without them, at a fraction of the cost.
    Put it after a libcst transformer in the bases (``class X(AddImportsVisitor,
    PlainTransformer)``) to take its ``__init__`` and dispatch.
    """

    def __init__(self, context: CodemodContext) -> None:
        Codemod.__init__(self, context)
        cst.CSTTransformer.__init__(self)
        self._extra_visit_funcs = {}
        self._extra_leave_funcs = {}
        self._matchers = {}

    on_visit = cst.CSTTransformer.on_visit
    on_leave = cst.CSTTransformer.on_leave  # type: ignore[assignment]
    on_visit_attribute = cst.CSTTransformer.on_visit_attribute
    on_leave_attribute = cst.CSTTransformer.on_leave_attribute


class PlainCommand(VisitorBasedCodemodCommand, PlainTransformer):
    """A ``VisitorBasedCodemodCommand`` on ``PlainTransformer``."""


class ImportSwapCommand(PlainCommand):
    """CU001 (see the module's docstring); ``rewrites`` counts the nodes it changed.

    The engine puts the module's ``ast`` in ``context.scratch["ast"]`` when CPython
    parses it: ``applies`` then decides before libcst parses anything, and only the
    import statements are visited unless dotted uses must be rewritten too.
    """

    DESCRIPTION: str = "Swap cassandra.cqlengine imports for coodie.compat.cqlengine (CU001)."

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.rewrites = 0
        self._rewrite_chains = False
        self._keep_cassandra = False

    @staticmethod
    def applies(tree: ast.Module) -> bool:
        return scan(tree).needed

    def visit_Module(self, node: cst.Module) -> bool:
        tree = self.context.scratch.get("ast")
        if isinstance(tree, ast.Module):
            found: Scan | _Bindings = scan(tree)
        else:  # syntax this Python cannot parse (libcst could): look with libcst
            found = _Bindings()
            node.visit(found)
        self._rewrite_chains = found.plain_cqlengine_import
        self._keep_cassandra = (
            found.plain_cqlengine_import and found.other_use and not found.other_binding
        )
        return True

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Without dotted uses to rewrite, only import statements matter: expressions
        # and other simple statements are not walked into (the walk is the cost).
        if not self._rewrite_chains:
            if isinstance(node, cst.BaseExpression):
                return False
            if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite) and not any(
                isinstance(s, cst.Import | cst.ImportFrom) for s in node.body
            ):
                return False
        return super().on_visit(node)

    # -- import statements: their names are rewritten here, not by leave_Attribute ----------

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names: list[cst.ImportAlias] = []
        changed = False
        for alias in updated_node.names:
            new = swap_module(get_full_name_for_node(alias.name) or "")
            if new is None:
                names.append(alias)
                continue
            changed = True
            if alias.asname is None and self._keep_cassandra:
                self._keep_cassandra = False
                comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                names.append(cst.ImportAlias(name=cst.Name("cassandra"), comma=comma))
            names.append(alias.with_changes(name=dotted(new)))
        if not changed:
            return updated_node
        self.rewrites += 1
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = get_full_name_for_node(updated_node.module) or ""
        new = swap_module(module)
        if new is not None:
            self.rewrites += 1
            return updated_node.with_changes(module=dotted(new))
        if module == "cassandra" and not isinstance(updated_node.names, cst.ImportStar):
            names = updated_node.names
            if names and all(_is_cqlengine(a) for a in names):
                self.rewrites += 1
                return updated_node.with_changes(module=dotted("coodie.compat"))
        return updated_node  # a mixed ``from cassandra import cqlengine, X``: split below

    # -- ``from cassandra import cqlengine, X``: one statement becomes two ------------------

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        body = self._split_all(updated_node.body)
        if body is None:
            return updated_node
        if len(updated_node.body) == 1:  # one statement per line: the new one goes below
            rest, added = body
            return cst.FlattenSentinel(
                [updated_node.with_changes(body=[rest]), cst.SimpleStatementLine(body=[added])]
            )
        return updated_node.with_changes(body=body)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        body = self._split_all(updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def _split_all(
        self, body: Sequence[cst.BaseSmallStatement]
    ) -> list[cst.BaseSmallStatement] | None:
        out: list[cst.BaseSmallStatement] = []
        changed = False
        for stmt in body:
            split = _split(stmt)
            if split is None:
                out.append(stmt)
                continue
            changed = True
            self.rewrites += 1
            rest, added = split
            # ``added`` follows ``rest`` and takes the original's separator, if any
            out += [
                rest.with_changes(semicolon=cst.MaybeSentinel.DEFAULT),
                added.with_changes(semicolon=stmt.semicolon),
            ]
        return out if changed else None

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if not self._rewrite_chains:
            return updated_node
        value = updated_node.value
        if (
            isinstance(value, cst.Name)
            and value.value == "cassandra"
            and updated_node.attr.value == "cqlengine"
        ):
            self.rewrites += 1
            return dotted(NEW).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node


def _is_cqlengine(alias: cst.ImportAlias) -> bool:
    return isinstance(alias.name, cst.Name) and alias.name.value == "cqlengine"


def _split(stmt: cst.BaseSmallStatement) -> tuple[cst.ImportFrom, cst.ImportFrom] | None:
    """``from cassandra import cqlengine, X`` -> (``from cassandra import X``,
    ``from coodie.compat import cqlengine``); other statements: None."""
    if not isinstance(stmt, cst.ImportFrom) or stmt.relative or stmt.module is None:
        return None
    if get_full_name_for_node(stmt.module) != "cassandra" or isinstance(stmt.names, cst.ImportStar):
        return None
    ours = [a for a in stmt.names if _is_cqlengine(a)]
    rest = [a for a in stmt.names if not _is_cqlengine(a)]
    if not ours or not rest:
        return None
    last = stmt.names[-1]
    if stmt.rpar is None:  # no parentheses: no trailing comma allowed
        rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    elif _is_cqlengine(last):  # the last name leaves: its comma (and line break) stays
        rest[-1] = rest[-1].with_changes(comma=last.comma)
    # the new statement has no parentheses: one line, plain commas
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    ours = [
        *(a.with_changes(comma=space) for a in ours[:-1]),
        ours[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT),
    ]
    added = cst.ImportFrom(module=dotted("coodie.compat"), names=ours)
    return stmt.with_changes(names=rest), added


# -- the imports a rewrite needs, and those it made unused -----------------------------

_WANTED = "coodie-upgrade:imports-wanted"
_UNUSED = "coodie-upgrade:imports-maybe-unused"


def want_import(context: CodemodContext, module: str, name: str, alias: str = "") -> None:
    """Ask for ``from module import name [as alias]``; the engine adds the imports of
    every rule once, after the last rule (:func:`finish_imports`)."""
    wanted = context.scratch.setdefault(_WANTED, {})
    wanted[(module, name, alias)] = None


def maybe_unused(context: CodemodContext, module: str, name: str = "") -> None:
    """Say that a rewrite took away uses of ``from module import name`` (or, with no
    name, of ``import module`` and ``from parent import last``): the engine removes the
    import after the last rule if nothing uses it any more."""
    context.scratch.setdefault(_UNUSED, set()).add((module, name))


def finish_imports(context: CodemodContext, tree: cst.Module) -> cst.Module:
    """Add the imports the rules asked for, then drop those they made unused."""
    wanted = context.scratch.pop(_WANTED, {})
    unused = context.scratch.pop(_UNUSED, set())
    if wanted:
        tree = add_imports(tree, list(wanted))
    if unused:
        tree = drop_unused(tree, unused)
    return tree


def add_imports(tree: cst.Module, wanted: Sequence[tuple[str, ...]]) -> cst.Module:
    """``from module import name [as alias]`` for each ``(module, name[, alias])`` the
    module does not import yet: into an existing top-level ``from module import ...``
    when there is one, else in a new statement (modules and names sorted) at the end of
    the module's first import block."""
    body = list(tree.body)
    have: dict[str, int] = {}  # module -> index of its top-level ``from module import``
    imported: set[tuple[str, str, str]] = set()
    start = 1 if body and _is_docstring(body[0]) else 0
    at = start
    in_block = True
    for index, stmt in enumerate(body):
        imports = _imports_of(stmt)
        if imports is None:
            if index >= start:
                in_block = False
            continue
        if in_block:
            at = index + 1
        for node in imports:
            if isinstance(node, cst.ImportFrom) and not node.relative and node.module:
                module = get_full_name_for_node(node.module) or ""
                if isinstance(node.names, cst.ImportStar):
                    continue
                for each in node.names:
                    local = get_full_name_for_node(each.asname.name) if each.asname else ""
                    imported.add((module, get_full_name_for_node(each.name) or "", local or ""))
                if len(imports) == 1:
                    have.setdefault(module, index)
    missing: dict[str, list[str]] = {}
    for module, name, *rest in wanted:
        alias = rest[0] if rest else ""
        spelled = f"{name} as {alias}" if alias else name
        key = (module, name, alias)
        if key not in imported and spelled not in missing.get(module, []):
            missing.setdefault(module, []).append(spelled)
    if not missing:
        return tree
    new: list[cst.SimpleStatementLine] = []
    for module in sorted(missing):
        names = sorted(missing[module])
        if module in have:
            index = have[module]
            stmt = body[index]
            assert isinstance(stmt, cst.SimpleStatementLine)
            target = stmt.body[0]
            assert isinstance(target, cst.ImportFrom)
            present = target.names
            assert not isinstance(present, cst.ImportStar)
            old = list(present)
            old[-1] = old[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            added = [_alias(n) for n in names]
            aliases = [
                *old,
                *(
                    a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                    for a in added[:-1]
                ),
                added[-1],
            ]
            if target.lpar is not None and target.rpar is not None:  # keep its trailing comma
                aliases[-1] = aliases[-1].with_changes(comma=present[-1].comma)
            body[index] = stmt.with_changes(body=[target.with_changes(names=aliases)])
        else:
            statement = cst.parse_statement(f"from {module} import {', '.join(names)}")
            assert isinstance(statement, cst.SimpleStatementLine)
            new.append(statement)
    if new:
        after = body[at:]
        if after and at > 0:
            first = after[0]
            if not first.leading_lines:  # an empty line between imports and code
                after[0] = first.with_changes(leading_lines=[cst.EmptyLine()])
        elif after and at == 0 and not after[0].leading_lines:
            after[0] = after[0].with_changes(leading_lines=[cst.EmptyLine()])
        body = [*body[:at], *new, *after]
    return tree.with_changes(body=body)


def _alias(spelled: str) -> cst.ImportAlias:
    name, _, alias = spelled.partition(" as ")
    return cst.ImportAlias(cst.Name(name), cst.AsName(cst.Name(alias)) if alias else None)


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _imports_of(stmt: cst.BaseStatement) -> list[cst.Import | cst.ImportFrom] | None:
    if isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
    ):
        return [s for s in stmt.body if isinstance(s, cst.Import | cst.ImportFrom)]
    return None


def drop_unused(tree: cst.Module, candidates: set[tuple[str, str]]) -> cst.Module:
    """Remove the imports of ``candidates`` that nothing in the module uses any more.

    A candidate is ``(module, name)`` for ``from module import name [as x]``, or
    ``(module, "")`` for ``import module [as x]`` and ``from parent import last``.  Use
    is judged by name, conservatively: any name read anywhere in the module (CPython's
    ``ast`` of the rewritten code, far cheaper than libcst's scope analysis) and any
    word of a string (``__all__``, string annotations) counts, so an import is kept
    rather than wrongly removed.
    """
    if not candidates:
        return tree
    used = _used_names(tree)
    return tree.with_changes(body=_drop_in(list(tree.body), candidates, used))


def _used_names(tree: cst.Module) -> set[str]:
    used: set[str] = set()
    try:
        parsed = ast.parse(tree.code)
    except (SyntaxError, ValueError):  # syntax this Python does not know: keep them all
        return _walk_names(tree)
    texts: list[ast.AST] = []  # where a string names things: annotations, __all__
    for node in ast.walk(parsed):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.AnnAssign | ast.arg) and node.annotation is not None:
            texts.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            texts.append(node.returns)
        elif isinstance(node, ast.Assign | ast.AugAssign) and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        ):
            texts.append(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            in ("cast", "TypeVar", "NewType", "ForwardRef")
        ):
            texts.extend(node.args)
    for text in texts:
        for node in ast.walk(text):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.update(_WORDS.findall(node.value))
    return used


def _walk_names(tree: cst.Module) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            found.update(_WORDS.findall(node.value))

    tree.visit(Names())
    return found


_WORDS = re.compile(r"[A-Za-z_]\w*")


def _drop_in(
    body: list[cst.BaseStatement], candidates: set[tuple[str, str]], used: set[str]
) -> list[cst.BaseStatement]:
    """The top-level statements without the unused candidate imports; the comment
    lines above a statement that goes move to the next one."""
    out: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for stmt in body:
        if _imports_of(stmt) is not None:
            assert isinstance(stmt, cst.SimpleStatementLine)
            kept: list[cst.BaseSmallStatement] = []
            for small in stmt.body:
                assert isinstance(small, cst.Import | cst.ImportFrom)
                left = _without_unused(small, candidates, used)
                if left is not None:
                    kept.append(left)
            if not kept:
                carried.extend(stmt.leading_lines)
                continue
            if len(kept) != len(stmt.body) or any(
                a is not b for a, b in zip(kept, stmt.body, strict=True)
            ):
                kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                stmt = stmt.with_changes(body=kept)
        if carried and isinstance(stmt, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            # the comments above what went stay; its blank lines only where the next
            # statement has none of its own (the block keeps its spacing)
            if stmt.leading_lines:
                carried = [line for line in carried if line.comment is not None]
            stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
            carried = []
        out.append(stmt)
    return out


def _without_unused(
    node: cst.Import | cst.ImportFrom, candidates: set[tuple[str, str]], used: set[str]
) -> cst.Import | cst.ImportFrom | None:
    if isinstance(node, cst.ImportFrom):
        if node.relative or isinstance(node.names, cst.ImportStar):
            return node
        module = get_full_name_for_node(node.module) if node.module else ""
        names = node.names
    else:
        module = ""
        names = node.names
    kept: list[cst.ImportAlias] = []
    for alias in names:
        full = get_full_name_for_node(alias.name) or ""
        keys = (
            {(full, "")}
            if isinstance(node, cst.Import)
            else {(module, full), (f"{module}.{full}", "")}
        )
        if keys & candidates and _local_name(alias) not in used:
            continue
        kept.append(alias)
    if len(kept) == len(names):
        return node
    if not kept:
        return None
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(node, cst.ImportFrom):
        if node.lpar is not None and len(kept) == 1:
            return node.with_changes(names=kept, lpar=None, rpar=None)
        return node.with_changes(names=kept)
    return node.with_changes(names=kept)


def _local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return get_full_name_for_node(alias.asname.name) or ""
    return (get_full_name_for_node(alias.name) or "").split(".")[0]
