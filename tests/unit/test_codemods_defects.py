"""Regression tests for defects found by trying to break ``coodie-upgrade`` (no database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coodie.codemods import upgrade_source
from coodie.codemods.models import find_todos
from coodie.codemods.runner import run

MODELS = """\
from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model
from cassandra.cqlengine.query import LWTException


class Thing(Model):
    part = columns.Text(partition_key=True)
    n = columns.Integer(primary_key=True)
    tags = columns.Set(columns.Text)
    seq = columns.List(columns.Integer)
    attrs = columns.Map(columns.Text, columns.Integer)


"""


def _body(source: str) -> str:
    out = upgrade_source(MODELS + source)
    assert upgrade_source(out) == out
    return out.partition("\n\n\n")[2].partition("\n\n\n")[2]


def test_update_of_a_set_or_list_assigns_as_cqlengine_does() -> None:
    # cqlengine: s__update / l__update on a set or a list replace the value (only a map
    # merges); __add on a set would keep the old elements, on a list it is refused
    out = _body("Thing.objects(part='a', n=1).update(tags__update={'x'}, seq__update=[7])\n")
    assert out == "Thing.find(part='a', n=1).update(tags={'x'}, seq=[7])\n"


def test_update_of_a_map_merges() -> None:
    out = _body("Thing.objects(part='a', n=1).update(attrs__update={'k': 1})\n")
    assert out == "Thing.find(part='a', n=1).update(attrs__add={'k': 1})\n"


def test_update_operator_of_an_unknown_column_is_left_with_a_todo() -> None:
    out = _body("Thing.objects(part='a', n=1).update(nope__update={'k': 1})\n")
    assert out.startswith(
        "# TODO(coodie-upgrade CU005): nope__update=: cqlengine reads __update by the column's"
    )
    assert "Thing.objects(part='a', n=1).update(nope__update={'k': 1})\n" in out


def test_lwt_existing_stays_the_row_dict() -> None:
    # cqlengine's LWTException.existing is the row (a dict); LWTFailed.existing is a
    # document, LWTFailed.row the dict
    out = _body(
        "try:\n"
        "    Thing.objects(part='a', n=1).iff(tags={'x'}).update(seq=[1])\n"
        "except LWTException as e:\n"
        "    print(e.existing.get('tags'), e.existing['seq'])\n"
    )
    assert "except LWTFailed as e:\n    print(e.row.get('tags'), e.row['seq'])\n" in out


def test_a_symbolic_link_stays_a_link_and_its_target_is_rewritten_once(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "target.py"
    target.write_text(
        "from cassandra.cqlengine import columns\n"
        "from cassandra.cqlengine.models import Model\n\n\n"
        "class F(Model):\n    id = columns.Integer(primary_key=True)\n"
    )
    link = tmp_path / "link.py"
    link.symlink_to("real/target.py")
    result = run([tmp_path], ("CU001",), jobs=1)
    assert result.scanned == 1 and len(result.changed) == 1
    assert link.is_symlink() and os.readlink(link) == "real/target.py"
    assert target.read_text().startswith("from coodie.compat.cqlengine import columns\n")


def test_blind_map_update_merges_as_cqlengine_does() -> None:
    # cqlengine sets each key given (a merge) for m={...} and any suffix but remove;
    # {} clears the map, None deletes it; a value of unknown size gets a TODO
    merged = _body("Thing.objects(part='a', n=1).update(attrs={'k': 1})\n")
    assert "update(attrs__add={'k': 1})" in merged
    cleared = _body("Thing.objects(part='a', n=1).update(attrs={})\n")
    assert "update(attrs={})" in cleared
    unknown = _body("Thing.objects(part='a', n=1).update(attrs=values)\n")
    assert unknown.startswith("# TODO(coodie-upgrade CU005): attrs=: cqlengine merges")
    appended = _body("Thing.objects(part='a', n=1).update(tags__append={'x'})\n")
    assert "update(tags={'x'})" in appended  # not a set's suffix: cqlengine assigns


def test_cqlengine_imports_the_conversion_left_unused_go_and_others_stay() -> None:
    source = (
        "from cassandra import cqlengine\n"
        "from cassandra.cqlengine.query import BatchQuery\n"  # unused before: stays
        "from cassandra.cqlengine.models import Model\n\n\n"
        "class A(Model):\n    id = cqlengine.columns.UUID(primary_key=True)\n"
    )
    out = upgrade_source(source)
    assert "import cqlengine" not in out  # used by the columns only: gone with them
    assert "from coodie.compat.cqlengine.query import BatchQuery\n" in out
    assert "class A(Document):" in out and upgrade_source(out) == out


def test_todos_of_star_imports_and_annotated_attributes_say_what_to_do() -> None:
    star = upgrade_source(
        "from cassandra.cqlengine.columns import *\n"
        "from cassandra.cqlengine.models import Model\n\n\n"
        "class A(Model):\n    id = Integer(primary_key=True)\n"
    )
    (todo,) = find_todos(star)
    assert "star import of cqlengine's columns" in todo[2] and "by name" in todo[2]
    annotated = upgrade_source(
        "from cassandra.cqlengine import columns\n"
        "from cassandra.cqlengine.models import Model\n\n\n"
        "class A(Model):\n    limit: int = 3\n    id = columns.Integer(primary_key=True)\n"
    )
    (todo,) = find_todos(annotated)
    assert "ClassVar[...]" in todo[2]


def test_odd_files_fail_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad bytes, an unknown coding, nesting too deep for the parsers (libcst's native
    parser would crash the process), and a worker that dies: each is that file's error,
    and the other files are still rewritten."""
    from coodie.codemods import runner

    head = "from cassandra.cqlengine import columns\n"
    (tmp_path / "bad_bytes.py").write_bytes(head.encode() + b'x = "\xff"\n')
    (tmp_path / "bad_coding.py").write_text("# coding: nosuch\n" + head)
    (tmp_path / "deep.py").write_text(head + "x = " + "[" * 300 + "]" * 300 + "\n")
    (tmp_path / "long.py").write_text(head + "x = " + "+".join(["a"] * 30000) + "\n")
    (tmp_path / "boom.py").write_text(head)
    (tmp_path / "ok.py").write_text(head)
    real = runner.upgrade_bytes

    def dies_on_boom(data: bytes, rules: object, path: str, **kw: object) -> object:
        if path.endswith("boom.py"):
            os._exit(3)  # as a segfault in native code would
        return real(data, rules, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "upgrade_bytes", dies_on_boom)
    result = run([tmp_path], ["CU001"], write=False, jobs=2)
    failed = {Path(f.path).name: f.error for f in result.failed}
    assert set(failed) == {"bad_bytes.py", "bad_coding.py", "deep.py", "long.py", "boom.py"}
    assert "crashed" in (failed["boom.py"] or "")
    assert [Path(f.path).name for f in result.changed] == ["ok.py"]


