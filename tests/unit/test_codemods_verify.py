"""coodie-upgrade --verify: the schema each class of a changed module creates, original
(through the shim) and rewrite (through the native core), compared in child processes
without a database; and the progress line.

The walkthrough's five models agree; hand-broken rewrites (a clustering order, an
index, a column name, a keyspace, a user type field) are reported per class with the
difference; a module that fails at import is named with its error; a package with
relative imports and a base in a sibling module works; connection setup is inert;
a child that hangs is stopped; the command's exit codes, writes and report.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from coodie.codemods import engine, upgrade_source
from coodie.codemods.cli import PROGRESS_MIN_FILES, Progress, main
from coodie.codemods.verify import (
    KEYSPACE,
    compare,
    compare_modules,
    describe_module,
    module_name,
    verify,
)
from tests.unit.sources import registered

ROOT = Path(__file__).parents[2]
HEAD = "from cassandra.cqlengine import columns\nfrom cassandra.cqlengine.models import Model\n"


def _walkthrough() -> str:
    page = (ROOT / "docs" / "argus-walkthrough.md").read_text()
    models = page.split("## Models", 1)[1].split("## Operations", 1)[0]
    return "\n\n".join(re.findall(r"```python\n(.*?)```", models, re.S)[0::2])


WALKTHROUGH = _walkthrough()
CONVERTED = upgrade_source(WALKTHROUGH)


def _one(tmp_path: Path, old: str, new: str, name: str = "models.py") -> tuple[str, bytes, bytes]:
    path = tmp_path / name
    path.write_text("raise SystemExit('the file on disk is never imported')\n")
    return str(path), old.encode(), new.encode()


def _problems(result: object) -> list[str]:
    return list(result.lines())  # type: ignore[attr-defined]


# -- agreement ----------------------------------------------------------------------------


def test_the_walkthrough_models_agree(tmp_path: Path) -> None:
    result = verify([_one(tmp_path, WALKTHROUGH, CONVERTED)])
    assert result.ok and _problems(result) == []
    assert [c.name for c in result.classes] == [
        "ArgusUser",
        "ArgusTestRun",
        "ArgusNotification",
        "ArgusEvent",
        "ArgusComment",
    ]
    assert result.modules == 1 and all(c.kind == "table" for c in result.classes)
    user = result.classes[0]
    assert user.original == user.rewrite  # the statements, with the keyspace
    assert user.original[0].startswith('CREATE TABLE IF NOT EXISTS "argus"."argus_user" (')
    assert 'CREATE INDEX IF NOT EXISTS "argus_user_username_idx"' in user.original[1]
    assert result.summary() == ("coodie-upgrade --verify: 5 classes in 1 module compared, 0 differ")


# -- differences, per class -------------------------------------------------------------------


def test_a_wrong_rewrite_is_reported_per_class(tmp_path: Path) -> None:
    wrong = (
        CONVERTED.replace(  # clustering order
            'start_time: Annotated[datetime, ClusteringKey(order="DESC")]',
            "start_time: Annotated[datetime, ClusteringKey()]",
        )
        .replace(  # an index dropped
            "username: Annotated[Optional[str], Indexed()] = None",
            "username: Optional[str] = None",
        )
        .replace("    full_name: Optional[str] = None", "    fullname: Optional[str] = None")
        .replace(
            "heartbeat: Optional[int] = 0", "heartbeat: Annotated[Optional[int], BigInt()] = 0"
        )
        .replace(
            'name = "argus_event"\n        keyspace = "argus"',
            'name = "argus_event"\n        keyspace = "events"',
        )
    )
    assert wrong.count("ClusteringKey()") == 1 and "fullname" in wrong and '"events"' in wrong
    result = verify([_one(tmp_path, WALKTHROUGH, wrong)])
    assert not result.ok
    where = str(tmp_path / "models.py")
    problems = _problems(result)
    assert problems[:2] == [
        f'{where}:ArgusUser: column "full_name" only in the original (text)',
        f'{where}:ArgusUser: column "fullname" only in the rewrite (text)',
    ]
    assert problems[2].startswith(f"{where}:ArgusUser: table statement differs:\n    original: ")
    assert '"full_name" text' in problems[2] and '"fullname" text' in problems[2]
    assert problems[3] == (
        f"{where}:ArgusUser: index only in the original: CREATE INDEX IF NOT EXISTS "
        '"argus_user_username_idx" ON "argus"."argus_user" ("username")'
    )
    assert f'{where}:ArgusTestRun: column "heartbeat": original int, rewrite bigint' in problems
    assert (
        f"{where}:ArgusTestRun: clustering: original (start_time DESC), rewrite (start_time ASC)"
        in problems
    )
    # a keyspace is one difference, not one per statement
    assert [p for p in problems if ":ArgusEvent:" in p] == [
        f"{where}:ArgusEvent: keyspace: original 'argus', rewrite 'events'"
    ]
    assert [c.name for c in result.differences] == ["ArgusUser", "ArgusTestRun", "ArgusEvent"]
    assert result.summary().endswith("5 classes in 1 module compared, 3 differ")


def test_models_on_one_side_only(tmp_path: Path) -> None:
    old = HEAD + "\n\nclass A(Model):\n    id = columns.Text(primary_key=True)\n"
    new = (
        "from typing import Annotated\n\nfrom coodie.fields import PrimaryKey\n"
        "from coodie.sync import Document\n\n\n"
        "class B(Document):\n    id: Annotated[str, PrimaryKey()]\n"
    )
    result = verify([_one(tmp_path, old, new)])
    problems = [p.split(":", 1)[1] for p in _problems(result)]
    assert len(problems) == 2
    assert problems[0].startswith('A: a table (CREATE TABLE IF NOT EXISTS <keyspace>."a" (')
    assert problems[0].endswith(") in the original, none in the rewrite")
    assert problems[1].startswith('B: a table (CREATE TABLE IF NOT EXISTS <keyspace>."b" (')
    assert problems[1].endswith(") in the rewrite, none in the original")


USER_TYPES = HEAD + (
    "from cassandra.cqlengine.usertype import UserType\n\n\n"
    "class Address(UserType):\n"
    "    street = columns.Text()\n"
    "    zipcode = columns.Integer()\n\n\n"
    "class Person(Model):\n"
    "    id = columns.UUID(primary_key=True)\n"
    "    home = columns.UserDefinedType(Address)\n"
    "    past = columns.List(columns.UserDefinedType(Address))\n"
)

USER_TYPES_NATIVE = """\
from typing import Optional
from uuid import UUID

