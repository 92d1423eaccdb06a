"""Rules CU007 (connection setup) and CU008 (schema management).

CU007 rewrites cqlengine's ``connection`` calls into ``coodie.sync``'s, where the
native call does the same thing::

    connection.setup(["127.0.0.1"], "argus", protocol_version=4)
        -> init_coodie(hosts=["127.0.0.1"], keyspace="argus", protocol_version=4)
    connection.register_connection("audit", ["10.0.0.1"], cluster_options={"port": 9043})
        -> init_coodie(hosts=["10.0.0.1"], name="audit", port=9043)
    connection.set_session(session)  -> init_coodie(session=session, keyspace=session.keyspace)
    connection.unregister_connection("audit")  -> close_coodie("audit")

cqlengine passes ``setup()``'s extra keywords (and ``cluster_options``) to the driver's
``Cluster``, as ``init_coodie`` passes its own: they stay.  ``consistency=`` (the
session's default consistency) and ``default_retry_policy=`` become the driver's default
execution profile, which coodie's statements use.  What has no native twin
(``lazy_connect``, ``retry_connect``, ``default=True``, ``cloud=``, ``set_default_connection``)
and what reads cqlengine's connection (``connection.session``, ``get_session()``,
``execute()``) stays, with one ``# TODO(coodie-upgrade CU007): ...`` comment; a module
with such a use keeps all its connection calls on cqlengine's connection (the shim's
registry), so that they still agree.

CU008 rewrites ``management`` calls on what the earlier rules converted (the models
of CU002, the user types of CU003, here or in other modules of the tree)::

    sync_table(ArgusUser)             -> ArgusUser.sync_table()
    drop_table(ArgusUser)             -> ArgusUser.drop_table()
    sync_type("ks", Address)          -> sync_type(Address, keyspace="ks")
    create_keyspace_simple("ks", 1)   -> create_keyspace("ks", replication_factor=1)
    create_keyspace_network_topology("ks", {"dc1": 3})
                                      -> create_keyspace("ks", dc_replication={"dc1": 3})
    drop_keyspace("ks", connections=["audit"])  -> drop_keyspace("ks", connection="audit")

A call on a cqlengine model that stays a cqlengine model keeps working through the
shim and is left alone; one whose model is not known where it is called (a variable,
a parameter) gets a TODO, as do ``keyspaces=``/``connections=`` lists a native call
cannot take.  The native names are read from the shim's mapping table
(``CONNECTION``, ``MANAGEMENT``).  The imports the new calls need are asked for, and
the cqlengine ones they may have left unused named, with ``want_import`` and
``maybe_unused``: the engine adds and drops them once for all rules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.helpers import get_full_name_for_node

from coodie.compat.cqlengine.mapping import CONNECTION, MANAGEMENT

from .imports import PlainCommand, _used_names, _without_unused, maybe_unused, want_import
from .models import (
    TODO_PREFIX,
    Unconvertible,
    _literal,
    _module_bindings,
    _Names,
    cqlengine_name,
    todo_comment,
)
from .project import converted_names, project_of

NATIVE = "coodie.sync"
_Node = TypeVar("_Node", bound=cst.CSTNode)
_CALLED = re.compile(r"^(?:Model\.)?(\w+)\(")
_SECOND_KEYWORD = re.compile(r"^\w+\(name, (\w+)=")
# The driver's own default policy, stated as coodie's init_coodie states it (the driver
# warns about a profile without one)
_POLICY = "{tap}({dca}())"
# cqlengine's consistency and the legacy driver option init_coodie cannot combine with
# its default execution profile -> their name in the profile
_PROFILE_OPTIONS = {"consistency": "consistency_level", "default_retry_policy": "retry_policy"}
_CONSISTENCY = re.compile(
    r"^(?:\w+\.)*(ANY|ONE|TWO|THREE|QUORUM|ALL|LOCAL_QUORUM|EACH_QUORUM|SERIAL|LOCAL_SERIAL|"
    r"LOCAL_ONE)$"
)


def native_name(entry: str) -> str:
    """The function (or method) a mapping-table entry names:
    ``"init_coodie(hosts=..., keyspace=...)"`` -> ``init_coodie``."""
    match = _CALLED.match(entry)
    assert match is not None, entry
    return match[1]


def _second_keyword(entry: str) -> str:
    """``"create_keyspace(name, replication_factor=n)"`` -> ``replication_factor``."""
    match = _SECOND_KEYWORD.match(entry)
    assert match is not None, entry
    return match[1]


def _dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a name or an attribute chain; None for any other expression (a
    call, a subscript...)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _todo_line(rule: str, why: str) -> cst.EmptyLine:
    return cst.EmptyLine(comment=cst.Comment(todo_comment(rule, why)))


def _with_todo(stmt: _Node, rule: str, reasons: list[str]) -> _Node:
    """The statement with one TODO comment of ``rule`` above it (none if it has one)."""
    leading = getattr(stmt, "leading_lines", None)
    if leading is None:
        return stmt
    mark = TODO_PREFIX.format(rule=rule)
    if any(line.comment is not None and line.comment.value.startswith(mark) for line in leading):
        return stmt
    why = "; ".join(dict.fromkeys(reasons))
    return stmt.with_changes(leading_lines=[*leading, _todo_line(rule, why)])


def _function_scope(
    func: cst.FunctionDef, outer: dict[str, str]
) -> tuple[dict[str, str], set[str]]:
    """The imported names seen in a function (its own imports over the outer ones, less
    the names it binds otherwise: parameters, assignments, loop targets...) and the
    names it binds itself."""
    flat: list[cst.SimpleStatementLine | cst.BaseCompoundStatement] = []
    own: set[str] = set()

    def names_of(target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            own.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                names_of(element.value)

    def walk(block: cst.BaseSuite) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            flat.append(cst.SimpleStatementLine(body=block.body))
            return
        for stmt in block.body:
            if isinstance(stmt, cst.SimpleStatementLine | cst.FunctionDef | cst.ClassDef):
                flat.append(stmt)
                continue
            if isinstance(stmt, cst.For):
                names_of(stmt.target)
            elif isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None:
                        names_of(item.asname.name)
            parts(stmt)

    def parts(node: cst.CSTNode) -> None:
        """The blocks of a compound statement (``else``, ``except``, ``elif``...)."""
        for child in node.children:
            if isinstance(child, cst.BaseSuite):
                walk(child)
            elif isinstance(
                child, cst.Else | cst.Finally | cst.ExceptHandler | cst.ExceptStarHandler | cst.If
            ):
                if isinstance(child, cst.ExceptHandler | cst.ExceptStarHandler) and child.name:
                    names_of(child.name.name)
                parts(child)
            elif isinstance(child, cst.MatchCase):
                parts(child)

    walk(func.body)
    imported, bound, _functions = _module_bindings(cst.Module(body=flat))
    params = func.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        own.add(param.name.value)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            own.add(star.name.value)
    own |= bound - set(imported)
    scope = {k: v for k, v in outer.items() if k not in own}
    scope.update(imported)
    return scope, own | set(imported)


class _CallsCommand(PlainCommand):
    """What CU007 and CU008 share: name resolution (module and function imports), the
    TODO comment of each statement, the imports added and removed."""

    RULE = ""
    GROUP = ""  # the cqlengine module whose calls the rule rewrites
    CLASHES: tuple[str, ...] = ()  # native names that cqlengine's module also exports

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.rewrites = 0
        self._taken: set[str] = set()  # CLASHES that stay cqlengine's in this module
        self._reset()

    def _reset(self) -> None:
        self.rewrites = 0
        self._names: _Names | None = None
        self._module: cst.Module | None = None
        self._scopes: list[tuple[dict[str, str], set[str]]] = []
        self._statements: list[list[str]] = []
        self._calls: set[int] = set()  # ids of the callee nodes of the calls seen
        self._skip: set[int] = set()  # Name nodes that are not references
        self._used: set[tuple[str, str]] = set()  # imports that may go: (module, name)
        self._made: dict[str, int] = {}  # native CLASHES names written, how often
        self._freed: set[str] = set()
        self._left: list[str] = []  # uses of the cqlengine module that stay (how to say it)
        self._converted: dict[str, str] = {}
        self._classes: set[str] = set()
        self._loops: list[dict[str, str]] = []
        self._anywhere: dict[str, int] | None = None
        self._nested = False

    @classmethod
    def applies(cls, tree: ast.Module) -> bool:
        """Does the module import cqlengine's ``GROUP`` module, or something it may be
        reached through (``from cassandra import cqlengine``)?"""
        group = cls.GROUP
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                kind = cqlengine_name(node.module + ".")
                if kind is None:
                    if node.module in ("cassandra", "coodie.compat") and any(
                        a.name == "cqlengine" for a in node.names
                    ):
                        return True
                elif kind.startswith(group + ".") or (
                    kind == "" and any(a.name == group for a in node.names)
                ):
                    return True
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    kind = cqlengine_name(alias.name + ".")
                    if kind is not None and (kind == "" or kind.startswith(group + ".")):
                        return True
        return False

    # -- the passes ------------------------------------------------------------------

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        original = tree
        while True:
            self._reset()
            tree = super().transform_module_impl(original)
            if not self._again(tree):
                break
        if not self.rewrites or self._names is None:
            return tree
        tree = self._drop_freed(tree)
        if self._nested:
            tree = tree.visit(_DropNested(self._used, _used_names(tree)))
        for module, name in dict.fromkeys(self._names.wanted):
            want_import(self.context, module, name)
        for module, name in self._used:  # dropped by the engine if nothing uses them
            maybe_unused(self.context, module, name)
        return tree

    def _again(self, tree: cst.Module) -> bool:
        """Run again? When a native name that cqlengine's module also exports was
        written while the cqlengine one is still used: it stays cqlengine's."""
        if not self._made:
            return False
        counter = _References(set(self._made))
        tree.visit(counter)
        taken = {n for n, count in self._made.items() if counter.found.get(n, 0) > count}
        if not taken:
            return False
        self._taken |= taken
        return True

    def _drop_freed(self, tree: cst.Module) -> cst.Module:
        """Remove the module's ``from cqlengine... import NAME`` of the native names now
        written in its place (the engine's unused-import check would see them used)."""
        names = {n for n in self._freed if self._made.get(n)}
        if not names:
            return tree
        body: list[cst.BaseStatement] = []
        for stmt in tree.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                small: list[cst.BaseSmallStatement] = []
                for part in stmt.body:
                    if isinstance(part, cst.ImportFrom) and self._is_group_import(part):
                        assert not isinstance(part.names, cst.ImportStar)
                        kept = [
                            a
                            for a in part.names
                            if a.asname is not None or get_full_name_for_node(a.name) not in names
                        ]
                        if not kept:
                            continue
                        if len(kept) != len(part.names):
                            last = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                            if part.rpar is not None:
                                last = kept[-1].with_changes(comma=part.names[-1].comma)
                            part = part.with_changes(names=[*kept[:-1], last])
                    small.append(part)
                if not small:
                    continue
                if len(small) != len(stmt.body):
                    small[-1] = small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                stmt = stmt.with_changes(body=small)
            body.append(stmt)
        return tree.with_changes(body=body)

    def _is_group_import(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return False
        return cqlengine_name((get_full_name_for_node(node.module) or "") + ".") == self.GROUP + "."

    # -- the walk --------------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> bool:
        self._module = node
        imported, bound, functions = _module_bindings(node)
        for name in self.CLASHES:
            if (
                name not in self._taken
                and cqlengine_name(imported.get(name)) == f"{self.GROUP}.{name}"
                and self._imports_anywhere().get(name) == 1
            ):
                self._freed.add(name)  # written natively; the cqlengine import goes
        native = {k: v for k, v in imported.items() if k not in self._freed}
        self._names = _Names(native, bound - self._freed, functions)
        self._scopes = [(imported, set())]
        self._converted = converted_names(self.context, node)
        self._classes = {s.name.value for s in node.body if isinstance(s, cst.ClassDef)}
        return True

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            self._statements.append([])
        return super().on_visit(node)

    def on_leave(  # type: ignore[override]  # CSTTransformer's, as PlainTransformer's
        self, original_node: _Node, updated_node: _Node
    ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            reasons = self._statements.pop()
            if reasons and isinstance(result, cst.CSTNode):
                return _with_todo(result, self.RULE, reasons)
        return result

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._skip.add(id(node.name))
        self._scopes.append(_function_scope(node, self._scopes[-1][0]))
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._scopes.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._skip.add(id(node.name))
        return True

    def visit_Param(self, node: cst.Param) -> bool:
        self._skip.add(id(node.name))
        return True

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))
        return True

    def visit_For(self, node: cst.For) -> bool:
        self._loops.append(self._loop_models(node))
        return True

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        self._loops.pop()
        return updated_node

    def _loop_models(self, node: cst.For) -> dict[str, str]:
        """``for m in (A, B):`` over converted classes of one kind, ``m`` not rebound in
        the body: ``{"m": kind}``."""
        if not isinstance(node.target, cst.Name) or not isinstance(
            node.iter, cst.Tuple | cst.List | cst.Set
        ):
            return {}
        kinds = set()
        for element in node.iter.elements:
            if not isinstance(element, cst.Element):
                return {}
            kind = self._converted.get(_dotted(element.value) or "")
            kinds.add(kind if kind is not None else "left" if self._known(element.value) else "")
        if not kinds or "" in kinds:
            return {}
        name = node.target.value
        finder = _Binds(name)
        node.body.visit(finder)
        if finder.found:
            return {}
        return {name: kinds.pop() if len(kinds) == 1 else "mixed"}

    def visit_Call(self, node: cst.Call) -> bool:
        if self._group_name(node.func) is not None:
            self._calls.add(id(node.func))
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._skip.add(id(node.attr))
        name = self._group_name(node)
        if name is None:
            return True
        if id(node) not in self._calls:
            self._reference(name, node)
        return False

    def visit_Name(self, node: cst.Name) -> bool:
        if id(node) in self._skip or id(node) in self._calls:
            return False
        name = self._group_name(node)
        if name is not None:
            self._reference(name, node)
        return False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node.func) not in self._calls:
            return updated_node
        name = self._group_name(original_node.func)
        assert name is not None and self._names is not None
        wanted, made = len(self._names.wanted), dict(self._made)
        try:
            new = self._rewrite(name, updated_node)
        except Unconvertible as why:
            new = None
            self._todo(str(why))
        if new is None:
            del self._names.wanted[wanted:]
            self._made = made
            return updated_node
        self.rewrites += 1
        self._note_used(original_node.func)
        return new.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    # -- for the rules ---------------------------------------------------------------

    def _rewrite(self, name: str, call: cst.Call) -> cst.Call | None:
        """The native call for ``GROUP.name(...)``; None: leave it (it works as it is);
        raises Unconvertible: leave it with a TODO."""
        raise NotImplementedError

    def _reference(self, name: str, node: cst.BaseExpression) -> None:
        """A use of ``GROUP.name`` that is not a call of it."""

    def _todo(self, why: str) -> None:
        if self._statements:
            self._statements[-1].append(why)

    def _group_name(self, node: cst.BaseExpression) -> str | None:
        """``connection.setup`` -> ``"setup"`` (for GROUP ``connection``); ``""`` for the
        module itself; None for anything else."""
        full = _dotted(node)
        if full is None:
            return None
        head, _, rest = full.partition(".")
        imported = self._scopes[-1][0]
        if head not in imported:
            return None
        kind = cqlengine_name(imported[head] + (f".{rest}" if rest else "") + ".")
        if kind is None:
            return None
        kind = kind[:-1]
        if kind == self.GROUP:
            return ""
        group, _, attr = kind.partition(".")
        if group != self.GROUP or not attr or "." in attr:
            return None
        return attr

    def _note_used(self, node: cst.BaseExpression) -> None:
        """The cqlengine import a rewritten call came through (it may go)."""
        full = _dotted(node) or ""
        head = full.split(".")[0]
        qualified = self._scopes[-1][0].get(head)
        if qualified is None:
            return
        if any(head in own for _, own in self._scopes[1:]):
            self._nested = True  # imported in a function: the engine drops top-level ones
        if qualified == head:  # import cassandra.cqlengine.connection
            module = full.rpartition(".")[0]
            if cqlengine_name(module + ".") is not None:
                self._used.add((module, ""))
            return
        if cqlengine_name(qualified + ".") is None:
            return
        module, _, obj = qualified.rpartition(".")
        self._used.add((module, obj))  # from a.b import obj [as head]
        self._used.add((qualified, ""))  # import a.b.obj as head

    def _spell(self, module: str, name: str) -> cst.BaseExpression:
        """The expression naming ``module.name`` here (an import is asked for)."""
        names = self._names
        assert names is not None
        if len(self._scopes) > 1 and name in self._scopes[-1][1]:
            raise Unconvertible(
                f"the name {name} is bound in this function: rename it, then convert by hand"
            )
        if (
            name in self._imports_anywhere()
            and name not in self._freed
            and names.imported.get(name) != f"{module}.{name}"
        ):
            raise Unconvertible(
                f"the name {name} is imported in this module (it is not {module}.{name}): "
                f"import {name} from {module} under another name and convert by hand"
            )
        source = names.spell(module, name)
        if name in self.CLASHES:
            self._made[name] = self._made.get(name, 0) + 1
        return cst.parse_expression(source)

    def _imports_anywhere(self) -> dict[str, int]:
        """How many import statements bind each name, anywhere in the module (in a
        ``try`` block or a function too)."""
        if self._anywhere is None:
            found: dict[str, int] = {}
            tree = self.context.scratch.get("ast")
            if isinstance(tree, ast.Module):
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        for alias in node.names:
                            local = alias.asname or alias.name.split(".")[0]
                            found[local] = found.get(local, 0) + 1
            else:  # syntax this Python cannot parse (libcst could): look with libcst
                assert self._module is not None
                collector = _ImportedNames()
                self._module.visit(collector)
                found = collector.found
            self._anywhere = found
        return self._anywhere

    def _src(self, node: cst.CSTNode) -> str:
        assert self._module is not None
        return self._module.code_for_node(node).strip()

    def _literal(self, node: cst.BaseExpression) -> tuple[bool, Any]:
        assert self._module is not None
        return _literal(node, self._module)

    def _kind(self, node: cst.BaseExpression) -> str | None:
        """``model``/``usertype`` for a converted class (or a loop over some), else None."""
        spelled = _dotted(node)
        if spelled is None:
            return None
        for loop in reversed(self._loops):
            if spelled in loop:
                return loop[spelled]
        return self._converted.get(spelled)

    def _known(self, node: cst.BaseExpression) -> bool:
        """Is it a class named as such: one of this module's, or an imported one that
        the first pass over the tree knows about (then not a converted one, when
        ``_kind`` says nothing)?"""
        spelled = _dotted(node)
        if spelled is None:
            return False
        head = spelled.split(".")[0]
        imported, own = self._scopes[-1]
        if head in self._classes and head not in own:
            return "." not in spelled
        return head in imported and project_of(self.context) is not None