def test_review_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from coodie.codemods.cli import main

    model = (
        "from cassandra.cqlengine import columns\n"
        "from cassandra.cqlengine.models import Model\n\n\n"
        "class Event(Model):\n    id = columns.Integer(primary_key=True)\n"
    )
    # a model converted without its options or call sites: refused by the command
    (tmp_path / "m.py").write_text(model)
    assert main(["--skip", "CU004", "--check", str(tmp_path / "m.py")]) == 2
    assert "CU002 needs CU004" in capsys.readouterr().err
    # two folders without __init__.py, each a module ``models``: their classes stay
    for folder in ("svc_a", "svc_b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "models.py").write_text(model)
        (tmp_path / folder / "use.py").write_text(
            "from models import Event\n\n\ndef f(i):\n    return Event.objects(id=i).first()\n"
        )
    result = run([tmp_path / "svc_a", tmp_path / "svc_b"], write=False)
    assert not result.changed or all("use.py" not in f.path for f in result.changed)
    assert any("several files are the module models" in why for *_, why in result.todos)
    # a package that re-exports its model: the caller is read, and told
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .models import User\n")
    (pkg / "models.py").write_text(model.replace("Event", "User"))
    (pkg / "views.py").write_text(
        "from app import User\n\n\ndef f(i):\n    return User.objects(id=i).first()\n"
    )
    result = run([pkg], write=False)
    views = [f for f in result.files if f.path.endswith("views.py")]
    assert views and views[0].todos and views[0].todos[0][1] == "CU005"
    # --exclude applies to a file named directly, by its folders (pre-commit)
    assert main(["--check", "--exclude", "svc_a", str(tmp_path / "svc_a" / "models.py")]) == 0
    # the summary says what was converted
    capsys.readouterr()
    assert main(["--check", str(tmp_path / "m.py")]) == 1
    assert "models converted 1" in capsys.readouterr().err
