"""Expensive client or connection created on every invocation.

## What it does
Finds SDK clients, database connections, connection pools and HTTP sessions (boto3, psycopg,
PyMySQL, SQLAlchemy engines, pymongo, redis, Elasticsearch/OpenSearch, requests/httpx/aiohttp
sessions, Google Cloud and Azure clients, OpenAI/Anthropic clients, Prisma, Powertools
utilities) that are created per invocation: in a handler, or in any function a handler calls,
in this module or another module of the project. The message shows the call chain from the
handler to the constructor.

## Why is this bad?
A serverless container serves many invocations. A client created in the handler is rebuilt
on every call: `boto3.Session().client("sqs")` costs about 240 ms each time, `httpx.Client()`
65-75 ms, and a new database connection adds a TCP, TLS and authentication round trip and can
exhaust the database's connection limit under load. AWS, Google Cloud and Azure all advise
creating clients once, at module scope, and reusing them across warm invocations.

Not reported: clients at module scope, lazy module-level singletons (`global client` plus an
`if client is None:` guard, or a module-level dict cache guarded by a membership test),
factories cached with `functools.cache` / `lru_cache`, and code that no handler reaches
(scripts, tests, CLI tools).

## Example
```python
import boto3

def handler(event, context):
    table = boto3.resource("dynamodb").Table("orders")
    return table.get_item(Key={"id": event["id"]})
```

## Use instead
```python
import boto3

table = boto3.resource("dynamodb").Table("orders")

def handler(event, context):
    return table.get_item(Key={"id": event["id"]})
```

## Fix safety
The fix hoists the creation to module scope. It is safe when the creation runs
unconditionally at the top of the function body, assigns a plain local name that nothing else
rebinds, and its arguments do not depend on the invocation (no event, request, context or
handler locals; only imports, module constants and environment lookups defined above the
function). Otherwise no automatic fix is offered: the finding suggests a lazily created,
module-level cached factory instead.

## Options
None.

## References
- [AWS Lambda best practices](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
- [Cloud Functions tips: use global variables](https://cloud.google.com/functions/docs/bestpractices/tips)
- [Azure Functions: manage connections](https://learn.microsoft.com/en-us/azure/azure-functions/manage-connections)
"""
from __future__ import annotations

import ast
import re

from sls_lint.astindex import nodes_of, walk_list
from sls_lint.catalog import CLIENT_CONSTRUCTORS, CLIENT_FACTORY_RECEIVERS, canonical, client_kind
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.semantic import defined_before, invocation_names, top_level_statement


class ClientInHandler(Rule):
    code = "SLS101"
    call_names = frozenset(CLIENT_CONSTRUCTORS)
    name = "client-in-handler"
    summary = "Expensive client or connection created on every invocation"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.SAFE

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        qual = canonical(model.call_name(node))
        kind = client_kind(qual)
        if kind is None:
            return
        reach = ctx.reach_of(node)
        if reach is None:
            return
        # `boto3.Session().client(...)`: report the Session, not both
        if isinstance(node.func, ast.Attribute):
            recv = node.func.value
            owner = canonical(model.instance_type(recv))
            if owner in CLIENT_FACTORY_RECEIVERS and (isinstance(recv, ast.Call) or _bound_in_same_function(model, recv, node)):
                return
        if _is_lazy_singleton(model, node) or _is_lazy_attribute(ctx, node):
            return
        chain = " → ".join(list(reach.chain) + [qual or ast.unparse(node.func)])
        fix = _hoist_fix(model, node, qual or "")
        where = "" if fix is not None and fix.applicability == Applicability.SAFE else " (or in a cached factory when its creation is conditional)"
        ctx.report(
            node,
            f"{kind} `{qual}(...)` is created on every invocation of `{reach.function.name}` ({chain}); create it once at module scope{where} and reuse it across warm invocations",
            fix=fix,
            function=reach.function.name,
        )


def _bound_in_same_function(model, recv: ast.AST, call: ast.Call) -> bool:
    if not isinstance(recv, ast.Name):
        return False
    scope = model.scope_at(call)
    found = model.lookup(recv.id, scope)
    return found is not None and found[0] is scope