class _References(cst.CSTVisitor):
    """How often each of ``names`` is referred to (imports, attributes and keywords
    aside)."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.found: dict[str, int] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> bool:
        if node.value in self.names:
            self.found[node.value] = self.found.get(node.value, 0) + 1
        return False


class _DropNested(cst.CSTTransformer):
    """The imports in functions that a rewrite left unused (the engine drops those at
    the top of the module), judged as the engine judges: by the names still read."""

    def __init__(self, candidates: set[tuple[str, str]], used: set[str]) -> None:
        super().__init__()
        self.candidates = candidates
        self.used = used
        self.depth = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            return False
        return super().on_visit(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.depth -= 1
        return updated_node

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        return self._drop(updated_node)  # type: ignore[return-value]

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        return self._drop(updated_node)  # type: ignore[return-value]

    def _drop(
        self, node: cst.Import | cst.ImportFrom
    ) -> cst.Import | cst.ImportFrom | cst.RemovalSentinel:
        if not self.depth:
            return node
        left = _without_unused(node, self.candidates, self.used)
        return cst.RemoveFromParent() if left is None else left


class _ImportedNames(cst.CSTVisitor):
    """How many import statements bind each name, anywhere in a module."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, int] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            local = (
                alias.evaluated_alias
                if alias.asname is not None
                else alias.evaluated_name.split(".")[0]
            )
            self.found[local or ""] = self.found.get(local or "", 0) + 1
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                local = alias.evaluated_alias or alias.evaluated_name
                self.found[local] = self.found.get(local, 0) + 1
        return False


