"""Module that is absent or does not work in the edge runtime.

## What it does
Finds imports, in an edge function's module or any project module it imports (directly or
through other modules), of standard-library modules that the edge runtime does not have or
that do not work there. The finding is at the import and names the edge function that pulls the
module in, with the chain of imports from its handler.

Absent (the import fails):

{unavailable}

Importable but not working (for `threading` and `concurrent.futures`, only when the module
uses the listed names):

{non_functional}

A function is edge when the project model says so: a Cloudflare Python Worker
(`wrangler.toml` / `wrangler.jsonc` with a `.py` `main`, or a `WorkerEntrypoint` / `on_fetch`
entry point). The same imports in AWS Lambda, Vercel or Cloud Functions code are not reported.
Imports under `if TYPE_CHECKING:`, inside `try: ... except ImportError:`, or under a platform
check (`sys.platform`, `os.name`) are not reported.

## Why is this bad?
Python Workers run CPython compiled to WebAssembly inside a V8 isolate. There is no operating
system underneath: no processes, no threads, no raw sockets, no terminal, no users and groups.
An absent module makes the Worker fail when it is deployed (Cloudflare imports every module to
take its memory snapshot); a non-functional one fails on the first request that uses it.

## Example
```python
import subprocess

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        out = subprocess.run(["date"], capture_output=True, text=True).stdout
        return Response(out)
```

## Use instead
```python
from datetime import datetime, timezone

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response(datetime.now(timezone.utc).isoformat())
```

## Fix safety
No automatic fix: the replacement depends on what the module was used for (an HTTP API or a
platform binding instead of a subprocess, `asyncio` instead of threads).

## Options
None.

## References
- [Cloudflare: Python Workers standard library](https://developers.cloudflare.com/workers/languages/python/stdlib/)
- [Pyodide: Python compatibility](https://pyodide.org/en/stable/usage/wasm-constraints.html)
- [Cloudflare: how Python Workers work](https://developers.cloudflare.com/workers/languages/python/how-python-workers-work/)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import nodes_of
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.edge import NON_FUNCTIONAL, UNAVAILABLE, edge_module, import_base, is_guarded_import, module_entry, render_table
from sls_lint.rule import Case, Rule

__doc__ = __doc__.replace("{unavailable}", render_table("unavailable")).replace("{non_functional}", render_table("non_functional"))


class EdgeUnavailableModule(Rule):
    code = "SLS301"
    name = "edge-unavailable-module"
    summary = "Module that is absent or does not work in the edge runtime"
    severity = Severity.ERROR
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("import",)

    def begin_module(self, ctx) -> None:
        self._edge = edge_module(ctx)

    def visit_Import(self, node: ast.Import, ctx) -> None:
        if self._edge is None or node in ctx.model.type_checking_imports or is_guarded_import(ctx.model, node):
            return
        for alias in node.names:
            self._check(ctx, node, alias, alias.name, None)

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx) -> None:
        if self._edge is None or node.level or node in ctx.model.type_checking_imports or is_guarded_import(ctx.model, node):
            return
        base = import_base(ctx.model, node)
        if module_entry(UNAVAILABLE, base) or (module_entry(NON_FUNCTIONAL, base) and not NON_FUNCTIONAL[module_entry(NON_FUNCTIONAL, base)][1]):
            self._check(ctx, node, node, base, None)
            return
        for alias in node.names:
            full = f"{base}.{alias.name}"
            if full in NON_FUNCTIONAL or full in UNAVAILABLE:
                self._check(ctx, node, alias, full, None)
            elif module_entry(NON_FUNCTIONAL, base):
                self._check(ctx, node, alias, base, alias.name)

    def _check(self, ctx, stmt: ast.stmt, where: ast.AST, dotted: str, imported_name: str | None) -> None:
        edge = self._edge
        key = module_entry(UNAVAILABLE, dotted)
        if key is not None:
            detail = f"`{key}` cannot be imported in {edge.runtime} ({UNAVAILABLE[key]})"
        else:
            key = module_entry(NON_FUNCTIONAL, dotted)
            if key is None:
                return
            why, names = NON_FUNCTIONAL[key]
            if names:
                used = self._used_names(ctx, key, names, imported_name)
                if not used:
                    return
                detail = f"`{used}` does not work in {edge.runtime}: {why}"
            else:
                detail = f"`{key}` does not work in {edge.runtime}: {why}"
        ctx.report(
            where,
            f"{detail}; this module runs in {edge.describe()}",
            fix=FixIntent("display-only", f"Remove the `{key}` import from code that runs at the edge", Applicability.DISPLAY_ONLY),
            function=edge.function,
        )

    @staticmethod
    def _used_names(ctx, key: str, names: tuple[str, ...], imported_name: str | None) -> str | None:
        if imported_name is not None:
            return f"{key}.{imported_name}" if imported_name in names else None
        wanted = {f"{key}.{n}" for n in names}
        model = ctx.model
        for n in nodes_of(model, ast.Attribute):
            if isinstance(n.ctx, ast.Load):
                q = model.qualified_name(n)
                if q in wanted:
                    return q
        return None


WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return Response(helper())\n"
WRANGLER = 'name = "w"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\ncompatibility_date = "2024-03-20"\n'
ENTRY = "from workers import Response, WorkerEntrypoint\nfrom util import helper\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return Response(helper())\n"

VALID = [
    Case("import subprocess\n\ndef handler(event, context):\n    return subprocess.run(['ls']).returncode\n", note="the same module in a Lambda handler"),
    Case("import threading\n\n_lock = threading.Lock()\n\n" + WORKER.replace("helper()", "'ok'"), note="threading without starting threads"),
    Case("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fcntl\n\n" + WORKER.replace("helper()", "'ok'"), note="type-checking import"),
    Case("try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n\n" + WORKER.replace("helper()", "'ok'"), note="guarded import"),
    Case("import sys\nif sys.platform != 'emscripten':\n    import resource\n\n" + WORKER.replace("helper()", "'ok'"), note="platform check"),
    Case("import subprocess\n\ndef main():\n    subprocess.run(['make'])\n", path="scripts/build.py", files={"src/entry.py": ENTRY, "src/util.py": "def helper():\n    return 'ok'\n", "wrangler.toml": WRANGLER},
         note="a script the Worker does not import"),
    Case("import json\nimport asyncio\n\n" + WORKER.replace("helper()", "json.dumps({})"), note="available modules"),
    Case("def handler(event, context):\n    import fcntl\n    return fcntl\n", path="api/index.py", files={"vercel.json": "{}"}, note="Vercel function"),
]

INVALID = [
    Case("import subprocess\n\n" + WORKER.replace("helper()", "subprocess.run(['date']).stdout"), line=1, message="does not work in Cloudflare Python Workers"),
    Case("import fcntl, json\n\n" + WORKER.replace("helper()", "'ok'"), line=1, count=1, message="cannot be imported"),
    Case(
        "import pwd\n\ndef helper():\n    return pwd.getpwuid(0).pw_name\n",
        path="src/util.py",
        files={"src/entry.py": ENTRY, "wrangler.toml": WRANGLER},
        line=1,
        message="edge function `w` (src/entry.py → src/util.py)",
        note="imported by the Worker's module: the chain is named",
    ),
    Case(
        "from .deep import helper\n",
        path="src/pkg/util.py",
        files={
            "src/entry.py": ENTRY.replace("from util import helper", "from pkg.util import helper"),
            "src/pkg/__init__.py": "",
            "src/pkg/deep.py": "import multiprocessing\n\ndef helper():\n    return multiprocessing.cpu_count()\n",
            "wrangler.toml": WRANGLER,
        },
        count=0,
        note="the finding is in the transitively imported module (next case)",
    ),
    Case(
        "import multiprocessing\n\ndef helper():\n    return multiprocessing.cpu_count()\n",
        path="src/pkg/deep.py",
        files={
            "src/entry.py": ENTRY.replace("from util import helper", "from pkg.util import helper"),
            "src/pkg/__init__.py": "",
            "src/pkg/util.py": "from .deep import helper\n",
            "wrangler.toml": WRANGLER,
        },
        line=1,
        message="src/entry.py → src/pkg/util.py → src/pkg/deep.py",
    ),
    Case("from threading import Thread\n\n" + WORKER.replace("helper()", "'ok'"), line=1, message="threading.Thread"),
    Case("import threading\n\ndef work():\n    threading.Thread(target=print).start()\n\n" + WORKER.replace("helper()", "'ok'"), line=1, message="threading.Thread"),
    Case("from js import Response\nimport socket\n\ndef on_fetch(request, env):\n    return Response.new(socket.gethostname())\n", line=2, note="legacy on_fetch entry point"),
    Case("from concurrent.futures import ThreadPoolExecutor\n\n" + WORKER.replace("helper()", "'ok'"), line=1, message="concurrent.futures.ThreadPoolExecutor"),
]
