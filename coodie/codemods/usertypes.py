"""Rule CU003: cqlengine user types -> coodie ``UserType`` classes.

``class Address(UserType)`` (cqlengine's) whose body declares ``columns.*`` becomes a
``coodie.sync.UserType`` whose fields are printed exactly as CU002 prints a model's
non-key columns (same table, same defaults).  ``__type_name__`` becomes
``Settings.name``, lower-cased as cqlengine sends it; without one, cqlengine's name for
the class is said in ``Settings.name`` when coodie's default (snake case) differs.

CU003 runs before CU002, so that a model's ``columns.UserDefinedType(Address)`` can
become ``Address`` once the type is converted (a column whose type stays a cqlengine
UserType keeps its model as it is, with a TODO).

When the module spells cqlengine's class ``UserType`` (``from ...usertype import
UserType``), the converted classes need that name for coodie's: the import is
replaced, so either every user type of the module converts or none does.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext

from coodie.schema import snake_case

from .models import (
    ModelsCommand,
    Unconvertible,
    _add_todo,
    _literal,
    _Quoted,
    cqlengine_name,
    cqlengine_table_name,
)
from .project import CONVERTED_TYPES

USER_TYPE = ("coodie.sync", "UserType")
_NAME = "UserType"
_ALL_OR_NONE = (
    "another user type of this module stays a cqlengine UserType (see its TODO), and both "
    "cannot be named UserType here: convert them together, by hand"
)


def _why(node: cst.ClassDef) -> str:
    """The reason of a class's CU003 TODO (for its family's classes)."""
    for line in reversed(node.leading_lines):
        if line.comment is not None and "CU003" in line.comment.value:
            return line.comment.value.split("): ", 1)[-1]
    return _ALL_OR_NONE


class UserTypesCommand(ModelsCommand):
    """CU003 (see the module's docstring); ``rewrites`` counts the types converted."""

    DESCRIPTION: str = "Rewrite cqlengine user types into coodie UserType classes (CU003)."
    RULE = "CU003"

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._taken = False  # ``UserType`` is cqlengine's here: the import is replaced

    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        self.context.scratch[CONVERTED_TYPES] = set()
        names = self._names
        assert names is not None
        self._taken = cqlengine_name(names.imported.get(_NAME)) == "usertype.UserType"
        return True

    def _is_model(self, node: cst.ClassDef) -> bool:
        names = self._names
        assert names is not None
        return any(
            cqlengine_name(names.qualified(base.value)) == "usertype.UserType"
            for base in node.bases
        )

    def _missed(self, node: cst.ClassDef) -> str | None:
        return None

    def _project_base(self, node: cst.BaseExpression) -> str | None:
        return None  # a user type's base is cqlengine's UserType itself

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        name = updated_node.name.value
        if self._taken and name in self._skip and name not in self._failed:
            return _add_todo(updated_node, self.RULE, _ALL_OR_NONE)
        before = self.rewrites
        new = super().leave_ClassDef(original_node, updated_node)
        if self._taken and self.rewrites == before and self._is_model(updated_node):
            # it stays: so do the others
            self._skip_next |= self._models - {name}
            self._failed.setdefault(name, _why(new))
        return new

    def _record(self, node: cst.ClassDef) -> None:
        types = self.context.scratch.setdefault(CONVERTED_TYPES, set())
        if isinstance(types, set):
            types.add(node.name.value)

    def _finish(self, tree: cst.Module) -> cst.Module:
        if not self._taken:
            return tree
        self._names.wanted.append(USER_TYPE)  # type: ignore[union-attr]
        return tree.visit(_DropCqlengineUserType())

    def _convert(self, node: cst.ClassDef) -> cst.ClassDef:
        names = self._names
        assert names is not None
        if len(node.bases) != 1 or node.keywords:
            raise Unconvertible("a user type with several bases or class keywords: by hand")
        if not isinstance(node.body, cst.IndentedBlock):
            raise Unconvertible("a one-line class body: convert it by hand")
        type_name: str | None = None
        body: list[cst.BaseStatement] = []
        for stmt in node.body.body:
            option = _assigned(stmt)
            if option is not None and option[0] == "__type_name__":
                ok, value = _literal(option[1], self._mod)
                if not ok or not isinstance(value, str):
                    raise Unconvertible("__type_name__ is not a string literal: set Settings.name")
                type_name = repr(_Quoted(value.lower(), self._src(option[1])))
                continue
            column = self._statement(stmt)
            if column is None:
                body.append(stmt)
                continue
            for key in ("primary_key", "partition_key", "clustering_order", "index", "static"):
                if key in column.kwargs:
                    raise Unconvertible(f"field {column.name}: {key}= in a user type")
            body.append(self._field(column, [], []))
        if type_name is None:
            default = cqlengine_table_name(node.name.value)
            if default != snake_case(node.name.value):
                type_name = repr(_Quoted(default, '"'))
        if type_name is not None:
            settings = cst.parse_statement(f"class Settings:\n    name = {type_name}\n")
            assert isinstance(settings, cst.ClassDef)
            if body and not _only_docstring(body):
                settings = settings.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
            body.append(settings)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        base_node = node.bases[0].value
        base: cst.BaseExpression
        if self._taken and isinstance(base_node, cst.Name) and base_node.value == _NAME:
            base = cst.Name(_NAME)  # the import is replaced at the end
        else:
            self._note_used(base_node)
            base = cst.parse_expression(names.spell(*USER_TYPE))
        return node.with_changes(
            bases=[node.bases[0].with_changes(value=base)],
            body=node.body.with_changes(body=body),
        )


def _assigned(stmt: cst.BaseStatement) -> tuple[str, cst.BaseExpression] | None:
    if (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Assign)
        and len(stmt.body[0].targets) == 1
        and isinstance(stmt.body[0].targets[0].target, cst.Name)
    ):
        return stmt.body[0].targets[0].target.value, stmt.body[0].value
    return None


def _only_docstring(body: list[cst.BaseStatement]) -> bool:
    return (
        len(body) == 1
        and isinstance(body[0], cst.SimpleStatementLine)
        and isinstance(body[0].body[0], cst.Expr)
    )


class _DropCqlengineUserType(cst.CSTTransformer):
    """Remove ``UserType`` from ``from <cqlengine>.usertype import ...`` (its name is
    coodie's from now on)."""

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        module = cst.helpers.get_full_name_for_node(updated_node.module or cst.Name("_"))
        if (
            updated_node.relative
            or isinstance(updated_node.names, cst.ImportStar)
            or cqlengine_name(f"{module}.") is None
            or not (module or "").endswith("usertype")
        ):
            return updated_node
        kept = [
            a
            for a in updated_node.names
            if not (a.asname is None and isinstance(a.name, cst.Name) and a.name.value == _NAME)
        ]
        if len(kept) == len(updated_node.names):
            return updated_node
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)


__all__ = ["UserTypesCommand"]
