"""Run one page's snippets, in order, as one script: ``python runner.py < blocks.json``.

stdin holds ``{"page": path, "blocks": [{"line": n, "code": "..."}]}``.  The blocks
share one ``__main__`` module, as if the page were a single script, and one event loop,
so a block may use top-level ``await``.  Each block is compiled with the page's path
and line numbers, so a traceback points at the Markdown line that failed.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import sys
import types


def main() -> None:
    payload = json.load(sys.stdin)
    module = types.ModuleType("__main__")
    sys.modules["__main__"] = module
    loop = asyncio.new_event_loop()
    for block in payload["blocks"]:
        source = "\n" * (block["line"] - 1) + block["code"]
        code = compile(source, payload["page"], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, module.__dict__)
        if inspect.iscoroutine(result):
            loop.run_until_complete(result)
    loop.close()


if __name__ == "__main__":
    main()
