"""Database or cache connect that can wait forever.

## What it does
Finds database and cache connections made without a timeout, in code that a deployed function
runs (its handler module, the modules it imports, and every function a handler calls):
- `psycopg2.connect`, `psycopg.connect` (and `Connection.connect` / `AsyncConnection.connect`)
  without `connect_timeout` (as a keyword or inside a literal DSN): libpq waits indefinitely;
- `pg8000.connect` / `pg8000.native.Connection` without `timeout`;
- `pymysql.connect` without `read_timeout` (a query on a stalled connection waits forever;
  `connect_timeout` defaults to 10 s), `MySQLdb.connect` without `connect_timeout`,
  `mysql.connector.connect` without `connection_timeout`;
- redis clients (`Redis`, `StrictRedis`, `from_url`, `ConnectionPool`, `RedisCluster`, asyncio
  variants) without `socket_connect_timeout` / `socket_timeout`, when a lock or requirements
  file pins redis-py below 8 (where both default to None; from 8.0 they default to 5 s);
- connects whose library default is bounded but not short: `asyncpg.connect` /
  `create_pool` (`timeout` 60 s), `aiomysql.connect` (60 s), pymongo / motor clients
  (`serverSelectionTimeoutMS` 30 s), pymysql's 10 s connect timeout and redis-py 8's 5 s,
  reported only when that default is at or above the function's timeout or above its HTTP
  trigger's limit.

## Why is this bad?
A database that is down, overloaded or unreachable (a security group, a paused serverless
cluster, a full connection limit) makes a connect without a timeout hang until the platform
kills the invocation: you pay for the whole timeout, get a platform error instead of one your
code can handle, and retries pile onto the same stuck dependency. PostgreSQL's docs say an
unset `connect_timeout` means wait indefinitely.

Not reported: connects that pass `**kwargs` (the timeout may be in them), a DSN literal that
sets the timeout, redis clients when no lock or requirements file says which redis-py is used,
and code no function runs.

## Example
```python
import psycopg2

conn = psycopg2.connect(host="db.internal", dbname="orders")

def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("select 1")
        return cur.fetchone()
```

## Use instead
```python
import psycopg2

conn = psycopg2.connect(host="db.internal", dbname="orders", connect_timeout=5)

def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("select 1")
        return cur.fetchone()
```

## Fix safety
The fix adds the missing parameters (`connect_timeout=`, `read_timeout=`,
`socket_connect_timeout=` / `socket_timeout=`, `serverSelectionTimeoutMS=`, `timeout=`), with
the values of the options, lowered below the function's budget when the deployment file says
what it is. It is unsafe: a database slower than the new timeout now fails instead of
answering late.

## Options
- `db-connect-timeout` (number, seconds, default 5): the connect timeout the fix adds.
- `db-read-timeout` (number, seconds, default 10): the read/socket timeout the fix adds
  (pymysql `read_timeout`, redis `socket_timeout`).

## References
- [libpq: connect_timeout](https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-CONNECT-TIMEOUT)
- [PyMySQL: Connection](https://pymysql.readthedocs.io/en/latest/modules/connections.html)
- [redis-py: socket timeouts (redis/redis-py#2243)](https://github.com/redis/redis-py/issues/2243)
- [pymongo: serverSelectionTimeoutMS](https://pymongo.readthedocs.io/en/stable/api/pymongo/mongo_client.html)
"""
from __future__ import annotations

import ast
import posixpath

from sls_lint.catalog import DB_CONNECT_TIMEOUTS, DSN_KEYWORDS, REDIS_TIMEOUT_DEFAULT_FROM, canonical
from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._pins import pinned_major
from sls_lint.rules.timeouts._scope import below, functions_for, limits, num, resolve_value, tightest
from sls_lint.semantic import has_star_kwargs, is_none, keyword


