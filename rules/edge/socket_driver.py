"""Raw-socket database or cache driver in an edge function.

## What it does
Finds imports of database, cache and queue drivers that talk over raw TCP sockets, in an edge
function's module or any project module it imports (directly or through other modules). The
finding is at the import, names the edge function that pulls the module in, and suggests what
to use instead:

{socket_drivers}

The same drivers in AWS Lambda, Vercel or Cloud Functions code are not reported, nor imports
under `if TYPE_CHECKING:`, inside `try: ... except ImportError:` or under a platform check.

## Why is this bad?
A Python Worker has no raw sockets: a driver that opens a TCP connection to PostgreSQL, MySQL,
Redis or MongoDB fails on its first query, and drivers with native extensions (psycopg2) have no
WebAssembly build, so the Worker does not even deploy. Edge code reaches data over HTTP (the
database's HTTP API, called with `fetch` or `httpx`) or through a platform binding (D1, KV,
Hyperdrive, Queues).

## Example
```python
import redis
from workers import Response, WorkerEntrypoint

cache = redis.Redis(host="cache.internal")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response(cache.get("greeting"))
```

## Use instead
```python
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response(await self.env.CACHE.get("greeting"))
```

## Fix safety
No automatic fix: moving to an HTTP driver or a binding changes the data access code and the
deployment configuration.

## Options
None.

## References
- [Cloudflare: Python Workers packages](https://developers.cloudflare.com/workers/languages/python/packages/)
- [Cloudflare: Hyperdrive](https://developers.cloudflare.com/hyperdrive/)
- [Cloudflare: Workers KV](https://developers.cloudflare.com/kv/)
"""
from __future__ import annotations

import ast

from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.edge import SOCKET_DRIVERS, edge_module, import_base, is_guarded_import, module_entry, render_table
from sls_lint.rule import Case, Rule

__doc__ = __doc__.replace("{socket_drivers}", render_table("socket_drivers"))


class EdgeSocketDriver(Rule):
    code = "SLS304"
    name = "edge-socket-driver"
    summary = "Raw-socket database or cache driver in an edge function"
    severity = Severity.ERROR
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = tuple(sorted({k.split(".")[0] for k in SOCKET_DRIVERS}))

    def begin_module(self, ctx) -> None:
        self._edge = edge_module(ctx)

    def _skip(self, ctx, node) -> bool:
        return self._edge is None or node in ctx.model.type_checking_imports or is_guarded_import(ctx.model, node)

    def visit_Import(self, node: ast.Import, ctx) -> None:
        if self._skip(ctx, node):
            return
        for alias in node.names:
            self._report(ctx, alias, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx) -> None:
        if node.level or self._skip(ctx, node):
            return
        base = import_base(ctx.model, node)
        if module_entry(SOCKET_DRIVERS, base):
            self._report(ctx, node, base)
            return
        for alias in node.names:  # `from mysql import connector`
            self._report(ctx, alias, f"{base}.{alias.name}")

    def _report(self, ctx, where: ast.AST, dotted: str) -> None:
        key = module_entry(SOCKET_DRIVERS, dotted)
        if key is None:
            return
        what, instead = SOCKET_DRIVERS[key]
        edge = self._edge
        ctx.report(
            where,
            f"`{key}` is a {what} that needs raw TCP sockets, which {edge.runtime} do not have; use {instead}. This module runs in {edge.describe()}",
            fix=FixIntent("display-only", f"Replace `{key}` with {instead}", Applicability.DISPLAY_ONLY),
            function=edge.function,
        )


WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return Response('ok')\n"
WRANGLER = 'name = "api"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n'

VALID = [
    Case("import psycopg2\n\nconn = psycopg2.connect('')\n\ndef handler(event, context):\n    return conn\n", note="Lambda handler"),
    Case("import redis\n\ndef handler(request):\n    return redis.Redis().get('k')\n", path="main.py", files={"requirements.txt": "functions-framework\n"}, note="not edge"),
    Case("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import redis\n\n" + WORKER, note="type-checking import"),
    Case("try:\n    import redis\nexcept ImportError:\n    redis = None\n\n" + WORKER, note="optional driver"),
    Case("import httpx\nimport redisearch_helpers\n\n" + WORKER, note="redis only as a prefix of another name"),
    Case("import psycopg2\n", path="scripts/migrate.py", files={"src/entry.py": WORKER, "wrangler.toml": WRANGLER}, note="not imported by the Worker"),
]

INVALID = [
    Case("import redis\n\n" + WORKER, line=1, message="Redis client"),
    Case("from pymongo import MongoClient\n\n" + WORKER, line=1, message="MongoDB driver"),
    Case("from mysql import connector\n\n" + WORKER, line=1, message="`mysql.connector`"),
    Case("import psycopg2.extras\n\n" + WORKER, line=1, count=1, message="`psycopg2`"),
    Case(
        "import asyncpg\n\nasync def query(sql):\n    conn = await asyncpg.connect('')\n    return await conn.fetch(sql)\n",
        path="src/db.py",
        files={"src/entry.py": "from db import query\n" + WORKER, "wrangler.toml": WRANGLER},
        line=1,
        message="edge function `api` (src/entry.py → src/db.py)",
    ),
]
