"""How fast ``coodie-upgrade`` converts a repository: ``python -m benchmarks.codemods``.

The repository is built in a temporary folder: copies of the codemod corpus
(``tests/codemods_corpus/corpus_app``, cqlengine models, user types and call sites) up
to ~35 files that use cqlengine, and modules of this Python's standard library as the
rest of the code (files that need no change), up to ~250 files and ~50k lines.  It
times, in one run and side by side: libcst parsing every file on one core (what a
naive codemod pays at least), and ``coodie-upgrade --check`` (full mode) with
``--jobs 1`` and ``--jobs 2``; the median of ``--repeat`` runs, wall time, each in a
fresh process.  No database is needed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "codemods_corpus" / "corpus_app"


def build(
    where: Path, files: int = 250, lines: int = 50_000, cqlengine: int = 35
) -> dict[str, int]:
    """Write the repository under ``where``; returns its counts."""
    used = 0
    copy = 0
    corpus = sorted(CORPUS.glob("*.py"))
    while used < cqlengine:
        package = where / f"app{copy}"
        shutil.copytree(CORPUS, package, ignore=shutil.ignore_patterns("__pycache__"))
        text = "corpus_app"
        for module in package.glob("*.py"):  # absolute imports name the copy
            source = module.read_text()
            if text in source:
                module.write_text(source.replace(text, package.name))
        used += sum(1 for m in corpus if b"cqlengine" in m.read_bytes())
        copy += 1
    count = sum(1 for _ in where.rglob("*.py"))
    total = sum(len(p.read_text().splitlines()) for p in where.rglob("*.py"))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    filler = where / "lib"
    filler.mkdir()
    (filler / "__init__.py").write_text("")
    budget = (lines - total) // max(1, files - count)  # lines per filler file
    for module in sorted(stdlib.rglob("*.py")):
        if count >= files:
            break
        if "test" in module.parts or "site-packages" in module.parts:
            continue
        text = module.read_text(encoding="utf-8", errors="replace")
        size = len(text.splitlines())
        if not budget // 2 <= size <= budget * 2 or "cqlengine" in text:
            continue
        (filler / f"m{count}_{module.name}").write_text(text)
        count += 1
        total += size
    return {
        "files": sum(1 for _ in where.rglob("*.py")),
        "lines": sum(len(p.read_text().splitlines()) for p in where.rglob("*.py")),
        "cqlengine": sum(1 for p in where.rglob("*.py") if b"cqlengine" in p.read_bytes()),
    }


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


PARSE_ALL = """
import sys, pathlib, libcst
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    libcst.parse_module(p.read_bytes())
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="build the repository here and keep it")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="coodie-upgrade-"))
    try:
        if args.keep and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        counts = build(folder)
        print(
            f"repository: {counts['files']} files, {counts['lines']} lines, "
            f"{counts['cqlengine']} use cqlengine"
        )
        upgrade = [sys.executable, "-m", "coodie.codemods.cli", "--check", "--quiet"]
        runs = {
            "libcst parse of every file, 1 core": [sys.executable, "-c", PARSE_ALL, str(folder)],
            "coodie-upgrade --check --jobs 1": [*upgrade, "--jobs", "1", str(folder)],
            "coodie-upgrade --check --jobs 2": [*upgrade, "--jobs", "2", str(folder)],
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.repeat):  # alternate, so that load falls on each alike
            for name, command in runs.items():
                times[name].append(_timed(command))
        base = statistics.median(times["libcst parse of every file, 1 core"])
        for name, values in times.items():
            median = statistics.median(values)
            print(f"{name:40} {median:6.2f} s   ({median / base:.2f}x the parse)")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
