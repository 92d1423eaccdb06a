"""coodie-upgrade on a whole application: the schema it creates does not change.

``tests/codemods_corpus/corpus_app`` is a cqlengine application's models package
(every column type and keyword argument, composite keys, clustering columns declared
before partition columns, every spelling of the clustering order, user types in
frozen collections, inheritance in a module and across modules, callable and mutable
defaults, ``db_field``, ``_freeze_db_type`` calls, custom column classes...). The test
copies it twice to a temporary folder and:

1. syncs every model of the original with **real cqlengine** (``cassandra.cqlengine``
   of the driver) into keyspace A;
2. converts the other copy with ``coodie.codemods.run`` (the full mode, as
   ``coodie-upgrade PATH`` runs it) and syncs every class of the result into keyspace
   B: the converted ``Document`` classes with coodie (``Model.sync_table()``), the
   classes the codemod left alone, with a TODO, on the shim they run on after the
   import swap;
3. compares what ``system_schema`` holds for A and B: every table with all its
   options, every column with its kind, position, clustering order and type, every
   index (name, kind, target) and every user type, modulo the keyspace name.

Each engine runs in a child process of its own (``sync_corpus.py``): both versions
of the package are ``corpus_app`` and import themselves by that name, and each engine
has its own connections. The two syncs run at the same time.

Excluded from the comparison (and listed in ``EXCLUDED``, with the reason): the tables
of the models with a custom column class, which the codemod leaves with a TODO (it
cannot know the CQL type a custom class stores; those models still run on the shim).
The other models left with a TODO (a polymorphic family, a subclass whose table
cqlengine picks by call order) stay on the shim too, and their tables are compared:
the migration keeps them working as they were. Every other model must come out a
``Document``: at least 30 of them.

Also here: the TODOs left are exactly the expected ones; converting the converted
corpus again changes nothing; mypy (strict, with the pydantic plugin: the project's
configuration) passes on the converted corpus; ``--verify`` agrees on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coodie.codemods import RunResult, run
from coodie.codemods.rules import select
from coodie.connection import Connection
from tests.conftest import cluster_hosts

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "tests" / "codemods_corpus"
PACKAGE = "corpus_app"
SYNC = CORPUS / "sync_corpus.py"
FULL_MODE, _pending = select()  # the rules ``coodie-upgrade PATH`` runs

# The TODO comments the codemod must leave, and no others: (module, the class it stands
# above, rule, a fragment of the reason).
EXPECTED_TODOS = {
    ("custom", "Profile", "CU002", "LowerText is not a cqlengine column class"),
    ("custom", "Passage", "CU002", "Embedding is not a cqlengine column class"),
    ("polymorphic", "Pet", "CU002", "discriminator_column="),
    ("polymorphic", "Cat", "CU002", "its base Pet was not converted"),
    ("polymorphic", "Dog", "CU002", "its base Pet was not converted"),
    ("inheritance", "Product", "CU002", "a model of its family"),
    ("inheritance", "DigitalProduct", "CU002", "its table depends on the order"),
}

# The classes left on the shim: those with a TODO (a model of the shim is synced by the
# shim's sync_table, as the application would run it after the import swap).
LEFT_ON_THE_SHIM = {(module, name) for module, name, _rule, _why in EXPECTED_TODOS}

EXCLUDED = {
    "profile": "custom column class LowerText (left with a TODO)",
    "passage": "custom column class Embedding (left with a TODO)",
}


@dataclass
class Corpus:
    original: Path  # holds corpus_app/ as written
    converted: Path  # holds corpus_app/ after coodie-upgrade
    result: RunResult


def _copy(target: Path) -> Path:
    shutil.copytree(
        CORPUS / PACKAGE, target / PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def _todos(corpus: Corpus) -> set[tuple[str, str, str, str]]:
    """Each TODO left as (module, the class below it, rule, reason)."""
    found = set()
    for path, line, rule, why in corpus.result.todos:
        lines = Path(path).read_text().splitlines()
        below = next(li for li in lines[line:] if li.startswith("class "))
        name = below[len("class ") :].split("(")[0]
        found.add((Path(path).stem, name, rule, why))
    return found


def _sync(engine: str, root: Path, keyspace: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SYNC), engine, str(root), keyspace, ",".join(cluster_hosts())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
    )


def _finish(process: subprocess.Popen[str], what: str) -> list[list[str]]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"{what} failed:\n{err}"
    synced: list[list[str]] = json.loads(out)
    return synced


def schema(session: Any, keyspace: str) -> dict[str, Any]:
    """Everything ``system_schema`` says about the keyspace's tables, columns, indexes
    and user types, by table (or type) name; the table ids and the keyspace left out."""

    def rows(table: str) -> list[dict[str, Any]]:
        result = session.execute(
            f"SELECT * FROM system_schema.{table} WHERE keyspace_name = %s", (keyspace,)
        )
        names = result.column_names
        return [
            {k: v for k, v in zip(names, row, strict=True) if k not in ("keyspace_name", "id")}
            for row in result
        ]

    out: dict[str, Any] = {"tables": {}, "columns": {}, "indexes": {}, "types": {}}
    for row in rows("tables"):
        out["tables"][row.pop("table_name")] = {k: _plain(v) for k, v in row.items()}
    for row in rows("columns"):
        row.pop("column_name_bytes", None)
        table = row.pop("table_name")
        out["columns"].setdefault(table, {})[row.pop("column_name")] = row
    for row in rows("indexes"):
        table = row.pop("table_name")
        out["indexes"].setdefault(table, {})[row.pop("index_name")] = {
            k: _plain(v) for k, v in row.items()
        }
    for row in rows("types"):
        out["types"][row.pop("type_name")] = list(
            zip(row["field_names"], row["field_types"], strict=True)
        )
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)) or type(value).__name__ == "SortedSet":
        return sorted(value)
    return value


def _without(snapshot: dict[str, Any], tables: set[str]) -> dict[str, Any]:
    return {
        part: {k: v for k, v in found.items() if part == "types" or k not in tables}
        for part, found in snapshot.items()
    }


def _differences(ref: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Readable differences, per part and name."""
    lines = []
    for part in ref:
        for name in sorted(set(ref[part]) | set(new[part])):
            a, b = ref[part].get(name), new[part].get(name)
            if a != b:
                if isinstance(a, dict) and isinstance(b, dict):
                    keys = sorted(set(a) | set(b))
                    detail = {k: (a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)}
                else:
                    detail = {"cqlengine": a, "coodie": b}
                lines.append(f"{part} {name}: {detail}")
    return lines


