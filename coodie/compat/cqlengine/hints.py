"""Opt-in migration hints: with ``COODIE_MIGRATION_HINTS=1`` in the environment, each
cqlengine-style call site warns once (``MigrationHint``), naming the ``coodie-upgrade``
rule that rewrites it to native coodie.  Off by default, and then a single flag test.
"""

from __future__ import annotations

import os
import sys
import warnings

from .mapping import RULES

ENABLED = os.environ.get("COODIE_MIGRATION_HINTS", "").lower() not in ("", "0", "false", "no")


class MigrationHint(UserWarning):
    """A cqlengine-style call that ``coodie-upgrade`` can rewrite to native coodie."""


_HERE = os.path.dirname(os.path.abspath(__file__))
_seen: set[tuple[str, int, str]] = set()


def hint(rule: str, what: str) -> None:
    """Warn about ``what`` at the application's line: the first caller outside the shim."""
    if not ENABLED:
        return
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and os.path.dirname(frame.f_code.co_filename) == _HERE:
        frame = frame.f_back
        level += 1
    key = (frame.f_code.co_filename, frame.f_lineno, rule)
    if key in _seen:  # one hint per line and rule (a call may reach two hooks)
        return
    _seen.add(key)
    entry = RULES[rule]
    warnings.warn(
        f"{what}: {entry.rewrite} (coodie-upgrade rule {rule}, {entry.title}: "
        f"`coodie-upgrade --only {rule} PATH`)",
        MigrationHint,
        stacklevel=level,
    )


__all__ = ["ENABLED", "MigrationHint", "hint"]
