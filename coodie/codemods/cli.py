"""Entry point of ``coodie-upgrade`` (a placeholder until the codemods land)."""

from __future__ import annotations

import sys

USAGE = """\
usage: coodie-upgrade PATH... [--compat] [--diff] [--check] [--jobs N] [--exclude GLOB]

Rewrites cqlengine code to coodie. Not implemented yet in this version: no file is
read or changed. See docs/index.md for the migration path available today.
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    stream = sys.stdout if args in ([], ["-h"], ["--help"]) else sys.stderr
    stream.write(USAGE)
    return 0 if stream is sys.stdout else 2


if __name__ == "__main__":
    raise SystemExit(main())
