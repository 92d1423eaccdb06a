"""libcst codemods that rewrite cqlengine code for coodie (``coodie-upgrade``).

The rules have stable ids and titles, taken from the shim's mapping table
(``coodie.compat.cqlengine.mapping.RULES``): CU001, the swap of
``cassandra.cqlengine`` imports for ``coodie.compat.cqlengine`` (what
``coodie-upgrade --compat`` runs alone), then models, user types, options, call
sites, exceptions, connection setup and schema management.  As a library::

    from coodie.codemods import upgrade_source
    upgrade_source(text, compat=True)        # the import swap
    upgrade_source(text, ["CU001"])          # chosen rules (by id)
    upgrade_source(text)                     # every implemented rule (the full mode)

    from coodie.codemods import run
    run(["src/"], ["CU001"], write=False)    # files: what would change, what fails
    run(["src/"], IMPLEMENTED)               # the full mode over a tree, in place

See docs/migration/codemods.md.
"""

from .engine import SourceParseError, upgrade_bytes, upgrade_source
from .rules import IMPLEMENTED, RuleInfo, catalogue
from .runner import FileResult, RunResult, find_files, run

__all__ = [
    "IMPLEMENTED",
    "FileResult",
    "RuleInfo",
    "RunResult",
    "SourceParseError",
    "catalogue",
    "find_files",
    "run",
    "upgrade_bytes",
    "upgrade_source",
]
