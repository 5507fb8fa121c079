"""Synchronous HTTP call in an edge function.

## What it does
Finds synchronous HTTP calls in an edge function's module or any project module it imports:

{blocking_http}

The finding is at the call and names the edge function that runs it. The same calls in AWS
Lambda, Vercel or Cloud Functions code are not reported.

## Why is this bad?
Python Workers have no sockets: only HTTP clients that make requests asynchronously work
(`httpx` and `aiohttp`, which the runtime runs over the JavaScript `fetch`), or `fetch` itself.
A synchronous client fails at the first request.

## Example
```python
import requests
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        r = requests.get("https://api.example.com/items", headers={"Accept": "application/json"})
        return Response(r.text)
```

## Use instead
```python
import httpx
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        async with httpx.AsyncClient() as http_client:
            r = await http_client.get("https://api.example.com/items", headers={"Accept": "application/json"}, follow_redirects=True)
        return Response(r.text)
```

## Fix safety
Where the call shape allows, the fix rewrites a `requests.<method>(url, ...)` call inside an
`async def` into an awaited request on an `httpx.AsyncClient` opened around the statement,
keeping the URL, method, query parameters, headers, body (`data=`, `json=`), cookies, basic
auth and timeout, and following redirects as `requests` does. It is unsafe: httpx raises its own
exceptions (not `requests.RequestException`), applies a 5 s timeout where `requests` had none,
and its response differs in details. The fix is offered only when the call has a single
positional URL, only the keywords above (a numeric `timeout=`), no `**kwargs`, sits alone on
its line in a simple statement of the async function, is not inside a `try` that catches
`requests` exceptions, and the response is only used through `.json()`, `.text`, `.content`,
`.status_code`, `.headers`, `.encoding`, `.elapsed` or `.raise_for_status()`. Calls in
synchronous functions, `urllib`, `http.client` and `urllib3` calls get no automatic fix.

## Options
None.

## References
- [Cloudflare: Python Workers packages (HTTP clients)](https://developers.cloudflare.com/workers/languages/python/packages/)
- [Cloudflare: Python Workers fetch](https://developers.cloudflare.com/workers/languages/python/ffi/)
- [HTTPX: async support](https://www.python-httpx.org/async/)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import nodes_of
from sls_lint.catalog import HTTP_CALLS, POOL_METHODS, canonical
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.edge import BLOCKING_HTTP, edge_module, module_entry, render_table
from sls_lint.rule import Case, Rule

__doc__ = __doc__.replace("{blocking_http}", render_table("blocking_http"))

REQUEST_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
FIX_KEYWORDS = frozenset({"params", "headers", "json", "data", "cookies", "auth", "timeout", "allow_redirects"})
RESPONSE_ATTRS = frozenset({"json", "text", "content", "status_code", "headers", "encoding", "elapsed", "raise_for_status"})


def blocking_call(qual: str | None) -> str | None:
    """The library of a synchronous HTTP call (``requests``, ``urllib.request``, ...), or None."""
    if not qual:
        return None
    spec = HTTP_CALLS.get(qual)
    if spec is not None and module_entry(BLOCKING_HTTP, qual.rsplit(".", 1)[0] if qual.count(".") else qual):
        return module_entry(BLOCKING_HTTP, qual)
    owner, _, method = qual.rpartition(".")
    if owner.startswith("urllib3.") and method in POOL_METHODS.get(owner, ()):
        return "urllib3"
    return None


class EdgeBlockingHttp(Rule):
    code = "SLS302"
    name = "edge-blocking-http"
    summary = "Synchronous HTTP call in an edge function"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    prefilter = ("requests", "urllib", "http.client", "HTTPConnection", "HTTPSConnection")

    def begin_module(self, ctx) -> None:
        self._edge = edge_module(ctx)

    def visit_Call(self, node: ast.Call, ctx) -> None:
        if self._edge is None:
            return
        qual = canonical(ctx.model.call_name(node))
        lib = blocking_call(qual)
        if lib is None:
            return
        edge = self._edge
        fix = _httpx_fix(ctx, node, qual)
        advice = "await an `httpx.AsyncClient` request, `aiohttp`, or `fetch`" if fix is None else "await an `httpx.AsyncClient` request instead"
        ctx.report(
            node,
            f"`{qual}(...)` is synchronous HTTP: {BLOCKING_HTTP[lib]}; {advice}. This code runs in {edge.describe()}",
            fix=fix or FixIntent("display-only", "Make the function async and await httpx, aiohttp or fetch", Applicability.DISPLAY_ONLY),
            function=edge.function,
        )


def _statement_of(model, node):
    cur = node
    while cur is not None and not isinstance(cur, ast.stmt):
        cur = model.parents.get(cur)
    return cur


def _alone_on_its_lines(model, stmt: ast.stmt) -> bool:
    line = model.lines[stmt.lineno - 1] if stmt.lineno <= len(model.lines) else ""
    if line[: stmt.col_offset].strip():
        return False
    parent = model.parents.get(stmt)
    for field in ("body", "orelse", "finalbody", "handlers"):
        siblings = getattr(parent, field, None)
        if isinstance(siblings, list) and stmt in siblings:
            for s in siblings:
                if s is not stmt and isinstance(s, ast.stmt) and (s.lineno <= stmt.end_lineno and s.end_lineno >= stmt.lineno):
                    return False
    return True


def _catches_requests(model, node: ast.AST, func: ast.AST) -> bool:
    cur = model.parents.get(node)
    while cur is not None and cur is not func:
        if isinstance(cur, ast.Try):
            for h in cur.handlers:
                if h.type is not None and "requests" in ast.unparse(h.type) or h.type is not None and "RequestException" in ast.unparse(h.type):
                    return True
        cur = model.parents.get(cur)
    return False


def _response_uses_ok(model, call: ast.Call, stmt: ast.stmt, info) -> bool:
    parent = model.parents.get(call)
    if isinstance(parent, ast.Attribute):
        return parent.attr in RESPONSE_ATTRS
    if not (isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return isinstance(stmt, ast.Expr) and stmt.value is call
    name = stmt.targets[0].id
    if len(info.scope.bindings.get(name, [])) != 1 or name in info.scope.globals or name in info.scope.nonlocals:
        return False
    for n in ast.walk(info.node):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
            p = model.parents.get(n)
            if not (isinstance(p, ast.Attribute) and p.value is n and p.attr in RESPONSE_ATTRS):
                return False
            if model.scope_at(n) is not info.scope:
                return False
    return True


def _fresh(model, info, base: str) -> str:
    used = {n.id for n in nodes_of(model, ast.Name)} | set(info.scope.bindings) | set(model.module_scope.bindings) | set(model.module_scope.imports)
    name, i = base, 2
    while name in used:
        name, i = f"{base}_{i}", i + 1
    return name


def _offset(model, line: int, col: int) -> int:
    """Character offset in the source of a (1-based line, UTF-8 byte column) position."""
    from sls_lint.engine import char_column

    starts = getattr(model, "_sls_line_starts", None)
    if starts is None:
        starts, pos = [], 0
        for text in model.source.splitlines(keepends=True):
            starts.append(pos)
            pos += len(text)
        starts.append(pos)
        model._sls_line_starts = starts
    text = model.lines[line - 1] if line - 1 < len(model.lines) else ""
    return starts[line - 1] + char_column(text, col)


def _httpx_fix(ctx, call: ast.Call, qual: str) -> FixIntent | None:
    model = ctx.model
    if not qual.startswith("requests.") or qual.count(".") != 1:
        return None
    verb = qual.split(".")[1]
    if verb not in REQUEST_VERBS:
        return None
    info = model.enclosing_function(call)
    if info is None or not info.is_async or model.scope_at(call) is not info.scope:
        return None
    if len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
        return None
    for kw in call.keywords:
        if kw.arg is None or kw.arg not in FIX_KEYWORDS:
            return None
        if kw.arg == "timeout" and not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, (int, float)) and not isinstance(kw.value.value, bool)):
            return None
    stmt = _statement_of(model, call)
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Return, ast.Expr)) or not _alone_on_its_lines(model, stmt):
        return None
    if sum(1 for n in ast.walk(stmt) if isinstance(n, ast.Call) and blocking_call(canonical(model.call_name(n)))) != 1:
        return None
    if any(isinstance(n, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)) for n in ast.walk(stmt)):
        return None
    if _catches_requests(model, call, info.node) or not _response_uses_ok(model, call, stmt, info):
        return None
    lookup = model.lookup("httpx", model.scope_at(call))
    if lookup is not None and lookup[0].imports.get("httpx") != "httpx":
        return None
    client = _fresh(model, info, "http_client")
    parts = [model.node_text(call.args[0])]
    redirects = None
    for kw in call.keywords:
        if kw.arg == "allow_redirects":
            redirects = model.node_text(kw.value)
        else:
            parts.append(f"{kw.arg}={model.node_text(kw.value)}")
    if redirects is not None:
        parts.append(f"follow_redirects={redirects}")
    elif verb != "head":
        parts.append("follow_redirects=True")
    request = f"await {client}.{verb}({', '.join(parts)})"
    parent = model.parents.get(call)
    if isinstance(parent, ast.Attribute):
        request = f"({request})"
    s0 = _offset(model, stmt.lineno, stmt.col_offset)
    s1 = _offset(model, stmt.end_lineno, stmt.end_col_offset)
    c0 = _offset(model, call.lineno, call.col_offset)
    c1 = _offset(model, call.end_lineno, call.end_col_offset)
    src = model.source
    body = src[s0:c0] + request + src[c1:s1]
    code = f"async with httpx.AsyncClient() as {client}:\n    {body}"
    return FixIntent(
        "replace-node",
        f"Await an `httpx.AsyncClient().{verb}(...)` request (same URL, method, headers and body)",
        Applicability.UNSAFE,
        ctx.span(stmt),
        (("code", code), ("imports", (("httpx", None),))),
    )


WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n"
FIXED = "import requests\n" + WORKER.replace("WorkerEntrypoint\n", "WorkerEntrypoint\nimport httpx\n", 1)
WRANGLER = 'name = "api"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n'

VALID = [
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=5).json()\n", note="Lambda handler"),
    Case("import requests\n\nasync def handler(event, context):\n    return requests.get('https://x', timeout=5).json()\n", path="api/index.py", files={"vercel.json": "{}"}, note="Vercel"),
    Case("import httpx\n" + WORKER + "        async with httpx.AsyncClient() as c:\n            return Response((await c.get('https://x')).text)\n", note="async httpx"),
    Case("from js import fetch\n" + WORKER + "        r = await fetch('https://x')\n        return Response(await r.text())\n", note="platform fetch"),
    Case("import requests\n\ndef sync_report():\n    return requests.get('https://x', timeout=5)\n", path="scripts/report.py", files={"src/entry.py": WORKER + "        return Response('ok')\n", "wrangler.toml": WRANGLER}, note="script not imported by the Worker"),
]

INVALID = [
    Case(
        "import requests\n" + WORKER + "        r = requests.get('https://api.example.com/items', headers={'Accept': 'application/json'})\n        return Response(r.text)\n",
        line=7,
        unsafe=True,
        fixed=FIXED + "        async with httpx.AsyncClient() as http_client:\n            r = await http_client.get('https://api.example.com/items', headers={'Accept': 'application/json'}, follow_redirects=True)\n        return Response(r.text)\n",
    ),
    Case(
        "import requests\n" + WORKER + "        return Response(requests.post(self.env.URL, json={'a': 1}, timeout=5).json()['id'])\n",
        line=7,
        unsafe=True,
        fixed=FIXED + "        async with httpx.AsyncClient() as http_client:\n            return Response((await http_client.post(self.env.URL, json={'a': 1}, timeout=5, follow_redirects=True)).json()['id'])\n",
        note="method, body and timeout kept; chained .json()",
    ),
    Case(
        "import requests\n" + WORKER + "        r = requests.head('https://x', allow_redirects=True)\n        return Response(str(r.status_code))\n",
        line=7,
        unsafe=True,
        fixed=FIXED + "        async with httpx.AsyncClient() as http_client:\n            r = await http_client.head('https://x', follow_redirects=True)\n        return Response(str(r.status_code))\n",
    ),
    Case(
        "import requests\n" + WORKER + "        r = requests.get('https://x')\n        return Response('yes' if r.ok else 'no')\n",
        line=7,
        unsafe=True,
        fixed="import requests\n" + WORKER + "        r = requests.get('https://x')\n        return Response('yes' if r.ok else 'no')\n",
        note="`.ok` does not exist on an httpx response: no fix",
    ),
    Case(
        "import requests\n" + WORKER + "        try:\n            r = requests.get('https://x')\n        except requests.RequestException:\n            return Response('down')\n        return Response(r.text)\n",
        line=8,
        unsafe=True,
        fixed="import requests\n" + WORKER + "        try:\n            r = requests.get('https://x')\n        except requests.RequestException:\n            return Response('down')\n        return Response(r.text)\n",
        note="handler catches requests exceptions: no fix",
    ),
    Case(
        "import requests\n" + WORKER + "        r = requests.get('https://x', stream=True)\n        return Response(r.text)\n",
        line=7,
        unsafe=True,
        fixed="import requests\n" + WORKER + "        r = requests.get('https://x', stream=True)\n        return Response(r.text)\n",
        note="unsupported keyword: no fix",
    ),
    Case(
        "import urllib.request\n\ndef load(url):\n    return urllib.request.urlopen(url, timeout=5).read()\n",
        path="src/net.py",
        files={"src/entry.py": "from net import load\n" + WORKER + "        return Response(load('https://x'))\n", "wrangler.toml": WRANGLER},
        line=4,
        message="edge function `api` (src/entry.py → src/net.py)",
    ),
    Case("import http.client\n" + WORKER + "        c = http.client.HTTPSConnection('example.com')\n        return Response('x')\n", line=7),
    Case("import requests\n\nsession = requests.Session()\n" + WORKER + "        return Response(session.get('https://x').text)\n", line=9, message="requests.Session.get"),
]
