"""``--pin``: the client on one CPU, the node on another, for steadier CPU figures.

On a two-core machine that also runs the node, the client's CPU per operation moves
by about ±10% from run to run: the node's threads and the client's share both cores,
and each wake-up of the client finds its caches cold.  Pinned, the per-round ratios
between contenders stay within a few percent, so that a change of a few percent can
be seen.  Absolute figures are lower pinned (the client's caches stay warm), and the
ratios to the raw driver higher: compare like with like (both runs pinned, or none).

Only this process (its threads started from now on: call ``pin()`` before connecting)
and the node started by ``scripts/cassandra`` (its pid file, checked to be a Cassandra
process) are moved.  ``unpin()`` gives every thread of the node, those it started
meanwhile included, the CPUs the node had.
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
    pid = _node_pid()
    if pid is None:
        return f"client on CPU {client_cpu}; node not found ({PIDFILE}): not pinned", lambda: None
    original = os.sched_getaffinity(pid)
    moved = _set_threads(pid, {node_cpu})

    def unpin() -> None:
        _set_threads(pid, original)

    return f"client on CPU {client_cpu}, node ({moved} threads) on CPU {node_cpu}", unpin


def _node_pid() -> int | None:
    """The node's pid from the pid file, if that process is a Cassandra node."""
    try:
        pid = int(PIDFILE.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"CassandraDaemon" in command else None  # not a stale pid's process


def _set_threads(pid: int, cpus: set[int]) -> int:
    moved = 0
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:  # the node stopped meanwhile
        return 0
    for tid in threads:
        try:
            os.sched_setaffinity(int(tid), cpus)
            moved += 1
        except OSError:  # a thread that ended meanwhile
            continue
    return moved


__all__ = ["pin"]