def _statement_of(model, node: ast.AST) -> ast.stmt | None:
    cur = node
    while cur is not None and not isinstance(cur, ast.stmt):
        cur = model.parents.get(cur)
    return cur


def _is_lazy_singleton(model, call: ast.Call) -> bool:
    """``global x`` + guarded assignment, or ``CACHE[key] = ctor()`` under a membership test."""
    stmt = _statement_of(model, call)
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        # `return _cache.setdefault(k, ctor())` still builds a client every time: not lazy
        return False
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    scope = model.scope_at(call)
    names: set[str] = set()
    for t in targets:
        if isinstance(t, ast.Name) and t.id in scope.globals:
            names.add(t.id)
        elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            found = model.lookup(t.value.id, scope)
            if found is not None and found[0] is model.module_scope:
                names.add(t.value.id)
        elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
            found = model.lookup(t.value.id, scope)
            if found is not None and found[0] is model.module_scope:
                names.add(t.value.id)
    if not names:
        return False
    # an enclosing `if` (or `while`) in the same function whose test mentions the cached name
    cur = model.parents.get(stmt)
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        if isinstance(cur, (ast.If, ast.While)):
            if any(isinstance(n, ast.Name) and n.id in names for n in walk_list(cur.test)):
                return True
        cur = model.parents.get(cur)
    return False


def _is_lazy_attribute(ctx, call: ast.Call) -> bool:
    """``self._conn = ctor()`` under a guard on ``self._conn`` in a method: created once per
    instance. That is once per container when the instance is long-lived (a module-level
    ``repo = Repo()``), so it is reported only when the class's own ``__init__`` runs per
    invocation (the instance itself is created in the handler)."""
    model = ctx.model
    stmt = _statement_of(model, call)
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None or not any(n is call for n in walk_list(stmt.value)):
        return False
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    scope = model.scope_at(call)
    attrs = set()
    cls = None
    for t in targets:
        if isinstance(t, ast.Attribute):
            cls = cls or model.self_class(t.value, scope)
            if model.self_class(t.value, scope) is not None:
                attrs.add(t.attr)
    if cls is None or not attrs:
        return False

    def mentions(test: ast.AST) -> bool:
        for n in walk_list(test):
            if isinstance(n, ast.Attribute) and n.attr in attrs and model.self_class(n.value, scope) is not None:
                return True
            if isinstance(n, ast.Constant) and n.value in attrs:  # hasattr(self, "_conn")
                return True
        return False

    cur = model.parents.get(stmt)
    guarded = False
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        if isinstance(cur, (ast.If, ast.While)) and mentions(cur.test):
            guarded = True
            break
        cur = model.parents.get(cur)
    if not guarded:
        return False
    init = model.by_qualname.get(f"{cls}.__init__")
    if init is None:
        return True  # an inherited or absent __init__: cannot tell how long the instance lives
    return ctx.reach_of(init.node.body[0]) is None


def _hoist_fix(model, call: ast.Call, qual: str) -> FixIntent | None:
    info = model.enclosing_function(call)
    if info is None:
        return None
    stmt = _statement_of(model, call)
    top = top_level_statement(model, call)
    unconditional = stmt is not None and stmt in info.node.body
    depends = invocation_names(model, call)
    if top is None or not unconditional or depends or model.enclosing_function(info.node) is not None:
        return _display(qual)
    first_line = min([top.lineno] + [d.lineno for d in getattr(top, "decorator_list", [])])
    if not defined_before(model, call, first_line):
        return _display(qual)
    if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        name = stmt.targets[0].id
        bindings = info.scope.bindings.get(name, [])
        if len(bindings) != 1 or name in info.scope.globals or name in info.scope.nonlocals or model.module_scope.binds(name):
            return _display(qual)
        return FixIntent("hoist-assignment", f"Move `{name} = {qual}(...)` to module scope", Applicability.SAFE, model_span(model, stmt))
    name = _fresh_name(model, call, qual)
    return FixIntent("hoist-expression", f"Create `{name}` once at module scope", Applicability.SAFE, model_span(model, call), (("name", name),))


