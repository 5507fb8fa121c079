"""Database engine or pool sized for a server, not for a function.

## What it does
Finds SQLAlchemy engines (`create_engine`, `create_async_engine`, `sqlmodel.create_engine`)
and DB-API connection pools in code that AWS Lambda functions run (the handler module, the
modules it imports, and every function a handler calls) whose pooling does not suit a
function:
- an engine on SQLAlchemy's default `QueuePool` (`pool_size=5`, `max_overflow=10`), or with an
  explicit `pool_size` above 1 or `max_overflow` above 0, and no `poolclass`;
- a pool that opens more than one connection as soon as it is created: `psycopg2.pool`
  `minconn`, `psycopg_pool` `min_size` (default 4), `asyncpg.create_pool` `min_size`
  (default 10), `mysql.connector.pooling.MySQLConnectionPool` `pool_size` (default 5),
  `aiomysql.create_pool` `minsize`.

The message says what to set and why.

## Why is this bad?
A Lambda container serves one invocation at a time, so a pool of several connections per
container only adds connections that sit idle and count against the database's limit
(PostgreSQL allows 100 by default, MySQL 151): 200 concurrent containers with a pool of 5
hold 1,000 connections. Connections left idle while a container is frozen are dropped by the
server or proxy, so without a pre-ping a warm invocation can get a dead one. AWS's
SQLAlchemy sample for Lambda uses `pool_size=1, max_overflow=0, pool_pre_ping=True`; behind
RDS Proxy or PgBouncer, `poolclass=NullPool` lets the proxy do the pooling.

Not reported: engines with a `poolclass` (NullPool, StaticPool, ...), `pool_size=1` with
`max_overflow=0`, SQLite URLs, settings passed through variables or `**kwargs` that cannot be
read, functions on platforms where one instance serves concurrent requests (Vercel fluid
compute, Cloud Run functions), and code no Lambda function runs.

## Example
```python
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://app@db/orders")

def handler(event, context):
    with engine.connect() as conn:
        return conn.exec_driver_sql("select 1").scalar()
```

## Use instead
```python
from sqlalchemy import create_engine

engine = create_engine(
    "postgresql+psycopg://app@db/orders",
    pool_size=1,
    max_overflow=0,
    pool_pre_ping=True,
)

def handler(event, context):
    with engine.connect() as conn:
        return conn.exec_driver_sql("select 1").scalar()
```

## Fix safety
No automatic fix: whether the function sits behind a pooler (NullPool) or keeps its own
single connection (`pool_size=1`) is a deployment decision the code does not show.

## Options
None.

## References
- [SQLAlchemy: connection pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
- [Using Amazon RDS Proxy with AWS Lambda](https://aws.amazon.com/blogs/compute/using-amazon-rds-proxy-with-aws-lambda/)
- [aws-samples: managing RDS connections from Lambda](https://github.com/aws-samples/aws-lambda-manage-rds-connections)
"""
from __future__ import annotations

import ast

from sls_lint.catalog import EAGER_POOLS, SQLALCHEMY_ENGINES, canonical
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._scope import functions_for, num, number
from sls_lint.semantic import has_star_kwargs, keyword

ONE_AT_A_TIME = ("aws-lambda",)
_ADVICE = FixIntent("display-only", "Size the pool for one invocation per container", Applicability.DISPLAY_ONLY)


class UnpooledDatabaseEngine(Rule):
    code = "SLS103"
    name = "unpooled-database-engine"
    summary = "Database engine or pool sized for a server, not for a function"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("create_engine", "create_async_engine", "pool", "Pool")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        qual = canonical(ctx.model.call_name(node))
        if qual in SQLALCHEMY_ENGINES:
            detail = _engine_problem(ctx.model, node, qual)
        elif qual in EAGER_POOLS:
            detail = _pool_problem(ctx.model, node, qual)
        else:
            return
        if detail is None:
            return
        fns = [f for f in functions_for(ctx, node) if f.platform in ONE_AT_A_TIME]
        if not fns:
            return
        ctx.report(node, f"`{qual}(...)` {detail} (in `{fns[0].name}`)", fix=_ADVICE, function=fns[0].name)


def _engine_problem(model, call: ast.Call, qual: str) -> str | None:
    if has_star_kwargs(call) or keyword(call, "poolclass") is not None:
        return None
    url = call.args[0] if call.args else (keyword(call, "url").value if keyword(call, "url") else None)
    if isinstance(url, ast.Constant) and isinstance(url.value, str) and url.value.startswith("sqlite"):
        return None
    size_kw, over_kw = keyword(call, "pool_size"), keyword(call, "max_overflow")
    size = number(model, size_kw.value) if size_kw else 5.0
    over = number(model, over_kw.value) if over_kw else 10.0
    if size is None or over is None or (size <= 1 and over <= 0):
        return None
    async_ = qual.endswith("create_async_engine")
    if size_kw is None and over_kw is None:
        what = "uses SQLAlchemy's default QueuePool (pool_size=5, max_overflow=10)"
    else:
        what = f"keeps a pool of up to {num(size)} + {num(over)} overflow connections"
    tail = (
        "set `pool_size=1, max_overflow=0, pool_pre_ping=True` (size it to the queries one invocation runs at once with asyncio), "
        if async_
        else "set `pool_size=1, max_overflow=0, pool_pre_ping=True`, "
    )
    return (
        f"{what}: a Lambda container runs one invocation at a time, so extra pooled connections only count against "
        f"the database's connection limit as the function scales out, and connections idle in a frozen container are "
        f"dropped by the server; {tail}or `poolclass=NullPool` when RDS Proxy or PgBouncer pools for you"
    )


