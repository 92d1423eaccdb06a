"""``--pin``: the client on one CPU, the node on another, for steadier CPU figures.

On a two-core machine that also runs the node, the client's CPU per operation moves
by about ±10% from run to run: the node's threads and the client's share both cores,
and each wake-up of the client finds its caches cold.  Pinned, the per-round ratios
between contenders stay within a few percent, so that a change of a few percent can
be seen.  Absolute figures are lower pinned (the client's caches stay warm), and the
ratios to the raw driver higher: compare like with like (both runs pinned, or none).

Only this process (its threads started from now on: call ``pin()`` before connecting)
and the threads of the node started by ``scripts/cassandra`` (its pid file) are moved;
``unpin()`` gives the node its CPUs back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

PIDFILE = Path(os.environ.get("COODIE_CASSANDRA_DIR", "/tmp/coodie-cassandra")) / "cassandra.pid"


def pin(client_cpu: int = 0, node_cpu: int = 1) -> tuple[str, Callable[[], None]]:
    """Pin; returns what was done (for the report) and the function that undoes it."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return "not pinned (needs Linux and two CPUs)", lambda: None
    os.sched_setaffinity(0, {client_cpu})
    node = _node_threads()
    before = {}
    for tid in node:
        try:
            before[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, {node_cpu})
        except OSError:  # a thread that ended meanwhile
            continue
    what = f"client on CPU {client_cpu}"
    what += f", node ({len(before)} threads) on CPU {node_cpu}" if before else ", node not found"

    def unpin() -> None:
        for tid, cpus in before.items():
            try:
                os.sched_setaffinity(tid, cpus)
            except OSError:
                continue

    return what, unpin


def _node_threads() -> list[int]:
    try:
        pid = int(PIDFILE.read_text().strip())
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except (OSError, ValueError):
        return []


__all__ = ["pin"]
