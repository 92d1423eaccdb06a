"""``python -m benchmarks``: run the workloads, print one table, save JSON (and a PNG)."""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import signal
import sys
import time
import traceback
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .env import Env
from .pinning import pin
from .report import Result, notes, tables, to_json, write_chart, write_json
from .workloads import CONTENDERS, EXTRAS, WORKLOADS, Workload

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = ", ".join(w.name for w in WORKLOADS)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="coodie vs the raw driver, cqlengine and the compat shim, on one node.",
        epilog=f"workloads: {names}",
    )
    parser.add_argument("--quick", action="store_true", help="few iterations: a smoke run")
    parser.add_argument("--only", default="", metavar="NAME[,NAME]", help="run these workloads")
    parser.add_argument(
        "--hosts",
        default=os.environ.get("COODIE_HOSTS", "127.0.0.1"),
        help="contact points, host[:port][,host...] (default: $COODIE_HOSTS or 127.0.0.1)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where JSON/PNG/text go")
    parser.add_argument("--reps", type=int, default=None, help="override repetitions")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="run the client on CPU 0 and the node (scripts/cassandra) on CPU 1: steadier "
        "CPU figures; compare only with other pinned runs (see benchmarks/pinning.py)",
    )
    return parser.parse_args(argv)


def select(only: str) -> list[Workload]:
    if not only:
        return list(WORKLOADS)
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    known = {w.name: w for w in WORKLOADS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [w for w in WORKLOADS if w.name in wanted]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def run_workload(env: Env, workload: Workload, *, quick: bool, reps: int | None) -> Result:
    ops, default_reps = workload.quick if quick else workload.full
    reps = reps or default_reps
    if workload.group == "memory":
        reps = 1
    result = Result(workload, ops, reps)
    started = time.perf_counter()
    try:
        cases = workload.build(env, ops)
    except Exception as exc:  # report it, keep running the other workloads
        log(f"  {workload.name}: setup failed:\n{traceback.format_exc()}")
        result.errors["setup"] = _error(exc)
        return result
    names = [c for c in (*CONTENDERS, *EXTRAS) if c in cases]
    # Warm-up: prepares statements, fills caches, lets the JIT-less interpreter settle.
    warm = 100 if workload.group == "memory" else max(1, ops // 10)
    for name in names:
        try:
            cases[name](warm)
        except Exception as exc:
            log(f"  {workload.name}/{name}: {traceback.format_exc()}")
            result.errors[name] = _error(exc)
    live = [n for n in names if n not in result.errors]
    for rep in range(reps):
        # Rotate the order each repetition so no contender always runs first or last.
        shift = rep % max(1, len(live))
        for name in live[shift:] + live[:shift]:
            if name in result.errors:
                continue
            gc.collect()
            try:
                value = cases[name](ops)
            except Exception as exc:
                log(f"  {workload.name}/{name}: {traceback.format_exc()}")
                result.errors[name] = _error(exc)
                result.samples.pop(name, None)
                continue
            result.samples.setdefault(name, []).append(value)
    result.wall = time.perf_counter() - started
    env.forget_cpu_data()  # big CPU inputs would slow the next workload's garbage collector
    return result


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def meta(
    args: argparse.Namespace, env: Env, started: datetime, pinned: str = "no"
) -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
        "quick": args.quick,
        "hosts": args.hosts,
        "keyspace": env.keyspace,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "coodie": version("coodie"),
        "scylla-driver": version("scylla-driver"),
        "pydantic": version("pydantic"),
        "compat": env.compat_error or "available",
        "pinned": pinned,
        "udt": "no UDT column yet (coodie has no UDT support yet)",
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workloads = select(args.only)
    started = datetime.now(timezone.utc)
    env = Env(args.hosts, quick=args.quick)
    log(
        f"benchmarks: hosts {args.hosts}, keyspace {env.keyspace}, "
        f"{'quick' if args.quick else 'full'} run of {', '.join(w.name for w in workloads)}"
    )
    results: list[Result] = []
    unpin: Any = None
    pinned = "no"
    if args.pin:  # before connecting: the driver's threads inherit the client's CPU
        pinned, unpin = pin()
        log(f"  pinned: {pinned}")
    # Stopped by SIGTERM (timeout, CI): leave through the finally below (the keyspace
    # dropped, the node's CPUs given back), as on Ctrl-C.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        env.open()
        if env.compat_error:
            log(f"  compat: {env.compat_error}")
        for workload in workloads:
            log(f"  {workload.name} ...")
            result = run_workload(env, workload, quick=args.quick, reps=args.reps)
            log(f"  {workload.name}: {result.wall:.1f}s")
            results.append(result)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut cleanup
        try:
            env.close()
        except Exception:
            log(f"cleanup failed (keyspace {env.keyspace}):\n{traceback.format_exc()}")
        finally:
            if unpin is not None:
                unpin()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    text = tables(results, env.compat_error) + "\n\n" + notes(results, env.compat_error)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    data = to_json(results, meta(args, env, started, pinned))
    for name in (f"bench-{stamp}", "latest"):
        write_json(args.out / f"{name}.json", data)
        (args.out / f"{name}.txt").write_text(text + "\n")
    written = [str(args.out / f"bench-{stamp}.json")]
    if write_chart(args.out / f"bench-{stamp}.png", results):
        shutil.copyfile(args.out / f"bench-{stamp}.png", args.out / "latest.png")
        written.append(str(args.out / f"bench-{stamp}.png"))
    else:
        written.append("no chart (matplotlib not importable)")
    print("\nwritten: " + "; ".join(written))
    return (
        1
        if any("setup" in r.errors for r in results) and not any(r.samples for r in results)
        else 0
    )


__all__ = ["main"]
