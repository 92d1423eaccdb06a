"""The Argus walkthrough (docs/argus-walkthrough.md) against the real node.

``test_walkthrough_verbatim`` executes every coodie snippet of the document as
written (only the keyspace name and contact points are substituted) and checks what
each operation promises.  ``test_walkthrough_operations`` runs the same seven
operations through ``coodie.sync`` and ``coodie.aio`` from one test body, with the
document's models imported from the other front by changing only the import.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from coodie import connection as registry
from coodie.exceptions import DocumentNotFound
from coodie.sync import close_coodie, drop_keyspace
from examples.argus import walkthrough
from tests.conftest import cluster_hosts
from tests.integration.conftest import Api


def test_document_has_every_snippet() -> None:
    titles = [title for title, _ in walkthrough.snippets()]
    assert len(titles) == 12, titles
    assert titles[5].startswith("Connection") and titles[-1].startswith("Comment")


def test_walkthrough_verbatim(keyspace: str) -> None:
    ks = f"{keyspace}_argus"
    saved = registry._connections.pop(registry.DEFAULT)
    try:
        ns = walkthrough.run(ks, cluster_hosts(), verbose=False)
        User, TestRun = ns["ArgusUser"], ns["ArgusTestRun"]

        # Get-or-create: the first run created the user; running the snippet again
        # finds the same user instead of creating another.
        first = ns["user"]
        assert User.get(id=ns["user_id"]) == first
        snippet = dict(walkthrough.snippets())["Get-or-create user"]
        exec(walkthrough.adapt(snippet, keyspace=ks, hosts=cluster_hosts()), ns)
        assert ns["user"] == first
        assert User.find(id=ns["user_id"]).count() == 1
        assert first.roles == ["ROLE_USER"] and first.email == "alice@example.com"

        # Latest runs: at most 10, newest first (DESC clustering).
        runs = ns["runs"]
        newest = sorted(ns["seeded_runs"], reverse=True)[:10]
        assert [r.start_time for r in runs] == newest
        assert all(r.build_id == "nightly-x86" for r in runs)

        # Status update persisted to the newest run, and only to it.
        stored = TestRun.get(build_id="nightly-x86", start_time=newest[0])
        assert stored.status == "running"
        assert abs(stored.heartbeat - time.time()) < 120
        assert TestRun.get(build_id="nightly-x86", start_time=newest[1]).status == "created"

        # The batch wrote every event.
        events = ns["ArgusEvent"].find(run_id=ns["run_id"]).all()
        assert sorted(e.body for e in events) == sorted(e["body"] for e in ns["events"])
        assert {e.kind for e in events} == {"STATUS_CHANGE"}

        # Notification feed: 20 of the 25, newest (highest TimeUUID) first.
        feed = ns["notifications"]
        assert len(feed) == 20
        assert [n.id for n in feed] == sorted(
            ns["seeded_notifications"], key=lambda u: u.time, reverse=True
        )[:20]

        # The comment's list and map round-trip.
        comment = ns["comment"]
        back = ns["ArgusComment"].get(id=comment.id, posted_at=comment.posted_at)
        assert back.mentions == [ns["reviewer_id"], ns["assignee_id"]]
        assert back.reactions == {"+1": 3, "eyes": 1}
        assert back == comment
    finally:
        close_coodie()
        registry.register(saved)
        drop_keyspace(ks)


def _models(api: Api, keyspace: str) -> dict[str, Any]:
    """The document's five models, imported from ``api``'s front, in ``keyspace``."""
    ns: dict[str, Any] = {"__name__": f"argus_models_{api.name}"}
    for title, code in walkthrough.snippets()[:5]:
        source = walkthrough.adapt(code, keyspace=keyspace, hosts=[], front=api.name)
        exec(compile(source, title, "exec", dont_inherit=True), ns)
    return ns


async def test_walkthrough_operations(api: Api, keyspace: str) -> None:
    ns = _models(api, keyspace)
    User, TestRun, Notification = ns["ArgusUser"], ns["ArgusTestRun"], ns["ArgusNotification"]
    Event, Comment = ns["ArgusEvent"], ns["ArgusComment"]
    assert issubclass(User, api.Document)
    for model in (User, TestRun, Notification, Event, Comment):
        await api.wait(model.sync_table())

    # Get-or-create, twice.
    user_id = uuid.uuid4()
    created = []
    for _ in range(2):
        try:
            user = await api.wait(User.get(id=user_id))
        except DocumentNotFound:
            user = User(id=user_id, username="alice", email="a@example.com", roles=["ROLE_USER"])
            await api.wait(user.save())
            created.append(user)
    assert len(created) == 1
    assert user == created[0]
    assert user.registration_date.tzinfo is timezone.utc

    # Latest runs: newest 10 of 15, DESC clustering.
    build = f"build-{api.name}-{uuid.uuid4().hex[:6]}"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    starts = [now - timedelta(minutes=i) for i in range(15)]
    for start in starts:
        await api.wait(TestRun(build_id=build, start_time=start).save())
    runs = await api.wait(TestRun.find(build_id=build).limit(10).all())
    assert [r.start_time for r in runs] == starts[:10]

    # Status update (read-modify-write through update()).
    run = (await api.wait(TestRun.find(build_id=build).limit(1).all()))[0]
    await api.wait(run.update(status="running", heartbeat=int(time.time())))
    stored = await api.wait(TestRun.get(build_id=build, start_time=starts[0]))
    assert (stored.status, stored.heartbeat) == ("running", run.heartbeat)
    assert stored.id == run.id  # unchanged columns were not touched

    # Batch of events.
    run_id, release_id = uuid.uuid4(), uuid.uuid4()
    bodies = [f"event {i}" for i in range(7)]
    batch = api.BatchQuery()
    if api.name == "aio":
        async with batch:
            for body in bodies:
                await Event(release_id=release_id, run_id=run_id, body=body).save(batch=batch)
            assert await api.collect(Event.find(run_id=run_id)) == []  # nothing sent yet
    else:
        with batch:
            for body in bodies:
                Event(release_id=release_id, run_id=run_id, body=body).save(batch=batch)
            assert Event.find(run_id=run_id).all() == []
    events = await api.collect(Event.find(run_id=run_id))
    assert sorted(e.body for e in events) == bodies

    # Notification feed, newest first.
    receiver = uuid.uuid4()
    ids = []
    for i in range(25):
        note = Notification(receiver=receiver, title=f"n{i}")
        await api.wait(note.save())
        ids.append(note.id)
    feed = await api.wait(Notification.find(receiver=receiver).limit(20).all())
    assert [n.id for n in feed] == list(reversed(ids))[:20]

    # Comment with collections.
    mentions = [uuid.uuid4(), uuid.uuid4()]
    comment = Comment(
        test_run_id=run_id,
        user_id=user_id,
        posted_at=int(time.time() * 1000),
        message="Investigating flaky test.",
        mentions=mentions,
        reactions={"+1": 3, "eyes": 1},
    )
    await api.wait(comment.save())
    back = await api.wait(Comment.get(id=comment.id, posted_at=comment.posted_at))
    assert back.mentions == mentions and back.reactions == {"+1": 3, "eyes": 1}


@pytest.mark.parametrize("front", ["sync", "aio"])
def test_models_differ_only_by_import(front: str) -> None:
    code = walkthrough.snippets()[0][1]
    adapted = walkthrough.adapt(code, keyspace="argus", hosts=[], front=front)
    changed = [
        (a, b) for a, b in zip(code.splitlines(), adapted.splitlines(), strict=True) if a != b
    ]
    if front == "sync":
        assert changed == []
    else:
        assert changed == [("from coodie.sync import Document", "from coodie.aio import Document")]
