"""The cqlengine side of the Argus walkthrough (docs/argus-walkthrough.md, from the
seed's argus-walkthrough.md), run as written through real cqlengine and through the
shim, with only the imports changed, and equal outcomes asserted.

The document's cqlengine blocks are read from the page itself: five models, then
seven operations (connection and tables, get-or-create, latest runs, status update,
batch of events, notification feed, comment). The test supplies what the page leaves
to the reader: the keyspace (created beforehand, as the page says both mappers need),
the ids and events the operations use, a fixed clock (``time``), and the test runs
and notifications the reads find. Values the models generate themselves (``uuid4``
ids, ``datetime.now`` defaults) differ between two runs; they are compared by type
(and by whether a datetime is aware), everything else by value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from coodie import connection as registry
from tests.conftest import cluster_hosts
from tests.integration.cqlengine_pair import (
    ENGINES,
    engine_keyspace,
    error_kind,
    fixed_timeuuid,
    fixed_uuid,
    load,
    norm,
    schema_snapshot,
    table_rows,
)

WALKTHROUGH = Path(__file__).resolve().parents[2] / "docs" / "argus-walkthrough.md"
_BLOCK = re.compile(r"\*\*cqlengine:\*\*\s*(?:<!--.*?-->\s*)?```python\n(.*?)```", re.S)
_TITLE = re.compile(r"^#{2,3} (.+)$", re.M)

MODELS = ("ArgusUser", "ArgusTestRun", "ArgusNotification", "ArgusEvent", "ArgusComment")
TABLES = ("argus_user", "argus_test_run", "argus_notification", "argus_event", "argus_comment")

# What each model generates itself (uuid4 ids, datetime.now defaults), per column.
GENERATED = {"registration_date", "created_at"}
GENERATED_IDS = {"ArgusEvent", "ArgusComment", "argus_event", "argus_comment"}

T0 = dt.datetime(2024, 6, 10, 8, 0, 0)
NOW = 1718000000.25  # the reader's clock, for time.time()
U = fixed_uuid


def snippets(path: Path = WALKTHROUGH) -> list[tuple[str, str]]:
    """(section title, code) for every cqlengine block, in document order."""
    text = path.read_text()
    out = []
    for match in _BLOCK.finditer(text):
        titles = _TITLE.findall(text[: match.start()])
        out.append((titles[-1].strip() if titles else "", match.group(1)))
    return out


def adapt(code: str, *, engine: str, keyspace: str, hosts: list[str]) -> str:
    """The keyspace and contact points, and for the shim the import root: nothing else."""
    code = code.replace('__keyspace__ = "argus"', f'__keyspace__ = "{keyspace}"')
    contact = "[" + ", ".join(f'"{h}"' for h in hosts) + "]"
    code = code.replace(
        'connection.setup(["127.0.0.1"], "argus"', f'connection.setup({contact}, "{keyspace}"'
    )
    if engine == "shim":
        code = code.replace("from cassandra.cqlengine", "from coodie.compat.cqlengine")
    return code


def inputs() -> dict[str, Any]:
    """The names the operations use but do not define (the same for both engines)."""
    return {
        "user_id": U(1),
        "run_id": U(2),
        "release_id": U(3),
        "reviewer_id": U(4),
        "assignee_id": U(5),
        "events": [{"user": U(10 + i), "body": f"status changed ({i})"} for i in range(5)],
        "time": SimpleNamespace(time=lambda: NOW),
    }


def masked(value: Any, owner: str = "") -> Any:
    """``norm`` output with the generated values replaced by their kind."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "model":
        return ("model", value[1], _mask_fields(value[2], value[1]))
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "udt":
        return ("udt", _mask_fields(value[1], owner))
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list):
        return (value[0], [masked(v, owner) for v in value[1]])
    return value


def _mask_fields(fields: dict[str, Any], owner: str) -> dict[str, Any]:
    out = {}
    for key, value in fields.items():
        if key in GENERATED or (key == "id" and owner in GENERATED_IDS):
            kind = value[0] if value else None
            if kind == "datetime":
                kind += "+tz" if "+" in value[1] else " naive"
            out[key] = ("generated", kind)
        else:
            out[key] = value
    return out


