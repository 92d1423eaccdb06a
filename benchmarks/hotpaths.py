"""Profile a contender's hot paths with cProfile: ``python -m benchmarks.hotpaths``.

Runs the benchmark workloads themselves (``workloads.py``) for one contender
(``--contender``, default ``coodie``; ``compat`` for the cqlengine shim): for each
workload it prints the unprofiled median wall time and client CPU per operation of
the contender and of the ones it is compared with (``--compare``), then the
contender's top functions by cumulative and by own time as shares of the profiled
loops, and (``--focus``) the top functions whose file is under a path.  Only the
timed loops are profiled (``timing.PROFILER`` is enabled between ``start()`` and
``per()``), not the untimed setup.  Each profile is written to
``<out>/profile-<contender>-<workload>.prof`` (open with ``python -m pstats`` or
snakeviz) and the text to ``<out>/profile-<contender>.txt``.

The profiler's clock is the main thread's CPU time (``--timer thread``, the default:
waiting for the node or for the driver's I/O thread is not counted, so the shares
rank the client's own work) or wall time (``--timer wall``).  cProfile slows Python
code far more than the driver's compiled parts, so shares overstate Python code;
they rank hot spots, they do not measure them.  The driver's compiled (Cython)
parts show up as their caller's own time (``_start`` is mostly
``Session.execute_async``); only the main thread is profiled (for coodie.aio: the
event loop's thread).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
from pathlib import Path
from typing import Any

from . import timing
from .env import Env
from .report import HEADERS, fmt_value
from .timing import Sample
from .workloads import WORKLOADS, Case, Workload

RESULTS = Path(__file__).resolve().parent / "results"

# Operations per profiled run (and per unprofiled repetition), times --scale.
PROFILE_OPS = {
    "insert": 1000,
    "get": 1000,
    "update": 1000,
    "delete": 1000,
    "lwt": 200,
    "partition": 20,
    "index": 100,
    "batch": 10,
    "fanout": 5000,
    "hydrate": 50_000,
    "bind": 50_000,
    "validate": 50_000,
}
# cProfile's clock: the main thread's CPU time (default: time waiting for the node or
# for the driver's I/O thread is left out, so shares rank the client's own work), or
# wall time.
TIMERS = {"thread": time.thread_time, "wall": time.perf_counter}
FOCUS = {"compat": "coodie/compat/cqlengine", "coodie": "coodie", "coodie_aio": "coodie"}


def _label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name
    return f"{name} ({_short(path)}:{line})"


def _short(path: str) -> str:
    parts = Path(path).parts
    for anchor in ("coodie", "cassandra", "pydantic", "benchmarks"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return Path(path).name


def report(
    name: str,
    profile: cProfile.Profile,
    ops: int,
    top: int,
    focus: str | None = None,
    clock: str = "wall",
) -> str:
    stats = pstats.Stats(profile)
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values()) or 1e-12
    rows = [
        (ct / total, tt / total, nc / ops, _label(func), _short(func[0]))
        for func, (_, nc, tt, ct, _) in entries.items()
    ]
    out = [
        f"== {name}: {ops} ops, profiled loops {total:.3f}s {clock} "
        f"({total / ops * 1e6:.0f}µs/op under the profiler)"
    ]
    sections = [("by cumulative time", 0, rows), ("by own time", 1, rows)]
    if focus:
        mine = [r for r in rows if r[4].startswith(focus)]
        sections += [
            (f"in {focus}/ by cumulative time", 0, mine),
            (f"in {focus}/ by own time", 1, mine),
        ]
    for title, key, found in sections:
        out.append(f"   {title}")
        out.append("      cum%    own%  calls/op  function")
        for cum, own, calls, label, _ in sorted(found, key=lambda r: -r[key])[:top]:
            out.append(f"   {cum:7.1%} {own:7.1%} {calls:9.2f}  {label}")
    return "\n".join(out)


def _median(case: Case, n: int, reps: int) -> tuple[float, float]:
    samples: list[Sample] = [case(n) for _ in range(reps)]
    cpu = [s.cpu for s in samples if s.cpu is not None]
    return statistics.median(s.wall for s in samples), statistics.median(cpu) if cpu else 0.0


def profile_workload(
    env: Env,
    workload: Workload,
    contender: str,
    compare: list[str],
    *,
    ops: int,
    reps: int,
    top: int,
    focus: str | None,
    out: Path,
    timer: str = "thread",
) -> str | None:
    cases = workload.build(env, ops)
    if contender not in cases:
        return None
    names = [c for c in compare if c in cases and c != contender] + [contender]
    medians: dict[str, tuple[float, float]] = {}
    for name in names:
        cases[name](max(1, ops // 10))  # warm-up
        medians[name] = _median(cases[name], ops, reps)
    group = workload.group
    parts = [
        f"{HEADERS.get(n, n)} {fmt_value(w, group)} wall, {fmt_value(c, group)} CPU"
        for n, (w, c) in medians.items()
    ]
    mine_wall, mine_cpu = medians[contender]
    ratios = [
        f"{HEADERS[contender]}/{HEADERS.get(n, n)} {mine_wall / w:.2f} wall, {mine_cpu / c:.2f} CPU"
        for n, (w, c) in medians.items()
        if n != contender and w > 0 and c > 0
    ]
    head = f"{workload.name} ({workload.unit}, unprofiled medians of {reps}): " + "; ".join(parts)
    if ratios:
        head += "\n" + "  " + "; ".join(ratios)
    profile = cProfile.Profile(TIMERS[timer]) if timer != "wall" else cProfile.Profile()
    timing.PROFILER = profile
    try:
        sample = cases[contender](ops)
    finally:
        timing.PROFILER = None
    profile.dump_stats(str(out / f"profile-{contender}-{workload.name}.prof"))
    title = f"{HEADERS[contender]} {workload.name}"
    clock = "main-thread CPU" if timer == "thread" else "wall"
    return head + "\n" + report(title, profile, sample.count, top, focus, clock)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hotpaths",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--hosts", default=os.environ.get("COODIE_HOSTS", "127.0.0.1"))
    parser.add_argument(
        "--contender", default="coodie", choices=[c for c in HEADERS if c not in ("raw",)]
    )
    parser.add_argument(
        "--compare",
        default="raw,cqlengine,coodie",
        help="contenders whose unprofiled medians are shown next to it",
    )
    parser.add_argument(
        "--only",
        default="",
        help="workloads (default: every one the contender has, memory excepted): "
        + ",".join(PROFILE_OPS),
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the operations")
    parser.add_argument("--reps", type=int, default=3, help="unprofiled repetitions")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument(
        "--focus",
        default=None,
        help="also list the top functions under this path "
        "(default: coodie/compat/cqlengine for compat, coodie for coodie)",
    )
    parser.add_argument(
        "--timer",
        default="thread",
        choices=list(TIMERS),
        help="the profiler's clock: main-thread CPU (default) or wall time",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in only if n not in PROFILE_OPS]
    if unknown:
        raise SystemExit(
            f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(PROFILE_OPS)}"
        )
    workloads = [w for w in WORKLOADS if w.name in PROFILE_OPS and (not only or w.name in only)]
    compare = [c.strip() for c in args.compare.split(",") if c.strip()]
    focus = args.focus if args.focus is not None else FOCUS.get(args.contender)

    env = Env(args.hosts, quick=False)
    texts = []
    try:
        env.open()
        if args.contender == "compat" and env.compat_error:
            raise SystemExit(f"compat: {env.compat_error}")
        for workload in workloads:
            ops = max(1, round(PROFILE_OPS[workload.name] * args.scale))
            text = profile_workload(
                env,
                workload,
                args.contender,
                compare,
                ops=ops,
                reps=args.reps,
                top=args.top,
                focus=focus,
                out=args.out,
                timer=args.timer,
            )
            env.forget_cpu_data()
            if text is None:
                continue
            print(text + "\n", flush=True)
            texts.append(text)
    finally:
        env.close()
    (args.out / f"profile-{args.contender}.txt").write_text("\n\n".join(texts) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
