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

It also finds database host literals (in a URL, a module constant or an environment lookup's
fallback) in function code that bypass a connection pooler:
- a direct RDS/Aurora endpoint (`*.cluster-*`, `*.cluster-ro-*`, an instance endpoint) while
  the project configures RDS Proxy (an `AWS::RDS::DBProxy` / `DBProxyEndpoint` resource, a
  `*.proxy-*.rds.amazonaws.com` value in a deployment file, a CDK `DatabaseProxy` /
  `add_proxy`, or a proxy endpoint used elsewhere in the code);
- Supabase's direct connection (`db.<ref>.supabase.co:5432`) and Neon's direct endpoint
  (`ep-...` without `-pooler`): both document their pooler for serverless functions.

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
read, pool sizes in functions on platforms where one instance serves concurrent requests
(Vercel fluid compute, Cloud Run functions), hosts read from the environment (and literal
fallbacks of variables the deployment sets), pooler hosts, a direct RDS endpoint when no proxy
is configured, HTTP URLs (Neon's SQL over HTTP), and code no function runs (scripts, tests).

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
- [Connecting to a database through RDS Proxy](https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-connecting.html)
- [Supabase: connect to your database](https://supabase.com/docs/guides/database/connecting-to-postgres)
- [Neon: connection pooling](https://neon.com/docs/connect/connection-pooling)
"""
from __future__ import annotations

import ast
import re
import weakref

from sls_lint.astindex import nodes_of
from sls_lint.catalog import EAGER_POOLS, SQLALCHEMY_ENGINES, canonical
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.project.model import Tagged
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._scope import functions_for, num, number
from sls_lint.semantic import has_star_kwargs, keyword

ONE_AT_A_TIME = ("aws-lambda",)
_ADVICE = FixIntent("display-only", "Size the pool for one invocation per container", Applicability.DISPLAY_ONLY)


class UnpooledDatabaseEngine(Rule):
    code = "SLS103"
    call_names = SQLALCHEMY_ENGINES | frozenset(EAGER_POOLS)
    name = "unpooled-database-engine"
    summary = "Database engine or pool sized for a server, not for a function"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("create_engine", "create_async_engine", "pool", "Pool", "rds.amazonaws.com", "supabase.co", "neon.tech")

    def visit_Constant(self, node: ast.Constant, ctx) -> None:
        _bypass(self, node, ctx)

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


# --------------------------------------------------------------------------- pooler bypass
# Host formats: RDS/Aurora `<name>.<id>.<region>.rds.amazonaws.com` (cluster endpoints have a
# `cluster-`, `cluster-ro-` or `cluster-custom-` id, RDS Proxy endpoints a `proxy-` id, also
# `<endpoint>.endpoint.proxy-<id>...`); Supabase direct `db.<ref>.supabase.co:5432`, Supavisor
# `aws-0-<region>.pooler.supabase.com` (6543 = transaction mode; 6543 on `db.<ref>` is the
# dedicated PgBouncer); Neon direct `ep-<name>-<id>.<region>.aws.neon.tech`, pooled `ep-...-pooler.`.
_HOST_TOKENS = ("rds.amazonaws.com", "supabase.co", "neon.tech")
_HOST = re.compile(
    r"(?<![\w.-])((?:[a-z0-9-]+\.)+(?:rds\.amazonaws\.com(?:\.cn)?|supabase\.com?|neon\.tech))(?![\w-])(?::(\d{1,5}))?",
    re.I,
)
_PROXY_TYPES = ("AWS::RDS::DBProxy", "AWS::RDS::DBProxyEndpoint")
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
_CDK_PROXY = re.compile(r"(?:^|\.)(?:DatabaseProxy|CfnDBProxy|CfnDBProxyEndpoint)$")
_BYPASS_ADVICE = FixIntent("display-only", "Connect through the connection pooler", Applicability.DISPLAY_ONLY)
# index -> (proxy evidence or None, env names set by deployment files)
_EVIDENCE: "weakref.WeakKeyDictionary[object, tuple]" = weakref.WeakKeyDictionary()


def _classify(host: str, port: str | None, text: str) -> tuple[str, str] | None:
    """(provider, what) for a direct database host, None for poolers and anything else."""
    h = host.lower()
    labels = h.split(".")
    if ".rds.amazonaws.com" in h:
        base = h.index(".rds.amazonaws.com")
        head = h[:base].split(".")
        if len(head) < 3 or any(l.startswith("proxy-") for l in head):
            return None
        ident = head[-2]
        if ident.startswith("cluster-ro-"):
            return "rds", "Aurora reader endpoint"
        if ident.startswith("cluster-custom-"):
            return "rds", "Aurora custom endpoint"
        if ident.startswith("cluster-"):
            return "rds", "Aurora cluster endpoint"
        return "rds", "DB instance endpoint"
    if h.endswith(".supabase.co"):
        # db.<ref>.supabase.co on 5432 (or no port); 6543 there is the dedicated pooler
        if len(labels) != 4 or labels[0] != "db" or port == "6543":
            return None
        if port is None and "6543" in text:
            return None
        return "supabase", "Supabase direct connection"
    if h.endswith(".neon.tech"):
        if not labels[0].startswith("ep-") or labels[0].endswith("-pooler") or len(labels) < 4:
            return None
        return "neon", "Neon direct (unpooled) endpoint"
    return None


def _is_proxy_host(host: str) -> bool:
    h = host.lower()
    return ".rds.amazonaws.com" in h and any(l.startswith("proxy-") for l in h[: h.index(".rds.amazonaws.com")].split("."))


def _walk(data, path=()):
    yield path, data
    if isinstance(data, Tagged):
        yield from _walk(data.value, path)
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _walk(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _walk(v, path + (i,))


def _doc_line(doc, path: tuple) -> int | None:
    while path:
        loc = doc.locate(*path) or doc.locate_value(*path)
        if loc is not None:
            return loc[0]
        path = path[:-1]
    return None


def _evidence(ctx) -> tuple:
    """Where the project configures RDS Proxy (a description with file:line, and the proxy host
    when one is written down), and the environment variable names deployment files set."""
    cached = _EVIDENCE.get(ctx.index)
    if cached is not None:
        for path in cached[2]:  # record the same inputs for this file's cache entry
            ctx.index.model(path)
        return cached[:2]
    proxy: tuple[str, str | None] | None = None
    env_names: set[str] = set()
    for doc in ctx.project.docs:
        if doc.data is None or doc.kind == "cdk":
            continue
        for path, value in _walk(doc.data):
            if isinstance(value, dict):
                key = str(path[-1]).lower() if path else ""
                if key in ("environment", "vars", "env"):
                    env_names.update(str(k) for k in value)
                    variables = value.get("Variables")
                    if isinstance(variables, dict):
                        env_names.update(str(k) for k in variables)
                typ = value.get("Type")
                if proxy is None and isinstance(typ, str) and typ in _PROXY_TYPES and path:
                    proxy = (f"`{typ}` `{path[-1]}` at {doc.path}:{_doc_line(doc, path) or 1}", None)
            elif isinstance(value, str) and "rds.amazonaws.com" in value:
                for m in _HOST.finditer(value):
                    if _is_proxy_host(m.group(1)) and (proxy is None or proxy[1] is None):
                        proxy = (f"proxy endpoint `{m.group(1)}` at {doc.path}:{_doc_line(doc, path) or 1}", m.group(1))
    consulted: list[str] = []
    if proxy is None or proxy[1] is None:
        found = _code_proxy(ctx, consulted)
        if found is not None and (proxy is None or found[1] is not None):
            proxy = found
    _EVIDENCE[ctx.index] = (proxy, frozenset(env_names), tuple(consulted))
    return proxy, frozenset(env_names)


def _code_proxy(ctx, consulted: list[str]) -> tuple[str, str | None] | None:
    """RDS Proxy in the project's Python: a CDK `DatabaseProxy` / `CfnDBProxy` / `add_proxy`, or
    a proxy endpoint literal used elsewhere in the code base (tests excluded)."""
    best = None
    for path in sorted(ctx.index.paths):
        if ctx.config.is_test_path(path):
            continue
        consulted.append(path)
        src = ctx.index.source(path)  # the text decides whether the module is worth parsing
        if not src or ("rds.amazonaws.com" not in src and not (best is None and ("Proxy" in src or "add_proxy" in src) and "aws_rds" in src)):
            continue
        model = ctx.index.model(path)
        if model is None:
            continue
        src = model.source
        if "rds.amazonaws.com" in src:
            for m in _HOST.finditer(src):
                if _is_proxy_host(m.group(1)):
                    line = src.count("\n", 0, m.start()) + 1
                    return (f"proxy endpoint `{m.group(1)}` used at {path}:{line}", m.group(1))
        if best is None and ("Proxy" in src or "add_proxy" in src) and "aws_rds" in src:
            for node in nodes_of(model, ast.Call):
                name = model.call_name(node) or ""
                if (_CDK_PROXY.search(name) and "aws_rds" in name) or (isinstance(node.func, ast.Attribute) and node.func.attr == "add_proxy"):
                    what = "add_proxy" if isinstance(node.func, ast.Attribute) and node.func.attr == "add_proxy" else name.rsplit(".", 1)[-1]
                    best = (f"CDK `{what}` at {path}:{node.lineno}", None)
                    break
    return best


def _env_default(model, node: ast.AST) -> str | None:
    """The variable name when ``node`` is the fallback of an environment lookup
    (``os.environ.get("DB_HOST", node)``, ``os.getenv("DB_HOST") or node``); "" when the name
    is not a literal; None when ``node`` is no such fallback."""
    parent = model.parents.get(node)
    if isinstance(parent, ast.Call) and node in parent.args[1:2] + [k.value for k in parent.keywords if k.arg == "default"]:
        if canonical(model.call_name(parent)) in _ENV_GETTERS:
            key = parent.args[0] if parent.args else None
            return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and parent.values and parent.values[-1] is node:
        for v in parent.values[:-1]:
            if isinstance(v, ast.Call) and canonical(model.call_name(v)) in _ENV_GETTERS:
                key = v.args[0] if v.args else None
                return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
            if isinstance(v, ast.Subscript) and canonical(model.qualified_name(v.value)) == "os.environ":
                key = v.slice
                return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    return None


def _bypass(self, node: ast.Constant, ctx) -> None:
    value = node.value
    if not isinstance(value, str) or not any(t in value for t in _HOST_TOKENS):
        return
    model = ctx.model
    parent = model.parents.get(node)
    target = parent if isinstance(parent, ast.JoinedStr) else node
    holder = model.parents.get(target)
    if isinstance(holder, (ast.Expr, ast.Compare)):
        return  # docstrings, bare strings, comparisons
    found = None
    for m in _HOST.finditer(value):
        before = value[max(0, m.start() - 8): m.start()].lower()
        if before.endswith(("http://", "https://", "wss://", "ws://")):
            continue  # HTTP APIs (Neon's SQL-over-HTTP, Supabase's Data API) do not hold connections
        kind = _classify(m.group(1), m.group(2), model.source)
        if kind is not None:
            found = (m.group(1), m.group(2), kind)
            break
    if found is None:
        return
    host, port, (provider, what) = found
    fns = functions_for(ctx, node)
    if not fns:
        return
    env = _env_default(model, target)
    proxy, env_names = _evidence(ctx) if provider == "rds" or env else (None, frozenset())
    if env and env in env_names:
        return  # the deployment sets the variable: the literal is only a local fallback
    shown = f"{host}:{port}" if port else host
    subject = f"`{shown}`" + (f" (the fallback for `{env}`)" if env else "")
    if provider == "rds":
        if proxy is None:
            return
        where, proxy_host = proxy
        use = f"`{proxy_host}`" if proxy_host else "the proxy's endpoint (`<proxy>.proxy-<id>.<region>.rds.amazonaws.com`, read from the environment)"
        msg = (
            f"{subject} is the {what}: connecting to it bypasses the RDS Proxy the project configures ({where}), so "
            f"each container holds its own database connection and the proxy's pooling, queueing and failover "
            f"handling do not apply as the function scales out; connect to {use} instead"
        )
    elif provider == "supabase":
        msg = (
            f"{subject} is the {what}: Supabase documents its shared pooler (Supavisor) in transaction mode for "
            f"serverless functions, which open many short-lived connections; use the transaction pooler string from "
            f"the dashboard's Connect dialog (`aws-0-<region>.pooler.supabase.com:6543`, user `postgres.<project-ref>`) "
            f"and turn prepared statements off (psycopg `prepare_threshold=None`, asyncpg `statement_cache_size=0`)"
        )
    else:
        first, rest = host.split(".", 1)
        msg = (
            f"{subject} is the {what}: Neon documents its pooled endpoint (PgBouncer in transaction mode, up to "
            f"10,000 client connections) for serverless functions; use `{first}-pooler.{rest}` instead"
        )
    ctx.report(target, f"{msg} (in `{fns[0].name}`)", fix=_BYPASS_ADVICE, function=fns[0].name, fingerprint=f"{provider}:{host.lower()}")


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n"
_VERCEL = '{"functions": {"api/index.py": {"maxDuration": 30}}}'
_TEMPLATE_PROXY = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.handler\n      Runtime: python3.12\n  DbProxy:\n    Type: AWS::RDS::DBProxy\n    Properties:\n      DBProxyName: orders\n      EngineFamily: POSTGRESQL\n"
_SLS_PROXY_ENV = _SLS + "    environment:\n      DB_HOST: orders.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com\n"
_CLUSTER = "orders.cluster-c9akciq32ab.us-east-1.rds.amazonaws.com"

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
    Case(
        "import psycopg\n\nHOST = 'orders.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com'\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, dbname='orders', connect_timeout=5)\n",
        files={"template.yaml": _TEMPLATE_PROXY},
        note="the proxy endpoint is used",
    ),
    Case(
        "import os\nimport psycopg\n\ndef handler(event, context):\n    return psycopg.connect(host=os.environ['DB_HOST'], dbname='orders', connect_timeout=5)\n",
        files={"template.yaml": _TEMPLATE_PROXY},
        note="host from the environment, no literal",
    ),
    Case(
        "import os\nimport psycopg\n\nHOST = os.environ.get('DB_HOST', '" + _CLUSTER + "')\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, dbname='orders', connect_timeout=5)\n",
        files={"serverless.yml": _SLS_PROXY_ENV},
        note="the deployment sets DB_HOST (to the proxy): the literal is only a local fallback",
    ),
    Case(
        "import psycopg\n\nHOST = '" + _CLUSTER + "'\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, dbname='orders', connect_timeout=5)\n",
        files={"serverless.yml": _SLS},
        note="no RDS Proxy configured: a direct RDS endpoint is the only way in",
    ),
    Case(
        "import psycopg\n\nHOST = '" + _CLUSTER + "'\n\ndef test_connect():\n    assert psycopg.connect(host=HOST)\n",
        path="tests/test_db.py",
        files={"template.yaml": _TEMPLATE_PROXY, "handler.py": "def handler(event, context):\n    return 1\n"},
        note="test file",
    ),
    Case(
        "import psycopg\n\nURL = 'postgresql://postgres@db.abcdefghijklmnop.supabase.co:5432/postgres'\n\ndef main():\n    psycopg.connect(URL).execute('create table t (id int)')\n",
        path="scripts/migrate.py",
        files={"template.yaml": _TEMPLATE_PROXY, "handler.py": "def handler(event, context):\n    return 1\n"},
        note="a migration script no handler reaches (migrations belong on the direct host)",
    ),
    Case(
        "import psycopg\n\nURL = 'postgresql://postgres.abcdefghijklmnop@aws-0-us-east-1.pooler.supabase.com:6543/postgres'\nDEDICATED = 'postgresql://postgres@db.abcdefghijklmnop.supabase.co:6543/postgres'\nNEON = 'postgresql://alex@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/db'\n\ndef handler(event, context):\n    return psycopg.connect(URL, prepare_threshold=None)\n",
        note="Supavisor transaction pooler, Supabase's dedicated pooler (6543) and Neon's -pooler host",
    ),
    Case(
        "import psycopg\n\nHOST = 'db.abcdefghijklmnop.supabase.co'\nPORT = 6543\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, port=PORT, prepare_threshold=None)\n",
        note="port 6543 given separately",
    ),
    Case(
        "import requests\n\nAPI = 'https://ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/sql'\n\ndef handler(event, context):\n    \"\"\"Talks to db.abcdefghijklmnop.supabase.co only in docs.\"\"\"\n    return requests.post(API, json={}, timeout=5).json()\n",
        note="HTTP API on the Neon host; docstring mentions a host",
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
    Case(
        "import psycopg\n\nHOST = '" + _CLUSTER + "'\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, dbname='orders', connect_timeout=5)\n",
        files={"template.yaml": _TEMPLATE_PROXY},
        line=3,
        message="bypasses the RDS Proxy the project configures (`AWS::RDS::DBProxy` `DbProxy` at template.yaml:8)",
    ),
    Case(
        "import os\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.pool import NullPool\n\nengine = create_engine(f\"postgresql+psycopg://app:{os.environ['PW']}@orders.cluster-ro-c9akciq32ab.us-east-1.rds.amazonaws.com:5432/orders\", poolclass=NullPool)\n\ndef handler(event, context):\n    with engine.connect() as c:\n        return 1\n",
        files={"serverless.yml": _SLS_PROXY_ENV},
        line=5,
        message="connect to `orders.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com` instead",
        note="f-string URL to the reader endpoint; the proxy endpoint is in serverless.yml",
    ),
    Case(
        "import os\nimport psycopg\n\nHOST = os.getenv('PGHOST') or '" + _CLUSTER + "'\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, connect_timeout=5)\n",
        files={"template.yaml": _TEMPLATE_PROXY},
        line=4,
        message="the fallback for `PGHOST`",
        note="env default the deployment never sets",
    ),
    Case(
        "import psycopg\n\nURL = 'postgresql://postgres:s3cr3t-Passw0rd-x9@db.abcdefghijklmnop.supabase.co:5432/postgres'\n\ndef handler(event, context):\n    return psycopg.connect(URL).execute('select 1').fetchone()\n",
        line=3,
        message="`db.abcdefghijklmnop.supabase.co:5432` is the Supabase direct connection",
        note="Supabase direct host: a finding without any configured pooler",
    ),
    Case(
        "import asyncpg\n\nDSN = 'postgresql://alex@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/dbname?sslmode=require'\n\nasync def handler(event, context):\n    conn = await asyncpg.connect(DSN, timeout=5)\n    return await conn.fetchval('select 1')\n",
        line=3,
        message="use `ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech` instead",
    ),
]