# -- the conversion -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    base = tmp_path_factory.mktemp("codemods_corpus")
    original = _copy(base / "original")
    converted = _copy(base / "converted")
    result = run([converted], FULL_MODE, jobs=2)
    assert not result.failed, [(f.path, f.error) for f in result.failed]
    return Corpus(original, converted, result)


def test_the_corpus_is_large_enough() -> None:
    source = "\n".join(p.read_text() for p in (CORPUS / PACKAGE).glob("*.py"))
    models = source.count("(Model):") + source.count("(models.Model):")
    subclasses = source.count("class ") - models - source.count("(UserType):")
    assert models >= 30, models
    assert source.count("(UserType):") >= 3
    assert subclasses > 10  # subclasses of the models, and custom columns


def test_the_expected_todos_and_nothing_else(corpus: Corpus) -> None:
    found = {todo[:3]: todo[3] for todo in _todos(corpus)}
    expected = {todo[:3]: todo[3] for todo in EXPECTED_TODOS}
    assert sorted(found) == sorted(expected)
    for key, fragment in expected.items():
        assert fragment in found[key], (key, found[key])


def test_cross_module_bases(corpus: Corpus) -> None:
    """Depends on the project-wide first pass of the codemod (coodie/codemods/project.py):
    the bases of ``derived.py`` are defined in ``base.py``."""
    base = (corpus.converted / PACKAGE / "base.py").read_text()
    derived = (corpus.converted / PACKAGE / "derived.py").read_text()
    assert "class Tracked(Document):" in base and "class Ledger(Document):" in base
    assert (
        "class Invoice(Tracked):\n    number: Annotated[Optional[str], Indexed()] = None" in derived
    )
    assert "class CreditEntry(Ledger):" in derived
    assert re.search(r"class Settings:\n +name = .ledger.\n", derived)  # the table it shares
    assert "cqlengine" not in derived and "TODO(coodie-upgrade" not in derived