def _display(qual: str) -> FixIntent:
    return FixIntent("display-only", "Create the client once: at module scope, or in a module-level factory cached with functools.cache", Applicability.DISPLAY_ONLY)


def _fresh_name(model, call: ast.Call, qual: str) -> str:
    base = qual.rsplit(".", 1)[-1]
    module = qual.split(".", 1)[0]
    if base.lower() in ("connect", "connection"):
        base = f"{module}_connection"
    elif base in ("create_engine", "create_async_engine"):
        base = "engine"
    elif base == "create_pool":
        base = f"{module}_pool"
    elif base in ("client", "resource") and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        base = f"{call.args[0].value}_{base}"
    base = re.sub(r"(?<!^)(?=[A-Z])", "_", base)
    base = re.sub(r"[^0-9A-Za-z_]", "_", base).upper().strip("_") or "CLIENT"
    if not base.endswith(("CLIENT", "RESOURCE", "SESSION", "ENGINE", "POOL", "CONNECTION")):
        base += "_CLIENT"
    name, i = base, 2
    while model.module_scope.binds(name) or any(n.id == name for n in nodes_of(model, ast.Name)):
        name, i = f"{base}_{i}", i + 1
    return name


def model_span(model, node):
    from sls_lint.engine import node_span

    return node_span(model, node)


VALID = [
    Case("import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    return s3.list_buckets()\n", note="module scope"),
    Case(
        "import boto3\n\n_client = None\n\ndef get_client():\n    global _client\n    if _client is None:\n        _client = boto3.client('s3')\n    return _client\n\ndef handler(event, context):\n    return get_client().list_buckets()\n",
        note="lazy singleton",
    ),
    Case(
        "import functools\nimport boto3\n\n@functools.lru_cache(maxsize=None)\ndef client_for(region):\n    return boto3.client('s3', region_name=region)\n\ndef handler(event, context):\n    return client_for(event['region']).list_buckets()\n",
        note="lru_cache factory",
    ),
    Case(
        "from functools import cache\nimport redis\n\n@cache\ndef get_redis():\n    return redis.Redis(host='cache')\n\ndef handler(event, context):\n    return get_redis().get('k')\n",
        note="functools.cache factory",
    ),
    Case(
        "import boto3\n\n_CLIENTS = {}\n\ndef client(name):\n    if name not in _CLIENTS:\n        _CLIENTS[name] = boto3.client(name)\n    return _CLIENTS[name]\n\ndef handler(event, context):\n    return client('s3').list_buckets()\n",
        note="module-level dict cache",
    ),
    Case("import boto3\n\ndef main():\n    s3 = boto3.client('s3')\n    print(s3.list_buckets())\n\nif __name__ == '__main__':\n    main()\n", path="scripts/report.py", note="not a handler"),
    Case(
        "import boto3\n\ndef make_client():\n    return boto3.client('s3')\n\ndef handler(event, context):\n    return 'ok'\n",
        note="helper no handler calls",
    ),
    Case(
        "import psycopg2\n\nclass Repo:\n    def __init__(self):\n        self._conn = None\n\n    def conn(self):\n        if self._conn is None:\n            self._conn = psycopg2.connect('dbname=x')\n        return self._conn\n\nrepo = Repo()\n\ndef handler(event, context):\n    return repo.conn().cursor()\n",
        note="lazy attribute of a module-level instance: once per container",
    ),
    Case(
        "from repo import repo\n\ndef handler(event, context):\n    return repo.table().scan()\n",
        files={"repo.py": "import boto3\n\nclass Repo:\n    def __init__(self):\n        self._t = None\n\n    def table(self):\n        if not self._t:\n            self._t = boto3.resource('dynamodb').Table('t')\n        return self._t\n\nrepo = Repo()\n"},
        note="the same, imported from another module (the case runs on handler.py; repo.py is checked too)",
    ),
    Case("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import boto3\n\ndef handler(event, context):\n    client: 'boto3.client' = None\n    return client\n"),
]