from pydantic import Field

from coodie.fields import PrimaryKey
from coodie.sync import Document, UserType
from typing import Annotated


class Address(UserType):
    street: Optional[str] = None
    zipcode: Optional[int] = None


class Person(Document):
    id: Annotated[UUID, PrimaryKey()]
    home: Optional[Address] = None
    past: list[Address] = Field(default_factory=list)
"""


def test_user_types_and_their_tables(tmp_path: Path) -> None:
    result = verify([_one(tmp_path, USER_TYPES, USER_TYPES_NATIVE)])
    assert result.ok, _problems(result)
    assert [(c.name, c.kind) for c in result.classes] == [("Address", "type"), ("Person", "table")]
    person = result.classes[1]
    assert person.original[0] == (
        f'CREATE TYPE IF NOT EXISTS {KEYSPACE}."address" ("street" text, "zipcode" int)'
    )
    # the order of a type's fields matters: the type and each table holding it differ
    swapped = USER_TYPES_NATIVE.replace(
        "    street: Optional[str] = None\n    zipcode: Optional[int] = None\n",
        "    zipcode: Optional[int] = None\n    street: Optional[str] = None\n",
    )
    result = verify([_one(tmp_path, USER_TYPES, swapped)])
    problems = _problems(result)
    assert problems[0].split(":", 1)[1].startswith("Address: type statement differs:\n")
    assert problems[1].split(":", 1)[1].startswith("Person: user type address differs:\n")
    assert '("zipcode" int, "street" text)' in problems[1]
    assert [c.name for c in result.differences] == ["Address", "Person"]


def test_user_types_converted_by_the_rules_agree(tmp_path: Path) -> None:
    result = verify([_one(tmp_path, USER_TYPES, upgrade_source(USER_TYPES))])
    assert result.ok, _problems(result)
    assert len(result.classes) == 2


# -- imports ------------------------------------------------------------------------------


def test_a_module_that_fails_at_import_is_named(tmp_path: Path) -> None:
    old = HEAD + "\nraise RuntimeError('needs SETTINGS')\n"
    result = verify(
        [
            _one(tmp_path, old, upgrade_source(old), "broken.py"),
            _one(tmp_path, WALKTHROUGH, CONVERTED),
        ]
    )
    assert not result.ok and result.modules == 1 and len(result.classes) == 5
    [failure] = result.failures
    assert failure.module == "broken" and failure.sides == ["original", "rewrite"]
    assert failure.error.startswith("RuntimeError: needs SETTINGS (")
    path = str(tmp_path / "broken.py")
    assert _problems(result)[0].startswith(
        f"{path}: cannot import broken (original and rewrite): RuntimeError: needs SETTINGS"
    )
    # failing on one side only: that side is said
    result = verify([_one(tmp_path, HEAD, HEAD + "import no_such_module_here\n", "one.py")])
    [failure] = result.failures
    assert failure.sides == ["rewrite"]
    assert failure.error.startswith("ModuleNotFoundError: No module named 'no_such_module_here'")


def test_a_package_with_relative_imports_and_a_base_in_a_sibling(tmp_path: Path) -> None:
    package = tmp_path / "src" / "app"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    # an unchanged module on disk, still on cqlengine's imports: the shim's in the children
    (package / "consts.py").write_text(
        "from cassandra.cqlengine import columns\nKEYSPACE = 'shop'\nTEXT = columns.Text\n"
    )
    base = HEAD + (
        "from .consts import KEYSPACE\n\n\n"
        "class Base(Model):\n    __abstract__ = True\n    __keyspace__ = KEYSPACE\n"
        "    id = columns.UUID(primary_key=True)\n"
    )
    item = (
        "from cassandra.cqlengine import columns\n"
        "from ..base import Base\nfrom .. import consts\n\n\n"
        "class Item(Base):\n    name = columns.Text(index=True)\n"
        "    at = columns.Integer(primary_key=True, clustering_order='DESC')\n"
    )
    base_native = (
        "from typing import Annotated\nfrom uuid import UUID\n\n"
        "from coodie.fields import PrimaryKey\nfrom coodie.sync import Document\n\n"
        "from .consts import KEYSPACE\n\n\n"
        "class Base(Document):\n    id: Annotated[UUID, PrimaryKey()]\n\n"
        "    class Settings:\n        abstract = True\n        keyspace = KEYSPACE\n"
    )
    item_native = (
        "from typing import Annotated, Optional\n\n"
        "from coodie.fields import ClusteringKey, Indexed\n\n"
        "from ..base import Base\nfrom .. import consts\n\n\n"
        "class Item(Base):\n    name: Annotated[Optional[str], Indexed()] = None\n"
        '    at: Annotated[int, ClusteringKey(order="DESC")]\n'
    )
    files = []
    for name, old, new in (("base.py", base, base_native), ("sub/item.py", item, item_native)):
        path = package / name
        path.write_text("raise SystemExit('never read')\n")
        files.append((str(path), old.encode(), new.encode()))
    assert module_name(package / "sub" / "item.py") == ("app.sub.item", tmp_path / "src")
    result = verify(files)
    assert result.ok, _problems(result)
    [item_result] = result.classes
    assert (item_result.module, item_result.name) == ("app.sub.item", "Item")
    assert item_result.original[0].startswith('CREATE TABLE IF NOT EXISTS "shop"."item" (')
    # the rewrite of the base in the sibling module loses its keyspace: said at Item
    files[0] = (files[0][0], base.encode(), base_native.replace("keyspace = KEYSPACE", "").encode())
    result = verify(files)
    assert _problems(result) == [
        f"{package / 'sub' / 'item.py'}:Item: keyspace: original 'shop', rewrite the "
        "connection's default"
    ]


def test_connection_setup_is_inert_and_nothing_connects(tmp_path: Path) -> None:
    model = "\n\nclass A(Model):\n    id = columns.Text(primary_key=True)\n"
    setup = (
        "from cassandra.cqlengine import connection\n" + HEAD + "\n"
        "connection.setup(['10.255.255.1'], 'ks', lazy_connect=False)\n" + model
    )
    native = (
        "from typing import Annotated\n\nfrom coodie.fields import PrimaryKey\n"
        "from coodie.sync import Document, init_coodie\n\n"
        "init_coodie(hosts=['10.255.255.1'], keyspace='ks')\n\n\n"
        "class A(Document):\n    id: Annotated[str, PrimaryKey()]\n"
    )
    connects = HEAD + (
        "from cassandra.cluster import Cluster\n\nSESSION = Cluster(['10.255.255.1']).connect()\n"
    )
    syncs = (
        "from cassandra.cqlengine import connection\n"
        "from cassandra.cqlengine.management import sync_table\n" + HEAD + "\n"
        "connection.setup(['10.255.255.1'], 'ks')\n" + model + "\n\nsync_table(A)\n"
    )
    result = verify(
        [
            _one(tmp_path, setup, native, "setup.py"),
            _one(tmp_path, connects, upgrade_source(connects), "connects.py"),
            _one(tmp_path, syncs, upgrade_source(syncs), "syncs.py"),
        ]
    )
    assert result.inert == ["coodie.sync.init_coodie", "cqlengine connection.setup"]
    assert [c.name for c in result.classes] == ["A"] and not result.differences
    connected, synced = result.failures
    assert connected.module == "connects" and synced.module == "syncs"
    assert connected.error.startswith(
        "RuntimeError: coodie-upgrade --verify connects to no database, and this module "
        "connects (Cluster.connect) when it is imported"
    )
    assert "this module runs a statement (sync_table, a query...) when it is imported" in (
        synced.error
    )
    assert f"(original at {tmp_path / 'syncs.py'}:13, rewrite at " in synced.error


def test_a_child_that_hangs_is_stopped(tmp_path: Path) -> None:
    slow = HEAD + "import time\n\ntime.sleep(60)\n"
    result = verify([_one(tmp_path, slow, upgrade_source(slow), "slow.py")], timeout=3)
    [failure] = result.failures
    assert failure.sides == ["original", "rewrite"]
    assert "did not finish in 3 s (importing slow)" in failure.error


def test_files_that_are_not_modules_are_skipped(tmp_path: Path) -> None:
    result = verify([(str(tmp_path / "hook"), HEAD.encode(), HEAD.encode())])
    assert result.ok and result.skipped == [
        (str(tmp_path / "hook"), "not a .py file: it is not imported")
    ]


def test_module_names_that_clash(tmp_path: Path) -> None:
    for folder in "abc":
        (tmp_path / folder).mkdir()
    old = HEAD + "\n\nclass A(Model):\n    id = columns.Text(primary_key=True)\n"
    new = upgrade_source(old)
    result = verify(
        [
            (str(tmp_path / "a" / "models.py"), old.encode(), new.encode()),
            (str(tmp_path / "b" / "models.py"), old.encode(), new.encode()),  # another pair
            (str(tmp_path / "c" / "types.py"), old.encode(), new.encode()),  # the stdlib's
        ]
    )
    assert result.modules == 2 and len(result.classes) == 2 and not result.differences
    [failure] = result.failures
    assert failure.module == "types" and failure.sides == ["original", "rewrite"]
    assert failure.error.startswith("its name is that of a module imported before it (")


# -- the comparison, in this process --------------------------------------------------------


def _load(source: str, name: str) -> dict[str, dict[str, Any]]:
    with registered(source, name) as module:
        return describe_module(module)


def test_describe_and_compare_in_process() -> None:
    old = _load(upgrade_source(WALKTHROUGH, compat=True), "verify_old")
    new = _load(CONVERTED, "verify_new")
    assert compare_modules(old, new) == {name: [] for name in old}
    options = upgrade_source(
        HEAD + "\n\nclass T(Model):\n    __options__ = {'comment': 'a', 'gc_grace_seconds': 10}\n"
        "    id = columns.Text(primary_key=True)\n",
    )
    described = _load(options, "verify_options")["T"]
    other = dict(described, options={"gc_grace_seconds": "10", "comment": "'b'"})
    assert compare(described, other) == [
        "option comment: original 'a', rewrite 'b'",
        "table statement differs:\n"
        f"    original: {described['table'].replace(chr(34) + KEYSPACE + chr(34), KEYSPACE)}\n"
        f"    rewrite:  {other['table'].replace(chr(34) + KEYSPACE + chr(34), KEYSPACE)}",
    ]
    assert compare(described, dict(described, connection="other")) == [
        "connection: original 'the default', rewrite 'other'"
    ]
    assert compare({"error": "X"}, described) == ["the original cannot be described: X"]


# -- the command ------------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    (tmp_path / "models.py").write_text(WALKTHROUGH)
    return tmp_path / "models.py"


def test_cli_verify_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _project(tmp_path)
    report = tmp_path / "report.json"
    assert main(["--verify", "--diff", "--report", str(report), str(path)]) == 0
    captured = capsys.readouterr()
    assert "+class ArgusUser(Document):" in captured.out
    assert "coodie-upgrade --verify: 5 classes in 1 module compared, 0 differ" in captured.err
    assert path.read_text() == WALKTHROUGH
    data = json.loads(report.read_text())
    assert data["written"] is False
    assert data["verify"]["ok"] is True and data["verify"]["modules"] == 1
    assert [c["class"] for c in data["verify"]["classes"]][:2] == ["ArgusUser", "ArgusTestRun"]
    assert data["verify"]["differences"] == [] and data["verify"]["import_failures"] == []
    # --check still says that files would change
    assert main(["--verify", "--check", "--quiet", str(path)]) == 1
    assert capsys.readouterr().err == ""


def test_cli_verify_then_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _project(tmp_path)
    assert main(["--verify", str(path)]) == 0
    assert path.read_text() == CONVERTED
    err = capsys.readouterr().err
    assert f"rewrote {path}" in err and "0 differ" in err
    report = tmp_path / "r.json"
    assert main(["--report", str(report), str(path)]) == 0
    assert json.loads(report.read_text())["verify"] is None  # not asked for


def test_cli_a_module_that_cannot_be_imported_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _project(tmp_path)
    broken = tmp_path / "broken.py"
    broken.write_text(HEAD + "\nraise RuntimeError('boom')\n")
    report = tmp_path / "report.json"
    assert main(["--verify", "--report", str(report), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}: cannot import broken (original and rewrite): RuntimeError: boom" in err
    assert "--verify did not agree: no file was written" in err
    assert f"would rewrite {path}" in err and "rewrote" not in err
    assert path.read_text() == WALKTHROUGH  # nothing written
    data = json.loads(report.read_text())
    assert data["written"] is False and data["verify"]["ok"] is False
    [failure] = data["verify"]["import_failures"]
    assert failure["module"] == "broken" and failure["path"] == str(broken)


def test_cli_a_difference_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _project(tmp_path)
    real = engine.upgrade_bytes  # what the runner calls

    def wrong(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        if done.source is not None:
            done.source = done.source.replace(b'order="DESC"', b'order="ASC"')
        return done

    monkeypatch.setattr("coodie.codemods.runner.upgrade_bytes", wrong)
    assert main(["--verify", "--quiet", "--jobs", "1", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:ArgusTestRun: clustering: original (start_time DESC), rewrite" in err
    assert f"{path}:ArgusComment: clustering:" in err
    assert path.read_text() == WALKTHROUGH


# -- progress ------------------------------------------------------------------------------


def test_progress_line() -> None:
    out = io.StringIO()
    progress = Progress(out, interval=0)
    for done in range(1, PROGRESS_MIN_FILES + 1):
        progress(done, PROGRESS_MIN_FILES)  # a handful: nothing
    assert out.getvalue() == ""
    total = PROGRESS_MIN_FILES + 1
    for done in range(1, total + 1):
        progress(done, total)
    text = out.getvalue()
    assert "\n" not in text  # one line, rewritten in place
    assert text.endswith(f"\r\x1b[Kcoodie-upgrade: files {total}/{total}")
    progress.clear()
    assert out.getvalue().endswith("\r\x1b[K")
    slow = io.StringIO()
    throttled = Progress(slow, interval=3600)
    for done in range(1, 101):
        throttled(done, 100)
    assert slow.getvalue().count("files") == 2  # the first and the last


def test_no_progress_when_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(PROGRESS_MIN_FILES + 2):
        (tmp_path / f"m{i}.py").write_text(HEAD)
    assert main(["--check", str(tmp_path)]) == 1
    assert "\r" not in capsys.readouterr().err
