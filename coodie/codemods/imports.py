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
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if swap_module(alias.name):
                    found.needed = True
                    found.plain_cqlengine_import |= alias.asname is None
                elif alias.asname is None and alias.name.split(".")[0] == "cassandra":
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
