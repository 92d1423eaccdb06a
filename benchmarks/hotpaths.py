"""Profile coodie's hot paths with cProfile: ``python -m benchmarks.hotpaths``.

For get-by-key, single insert (``save()``), the 1,000-row partition read, the
coodie.aio fan-out (the event loop's thread) and hydration (no database) it prints
the median time per operation of raw and coodie (unprofiled), then coodie's top
functions by cumulative and by own time, as shares of the profiled loop, and writes
``<out>/profile-<name>.prof`` (open with ``python -m pstats`` or snakeviz).

cProfile slows Python code far more than the driver's compiled parts, so shares
overstate coodie's own code; they rank hot spots, they do not measure them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .env import Env
from .models import NAMES, SyncRun, driver_rows, keys, new_rows, params
from .workloads import PARTITION_ROWS, _key_filter, build_fanout, coodie_hydrator

RESULTS = Path(__file__).resolve().parent / "results"


def _median_per_op(fn: Callable[[int], None], n: int, reps: int = 5) -> float:
    fn(max(1, n // 10))
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def _label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name
    parts = Path(path).parts
    for anchor in ("coodie", "cassandra", "pydantic", "benchmarks"):
        if anchor in parts:
            path = "/".join(parts[parts.index(anchor) :])
            break
    else:
        path = Path(path).name
    return f"{name} ({path}:{line})"


def report(name: str, profile: cProfile.Profile, root: str, ops: int, top: int) -> str:
    stats = pstats.Stats(profile)
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = next(
        (ct for (_, _, fname), (_, _, _, ct, _) in entries.items() if fname == root), None
    ) or max(ct for (_, _, _, ct, _) in entries.values())
    rows = [
        (ct / total, tt / total, nc / ops, _label(func))
        for func, (_, nc, tt, ct, _) in entries.items()
        if func[2] != root
    ]
    out = [f"== {name}: {ops} ops, profiled loop {total:.3f}s ({total / ops * 1e6:.0f}µs/op)"]
    out.append("   by cumulative time          cum%   own%  calls/op  function")
    for cum, own, calls, label in sorted(rows, key=lambda r: -r[0])[:top]:
        out.append(f"{'':30}{cum:6.1%} {own:6.1%} {calls:9.1f}  {label}")
    out.append("   by own time")
    for cum, own, calls, label in sorted(rows, key=lambda r: -r[1])[:top]:
        out.append(f"{'':30}{cum:6.1%} {own:6.1%} {calls:9.1f}  {label}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotpaths", description=__doc__)
    parser.add_argument("--hosts", default=os.environ.get("COODIE_HOSTS", "127.0.0.1"))
    parser.add_argument("--n", type=int, default=2000, help="gets and inserts per profile")
    parser.add_argument("--reads", type=int, default=40, help="partition reads per profile")
    parser.add_argument("--fanout", type=int, default=5000, help="inserts per fan-out")
    parser.add_argument("--rows", type=int, default=50_000, help="rows per hydration")
    parser.add_argument("--only", default="", help="get,insert,partition,fanout,hydrate")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    env = Env(args.hosts, quick=False)
    try:
        env.open()
        seeded = env.seeded("get", args.n)
        env.seeded("partition", PARTITION_ROWS, shards=1)
        wanted = [_key_filter(r) for r in seeded]
        raw_keys = [keys(r) for r in seeded]
        execute = env.raw.execute

        def raw_get(n: int) -> None:
            for key in raw_keys[:n]:
                dict(zip(NAMES, execute(env.ps.get, key).one(), strict=True))

        def coodie_get(n: int) -> None:
            for key in wanted[:n]:
                SyncRun.get(**key)

        def raw_insert(n: int) -> None:
            for row in new_rows("hot-raw", n):
                execute(env.ps.insert, params(row))

        def coodie_insert(n: int) -> None:
            rows = new_rows("hot-coodie", n)
            for row in rows:
                SyncRun(**row).save()

        def raw_partition(n: int) -> None:
            for _ in range(n):
                rows = execute(env.ps.partition, ("seed-partition", 0))
                [dict(zip(NAMES, r, strict=False)) for r in rows]

        def coodie_partition(n: int) -> None:
            for _ in range(n):
                SyncRun.find(build_id="seed-partition", shard=0).all()

        fanout = build_fanout(env, args.fanout)
        rows = driver_rows(args.rows)
        hydrator = coodie_hydrator()

        def raw_fanout(n: int) -> None:
            fanout["raw"](n)

        def coodie_fanout(n: int) -> None:
            fanout["coodie_aio"](n)

        def raw_hydrate(n: int) -> None:
            [dict(zip(NAMES, r, strict=False)) for r in rows[:n]]

        def coodie_hydrate(n: int) -> None:
            hydrator.many(rows[:n])

        cases = [
            ("get", raw_get, coodie_get, args.n),
            ("insert", raw_insert, coodie_insert, args.n),
            ("partition", raw_partition, coodie_partition, args.reads),
            ("fanout", raw_fanout, coodie_fanout, args.fanout),
            ("hydrate", raw_hydrate, coodie_hydrate, args.rows),
        ]
        only = {n.strip() for n in args.only.split(",") if n.strip()}
        texts = []
        for name, raw_fn, coodie_fn, n in cases:
            if only and name not in only:
                continue
            small = max(1, n // 4)
            raw_t = _median_per_op(raw_fn, small)
            coodie_t = _median_per_op(coodie_fn, small)
            profile = cProfile.Profile()
            profile.runcall(coodie_fn, n)
            profile.dump_stats(str(args.out / f"profile-{name}.prof"))
            head = (
                f"{name}: raw {raw_t * 1e6:.0f}µs/op, coodie {coodie_t * 1e6:.0f}µs/op, "
                f"coodie/raw {coodie_t / raw_t:.2f} (unprofiled medians)"
            )
            text = head + "\n" + report(name, profile, coodie_fn.__name__, n, args.top)
            print(text + "\n", flush=True)
            texts.append(text)
        (args.out / "profile.txt").write_text("\n\n".join(texts) + "\n")
    finally:
        env.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
