"""Medians, ratios, the bars of PERFORMANCE.md, and the table / JSON / PNG outputs."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .timing import Sample
from .workloads import CONTENDERS, Workload

HEADERS = {
    "raw": "raw",
    "cqlengine": "cqlengine",
    "compat": "compat",
    "coodie": "coodie",
    "coodie_aio": "coodie.aio",
    "pydantic": "pydantic",
    "pyd_construct": "pyd.constr",
}

# (label, numerator, denominator): ratios of median time (or bytes) per operation.
RATIOS: tuple[tuple[str, str, str], ...] = (
    ("coodie/raw", "coodie", "raw"),
    ("aio/raw", "coodie_aio", "raw"),
    ("cqle/coodie", "cqlengine", "coodie"),
    ("cqle/aio", "cqlengine", "coodie_aio"),
    ("compat/cqle", "compat", "cqlengine"),  # < 1: the shim is faster than cqlengine
    ("compat/coodie", "compat", "coodie"),  # the shim's cost over native coodie
    ("cqle/raw", "cqlengine", "raw"),  # the most any cqle/X can be, give or take noise
    ("coodie/pyd", "coodie", "pydantic"),  # memory: against pyd_construct
)

# The first bullet of PERFORMANCE.md's workloads: "single-row ops" for the 1.10 bar.
SINGLE_ROW = {"insert", "get", "update", "delete"}
# compat at least 1.3x faster than cqlengine (compat/cqle <= 1/1.3), on wall time and
# CPU; the shim's CPU per operation at most 1.2x native coodie's.
COMPAT_VS_CQLENGINE = 1.3
COMPAT_CPU_VS_COODIE = 1.2


@dataclass
class Result:
    workload: Workload
    ops: int
    reps: int
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # one per repetition
    errors: dict[str, str] = field(default_factory=dict)
    wall: float = 0.0

    @property
    def title(self) -> str:
        return self.workload.label(self.ops)

    @property
    def medians(self) -> dict[str, float]:
        """Median wall time (memory: bytes) per operation of each contender."""
        return {k: statistics.median(s.wall for s in v) for k, v in self.samples.items() if v}

    @property
    def cpu_medians(self) -> dict[str, float]:
        """Median client CPU per operation of each contender (where measured)."""
        out = {}
        for name, samples in self.samples.items():
            cpu = [s.cpu for s in samples if s.cpu is not None]
            if cpu:
                out[name] = statistics.median(cpu)
        return out

    def ratio(self, num: str, den: str, *, cpu: bool = False) -> float | None:
        med = self.cpu_medians if cpu else self.medians
        if self.workload.group == "memory" and den == "pydantic":
            den = "pyd_construct"
        if num in med and den in med and med[den] > 0:
            return med[num] / med[den]
        return None

    def ratios(self, *, cpu: bool = False) -> dict[str, float]:
        out = {}
        for label, num, den in RATIOS:
            value = self.ratio(num, den, cpu=cpu)
            if value is not None:
                out[label] = value
        return out

    def bars(self, *, cpu: bool = False) -> list[dict[str, Any]]:
        """Each bar of PERFORMANCE.md that applies to this workload, and whether it holds.

        On wall time (``cpu=False``) every bar; on client CPU the two bars of the compat
        shim: compat/cqle <= 1/1.3 and compat/coodie <= 1.2.
        """
        name = self.workload.name
        found: list[dict[str, Any]] = []

        def bar(
            label: str, value: float | None, op: str, limit: float, faster: float | None = None
        ) -> None:
            """``faster``: the bar asks for that many times faster than cqlengine."""
            if value is None:
                return
            ok = value <= limit if op == "<=" else value >= limit
            entry = {"bar": label, "value": value, "op": op, "limit": limit, "ok": ok}
            ceiling = self.ratio("cqlengine", "raw", cpu=cpu)
            core = self.ratio("cqlengine", "coodie", cpu=cpu)
            if faster is not None and ceiling is not None and ceiling < faster:
                # cqlengine is within `faster` of the raw driver itself: no client can pass.
                entry["unattainable"] = True
            elif faster is not None and label == "compat/cqle" and core is not None:
                # The shim runs on coodie's core: it cannot beat native coodie, which may
                # itself be within `faster` of cqlengine here.
                entry["core_bound"] = core < faster
            found.append(entry)

        if self.workload.group == "memory":
            if not cpu:
                bar("coodie/constr", self.ratio("coodie", "pyd_construct"), "<=", 1.3)
            return found
        compat_cqle = self.ratio("compat", "cqlengine", cpu=cpu)
        if cpu:
            bar("compat/cqle", compat_cqle, "<=", 1 / COMPAT_VS_CQLENGINE, COMPAT_VS_CQLENGINE)
            bar(
                "compat/coodie",
                self.ratio("compat", "coodie", cpu=True),
                "<=",
                COMPAT_CPU_VS_COODIE,
            )
            return found
        if name in SINGLE_ROW:
            bar("coodie/raw", self.ratio("coodie", "raw"), "<=", 1.10)
        if name == "partition":
            bar("coodie/raw", self.ratio("coodie", "raw"), "<=", 1.5)
        if name == "fanout":
            bar("raw/aio thru", self.ratio("raw", "coodie_aio"), ">=", 0.8)
        cqle = 15.0 if name == "hydrate" else 1.5
        bar("cqle/coodie", self.ratio("cqlengine", "coodie"), ">=", cqle, cqle)
        bar("cqle/aio", self.ratio("cqlengine", "coodie_aio"), ">=", cqle, cqle)
        bar("compat/cqle", compat_cqle, "<=", 1 / COMPAT_VS_CQLENGINE, COMPAT_VS_CQLENGINE)
        if name == "hydrate":
            bar("coodie/pyd", self.ratio("coodie", "pydantic"), "<=", 1.0)
        return found


# -- formatting ------------------------------------------------------------------------------


def fmt_value(value: float, group: str) -> str:
    if group == "memory":
        return f"{value:.0f}B" if value < 1024 else f"{value / 1024:.2f}KiB"
    if value < 1e-6:
        return f"{value * 1e9:.0f}ns"
    if value < 1e-3:
        us = value * 1e6
        return f"{us:.2f}µs" if us < 10 else f"{us:.1f}µs" if us < 100 else f"{us:.0f}µs"
    if value < 1:
        ms = value * 1e3
        return f"{ms:.2f}ms" if ms < 10 else f"{ms:.1f}ms" if ms < 100 else f"{ms:.0f}ms"
    return f"{value:.2f}s"


def _bars_cell(result: Result, *, cpu: bool) -> str:
    bars = result.bars(cpu=cpu)
    if not bars:
        return ""
    missed = [b for b in bars if not b["ok"]]
    if not missed:
        return "ok"
    return "MISS " + ", ".join(
        f"{b['bar']} {b['value']:.2f}{'>' if b['op'] == '<=' else '<'}{b['limit']:.3g}"
        + ("*" if b.get("unattainable") else "^" if b.get("core_bound") else "")
        for b in missed
    )


def table(results: list[Result], compat_error: str | None, *, cpu: bool = False) -> str:
    """The wall-time table (memory row included), or with ``cpu`` the client-CPU one."""
    if cpu:
        results = [r for r in results if r.workload.group != "memory"]
    shown = [c for c in CONTENDERS if any(c in r.samples or c in r.errors for r in results)]
    if "compat" not in shown and compat_error:
        shown.insert(shown.index("coodie") if "coodie" in shown else len(shown), "compat")
    ratio_labels = [label for label, _, _ in RATIOS]
    head = ["workload", "per", *(HEADERS[c] for c in shown), *ratio_labels, "bars"]
    rows = [head]
    for r in results:
        med = r.cpu_medians if cpu else r.medians
        cells = [r.title, r.workload.unit]
        for c in shown:
            if c in med:
                cells.append(fmt_value(med[c], r.workload.group))
            elif c in r.errors:
                cells.append("error")
            elif c == "compat" and compat_error and r.workload.group != "memory":
                cells.append("n/a")
            else:
                cells.append("-")
        ratios = r.ratios(cpu=cpu)
        cells += [f"{ratios[label]:.2f}" if label in ratios else "" for label in ratio_labels]
        cells.append(_bars_cell(r, cpu=cpu))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "client CPU per operation (process_time, all threads), median over the repetitions"
        if cpu
        else "wall time per operation (perf_counter), median over the repetitions"
    ]
    for n, row in enumerate(rows):
        first = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        rest = [cell.rjust(widths[i + 2]) for i, cell in enumerate(row[2:-1])]
        lines.append("  ".join([*first, *rest, row[-1]]).rstrip())
        if n == 0:
            lines.append("-" * len(lines[1]))
    return "\n".join(lines)


def tables(results: list[Result], compat_error: str | None) -> str:
    """Both tables: wall time, then client CPU."""
    return table(results, compat_error) + "\n\n" + table(results, compat_error, cpu=True)


def notes(results: list[Result], compat_error: str | None) -> str:
    out = [
        "values: median per operation over the repetitions ('per' = one operation); "
        "memory: traced bytes per instance; CPU: process_time over the timed loop / operations "
        "(every thread of the client process, the driver's I/O thread included)",
        "ratios: A/B of those medians. coodie/raw 1.05 = coodie takes 5% longer than raw; "
        "cqle/coodie 3.0 = cqlengine takes 3x as long as coodie (coodie 3x faster); "
        "compat/cqle 0.5 = the shim takes half cqlengine's time",
        "coodie/pyd: coodie against pydantic model_validate (memory row: model_construct)",
        "bars: ok, or MISS with the ratios that missed; * = cqle/raw itself is below that bar "
        "(cqlengine is that close to the raw driver here), so no client could meet it; "
        "^ = cqle/coodie is below it, so the shim (on coodie's core) could not either. "
        "CPU table: only the shim's bars, compat/cqle <= 1/1.3 and compat/coodie <= 1.2",
    ]
    if compat_error:
        out.append(f"compat: {compat_error}")
    for r in results:
        med = r.medians
        if r.workload.name == "fanout":
            thru = {k: 1 / v for k, v in med.items() if v > 0}
            parts = [f"{HEADERS.get(k, k)} {v:,.0f}/s" for k, v in thru.items()]
            out.append("fan-out throughput: " + ", ".join(parts))
            if "raw_asyncio" in med and "coodie_aio" in med:
                out.append(
                    f"fan-out: raw execute_async bridged to asyncio (Semaphore/gather) "
                    f"{fmt_value(med['raw_asyncio'], 'async')} per insert; "
                    f"coodie.aio / that = {med['coodie_aio'] / med['raw_asyncio']:.2f}"
                )
        for contender, error in r.errors.items():
            out.append(f"{r.workload.name}/{contender}: error: {error}")
    return "\n".join(out)


# -- files ----------------------------------------------------------------------------------------


def to_json(results: list[Result], meta: dict[str, Any]) -> dict[str, Any]:
    workloads = []
    for r in results:
        med = r.medians
        workloads.append(
            {
                "name": r.workload.name,
                "title": r.title,
                "about": r.workload.about,
                "unit": r.workload.unit,
                "group": r.workload.group,
                "ops_per_repetition": r.ops,
                "repetitions": r.reps,
                "wall_seconds": round(r.wall, 3),
                "value": "bytes per instance" if r.workload.group == "memory" else "seconds per op",
                "median": med,
                "cpu_median": r.cpu_medians,
                "samples": {k: [s.wall for s in v] for k, v in r.samples.items()},
                "cpu_samples": {
                    k: [s.cpu for s in v]
                    for k, v in r.samples.items()
                    if v and v[0].cpu is not None
                },
                "counts": {k: v[0].count for k, v in r.samples.items() if v},
                "errors": r.errors,
                "ratios": r.ratios(),
                "cpu_ratios": r.ratios(cpu=True),
                "bars": r.bars(),
                "cpu_bars": r.bars(cpu=True),
            }
        )
    return {"meta": meta, "workloads": workloads}


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def write_chart(path: Path, results: list[Result]) -> bool:
    """A PNG bar chart of each workload relative to coodie; False if matplotlib is absent."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, NullFormatter
    except ImportError:
        return False
    # coodie itself is the 1.0 line; its bars would have no length.
    contenders = [c for c in CONTENDERS if c != "coodie" and any(c in r.medians for r in results)]
    rows = []
    for r in results:
        med = r.medians
        ref = med.get("coodie") or med.get("coodie_aio")
        if not ref:
            continue
        rel = {c: med[c] / ref for c in med if c in contenders}
        against = "" if med.get("coodie") else ", vs coodie.aio"
        rows.append((f"{r.title} ({r.workload.unit}{against})", rel))
    if not rows:
        return False
    height = 0.8 / max(1, len(contenders))
    fig, ax = plt.subplots(figsize=(10, 0.16 * len(rows) * len(contenders) + 1.8))
    for i, contender in enumerate(contenders):
        ys = [n + i * height for n, (_, rel) in enumerate(rows) if contender in rel]
        xs = [rel[contender] for _, rel in rows if contender in rel]
        # Bars grow from 1.0 (= coodie): left is faster than coodie, right slower.
        ax.barh(ys, [x - 1 for x in xs], left=1, height=height, label=HEADERS[contender])
    ax.set_yticks([n + 0.4 - height / 2 for n in range(len(rows))])
    ax.set_yticklabels([label for label, _ in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    values = [v for _, rel in rows for v in rel.values()] + [1.0]
    low, high = min(values) / 1.3, max(values) * 1.3
    ax.set_xlim(low, high)
    ticks = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
    ax.set_xticks([t for t in ticks if low <= t <= high])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel(
        "median time per operation relative to coodie = 1 (memory: bytes); log scale, "
        "left of 1 is faster"
    )
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title("coodie benchmarks: same node, same process")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


__all__ = ["Result", "notes", "table", "tables", "to_json", "write_chart", "write_json"]
