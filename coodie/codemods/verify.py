"""``coodie-upgrade --verify``: the rewrite creates the same schema as the original.

For every model, user type and view of a changed module, the CQL that creating its
schema runs (``CREATE TYPE``, ``CREATE TABLE``, ``CREATE INDEX``; ``CREATE MATERIALIZED
VIEW``) is built twice, without a database: from the original module, imported with
its ``cassandra.cqlengine`` imports swapped for the shim's (what step 1 does: a model is
then built through the shim, as it runs), and from the rewritten module, imported as it
is (a converted model through the native core).  The two descriptions are compared
part by part and every difference is reported per class.

Each side is imported in a child process of its own (:mod:`._verify_child`), which
serves the changed modules from the sources it is given (so what is on disk does not
matter: a run that writes nothing can be verified) and the other modules of the project
from disk; connection setup is made inert there and nothing connects to a database.  A
module that cannot be imported is named with its error.  See docs/migration/verify.md.

What is compared, per class: the kind (table, user type, view), the table's name,
keyspace and connection, each column's CQL type and whether it is static, the
partition key and the clustering columns (in order, with their order), the table
options, the indexes sync creates (``CREATE INDEX`` text) and the user types the table
holds (``CREATE TYPE`` text: the order of a type's fields matters).  The order in
which the columns are declared is not compared (Cassandra keeps none for regular
columns), nor the order of the options or of the indexes.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._verify_child import KEYSPACE, Description, describe_class, describe_module
from .project import module_root as module_name

QUOTED_KEYSPACE = f'"{KEYSPACE}"'
DEFAULT_TIMEOUT = 120.0
"""Seconds each child process may take to import its modules."""


# -- comparing ----------------------------------------------------------------------------


def _shown(statement: str, keyspace: str | None) -> str:
    """A statement with its keyspace (``<keyspace>``: the connection's default)."""
    return statement.replace(QUOTED_KEYSPACE, f'"{keyspace}"' if keyspace else KEYSPACE)


def _keyspace(keyspace: str | None) -> str:
    return repr(keyspace) if keyspace else "the connection's default"


_KINDS = {"table": "a table", "type": "a user type", "view": "a materialized view"}


def compare(original: Description, rewrite: Description) -> list[str]:
    """The differences between two descriptions of one class, each a sentence
    (``column "x": original text, rewrite int``); empty when they create the same
    schema."""
    if "error" in original or "error" in rewrite:
        errors = []
        if "error" in original:
            errors.append(f"the original cannot be described: {original['error']}")
        if "error" in rewrite:
            errors.append(f"the rewrite cannot be described: {rewrite['error']}")
        return errors
    if original["kind"] != rewrite["kind"]:
        kinds = f"the original is {_KINDS[original['kind']]}, the rewrite {_KINDS[rewrite['kind']]}"
        return [
            _pair(
                kinds,
                _shown(original["table"], original["keyspace"]),
                _shown(rewrite["table"], rewrite["keyspace"]),
            )
        ]
    what = "type" if original["kind"] == "type" else original["kind"]
    out: list[str] = []
    if original["name"] != rewrite["name"]:
        out.append(f"{what} name: original {original['name']!r}, rewrite {rewrite['name']!r}")
    if original["keyspace"] != rewrite["keyspace"]:
        out.append(
            f"keyspace: original {_keyspace(original['keyspace'])}, "
            f"rewrite {_keyspace(rewrite['keyspace'])}"
        )
    if original["connection"] != rewrite["connection"]:
        out.append(
            f"connection: original {original['connection'] or 'the default'!r}, "
            f"rewrite {rewrite['connection'] or 'the default'!r}"
        )
    if original["kind"] == "type":
        if original["table"] != rewrite["table"]:
            out.append(_statements_differ("type", original, rewrite))
        out += _types(original, rewrite)
        return out
    out += _columns(original, rewrite)
    for part, label in (("partition_key", "partition key"), ("clustering", "clustering")):
        if original[part] != rewrite[part]:
            out.append(
                f"{label}: original ({', '.join(original[part])}), "
                f"rewrite ({', '.join(rewrite[part])})"
            )
    for option in sorted(original["options"].keys() | rewrite["options"].keys()):
        before = original["options"].get(option, "not set")
        after = rewrite["options"].get(option, "not set")
        if before != after:
            out.append(f"option {option}: original {before}, rewrite {after}")
    if original.get("base") != rewrite.get("base"):
        out.append(f"view of table: original {original.get('base')}, rewrite {rewrite.get('base')}")
    if _table_differs(original, rewrite):
        out.append(_statements_differ(what, original, rewrite))
    for statement in original["indexes"]:
        if statement not in rewrite["indexes"]:
            out.append(f"index only in the original: {_shown(statement, original['keyspace'])}")
    for statement in rewrite["indexes"]:
        if statement not in original["indexes"]:
            out.append(f"index only in the rewrite: {_shown(statement, rewrite['keyspace'])}")
    if sorted(original["unmanaged_indexes"]) != sorted(rewrite["unmanaged_indexes"]):
        out.append(
            "indexes made outside coodie (never created): "
            f"original {sorted(original['unmanaged_indexes'])}, "
            f"rewrite {sorted(rewrite['unmanaged_indexes'])}"
        )
    out += _types(original, rewrite)
    return out


def _table_differs(original: Description, rewrite: Description) -> bool:
    parts = ("name", "columns", "partition_key", "clustering", "options", "base")
    return any(original.get(p) != rewrite.get(p) for p in parts)


def _statements_differ(what: str, original: Description, rewrite: Description) -> str:
    return _pair(
        f"{what} statement differs",
        _shown(original["table"], original["keyspace"]),
        _shown(rewrite["table"], rewrite["keyspace"]),
    )


def _pair(what: str, original: str, rewrite: str) -> str:
    """A difference shown as two statements, one per line under it."""
    return f"{what}:\n    original: {original}\n    rewrite:  {rewrite}"


def _columns(original: Description, rewrite: Description) -> list[str]:
    out = []
    before, after = original["columns"], rewrite["columns"]
    for name, cql in before.items():
        if name not in after:
            out.append(f'column "{name}" only in the original ({cql})')
        elif after[name] != cql:
            out.append(f'column "{name}": original {cql}, rewrite {after[name]}')
    out += [f'column "{n}" only in the rewrite ({c})' for n, c in after.items() if n not in before]
    return out


def _types(original: Description, rewrite: Description) -> list[str]:
    out = []
    before, after = original["types"], rewrite["types"]
    for name, statement in before.items():
        if name not in after:
            out.append(
                f"user type {name} only in the original: {_shown(statement, original['keyspace'])}"
            )
        elif after[name] != statement:
            out.append(
                _pair(
                    f"user type {name} differs",
                    _shown(statement, original["keyspace"]),
                    _shown(after[name], rewrite["keyspace"]),
                )
            )
    out += [
        f"user type {n} only in the rewrite: {_shown(s, rewrite['keyspace'])}"
        for n, s in after.items()
        if n not in before
    ]
    return out


def compare_modules(
    original: Mapping[str, Description], rewrite: Mapping[str, Description]
) -> dict[str, list[str]]:
    """Per class of either side: its differences (empty: the same schema)."""
    out: dict[str, list[str]] = {}
    for name, described in original.items():
        other = rewrite.get(name)
        if other is None:
            out[name] = [f"{_what(described)} in the original, none in the rewrite"]
        else:
            out[name] = compare(described, other)
    for name, described in rewrite.items():
        if name not in original:
            out[name] = [f"{_what(described)} in the rewrite, none in the original"]
    return out


def _statements(described: Description) -> list[str]:
    return [_shown(s, described.get("keyspace")) for s in described.get("statements", [])]


def _what(described: Description) -> str:
    if "error" in described:
        return f"a class that cannot be described ({described['error']})"
    statement = _shown(described["table"], described["keyspace"])
    return f"{_KINDS[described['kind']]} ({statement})"


# -- modules and child processes ------------------------------------------------------------


@dataclass
class Side:
    """What one child process returned: per module, its classes or its error."""

    classes: dict[str, dict[str, Description]] = field(default_factory=dict)
    errors: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # (error, where)
    inert: list[str] = field(default_factory=list)  # connection calls made inert
    failure: str | None = None  # the child itself failed (timeout, crash)


CHILD_FILE = Path(__file__).with_name("_verify_child.py")
CHILD = (
    "import sys, importlib.util; sys.path.append({where!r}); "
    "spec = importlib.util.spec_from_file_location('_coodie_verify_child', {file!r}); "
    "child = importlib.util.module_from_spec(spec); "
    "sys.modules[spec.name] = child; spec.loader.exec_module(child); child.main()"
)
"""The child's program: ``_verify_child.py`` loaded by its path, so that the child does
not import ``coodie.codemods`` (libcst and the rules: half of its start-up time)."""


def describe_sources(
    modules: Mapping[str, tuple[str, bytes]],
    roots: Sequence[str | Path],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Side:
    """Import ``modules`` (dotted name -> (path, source)) in a child process, with
    ``roots`` first on its ``sys.path``, and describe the classes of each."""
    payload = {
        "roots": [str(r) for r in roots],
        "modules": {
            name: {"path": str(path), "source": base64.b64encode(source).decode("ascii")}
            for name, (path, source) in modules.items()
        },
    }
    coodie_parent = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("COODIE_MIGRATION_HINTS", None)
    command = [sys.executable, "-c", CHILD.format(where=coodie_parent, file=str(CHILD_FILE))]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            input=json.dumps(payload).encode(),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        last = _last_import(exc.stderr or b"")
        where = f" (importing {last})" if last else ""
        return Side(failure=f"did not finish in {timeout:g} s{where}")
    except OSError as exc:
        return Side(failure=f"cannot start {sys.executable}: {exc}")
    try:
        data = json.loads(done.stdout)
    except ValueError:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        elapsed = time.monotonic() - started
        return Side(
            failure=f"exited with status {done.returncode} after {elapsed:.1f} s"
            + (": " + " / ".join(tail) if tail else "")
        )
    side = Side(inert=data.get("inert", []))
    for name, found in data["modules"].items():
        if "error" in found:
            side.errors[name] = (found["error"], found.get("where"))
        else:
            side.classes[name] = found["classes"]
    return side


def _last_import(stderr: bytes) -> str | None:
    marks = [
        line.split(b"importing ", 1)[1].decode("utf-8", "replace").strip()
        for line in stderr.splitlines()
        if line.startswith(b"coodie-upgrade --verify: importing ")
    ]
    return marks[-1] if marks else None


# -- the whole check ------------------------------------------------------------------------


@dataclass
class ClassResult:
    """One class of a changed module, compared."""

    path: str
    module: str
    name: str
    kind: str  # table, type, view (of the original, else of the rewrite)
    differences: list[str]
    original: list[str] = field(default_factory=list)  # the statements, with the keyspace
    rewrite: list[str] = field(default_factory=list)

    def report(self) -> dict[str, object]:
        return {
            "path": self.path,
            "module": self.module,
            "class": self.name,
            "kind": self.kind,
            "same": not self.differences,
            "differences": self.differences,
            "original": self.original,
            "rewrite": self.rewrite,
        }


@dataclass
class ImportFailure:
    """A changed module that could not be imported (on one side, or both)."""

    path: str
    module: str
    sides: list[str]  # "original", "rewrite"
    error: str

    def report(self) -> dict[str, object]:
        return {"path": self.path, "module": self.module, "sides": self.sides, "error": self.error}


@dataclass
class VerifyResult:
    modules: int = 0  # changed modules verified (imported on both sides)
    classes: list[ClassResult] = field(default_factory=list)
    failures: list[ImportFailure] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    inert: list[str] = field(default_factory=list)

    @property
    def differences(self) -> list[ClassResult]:
        return [c for c in self.classes if c.differences]

    @property
    def ok(self) -> bool:
        """No class differs and every changed module was imported on both sides."""
        return not self.differences and not self.failures

    def lines(self) -> Iterator[str]:
        """Each problem as ``path:Class: what`` (``path: ...`` for a module)."""
        for failure in self.failures:
            sides = " and ".join(failure.sides)
            yield (f"{failure.path}: cannot import {failure.module} ({sides}): {failure.error}")
        for result in self.differences:
            for difference in result.differences:
                yield f"{result.path}:{result.name}: {difference}"

    def summary(self) -> str:
        differ = len(self.differences)
        text = (
            f"coodie-upgrade --verify: {len(self.classes)} class"
            f"{'es' if len(self.classes) != 1 else ''} in {self.modules} module"
            f"{'s' if self.modules != 1 else ''} compared, {differ} differ"
            f"{'s' if differ == 1 else ''}"
        )
        if self.failures:
            text += f", {len(self.failures)} module{'s' if len(self.failures) != 1 else ''} "
            text += "could not be imported"
        return text

    def report(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "modules": self.modules,
            "classes": [c.report() for c in self.classes],
            "differences": [
                {"path": c.path, "class": c.name, "what": d}
                for c in self.differences
                for d in c.differences
            ],
            "import_failures": [f.report() for f in self.failures],
            "skipped": [{"path": p, "why": why} for p, why in self.skipped],
            "inert_calls": self.inert,
        }


def original_for_shim(path: str, source: bytes) -> bytes:
    """The original module as step 1 leaves it: its cqlengine imports swapped for the
    shim's (CU001; nothing else changes, which is what the shim promises)."""
    from .engine import upgrade_bytes

    done = upgrade_bytes(source, ("CU001",), path)
    return source if done.source is None else done.source


def verify(
    files: Iterable[tuple[str, bytes, bytes]], *, timeout: float = DEFAULT_TIMEOUT
) -> VerifyResult:
    """Compare the schema each changed module's classes create, original and rewrite.

    ``files`` are (path, original bytes, rewritten bytes).  The modules are imported in
    child processes (two per group of modules whose dotted names do not clash), each
    bounded by ``timeout`` seconds; nothing is read from the changed files on disk and
    nothing is written.
    """
    result = VerifyResult()
    groups: list[dict[str, tuple[str, bytes, bytes, Path]]] = []
    for path, old, new in files:
        if not path.endswith(".py"):
            result.skipped.append((path, "not a .py file: it is not imported"))
            continue
        name, root = module_name(path)
        if not name:
            result.skipped.append((path, "no module name"))
            continue
        group = next((g for g in groups if name not in g), None)
        if group is None:
            group = {}
            groups.append(group)
        group[name] = (path, old, new, root)
    for group in groups:
        _verify_group(group, result, timeout)
    result.inert = sorted(set(result.inert))
    return result


def _verify_group(
    group: Mapping[str, tuple[str, bytes, bytes, Path]], result: VerifyResult, timeout: float
) -> None:
    roots = list(dict.fromkeys(str(root) for *_, root in group.values()))
    before = {n: (p, original_for_shim(p, old)) for n, (p, old, _new, _r) in group.items()}
    after = {n: (p, new) for n, (p, _old, new, _r) in group.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = [
            pool.submit(describe_sources, s, roots, timeout=timeout) for s in (before, after)
        ]
        original, rewrite = (f.result() for f in running)
    result.inert += original.inert + rewrite.inert
    for name, (path, *_rest) in group.items():
        failed: dict[str, tuple[str, str | None]] = {}
        for label, side in (("original", original), ("rewrite", rewrite)):
            if side.failure is not None:
                failed[label] = (f"the child process for the {label} {side.failure}", None)
            elif name in side.errors:
                failed[label] = side.errors[name]
        if failed:
            result.failures.append(ImportFailure(path, name, list(failed), _import_error(failed)))
            continue
        result.modules += 1
        olds, news = original.classes.get(name, {}), rewrite.classes.get(name, {})
        for cls, differences in compare_modules(olds, news).items():
            before, after = olds.get(cls, {}), news.get(cls, {})
            kind = str(before.get("kind") or after.get("kind") or "error")
            result.classes.append(
                ClassResult(
                    path, name, cls, kind, differences, _statements(before), _statements(after)
                )
            )


def _import_error(failed: Mapping[str, tuple[str, str | None]]) -> str:
    """One error when both sides failed alike (``RuntimeError: boom (original at a.py:3,
    rewrite at a.py:6)``), else each side's."""
    texts = {text for text, _where in failed.values()}
    if len(texts) > 1:
        return "; ".join(
            f"{label}: {text}" + (f" (at {where})" if where else "")
            for label, (text, where) in failed.items()
        )
    places = {label: where for label, (_text, where) in failed.items() if where}
    if not places:
        return texts.pop()
    if len(set(places.values())) == 1:
        return f"{texts.pop()} (at {next(iter(places.values()))})"
    return f"{texts.pop()} ({', '.join(f'{label} at {w}' for label, w in places.items())})"


def verify_run(changed: Iterable[Any], *, timeout: float = DEFAULT_TIMEOUT) -> VerifyResult:
    """:func:`verify` on the changed files of a run (``runner.FileResult``: ``old``/``new``)."""
    return verify(
        ((f.path, f.old, f.new) for f in changed if f.old is not None and f.new is not None),
        timeout=timeout,
    )


__all__ = [
    "DEFAULT_TIMEOUT",
    "KEYSPACE",
    "ClassResult",
    "ImportFailure",
    "VerifyResult",
    "compare",
    "compare_modules",
    "describe_class",
    "describe_module",
    "describe_sources",
    "module_name",
    "verify",
    "verify_run",
]