@contextmanager
def default_connection_restored() -> Iterator[None]:
    """``connection.setup()`` makes a default connection: cqlengine's own, and for the
    shim coodie's too. Keep the suite's coodie default aside meanwhile, then drop the
    walkthrough's defaults and put the suite's back."""
    saved = registry._connections.pop(registry.DEFAULT, None)
    try:
        yield
    finally:
        for engine in ENGINES:
            cq = load(engine)
            with suppress(Exception):  # this engine made no default connection
                cq.connection.unregister_connection("default")
            cq.models.DEFAULT_KEYSPACE = None
        registry._connections.pop(registry.DEFAULT, None)
        if saved is not None:
            registry.register(saved, default=True)


def run_walkthrough(engine: str, keyspace: str, session: Any) -> dict[str, Any]:
    """Every cqlengine snippet of the page, in order, through ``engine``; what the
    application observes after each operation."""
    cq = load(engine)
    ns: dict[str, Any] = {"__name__": f"argus_walkthrough_{engine}", **inputs()}
    seen: dict[str, Any] = {}

    def step(title: str, code: str) -> None:
        source = adapt(code, engine=engine, keyspace=keyspace, hosts=cluster_hosts())
        try:
            exec(compile(source, title, "exec", dont_inherit=True), ns)
        except Exception as exc:
            seen[f"{title}: raised"] = error_kind(exc, cq, ns.get("ArgusUser"))

    blocks = snippets()
    for title, code in blocks[:5]:
        step(title, code)
    seen["models"] = sorted(k for k in ns if k.startswith("Argus"))
    User, TestRun = ns["ArgusUser"], ns["ArgusTestRun"]
    Notification, Event, Comment = ns["ArgusNotification"], ns["ArgusEvent"], ns["ArgusComment"]

    ops = dict(blocks[5:])
    step("Connection and table setup", ops["Connection and table setup"])

    # Get-or-create, twice: the second run finds the user the first one created.
    step("Get-or-create user", ops["Get-or-create user"])
    first = ns.get("user")
    step("Get-or-create user", ops["Get-or-create user"])
    again = ns.get("user")
    seen["get-or-create: first"] = masked(norm(first))
    seen["get-or-create: again"] = masked(norm(again))
    seen["get-or-create: equal"] = first == again
    seen["get-or-create: users"] = User.objects.count()

    # Latest runs: the 10 newest of 15, newest first (DESC clustering).
    for i in range(15):
        TestRun.create(
            build_id="nightly-x86", start_time=T0 - dt.timedelta(minutes=i), id=U(100 + i)
        )
    step(
        "Query latest test runs (partition + limit)",
        ops["Query latest test runs (partition + limit)"],
    )
    seen["latest runs"] = norm(ns.get("runs"))

    # Status update of the newest run (read-modify-save).
    step("Status update (read-modify-save)", ops["Status update (read-modify-save)"])
    seen["status update: run"] = norm(ns.get("run"))
    seen["status update: stored"] = norm(
        [
            TestRun.get(build_id="nightly-x86", start_time=T0 - dt.timedelta(minutes=i))
            for i in (0, 1)
        ]
    )

    # A batch of events.
    step("Batch event creation", ops["Batch event creation"])
    events = sorted(Event.objects.filter(run_id=ns["run_id"]), key=lambda e: e.body)
    seen["batch: events"] = masked(norm(events))

    # The notification feed: 20 of 25, newest (highest time uuid) first.
    for i in range(25):
        Notification.create(
            receiver=ns["user_id"],
            id=fixed_timeuuid(T0 + dt.timedelta(seconds=i), i),
            title=f"note {i}",
        )
    step(
        "Notification feed (time-ordered partition read)",
        ops["Notification feed (time-ordered partition read)"],
    )
    seen["feed"] = norm(ns.get("notifications"))

    # A comment with a list and a map.
    step("Comment with collections", ops["Comment with collections"])
    comment = Comment.objects.filter(test_run_id=ns["run_id"]).first()
    seen["comment"] = masked(norm(comment))
    if comment is not None:
        back = Comment.get(id=comment.id, posted_at=comment.posted_at)
        seen["comment: read by key"] = masked(norm(back))

    seen["rows"] = {
        table: sorted((masked(r, table) for r in table_rows(session, keyspace, table)), key=repr)
        for table in TABLES
    }
    return seen


