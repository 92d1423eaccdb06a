"""Every ```python block of README.md and docs/*.md runs against the real node.

Each page runs in its own process (``sys.executable tests/docs/runner.py``): its blocks
run in document order in one module, so a block uses what the blocks above it defined.

Blocks that must not run are marked with an HTML comment on the line right before the
fence, with the reason (invisible on GitHub and on the site)::

    <!-- no-run: a signature, not code -->
    ```python

Use it only for fragments, pseudo-code and code that needs what a test node lacks; a
block that fails because of a bug in coodie also gets ``<!-- TODO(code): ... -->``.
Python blocks are fenced ```python (never ```py), so none escapes this test.

Substitutions, made in the code before it runs (the page is not changed): the
keyspaces the docs use (``"app"``, ``"app_audit"``, ``"app_analytics"``, ``"argus"``,
quoted with " or ') become ``coodie_test_<hex>_<name>``, fresh for each test and
dropped after it; the contact points ``hosts=["127.0.0.1"]`` become the hosts of
``COODIE_HOSTS`` (see ``tests.conftest.cluster_hosts``), and any other
``["127.0.0.1"]`` (given to the driver's ``Cluster`` or to cqlengine's ``setup``) the
same hosts, as ``(host, port)`` pairs when ``COODIE_HOSTS`` names a port.  Nothing
else is changed, so the docs must create their keyspaces as a user on a fresh node
would.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from coodie.connection import contact_points
from tests.conftest import cluster_hosts

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
KEYSPACES = re.compile(r"""(["'])(app|app_audit|app_analytics|argus)\1""")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)")
NO_RUN = re.compile(r"^<!--\s*no-run\b\s*:?\s*(.*?)\s*-->\s*$")
TIMEOUT = 600


class Block(NamedTuple):
    line: int  # 1-based line of the first line of code
    lang: str
    code: str
    no_run: str | None  # the reason given by a no-run marker


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a Markdown page, with its language and no-run reason."""
    found: list[Block] = []
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, lang = opening.groups()
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), len(lines))
        marker = NO_RUN.match(lines[i - 1]) if i else None
        if marker and not marker.group(1):
            raise ValueError(f"{page.name}:{i}: a no-run marker needs a reason")
        code = "\n".join(lines[i + 1 : end]) + "\n"
        found.append(Block(i + 2, lang, code, marker.group(1) if marker else None))
        i = end + 1
    return found


def runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.lang == "python" and b.no_run is None]


def adapt(code: str, prefix: str, hosts: list[str]) -> str:
    names, port = contact_points(hosts)
    code = KEYSPACES.sub(lambda m: f'"{prefix}{m.group(2)}"', code)
    code = code.replace('hosts=["127.0.0.1"]', f"hosts={hosts!r}")
    return code.replace('["127.0.0.1"]', repr([(n, port) for n in names] if port else names))


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_python_blocks_are_fenced_python(page: Path) -> None:
    """```py or ```python3 would render the same but escape the snippet test."""
    bad = [b.line - 1 for b in blocks(page) if b.lang.lower() in {"py", "python3", "pycon"}]
    assert not bad, f"{page_id(page)}: fence these lines' blocks as ```python: {bad}"


@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=page_id)
def test_page_snippets_run(page: Path, docs_keyspace_prefix: str) -> None:
    hosts = cluster_hosts()
    payload = {
        "page": page_id(page),
        "blocks": [
            {"line": b.line, "code": adapt(b.code, docs_keyspace_prefix, hosts)}
            for b in runnable(page)
        ],
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("runner.py"))],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=TIMEOUT,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{page_id(page)}: a snippet failed (exit {done.returncode})\n"
            f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-5000:]}",
            pytrace=False,
        )
