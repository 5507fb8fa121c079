"""Client or connection created once but closed on every invocation.

## What it does
Finds a client, connection or pool created at module scope (or lazily, as a module-level
singleton) that a handler closes on every invocation: `.close()`, `.aclose()`,
`.disconnect()`, `.dispose()`, `.closeall()`, `.terminate()`, redis's
`.connection_pool.disconnect()`, or a `with client:` block on an object whose `__exit__`
closes it. The handler may close it directly or through any function it calls, in this module
or another module of the project (`from db import conn`).

`with conn:` does not close everything: a psycopg2 (and sqlite3) connection used as a context
manager only commits or rolls back the transaction and stays open, so it is not reported. A
psycopg 3, PyMySQL, mysql-connector, pg8000 or redis connection, a `requests` / `httpx` /
`aiohttp` session, a pymongo client and an OpenAI / Anthropic client do close at the end of the
block (each library's `__exit__` calls `close()`).

## Why is this bad?
The point of creating the client at module scope is to reuse its connection across warm
invocations. Closing it in the handler throws that away: the next invocation on the same
container pays the TCP, TLS and authentication round trips again, or fails outright, because
many clients cannot be used after `close()` (an `httpx.Client` refuses to reopen, a closed
psycopg connection raises `InterfaceError`). Prisma's serverless guide says the same: do not
explicitly disconnect.

Not reported: closes on error paths (inside `except`, or under an `if` that tests the client,
the usual reconnect logic), a handler that closes and then rebinds the same global (it
reconnects on purpose; SLS101 reports the connect), closes of connections created in the
handler, and teardown code no handler reaches.

## Example
```python
import psycopg

conn = psycopg.connect("dbname=orders")

def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("select 1")
    conn.close()
    return {"ok": True}
```

## Use instead
```python
import psycopg

conn = psycopg.connect("dbname=orders")

def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("select 1")
    return {"ok": True}
```

## Fix safety
The fix removes the close statement. It is unsafe: code after the close may rely on the
connection being closed (for example to release a server-side lock or temporary table), and
long-lived connections need the database's idle timeouts in mind. A `with client:` block is
reported without an automatic fix.

## Options
None.

## References
- [AWS Lambda best practices: take advantage of execution environment reuse](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
- [Prisma: connection management in serverless environments](https://www.prisma.io/docs/orm/prisma-client/setup-and-configuration/databases-connections)
- [psycopg 3: connection context](https://www.psycopg.org/psycopg3/docs/basic/usage.html#connection-context)
"""
from __future__ import annotations

import ast

from sls_lint.catalog import CLOSE_METHODS, WITH_CLOSES
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._objects import ModuleObject, module_object


class ConnectionClosedPerInvocation(Rule):
    code = "SLS102"
    call_attrs = frozenset(CLOSE_METHODS)  # visit_Call looks at nothing else
    name = "connection-closed-per-invocation"
    summary = "Module-scope client or connection closed on every invocation"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE

    def visit_Call(self, node: ast.Call, ctx) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in CLOSE_METHODS:
            return
        recv = func.value
        via = ""
        if func.attr == "disconnect" and isinstance(recv, ast.Attribute) and recv.attr == "connection_pool":
            recv, via = recv.value, ".connection_pool"
        obj = module_object(ctx, recv)
        if obj is None:
            return
        if func.attr == "dispose" and obj.kind != "SQLAlchemy engine":
            return
        reach = ctx.reach_of(node)
        if reach is None or _deliberate(ctx.model, node, obj.name):
            return
        stmt = ctx.model.parents.get(node)
        target = node
        if isinstance(stmt, ast.Await):
            target, stmt = stmt, ctx.model.parents.get(stmt)
        fix = None
        if isinstance(stmt, ast.Expr):
            fix = FixIntent("remove-statement", f"Remove `{obj.name}{via}.{func.attr}()`", Applicability.UNSAFE, ctx.span(target))
        ctx.report(node, _message(obj, f"`{obj.name}{via}.{func.attr}()`", reach), fix=fix, function=reach.function.name)

    def visit_With(self, node: ast.With, ctx) -> None:
        self._with(node, ctx)

    def visit_AsyncWith(self, node: ast.AsyncWith, ctx) -> None:
        self._with(node, ctx)

    def _with(self, node, ctx) -> None:
        for item in node.items:
            obj = module_object(ctx, item.context_expr)
            if obj is None or obj.ctor not in WITH_CLOSES:
                continue
            reach = ctx.reach_of(item.context_expr)
            if reach is None or _deliberate(ctx.model, node, obj.name):
                continue
            what = f"`{'async with' if isinstance(node, ast.AsyncWith) else 'with'} {obj.name}:` (its `__exit__` closes it)"
            ctx.report(item.context_expr, _message(obj, what, reach), function=reach.function.name)


