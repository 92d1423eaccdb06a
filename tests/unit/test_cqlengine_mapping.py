"""The cqlengine mapping table agrees with the core: every column class resolves to the
CQL type cqlengine creates, and every operator it names exists in coodie's vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from coodie import fields, operators
from coodie.compat.cqlengine import mapping
from coodie.types import resolve


@pytest.mark.parametrize("name", sorted(mapping.COLUMN_TYPES))
def test_each_column_class_resolves_to_its_cql_type(name: str) -> None:
    entry = mapping.COLUMN_TYPES[name]
    markers = [entry.marker()] if entry.marker is not None else []
    assert resolve(entry.python, markers, f"mapping.{name}").cql == entry.cql
    if entry.marker is not None:
        assert entry.marker_source == f"{entry.marker.__name__}()"
        assert getattr(fields, entry.marker.__name__) is entry.marker


def test_operators_name_coodie_operators() -> None:
    assert set(mapping.FILTER_OPERATORS.values()) <= set(operators.FILTERS)
    assert set(mapping.UPDATE_OPERATORS.values()) <= set(operators.ASSIGNMENTS)


def test_the_table_imports_neither_cqlengine_nor_libcst() -> None:
    source = Path(mapping.__file__).read_text()
    assert "cqlengine import" not in source and "import libcst" not in source


# -- every entry is used: by the shim at run time, or by the codemod ------------------------

SHIM = Path(mapping.__file__).parent
CODEMODS = Path(mapping.__file__).parents[2] / "codemods"
# Rules only a source rewrite can apply (an import line, an ``except`` clause): the
# shim has no call to hint at.  Once coodie-upgrade exists it must name them.
REWRITE_ONLY_RULES = {"CU001", "CU006"}


def _codemod_source() -> str:
    """The codemod's source, once it reads the table (until then: a stub, or nothing)."""
    if not CODEMODS.is_dir():
        return ""
    source = "\n".join(p.read_text() for p in sorted(CODEMODS.rglob("*.py")))
    return source if "cqlengine.mapping" in source or "cqlengine import mapping" in source else ""


def _shim_used(table: str, key: str) -> bool:
    import inspect

    from coodie.compat import cqlengine
    from coodie.compat.cqlengine import columns, connection, management, models, query

    if table in ("COLUMN_TYPES", "COLLECTIONS"):
        return isinstance(getattr(columns, key, None), type)
    if table == "COLUMN_OPTIONS":
        classes = [c for c in vars(columns).values() if isinstance(c, type)]
        return any(
            key in inspect.signature(c.__init__).parameters
            for c in classes
            if issubclass(c, columns.Column)
        )
    if table == "MODEL_OPTIONS":
        from coodie.compat.cqlengine import usertype

        return hasattr(models.BaseModel, key) or hasattr(usertype.BaseUserType, key)
    if table == "FILTER_OPERATORS":
        from coodie.compat.cqlengine.operators import BaseWhereOperator

        return key == "contains_key" or key.upper() in BaseWhereOperator.opmap
    if table == "UPDATE_OPERATORS":
        return key in mapping.UPDATE_OPERATORS  # read by ModelQuerySet.update (below)
    if table == "UPDATE_KINDS":
        return isinstance(getattr(columns, key, None), type)  # a collection column class
    if table == "QUERYSET_METHODS":
        classes = (*query.ModelQuerySet.__mro__, *models.BaseModel.__mro__)
        return any(key in vars(c) for c in classes)
    if table == "EXCEPTIONS":
        return hasattr(cqlengine, key) or hasattr(query, key) or hasattr(models, key)
    if table == "MANAGEMENT":
        return callable(getattr(management, key, None))
    if table == "CONNECTION":
        return callable(getattr(connection, key, None))
    if table == "RULES":
        sources = "\n".join(p.read_text() for p in SHIM.glob("*.py") if p.name != "mapping.py")
        return f'"{key}"' in sources
    raise AssertionError(f"no check for mapping.{table}")


TABLES = [name for name in mapping.__all__ if name.isupper()]


@pytest.mark.parametrize(
    ("table", "key"),
    [(t, k) for t in TABLES for k in getattr(mapping, t)],
    ids=lambda v: str(v),
)
def test_each_entry_is_used_by_the_shim_or_the_codemod(table: str, key: str) -> None:
    codemod = _codemod_source()
    if table == "RULES" and key in REWRITE_ONLY_RULES:
        assert not _shim_used(table, key), f"{key} is hinted by the shim: drop it from the list"
        if codemod:
            assert f'"{key}"' in codemod, f"coodie-upgrade does not implement {key}"
        return
    assert _shim_used(table, key) or key in codemod, f"mapping.{table}[{key!r}] is used by neither"


def test_the_update_operators_are_read_by_the_queryset() -> None:
    from coodie.compat.cqlengine import query

    source = Path(query.__file__).read_text()
    assert "UPDATE_OPERATORS[op]" in source and "UPDATE_KINDS.items()" in source


def test_migration_hints_name_the_rules(tmp_path: Path) -> None:
    """With COODIE_MIGRATION_HINTS=1 each cqlengine-style line warns once, naming its
    rule; without it, nothing is said (no database needed: nothing is executed)."""
    import subprocess
    import sys

    script = tmp_path / "app.py"
    script.write_text(
        "import uuid\n"
        "from coodie.compat.cqlengine import columns\n"
        "from coodie.compat.cqlengine.models import Model\n"
        "class Person(Model):\n"
        "    __table_name__ = 'people'\n"
        "    id = columns.UUID(primary_key=True, default=uuid.uuid4)\n"
        "for _ in range(3):\n"
        "    Person.objects.filter(id=uuid.uuid4())\n"
    )

    def run(flag: str) -> str:
        env = {**__import__("os").environ, "COODIE_MIGRATION_HINTS": flag}
        done = subprocess.run(
            [sys.executable, "-W", "default", str(script)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stderr

    said = run("1")
    assert "app.py:4: MigrationHint: cqlengine model Person" in said and "CU002" in said
    assert "app.py:4: MigrationHint: model options of Person" in said and "CU004" in said
    assert said.count("app.py:8: MigrationHint: Person.objects") == 1  # once per line
    assert "coodie-upgrade --only CU005" in said
    assert run("") == ""
