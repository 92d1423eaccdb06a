"""Rules CU002 (models) and CU004 (model options -> ``class Settings``).

CU002 rewrites ``class X(Model)`` whose body declares ``columns.*`` into a native
``class X(Document)`` (``coodie.sync``): each column becomes an annotation whose
Python type, type marker and key/index markers are printed from the shim's mapping
table (``COLUMN_TYPES[...].python_source``/``marker_source``, ``COLLECTIONS``,
``COLUMN_OPTIONS[...].source``).  Key order is cqlengine's: the ``partition_key``
columns (or the first primary key) in declaration order, then the other primary keys
as clustering columns in declaration order; ``PrimaryKey(partition_key_index=n)`` and
``ClusteringKey(index=n)`` say it when there are several.

CU004 then turns the options of the classes CU002 converted (``__table_name__``,
``__keyspace__``, ``__options__``, ``__connection__``, ``__default_ttl__``, ...,
after ``MODEL_OPTIONS``) into a ``class Settings`` at the end of the class body.

A class that cannot be converted faithfully (a custom column class, positional or
unknown arguments, a default whose kind cannot be told, a base class not in the
module, polymorphic models, user types, a user type in a set, a table name cqlengine
picks by call order) is left as it is, with one
``# TODO(coodie-upgrade CU002): <why, what to do>`` comment above it.

What tests/codemods_corpus taught (tests/integration/test_codemods_schema.py syncs it
with cqlengine and, converted, with coodie): ``_freeze_db_type`` calls in a body fold
into ``frozen=True``; a column named like a type its class's annotations need
(``date``) makes the class spell that type under an alias (``date_``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.helpers import get_full_name_for_node

from coodie import fields as markers
from coodie.compat.cqlengine.mapping import (
    COLLECTIONS,
    COLUMN_OPTIONS,
    COLUMN_TYPES,
    MODEL_OPTIONS,
    ColumnType,
)
from coodie.schema import snake_case

from .imports import PlainCommand, maybe_unused, want_import
from .project import (
    CONVERTED,
    CONVERTED_TYPES,
    LEFT,
    ColumnInfo,
    converted_names,
    module_project,
    resolve_relative,
)

PREFIXES = ("cassandra.cqlengine.", "coodie.compat.cqlengine.")
TODO_PREFIX = "# TODO(coodie-upgrade {rule}): "
SHARED = CONVERTED
"""The ``context.scratch`` key under which CU002 tells the later rules which classes it
converted (name -> parent: a class of the module, a qualified name, or None)."""

DOCUMENT = ("coodie.sync", "Document")
FIELDS_MODULE = "coodie.fields"
# cqlengine's own keyword arguments that say nothing about the schema
_NO_SCHEMA = frozenset({"strict"})
_COLLECTION_ARGS = {
    "List": ("value_type",),
    "Set": ("value_type",),
    "Map": ("key_type", "value_type"),
}
_EMPTY = {"list": "list", "set": "set", "dict": "dict"}
_BUILTIN_CALLABLES = frozenset(
    {"list", "dict", "set", "tuple", "frozenset", "str", "int", "float", "bool", "bytes"}
)
_KNOWN_CALLABLES = frozenset(
    {
        "uuid.uuid1",
        "uuid.uuid4",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
    }
)
_VALUE_TYPES = frozenset(
    {
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "decimal.Decimal",
        "uuid.UUID",
    }
)
"""Classes whose call in ``default=`` makes an (immutable) value, not a callable."""
_CONSTANT_NODES = (
    ast.Expression,
    ast.Constant,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Load,
)
_FREEZABLE = ("columns.List", "columns.Set", "columns.Map")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_SETTING = re.compile(r"Settings\.(\w+)(?:\['(\w+)'\])?")


class Unconvertible(Exception):
    """Why a class stays as it is (the text of its TODO comment)."""


class Derived(Unconvertible):
    """A class stays because another one does (its base, its user type): not a reason
    of its own, so the TODOs of its family name the other one's."""


def cqlengine_name(qualified: str | None) -> str | None:
    """``coodie.compat.cqlengine.columns.Text`` (or the cassandra spelling) ->
    ``columns.Text``; other names: None."""
    if qualified is None:
        return None
    for prefix in PREFIXES:
        if qualified.startswith(prefix):
            return qualified[len(prefix) :]
    return None


def cqlengine_table_name(class_name: str) -> str:
    """The table cqlengine names after a model without ``__table_name__``."""
    name = _CAMEL.sub(lambda m: f"{m[1]}_{m[2].lower()}", class_name)
    return name[-48:].lower().lstrip("_")


def todo_comment(rule: str, why: str) -> str:
    return TODO_PREFIX.format(rule=rule) + why


def _has_todo(node: cst.ClassDef, rule: str) -> bool:
    mark = TODO_PREFIX.format(rule=rule)
    return any(
        line.comment is not None and line.comment.value.startswith(mark)
        for line in node.leading_lines
    )


def _add_todo(node: cst.ClassDef, rule: str, why: str) -> cst.ClassDef:
    if _has_todo(node, rule):
        return node
    line = cst.EmptyLine(comment=cst.Comment(todo_comment(rule, why)))
    return node.with_changes(leading_lines=[*node.leading_lines, line])


