"""coodie-upgrade: rule CU001 (the import swap) as golden pairs, no-op cases that stay
byte-identical, idempotence (with a property test), and the command line: exit codes,
--diff/--check, --exclude, --jobs, atomic writes, parse failures, the summary.
No database is needed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coodie.codemods import SourceParseError, catalogue, run, upgrade_source
from coodie.codemods.cli import main
from coodie.codemods.rules import IMPLEMENTED, TRANSFORMERS, select
from coodie.compat.cqlengine import mapping

# -- CU001: golden pairs --------------------------------------------------------------------

GOLDEN = {
    "plain import": (
        "import cassandra.cqlengine\n",
        "import coodie.compat.cqlengine\n",
    ),
    "submodule as alias": (
        "import cassandra.cqlengine.columns as columns  # the columns\n",
        "import coodie.compat.cqlengine.columns as columns  # the columns\n",
    ),
    "package as alias": (
        "import cassandra.cqlengine as cqe\n",
        "import coodie.compat.cqlengine as cqe\n",
    ),
    "several names": (
        "import os, cassandra.cqlengine.management as m, sys\n",
        "import os, coodie.compat.cqlengine.management as m, sys\n",
    ),
    "from package": (
        "from cassandra.cqlengine import columns, models\n",
        "from coodie.compat.cqlengine import columns, models\n",
    ),
    "from submodule": (
        "from cassandra.cqlengine.models import Model\n",
        "from coodie.compat.cqlengine.models import Model\n",
    ),
    "from submodule as alias": (
        "from cassandra.cqlengine.query import BatchQuery as BQ\n",
        "from coodie.compat.cqlengine.query import BatchQuery as BQ\n",
    ),
    "star": (
        "from cassandra.cqlengine.columns import *\n",
        "from coodie.compat.cqlengine.columns import *\n",
    ),
    "parenthesized with comments": (
        "from cassandra.cqlengine import (\n    columns,  # the columns\n    models,\n)\n",
        "from coodie.compat.cqlengine import (\n    columns,  # the columns\n    models,\n)\n",
    ),
    "from cassandra import cqlengine": (
        "from cassandra import cqlengine as cql\n",
        "from coodie.compat import cqlengine as cql\n",
    ),
    "from cassandra import cqlengine and more": (
        "from cassandra import cqlengine, ConsistencyLevel  # both\n",
        "from cassandra import ConsistencyLevel  # both\nfrom coodie.compat import cqlengine\n",
    ),
    "from cassandra import (more, cqlengine)": (
        "from cassandra import (\n    ConsistencyLevel,\n    cqlengine,\n)\n",
        "from cassandra import (\n    ConsistencyLevel,\n)\nfrom coodie.compat import cqlengine\n",
    ),
    "semicolons": (
        "x = 1; from cassandra import util, cqlengine; y = 2\n",
        "x = 1; from cassandra import util; from coodie.compat import cqlengine; y = 2\n",
    ),
    "inside functions and classes": (
        "def setup():\n"
        "    # connect\n"
        "    from cassandra.cqlengine import connection\n"
        "    connection.setup(['127.0.0.1'], 'app')\n"
        "\n"
        "class C:\n"
        "    def m(self):\n"
        "        import cassandra.cqlengine.query as q\n"
        "        return q\n",
        "def setup():\n"
        "    # connect\n"
        "    from coodie.compat.cqlengine import connection\n"
        "    connection.setup(['127.0.0.1'], 'app')\n"
        "\n"
        "class C:\n"
        "    def m(self):\n"
        "        import coodie.compat.cqlengine.query as q\n"
        "        return q\n",
    ),
    "guarded import": (
        "try:\n    from cassandra.cqlengine import columns\n"
        "except ImportError:\n    columns = None\n",
        "try:\n    from coodie.compat.cqlengine import columns\n"
        "except ImportError:\n    columns = None\n",
    ),
    "dotted uses": (
        "import cassandra.cqlengine.columns\n"
        "import cassandra.cqlengine.models\n"
        "\n"
        "\n"
        "class Person(cassandra.cqlengine.models.Model):\n"
        "    id = cassandra.cqlengine.columns.UUID(primary_key=True)  # key\n"
        "    name = (cassandra.cqlengine.columns).Text()\n",
        "import coodie.compat.cqlengine.columns\n"
        "import coodie.compat.cqlengine.models\n"
        "\n"
        "\n"
        "class Person(coodie.compat.cqlengine.models.Model):\n"
        "    id = coodie.compat.cqlengine.columns.UUID(primary_key=True)  # key\n"
        "    name = (coodie.compat.cqlengine.columns).Text()\n",
    ),
    "dotted uses with another use of cassandra": (
        "import cassandra.cqlengine.query\n"
        "level = cassandra.ConsistencyLevel.ONE\n"
        "b = cassandra.cqlengine.query.BatchQuery()\n",
        "import cassandra, coodie.compat.cqlengine.query\n"
        "level = cassandra.ConsistencyLevel.ONE\n"
        "b = coodie.compat.cqlengine.query.BatchQuery()\n",
    ),
    "another import binds cassandra already": (
        "import cassandra.cluster\n"
        "import cassandra.cqlengine.query\n"
        "level = cassandra.ConsistencyLevel.ONE\n",
        "import cassandra.cluster\n"
        "import coodie.compat.cqlengine.query\n"
        "level = cassandra.ConsistencyLevel.ONE\n",
    ),
    "CRLF line endings and quoting kept": (
        "from cassandra.cqlengine import columns\r\nx = columns.Text(default='a')\r\n",
        "from coodie.compat.cqlengine import columns\r\nx = columns.Text(default='a')\r\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=list(GOLDEN))
def test_cu001_golden(before: str, after: str) -> None:
    assert upgrade_source(before, compat=True) == after
    assert upgrade_source(before, ["CU001"]) == after
    assert upgrade_source(after, compat=True) == after  # idempotent
    compile(after, "<after>", "exec")


# -- no-op cases: byte-identical ------------------------------------------------------------

NO_OP = {
    "no cqlengine": "import cassandra.cluster\nfrom cassandra import ConsistencyLevel\n",
    # Strings and comments that name cassandra.cqlengine are not imports: left alone,
    # even importlib calls (a dynamic import is not rewritten; the docs say so).
    "strings and comments": (
        '"""Uses cassandra.cqlengine."""\n'
        "# from cassandra.cqlengine import columns\n"
        "import importlib\n"
        "mod = importlib.import_module('cassandra.cqlengine.models')\n"
    ),
    "already coodie": (
        "from coodie.compat.cqlengine import columns\nimport coodie.compat.cqlengine\n"
    ),
    "a lookalike module": "import cassandra.cqlengine_extras\nfrom mylib.cqlengine import x\n",
    "relative import": "from .cqlengine import models\nfrom . import cqlengine\n",
    "attribute of another object": "import cassandra.cluster\nx = obj.cassandra.cqlengine\n",
}


@pytest.mark.parametrize("source", NO_OP.values(), ids=list(NO_OP))
def test_no_op_is_byte_identical(source: str, tmp_path: Path) -> None:
    assert upgrade_source(source) == source
    path = tmp_path / "mod.py"
    path.write_bytes(source.encode())
    before = path.stat().st_mtime_ns
    assert main([str(tmp_path), "--quiet"]) == 0
    assert path.read_bytes() == source.encode() and path.stat().st_mtime_ns == before


def test_rules_not_implemented_are_skipped_and_unknown_ids_refused() -> None:
    source = "from cassandra.cqlengine.models import Model\n"
    assert upgrade_source(source, ["CU005"]) == source
    with pytest.raises(ValueError, match="unknown rule CU999"):
        upgrade_source(source, ["CU999"])
    with pytest.raises(SourceParseError) as info:
        upgrade_source("from cassandra.cqlengine import columns\nprint 'x'\n")
    assert info.value.line == 2


# -- idempotence: a property over combinations of import statements -------------------------

MODULES = ["cassandra.cqlengine", *(f"cassandra.cqlengine.{m}" for m in ("columns", "models"))]
NAMES = ["columns", "models", "query", "Model", "BatchQuery", "connection"]


@st.composite
def import_statement(draw: st.DrawFn) -> str:
    module = draw(st.sampled_from([*MODULES, "cassandra", "os", "cassandra.cluster"]))
    alias = draw(st.sampled_from(["", " as alias_x"]))
    kind = draw(st.sampled_from(["import", "from", "from-many", "from-parens"]))
    if kind == "import":
        return f"import {module}{alias}"
    names = draw(st.lists(st.sampled_from([*NAMES, "cqlengine"]), min_size=1, max_size=3))
    if kind == "from":
        return f"from {module} import {names[0]}{alias}"
    if kind == "from-many":
        return f"from {module} import {', '.join(names)}"
    return f"from {module} import (\n    " + ",\n    ".join(names) + ",  # note\n)"


@st.composite
def module_source(draw: st.DrawFn) -> str:
    lines = []
    for statement in draw(st.lists(import_statement(), min_size=1, max_size=6)):
        if draw(st.booleans()):
            body = statement.replace("\n", "\n    ")
            lines.append(f"def f():\n    # inside\n    {body}\n    return 1\n")
        else:
            lines.append(statement + draw(st.sampled_from(["", "  # trailing"])) + "\n")
    if draw(st.booleans()):  # dotted uses, bound by an unaliased import
        lines.append("import cassandra.cqlengine.columns\nx = cassandra.cqlengine.columns.Text()\n")
    return "".join(lines)


@settings(max_examples=150, deadline=None)
@given(module_source())
def test_property_idempotent_parses_and_leaves_no_cassandra_cqlengine(source: str) -> None:
    once = upgrade_source(source, compat=True)
    compile(once, "<once>", "exec")
    assert upgrade_source(once, compat=True) == once
    assert "cassandra.cqlengine" not in once
    assert "from cassandra import cqlengine" not in once
    assert once.count("#") == source.count("#")  # comments survive
    if "cqlengine" not in source:
        assert once == source


# -- the rule catalogue comes from the mapping table ----------------------------------------


def test_catalogue_is_the_mapping_table() -> None:
    assert set(TRANSFORMERS) == set(mapping.RULES)
    listed = catalogue()
    assert [r.id for r in listed] == list(mapping.RULES)
    assert [r.title for r in listed] == [r.title for r in mapping.RULES.values()]
    assert {"CU001", "CU002", "CU003", "CU004"} <= set(IMPLEMENTED)
    assert select(compat=True) == (("CU001",), ())
    assert select(skip=["CU001"])[0] == tuple(r for r in IMPLEMENTED if r != "CU001")


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(mapping.RULES)
    assert out[0].startswith("CU001  imports") and " implemented " in out[0]
    done = set(IMPLEMENTED)
    assert all(("not implemented yet" in line) == (line[:5] not in done) for line in out)


# -- the command line -------------------------------------------------------------------------

MODEL = "from cassandra.cqlengine import columns\nfrom cassandra.cqlengine.models import Model\n"
MODEL_AFTER = MODEL.replace("cassandra.cqlengine", "coodie.compat.cqlengine")
PY2 = "from cassandra.cqlengine import columns\n\nprint 'hello'\n"


def _tree(root: Path) -> dict[str, Path]:
    files = {
        "app/models.py": MODEL,
        "app/sub/more.py": "def f():\n    import cassandra.cqlengine.query as q\n    return q\n",
        "app/plain.py": "import os\n",
        "app/legacy.py": PY2,
        "app/notes.txt": MODEL,  # not .py: never read
        ".venv/lib/m.py": MODEL,
        "build/lib/m.py": MODEL,
        "env2/pyvenv.cfg": "home = /usr/bin\n",
        "env2/lib/m.py": MODEL,
        ".git/hooks/m.py": MODEL,
        "vendor/m.py": MODEL,
    }
    out = {}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        out[name] = path
    return out


def test_rewrite_in_place_with_summary_and_parse_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _tree(tmp_path)
    code = main(["--compat", str(tmp_path), "--exclude", "vendor"])
    err = capsys.readouterr().err
    assert code == 2  # a file failed to parse; the others were processed
    assert files["app/models.py"].read_text() == MODEL_AFTER
    assert "import coodie.compat.cqlengine.query as q" in files["app/sub/more.py"].read_text()
    for untouched in ("app/legacy.py", "app/notes.txt", ".venv/lib/m.py", "build/lib/m.py"):
        assert files[untouched].read_text() in (MODEL, PY2), untouched
    for untouched in ("env2/lib/m.py", ".git/hooks/m.py", "vendor/m.py"):
        assert files[untouched].read_text() == MODEL, untouched
    assert f"{files['app/legacy.py']}:3:1: error: Missing parentheses" in err
    assert "4 files scanned (3 read), 2 changed, 1 failed, 0 TODOs left; imports " in err
    # no temporary file left behind by the atomic writes
    assert not [p for p in tmp_path.rglob("*") if "coodie-upgrade" in p.name]


def test_check_and_diff_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "models.py"
    path.write_text(MODEL)
    assert main(["--check", str(tmp_path)]) == 1
    assert "would rewrite" in capsys.readouterr().err
    assert main(["--diff", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "-from cassandra.cqlengine import columns" in out
    assert "+from coodie.compat.cqlengine import columns" in out
    assert main(["--diff", "--check", str(path)]) == 1
    assert path.read_text() == MODEL
    capsys.readouterr()
    assert main([str(path), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["--check", str(path)]) == 0  # converted: nothing left to do
    assert path.read_text() == MODEL_AFTER


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main([str(tmp_path / "missing")]) == 2
    assert main(["--only", "CU999", str(tmp_path)]) == 2
    assert main(["--compat", "--skip", "CU001", str(tmp_path)]) == 2
    assert main(["--jobs", "0", str(tmp_path)]) == 2
    assert main(["--bogus"]) == 2
    assert main(["--help"]) == 0
    assert "usage: coodie-upgrade" in capsys.readouterr().out


def test_only_and_skip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "models.py"
    path.write_text(MODEL)
    assert main(["--only", "CU005", str(path)]) == 0  # no converted model: no call site
    assert path.read_text() == MODEL
    assert main(["--skip", "cu001,CU002,CU003,CU004", str(path)]) == 0
    assert path.read_text() == MODEL
    assert main(["--only", "CU001,CU005", str(path)]) == 0
    assert path.read_text() == MODEL_AFTER


def test_jobs_2_and_report(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"m{i}.py").write_text(MODEL if i % 3 else "x = 1\n")
    (tmp_path / "bad.py").write_text(PY2)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    assert main(["--jobs", "2", "--quiet", str(tmp_path), "--report", str(report)]) == 2
    data = json.loads(report.read_text())
    assert data["scanned"] == 13 and data["candidates"] == 9
    assert len(data["changed"]) == 8 and data["rules"] == list(IMPLEMENTED)
    assert data["failed"] == [
        {
            "path": str(tmp_path / "bad.py"),
            "changed": False,
            "error": "Missing parentheses in call to 'print'. Did you mean print(...)?",
            "line": 3,
            "column": 1,
        }
    ]
    assert data["todos"] == []
    assert all((tmp_path / f"m{i}.py").read_text() == MODEL_AFTER for i in range(12) if i % 3)
    assert (tmp_path / "bad.py").read_text() == PY2


def test_library_run_does_not_write_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(MODEL)
    result = run([tmp_path], ["CU001"], write=False, jobs=1)
    assert [f.path for f in result.changed] == [str(path)]
    assert result.changed[0].rewrites == {"CU001": 2}
    assert path.read_text() == MODEL


def test_atomic_write_keeps_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text(MODEL)
    path.chmod(0o755)
    assert main(["--quiet", str(path)]) == 0
    assert path.read_text() == MODEL_AFTER
    assert path.stat().st_mode & 0o777 == 0o755
    assert sorted(os.listdir(tmp_path)) == ["script.py"]


def test_a_failed_write_leaves_the_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.py"
    path.write_text(MODEL)

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    assert main(["--jobs", "1", str(path)]) == 2
    assert "cannot write: No space left on device" in capsys.readouterr().err
    assert path.read_text() == MODEL
    assert sorted(os.listdir(tmp_path)) == ["m.py"]


def test_pre_commit_hook_is_declared() -> None:
    hooks = (Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text()
    for line in (
        "- id: coodie-upgrade",
        "entry: coodie-upgrade",
        "language: python",
        "types: [python]",
    ):
        assert line in hooks


def test_docs_catalogue_is_the_mapping_table() -> None:
    page = (Path(__file__).parents[2] / "docs" / "migration" / "codemods.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| CU")]
    assert [row.split("|")[1].strip() for row in rows] == list(mapping.RULES)
    for row, info in zip(rows, catalogue(), strict=True):
        cells = [c.strip() for c in row.split("|")]
        assert cells[2] == info.title
        assert cells[4] == ("implemented" if info.implemented else "not implemented yet")
