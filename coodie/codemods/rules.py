"""The rule catalogue of ``coodie-upgrade``: ids and titles from the shim's mapping table.

The rules, their ids and their titles are ``coodie.compat.cqlengine.mapping.RULES``
(the table the shim's migration hints also name); this module says which of them
has a transformer yet, and in which order they run (the order of the ids, except that
CU003, user types, runs before CU002, models, which use them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from libcst.codemod import VisitorBasedCodemodCommand

from coodie.compat.cqlengine.mapping import RULES, Rule

from .calls import CallsCommand, ExceptionsCommand
from .imports import ImportSwapCommand
from .models import ModelsCommand, SettingsCommand
from .setup_calls import ConnectionCommand, ManagementCommand
from .usertypes import UserTypesCommand

# Each rule id of the mapping table and its transformer; None: not implemented yet.
TRANSFORMERS: dict[str, type[VisitorBasedCodemodCommand] | None] = {
    "CU001": ImportSwapCommand,  # imports (also what --compat runs, alone)
    # user types run before models: a model's UserDefinedType(T) needs T converted
    "CU003": UserTypesCommand,  # user types
    "CU002": ModelsCommand,  # models
    "CU004": SettingsCommand,  # model options -> class Settings (of CU002's models)
    "CU005": CallsCommand,  # querysets and call sites (of converted models)
    "CU006": ExceptionsCommand,  # exceptions (DoesNotExist in except clauses, attribute access)
    "CU007": ConnectionCommand,  # connection setup -> init_coodie
    "CU008": ManagementCommand,  # schema management -> Model.sync_table(), ...
}
assert set(TRANSFORMERS) == set(RULES), "coodie.codemods.rules is out of step with RULES"

COMPAT_RULES: tuple[str, ...] = ("CU001",)
"""What ``--compat`` runs: the import swap alone."""

IMPLEMENTED: tuple[str, ...] = tuple(r for r in RULES if TRANSFORMERS[r] is not None)


@dataclass(frozen=True)
class RuleInfo:
    """A rule of the catalogue, and whether this version implements it."""

    id: str
    title: str
    rewrite: str
    implemented: bool


def catalogue() -> list[RuleInfo]:
    """Every rule of ``mapping.RULES``, in id order (the engine runs them in the order
    of ``TRANSFORMERS``)."""
    return [_info(rule) for rule in RULES.values()]


def _info(rule: Rule) -> RuleInfo:
    return RuleInfo(rule.id, rule.title, rule.rewrite, TRANSFORMERS[rule.id] is not None)


def parse_ids(text: str) -> list[str]:
    """``"CU001,cu002 CU003"`` -> the ids; ValueError naming an unknown one."""
    ids = [part.strip().upper() for part in text.replace(" ", ",").split(",") if part.strip()]
    unknown = [i for i in ids if i not in RULES]
    if unknown:
        raise ValueError(f"unknown rule {', '.join(unknown)} (known: {', '.join(RULES)})")
    return ids


def select(
    only: Iterable[str] | None = None, skip: Iterable[str] = (), *, compat: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rules to run (in id order), and those selected but not implemented yet.

    ``compat`` runs CU001 alone; otherwise every rule (or those of ``only``), less
    ``skip``.  Unknown ids raise ValueError.
    """
    wanted = set(COMPAT_RULES if compat else (only if only is not None else RULES))
    skipped = set(skip)
    unknown = sorted((wanted | skipped) - set(RULES))
    if unknown:
        raise ValueError(f"unknown rule {', '.join(unknown)} (known: {', '.join(RULES)})")
    chosen = [r for r in RULES if r in wanted and r not in skipped]
    run = tuple(r for r in chosen if TRANSFORMERS[r] is not None)
    pending = tuple(r for r in chosen if TRANSFORMERS[r] is None)
    return run, pending


NEEDS: dict[str, tuple[str, ...]] = {
    "CU002": ("CU004", "CU005", "CU006", "CU008"),
}
"""Rules whose rewrite is only right with others: a model converted without its options
(CU004) would change table; without its call sites, exceptions and schema calls (CU005,
CU006, CU008), cqlengine's calls would be left on a coodie Document."""


def missing_needs(chosen: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each chosen rule, the rules it needs that are not chosen (the command refuses
    such a choice; the library lets a caller run one rule alone, as tests do)."""
    picked = set(chosen)
    found = {}
    for rule, needs in NEEDS.items():
        lacking = tuple(r for r in needs if r not in picked)
        if rule in picked and lacking:
            found[rule] = lacking
    return found