class _Binds(cst.CSTVisitor):
    """Is ``name`` bound (assigned, a loop or ``with`` target...) in a block?"""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.found = False

    def _target(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name) and node.value == self.name:
            self.found = True
        elif isinstance(node, cst.Tuple | cst.List):
            for element in node.elements:
                self._target(element.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        self.found |= any(n.name.value == self.name for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.found |= any(n.name.value == self.name for n in node.names)


# -- building the new calls ------------------------------------------------------------------


def _bind(
    call: cst.Call, params: Sequence[str], *, extra: bool = False
) -> tuple[dict[str, cst.Arg], list[cst.Arg]]:
    """The call's arguments by parameter name, and the other keywords (``**kwargs`` of
    the cqlengine function, when ``extra``)."""
    bound: dict[str, cst.Arg] = {}
    others: list[cst.Arg] = []
    position = 0
    for arg in call.args:
        if arg.star == "*":
            raise Unconvertible("*args in the call: name the arguments, then convert by hand")
        if arg.star == "**":
            if not extra:
                raise Unconvertible("**kwargs in the call: name the arguments")
            others.append(arg)
        elif arg.keyword is None:
            if position >= len(params):
                raise Unconvertible("more positional arguments than the function takes")
            bound[params[position]] = arg
            position += 1
        elif arg.keyword.value in params:
            bound[arg.keyword.value] = arg
        elif extra:
            others.append(arg)
        else:
            raise Unconvertible(f"an unknown argument {arg.keyword.value}=")
    return bound, others


def _keyword(name: str, arg: cst.Arg | None, value: cst.BaseExpression | None = None) -> cst.Arg:
    """``name=value`` (the value of ``arg`` by default, keeping its spacing)."""
    equal = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    if arg is None:
        assert value is not None
        return cst.Arg(keyword=cst.Name(name), value=value, equal=equal)
    if arg.keyword is not None and arg.keyword.value == name and value is None:
        return arg
    return arg.with_changes(
        keyword=cst.Name(name), equal=equal, value=value if value is not None else arg.value
    )


def _call(func: cst.BaseExpression, original: cst.Call, args: list[cst.Arg]) -> cst.Call:
    """A call of ``func`` laid out as ``original`` was: its commas (with their line
    breaks) are reused in order, its trailing comma stays last."""
    slots = [a.comma for a in original.args]
    middle = [c for c in slots[:-1] if isinstance(c, cst.Comma)]
    last = slots[-1] if slots else cst.MaybeSentinel.DEFAULT
    plain = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    spare = middle[-1] if middle else plain
    out: list[cst.Arg] = []
    for index, arg in enumerate(args):
        if index == len(args) - 1:
            comma: cst.Comma | cst.MaybeSentinel = last
        else:
            comma = middle[index] if index < len(middle) else spare
        out.append(arg.with_changes(comma=comma))
    return original.with_changes(func=func, args=out)


def _is_none(ok: bool, value: Any) -> bool:
    return ok and value is None


def _empty(ok: bool, value: Any) -> bool:
    """``None``, ``[]``, ``()``: what cqlengine reads as "the default"."""
    return ok and (value is None or (isinstance(value, list | tuple) and not value))


# -- CU007 -----------------------------------------------------------------------------------

_SETUP = ("hosts", "default_keyspace", "consistency", "lazy_connect", "retry_connect")
_REGISTER = (
    "name",
    "hosts",
    "consistency",
    "lazy_connect",
    "retry_connect",
    "cluster_options",
    "default",
    "session",
)
_ONCE = "once connection.setup() is init_coodie() (CU007), "
_READS_CONNECTION = {
    "session": "connection.session is cqlengine's session: " + _ONCE + "use "
    "coodie.connection.{get_session} (its rows are named tuples, not cqlengine's dicts)",
    "get_session": "get_session() returns cqlengine's session: " + _ONCE + "use "
    "coodie.connection.{get_session} (its rows are named tuples, not cqlengine's dicts)",
    "cluster": "connection.cluster is cqlengine's cluster: " + _ONCE + "use "
    "coodie.connection.{get_cluster}",
    "get_cluster": "get_cluster() returns cqlengine's cluster: " + _ONCE + "use "
    "coodie.connection.{get_cluster}",
    "execute": "execute() runs CQL on cqlengine's session (dict rows): " + _ONCE + "use "
    "coodie.connection.{get_session}.execute(...) (named tuple rows)",
    "set_default_connection": "set_default_connection() has no coodie twin: coodie's "
    "default is the connection named 'default' (init_coodie without name=); point models "
    "at the others with Settings.connection",
    "get_connection": "get_connection() returns cqlengine's connection object: " + _ONCE + "use "
    "coodie.connection.get_connection(name), coodie's",
}
_HARMLESS = frozenset({"ConsistencyLevel"})  # re-exports that do not read the connection


class ConnectionCommand(_CallsCommand):
    """CU007 (see the module's docstring); ``rewrites`` counts the calls rewritten."""

    DESCRIPTION: str = "Rewrite cqlengine connection setup into init_coodie (CU007)."
    RULE = "CU007"
    GROUP = "connection"

    def __init__(self, context: CodemodContext) -> None:
        self._pinned: str | None = None
        super().__init__(context)

    def _again(self, tree: cst.Module) -> bool:
        # A module that keeps one use of cqlengine's connection keeps all its connection
        # calls: a rewritten setup() would leave that use without a connection.
        if self._left and self.rewrites and self._pinned is None:
            self._pinned = self._left[0]
            return True
        return super()._again(tree)

    def _reference(self, name: str, node: cst.BaseExpression) -> None:
        if name in _HARMLESS:
            return
        what = self._src(node)
        if name in _READS_CONNECTION:
            why = self._reads(name)
            self._left.append(f"uses {what}, which reads it")
        elif name in self._handlers():
            why = (
                f"{what} is passed as a value: the calls it makes stay on cqlengine's "
                "connection; call init_coodie() (coodie.sync) instead"
            )
        else:
            why = (
                f"{what} uses cqlengine's connection module, which CU007 replaces with "
                "init_coodie(): convert it by hand (docs/connections.md)"
            )
        if name not in _READS_CONNECTION:
            self._left.append(f"uses {what}")
        self._todo(why)

    def _reads(self, name: str) -> str:
        return _READS_CONNECTION[name].format(
            get_session=CONNECTION["get_session"], get_cluster=CONNECTION["get_cluster"]
        )

    def _handlers(self) -> dict[str, Callable[[cst.Call], cst.Call]]:
        return {
            "setup": self._setup,
            "register_connection": self._register,
            "set_session": self._set_session,
            "default": self._default,
            "unregister_connection": self._unregister,
        }

    def _rewrite(self, name: str, call: cst.Call) -> cst.Call | None:
        handler = self._handlers().get(name)
        what = f"connection.{name}()"
        if handler is None:
            self._left.append(
                f"uses {what}" + (", which reads it" if name in _READS_CONNECTION else "")
            )
            if name in _READS_CONNECTION:
                raise Unconvertible(self._reads(name))
            raise Unconvertible(
                f"{what} has no coodie twin: convert it by hand (docs/connections.md)"
            )
        try:
            new = handler(call)
        except Unconvertible:
            self._left.append(f"keeps {what} on it")
            raise
        if self._pinned is not None:
            raise Unconvertible(
                f"{what} stays on cqlengine's connection because this module also "
                f"{self._pinned}: convert them together (see its TODO)"
            )
        return new

    def _init(self, call: cst.Call, args: list[cst.Arg]) -> cst.Call:
        return _call(self._spell(NATIVE, native_name(CONNECTION["setup"])), call, args)

    def _flag(self, bound: dict[str, cst.Arg], key: str, why: str) -> None:
        """A cqlengine flag with no coodie twin: fine when absent or literally false."""
        if key not in bound:
            return
        ok, value = self._literal(bound[key].value)
        if not ok:
            raise Unconvertible(f"{key}={self._src(bound[key].value)} is not a literal: {why}")
        if value:
            raise Unconvertible(f"{key}={self._src(bound[key].value)}: {why}")

    def _connect_args(self, bound: dict[str, cst.Arg], options: list[cst.Arg]) -> list[cst.Arg]:
        """``hosts=``, then the driver options (and ``execution_profiles=`` when
        ``consistency=`` or ``default_retry_policy=`` need the default profile)."""
        self._flag(
            bound,
            "lazy_connect",
            "init_coodie connects at once (no lazy connection): call it where the cluster "
            "is reachable, then drop lazy_connect",
        )
        self._flag(
            bound,
            "retry_connect",
            "init_coodie raises when the cluster is unreachable and does not retry on "
            "first use: catch the driver's NoHostAvailable and call it again",
        )
        keywords = {a.keyword.value: a for a in options if a.keyword is not None}
        splat = any(a.star == "**" for a in options)
        if "cloud" in keywords:
            raise Unconvertible(
                "cloud=: init_coodie needs hosts; build the driver's Cluster(cloud=...) "
                "yourself and pass init_coodie(session=cluster.connect(), keyspace=...)"
            )
        if "contact_points" in keywords:
            raise Unconvertible("contact_points= besides the hosts: pass one of them, as hosts")
        args: list[cst.Arg] = []
        hosts = bound.get("hosts")
        if hosts is None or _is_none(*self._literal(hosts.value)):
            # cqlengine's Cluster(None) contacts the driver's default, 127.0.0.1
            args.append(_keyword("hosts", None, cst.parse_expression('["127.0.0.1"]')))
        else:
            ok, value = self._literal(hosts.value)
            if ok and (
                not isinstance(value, list | tuple) or not all(isinstance(h, str) for h in value)
            ):
                raise Unconvertible(
                    f"hosts={self._src(hosts.value)}: init_coodie takes host names (a list of "
                    'strings, "host:port" for a port): write them so, then convert'
                )
            args.append(_keyword("hosts", hosts))
        profile: dict[str, cst.BaseExpression] = {}
        consistency = bound.get("consistency")
        if consistency is not None and not _is_none(*self._literal(consistency.value)):
            text = self._src(consistency.value)
            if not _CONSISTENCY.match(text.replace(" ", "")):
                raise Unconvertible(
                    f"consistency={text} is not a ConsistencyLevel constant: set it as the "
                    "consistency_level of the driver's default execution profile by hand"
                )
            profile["consistency"] = consistency.value
        if "default_retry_policy" in keywords and "load_balancing_policy" not in keywords:
            # with load_balancing_policy= init_coodie adds no profile: it stays as it is
            profile["default_retry_policy"] = keywords["default_retry_policy"].value
        if profile and (splat or {"execution_profiles", "load_balancing_policy"} & set(keywords)):
            given = ", ".join(f"{k}=" for k in profile)
            raise Unconvertible(
                f"{given} with execution_profiles=, load_balancing_policy= or **options: "
                "set it in the driver's default execution profile by hand"
            )
        for arg in options:
            if arg.keyword is None or arg.keyword.value not in profile:
                args.append(arg)
        if profile:
            args.append(_keyword("execution_profiles", None, self._profile(profile)))
        return args

    def _profile(self, options: dict[str, cst.BaseExpression]) -> cst.BaseExpression:
        """``{EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=..., ...)}``:
        the profile coodie's init_coodie would make, with the options."""
        spell = self._names
        assert spell is not None
        default = spell.spell("cassandra.cluster", "EXEC_PROFILE_DEFAULT")
        profile = spell.spell("cassandra.cluster", "ExecutionProfile")
        policy = _POLICY.format(
            tap=spell.spell("cassandra.policies", "TokenAwarePolicy"),
            dca=spell.spell("cassandra.policies", "DCAwareRoundRobinPolicy"),
        )
        parts = [f"load_balancing_policy={policy}"]
        parts += [f"{_PROFILE_OPTIONS[k]}={self._src(v)}" for k, v in options.items()]
        return cst.parse_expression(f"{{{default}: {profile}({', '.join(parts)})}}")

    # -- the calls -------------------------------------------------------------------

    def _setup(self, call: cst.Call) -> cst.Call:
        bound, options = _bind(call, _SETUP, extra=True)
        args = self._connect_args(bound, options)
        keyspace = bound.get("default_keyspace")
        if keyspace is not None and not _is_none(*self._literal(keyspace.value)):
            args.insert(1, _keyword("keyspace", keyspace))
        return self._init(call, args)

    def _default(self, call: cst.Call) -> cst.Call:
        _bind(call, ())
        default = cst.parse_expression(CONNECTION["default"])
        assert isinstance(default, cst.Call)
        return self._init(call, list(default.args))

    def _register(self, call: cst.Call) -> cst.Call:
        bound, _ = _bind(call, _REGISTER)
        if "name" not in bound:
            raise Unconvertible("register_connection() without a name")
        self._flag(
            bound,
            "default",
            "it is also made the default connection, and init_coodie registers one name: "
            "register the default without name= and point models at the other with "
            "Settings.connection",
        )
        name = _keyword("name", bound["name"])
        session = bound.get("session")
        if session is not None and not _is_none(*self._literal(session.value)):
            raise Unconvertible(
                "register_connection(session=...) also switches the session's rows to dicts "
                "(cqlengine's dict_factory); init_coodie(session=..., name=...) leaves the "
                "session as it is: set the row factory yourself if raw queries read dicts, "
                "then use init_coodie"
            )
        options: list[cst.Arg] = []
        cluster_options = bound.get("cluster_options")
        if cluster_options is not None and not _is_none(*self._literal(cluster_options.value)):
            options = self._unpacked(cluster_options.value)
        args = self._connect_args(bound, options)
        args.insert(1, name)
        return self._init(call, args)

    def _unpacked(self, value: cst.BaseExpression) -> list[cst.Arg]:
        """``cluster_options={"port": 9043}`` -> ``port=9043``; a name -> ``**name``."""
        if not isinstance(value, cst.Dict):
            return [cst.Arg(value=value, star="**")]
        args: list[cst.Arg] = []
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                args.append(cst.Arg(value=element.value, star="**"))
                continue
            ok, key = self._literal(element.key)
            if not ok or not isinstance(key, str) or not key.isidentifier():
                raise Unconvertible(
                    f"cluster_options key {self._src(element.key)} is not a keyword: pass "
                    "the driver options to init_coodie by hand"
                )
            args.append(_keyword(key, None, element.value))
        return args

    def _set_session(self, call: cst.Call) -> cst.Call:
        bound, _ = _bind(call, ("s",))
        session = bound.get("s")
        if session is None:
            raise Unconvertible("set_session() without a session")
        if _dotted(session.value) is None:
            raise Unconvertible(
                f"set_session({self._src(session.value)}): bind the session to a name "
                "first (init_coodie(session=s, keyspace=s.keyspace) reads it twice)"
            )
        keyspace = cst.Attribute(value=session.value, attr=cst.Name("keyspace"))
        args = [_keyword("session", session), _keyword("keyspace", None, keyspace)]
        return self._init(call, args)

    def _unregister(self, call: cst.Call) -> cst.Call:
        bound, _ = _bind(call, ("name",))
        if "name" not in bound:
            raise Unconvertible("unregister_connection() without a name")
        func = self._spell(NATIVE, native_name(CONNECTION["unregister_connection"]))
        arg = bound["name"]
        if arg.keyword is not None:
            arg = arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
        return _call(func, call, [arg])


# -- CU008 -----------------------------------------------------------------------------------

_TABLE = ("model", "keyspaces", "connections")


class ManagementCommand(_CallsCommand):
    """CU008 (see the module's docstring); ``rewrites`` counts the calls rewritten."""

    DESCRIPTION: str = "Rewrite cqlengine management calls into native coodie (CU008)."
    RULE = "CU008"
    GROUP = "management"
    CLASHES = ("sync_type", "drop_keyspace")

    def _reference(self, name: str, node: cst.BaseExpression) -> None:
        if name in ("sync_table", "drop_table", "sync_type"):
            what = self._src(node)
            native = MANAGEMENT[name]
            self._todo(
                f"{what} is passed as a value: it cannot take a model or user type that "
                f"is now coodie's; call {native} on those"
            )

    def _rewrite(self, name: str, call: cst.Call) -> cst.Call | None:
        if name in ("sync_table", "drop_table"):
            return self._table(name, call)
        if name == "sync_type":
            return self._sync_type(call)
        if name in ("create_keyspace_simple", "create_keyspace_network_topology"):
            return self._create_keyspace(name, call)
        if name == "drop_keyspace":
            return self._drop_keyspace(call)
        return None  # the shim's other functions work as they are

    def _model(self, bound: dict[str, cst.Arg], key: str, kind: str, call: str) -> bool:
        """Is the argument a converted ``kind``?  False when it is a cqlengine one;
        Unconvertible when it cannot be told."""
        arg = bound.get(key)
        if arg is None:
            raise Unconvertible(f"{call}() without its {kind}")
        found = self._kind(arg.value)
        if found == kind:
            return True
        if found == "left" or self._known(arg.value):
            return False  # a cqlengine class: the shim syncs it
        what = self._src(arg.value)
        native = MANAGEMENT[call].replace("Model", what).replace("Type", what)
        if found == "mixed":
            raise Unconvertible(
                f"the loop over {what} mixes coodie classes and cqlengine ones: loop over "
                f"each kind apart, with {native} for the coodie ones"
            )
        document = "Document" if kind == "model" else "UserType"
        raise Unconvertible(
            f"{call}({what}): {what} is not known here to be a coodie {document} or a "
            f"cqlengine {kind}: a coodie {document} needs {native}, a cqlengine one keeps "
            f"{call}(...)"
        )

    def _table(self, name: str, call: cst.Call) -> cst.Call | None:
        bound, _ = _bind(call, _TABLE)
        if not self._model(bound, "model", "model", name):
            return None
        model = bound["model"].value
        what = self._src(model)
        for key in ("keyspaces", "connections"):
            if key in bound and not _empty(*self._literal(bound[key].value)):
                place = "Settings.keyspace" if key == "keyspaces" else "Settings.connection"
                raise Unconvertible(
                    f"{what} is a coodie Document now, which cqlengine's {name}() cannot "
                    f"take, and {what}.{name}() has no {key}=: it works on the model's "
                    f"{place}; give each one a model (a subclass setting it) and call "
                    f"{name}() on each"
                )
        method = native_name(MANAGEMENT[name])
        return cst.Call(func=cst.Attribute(value=model, attr=cst.Name(method)))

    def _sync_type(self, call: cst.Call) -> cst.Call | None:
        bound, _ = _bind(call, ("ks_name", "type_model", "connection"))
        if not self._model(bound, "type_model", "usertype", "sync_type"):
            return None
        func = self._spell(NATIVE, native_name(MANAGEMENT["sync_type"]))
        type_arg = bound["type_model"]
        if type_arg.keyword is not None:
            type_arg = type_arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
        args = [type_arg]
        if "ks_name" in bound:
            args.append(_keyword("keyspace", bound["ks_name"]))
        connection = bound.get("connection")
        if connection is not None and not _is_none(*self._literal(connection.value)):
            args.append(_keyword("connection", connection))
        return _call(func, call, args)

    def _connection(self, bound: dict[str, cst.Arg]) -> cst.Arg | None:
        """``connections=["audit"]`` -> ``connection="audit"``; none -> None."""
        arg = bound.get("connections")
        if arg is None:
            return None
        ok, value = self._literal(arg.value)
        if _empty(ok, value):
            return None
        node = arg.value
        if isinstance(node, cst.List | cst.Tuple) and len(node.elements) == 1:
            element = node.elements[0]
            if isinstance(element, cst.Element):
                return _keyword("connection", None, element.value)
        raise Unconvertible(
            f"connections={self._src(node)}: the native call takes one connection=name; "
            "make one call per connection"
        )

    def _create_keyspace(self, name: str, call: cst.Call) -> cst.Call:
        second = _second_keyword(MANAGEMENT[name])
        old = "replication_factor" if second == "replication_factor" else "dc_replication_map"
        bound, _ = _bind(call, ("name", old, "durable_writes", "connections"))
        if "name" not in bound or old not in bound:
            raise Unconvertible(f"{name}() without its keyspace name or {old}")
        ok, value = self._literal(bound[old].value)
        if (
            second == "replication_factor"
            and ok
            and (not isinstance(value, int) or isinstance(value, bool))
        ):
            raise Unconvertible(
                f"replication_factor={self._src(bound[old].value)} is not an integer: "
                "create_keyspace takes the number of replicas"
            )
        keyspace = bound["name"]
        if keyspace.keyword is not None:
            keyspace = keyspace.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
        args = [keyspace, _keyword(second, bound[old])]
        if "durable_writes" in bound:
            args.append(_keyword("durable_writes", bound["durable_writes"]))
        connection = self._connection(bound)
        if connection is not None:
            args.append(connection)
        func = self._spell(NATIVE, native_name(MANAGEMENT[name]))
        return _call(func, call, args)

    def _drop_keyspace(self, call: cst.Call) -> cst.Call:
        bound, _ = _bind(call, ("name", "connections"))
        if "name" not in bound:
            raise Unconvertible("drop_keyspace() without a keyspace name")
        keyspace = bound["name"]
        if keyspace.keyword is not None:
            keyspace = keyspace.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
        args = [keyspace]
        connection = self._connection(bound)
        if connection is not None:
            args.append(connection)
        func = self._spell(NATIVE, native_name(MANAGEMENT["drop_keyspace"]))
        return _call(func, call, args)


__all__: Sequence[str] = ["ConnectionCommand", "ManagementCommand", "native_name"]
