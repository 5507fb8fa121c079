"""Client timeout longer than the function may run.

## What it does
Compares every explicit timeout in code that a deployed function runs with that function's
limits from its deployment file: HTTP timeouts (`requests`, `urllib.request`, `http.client`,
`httpx` and `httpx.Timeout`, `aiohttp.ClientTimeout`, `urllib3` and `urllib3.Timeout`), AWS
SDK `botocore.config.Config(connect_timeout=, read_timeout=)` (followed through variables and
helpers), OpenAI / Anthropic `timeout=`, and database connect timeouts (`connect_timeout`,
pymysql `read_timeout`, redis socket timeouts, pymongo `serverSelectionTimeoutMS` /
`timeoutMS`, asyncpg / pg8000 `timeout`). It reports a timeout at or above the function's
configured timeout (the platform default when the deployment file sets none: 6 s for the
Serverless Framework, 3 s for SAM / CloudFormation / CDK), or above the limit of its HTTP
trigger (API Gateway REST 29 s, HTTP API 30 s, Vercel `maxDuration`). A `(connect, read)`
tuple, and a Config's connect + read timeouts, count as their sum. When several functions run
the code, the one with the smallest budget is named. The message names the function, its
deployment file and both numbers.

## Why is this bad?
A timeout is only useful if it fires before the platform kills the invocation. A 30 s read
timeout in a function that may run 6 s never fires: the platform ends the invocation first,
so instead of an error your code can handle (retry, fall back, answer 503) you get a
platform timeout, half-done work and, behind API Gateway, a 504 after 29 s whatever the
function's own timeout says. AWS advises SDK and HTTP timeouts shorter than the function's
timeout.

## Example
```python
import requests
from chalice import Chalice

app = Chalice(app_name="orders")

@app.route("/report")
def report():
    # API Gateway gives up after 29 s; this read may wait 30 s more
    return requests.get("https://reports.example.com/build", timeout=(5, 30)).json()
```

The same with serverless.yml setting `timeout: 10` on the function: `timeout=(3, 27)` is
reported as 30 s (3 + 27), at or above the function's timeout of 10 s.

This project's fixture tests/fixtures/clients_timeouts (handlers in `src/handlers/`, helpers in
`src/lib/`, two functions in serverless.yml: `api` with a 10 s timeout behind API Gateway and
`nightly` with 300 s) gives, with `sls-lint check --select SLS1,SLS2`:

```text
src/handlers/api.py:9:5: SLS102 `cache.close()` closes the Redis client `cache` created once at module scope (`src/lib/repo.py`, line 4) on every invocation of `api` (handler); ...
src/lib/clients.py:6:47: SLS203 `botocore.config.Config` read + connect timeout: 32 s (2 + 30) is at or above the function's timeout of 10 s (function `api`, serverless.yml); lower it so the call fails before the function is killed
src/lib/http.py:15:58: SLS203 `requests.get` timeout: 15 s is at or above the function's timeout of 10 s (function `api`, serverless.yml); lower it so the call fails before the function is killed
src/lib/repo.py:9:16: SLS101 [*] PostgreSQL connection `psycopg2.connect(...)` is created on every invocation of `api` (handler → Repo.connect → psycopg2.connect); ...
src/lib/repo.py:9:77: SLS203 `psycopg2.connect` connect timeout: 10 s is at or above the function's timeout of 10 s (function `api`, serverless.yml); lower it so the call fails before the function is killed
```

`session.get(..., timeout=60)` in `fetch_all` is not reported: only `nightly` (300 s) runs it.

## Use instead
```python
import requests
from chalice import Chalice

app = Chalice(app_name="orders")

@app.route("/report")
def report():
    return requests.get("https://reports.example.com/build", timeout=(5, 20)).json()
```

## Fix safety
The fix lowers a literal timeout just below the function's budget (its timeout, or its HTTP
trigger's limit): for a `(connect, read)` tuple and a botocore Config it lowers the read part
and keeps the connect part. It is unsafe: a dependency that answers between the new and the
old value now fails instead. A timeout that comes from a variable, another module or the
environment is reported without an automatic fix.

## Options
None.

## References
- [AWS Lambda: configure function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
- [API Gateway quotas: integration timeout](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html)
- [Vercel: configuring maximum duration](https://vercel.com/docs/functions/configuring-functions/duration)
- [requests: timeouts](https://requests.readthedocs.io/en/latest/user/quickstart/#timeouts)
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from sls_lint.catalog import (
    BOTO_CLIENT_CALLS,
    DB_CONNECT_TIMEOUTS,
    HTTP_CALLS,
    HTTPX_CALLS,
    LLM_TIMEOUT_CLIENTS,
    POOL_METHODS,
    canonical,
)
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._scope import Limits, below, functions_for, limits, num, number, resolve_value
from sls_lint.rules.timeouts.sdk_client_without_timeout import CONFIG_NAMES
from sls_lint.semantic import keyword

_POOL_CTORS = frozenset({"urllib3.PoolManager", "urllib3.HTTPConnectionPool", "aiohttp.ClientSession"})


@dataclass
class Item:
    label: str  # "`requests.get` timeout"
    seconds: float
    node: ast.AST  # where the value is written (this module) or the call
    parts: tuple[float, ...] = ()  # (connect, read) when summed
    literal: ast.AST | None = None  # a literal the fix may replace (in this module)
    scale: float = 1.0  # seconds per unit of the literal
    # for a botocore Config: the read_timeout literal to lower, and the connect part to keep
    read_literal: ast.AST | None = None
    keep: float = 0.0


class TimeoutExceedsFunctionBudget(Rule):
    code = "SLS203"
    name = "timeout-exceeds-function-budget"
    summary = "Client timeout at or above the function's own timeout"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    prefilter = ("timeout", "Timeout", "TimeoutMS")
    # the calls _items reads a timeout from (visit_Call runs for no other: 53,000 calls on a
    # 3,000-file corpus went through it before)
    call_names = frozenset({*HTTP_CALLS, *HTTPX_CALLS, *LLM_TIMEOUT_CLIENTS, *_POOL_CTORS, "aiohttp.request",
                            *(f"{owner}.{m}" for owner, ms in POOL_METHODS.items() for m in ms), *BOTO_CLIENT_CALLS, *DB_CONNECT_TIMEOUTS})

    def begin_module(self, ctx) -> None:
        self._done: set[int] = set()

    def visit_Call(self, node: ast.Call, ctx) -> None:
        if not ctx.project.functions:
            return
        qual = canonical(ctx.model.call_name(node))
        if qual is None:
            return
        items = _items(ctx, node, qual)
        if not items:
            return
        fns = functions_for(ctx, node)
        if not fns:
            return
        lims = [limits(f) for f in fns]
        for item in items:
            if id(item.node) in self._done:
                continue
            worst: tuple[Limits, str] | None = None
            for lim in lims:
                reason = lim.exceeded_by(item.seconds)
                if reason is not None and (worst is None or (lim.budget_s or 0) < (worst[0].budget_s or 0)):
                    worst = (lim, reason)
            if worst is None:
                continue
            lim, reason = worst
            self._done.add(id(item.node))
            parts = f" ({' + '.join(num(p) for p in item.parts)})" if item.parts else ""
            fix = _fix(ctx, item, lim.budget_s)
            ctx.report(
                item.node,
                f"{item.label}: {num(item.seconds)} s{parts} is {reason} (function `{lim.function.name}`, {lim.where}); "
                f"lower it so the call fails before the function is killed",
                fix=fix,
                function=lim.function.name,
            )


# --------------------------------------------------------------------------- reading timeouts
def _items(ctx, node: ast.Call, qual: str) -> list[Item]:
    model = ctx.model
    label = f"`{qual}` timeout"
    if qual in HTTP_CALLS or qual in HTTPX_CALLS or qual in LLM_TIMEOUT_CLIENTS or qual in _POOL_CTORS or _is_pool_method(qual) or qual == "aiohttp.request":
        expr = None
        kw = keyword(node, "timeout")
        if kw is not None:
            expr = kw.value
        elif qual in HTTP_CALLS and HTTP_CALLS[qual][0] is not None and len(node.args) > HTTP_CALLS[qual][0]:
            expr = node.args[HTTP_CALLS[qual][0]]
        if expr is None:
            return []
        item = _timeout_value(model, expr, label)
        return [item] if item else []
    if qual in BOTO_CLIENT_CALLS:
        kw = keyword(node, "config")
        if kw is None:
            return []
        return _config_items(ctx, model, kw.value, node, 0)
    specs = DB_CONNECT_TIMEOUTS.get(qual)
    if specs:
        out = []
        for what, params, scale, _default, _dsn, _pos in specs:
            for p in params:
                kw = keyword(node, p)
                if kw is None:
                    continue
                value = number(model, kw.value)
                if value is not None and value > 0:
                    lit = kw.value if isinstance(kw.value, ast.Constant) else None
                    out.append(Item(f"`{qual}` {what} timeout", value * scale, kw.value, literal=lit, scale=scale))
                break
        return out
    return []


def _is_pool_method(qual: str) -> bool:
    owner, _, method = qual.rpartition(".")
    return method in POOL_METHODS.get(owner, ())


def _timeout_value(model, expr: ast.AST, label: str) -> Item | None:
    value = resolve_value(model, expr)
    lit = expr if _literal(expr) else None
    if isinstance(value, ast.Tuple) and len(value.elts) == 2:
        parts = [number(model, e) for e in value.elts]
        if None in parts:
            return None
        return Item(label, parts[0] + parts[1], expr, tuple(parts), literal=lit)  # type: ignore[operator]
    if isinstance(value, ast.Call):
        name = canonical(model.call_name(value))
        if name in ("httpx.Timeout", "urllib3.Timeout", "urllib3.util.Timeout", "urllib3.util.timeout.Timeout", "aiohttp.ClientTimeout"):
            return _timeout_object(model, value, name, expr, label)
        return None
    seconds = number(model, value)
    if seconds is None or seconds <= 0:
        return None
    return Item(label, seconds, expr, literal=lit)


def _timeout_object(model, call: ast.Call, name: str, where: ast.AST, label: str) -> Item | None:
    def kw(n):
        k = keyword(call, n)
        return number(model, k.value) if k is not None else None

    if name == "aiohttp.ClientTimeout":
        total = kw("total")
        if total is not None:
            return Item(label, total, where)
        connect, read = kw("sock_connect") or kw("connect"), kw("sock_read")
    elif name.startswith("urllib3"):
        total = kw("total")
        if total is not None:
            return Item(label, total, where)
        connect, read = kw("connect"), kw("read")
    else:  # httpx.Timeout(default, connect=, read=, write=, pool=)
        default = number(model, call.args[0]) if call.args else kw("timeout")
        if keyword(call, "connect") is None and keyword(call, "read") is None:
            return Item(label, default, where) if default else None
        connect, read = kw("connect") or default, kw("read") or default
    if connect is None or read is None:
        present = connect if connect is not None else read
        return Item(label, present, where) if present else None
    return Item(label, connect + read, where, (connect, read))


def _config_items(ctx, model, expr: ast.AST, call: ast.Call, depth: int) -> list[Item]:
    """Explicit connect/read timeouts of a botocore Config (here, or returned by a helper)."""
    if depth > 4:
        return []
    value = resolve_value(model, expr)
    if not isinstance(value, ast.Call):
        return []
    name = canonical(model.call_name(value))
    if name not in CONFIG_NAMES:
        if value.args or value.keywords or not name:
            return []
        key = ctx.index.resolve(name, model.path)
        other = ctx.index.model(key[0]) if key else None
        info = other.by_qualname.get(key[1]) if other is not None else None
        if info is None:
            return []
        returns = [n for n in ast.walk(info.node) if isinstance(n, ast.Return) and n.value is not None]
        if len(returns) != 1:
            return []
        found = _config_items(ctx, other, returns[0].value, call, depth + 1)
        if other is not ctx.model:  # report at the client call; no fix across modules
            return [Item(i.label, i.seconds, call, i.parts) for i in found]
        return found
    here = model is ctx.model
    c_kw, r_kw = keyword(value, "connect_timeout"), keyword(value, "read_timeout")
    c = number(model, c_kw.value) if c_kw else None
    r = number(model, r_kw.value) if r_kw else None
    label = "`botocore.config.Config` read + connect timeout" if c is not None and r is not None else "`botocore.config.Config` timeout"
    if c is None and r is None:
        return []
    node = (r_kw or c_kw).value if here else call  # type: ignore[union-attr]
    if c is not None and r is not None:
        lit = r_kw.value if here and isinstance(r_kw.value, ast.Constant) else None  # type: ignore[union-attr]
        return [Item(label, c + r, node, (c, r), read_literal=lit, keep=c)]
    seconds = c if c is not None else r
    kwnode = c_kw if c is not None else r_kw
    lit = kwnode.value if here and isinstance(kwnode.value, ast.Constant) else None  # type: ignore[union-attr]
    return [Item(label, seconds, node, literal=lit)]  # type: ignore[arg-type]


def _literal(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    return isinstance(expr, ast.Tuple) and len(expr.elts) == 2 and all(_literal(e) for e in expr.elts)


# --------------------------------------------------------------------------- fixes
def _fix(ctx, item: Item, budget: float | None) -> FixIntent | None:
    if budget is None:
        return None
    target = below(item.seconds, budget)
    if item.read_literal is not None:
        read = target - item.keep
        if read <= 0:
            return None
        return _replace(ctx, item.read_literal, num(read), f"Lower read_timeout to {num(read)}")
    lit = item.literal
    if lit is None:
        return None
    if isinstance(lit, ast.Tuple):
        connect = item.parts[0]
        if connect < target:
            code = f"({num(connect)}, {num(target - connect)})"
        else:
            code = f"({num(target / 2)}, {num(target / 2)})"
        return _replace(ctx, lit, code, f"Lower the timeout to {code}")
    value = target / item.scale
    code = num(round(value)) if item.scale != 1.0 else num(value)
    return _replace(ctx, lit, code, f"Lower the timeout to {code}")


def _replace(ctx, node: ast.AST, code: str, title: str) -> FixIntent:
    span = ctx.span(node)
    if isinstance(node, ast.Tuple) and node.elts:
        # libcst places a parenthesized tuple between its first and last element
        first, last = ctx.span(node.elts[0]), ctx.span(node.elts[-1])
        span = type(span)(first.line, first.column, last.end_line, last.end_column)
    return FixIntent("replace-node", title, Applicability.UNSAFE, span, (("code", code),))


def _sls(timeout: int | None = 10, events: str = "") -> str:
    t = f"    timeout: {timeout}\n" if timeout is not None else ""
    return f"service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n{t}{events}"


_HTTP = "    events:\n      - http:\n          path: /\n          method: get\n"
_HTTPAPI = "    events:\n      - httpApi:\n          path: /\n          method: get\n"

VALID = [
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=5).json()\n", files={"serverless.yml": _sls(10)}),
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=(3, 6)).json()\n", files={"serverless.yml": _sls(10)}, note="tuple sum 9 < 10"),
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=60).json()\n", note="no deployment file: no budget"),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=60).json()\n",
        files={"serverless.yml": _sls("${self:custom.timeout}")},
        note="timeout set through a variable the model cannot resolve",
    ),
    Case(
        "import os\nimport requests\n\nTIMEOUT = float(os.environ.get('HTTP_TIMEOUT', '30'))\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=TIMEOUT).json()\n",
        files={"serverless.yml": _sls(10)},
        note="value from the environment",
    ),
    Case(
        "import requests\n\ndef fetch(url, **kwargs):\n    return requests.get(url, **kwargs)\n\ndef handler(event, context):\n    return fetch('https://x', timeout=30)\n",
        files={"serverless.yml": _sls(10)},
        note="through **kwargs: the call in the helper has no visible timeout",
    ),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=29).json()\n",
        files={"serverless.yml": _sls(60, _HTTP)},
        note="29 s is not above API Gateway REST's 29 s",
    ),
    Case(
        "import requests\n\ndef main():\n    return requests.get('https://x', timeout=120)\n\ndef handler(event, context):\n    return 'ok'\n",
        files={"serverless.yml": _sls(10)},
        note="code the handler does not reach",
    ),
    Case(
        "import httpx\n\nclient = httpx.Client(timeout=httpx.Timeout(5.0, connect=2.0))\n\ndef handler(event, context):\n    return client.get('https://x').json()\n",
        files={"serverless.yml": _sls(10)},
    ),
]

INVALID = [
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=(3, 27)).json()\n",
        files={"serverless.yml": _sls(10)},
        line=4,
        unsafe=True,
        message="30 s (3 + 27) is at or above the function's timeout of 10 s (function `api`, serverless.yml)",
        fixed="import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=(3, 6)).json()\n",
    ),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=10).json()\n",
        files={"serverless.yml": _sls(None)},
        line=4,
        unsafe=True,
        message="default timeout of 6 s",
        fixed="import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=5).json()\n",
        note="the Serverless Framework's default timeout",
    ),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.post('https://x', json=event, timeout=45).json()\n",
        files={"serverless.yml": _sls(60, _HTTPAPI)},
        line=4,
        message="above its API Gateway HTTP API's limit of 30 s",
    ),
    Case(
        "import boto3\nfrom botocore.config import Config\n\nCONFIG = Config(connect_timeout=5, read_timeout=60, retries={'mode': 'standard'})\nlam = boto3.client('lambda', config=CONFIG)\n\ndef handler(event, context):\n    return lam.invoke(FunctionName='x')\n",
        files={"serverless.yml": _sls(30)},
        line=4,
        unsafe=True,
        message="65 s (5 + 60)",
        fixed="import boto3\nfrom botocore.config import Config\n\nCONFIG = Config(connect_timeout=5, read_timeout=24, retries={'mode': 'standard'})\nlam = boto3.client('lambda', config=CONFIG)\n\ndef handler(event, context):\n    return lam.invoke(FunctionName='x')\n",
        note="module-level Config used by a module-level client",
    ),
    Case(
        "import psycopg2\n\ndef handler(event, context):\n    return psycopg2.connect(host='db', connect_timeout=30)\n",
        files={"serverless.yml": _sls(10)},
        line=4,
        unsafe=True,
        fixed="import psycopg2\n\ndef handler(event, context):\n    return psycopg2.connect(host='db', connect_timeout=9)\n",
    ),
    Case(
        "from pymongo import MongoClient\n\nclient = MongoClient('mongodb://db', serverSelectionTimeoutMS=30000)\n\ndef handler(event, context):\n    return client.db.items.find_one()\n",
        files={"serverless.yml": _sls(10)},
        line=3,
        unsafe=True,
        message="30 s",
        fixed="from pymongo import MongoClient\n\nclient = MongoClient('mongodb://db', serverSelectionTimeoutMS=9000)\n\ndef handler(event, context):\n    return client.db.items.find_one()\n",
        note="milliseconds",
    ),
    Case(
        "import requests\n\nTIMEOUT = 30\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=TIMEOUT).json()\n",
        files={"serverless.yml": _sls(10)},
        line=6,
        message="30 s",
        note="module constant: reported without a fix",
    ),
    Case(
        "import httpx\n\nasync def handler(event, context):\n    async with httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0)) as c:\n        return (await c.get('https://x')).json()\n",
        files={"serverless.yml": _sls(10)},
        line=4,
        message="25 s (5 + 20)",
    ),
    Case(
        "import aiohttp\n\nasync def handler(event, context):\n    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:\n        return await (await s.get('https://x')).text()\n",
        files={"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.handler\n      Runtime: python3.12\n"},
        line=4,
        message="default timeout of 3 s (function `Api`, template.yaml)",
        note="SAM default timeout",
    ),
]
