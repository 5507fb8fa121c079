"""File written in an edge function.

## What it does
Finds code that writes to the filesystem in an edge function's module or any project module it
imports: `open()` / `io.open()` in a write, append, create or update mode, `Path.write_text`,
`write_bytes`, `touch`, `mkdir`, `unlink`, `rename`, `os.makedirs` / `mkdir` / `remove` /
`rename` / `replace`, `shutil.copy*` / `move` / `rmtree`, `sqlite3.connect()` on a file, and
logging file handlers. The finding names the edge function that runs the code.

Writes to a `tempfile` object, to a literal path under `/tmp`, and `sqlite3.connect(":memory:")`
are not reported: the runtime keeps them in the isolate's memory for the current request's use.
The same code in AWS Lambda, Vercel or Cloud Functions is not reported (SLS602 covers writes
outside `/tmp` there).

## Why is this bad?
A Python Worker has no disk. Its bundle is read-only, and whatever a Worker writes lives in the
memory of one isolate: it is gone when the isolate is recycled, invisible to every other
isolate serving the same Worker, and counts against the 128 MB memory limit. Data that must
outlive a request belongs in R2, KV or D1.

## Example
```python
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        with open("visits.log", "a") as fh:
            fh.write(request.url)
        return Response("ok")
```

## Use instead
```python
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        await self.env.VISITS.put(request.url, "1")
        return Response("ok")
```

## Fix safety
No automatic fix: the storage to use (R2, KV, D1) and its binding are a design decision.

## Options
None.

## References
- [Cloudflare: Workers storage options](https://developers.cloudflare.com/workers/platform/storage-options/)
- [Cloudflare: node:fs in Workers (memory-backed, /bundle read-only)](https://developers.cloudflare.com/workers/runtime-apis/nodejs/fs/)
- [Cloudflare: Workers limits](https://developers.cloudflare.com/workers/platform/limits/)
"""
from __future__ import annotations

import ast

from sls_lint.catalog import FILE_WRITE_CALLS, PATH_WRITE_METHODS, is_path_expr, is_write_mode
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.edge import edge_module
from sls_lint.rule import Case, Rule
from sls_lint.semantic import keyword

# the write-call tables and the pathlib check live in sls_lint.catalog (shared with SLS602)
WRITE_CALLS = FILE_WRITE_CALLS
PATH_METHODS = PATH_WRITE_METHODS
_is_write_mode = is_write_mode


def _literal_path(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def _scratch(path: str | None) -> bool:
    return path is not None and (path == "/tmp" or path.startswith("/tmp/") or path == ":memory:" or path.startswith("file::memory:"))


class EdgeFilesystemWrite(Rule):
    code = "SLS303"
    name = "edge-filesystem-write"
    summary = "File written in an edge function"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("open", "write_", "touch", "mkdir", "makedirs", "unlink", "rename", "replace", "remove", "shutil", "FileHandler", "sqlite3", "shelve", "dbm", "rmdir", "chmod", "truncate", "link")

    def begin_module(self, ctx) -> None:
        self._edge = edge_module(ctx)

    def visit_Call(self, node: ast.Call, ctx) -> None:
        if self._edge is None:
            return
        model = ctx.model
        qual = model.call_name(node)
        what = None
        if qual in ("open", "io.open", "codecs.open"):
            mode = node.args[1] if len(node.args) > 1 else (keyword(node, "mode").value if keyword(node, "mode") else None)
            target = node.args[0] if node.args else (keyword(node, "file").value if keyword(node, "file") else None)
            if _is_write_mode(mode) and not _scratch(_literal_path(target)):
                what = f"`{qual}(..., {mode.value!r})`"
        elif qual in WRITE_CALLS:
            i = WRITE_CALLS[qual]
            target = node.args[i] if len(node.args) > i else None
            if qual == "sqlite3.connect":
                target = node.args[0] if node.args else (keyword(node, "database").value if keyword(node, "database") else None)
            if target is not None and not _scratch(_literal_path(target)):
                what = f"`{qual}(...)`"
        elif isinstance(node.func, ast.Attribute) and node.func.attr in PATH_METHODS and self._is_path(model, node.func.value):
            if not _scratch(self._path_literal(node.func.value)):
                what = f"`Path.{node.func.attr}(...)`"
        if what is None:
            return
        edge = self._edge
        ctx.report(
            node,
            f"{what} writes to the filesystem, which {edge.runtime} do not have (the bundle is read-only; writes live in one isolate's memory and vanish); store the data in R2, KV or D1. This code runs in {edge.describe()}",
            fix=FixIntent("display-only", "Store the data in R2, KV or D1 through a binding", Applicability.DISPLAY_ONLY),
            function=edge.function,
        )

    def _is_path(self, model, expr: ast.AST) -> bool:
        return is_path_expr(model, expr)

    def _path_literal(self, expr: ast.AST, depth: int = 0) -> str | None:
        if depth > 6:
            return None
        if isinstance(expr, ast.Call) and expr.args and not isinstance(expr.func, ast.Attribute):
            return _literal_path(expr.args[0])
        if isinstance(expr, ast.BinOp):
            return self._path_literal(expr.left, depth + 1)
        return None


WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n"
WRANGLER = 'name = "api"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n'

VALID = [
    Case("def handler(event, context):\n    with open('/tmp/x', 'w') as f:\n        f.write('x')\n"),
    Case("def handler(event, context):\n    with open('out.txt', 'w') as f:\n        f.write('x')\n", note="Lambda (SLS602's business)"),
    Case("from pathlib import Path\n" + WORKER + "        return Response((Path(__file__).parent / 'index.html').read_text())\n", note="reading bundled files"),
    Case("import tempfile\n" + WORKER + "        with tempfile.TemporaryFile('w+') as fh:\n            fh.write('x')\n        return Response('ok')\n", note="tempfile scratch"),
    Case(WORKER + "        with open('/tmp/scratch.json', 'w') as fh:\n            fh.write('{}')\n        return Response('ok')\n", note="literal /tmp path"),
    Case("import sqlite3\n" + WORKER + "        db = sqlite3.connect(':memory:')\n        return Response('ok')\n", note="in-memory sqlite"),
    Case(WORKER + "        with open('data.json') as fh:\n            return Response(fh.read())\n", note="read mode"),
    Case("class Store:\n    def rename(self, a, b):\n        return a\n" + WORKER + "        Store().rename('a', 'b')\n        return Response('ok')\n", note="a method named like a Path one"),
]

INVALID = [
    Case(WORKER + "        with open('visits.log', 'a') as fh:\n            fh.write('x')\n        return Response('ok')\n", line=6, message="writes to the filesystem"),
    Case("from pathlib import Path\n\nCACHE = Path(__file__).parent / 'cache'\n" + WORKER + "        (CACHE / 'x.json').write_text('{}')\n        return Response('ok')\n", line=9, message="Path.write_text"),
    Case("import os\n" + WORKER + "        os.makedirs('data', exist_ok=True)\n        return Response('ok')\n", line=7),
    Case("import logging\n\nlogging.getLogger().addHandler(logging.FileHandler('app.log'))\n" + WORKER + "        return Response('ok')\n", line=3),
    Case(
        "import json\n\ndef save(obj):\n    with open('state.json', mode='w') as fh:\n        json.dump(obj, fh)\n",
        path="src/state.py",
        files={"src/entry.py": "from state import save\n" + WORKER + "        save({})\n        return Response('ok')\n", "wrangler.toml": WRANGLER},
        line=4,
        message="edge function `api` (src/entry.py → src/state.py)",
    ),
]
