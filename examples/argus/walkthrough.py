"""Run every coodie snippet of docs/argus-walkthrough.md, verbatim, against a real node.

    python examples/argus/walkthrough.py            # uses 127.0.0.1, keyspace "argus"
    COODIE_HOSTS=10.0.0.5 python examples/argus/walkthrough.py --keyspace argus_demo

The snippets are read from the Markdown file itself (the ```python block after each
"**coodie:**" marker) and executed in order in one namespace, so what the document
shows is exactly what runs.  The script supplies only what the document leaves to
the reader: the keyspace, a few ids, the events to batch, and some test runs and
notifications for the reads to find.  ``--keyspace`` renames the document's
``"argus"`` keyspace so that a real Argus keyspace is never touched.
"""

from __future__ import annotations

import argparse
import os
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

WALKTHROUGH = Path(__file__).resolve().parents[2] / "docs" / "argus-walkthrough.md"
_BLOCK = re.compile(r"\*\*coodie:\*\*\s*```python\n(.*?)```", re.S)
_TITLE = re.compile(r"^#{2,3} (.+)$", re.M)


def snippets(path: Path = WALKTHROUGH) -> list[tuple[str, str]]:
    """(section title, code) for every coodie block, in document order."""
    text = path.read_text()
    out = []
    for match in _BLOCK.finditer(text):
        titles = _TITLE.findall(text[: match.start()])
        out.append((titles[-1].strip() if titles else "", match.group(1)))
    return out


def adapt(code: str, *, keyspace: str, hosts: list[str], front: str = "sync") -> str:
    """The only edits: keyspace name, contact points, and (for aio) the import."""
    code = code.replace('keyspace = "argus"', f'keyspace = "{keyspace}"')
    code = code.replace('keyspace="argus"', f'keyspace="{keyspace}"')
    code = code.replace('hosts=["127.0.0.1"]', f"hosts={hosts!r}")
    if front == "aio":
        code = code.replace("from coodie.sync import", "from coodie.aio import")
    return code


def inputs() -> dict[str, Any]:
    """The names the snippets use but do not define."""
    return {
        "user_id": uuid.uuid4(),
        "run_id": uuid.uuid4(),
        "release_id": uuid.uuid4(),
        "reviewer_id": uuid.uuid4(),
        "assignee_id": uuid.uuid4(),
        "events": [{"user": uuid.uuid4(), "body": f"status changed ({i})"} for i in range(5)],
        "time": time,
    }


def seed_runs(ns: dict[str, Any], count: int = 15) -> list[datetime]:
    """Test runs for the "latest runs" and "status update" snippets to read."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    starts = [now - timedelta(minutes=i) for i in range(count)]
    for start in starts:
        ns["ArgusTestRun"](build_id="nightly-x86", start_time=start).save()
    return starts


def seed_notifications(ns: dict[str, Any], count: int = 25) -> list[uuid.UUID]:
    ids = []
    for i in range(count):
        note = ns["ArgusNotification"](receiver=ns["user_id"], title=f"note {i}")
        note.save()
        ids.append(note.id)
    return ids


def run(keyspace: str, hosts: list[str], *, verbose: bool = True) -> dict[str, Any]:
    """Execute the walkthrough; returns the namespace (models, results, seeds)."""
    from coodie.sync import close_coodie, create_keyspace, init_coodie

    # The document assumes the keyspace exists; create it through a short-lived
    # connection, then let the document's own init_coodie() connect.
    init_coodie(hosts=hosts, name="walkthrough-setup")
    create_keyspace(keyspace, replication_factor=1, connection="walkthrough-setup")
    close_coodie("walkthrough-setup")

    ns: dict[str, Any] = {"__name__": "argus_walkthrough", **inputs()}
    for title, code in snippets():
        if verbose:
            print(f"-- {title}")
        if title.startswith("Query latest"):
            ns["seeded_runs"] = seed_runs(ns)
        if title.startswith("Notification feed"):
            ns["seeded_notifications"] = seed_notifications(ns)
        exec(
            compile(adapt(code, keyspace=keyspace, hosts=hosts), title, "exec", dont_inherit=True),
            ns,
        )
        if title.startswith("Connection"):
            ns["ArgusEvent"].sync_table()  # the document syncs four of the five tables
    return ns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keyspace", default="argus")
    parser.add_argument(
        "--hosts", default=os.environ.get("COODIE_HOSTS", "127.0.0.1"), help="host[,host...]"
    )
    args = parser.parse_args()
    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    ns = run(args.keyspace, hosts)

    user, runs, comment = ns["user"], ns["runs"], ns["comment"]
    print()
    print(f"user (written, then read back by get): {user.username} <{user.email}> {user.roles}")
    again = ns["ArgusUser"].get(id=ns["user_id"])
    print(f"  read back: id={again.id} registration_date={again.registration_date.isoformat()}")
    print(f"latest runs: {len(runs)} rows, newest first:")
    for r in runs[:3]:
        print(f"  {r.build_id} {r.start_time.isoformat()} status={r.status}")
    run_ = ns["ArgusTestRun"].get(build_id="nightly-x86", start_time=ns["run"].start_time)
    print(f"status update persisted: status={run_.status} heartbeat={run_.heartbeat}")
    events = ns["ArgusEvent"].find(run_id=ns["run_id"]).all()
    print(f"batch wrote {len(events)} events for run {ns['run_id']}")
    feed = ns["notifications"]
    print(f"notification feed: {len(feed)} newest first, first title {feed[0].title!r}")
    stored = ns["ArgusComment"].get(id=comment.id, posted_at=comment.posted_at)
    print(
        f"comment read back: {stored.message!r} mentions={len(stored.mentions)} "
        f"reactions={stored.reactions}"
    )


if __name__ == "__main__":
    main()