INVALID = [
    Case(
        "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n",
        line=4,
        fixed="import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        message="handler → boto3.client",
    ),
    Case(
        "from boto3 import client as c\n\ndef lambda_handler(event, context):\n    ddb = c('dynamodb')\n    return ddb.get_item(TableName=event['table'], Key={})\n",
        line=4,
        note="aliased import",
    ),
    Case(
        "import psycopg2\n\ndef handler(event, context):\n    conn = psycopg2.connect(host=event['host'])\n    return conn\n",
        line=4,
        fixed="import psycopg2\n\ndef handler(event, context):\n    conn = psycopg2.connect(host=event['host'])\n    return conn\n",
        note="depends on the event: no automatic fix",
    ),
    Case(
        "from db import get_conn\n\ndef handler(event, context):\n    return get_conn().cursor()\n",
        files={"db.py": "import pymysql\n\ndef get_conn():\n    return pymysql.connect(host='db')\n"},
        path="handler.py",
        count=0,
        note="the finding is in db.py (see next case)",
    ),
    Case(
        "import pymysql\n\ndef get_conn():\n    return pymysql.connect(host='db')\n",
        files={"handler.py": "from db import get_conn\n\ndef handler(event, context):\n    return get_conn().cursor()\n"},
        path="db.py",
        line=4,
        message="handler → get_conn → pymysql.connect",
        fixed="import pymysql\n\nPYMYSQL_CONNECTION = pymysql.connect(host='db')\n\ndef get_conn():\n    return PYMYSQL_CONNECTION\n",
    ),
    Case(
        "import boto3\n\nclass Repo:\n    def __init__(self):\n        self.table = boto3.resource('dynamodb').Table('t')\n\ndef handler(event, context):\n    return Repo().table.scan()\n",
        line=5,
        message="handler → Repo.__init__ → boto3.resource",
    ),
    Case(
        "import pymysql\n\nclass Repo:\n    def connect(self):\n        return pymysql.connect(host='db')\n\ndef handler(event, context):\n    return Repo().connect().cursor()\n",
        line=5,
        message="handler → Repo.connect → pymysql.connect",
        note="a method of an instance created in the handler",
    ),
    Case(
        "import psycopg2\n\nclass Repo:\n    def __init__(self):\n        self._conn = None\n\n    def conn(self):\n        if self._conn is None:\n            self._conn = psycopg2.connect('dbname=x')\n        return self._conn\n\ndef handler(event, context):\n    r = Repo()\n    return r.conn().cursor()\n",
        line=9,
        message="Repo.conn",
        note="a lazy attribute is per invocation when the instance is created per invocation",
    ),
    Case(
        "from lib import repo\n\ndef handler(event, context):\n    return repo.client().list_buckets()\n",
        files={"lib.py": "import boto3\n\nclass Base:\n    def client(self):\n        return boto3.client('s3')\n\nclass Repo(Base):\n    pass\n\nrepo = Repo()\n"},
        count=0,
        note="the finding is in lib.py (next case)",
    ),
    Case(
        "import boto3\n\nclass Base:\n    def client(self):\n        return boto3.client('s3')\n\nclass Repo(Base):\n    pass\n\nrepo = Repo()\n",
        files={"handler.py": "from lib import repo\n\ndef handler(event, context):\n    return repo.client().list_buckets()\n"},
        path="lib.py",
        line=5,
        message="handler → Base.client → boto3.client",
        note="an inherited method of an imported module-level instance",
    ),
    Case(
        "import boto3\n\ndef handler(event, context):\n    session = boto3.Session()\n    return session.client('sqs').list_queues()\n",
        line=4,
        count=1,
        note="Session reported once, not again for .client",
    ),
    Case(
        "import boto3\n\n_client = None\n\ndef handler(event, context):\n    global _client\n    _client = boto3.client('s3')\n    return _client\n",
        line=7,
        note="global without a guard is still per invocation",
    ),
    Case(
        "from fastapi import FastAPI\nimport httpx\n\napp = FastAPI()\n\n@app.get('/items')\nasync def items():\n    async with httpx.AsyncClient() as client:\n        return (await client.get('https://api.example.com')).json()\n",
        path="api/index.py",
        files={"vercel.json": "{}"},
        line=8,
        note="route of a Vercel ASGI app",
    ),
]