def test_converting_again_changes_nothing(corpus: Corpus, tmp_path: Path) -> None:
    again = tmp_path / PACKAGE
    shutil.copytree(corpus.converted / PACKAGE, again)
    before = {p.name: p.read_bytes() for p in again.glob("*.py")}
    second = run([tmp_path], FULL_MODE, jobs=1)
    assert not second.changed and not second.failed
    assert {p.name: p.read_bytes() for p in again.glob("*.py")} == before
    # the TODOs are listed again, at the same places, and not added twice
    assert sorted(t[1:] for t in second.todos) == sorted(t[1:] for t in corpus.result.todos)


def test_mypy_passes_on_the_converted_corpus(corpus: Corpus, tmp_path: Path) -> None:
    """The project's mypy configuration (strict, pydantic plugin) on the converted
    package, the classes left on the shim included (it finds, for one, a default
    factory that is not a callable, or a default of the wrong type)."""
    mypy = Path(sys.executable).parent / "mypy"
    done = subprocess.run(
        [
            str(mypy),
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),  # not the project's: other options
            "--follow-imports=silent",  # coodie itself is checked by `make typecheck`
            "-p",
            PACKAGE,
        ],
        cwd=corpus.converted,
        # coodie is installed in development mode, through an import hook mypy does not
        # follow: it is found on the path instead
        env={**os.environ, "MYPYPATH": os.pathsep.join([str(corpus.converted), str(ROOT)])},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_verify_agrees(corpus: Corpus) -> None:
    """``coodie-upgrade --verify`` (the CREATE statements of each class, original through
    the shim and rewrite through the core, no database) finds no difference either."""
    from coodie.codemods.verify import verify_run

    verification = verify_run(corpus.result.changed)
    assert verification.ok, list(verification.lines())
    compared = {(c.module.rsplit(".", 1)[-1], c.name) for c in verification.classes}
    assert len(compared) >= 60
    assert compared >= LEFT_ON_THE_SHIM


# -- the schema, on the node --------------------------------------------------------------


@pytest.fixture(scope="module")
def keyspaces(keyspace: str, connection: Connection) -> Iterator[tuple[str, str]]:
    """Keyspace A (cqlengine) and B (coodie), dropped after."""
    suffix = uuid.uuid4().hex[:10]
    names = (f"corpus_ref_{suffix}", f"corpus_new_{suffix}")
    yield names
    for name in names:
        connection.session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


def test_same_schema_on_the_node(
    corpus: Corpus, keyspaces: tuple[str, str], connection: Connection
) -> None:
    ref_keyspace, new_keyspace = keyspaces
    ref = _sync("cqlengine", corpus.original, ref_keyspace)
    new = _sync("coodie", corpus.converted, new_keyspace)
    ref_synced = _finish(ref, "syncing the original with cqlengine")
    new_synced = _finish(new, "syncing the conversion with coodie")

    # the same classes, each a Document unless the codemod left it with a TODO
    assert [s[:2] for s in ref_synced] == [s[:2] for s in new_synced]
    on_the_shim = {(m.split(".")[-1], c) for m, c, how in new_synced if how == "shim"}
    assert on_the_shim == LEFT_ON_THE_SHIM
    assert len(ref_synced) - len(on_the_shim) >= 30

    session = connection.session
    excluded = set(EXCLUDED)
    ref_schema = _without(schema(session, ref_keyspace), excluded)
    new_schema = _without(schema(session, new_keyspace), excluded)
    assert set(EXCLUDED) <= set(schema(session, ref_keyspace)["tables"])
    assert len(ref_schema["tables"]) >= 30
    assert _differences(ref_schema, new_schema) == []
