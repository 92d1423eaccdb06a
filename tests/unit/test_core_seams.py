"""The core's seams (issue 6, part A): operations run without a database through
``drive()``, the blocking front is generated from the asyncio one, and the operator
vocabulary is one table that the code, the typed options and the docs agree on."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from cassandra.query import UNSET_VALUE
from pydantic import Field

import coodie.aio
import coodie.sync
from coodie import query, schema_sync, writes
from coodie.connection import Connection, register, unregister
from coodie.exceptions import InvalidQuery, LWTFailed
from coodie.execution import ForgetPrepared, Request, drive
from coodie.fields import ClusteringKey, PrimaryKey, Static
from coodie.operators import ASSIGNMENTS, FILTERS, WRITE_OPTIONS, options_of
from tests.unit.offline import stub_session

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = "unit_offline"


@pytest.fixture(autouse=True)
def offline() -> Iterator[None]:
    """A registered connection whose session is never used: ``drive()`` answers."""
    session = stub_session()
    register(Connection(session, "ks", name=OFFLINE))  # type: ignore[arg-type]
    yield
    unregister(OFFLINE)


class Team(coodie.sync.Document):
    org: Annotated[str, PrimaryKey()]
    member: Annotated[str, ClusteringKey()]
    owner: Annotated[str, Static()] = ""
    roles: list[str] = Field(default_factory=list)
    tags: set[str] = Field(default_factory=set)

    class Settings:
        connection = OFFLINE


def result(rows: list[tuple[Any, ...]], columns: list[str] | None = None) -> Any:
    return SimpleNamespace(current_rows=rows, paging_state=None, column_names=columns or [])


# -- drive(): operations without a database -------------------------------------------------------


def test_save_of_a_new_document_is_one_insert_of_the_set_columns() -> None:
    team = Team(org="o", member="m", roles=["a"])
    value, sent = drive(writes.save_op(team), [result([])])
    assert value is team and team.is_loaded
    [request] = sent
    assert request.cql == (
        'INSERT INTO "ks"."team" ("org", "member", "owner", "roles", "tags") VALUES (?, ?, ?, ?, ?)'
    )
    assert request.params[:4] == ["o", "m", "", ["a"]] and request.params[4] is UNSET_VALUE


def test_save_sends_collection_differences_and_statics_by_partition() -> None:
    loaded = writes.get_op(Team, {"org": "o", "member": "m"})
    team, _ = drive(loaded, [result([("o", "m", "x", ["a"], {"t", "u"})])])
    team.roles.append("b")
    team.tags.discard("t")
    _, [request] = drive(writes.save_op(team), [result([])])
    assert request.cql == (
        'UPDATE "ks"."team" SET "roles" = "roles" + ?, "tags" = "tags" - ? '
        'WHERE "org" = ? AND "member" = ?'
    )
    assert request.params == [["b"], {"t"}, "o", "m"]
    team.owner = "y"
    _, [request] = drive(writes.save_op(team), [result([])])
    assert request.cql == 'UPDATE "ks"."team" SET "owner" = ? WHERE "org" = ?'


def test_a_failed_write_leaves_the_document_as_it_was() -> None:
    team = Team(org="o", member="m")
    with pytest.raises(TimeoutError):
        drive(writes.save_op(team), [TimeoutError("node down")])
    assert not team.is_loaded


def test_a_conditional_update_reads_the_applied_flag() -> None:
    team, _ = drive(
        writes.get_op(Team, {"org": "o", "member": "m"}), [result([("o", "m", "", [], None)])]
    )
    with pytest.raises(LWTFailed, match="row does not exist"):
        drive(writes.update_op(team, {"owner": "z"}, {"if_exists": True}), [result([(False,)])])
    assert team.owner == ""


def test_schema_changes_forget_prepared_statements_through_a_request() -> None:
    _, sent = drive(schema_sync.drop_table_op(Team), [result([])])
    assert [type(r) for r in sent] == [Request, ForgetPrepared]


def test_drive_says_which_request_got_no_answer() -> None:
    with pytest.raises(AssertionError, match=r"sent request 1 \('SELECT"):
        drive(query.all_op(Team.find(org="o")))


def test_checks_fail_before_the_first_request() -> None:
    with pytest.raises(InvalidQuery, match="needs every primary key column"):
        drive(query.update_op(Team.find(org="o"), {"roles": ["a"]}))


# -- the fronts -----------------------------------------------------------------------------------


def test_the_blocking_front_is_generated_from_the_asyncio_one() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _public(module: Any) -> dict[str, Any]:
    return {n: getattr(module, n) for n in module.__all__}


def test_both_fronts_have_the_same_names_and_signatures() -> None:
    sync, aio = _public(coodie.sync), _public(coodie.aio)
    assert sync.keys() == aio.keys()
    for name, item in sync.items():
        twin = aio[name]
        members = (
            [(m, getattr(item, m), getattr(twin, m)) for m in vars(item) if not m.startswith("_")]
            if inspect.isclass(item)
            else [(name, item, twin)]
        )
        for member, blocking, awaited in members:
            if callable(blocking):
                assert str(inspect.signature(blocking)) == str(inspect.signature(awaited)), member


# -- one vocabulary -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "method"),
    [
        (writes.WriteOptions, "save"),
        (writes.DeleteOptions, "delete"),
        (writes.InsertOptions, "insert"),
    ],
)
def test_typed_options_are_the_vocabulary_table(typed: Any, method: str) -> None:
    assert set(typed.__annotations__) == options_of(method)


def test_update_and_queryset_options_are_the_vocabulary_table() -> None:
    assert options_of("update") == writes.UPDATE_OPTIONS
    for method in ("update", "delete"):
        params = set(inspect.signature(getattr(coodie.sync.QuerySet, method)).parameters)
        assert params - {"self", "values", "fields"} == options_of(f"QuerySet.{method}")


def test_the_docs_list_every_operator_and_option() -> None:
    queries = (ROOT / "docs" / "queries.md").read_text()
    crud = (ROOT / "docs" / "crud.md").read_text()
    for name in FILTERS:
        if name != "eq":
            assert re.search(rf"`[^`]*__{name}\b", queries), f"__{name} missing in queries.md"
    for name in ASSIGNMENTS:
        if name != "set":
            assert f"__{name}" in crud, f"__{name} missing in crud.md"
    for name in WRITE_OPTIONS:
        assert f"`{name}`" in crud, f"option {name} missing in crud.md"


def test_the_core_has_no_import_cycle() -> None:
    """Module-level imports between core modules form no cycle (a layer order exists);
    imports for type checking only or inside functions are not counted."""
    package = ROOT / "coodie"
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        deps: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                deps |= {n for n in names if (package / f"{n}.py").exists()}
        graph[path.stem] = deps
    order: list[str] = []
    while graph:
        ready = sorted(n for n, deps in graph.items() if deps <= set(order))
        assert ready, f"import cycle among {sorted(graph)}"
        order += ready
        for n in ready:
            del graph[n]


def test_a_timeout_of_inf_sends_none_and_none_sends_the_default() -> None:
    """``timeout=math.inf`` is "no client-side timeout" (the driver's ``None``);
    ``None`` leaves the session's default (no ``timeout`` keyword at all)."""
    import math

    from coodie.connection import Connection
    from coodie.execution import Request
    from tests.unit.offline import stub_session

    conn = Connection(stub_session())
    for timeout, expected in ((math.inf, {"timeout": None}), (2.5, {"timeout": 2.5}), (None, {})):
        _, _, kwargs = conn.statement(Request("SELECT 1", (), timeout=timeout), None)
        kwargs.pop("execution_profile", None)
        assert kwargs == expected
