"""Wall time and client CPU per operation, measured around a workload's timed loop.

``t0 = start()`` before the loop, ``return t0.per(n)`` after it: a ``Sample`` of wall
seconds (``time.perf_counter``) and CPU seconds (``time.process_time``: every thread
of this process, so the driver's I/O thread too) per operation.  With the database
in the loop, CPU per operation is the steady figure on a shared machine: the time
spent waiting for the node (and for other processes on the same cores) is not in it.

``PROFILER``, when set (``python -m benchmarks.hotpaths``), is enabled between
``start()`` and ``per()``, so a profile covers exactly the timed loops.
"""

from __future__ import annotations

import cProfile
import time
from dataclasses import dataclass

PROFILER: cProfile.Profile | None = None


@dataclass(frozen=True, slots=True)
class Sample:
    """One repetition of one contender: values per operation over ``count`` operations.

    ``wall`` is seconds per operation (memory workload: traced bytes per instance);
    ``cpu`` is client CPU seconds per operation (``None`` where not measured).
    """

    wall: float
    cpu: float | None
    count: int


class Timer:
    """Started by ``start()``; ``per(n)`` stops it and divides by ``n`` operations."""

    __slots__ = ("cpu0", "wall0")

    def __init__(self) -> None:
        self.cpu0 = time.process_time()
        self.wall0 = time.perf_counter()
        if PROFILER is not None:
            PROFILER.enable()

    def per(self, n: int) -> Sample:
        if PROFILER is not None:
            PROFILER.disable()
        wall = time.perf_counter() - self.wall0
        cpu = time.process_time() - self.cpu0
        return Sample(wall / n, cpu / n, n)


def start() -> Timer:
    return Timer()


def memory(bytes_per_instance: float, count: int) -> Sample:
    """A memory measurement (no CPU figure)."""
    return Sample(bytes_per_instance, None, count)


__all__ = ["PROFILER", "Sample", "Timer", "memory", "start"]