def _pool_problem(model, call: ast.Call, qual: str) -> str | None:
    name, pos, default = EAGER_POOLS[qual]
    kw = keyword(call, name)
    if kw is not None:
        size = number(model, kw.value)
    elif pos is not None and len(call.args) > pos and not any(isinstance(a, ast.Starred) for a in call.args[: pos + 1]):
        size = number(model, call.args[pos])
    elif has_star_kwargs(call) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    else:
        size = float(default)
    if size is None or size <= 1:
        return None
    return (
        f"opens {num(size)} connections as soon as it is created (`{name}`): a Lambda container runs one invocation at a "
        f"time, so {num(size - 1)} of them sit idle and count against the database's connection limit; set `{name}=1`"
    )


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n"
_VERCEL = '{"functions": {"api/index.py": {"maxDuration": 30}}}'

VALID = [
    Case(
        "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/x', pool_size=1, max_overflow=0, pool_pre_ping=True)\n\ndef handler(event, context):\n    return engine.connect()\n"
    ),
    Case(
        "from sqlalchemy import create_engine\nfrom sqlalchemy.pool import NullPool\n\nengine = create_engine('postgresql://proxy/x', poolclass=NullPool)\n\ndef handler(event, context):\n    return engine.connect()\n",
        note="NullPool behind a proxy",
    ),
    Case(
        "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite:///tmp/x.db')\n\ndef handler(event, context):\n    return engine.connect()\n",
        note="SQLite",
    ),
    Case(
        "import os\nfrom sqlalchemy import create_engine\n\nengine = create_engine(os.environ['DB_URL'], **POOL_OPTIONS)\nPOOL_OPTIONS = {}\n\ndef handler(event, context):\n    return engine.connect()\n",
        note="**kwargs",
    ),
    Case(
        "import os\nfrom sqlalchemy import create_engine\n\nSIZE = int(os.environ.get('POOL', '1'))\nengine = create_engine(os.environ['DB_URL'], pool_size=SIZE, max_overflow=0)\n\ndef handler(event, context):\n    return engine.connect()\n",
        note="size from the environment: unknown",
    ),
    Case(
        "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/x')\n\ndef main():\n    print(engine.connect())\n",
        path="scripts/migrate.py",
        note="not a function",
    ),
    Case(
        "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/x')\napp = FastAPI()\n\n@app.get('/')\ndef index():\n    return engine.connect()\n",
        path="api/index.py",
        files={"vercel.json": _VERCEL},
        note="Vercel: one instance serves concurrent requests",
    ),
    Case(
        "import psycopg2.pool\n\npool = psycopg2.pool.SimpleConnectionPool(1, 4, dsn='dbname=x')\n\ndef handler(event, context):\n    return pool.getconn()\n",
        note="minconn=1: grows only on demand",
    ),
    Case(
        "import asyncpg\n\npool = None\n\nasync def handler(event, context):\n    global pool\n    if pool is None:\n        pool = await asyncpg.create_pool('postgresql://db/x', min_size=1, max_size=2)\n    return await pool.fetch('select 1')\n"
    ),
]

INVALID = [
    Case(
        "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/x')\n\ndef handler(event, context):\n    return engine.connect()\n",
        files={"serverless.yml": _SLS},
        line=3,
        message="pool_size=1, max_overflow=0, pool_pre_ping=True",
    ),
    Case(
        "import sqlalchemy\n\nengine = sqlalchemy.create_engine('postgresql://db/x', pool_size=10, max_overflow=0)\n\ndef handler(event, context):\n    return engine.connect()\n",
        line=3,
        message="up to 10 + 0 overflow",
    ),
    Case(
        "from sqlalchemy.ext.asyncio import create_async_engine\n\nengine = create_async_engine('postgresql+asyncpg://db/x')\n\nasync def handler(event, context):\n    async with engine.connect() as c:\n        return 1\n",
        line=3,
        message="asyncio",
    ),
    Case(
        "from handlers.db import session\n\ndef handler(event, context):\n    return session()\n",
        files={"handlers/db.py": "from sqlmodel import create_engine, Session\n\nengine = create_engine('postgresql://db/x')\n\ndef session():\n    return Session(engine)\n"},
        path="handlers/api.py",
        count=0,
        note="the finding is in the helper module (next case)",
    ),
    Case(
        "from sqlmodel import create_engine, Session\n\nengine = create_engine('postgresql://db/x')\n\ndef session():\n    return Session(engine)\n",
        files={"handlers/api.py": "from handlers.db import session\n\ndef handler(event, context):\n    return session()\n"},
        path="handlers/db.py",
        line=3,
        message="in `handlers/api.py:handler`",
        note="engine in a helper module imported by the handler",
    ),
    Case(
        "import psycopg2.pool\n\npool = psycopg2.pool.ThreadedConnectionPool(5, 20, dsn='dbname=x')\n\ndef handler(event, context):\n    return pool.getconn()\n",
        line=3,
        message="opens 5 connections",
    ),
    Case(
        "from psycopg_pool import ConnectionPool\n\npool = ConnectionPool('dbname=x')\n\ndef handler(event, context):\n    with pool.connection() as c:\n        return c.execute('select 1').fetchone()\n",
        line=3,
        message="opens 4 connections",
    ),
    Case(
        "import asyncpg\n\npool = None\n\nasync def handler(event, context):\n    global pool\n    if pool is None:\n        pool = await asyncpg.create_pool('postgresql://db/x')\n    return await pool.fetch('select 1')\n",
        line=8,
        message="opens 10 connections",
    ),
]
