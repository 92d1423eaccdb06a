"""Files through the rules: the walk, the parallel run, the atomic writes."""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .engine import SourceParseError, might_need_change, upgrade_bytes
from .project import Project, module_name
from .project import build as build_project
from .rules import IMPLEMENTED

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
    converted: set[str] = field(default_factory=set, repr=False)  # classes converted
    left: dict[str, str] = field(default_factory=dict, repr=False)  # classes left: why

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
    taken whatever its suffix (pre-commit names files), unless it is excluded.  A file
    reached twice (a symbolic link to another file of the run) is taken once."""
    seen: set[str] = set()

    def first(path: Path) -> bool:
        real = os.path.realpath(path)
        if real in seen:
            return False
        seen.add(real)
        return True

    for given in paths:
        root = Path(given)
        if not root.is_dir():
            named = _excluded(root, excludes) or any(
                _excluded(folder, excludes) for folder in root.parents
            )  # a file named directly (pre-commit) is excluded by its folders too
            if not named and first(root):
                yield root
            continue
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not _skipped_dir(here / d, excludes))
            for name in sorted(files):
                path = here / name
                if name.endswith(".py") and not _excluded(path, excludes) and first(path):
                    yield path


Job = tuple[str, bytes, tuple[str, ...], str | None]
"""A file for a worker: path, source, rule ids, dotted module name."""

_PROJECT: Project | None = None
"""The first pass over the tree, in each worker (set by ``_start``)."""


def _start(project: Project | None) -> None:
    global _PROJECT
    _PROJECT = project


def process(job: Job) -> FileResult:
    """One file's rewrite (run in a worker process): nothing is written here."""
    path, data, rules, module = job
    try:
        done = upgrade_bytes(data, rules, path, project=_PROJECT, module=module)
    except SourceParseError as exc:
        return FileResult(path, error=exc.message, line=exc.line, column=exc.column)
    except Exception as exc:  # a bug of ours on an odd file: the others still run
        return FileResult(
            path, error=f"coodie-upgrade failed on this file ({type(exc).__name__}: {exc})"
        )
    if done.source is None:
        return FileResult(path, todos=done.todos, converted=done.converted, left=done.left)
    return FileResult(
        path,
        True,
        done.rewrites,
        todos=done.todos,
        old=data,
        new=done.source,
        converted=done.converted,
        left=done.left,
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over ``path``:
    a reader sees the old file or the new one, never half of one.  A symbolic link is
    written through (its target is replaced; the link stays a link)."""
    path = Path(os.path.realpath(path))
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
    rules: Sequence[str] | None = None,
    *,
    excludes: Sequence[str] = (),
    jobs: int | None = None,
    write: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Rewrite (``write=True``) or just examine the files under ``paths``, with
    ``rules`` (ids; None: every rule, the full mode).

    Files are read here.  When models are converted (CU002), a first pass reads the
    modules that mention cqlengine (``project.build``: models, bases, user types across
    modules).  The modules that mention cqlengine or name one of those classes are
    parsed and rewritten in ``jobs`` processes (all cores by default); the others are
    counted and dropped before parsing.  A class left as cqlengine (a TODO) leaves its
    family so, and the modules naming them run again.  Changed files are written
    atomically at the end; failures (a file that does not parse, or cannot be read or
    written) are recorded and the run goes on.
    """
    if rules is None:  # the full mode
        rules = IMPLEMENTED
    result = RunResult()
    sources: dict[str, bytes] = {}
    for path in find_files(paths, excludes):
        result.scanned += 1
        try:
            sources[str(path)] = path.read_bytes()
        except OSError as exc:
            result.files.append(FileResult(str(path), error=f"cannot read: {exc.strerror}"))
    marked = {p: d for p, d in sources.items() if rules and might_need_change(d)}
    project: Project | None = None
    if "CU002" in rules and marked:
        project = build_project(marked.items())
    uses = project.finder(project.kinds) if project is not None else None
    candidates = [p for p, d in sources.items() if p in marked or (uses is not None and uses(d))]
    modules = {p: module_name(p) for p in candidates} if project is not None else {}
    result.candidates = len(candidates)
    outcomes: dict[str, FileResult] = {}
    pending = candidates
    total = len(candidates)
    done = 0
    with _Workers(jobs, len(candidates), project) as workers:
        while pending:
            for outcome in workers.map(
                [(p, sources[p], tuple(rules), modules.get(p)) for p in pending]
            ):
                outcomes[outcome.path] = outcome
                done += 1
                if progress is not None:
                    progress(done, total)
            if project is None:
                break
            converted = {
                f"{modules[p]}.{name}" for p, o in outcomes.items() for name in o.converted
            }
            for p, o in outcomes.items():
                for name, why in o.left.items():
                    project.reasons.setdefault(f"{modules[p]}.{name}", why)
            left = {q for q in project.kinds if q not in converted} - project.failed
            if not left:
                break
            # again: the modules naming a class left now (call sites rewritten for it),
            # and those of the converted classes of its family: they stay too, so the
            # whole family is marked at once (else the next round finds them left)
            family = {m for q in left for m in project.family(q)}
            project.failed |= family
            again = project.finder(family)
            homes = {project.classes[q].path for q in family if q in converted}
            pending = [p for p in candidates if p in homes or again(sources[p])]
            if not pending:
                break
            total += len(pending)
            workers.restart(project)
    for outcome in outcomes.values():
        if outcome.changed and write and outcome.new is not None:
            try:
                write_atomically(Path(outcome.path), outcome.new)
            except OSError as exc:
                outcome.changed = False
                outcome.error = f"cannot write: {exc.strerror or exc}"
        if outcome.changed or outcome.error is not None or outcome.todos:
            result.files.append(outcome)
    result.files.sort(key=lambda f: f.path)
    return result


def _alone(job: Job, project: Project | None) -> FileResult:
    with ProcessPoolExecutor(
        1, mp_context=_context(), initializer=_start, initargs=(project,)
    ) as one:
        try:
            return one.submit(process, job).result()
        except BrokenProcessPool:
            return FileResult(job[0], error="the parser crashed on this file (left unchanged)")


class _Workers:
    """The processes that run the rules (none for one job: this process does)."""

    def __init__(self, jobs: int | None, files: int, project: Project | None) -> None:
        self.count = max(1, min(jobs or os.cpu_count() or 1, files))
        self.pool: ProcessPoolExecutor | None = None
        self.project = project

    def __enter__(self) -> _Workers:
        self.restart(self.project)
        return self

    def restart(self, project: Project | None) -> None:
        """(Re)start with this project (the workers hold a copy of it)."""
        self.close()
        self.project = project
        if self.count == 1:
            _start(project)
        else:
            self.pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=_context(),
                initializer=_start,
                initargs=(project,),
            )

    def map(self, jobs: list[Job]) -> Iterator[FileResult]:
        if self.pool is None:
            yield from map(process, jobs)
            return
        chunk = max(1, min(16, len(jobs) // (self.count * 4)))
        done: set[str] = set()
        try:
            for outcome in self.pool.map(process, jobs, chunksize=chunk):
                done.add(outcome.path)
                yield outcome
        except BrokenProcessPool:
            # a worker died (a crash in native code on some file): the files left run
            # one at a time, each in a process of its own, so only that file fails
            self.restart(self.project)
            for job in jobs:
                if job[0] not in done:
                    yield _alone(job, self.project)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
        else:
            _start(None)

    def __exit__(self, *exc: object) -> None:
        self.close()