@pytest.fixture(scope="module")
def walkthrough(keyspace: str, connection: Any) -> Iterator[dict[str, Any]]:
    """Both engines' observations and schemas (each in its own keyspace, dropped after)."""
    out: dict[str, Any] = {}
    session = connection.session
    for engine in ENGINES:
        ks = f"{keyspace}_argus_{engine}"
        with (
            engine_keyspace(engine, ks, f"argus_setup_{engine}"),
            default_connection_restored(),
        ):
            seen = run_walkthrough(engine, ks, session)
            out[engine] = {"seen": seen, "schema": schema_snapshot(session, ks)}
    yield out


def test_the_page_has_five_models_and_seven_operations() -> None:
    titles = [title for title, _ in snippets()]
    assert len(titles) == 12, titles
    assert titles[0].startswith("User") and titles[5] == "Connection and table setup"
    assert titles[-1] == "Comment with collections"


@pytest.mark.parametrize("index", range(12))
def test_the_shim_needs_only_the_imports_changed(index: int) -> None:
    _, code = snippets()[index]
    ref = adapt(code, engine="ref", keyspace="argus", hosts=["127.0.0.1"])
    shim = adapt(code, engine="shim", keyspace="argus", hosts=["127.0.0.1"])
    assert ref == code
    changed = [(a, b) for a, b in zip(ref.splitlines(), shim.splitlines(), strict=True) if a != b]
    assert all(a.startswith("from cassandra.cqlengine") for a, _ in changed), changed
    assert [b for _, b in changed] == [
        a.replace("from cassandra.cqlengine", "from coodie.compat.cqlengine") for a, _ in changed
    ]


def test_both_engines_create_the_same_tables(walkthrough: dict[str, Any]) -> None:
    ref, shim = walkthrough["ref"]["schema"], walkthrough["shim"]["schema"]
    assert {t[0] for t in ref["tables"]} == set(TABLES)
    for part in ("tables", "columns", "indexes", "types"):
        assert shim[part] == ref[part], part


@pytest.mark.parametrize(
    "observation",
    [
        "models",
        "get-or-create: first",
        "get-or-create: again",
        "get-or-create: equal",
        "get-or-create: users",
        "latest runs",
        "status update: run",
        "status update: stored",
        "batch: events",
        "feed",
        "comment",
        "comment: read by key",
    ],
)
def test_both_engines_observe_the_same(walkthrough: dict[str, Any], observation: str) -> None:
    ref, shim = walkthrough["ref"]["seen"], walkthrough["shim"]["seen"]
    raised = {k: v for k, v in ref.items() if k.endswith(": raised")}
    assert raised == {}, "the page's cqlengine code fails on cqlengine itself"
    assert {k: v for k, v in shim.items() if k.endswith(": raised")} == {}
    assert shim[observation] == ref[observation]


@pytest.mark.parametrize("table", TABLES)
def test_both_engines_write_the_same_rows(walkthrough: dict[str, Any], table: str) -> None:
    ref, shim = walkthrough["ref"]["seen"]["rows"], walkthrough["shim"]["seen"]["rows"]
    assert ref[table]
    assert shim[table] == ref[table]


def test_the_walkthrough_reads_what_the_page_promises(walkthrough: dict[str, Any]) -> None:
    """On cqlengine itself: the numbers the page's operations stand for."""
    seen = walkthrough["ref"]["seen"]
    assert seen["get-or-create: users"] == 1
    runs = seen["latest runs"][1]
    assert len(runs) == 10
    assert [r[2]["start_time"] for r in runs] == [
        ("datetime", (T0 - dt.timedelta(minutes=i)).isoformat()) for i in range(10)
    ]
    stored = seen["status update: stored"][1]
    assert stored[0][2]["status"] == ("str", "running")
    assert stored[0][2]["heartbeat"] == ("int", int(NOW))
    assert stored[1][2]["status"] == ("str", "created")
    assert len(seen["batch: events"][1]) == 5
    assert len(seen["feed"][1]) == 20
