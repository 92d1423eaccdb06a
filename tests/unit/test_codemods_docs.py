"""The before/after examples of the codemod pages are what the codemod prints.

Every ``<!-- no-run: codemod input [flags] -->`` block of ``docs/migration/codemods.md``
and ``docs/migration/rules/*.md`` is followed by its ``codemod output`` block.  Flags:
``compat`` runs the import swap alone (``--compat``); ``fragment`` puts cqlengine's
usual imports above the input and compares the end of the output (a class shown
without its module).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from coodie.codemods import upgrade_source
from coodie.codemods.rules import RULES

DOCS = Path(__file__).parents[2] / "docs" / "migration"
PAGES = [DOCS / "codemods.md", *sorted((DOCS / "rules").glob("CU*.md"))]
HEAD = "from cassandra.cqlengine import columns\nfrom cassandra.cqlengine.models import Model\n"
BLOCK = re.compile(r"<!-- no-run: codemod (input|output)([^>]*)-->\n```python\n(.*?)```", re.S)


def _pairs(page: Path) -> list[tuple[set[str], str, str]]:
    blocks = BLOCK.findall(page.read_text())
    pairs = []
    for (kind, flags, text), (next_kind, _, after) in itertools.pairwise(blocks):
        if kind == "input":
            assert next_kind == "output", f"{page.name}: an input block without its output"
            pairs.append((set(flags.split()), text, after))
    return pairs


def test_every_rule_has_its_page() -> None:
    assert sorted(p.stem for p in (DOCS / "rules").glob("CU*.md")) == list(RULES)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_are_the_codemod_output(page: Path) -> None:
    pairs = _pairs(page)
    assert pairs or page.name == "codemods.md", f"{page.name} shows no example"
    for flags, before, after in pairs:
        if "fragment" in flags:
            out = upgrade_source(HEAD + "\n\n" + before, compat="compat" in flags)
            assert out.endswith(after), f"{page.name}:\n{out}"
        else:
            out = upgrade_source(before, compat="compat" in flags)
            assert out == after, f"{page.name}:\n{out}"
            assert upgrade_source(out, compat="compat" in flags) == out  # idempotent