def _message(obj: ModuleObject, what: str, reach) -> str:
    where = f"`{obj.model.path}`"
    chain = " → ".join(reach.chain)
    return (
        f"{what} closes the {obj.kind} `{obj.name}` created once at module scope ({where}, line {obj.line}) "
        f"on every invocation of `{reach.function.name}` ({chain}); the next warm invocation must reconnect. "
        f"Keep it open and reuse it"
    )


def _deliberate(model, node: ast.AST, name: str) -> bool:
    """Error-path or reconnect logic: inside ``except``, under an ``if``/``while`` that tests the
    client, or in a function that rebinds the same global (close + reconnect)."""
    info = model.enclosing_function(node)
    cur = model.parents.get(node)
    while cur is not None and cur is not (info.node if info else None):
        if isinstance(cur, ast.ExceptHandler):
            return True
        if isinstance(cur, (ast.If, ast.While)) and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(cur.test)):
            return True
        cur = model.parents.get(cur)
    if info is not None and name in info.scope.globals:
        for n in ast.walk(info.node):
            if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return True
    return False


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n"

VALID = [
    Case(
        "import psycopg\n\nconn = psycopg.connect('dbname=x')\n\ndef handler(event, context):\n    with conn.cursor() as cur:\n        cur.execute('select 1')\n    return 1\n",
        note="reused, never closed",
    ),
    Case(
        "import psycopg2\n\nconn = psycopg2.connect('dbname=x')\n\ndef handler(event, context):\n    with conn:\n        with conn.cursor() as cur:\n            cur.execute('select 1')\n    return 1\n",
        note="psycopg2's `with conn:` ends the transaction and keeps the connection open",
    ),
    Case(
        "import psycopg2\n\ndef handler(event, context):\n    conn = psycopg2.connect('dbname=x')\n    try:\n        return conn.cursor().execute('select 1')\n    finally:\n        conn.close()\n",
        note="a per-invocation connection is closed correctly (SLS101's business)",
    ),
    Case(
        "import psycopg\n\nconn = psycopg.connect('dbname=x')\n\ndef handler(event, context):\n    try:\n        return conn.execute('select 1').fetchone()\n    except psycopg.OperationalError:\n        conn.close()\n        raise\n",
        note="closing a broken connection on the error path",
    ),
    Case(
        "import pymysql\n\nconn = None\n\ndef get_conn():\n    global conn\n    if conn is None or not conn.open:\n        if conn is not None:\n            conn.close()\n        conn = pymysql.connect(host='db')\n    return conn\n\ndef handler(event, context):\n    return get_conn().cursor()\n",
        note="reconnect logic under a test of the client",
    ),
    Case(
        "import atexit\nimport redis\n\nr = redis.Redis(host='cache')\n\ndef shutdown():\n    r.close()\n\natexit.register(shutdown)\n\ndef handler(event, context):\n    return r.get('k')\n",
        note="teardown no handler reaches",
    ),
    Case(
        "import boto3\nimport sqlalchemy\n\nengine = sqlalchemy.create_engine('postgresql://db/x')\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    body = s3.get_object(Bucket='b', Key='k')['Body']\n    body.close()\n    with engine.connect() as c:\n        c.close()\n    return 1\n",
        note="closing a response body or a pooled connection checkout, not the client",
    ),
    Case(
        "import httpx\n\nclient = httpx.Client()\n\ndef main():\n    client.get('https://x')\n    client.close()\n\nif __name__ == '__main__':\n    main()\n",
        path="scripts/sync.py",
        note="not a handler",
    ),
    Case(
        "from aws_lambda_powertools import Logger\n\nlogger = Logger()\n\ndef handler(event, context):\n    logger.info('x')\n    return 1\n",
    ),
]