def _module_bindings(
    module: cst.Module, name: str | None = None, is_package: bool = False
) -> tuple[dict[str, str], set[str], set[str]]:
    """Module-level names: imported ones (name -> qualified name), all bound names,
    and the functions defined (``def``).  Relative imports resolve when the module's
    dotted ``name`` is known."""
    imported: dict[str, str] = {}
    bound: set[str] = set()
    functions: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            functions.add(stmt.name.value)
            bound.add(stmt.name.value)
        elif isinstance(stmt, cst.ClassDef):
            bound.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        full = get_full_name_for_node(alias.name) or ""
                        if alias.asname is not None:
                            local = get_full_name_for_node(alias.asname.name) or ""
                            imported[local] = full
                            bound.add(local)
                        else:
                            head = full.split(".")[0]
                            imported.setdefault(head, head)
                            bound.add(head)
                elif isinstance(small, cst.ImportFrom) and not isinstance(
                    small.names, cst.ImportStar
                ):
                    if small.relative and name:
                        relative = get_full_name_for_node(small.module) if small.module else None
                        module_name = resolve_relative(
                            name, is_package, len(small.relative), relative
                        )
                    elif small.relative or small.module is None:
                        for alias in small.names:
                            bound.add(_local(alias))
                        continue
                    else:
                        module_name = get_full_name_for_node(small.module) or ""
                    for alias in small.names:
                        local = _local(alias)
                        imported[local] = f"{module_name}.{get_full_name_for_node(alias.name)}"
                        bound.add(local)
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            bound.add(target.target.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    bound.add(small.target.value)
    return imported, bound, functions


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return get_full_name_for_node(alias.asname.name) or ""
    return (get_full_name_for_node(alias.name) or "").split(".")[0]


@dataclass
class _Names:
    """How the module spells the names the rewrite needs, and the imports to add."""

    imported: dict[str, str]
    bound: set[str]
    functions: set[str]
    wanted: list[tuple[str, str]] = field(default_factory=list)
    avoid: set[str] = field(default_factory=set)
    """The names the class being converted binds (its columns, methods...): in its body
    they hide the module's (``date: Optional[date] = None`` reads the field's own default
    as its type), so its annotations spell those names under an alias."""
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)  # imports ``as``

    def qualified(self, node: cst.BaseExpression) -> str | None:
        full = get_full_name_for_node(node)
        if full is None:
            return None
        head, _, rest = full.partition(".")
        if head in self.imported:
            return self.imported[head] + (f".{rest}" if rest else "")
        return full

    def spell(self, module: str, name: str) -> str:
        """The source of ``module.name`` in this module, asking for an import when needed."""
        if name in self.avoid:
            return self._alias(module, name)
        if module == "builtins":
            return name
        target = f"{module}.{name}"
        if self.imported.get(name) == target:
            return name
        if name not in self.bound:
            self.wanted.append((module, name))
            return name
        if self.imported.get(module) == module:  # ``import uuid``: uuid.UUID
            return target
        raise Unconvertible(
            f"the name {name} is taken in this module (it is not {target}): "
            f"import {name} from {module} under another name and convert by hand"
        )

    def _alias(self, module: str, name: str) -> str:
        """``module.name`` spelled with a name the class does not bind: through an
        ``import module`` of the module, or ``from module import name as name_`` (PEP 8's
        trailing underscore)."""
        target = f"{module}.{name}"
        if self.imported.get(module) == module and module not in self.avoid:
            return target  # ``import datetime``: datetime.date
        alias = f"{name}_"
        if alias in self.avoid or (alias in self.bound and self.imported.get(alias) != target):
            raise Unconvertible(
                f"the class binds {name} and {alias}, names its annotations need for "
                f"{target}: convert by hand"
            )
        self.aliases[(module, name)] = alias
        return alias


@dataclass(eq=False)
class _Column:
    name: str
    kind: str  # a COLUMN_TYPES or COLLECTIONS name
    kwargs: dict[str, cst.BaseExpression]
    type_source: str  # the Python type (with element markers)
    type_marker: str | None  # the column type's marker (BigInt()...)
    primary: bool
    partition: bool
    empty: str | None  # a collection's empty value (list/set/dict)
    statement: cst.SimpleStatementLine | None  # None: declared in another module

    @classmethod
    def inherited(cls, info: ColumnInfo) -> _Column:
        """A column of a base in another module (the key order is all it needs)."""
        return cls(info.name, "", {}, "", None, info.primary, info.partition, None, None)


