"""``coodie-upgrade``: the command line over ``coodie.codemods`` (see docs/migration/codemods.md).

Exit status: 0 success; 1 under ``--check`` when a file would change, or under
``--verify`` when a rewritten class would create another schema than the original or a
changed module cannot be imported; 2 for a usage error or a file that could not be
parsed, read or written (each is named, with line and column for a parse error; the
other files are still processed).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import rules as catalogue
from .runner import RunResult, run, write_atomically

if TYPE_CHECKING:
    from .verify import VerifyResult

DESCRIPTION = """\
Rewrite cqlengine code for coodie. With --compat, swap the cassandra.cqlengine
imports for coodie.compat.cqlengine (step 1 of a migration: the code runs on the
shim unchanged). Without it, the full mode runs every rule (--list-rules): models,
user types, options, querysets and call sites, exceptions, connection setup and
schema management to native coodie; what cannot be rewritten faithfully stays, with
a TODO(coodie-upgrade CUxxx) comment.
Files are rewritten in place unless --diff or --check is given. --verify compares
the schema (CREATE TABLE/TYPE/INDEX) each class of a changed module creates, original
(through the shim) and rewrite, in child processes, without a database; with it,
files are written only when every class agrees."""

EPILOG = """\
exit status: 0 ok, 1 changes needed (--check) or a difference or a module that cannot
be imported (--verify), 2 usage error or a file that could not be parsed, read or
written."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coodie-upgrade",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    parser.add_argument(
        "--compat", action="store_true", help="only swap the imports to the shim (CU001)"
    )
    parser.add_argument("--diff", action="store_true", help="print a diff, change nothing")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    parser.add_argument(
        "--jobs", "-j", type=int, default=None, metavar="N", help="processes (default: all cores)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and folders matching GLOB (a name or a path; repeatable)",
    )
    parser.add_argument("--only", metavar="RULES", help="run only these rules (CU001,CU002...)")
    parser.add_argument("--skip", metavar="RULES", help="do not run these rules")
    parser.add_argument(
        "--list-rules", action="store_true", help="print the rules and what is implemented"
    )
    parser.add_argument("--report", metavar="FILE.json", help="write a JSON report")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="compare the schema of each changed module's classes, original and rewrite "
        "(no database); write only when they agree",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    return parser


def list_rules(out: TextIO) -> None:
    for info in catalogue.catalogue():
        state = "implemented" if info.implemented else "not implemented yet"
        out.write(f"{info.id}  {info.title:<26} {state:<20} {info.rewrite}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)

    def usage_error(message: str) -> int:
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"coodie-upgrade: error: {message}\n")
        return 2

    if args.list_rules:
        list_rules(sys.stdout)
        return 0
    if not args.paths:
        return usage_error("give at least one PATH")
    if args.compat and (args.only or args.skip):
        return usage_error("--compat runs CU001 alone: it takes no --only or --skip")
    if args.jobs is not None and args.jobs < 1:
        return usage_error("--jobs must be at least 1")
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        return usage_error(f"no such file or folder: {', '.join(missing)}")
    try:
        only = catalogue.parse_ids(args.only) if args.only else None
        skip = catalogue.parse_ids(args.skip) if args.skip else []
        chosen, pending = catalogue.select(only, skip, compat=args.compat)
    except ValueError as exc:
        return usage_error(str(exc))
    for rule, lacking in catalogue.missing_needs(chosen).items():
        return usage_error(
            f"{rule} needs {', '.join(lacking)} in the same run (a converted model's "
            "options, call sites, exceptions and schema calls must be converted with it): "
            f"add them, or skip {rule}"
        )

    say = (lambda text: None) if args.quiet else (lambda text: sys.stderr.write(text + "\n"))
    if pending and only is not None:
        say(f"coodie-upgrade: not implemented yet, skipped: {', '.join(pending)}")
    elif pending:
        say(
            f"coodie-upgrade: this version implements {', '.join(chosen) or 'no rule'} of "
            "the full mode (the others come later: see --list-rules)"
        )
    if not args.compat and any(Path(p).is_file() for p in args.paths):
        say(
            "coodie-upgrade: the full mode reads only the files given: callers of their "
            "models in other files are not seen; give it the whole tree (a folder)"
        )
    dry = args.diff or args.check
    progress = Progress(sys.stderr) if not args.quiet and sys.stderr.isatty() else None
    try:
        result = run(
            args.paths,
            chosen,
            excludes=args.exclude,
            jobs=args.jobs,
            write=not dry and not args.verify,  # --verify: written once verified
            progress=progress,
        )
        verification = None
        if args.verify:
            if progress is not None:
                progress.status(f"verifying {len(result.changed)} changed modules")
            from .verify import verify_run

            verification = verify_run(result.changed)
    finally:
        if progress is not None:
            progress.clear()
    if verification is not None and not dry:
        if verification.ok:
            _write(result)
        else:
            dry = True  # nothing written
    written = not dry

    for failure in result.failed:  # always said, even with --quiet
        where = f":{failure.line}:{failure.column}" if failure.line is not None else ""
        sys.stderr.write(f"{failure.path}{where}: error: {failure.error} (left unchanged)\n")
    verb = "rewrote" if written else "would rewrite"
    for changed in result.changed:
        rules_used = ", ".join(f"{r} x{n}" for r, n in sorted(changed.rewrites.items()))
        say(f"{verb} {changed.path} ({rules_used or 'TODO comments only'})")
        if args.diff:
            sys.stdout.writelines(_diff(changed.path, changed.old or b"", changed.new or b""))
    for path, line, rule, why in result.todos:
        say(f"{path}:{line}: TODO {rule}: {why}")
    say(_summary(result, not written))
    if verification is not None:
        for problem in verification.lines():  # always said, even with --quiet
            sys.stderr.write(problem + "\n")
        say(verification.summary())
        if not verification.ok and not (args.diff or args.check) and result.changed:
            sys.stderr.write("coodie-upgrade: --verify did not agree: no file was written\n")
    if args.report:
        _write_report(Path(args.report), result, chosen, pending, args, written, verification)
    if result.failed:
        return 2
    if verification is not None and not verification.ok:
        return 1
    return 1 if args.check and result.changed else 0