INVALID = [
    Case(
        "import psycopg\n\nconn = psycopg.connect('dbname=x')\n\ndef handler(event, context):\n    rows = conn.execute('select 1').fetchall()\n    conn.close()\n    return rows\n",
        line=7,
        message="every invocation of `handler",
        unsafe=True,
        fixed="import psycopg\n\nconn = psycopg.connect('dbname=x')\n\ndef handler(event, context):\n    rows = conn.execute('select 1').fetchall()\n    return rows\n",
    ),
    Case(
        "import psycopg2\n\nconn = psycopg2.connect('dbname=x')\n\ndef handler(event, context):\n    try:\n        return conn.cursor().execute('select 1')\n    finally:\n        conn.close()\n",
        line=9,
        unsafe=True,
        fixed="import psycopg2\n\nconn = psycopg2.connect('dbname=x')\n\ndef handler(event, context):\n    try:\n        return conn.cursor().execute('select 1')\n    finally:\n        pass\n",
        note="closed in finally: on every invocation",
    ),
    Case(
        "import pymysql\n\nconn = pymysql.connect(host='db')\n\ndef handler(event, context):\n    with conn:\n        with conn.cursor() as cur:\n            cur.execute('select 1')\n            return cur.fetchone()\n",
        line=6,
        message="`with conn:`",
        note="PyMySQL's __exit__ closes the connection",
    ),
    Case(
        "import httpx\n\nclient = httpx.AsyncClient()\n\nasync def handler(event, context):\n    async with client:\n        return (await client.get('https://x')).json()\n",
        line=6,
        message="async with client",
    ),
    Case(
        "from prisma import Prisma\n\ndb = Prisma()\n\nasync def handler(event, context):\n    await db.connect()\n    users = await db.user.find_many()\n    await db.disconnect()\n    return users\n",
        line=8,
        unsafe=True,
        fixed="from prisma import Prisma\n\ndb = Prisma()\n\nasync def handler(event, context):\n    await db.connect()\n    users = await db.user.find_many()\n    return users\n",
        note="await-ed disconnect",
    ),
    Case(
        "import redis\n\nr = redis.Redis(host='cache')\n\ndef handler(event, context):\n    v = r.get('k')\n    r.connection_pool.disconnect()\n    return v\n",
        line=7,
        message="r.connection_pool.disconnect()",
    ),
    Case(
        "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/x')\n\ndef handler(event, context):\n    with engine.connect() as c:\n        c.exec_driver_sql('select 1')\n    engine.dispose()\n",
        line=8,
        files={"serverless.yml": _SLS},
        message="SQLAlchemy engine",
    ),
    Case(
        "from db import conn\n\ndef handler(event, context):\n    conn.close()\n",
        files={"db.py": "import pymysql\n\nconn = pymysql.connect(host='db')\n"},
        line=4,
        message="`db.py`, line 3",
        note="a connection imported from another module",
    ),
    Case(
        "import boto3\n\n_s3 = None\n\ndef get_s3():\n    global _s3\n    if _s3 is None:\n        _s3 = boto3.client('s3')\n    return _s3\n\ndef cleanup():\n    get_s3()\n    _s3.close()\n\ndef handler(event, context):\n    get_s3().list_buckets()\n    cleanup()\n",
        line=13,
        message="handler → cleanup",
        note="a lazy singleton closed through a helper",
    ),
]