def _literal(node: cst.BaseExpression, module: cst.Module) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(module.code_for_node(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


_HASHED_ARGS = {"columns.Set": "value_type", "columns.Map": "key_type"}


def _calls(node: cst.BaseExpression) -> list[cst.Call]:
    """The calls in an expression, outermost first."""
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(_Calls())
    return found


def _whole(source: str, head: str) -> bool:
    """Is ``source`` ``head[...]`` as a whole (its first bracket closes at its end)?"""
    if not (source.startswith(f"{head}[") and source.endswith("]")):
        return False
    depth = 0
    for index, char in enumerate(source):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0 and char == "]":
            return index == len(source) - 1
    return False


def _true_source(source: str | None) -> bool:
    """Is ``source`` a literal that is true (``True``, ``1``)?"""
    try:
        return source is not None and bool(ast.literal_eval(source.strip()))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _class_bindings(node: cst.ClassDef) -> set[str]:
    """The names a class body binds at its top level."""
    if not isinstance(node.body, cst.IndentedBlock):
        return set()
    bound: set[str] = set()
    for stmt in node.body.body:
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            bound.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign | cst.AugAssign):
                    targets = [small.target]
                bound.update(t.value for t in targets if isinstance(t, cst.Name))
    return bound


def _constant_expression(source: str) -> tuple[bool, bool]:
    """(is ``source`` made of literals and operators only -- no name, no call --, does it
    build a list, dict or set)."""
    try:
        tree = ast.parse(f"({source})", mode="eval")
    except SyntaxError:
        return False, False
    nodes = list(ast.walk(tree))
    if not all(isinstance(n, _CONSTANT_NODES) for n in nodes):
        return False, False
    return True, any(isinstance(n, ast.List | ast.Set | ast.Dict) for n in nodes)


class ModelsCommand(PlainCommand):
    """CU002 (see the module's docstring); ``rewrites`` counts the models converted."""

    DESCRIPTION: str = "Rewrite cqlengine models into coodie Documents (CU002)."
    RULE = "CU002"

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.rewrites = 0
        self._names: _Names | None = None
        self._module: cst.Module | None = None
        self._models: set[str] = set()
        self._types: set[str] = set()  # spellings of converted user types of other modules
        # the converted models of the module: all their columns (inherited first), and
        # each column's key role, for the subclasses defined after them
        self._columns: dict[str, list[_Column]] = {}
        self._roles: dict[str, dict[str, tuple[str, int] | None]] = {}
        self._parents: dict[str, str | None] = {}
        self._skip: set[str] = set()  # models left alone: their family has one that must be
        self._skip_next: set[str] = set()
        self._failed: dict[str, str] = {}  # why, for the model that made a family be skipped
        self._used: set[tuple[str, str]] = set()  # cqlengine imports that may go

    @staticmethod
    def applies(tree: ast.Module) -> bool:
        return any(isinstance(n, ast.ClassDef) and n.bases for n in ast.walk(tree))

    def visit_Module(self, node: cst.Module) -> bool:
        imported, bound, functions = _module_bindings(
            node,
            self.context.full_module_name,
            (self.context.filename or "").endswith("__init__.py"),
        )
        self._names = _Names(imported, bound, functions)
        self._module = node
        self._types = {k for k, v in converted_names(self.context, node).items() if v == "usertype"}
        self._models = set()
        self._parents = {}
        for stmt in node.body:  # a base is defined before its subclasses
            if isinstance(stmt, cst.ClassDef) and self._is_model(stmt):
                base = stmt.bases[0].value if stmt.bases else None
                parent = base.value if isinstance(base, cst.Name) else None
                self._parents[stmt.name.value] = parent if parent in self._models else None
                self._models.add(stmt.name.value)
        self.rewrites = 0
        self._used = set()
        self._columns = {}
        self._roles = {}
        self.context.scratch[SHARED] = {}
        return True

    def _family(self, name: str) -> set[str]:
        """The models of the module that share ``name``'s root base (a converted base
        and an unconverted subclass cannot live together)."""

        def root(n: str) -> str:
            seen = set()
            while self._parents.get(n) is not None and n not in seen:
                seen.add(n)
                n = self._parents[n] or n
            return n

        top = root(name)
        return {m for m in self._parents if root(m) == top}

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        names = self._names
        assert names is not None
        if not self._is_model(updated_node):
            why = self._missed(updated_node)
            return updated_node if why is None else _add_todo(updated_node, self.RULE, why)
        name = updated_node.name.value
        if name in self._failed:
            return _add_todo(updated_node, self.RULE, self._failed[name])
        family_left = (
            "a model of its family (its bases and subclasses in this module) cannot be "
            "converted: convert them together, by hand"
        )
        if name in self._skip:
            return _add_todo(updated_node, self.RULE, family_left)
        project = module_project(self.context)
        left = project is not None and project.left(self._qualified(name))
        wanted_before = len(names.wanted)
        try:
            new = self._convert(self._prepared(updated_node))
        except Unconvertible as why:
            del names.wanted[wanted_before:]
            family = self._family(name)
            if len(family) > 1:
                self._skip_next |= family - {name}
                self._failed[name] = str(why)
            if not isinstance(why, Derived):
                reasons = self.context.scratch.setdefault(LEFT, {})
                reasons.setdefault(name, str(why))
            return _add_todo(updated_node, self.RULE, str(why))
        if left:  # it would convert, but a class of its family (or its types) cannot
            del names.wanted[wanted_before:]
            assert project is not None
            why_left = project.why_left(self._qualified(name)) or "see the TODOs there"
            return _add_todo(
                updated_node,
                self.RULE,
                "a class of its family (its bases and subclasses, the user types they hold, "
                f"across modules) stays cqlengine's: {why_left}; convert them together, "
                "by hand",
            )
        self.rewrites += 1
        self._record(updated_node)
        return new

    def _record(self, node: cst.ClassDef) -> None:
        """Tell the later rules (``context.scratch``) that the class was converted."""
        converted = self.context.scratch.setdefault(SHARED, {})
        if isinstance(converted, dict):
            base = node.bases[0].value
            parent = (
                base.value if isinstance(base, cst.Name) and base.value in self._models else None
            )
            converted[node.name.value] = parent or self._project_base(base)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        original = tree
        while True:
            self._skip_next = set(self._skip)
            tree = super().transform_module_impl(original)
            if self._skip_next <= self._skip:
                break
            self._skip = self._skip_next  # again, leaving those families alone
        if not self.rewrites or self._names is None:
            return tree
        tree = self._finish(tree)
        for module, name in self._names.wanted:
            want_import(self.context, module, name)
        code = tree.code if self._names.aliases else ""
        for (module, name), alias in self._names.aliases.items():
            if re.search(rf"\b{alias}\b", code):  # not when the class was left as it is
                want_import(self.context, module, name, alias)
        for module, name in self._used:
            for prefix in PREFIXES:
                maybe_unused(self.context, prefix + module, name)
        return tree

    def _finish(self, tree: cst.Module) -> cst.Module:
        """The last change before the imports are added and removed."""
        return tree

    # -- what is a model ---------------------------------------------------------------

    def _is_model(self, node: cst.ClassDef) -> bool:
        names = self._names
        assert names is not None
        return any(
            cqlengine_name(names.qualified(base.value)) == "models.Model"
            or (isinstance(base.value, cst.Name) and base.value.value in self._models)
            or self._project_base(base.value) is not None
            for base in node.bases
        )

    def _project_base(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a base that is a model of another module of the tree."""
        project = module_project(self.context)
        names = self._names
        if project is None or names is None:
            return None
        qualified = names.qualified(node)
        if qualified is None or project.kind(qualified) != "model":
            return None
        if isinstance(node, cst.Name) and node.value in self._models:
            return None  # this module's
        return qualified

    def _qualified(self, name: str) -> str:
        return f"{self.context.full_module_name}.{name}"

    def _missed(self, node: cst.ClassDef) -> str | None:
        """Why a class with cqlengine columns that is not a direct model is left alone."""
        names = self._names
        assert names is not None
        if not isinstance(node.body, cst.IndentedBlock) or any(
            cqlengine_name(names.qualified(base.value)) == "usertype.UserType"
            for base in node.bases
        ):
            return None  # a user type: CU003's
        for stmt in node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                        kind = cqlengine_name(names.qualified(small.value.func)) or ""
                        if kind.startswith("columns.") and node.bases:
                            return (
                                "cqlengine columns in a class whose base is not "
                                "cqlengine's Model nor a model of this module: convert "
                                "its base first, or by hand"
                            )
        return None

    def _note_used(self, node: cst.BaseExpression) -> None:
        """The cqlengine import a rewritten expression came through (it may go)."""
        names = self._names
        assert names is not None
        full = get_full_name_for_node(node) or ""
        head = full.split(".")[0]
        qualified = cqlengine_name(names.imported.get(head))
        if qualified is not None:
            module, _, name = qualified.rpartition(".")
            self._used.add((module, name) if module else (qualified, ""))

    # -- the conversion ----------------------------------------------------------------

    def _convert(self, node: cst.ClassDef) -> cst.ClassDef:
        names = self._names
        assert names is not None
        if len(node.bases) != 1 or node.keywords:
            raise Unconvertible("a model with several bases or class keywords: convert it by hand")
        if not isinstance(node.body, cst.IndentedBlock):
            raise Unconvertible("a one-line class body: convert it by hand")
        base_node = node.bases[0].value
        parent = base_node.value if isinstance(base_node, cst.Name) else None
        inherited: list[_Column] = []
        elsewhere = self._project_base(base_node)
        base_left = False
        parent_roles: dict[str, tuple[str, int] | None] | None = None
        if parent is not None and parent in self._models:
            if parent not in self._columns:
                raise Derived(
                    f"its base {parent} was not converted: convert the base first (see its TODO)"
                )
            inherited = self._columns[parent]
            parent_roles = self._roles[parent]
        elif elsewhere is not None:
            project = module_project(self.context)
            assert project is not None
            base_left = project.left(elsewhere)
            inherited = [_Column.inherited(c) for c in project.columns(elsewhere)]
            parent_roles = _roles(inherited)
            parent = elsewhere
        else:
            parent = None
        own: list[_Column] = []
        for stmt in node.body.body:
            column = self._statement(stmt)
            if column is not None:
                own.append(column)
        taken = {c.name for c in inherited} & {c.name for c in own}
        if taken:
            raise Unconvertible(
                f"redefines the inherited column {', '.join(sorted(taken))}: convert by hand"
            )
        columns = inherited + own
        if not any(c.primary for c in columns):
            abstract = self._option(node, "__abstract__")
            if abstract is None:
                raise Unconvertible("the model has no primary key: convert it by hand")
        partition, clustering = _keys(columns)
        roles = {c.name: _role(c, partition, clustering) for c in columns}
        if parent_roles is not None:
            changed = [c.name for c in inherited if roles[c.name] != parent_roles[c.name]]
            if changed:
                raise Unconvertible(
                    f"its keys change the key role of the inherited {', '.join(changed)} "
                    f"(in {parent}): a Document subclass cannot; convert by hand"
                )
        lines: dict[int, cst.BaseStatement] = {}
        for column in own:
            lines[id(column.statement)] = self._field(column, partition, clustering)
        body = [lines.get(id(s), s) for s in node.body.body]
        if base_left:  # said after the class's own reasons (its fields), which come first
            project = module_project(self.context)
            why = (project.why_left(str(parent)) if project else None) or "see the TODO there"
            raise Derived(
                f"its base {parent} stays a cqlengine model ({why}): convert them together, by hand"
            )
        self._columns[node.name.value] = columns
        self._roles[node.name.value] = roles
        if parent is not None:  # the base, converted too, stays the base
            return node.with_changes(body=node.body.with_changes(body=body))
        self._note_used(base_node)
        base = node.bases[0].with_changes(value=cst.parse_expression(names.spell(*DOCUMENT)))
        return node.with_changes(bases=[base], body=node.body.with_changes(body=body))

    def _prepared(self, node: cst.ClassDef) -> cst.ClassDef:
        """The class as ``_convert`` takes it: the names its body binds are noted (see
        ``_Names.avoid``), and ``x._freeze_db_type()`` or
        ``BaseCollectionColumn._freeze_db_type(x)`` in the body (how collections were
        frozen before ``frozen=True``) go, the column saying ``frozen=True`` instead (a
        tuple or a user type is frozen already)."""
        assert self._names is not None
        self._names.avoid = _class_bindings(node)
        if not isinstance(node.body, cst.IndentedBlock):
            return node
        unsettled = self._unsettled_table(node) if self.RULE == "CU002" else None
        if unsettled is not None:
            raise Unconvertible(unsettled)
        assigned: dict[str, int] = {}  # a name assigned in the body -> its index in ``out``
        out: list[cst.BaseStatement] = []
        for stmt in node.body.body:
            target = self._freeze_target(stmt)
            if target is None:
                name = _option_name(stmt)
                if name is not None:
                    assigned[name] = len(out)
                out.append(stmt)
            elif target in assigned:
                out[assigned[target]] = self._frozen_column(out[assigned[target]], target)
            else:
                raise Unconvertible(
                    f"_freeze_db_type on {target}, which is not a column of this class: "
                    "convert by hand"
                )
        if len(out) == len(node.body.body):
            return node
        return node.with_changes(body=node.body.with_changes(body=out))

    def _freeze_target(self, stmt: cst.BaseStatement) -> str | None:
        """The column a ``_freeze_db_type`` statement freezes; None: not such a statement."""
        names = self._names
        assert names is not None
        if not (isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr)):
            return None
        call = stmt.body[0].value
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "_freeze_db_type"
        ):
            return None
        owner = call.func.value
        if not call.args and isinstance(owner, cst.Name):
            return owner.value  # tags._freeze_db_type()
        args = call.args
        if (
            (cqlengine_name(names.qualified(owner)) or "").startswith("columns.")
            and len(args) == 1
            and args[0].keyword is None
            and not args[0].star
            and isinstance(args[0].value, cst.Name)
        ):
            self._note_used(owner)
            return args[0].value.value  # BaseCollectionColumn._freeze_db_type(tags)
        raise Unconvertible(f"{self._src(call)}: a _freeze_db_type call: convert by hand")

    def _frozen_column(self, stmt: cst.BaseStatement, name: str) -> cst.BaseStatement:
        """The declaration of column ``name`` with ``frozen=True``."""
        names = self._names
        assert names is not None
        assert isinstance(stmt, cst.SimpleStatementLine)
        small = stmt.body[0]
        assert isinstance(small, cst.Assign)
        call = small.value
        kind = cqlengine_name(names.qualified(call.func)) if isinstance(call, cst.Call) else None
        if kind in ("columns.Tuple", "columns.UserDefinedType"):
            return stmt  # frozen already (a UDT column has no _freeze_db_type: kept as is)
        if not isinstance(call, cst.Call) or kind not in _FREEZABLE:
            raise Unconvertible(f"_freeze_db_type on column {name}, not a list, set or map")
        no_space = cst.SimpleWhitespace("")
        frozen = cst.Arg(
            value=cst.Name("True"),
            keyword=cst.Name("frozen"),
            equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
        )
        args = [a for a in call.args if a.keyword is None or a.keyword.value != "frozen"]
        call = call.with_changes(args=[*args, frozen])
        return stmt.with_changes(body=[small.with_changes(value=call)])

    def _unsettled_table(self, node: cst.ClassDef) -> str | None:
        """Why cqlengine's table for the model depends on the application's call order;
        None when it does not.

        cqlengine caches a model's table name in a class attribute on first use: a
        concrete model with no ``__table_name__`` (its own or inherited) under a concrete
        model finds its base's cached name if the base was used first, and makes its own
        otherwise.  Which one the application's rows are in cannot be read from the code.
        """
        if self._flag_option(node) or any(
            self._option(node, option) is not None
            for option in ("__table_name__", "__discriminator_value__")
        ):
            return None  # abstract, named, or polymorphic (its base's table)
        concrete: str | None = None
        current, base = node, node.bases[0].value if node.bases else None
        while isinstance(base, cst.Name) and base.value in self._models:  # this module's
            name = base.value
            found = [
                s for s in self._mod.body if isinstance(s, cst.ClassDef) and s.name.value == name
            ]
            if len(found) != 1 or not isinstance(found[0].body, cst.IndentedBlock):
                return None
            current = found[0]
            if self._option(current, "__table_name__") is not None or (
                "discriminator_column" in self._src(current.body)  # polymorphic: said later
            ):
                return None
            if concrete is None and not self._flag_option(current):
                concrete = name
            base = current.bases[0].value if current.bases else None
        project = module_project(self.context)
        elsewhere = self._project_base(base) if base is not None else None
        while project is not None and elsewhere is not None:  # other modules'
            me = self._qualified(node.name.value)
            if any(q != me and q in project.failed for q in project.family(elsewhere)):
                return None  # another class of its family stays, for a reason said there
            options = dict(project.classes[elsewhere].options)
            if "__table_name__" in options:
                return None
            if concrete is None and not _true_source(options.get("__abstract__")):
                concrete = elsewhere
            elsewhere = project.parent(elsewhere)
        if concrete is None:
            return None
        return (
            f"its table depends on the order the application first uses its models in: "
            f"cqlengine caches a model's table name on first use, so {node.name.value} "
            f"without __table_name__ writes to the table of {concrete} if {concrete} was used "
            f"first, to its own ({cqlengine_table_name(node.name.value)}) otherwise: set "
            "__table_name__ to the table its rows are in, then convert"
        )

    def _flag_option(self, node: cst.ClassDef, name: str = "__abstract__") -> bool:
        """Is a model option set to a true literal in the class body?"""
        value = self._option(node, name)
        return value is not None and _true_source(self._src(value))

    def _option(self, node: cst.ClassDef, name: str) -> cst.BaseExpression | None:
        assert isinstance(node.body, cst.IndentedBlock)
        for stmt in node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if (
                        isinstance(small, cst.Assign)
                        and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)
                        and small.targets[0].target.value == name
                    ):
                        return small.value
        return None

    def _statement(self, stmt: cst.BaseStatement) -> _Column | None:
        """A column declaration of the body, None for what stays (options, methods)."""
        if not isinstance(stmt, cst.SimpleStatementLine):
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Settings":
                raise Unconvertible("the model already has a class Settings")
            return None  # methods, properties, nested classes stay
        if len(stmt.body) != 1:
            raise Unconvertible("several statements on one line: split them first")
        small = stmt.body[0]
        if isinstance(small, cst.Expr | cst.Pass):
            return None  # a docstring, pass
        if isinstance(small, cst.AnnAssign):
            raise Unconvertible(
                "an annotated class attribute in a cqlengine model: in a Document every "
                "annotation is a field; annotate it ClassVar[...] (not stored) or move it out "
                "of the class, then run again"
            )
        if not isinstance(small, cst.Assign):
            return None
        if len(small.targets) != 1 or not isinstance(small.targets[0].target, cst.Name):
            raise Unconvertible("an assignment to several names: convert by hand")
        name = small.targets[0].target.value
        if name.startswith("__") and name.endswith("__"):
            if name in ("__discriminator_value__",):
                raise Unconvertible(
                    "a polymorphic model (__discriminator_value__): make it a Document "
                    "with Settings.discriminator by hand (docs/models.md)"
                )
            return None  # the model's options: CU004
        return self._column(name, small.value, stmt)

    def _column(
        self, name: str, value: cst.BaseExpression, stmt: cst.SimpleStatementLine
    ) -> _Column:
        names = self._names
        assert names is not None
        if not isinstance(value, cst.Call):
            raise Unconvertible(
                f"{name} = ... is neither a column nor an option: a Document takes fields "
                "only (annotate it, or make it a ClassVar)"
            )
        kind = cqlengine_name(names.qualified(value.func))
        if kind is None and _star_columns(self._mod):
            raise Unconvertible(
                f"column {name}: {self._src(value.func)} comes from a star import of "
                "cqlengine's columns, which names cannot be followed through: import the "
                "column classes by name (or `from cassandra.cqlengine import columns`) and "
                "run again"
            )
        if kind is None or not kind.startswith("columns."):
            raise Unconvertible(
                f"column {name}: {self._src(value.func)} is not a cqlengine column class (a "
                "custom column or a dynamic one): write its field with the type and markers "
                "of the CQL type it stores (docs/models.md)"
            )
        kind = kind[len("columns.") :]
        self._note_used(value.func)
        positional = [a for a in value.args if a.keyword is None]
        kwargs = {a.keyword.value: a.value for a in value.args if a.keyword is not None}
        if any(a.star for a in value.args):
            raise Unconvertible(f"column {name}: *args/**kwargs: convert by hand")
        hashed = self._hashed_user_type(value)
        if hashed is not None:
            raise Unconvertible(
                f"column {name}: the user type {hashed} is a set element or a map key: a "
                "coodie set or map needs it hashable (model_config = ConfigDict(frozen=True) "
                "on the UserType, which makes its instances immutable): decide, then convert "
                "by hand"
            )
        if kind in COLUMN_TYPES:
            if positional:
                raise Unconvertible(
                    f"column {name}: positional arguments: name them (primary_key=...)"
                )
            ct = COLUMN_TYPES[kind]
            type_source = self._python(ct)
            marker = self._marker(ct)
            empty = None
        elif kind in ("List", "Set", "Map"):
            params = _COLLECTION_ARGS[kind]
            if len(positional) > len(params):
                raise Unconvertible(f"column {name}: too many positional arguments")
            elements = [p.value for p in positional]
            for param in params[len(positional) :]:
                if param not in kwargs:
                    raise Unconvertible(f"column {name}: {param} is missing")
                elements.append(kwargs.pop(param))
            type_source = COLLECTIONS[kind][1].format(*(self._element(e) for e in elements))
            frozen = kwargs.pop("frozen", None)
            if frozen is not None:
                ok, is_frozen = _literal(frozen, self._mod)
                if not ok:
                    raise Unconvertible(f"column {name}: frozen= is not a literal")
                if is_frozen:
                    type_source = self._frozen(type_source)
            marker = None
            empty = _EMPTY[COLLECTIONS[kind][0]]
        elif kind == "Tuple":  # the element types by position, the options by keyword
            inner = ", ".join(self._element(a.value) for a in positional)
            type_source = COLLECTIONS[kind][1].format(inner)
            marker, empty = None, None
        elif kind == "UserDefinedType":
            if len(positional) != 1 or "user_type" in kwargs:
                raise Unconvertible(f"column {name}: UserDefinedType(T) with T given by position")
            type_source = self._user_type(name, positional[0].value)
            marker, empty = None, None
        else:
            raise Unconvertible(
                f"column {name}: columns.{kind} has no native counterpart in the mapping table"
            )
        for key, arg in kwargs.items():
            if key in _NO_SCHEMA:
                continue
            option = COLUMN_OPTIONS.get(key)
            if option is None:
                raise Unconvertible(f"column {name}: unknown argument {key}=: convert by hand")
            if key == "custom_index":  # an index made elsewhere: Indexed(managed=False)
                self._flag(name, kwargs, key)  # a literal, or the class stays
                continue
            if key == "discriminator_column":
                ok, flag = _literal(arg, self._mod)
                if ok and not flag:
                    continue
                raise Unconvertible(
                    f"column {name}: {key}= ({option.becomes}): convert by hand (docs/models.md)"
                )
            if key in ("min_length", "max_length") and kind not in ("Text", "Ascii"):
                raise Unconvertible(f"column {name}: {key}= on columns.{kind}")
        primary = self._flag(name, kwargs, "primary_key")
        partition = self._flag(name, kwargs, "partition_key")
        return _Column(
            name,
            kind,
            kwargs,
            type_source,
            marker,
            primary or partition,
            partition,
            empty,
            stmt,
        )

    def _hashed_user_type(self, node: cst.BaseExpression) -> str | None:
        """A user type that the column puts in a set or a map's keys, anywhere (cqlengine's
        user types are unhashable: such a set can be declared, but holds no value)."""
        names = self._names
        assert names is not None
        if not isinstance(node, cst.Call):
            return None
        kind = cqlengine_name(names.qualified(node.func))
        if kind in _HASHED_ARGS:  # a set's elements, a map's keys: the first argument
            first = [a.value for a in node.args if a.keyword is None][:1] + [
                a.value for a in node.args if a.keyword and a.keyword.value == _HASHED_ARGS[kind]
            ]
            for element in first[:1]:
                for call in _calls(element):
                    if cqlengine_name(names.qualified(call.func)) == "columns.UserDefinedType":
                        return self._src(call.args[0].value) if call.args else self._src(call)
        for arg in node.args:
            found = self._hashed_user_type(arg.value)
            if found is not None:
                return found
        return None

    @property
    def _mod(self) -> cst.Module:
        assert self._module is not None
        return self._module

    def _src(self, node: cst.CSTNode) -> str:
        return self._mod.code_for_node(node).strip()

    def _flag(self, name: str, kwargs: dict[str, cst.BaseExpression], key: str) -> bool:
        if key not in kwargs:
            return False
        ok, value = _literal(kwargs[key], self._mod)
        if not ok:
            raise Unconvertible(f"column {name}: {key}= is not a literal")
        return bool(value)

    def _python(self, ct: ColumnType) -> str:
        names = self._names
        assert names is not None
        return names.spell(ct.python.__module__, ct.python_source)

    def _marker(self, ct: ColumnType) -> str | None:
        if ct.marker is None or ct.marker_source is None:
            return None
        assert self._names is not None
        self._names.spell(FIELDS_MODULE, ct.marker.__name__)
        return ct.marker_source

    def _frozen(self, type_source: str) -> str:
        assert self._names is not None
        annotated = self._names.spell("typing", "Annotated")
        frozen = self._names.spell(FIELDS_MODULE, markers.Frozen.__name__)
        return f"{annotated}[{type_source}, {frozen}()]"

    def _element(self, node: cst.BaseExpression) -> str:
        """The annotation source of a collection's element type (``columns.Text`` or
        ``columns.Text()``; a collection inside another is frozen, as in cqlengine)."""
        names = self._names
        assert names is not None
        call = node if isinstance(node, cst.Call) else None
        func = call.func if call is not None else node
        kind = cqlengine_name(names.qualified(func))
        if kind is None or not kind.startswith("columns."):
            raise Unconvertible(
                f"{self._src(node)} is not a cqlengine column class: convert by hand"
            )
        kind = kind[len("columns.") :]
        self._note_used(func)
        if kind in COLUMN_TYPES:
            if call is not None and call.args:
                raise Unconvertible(f"arguments to an element type: {self._src(node)}")
            ct = COLUMN_TYPES[kind]
            python = self._python(ct)
            marker = self._marker(ct)
            if marker is None:
                return python
            return f"{names.spell('typing', 'Annotated')}[{python}, {marker}]"
        if kind == "UserDefinedType" and call is not None and len(call.args) == 1:
            return self._user_type(self._src(node), call.args[0].value)
        if call is None or kind not in ("List", "Set", "Map", "Tuple"):
            raise Unconvertible(f"the element type {self._src(node)}: convert by hand")
        if kind == "Tuple":
            if any(a.keyword is not None for a in call.args):
                raise Unconvertible(f"the element type {self._src(node)}: convert by hand")
            inner = ", ".join(self._element(a.value) for a in call.args)
            return COLLECTIONS[kind][1].format(inner)
        params = _COLLECTION_ARGS[kind]
        args = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        positional = [a.value for a in call.args if a.keyword is None]
        elements = positional + [args.pop(p) for p in params[len(positional) :] if p in args]
        args.pop("frozen", None)
        if len(elements) != len(params) or args:
            raise Unconvertible(f"the element type {self._src(node)}: convert by hand")
        inner_source = COLLECTIONS[kind][1].format(*(self._element(e) for e in elements))
        return self._frozen(inner_source)

    def _user_type(self, column: str, node: cst.BaseExpression) -> str:
        """The annotation of a user type: the class, once CU003 converted it (CU003 runs
        first; a UDT is always frozen in coodie, as cqlengine makes it)."""
        spelled = get_full_name_for_node(node)
        converted = self.context.scratch.get(CONVERTED_TYPES)
        if spelled is not None and (
            (isinstance(converted, set) and spelled in converted) or spelled in self._types
        ):
            return spelled
        raise Derived(
            f"column {column}: its user type {self._src(node)} stays a cqlengine UserType "
            "(run CU003, or see the TODO on the type): convert the type first"
        )

    # -- one field ---------------------------------------------------------------------

    def _field(
        self, column: _Column, partition: list[_Column], clustering: list[_Column]
    ) -> cst.SimpleStatementLine:
        names = self._names
        assert names is not None
        kwargs = column.kwargs
        extra: list[str] = []
        if column.type_marker is not None:
            extra.append(column.type_marker)
        if column in partition:
            index = partition.index(column)
            extra.append(
                f"{names.spell(FIELDS_MODULE, 'PrimaryKey')}("
                + (f"partition_key_index={index}" if index else "")
                + ")"
            )
        elif column in clustering:
            names.spell(FIELDS_MODULE, "ClusteringKey")
            order_node = kwargs.get("clustering_order")
            source = "ClusteringKey()"
            if order_node is not None:
                ok, order = _literal(order_node, self._mod)
                if not ok or not isinstance(order, str) or order.lower() not in ("asc", "desc"):
                    raise Unconvertible(f"column {column.name}: clustering_order= unreadable")
                template = COLUMN_OPTIONS["clustering_order"].source
                assert template is not None
                source = template.format(value=_Quoted(order.upper(), self._src(order_node)))
                if order.upper() == "ASC":
                    source = "ClusteringKey()"
            index = clustering.index(column)
            if index:
                source = source[:-1] + (", " if source[-2] != "(" else "") + f"index={index})"
            extra.append(source)
        elif "clustering_order" in kwargs:
            raise Unconvertible(f"column {column.name}: clustering_order on a non-key column")
        for key in ("index", "static"):
            if key in kwargs and self._flag(column.name, kwargs, key):
                template = COLUMN_OPTIONS[key].source
                assert template is not None
                names.spell(FIELDS_MODULE, template.split("(")[0])
                extra.append(template)
        if self._flag(column.name, kwargs, "custom_index") and not self._flag(
            column.name, kwargs, "index"
        ):  # cqlengine creates no index for it and lets queries filter on the column
            extra.append(f"{names.spell(FIELDS_MODULE, 'Indexed')}(managed=False)")
        if "db_field" in kwargs:
            ok, db_name = _literal(kwargs["db_field"], self._mod)
            if not ok or not isinstance(db_name, str):
                raise Unconvertible(f"column {column.name}: db_field= is not a string literal")
            if db_name != column.name:
                template = COLUMN_OPTIONS["db_field"].source
                assert template is not None
                names.spell(FIELDS_MODULE, "DbName")
                extra.append(template.format(value=_Quoted(db_name, self._src(kwargs["db_field"]))))

        required = self._flag(column.name, kwargs, "required")
        default, factory = self._default(column)
        nullable = False
        if column.primary:
            pass
        elif default is None and factory is None and column.empty is not None:
            factory = column.empty
        elif default is None and factory is None and not required:
            nullable = True
            default = "None"
        elif not required and column.empty is None and column.kind != "Counter":
            # a default fills new rows only: a cell may still be null (a row from before
            # the column, an update to None), and cqlengine reads it as None
            nullable = True
        core = column.type_source
        if nullable:
            core = f"{names.spell('typing', 'Optional')}[{core}]"
        annotation = core
        if extra:
            annotated = names.spell("typing", "Annotated")
            if _whole(core, annotated):  # a frozen collection: one Annotated, not two
                annotation = f"{core[:-1]}, {', '.join(extra)}]"
            else:
                annotation = f"{annotated}[{core}, {', '.join(extra)}]"
        constraints: list[str] = []
        for key in ("min_length", "max_length"):
            if key in kwargs:
                ok, limit = _literal(kwargs[key], self._mod)
                if not ok or not isinstance(limit, int):
                    raise Unconvertible(f"column {column.name}: {key}= is not a number")
                template = COLUMN_OPTIONS[key].source
                assert template is not None
                inner = template.format(value=limit)
                constraints.append(inner[inner.index("(") + 1 : -1])
        value: str | None
        if factory is not None:
            value = f"{names.spell('pydantic', 'Field')}(default_factory={factory}"
            value += "".join(f", {c}" for c in constraints) + ")"
        elif constraints:
            first = "default=" + default if default is not None else ""
            value = f"{names.spell('pydantic', 'Field')}(" + ", ".join(
                [x for x in (first, *constraints) if x]
            )
            value += ")"
        else:
            value = default
        statement = f"{column.name}: {annotation}" + (f" = {value}" if value is not None else "")
        parsed = cst.parse_statement(statement)
        assert isinstance(parsed, cst.SimpleStatementLine)
        old = column.statement
        assert old is not None  # own columns only
        return parsed.with_changes(
            leading_lines=old.leading_lines, trailing_whitespace=old.trailing_whitespace
        )

    def _default(self, column: _Column) -> tuple[str | None, str | None]:
        """(a plain default's source, a default factory's source); (None, None): none."""
        node = column.kwargs.get("default")
        if node is None:
            return None, None
        names = self._names
        assert names is not None
        source = self._src(node)
        ok, value = _literal(node, self._mod)
        if ok:
            if value is None:
                return None, None
            if isinstance(value, list | dict | set):
                if not value:
                    return None, type(value).__name__
                return None, f"lambda: {source}"
            return source, None
        constant, mutable = _constant_expression(source)
        if constant:  # literals and operators (60 * 60, 2**40): a value
            return (None, f"lambda: {source}") if mutable else (source, None)
        if isinstance(node, cst.Call):
            func = self._src(node.func)
            if func in _EMPTY and not node.args and func not in names.bound:
                return None, func  # set(), list(), dict(): a new empty one for each row
            if names.qualified(node.func) in _KNOWN_CALLABLES | _VALUE_TYPES:
                # called once, when the class is made (uuid.uuid4(), datetime(2024, 1, 1)):
                # every row gets that value; a call is not a callable
                return source, None
        if isinstance(node, cst.Lambda):
            if not self._src(node.params):
                ok, value = _literal(node.body, self._mod)
                if ok and not isinstance(value, list | dict | set):
                    return self._src(node.body), None
            return None, source
        qualified = names.qualified(node)
        if isinstance(node, cst.Name) and (
            node.value in names.functions
            or (node.value in _BUILTIN_CALLABLES and node.value not in names.bound)
        ):
            return None, source
        if qualified in _KNOWN_CALLABLES:
            return None, source
        raise Unconvertible(
            f"column {column.name}: default={source} may be a value or a callable: write "
            "the field's default (a value) or Field(default_factory=...) (a callable)"
        )


class SettingsCommand(PlainCommand):
    """CU004: the options of the models CU002 converted -> ``class Settings``."""

    DESCRIPTION: str = "Move model options into class Settings (CU004)."
    RULE = "CU004"

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.rewrites = 0
        self._module: cst.Module | None = None
        self._own: dict[str, dict[str, cst.BaseExpression]] = {}

    @staticmethod
    def applies(tree: ast.Module) -> bool:
        return ModelsCommand.applies(tree)  # it works on what CU002 converts

    def visit_Module(self, node: cst.Module) -> bool:
        self._module = node
        return True

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        converted = self.context.scratch.get(SHARED) or {}
        if updated_node.name.value not in converted:
            return updated_node
        if not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        try:
            new = self._settings(updated_node, converted)
        except Unconvertible as why:
            return _add_todo(updated_node, self.RULE, str(why))
        if new is not updated_node:
            self.rewrites += 1
        return new

    def _src(self, node: cst.CSTNode) -> str:
        assert self._module is not None
        return self._module.code_for_node(node).strip()

    def _inherited(
        self, parent: str | None, converted: dict[str, str | None]
    ) -> dict[str, cst.BaseExpression]:
        """The options a converted subclass inherits from the converted bases above it
        (cqlengine reads them as class attributes; ``__abstract__`` is not inherited)."""
        chain: list[str] = []
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = converted.get(parent)
        found: dict[str, cst.BaseExpression] = {}
        project = module_project(self.context)
        for name in reversed(chain):
            own = self._own.get(name)
            if own is None and project is not None and name in project.classes:
                # a base in another module: its options as the first pass read them
                own = {k: cst.parse_expression(v) for k, v in project.options(name).items()}
            found.update({k: v for k, v in (own or {}).items() if k != "__abstract__"})
        return found

    def _settings(self, node: cst.ClassDef, converted: dict[str, str | None]) -> cst.ClassDef:
        assert isinstance(node.body, cst.IndentedBlock)
        assert self._module is not None
        options: dict[str, cst.BaseExpression] = {}
        keep: list[cst.BaseStatement] = []
        gone: cst.SimpleStatementLine | None = None  # the first of the options just above
        for stmt in node.body.body:
            name = _option_name(stmt)
            if name is None or name not in MODEL_OPTIONS:
                if gone is not None and isinstance(
                    stmt, cst.SimpleStatementLine | cst.BaseCompoundStatement
                ):  # in the place of the options that went: their blank lines, its comments
                    blank = [line for line in gone.leading_lines if line.comment is None]
                    own = [line for line in stmt.leading_lines if line.comment is not None]
                    stmt = stmt.with_changes(leading_lines=[*blank, *own])
                gone = None
                keep.append(stmt)
                continue
            assert isinstance(stmt, cst.SimpleStatementLine)
            gone = gone or stmt
            small = stmt.body[0]
            assert isinstance(small, cst.Assign)
            options[name] = small.value
        self._own[node.name.value] = dict(options)
        inherited = self._inherited(converted.get(node.name.value), converted)
        for name in ("__table_name__", "__table_name_case_sensitive__"):
            # the table name is the class's own in coodie: a subclass says it again
            if name not in options and name in inherited:
                options[name] = inherited[name]
        entries: dict[str, str] = {}
        sensitive = False
        if "__table_name_case_sensitive__" in options:
            ok, sensitive = _literal(options["__table_name_case_sensitive__"], self._module)
            if not ok:
                raise Unconvertible("__table_name_case_sensitive__ is not a literal")
        for name, value in options.items():
            match = _SETTING.match(MODEL_OPTIONS[name])
            if match is None or name == "__table_name_case_sensitive__":
                continue  # nothing to say (__compute_routing_key__)
            key, sub = match[1], match[2]
            if name == "__default_ttl__":
                # cqlengine replaces a class-level __default_ttl__ with
                # __options__["default_time_to_live"]: it has no effect of its own
                continue
            if name == "__table_name__":
                ok, table = _literal(value, self._module)
                if not ok or not isinstance(table, str):
                    raise Unconvertible("__table_name__ is not a string literal: set Settings.name")
                text = self._src(value)
                entries[key] = (
                    text
                    if (sensitive or table == table.lower())
                    else repr(_Quoted(table.lower(), text))
                )
                continue
            if name == "__options__":
                entries[key] = self._options(value)
                continue
            if sub is not None:  # pragma: no cover - only __default_ttl__ has a sub-key
                raise Unconvertible(f"{name}: convert by hand")
            entries[key] = self._src(value)
        abstract = "abstract" in entries
        if "name" not in entries and not abstract:
            table = cqlengine_table_name(node.name.value)
            if table != snake_case(node.name.value):
                entries["name"] = repr(_Quoted(table, '"'))
        if not entries:
            if len(keep) == len(node.body.body):
                return node
            return node.with_changes(body=node.body.with_changes(body=keep))
        lines = "".join(f"    {k} = {v}\n" for k, v in entries.items())
        settings = cst.parse_statement("class Settings:\n" + lines)
        assert isinstance(settings, cst.ClassDef)
        settings = settings.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        if not keep or (
            len(keep) == 1
            and isinstance(keep[0], cst.SimpleStatementLine)
            and isinstance(keep[0].body[0], cst.Expr)
        ):
            settings = settings.with_changes(leading_lines=[])
        return node.with_changes(body=node.body.with_changes(body=[*keep, settings]))

    def _options(self, value: cst.BaseExpression) -> str:
        """``__options__``: cqlengine writes each value into the CQL as given, so
        ``"3600"`` is a number there: it becomes one here."""
        assert self._module is not None
        if not isinstance(value, cst.Dict):
            raise Unconvertible("__options__ is not a dict literal: set Settings.options by hand")
        items: list[str] = []
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                raise Unconvertible("__options__ with **: set Settings.options by hand")
            ok, key = _literal(element.key, self._module)
            okv, item = _literal(element.value, self._module)
            text = self._src(element.value)
            if ok and okv and isinstance(item, str) and str(key).lower() != "comment":
                for kind in (int, float):
                    try:
                        text = repr(kind(item))
                        break
                    except ValueError:
                        pass
            items.append(f"{self._src(element.key)}: {text}")
        return "{" + ", ".join(items) + "}"


def _keys(columns: list[_Column]) -> tuple[list[_Column], list[_Column]]:
    """The partition and clustering columns, cqlengine's way: the ``partition_key``
    columns (or the first primary key), then the other primary keys, in order."""
    partition = [c for c in columns if c.partition]
    primary = [c for c in columns if c.primary]
    if not partition and primary:
        partition = [primary[0]]
    return partition, [c for c in primary if c not in partition]


def _star_columns(module: cst.Module) -> bool:
    """Does the module ``from <cqlengine>.columns import *``?"""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and isinstance(small.names, cst.ImportStar)
                    and small.module is not None
                    and cqlengine_name((get_full_name_for_node(small.module) or "") + ".x")
                    == "columns.x"
                ):
                    return True
    return False


def _roles(columns: list[_Column]) -> dict[str, tuple[str, int] | None]:
    partition, clustering = _keys(columns)
    return {c.name: _role(c, partition, clustering) for c in columns}


def _role(
    column: _Column, partition: list[_Column], clustering: list[_Column]
) -> tuple[str, int] | None:
    if column in partition:
        return ("partition", partition.index(column))
    if column in clustering:
        return ("clustering", clustering.index(column))
    return None


class _Quoted(str):
    """A string whose ``repr`` uses the quotes of the literal it was read from."""

    like: str

    def __new__(cls, value: str, like: str) -> _Quoted:
        made = super().__new__(cls, value)
        made.like = like
        return made

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.like.lstrip("rbuRBU").startswith('"') and '"' not in self and "'" not in self:
            return '"' + text[1:-1] + '"'
        return text


def _option_name(stmt: cst.BaseStatement) -> str | None:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
    ):
        return small.targets[0].target.value
    return None


def find_todos(source: str | bytes) -> list[tuple[int, str, str]]:
    """The ``# TODO(coodie-upgrade CUxxx): ...`` comments of a module: (line, rule, text)."""
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _TODO.search(line)
        if match:
            found.append((number, match[1], match[2].strip()))
    return found


_TODO = re.compile(r"# TODO\(coodie-upgrade (CU\d{3})\):(.*)$")

__all__: Sequence[str] = ["ModelsCommand", "SettingsCommand", "find_todos"]