PROGRESS_MIN_FILES = 8
"""The progress line shows for more candidate files than this (on a terminal)."""


class Progress:
    """One line on a terminal that updates in place (``coodie-upgrade: files 12/250``)
    and is erased at the end; the runner calls it as files are done."""

    def __init__(self, stream: TextIO, interval: float = 0.1) -> None:
        self.stream = stream
        self.interval = interval
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total <= PROGRESS_MIN_FILES:
            return
        now = time.monotonic()
        if done < total and now - self.last < self.interval:
            return
        self.last = now
        self.status(f"files {done}/{total}")

    def status(self, text: str) -> None:
        self.stream.write(f"\r\x1b[Kcoodie-upgrade: {text}")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _write(result: RunResult) -> None:
    """Write the changed files (after --verify agreed), as the runner would have."""
    for outcome in result.changed:
        if outcome.new is None:
            continue
        try:
            write_atomically(Path(outcome.path), outcome.new)
        except OSError as exc:
            outcome.changed = False
            outcome.error = f"cannot write: {exc.strerror or exc}"


def _diff(path: str, old: bytes, new: bytes) -> list[str]:
    before = old.decode("utf-8", "replace").splitlines(keepends=True)
    after = new.decode("utf-8", "replace").splitlines(keepends=True)
    sep = "" if path.startswith("/") else "/"
    lines = list(difflib.unified_diff(before, after, f"a{sep}{path}", f"b{sep}{path}"))
    return [line if line.endswith("\n") else line + "\n" for line in lines]


def _summary(result: RunResult, dry: bool) -> str:
    changed = len(result.changed)
    text = (
        f"coodie-upgrade: {result.scanned} file{'s' if result.scanned != 1 else ''} scanned "
        f"({result.candidates} read), "
        f"{changed} {'would change' if dry else 'changed'}, {len(result.failed)} failed, "
        f"{len(result.todos)} TODO{'s' if len(result.todos) != 1 else ''} left"
    )
    totals: dict[str, int] = {}
    for file in result.changed:
        for rule, count in file.rewrites.items():
            totals[rule] = totals.get(rule, 0) + count
    done = [f"{_DONE[r]} {totals[r]}" for r in _DONE if totals.get(r)]
    return text + (f"; {', '.join(done)}" if done else "")


_DONE = {
    "CU001": "imports",
    "CU002": "models converted",
    "CU003": "user types converted",
    "CU004": "Settings written",
    "CU005": "call sites rewritten",
    "CU006": "exceptions rewritten",
    "CU007": "connection calls rewritten",
    "CU008": "schema calls rewritten",
}
"""How the summary names what each rule's ``rewrites`` counted."""


def _write_report(
    path: Path,
    result: RunResult,
    chosen: tuple[str, ...],
    pending: tuple[str, ...],
    args: argparse.Namespace,
    written: bool,
    verification: VerifyResult | None = None,
) -> None:
    report = {
        "mode": "compat" if args.compat else "full",
        "written": written,
        "rules": list(chosen),
        "not_implemented": list(pending),
        "scanned": result.scanned,
        "candidates": result.candidates,
        "changed": [f.path for f in result.changed],
        "failed": [f.report() for f in result.failed],
        "files": [f.report() for f in result.files],
        "todos": [
            {"path": path, "line": line, "rule": rule, "why": why}
            for path, line, rule, why in result.todos
        ],
        "verify": None if verification is None else verification.report(),
    }
    path.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