class DbConnectWithoutTimeout(Rule):
    code = "SLS204"
    call_names = frozenset(DB_CONNECT_TIMEOUTS)
    name = "db-connect-without-timeout"
    summary = "Database or cache connect without a timeout"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (
        RuleOption("db-connect-timeout", "number", 5, "Seconds; the connect timeout SLS204's fix adds (kept below the function's budget)."),
        RuleOption("db-read-timeout", "number", 10, "Seconds; the read/socket timeout SLS204's fix adds (kept below the function's budget)."),
    )
    prefilter = ("psycopg", "pg8000", "asyncpg", "pymysql", "MySQLdb", "mysql", "redis", "Redis", "mongo", "Mongo")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        qual = canonical(ctx.model.call_name(node))
        specs = DB_CONNECT_TIMEOUTS.get(qual or "")
        if not specs or has_star_kwargs(node) or any(isinstance(a, ast.Starred) for a in node.args):
            return
        fns = functions_for(ctx, node)
        if not fns:
            return
        lim = tightest(fns)
        budget = lim.budget_s if lim else None
        dsn = _dsn_text(ctx.model, node)
        problems: list[str] = []
        adds: list[tuple[str, str]] = []
        for label, params, scale, default, dsn_keys, _pos in specs:
            kws = [keyword(node, p) for p in params]
            if any(k is not None and not is_none(k.value) for k in kws):
                continue
            if dsn is not None and any(k in dsn for k in dsn_keys):
                continue
            if default == "redis":
                default = _redis_default(ctx)
                if default == "unknown":
                    continue
            if default is None:
                problems.append(f"no `{params[0]}` ({label} waits forever)")
            else:
                reasons = [(lm, lm.exceeded_by(default)) for lm in (limits(f) for f in fns)]
                hit = [(lm, r) for lm, r in reasons if r]
                if not hit:
                    continue
                lm, reason = min(hit, key=lambda x: x[0].budget_s or 0)
                problems.append(f"no `{params[0]}`: the {label} timeout defaults to {num(default)} s, {reason} (function `{lm.function.name}`, {lm.where})")
            option = "db-connect-timeout" if label in ("connect", "server selection") else "db-read-timeout"
            seconds = below(float(ctx.option(option)), budget)
            value = num(round(seconds / scale)) if scale != 1.0 else num(seconds)
            adds.append((params[0], value))
        if not problems:
            return
        fix = None
        if adds:
            title = "Add " + ", ".join(f"`{k}={v}`" for k, v in adds)
            fix = FixIntent("merge-keywords", title, Applicability.UNSAFE, ctx.span(node), (("keywords", tuple(adds)),))
        where = f" in `{lim.function.name}`" if lim else ""
        ctx.report(node, f"`{qual}(...)`{where} has " + "; ".join(problems), fix=fix, function=(lim.function.name if lim else fns[0].name))


def _dsn_text(model, call: ast.Call) -> str | None:
    """The text of a literal DSN/URL argument (constant parts of an f-string), if any."""
    candidates = [call.args[0]] if call.args else []
    candidates += [k.value for k in call.keywords if k.arg in DSN_KEYWORDS]
    out = []
    for c in candidates:
        v = resolve_value(model, c)
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            out.append(v.value)
        elif isinstance(v, ast.JoinedStr):
            out.extend(p.value for p in v.values if isinstance(p, ast.Constant) and isinstance(p.value, str))
    return " ".join(out) if out else None


def _redis_default(ctx):
    """redis-py's socket timeout default for this project: None (< 8), 5 s (>= 8), or
    "unknown" when no lock/requirements file pins it."""
    found = pinned_major(ctx.project.root, posixpath.dirname(ctx.path), "redis")
    if found is None:
        return "unknown"
    lo, hi = found
    major, default = REDIS_TIMEOUT_DEFAULT_FROM
    if hi is not None and hi < major:
        return None
    if lo is not None and lo >= major:
        return default
    return "unknown"


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n    timeout: {t}\n"

VALID = [
    Case("import psycopg2\n\nconn = psycopg2.connect(host='db', connect_timeout=5)\n\ndef handler(event, context):\n    return conn\n"),
    Case("import psycopg2\n\nconn = psycopg2.connect('host=db dbname=x connect_timeout=5')\n\ndef handler(event, context):\n    return conn\n", note="timeout in the DSN"),
    Case(
        "import psycopg\n\nDSN = 'postgresql://db/x?connect_timeout=3'\nconn = psycopg.connect(DSN)\n\ndef handler(event, context):\n    return conn\n",
        note="DSN constant with the timeout",
    ),
    Case(
        "import psycopg2\n\nSETTINGS = {'host': 'db', 'connect_timeout': 5}\nconn = psycopg2.connect(**SETTINGS)\n\ndef handler(event, context):\n    return conn\n",
        note="**kwargs",
    ),
    Case("import redis\n\nr = redis.Redis(host='cache')\n\ndef handler(event, context):\n    return r.get('k')\n", note="no pin: redis-py 8 defaults to 5 s"),
    Case(
        "import redis\n\nr = redis.Redis(host='cache')\n\ndef handler(event, context):\n    return r.get('k')\n",
        files={"requirements.txt": "redis==8.1.0\n"},
        note="redis-py 8: 5 s default, no budget known",
    ),
    Case(
        "import redis\n\nr = redis.Redis(host='cache', socket_connect_timeout=2, socket_timeout=2)\n\ndef handler(event, context):\n    return r.get('k')\n",
        files={"requirements.txt": "redis==4.6.0\n"},
    ),
    Case(
        "import pymysql\n\nconn = pymysql.connect(host='db', read_timeout=5)\n\ndef handler(event, context):\n    return conn\n",
        note="pymysql's 10 s connect default, no budget known",
    ),
    Case("import asyncpg\n\nasync def handler(event, context):\n    return await asyncpg.connect('postgresql://db/x')\n", note="asyncpg's 60 s default, no budget known"),
    Case(
        "from pymongo import MongoClient\n\nclient = MongoClient('mongodb://db')\n\ndef handler(event, context):\n    return client.db.x.find_one()\n",
        files={"serverless.yml": _SLS.format(t=60)},
        note="30 s server selection within a 60 s function",
    ),
    Case("import psycopg2\n\ndef main():\n    return psycopg2.connect(host='db')\n\nif __name__ == '__main__':\n    main()\n", path="scripts/migrate.py", note="not a function's code"),
]

