"""Files through the rules: the walk, the parallel run, the atomic writes."""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .engine import SourceParseError, might_need_change, upgrade_bytes

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".eggs",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
        "site-packages",
        "build",
        "dist",
    }
)
"""Folders never walked into (besides any virtualenv, found by its ``pyvenv.cfg``, and
``*.egg-info``); a folder named on the command line is always walked."""


@dataclass
class FileResult:
    """One file's outcome. ``new`` (the rewritten bytes) stays out of reports."""

    path: str
    changed: bool = False
    rewrites: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    line: int | None = None
    column: int | None = None
    todos: list[tuple[int, str, str]] = field(default_factory=list)  # (line, rule, why)
    old: bytes | None = field(default=None, repr=False)
    new: bytes | None = field(default=None, repr=False)

    def report(self) -> dict[str, object]:
        entry: dict[str, object] = {"path": self.path, "changed": self.changed}
        if self.rewrites:
            entry["rewrites"] = self.rewrites
        if self.error is not None:
            entry.update(error=self.error, line=self.line, column=self.column)
        if self.todos:
            entry["todos"] = [
                {"line": line, "rule": rule, "why": why} for line, rule, why in self.todos
            ]
        return entry


@dataclass
class RunResult:
    scanned: int = 0  # .py files found
    candidates: int = 0  # of which mention cqlengine (parsed)
    files: list[FileResult] = field(default_factory=list)  # changed, failed or with TODOs

    @property
    def todos(self) -> list[tuple[str, int, str, str]]:
        """Every ``TODO(coodie-upgrade CUxxx)`` left: (path, line, rule, why)."""
        return [(f.path, line, rule, why) for f in self.files for line, rule, why in f.todos]

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.changed]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error is not None]


def _excluded(path: Path, excludes: Sequence[str]) -> bool:
    posix = path.as_posix()
    return any(
        fnmatch.fnmatch(path.name, glob)
        or fnmatch.fnmatch(posix, glob)
        or fnmatch.fnmatch(posix, f"*/{glob}")
        for glob in excludes
    )


def _skipped_dir(path: Path, excludes: Sequence[str]) -> bool:
    name = path.name
    return (
        name in SKIPPED_DIRS
        or name.endswith(".egg-info")
        or (path / "pyvenv.cfg").exists()
        or _excluded(path, excludes)
    )


def find_files(paths: Iterable[str | Path], excludes: Sequence[str] = ()) -> Iterator[Path]:
    """The ``.py`` files under ``paths``, sorted per folder. A file named directly is
    taken whatever its suffix (pre-commit names files), unless it is excluded."""
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            if not _excluded(root, excludes):
                yield root
            continue
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not _skipped_dir(here / d, excludes))
            for name in sorted(files):
                path = here / name
                if name.endswith(".py") and not _excluded(path, excludes):
                    yield path


def process(job: tuple[str, bytes, tuple[str, ...]]) -> FileResult:
    """One file's rewrite (run in a worker process): nothing is written here."""
    path, data, rules = job
    try:
        done = upgrade_bytes(data, rules, path)
    except SourceParseError as exc:
        return FileResult(path, error=exc.message, line=exc.line, column=exc.column)
    if done.source is None:
        return FileResult(path, todos=done.todos)
    return FileResult(path, True, done.rewrites, todos=done.todos, old=data, new=done.source)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over ``path``:
    a reader sees the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".coodie-upgrade", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _context() -> multiprocessing.context.BaseContext:
    # fork shares the imported modules (libcst, the table): workers start at once
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def run(
    paths: Iterable[str | Path],
    rules: Sequence[str],
    *,
    excludes: Sequence[str] = (),
    jobs: int | None = None,
    write: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Rewrite (``write=True``) or just examine the files under ``paths``.

    Files are read here; those that do not mention cqlengine are counted and dropped
    before parsing; the others are parsed and rewritten in ``jobs`` processes (all
    cores by default).  Changed files are written atomically; failures (a file that
    does not parse, or cannot be read or written) are recorded and the run goes on.
    """
    result = RunResult()
    jobs_list: list[tuple[str, bytes, tuple[str, ...]]] = []
    for path in find_files(paths, excludes):
        result.scanned += 1
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.files.append(FileResult(str(path), error=f"cannot read: {exc.strerror}"))
            continue
        if rules and might_need_change(data):
            jobs_list.append((str(path), data, tuple(rules)))
    result.candidates = len(jobs_list)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_list)))
    outcomes: Iterable[FileResult]
    if workers == 1:
        outcomes = map(process, jobs_list)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
        chunk = max(1, min(16, len(jobs_list) // (workers * 4)))
        outcomes = pool.map(process, jobs_list, chunksize=chunk)
    try:
        for done, outcome in enumerate(outcomes, 1):
            if progress is not None:
                progress(done, len(jobs_list))
            if outcome.changed and write and outcome.new is not None:
                try:
                    write_atomically(Path(outcome.path), outcome.new)
                except OSError as exc:
                    outcome.changed = False
                    outcome.error = f"cannot write: {exc.strerror or exc}"
            if outcome.changed or outcome.error is not None or outcome.todos:
                result.files.append(outcome)
    finally:
        if pool is not None:
            pool.shutdown()
    result.files.sort(key=lambda f: f.path)
    return result
