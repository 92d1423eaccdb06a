"""Medians, ratios, the bars of PERFORMANCE.md, and the table / JSON / PNG outputs."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    ("cqle/compat", "cqlengine", "compat"),
    ("cqle/raw", "cqlengine", "raw"),  # the most any cqle/X can be, give or take noise
    ("coodie/pyd", "coodie", "pydantic"),  # memory: against pyd_construct
)

# The first bullet of PERFORMANCE.md's workloads: "single-row ops" for the 1.10 bar.
SINGLE_ROW = {"insert", "get", "update", "delete"}


@dataclass
class Result:
    workload: Workload
    ops: int
    reps: int
    samples: dict[str, list[float]] = field(default_factory=dict)  # per-op values
    errors: dict[str, str] = field(default_factory=dict)
    wall: float = 0.0

    @property
    def title(self) -> str:
        return self.workload.label(self.ops)

    @property
    def medians(self) -> dict[str, float]:
        return {k: statistics.median(v) for k, v in self.samples.items() if v}

    def ratio(self, num: str, den: str) -> float | None:
        med = self.medians
        if self.workload.group == "memory" and den == "pydantic":
            den = "pyd_construct"
        if num in med and den in med and med[den] > 0:
            return med[num] / med[den]
        return None

    def ratios(self) -> dict[str, float]:
        out = {}
        for label, num, den in RATIOS:
            value = self.ratio(num, den)
            if value is not None:
                out[label] = value
        return out

    def bars(self) -> list[dict[str, Any]]:
        """Each bar of PERFORMANCE.md that applies to this workload, and whether it holds."""
        name = self.workload.name
        found: list[dict[str, Any]] = []

        def bar(label: str, value: float | None, op: str, limit: float) -> None:
            if value is None:
                return
            ok = value <= limit if op == "<=" else value >= limit
            entry = {"bar": label, "value": value, "op": op, "limit": limit, "ok": ok}
            ceiling = self.ratio("cqlengine", "raw")
            if label.startswith("cqle/") and ceiling is not None and ceiling < limit:
                # cqlengine is within `limit` of the raw driver itself: no client can pass.
                entry["unattainable"] = True
            found.append(entry)

        if name in SINGLE_ROW:
            bar("coodie/raw", self.ratio("coodie", "raw"), "<=", 1.10)
        if name == "partition":
            bar("coodie/raw", self.ratio("coodie", "raw"), "<=", 1.5)
        if name == "fanout":
            bar("raw/aio thru", self.ratio("raw", "coodie_aio"), ">=", 0.8)
        if name == "memory":
            bar("coodie/constr", self.ratio("coodie", "pyd_construct"), "<=", 1.3)
            return found
        cqle = 15.0 if name == "hydrate" else 1.5
        bar("cqle/coodie", self.ratio("cqlengine", "coodie"), ">=", cqle)
        bar("cqle/aio", self.ratio("cqlengine", "coodie_aio"), ">=", cqle)
        bar("cqle/compat", self.ratio("cqlengine", "compat"), ">=", 1.3)
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


def _bars_cell(result: Result) -> str:
    bars = result.bars()
    if not bars:
        return ""
    missed = [b for b in bars if not b["ok"]]
    if not missed:
        return "ok"
    return "MISS " + ", ".join(
        f"{b['bar']} {b['value']:.2f}{'>' if b['op'] == '<=' else '<'}{b['limit']:g}"
        + ("*" if b.get("unattainable") else "")
        for b in missed
    )


def table(results: list[Result], compat_error: str | None) -> str:
    shown = [c for c in CONTENDERS if any(c in r.samples or c in r.errors for r in results)]
    if "compat" not in shown and compat_error:
        shown.insert(shown.index("coodie") if "coodie" in shown else len(shown), "compat")
    ratio_labels = [label for label, _, _ in RATIOS]
    head = ["workload", "per", *(HEADERS[c] for c in shown), *ratio_labels, "bars"]
    rows = [head]
    for r in results:
        med = r.medians
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
        ratios = r.ratios()
        cells += [f"{ratios[label]:.2f}" if label in ratios else "" for label in ratio_labels]
        cells.append(_bars_cell(r))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        first = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        rest = [cell.rjust(widths[i + 2]) for i, cell in enumerate(row[2:-1])]
        lines.append("  ".join([*first, *rest, row[-1]]).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def notes(results: list[Result], compat_error: str | None) -> str:
    out = [
        "values: median per operation over the repetitions ('per' = one operation); "
        "memory: traced bytes per instance",
        "ratios: A/B of those medians. coodie/raw 1.05 = coodie takes 5% longer than raw; "
        "cqle/coodie 3.0 = cqlengine takes 3x as long as coodie (coodie 3x faster)",
        "coodie/pyd: coodie against pydantic model_validate (memory row: model_construct)",
        "bars: ok, or MISS with the ratios that missed; * = cqle/raw itself is below that bar "
        "(cqlengine is that close to the raw driver here), so no client could meet it",
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
                "samples": r.samples,
                "errors": r.errors,
                "ratios": r.ratios(),
                "bars": r.bars(),
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


__all__ = ["Result", "notes", "table", "to_json", "write_chart", "write_json"]