INVALID = [
    Case(
        "import psycopg2\n\nconn = psycopg2.connect(host='db', dbname='x')\n\ndef handler(event, context):\n    return conn\n",
        line=3,
        unsafe=True,
        message="no `connect_timeout`",
        fixed="import psycopg2\n\nconn = psycopg2.connect(host='db', dbname='x', connect_timeout=5)\n\ndef handler(event, context):\n    return conn\n",
    ),
    Case(
        "import os\nimport psycopg\n\ndef handler(event, context):\n    with psycopg.connect(os.environ['DATABASE_URL']) as conn:\n        return conn.execute('select 1').fetchone()\n",
        files={"serverless.yml": _SLS.format(t=3)},
        line=5,
        unsafe=True,
        fixed="import os\nimport psycopg\n\ndef handler(event, context):\n    with psycopg.connect(os.environ['DATABASE_URL'], connect_timeout=2) as conn:\n        return conn.execute('select 1').fetchone()\n",
        note="DSN from the environment; value kept below a 3 s budget",
    ),
    Case(
        "import pymysql\n\nconn = pymysql.connect(host='db', user='app')\n\ndef handler(event, context):\n    return conn\n",
        files={"serverless.yml": _SLS.format(t=10)},
        line=3,
        unsafe=True,
        message="connect timeout defaults to 10 s, at or above the function's timeout of 10 s",
        fixed="import pymysql\n\nconn = pymysql.connect(host='db', user='app', read_timeout=9, connect_timeout=5)\n\ndef handler(event, context):\n    return conn\n",
    ),
    Case(
        "import redis\n\nr = redis.from_url('redis://cache:6379/0')\n\ndef handler(event, context):\n    return r.get('k')\n",
        files={"requirements.txt": "boto3\nredis>=4,<5  # pinned\n"},
        line=3,
        unsafe=True,
        message="`socket_timeout`",
        fixed="import redis\n\nr = redis.from_url('redis://cache:6379/0', socket_connect_timeout=5, socket_timeout=10)\n\ndef handler(event, context):\n    return r.get('k')\n",
        note="redis-py < 8 from requirements.txt",
    ),
    Case(
        "import redis\n\nr = redis.Redis(host='cache', socket_timeout=2)\n\ndef handler(event, context):\n    return r.get('k')\n",
        files={"poetry.lock": '[[package]]\nname = "redis"\nversion = "5.0.1"\n'},
        line=3,
        count=1,
        message="socket_connect_timeout",
        note="redis-py 5 from poetry.lock; socket_timeout already set",
    ),
    Case(
        "import asyncpg\n\nasync def handler(event, context):\n    return await asyncpg.connect('postgresql://db/x')\n",
        files={"serverless.yml": _SLS.format(t=30)},
        line=4,
        message="defaults to 60 s",
    ),
    Case(
        "from pymongo import MongoClient\n\nclient = MongoClient('mongodb://db')\n\ndef handler(event, context):\n    return client.db.x.find_one()\n",
        files={"serverless.yml": _SLS.format(t=10)},
        line=3,
        unsafe=True,
        fixed="from pymongo import MongoClient\n\nclient = MongoClient('mongodb://db', serverSelectionTimeoutMS=5000)\n\ndef handler(event, context):\n    return client.db.x.find_one()\n",
    ),
    Case(
        "import mysql.connector\n\ndef handler(event, context):\n    return mysql.connector.connect(host='db')\n",
        line=4,
        message="connection_timeout",
    ),
]
