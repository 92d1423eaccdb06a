"""coodie-upgrade: rule CU003 (user types) and the first pass over a tree (models and
bases across modules).

Golden pairs, the all-or-none rule when the module calls cqlengine's class
``UserType``, user type columns of models, schema equivalence without a database
(CREATE TYPE and CREATE TABLE through the shim and through the native core), and a
package whose models, bases and user types live in different modules.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from coodie.codemods import run, upgrade_source
from coodie.codemods.models import find_todos
from coodie.codemods.project import build, module_name
from coodie.cql import create_table
from coodie.document import table_schema
from coodie.usertype import create_type, type_schema
from tests.unit.sources import load_source

HEAD = (
    "from cassandra.cqlengine import columns\n"
    "from cassandra.cqlengine.models import Model\n"
    "from cassandra.cqlengine.usertype import UserType\n"
)

SOURCE = (
    HEAD
    + '''

class Address(UserType):
    """Where."""

    __type_name__ = "Addr"
    street = columns.Text()  # the street
    zipcode = columns.Integer(required=True)
    lines = columns.List(columns.Text)


class GeoPoint(UserType):
    lat = columns.Double()
    lon = columns.Double(db_field="lng")


class Person(Model):
    id = columns.UUID(primary_key=True)
    home = columns.UserDefinedType(Address)
    past = columns.List(columns.UserDefinedType(Address))
    spots = columns.Map(columns.Text, columns.UserDefinedType(GeoPoint))
    pair = columns.Tuple(columns.Integer, columns.UserDefinedType(GeoPoint))
'''
)

EXPECTED = '''from coodie.fields import DbName, PrimaryKey
from coodie.sync import Document, UserType
from pydantic import Field
from typing import Annotated, Optional
from uuid import UUID


class Address(UserType):
    """Where."""
    street: Optional[str] = None  # the street
    zipcode: int
    lines: list[str] = Field(default_factory=list)

    class Settings:
        name = "addr"


class GeoPoint(UserType):
    lat: Optional[float] = None
    lon: Annotated[Optional[float], DbName("lng")] = None


class Person(Document):
    id: Annotated[UUID, PrimaryKey()]
    home: Optional[Address] = None
    past: list[Address] = Field(default_factory=list)
    spots: dict[str, GeoPoint] = Field(default_factory=dict)
    pair: Optional[tuple[int, GeoPoint]] = None
'''


def test_user_types_and_their_columns_golden() -> None:
    out = upgrade_source(SOURCE)
    assert out == EXPECTED
    assert upgrade_source(out) == out  # idempotent


def test_user_types_alone_stay_when_models_of_the_module_use_them() -> None:
    out = upgrade_source(SOURCE, ["CU003"])
    # the models stay cqlengine's (CU002 did not run): so do the types they hold
    assert "class Person(Model):" in out and "street = columns.Text()" in out
    todos = find_todos(out)
    assert [t[1] for t in todos] == ["CU003", "CU003"]
    assert all("CU002 (models) was not run" in t[2] for t in todos)
    alone = upgrade_source(SOURCE.split("class Person")[0], ["CU003"])
    assert "class Address(UserType):" in alone and "street: Optional[str] = None" in alone
    assert "from cassandra.cqlengine.usertype import UserType" not in alone
    assert "from coodie.sync import UserType" in alone


def test_models_alone_leave_user_type_columns_with_a_todo() -> None:
    out = upgrade_source(SOURCE, ["CU002"])
    (todo,) = find_todos(out)
    assert todo[1] == "CU002" and "its user type Address stays a cqlengine UserType" in todo[2]
    assert "class Address(UserType):\n" in out and "street = columns.Text()" in out


def test_one_type_left_leaves_all_when_the_name_user_type_is_cqlengine_s() -> None:
    source = HEAD + (
        "\n\nclass A(UserType):\n    x = columns.Text()\n"
        "\n\nclass B(UserType):\n    y = MyColumn()\n"
    )
    out = upgrade_source(source)
    todos = find_todos(out)
    assert [t[1] for t in todos] == ["CU003", "CU003"]
    assert "both cannot be named UserType" in todos[0][2]
    assert "not a cqlengine column class" in todos[1][2]
    assert "x = columns.Text()" in out  # nothing converted
    assert upgrade_source(out) == out


def test_module_spelling_converts_each_type_on_its_own() -> None:
    source = (
        "from cassandra.cqlengine import columns, usertype\n\n\n"
        "class A(usertype.UserType):\n    x = columns.Text()\n\n\n"
        "class B(usertype.UserType):\n    y = MyColumn()\n"
    )
    out = upgrade_source(source)
    assert "class A(UserType):\n    x: Optional[str] = None" in out
    assert "from coodie.sync import UserType" in out
    assert [t[1] for t in find_todos(out)] == ["CU003"]
    assert "class B(usertype.UserType):" in out


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("    x = columns.Text(primary_key=True)\n", "primary_key= in a user type"),
        ("    __type_name__ = NAME\n    x = columns.Text()\n", "__type_name__ is not a string"),
    ],
)
def test_user_type_todos(body: str, why: str) -> None:
    out = upgrade_source(HEAD + "\n\nclass A(UserType):\n" + body)
    (todo,) = find_todos(out)
    assert todo[1] == "CU003" and why in todo[2]


def test_settings_name_when_cqlengine_names_the_type_otherwise() -> None:
    out = upgrade_source(HEAD + "\n\nclass HTTPHeader(UserType):\n    x = columns.Text()\n")
    assert 'class Settings:\n        name = "httpheader"' in out


def _load(source: str, name: str) -> types.ModuleType:
    return load_source(source, name)


def test_schema_equivalence_of_user_types_and_their_table() -> None:
    old = _load(upgrade_source(SOURCE, compat=True), "cu3_old")
    new = _load(upgrade_source(SOURCE), "cu3_new")
    for name in ("Address", "GeoPoint"):
        before = create_type(type_schema(getattr(old, name)._core), "ks")
        after = create_type(type_schema(getattr(new, name)), "ks")
        assert before == after, name
    before = create_table(table_schema(old.Person._document), "ks")
    assert before == create_table(table_schema(new.Person), "ks")
    assert "frozen<addr>" in before and "frozen<geo_point>" in before


# -- the first pass: bases, user types and models in other modules --------------------


def _package(root: Path) -> Path:
    pkg = root / "app"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "base.py").write_text(
        HEAD + "\n\nclass Base(Model):\n    __abstract__ = True\n    __keyspace__ = 'ks'\n"
        "    id = columns.UUID(primary_key=True)\n    created = columns.DateTime()\n"
        "\n\nclass Odd(Model):\n    id = columns.UUID(primary_key=True)\n    w = MyColumn()\n"
        "\n\nclass Address(UserType):\n    street = columns.Text()\n"
    )
    (pkg / "sub" / "things.py").write_text(
        "from cassandra.cqlengine import columns\n\n"
        "from ..base import Address, Base, Odd\n\n\n"
        "class Thing(Base):\n"
        "    name = columns.Text(primary_key=True, clustering_order='DESC')\n"
        "    where = columns.UserDefinedType(Address)\n\n\n"
        "class Worse(Odd):\n    other = columns.Text()\n"
    )
    (pkg / "views.py").write_text("from app.sub.things import Thing\n\nTHING = Thing\n")
    return pkg


def test_first_pass_reads_models_bases_and_types_across_modules(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    assert module_name(pkg / "sub" / "things.py") == "app.sub.things"
    files = [(str(p), p.read_bytes()) for p in sorted(pkg.rglob("*.py"))]
    project = build(files)
    assert project.kind("app.sub.things.Thing") == "model"
    assert project.kind("app.base.Address") == "usertype"
    assert [c.name for c in project.columns("app.sub.things.Thing")] == [
        "id",
        "created",
        "name",
        "where",
    ]
    assert project.options("app.sub.things.Thing")["__keyspace__"] == "'ks'"
    assert project.family("app.base.Odd") == {"app.base.Odd", "app.sub.things.Worse"}


def test_models_whose_base_is_in_another_module(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    result = run([tmp_path], ["CU001", "CU002", "CU003", "CU004"])
    assert not result.failed
    things = (pkg / "sub" / "things.py").read_text()
    assert "class Thing(Base):\n    name: Annotated[str, ClusteringKey(order='DESC')]" in things
    assert "where: Optional[Address] = None" in things
    base = (pkg / "base.py").read_text()
    assert "class Base(Document):" in base and "class Address(UserType):" in base
    todos = {(Path(p).name, rule): why for p, _line, rule, why in result.todos}
    assert "not a cqlengine column class" in todos[("base.py", "CU002")]
    # the subclass of a model left as cqlengine stays cqlengine too
    assert "its base app.base.Odd stays a cqlengine model" in todos[("things.py", "CU002")]
    assert "class Worse(Odd):\n    other = columns.Text()" in things
    # a second run changes nothing
    again = run([tmp_path], ["CU001", "CU002", "CU003", "CU004"], write=False)
    assert not again.changed


def test_a_failed_subclass_leaves_its_base_in_another_module(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    (pkg / "more.py").write_text(
        "from app.base import Base\nfrom cassandra.cqlengine import columns\n\n\n"
        "class Bad(Base):\n    x = MyColumn()\n"
    )
    result = run([tmp_path], ["CU001", "CU002", "CU003", "CU004"])
    base = (pkg / "base.py").read_text()
    assert "class Base(Model):" in base  # its family has a model left as cqlengine
    things = (pkg / "sub" / "things.py").read_text()
    assert "class Thing(Base):\n    name = columns.Text(" in things
    rules = sorted(Path(p).name for p, _l, _r, _w in result.todos)
    # Address stays too: Thing, left with its family, holds it
    assert rules == ["base.py", "base.py", "base.py", "more.py", "things.py", "things.py"]
    assert "app.more.Bad stays a cqlengine class: column x: MyColumn" in base


def test_converted_names_follow_every_import_form(tmp_path: Path) -> None:
    import libcst as cst
    from libcst.codemod import CodemodContext

    from coodie.codemods.project import PROJECT, converted_names

    pkg = _package(tmp_path)
    project = build([(str(p), p.read_bytes()) for p in sorted(pkg.rglob("*.py"))])
    project.failed.add("app.base.Odd")  # as the runner's first round finds
    source = (
        "import app.sub.things\nimport app.sub.things as t\nfrom app.sub import things\n"
        "from app.sub.things import Thing as T, Worse\nfrom .base import Address\n"
    )
    context = CodemodContext(
        filename=str(pkg / "user.py"), full_module_name="app.user", scratch={PROJECT: project}
    )
    found = converted_names(context, cst.parse_module(source))
    assert found == {
        "app.sub.things.Thing": "model",
        "t.Thing": "model",
        "things.Thing": "model",
        "T": "model",
        "Address": "usertype",
    }  # Worse stays cqlengine (its base Odd failed): not a converted name
