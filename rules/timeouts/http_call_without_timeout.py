"""Network call that can wait forever.

## What it does
Finds network calls with no timeout, or with `timeout=None`: `requests` functions and
`requests.Session` methods (also a module-level session used in a handler),
`urllib.request.urlopen`, `http.client` connections, `socket.create_connection`, `smtplib`,
`ftplib`, `imaplib` and `poplib` connections, `urllib3` pools and `urllib3.request`, `aiohttp`
sessions and `aiohttp.request`, `pyfetch` / JavaScript `fetch` in Python Workers without an
abort signal, and `httpx` calls or clients given `timeout=None` (httpx is bounded at 5 s by
default, so only an explicit `None` is reported).

## Why is this bad?
Without a timeout, `requests`, `urllib` and the standard library's clients wait forever for a
slow or silent server, and `aiohttp` waits five minutes. In a function the wait ends only when
the platform kills the invocation at its timeout, after you have paid for the whole duration,
with a platform timeout error instead of a meaningful one, and retries pile up on the same
stuck dependency. AWS advises SDK and HTTP timeouts shorter than the function's own timeout.

## Example
```python
import requests

def handler(event, context):
    return requests.get("https://api.example.com/items").json()
```

## Use instead
```python
import requests

def handler(event, context):
    return requests.get("https://api.example.com/items", timeout=10).json()
```

## Fix safety
The fix adds `timeout=<default-timeout>` (or replaces `timeout=None`), lowered below the
function's budget (its configured timeout, or its HTTP trigger's limit) when the deployment
file says what that is. It is unsafe: a server slower than the timeout now raises instead of
answering late. Calls that take `**kwargs` are reported without a fix, since the timeout may be
inside them. `fetch` in Python Workers gets no automatic fix.

## Options
- `default-timeout` (number, seconds, default 10): the timeout the fix adds.

## References
- [requests: timeouts](https://requests.readthedocs.io/en/latest/user/quickstart/#timeouts)
- [urllib.request.urlopen](https://docs.python.org/3/library/urllib.request.html#urllib.request.urlopen)
- [aiohttp: client timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
- [AWS Lambda: configure function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
"""
from __future__ import annotations

import ast

from sls_lint.catalog import FETCH_CALLS, HTTP_CALLS, HTTPX_CALLS, POOL_METHODS, canonical
from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._scope import functions_for, tightest
from sls_lint.semantic import has_star_kwargs, is_none, keyword


def timeout_value(default: float, budget: float | None) -> str:
    """The timeout the fix writes: the configured default, kept below the function's budget."""
    value = float(default)
    if budget is not None and value >= budget:
        value = budget - 1 if budget > 2 else budget / 2
    return str(int(value)) if value == int(value) else f"{value:g}"


class HttpCallWithoutTimeout(Rule):
    code = "SLS201"
    # visit_Call returns unless the call's canonical name is one of these
    call_names = frozenset({*HTTPX_CALLS, *FETCH_CALLS, *HTTP_CALLS, *(f"{owner}.{m}" for owner, ms in POOL_METHODS.items() for m in ms)})
    name = "http-call-without-timeout"
    summary = "Network call without a timeout"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (RuleOption("default-timeout", "number", 10, "Seconds; the timeout SLS201's fix adds (kept below the function's budget)."),)
    prefilter = ("requests", "urllib", "http", "socket", "smtplib", "ftplib", "imaplib", "poplib", "aiohttp", "httpx", "fetch")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        qual = canonical(model.call_name(node))
        if qual is None:
            return
        if qual in HTTPX_CALLS:
            kw = keyword(node, "timeout")
            if kw is not None and is_none(kw.value):
                self._report(node, ctx, qual, "`timeout=None` disables httpx's default 5 s timeout, so it can wait forever", kw)
            return
        if qual in FETCH_CALLS:
            if keyword(node, "signal") is None and not has_star_kwargs(node):
                ctx.report(node, f"`{qual}(...)` has no abort signal, so it waits as long as the platform lets it; pass `signal=AbortSignal.timeout(ms)`")
            return
        spec = HTTP_CALLS.get(qual)
        if spec is None:
            owner, _, method = qual.rpartition(".")
            methods = POOL_METHODS.get(owner)
            if not methods or method not in methods:
                return
            if _pool_has_timeout(model, node):
                return
            spec = (None, owner.split(".")[0])
        index, _lib = spec
        kw = keyword(node, "timeout")
        if kw is not None:
            if is_none(kw.value):
                self._report(node, ctx, qual, "`timeout=None` waits forever", kw)
            return
        if index is not None and len(node.args) > index:
            if is_none(node.args[index]):
                self._report(node, ctx, qual, "a `None` timeout waits forever", None, fixable=False)
            return
        if has_star_kwargs(node) or any(isinstance(a, ast.Starred) for a in node.args):
            self._report(node, ctx, qual, "no visible timeout (it may be in **kwargs)", None, fixable=False)
            return
        if qual.startswith("aiohttp.ClientSession."):
            detail = "no timeout: aiohttp's session default lets it run for 5 minutes"
        elif qual == "aiohttp.ClientSession":
            detail = "no timeout: aiohttp's default lets each request run for 5 minutes"
        else:
            detail = "no timeout, so it waits forever for a slow server"
        self._report(node, ctx, qual, detail, None)

    def _report(self, node: ast.Call, ctx, qual: str, detail: str, kw: ast.keyword | None, *, fixable: bool = True) -> None:
        reach = ctx.reach_of(node)
        # the smallest budget among every function that runs this call (its timeout, the
        # platform default when the deployment file sets none, or its HTTP trigger's limit)
        lim = tightest(functions_for(ctx, node))
        budget = lim.budget_s if lim else (reach.function.budget_s if reach else None)
        value = timeout_value(ctx.option("default-timeout"), budget)
        where = f" in `{reach.function.name}`" if reach else ""
        fix = None
        if fixable and not (qual == "aiohttp.ClientSession" or qual.startswith("aiohttp.")):
            fix = FixIntent(
                "add-keyword",
                f"Add `timeout={value}`",
                Applicability.UNSAFE,
                ctx.span(node),
                (("keyword", "timeout"), ("value", value), ("replace", kw is not None)),
            )
        elif fixable:
            fix = FixIntent(
                "add-keyword",
                f"Add `timeout=aiohttp.ClientTimeout(total={value})`",
                Applicability.UNSAFE,
                ctx.span(node),
                (("keyword", "timeout"), ("value", f"aiohttp.ClientTimeout(total={value})"), ("replace", kw is not None), ("imports", (("aiohttp", None),))),
            )
        budget_note = f" (the function's budget is {budget:g} s)" if budget is not None else ""
        ctx.report(node, f"`{qual}(...)`{where} has {detail}; set `timeout=`{budget_note}", fix=fix)


def _pool_has_timeout(model, call: ast.Call) -> bool:
    """The pool/session object the method is called on was built with ``timeout=``."""
    recv = call.func.value if isinstance(call.func, ast.Attribute) else None
    if recv is None:
        return False
    ctor = recv if isinstance(recv, ast.Call) else None
    if ctor is None and isinstance(recv, ast.Name):
        sv = model.single_value(recv.id, model.scope_at(call))
        if sv is not None and isinstance(sv[0], ast.Call):
            ctor = sv[0]
    if ctor is None:
        return True  # unknown construction: do not guess
    kw = keyword(ctor, "timeout")
    return (kw is not None and not is_none(kw.value)) or has_star_kwargs(ctor)


VALID = [
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=5).json()\n"),
    Case("import requests\n\ndef handler(event, context):\n    return requests.post('https://x', json=event, timeout=(3.05, 27)).json()\n"),
    Case("import requests\nTIMEOUT = 5\n\ndef fetch(url, **kwargs):\n    return requests.get(url, timeout=TIMEOUT, **kwargs)\n"),
    Case("import httpx\n\ndef handler(event, context):\n    return httpx.get('https://x').json()\n", note="httpx is bounded by default"),
    Case("import urllib.request\n\ndef handler(event, context):\n    return urllib.request.urlopen('https://x', None, 10).read()\n", note="positional timeout"),
    Case("import urllib3\n\nhttp = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5))\n\ndef handler(event, context):\n    return http.request('GET', 'https://x').data\n", note="timeout on the pool"),
    Case("import aiohttp\n\nasync def handler(event, context):\n    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:\n        async with s.get('https://x') as r:\n            return await r.text()\n"),
    Case("class Api:\n    def get(self, url):\n        return url\n\ndef handler(event, context):\n    return Api().get('https://x')\n", note="not requests"),
    Case("from js import fetch, AbortSignal\n\nasync def on_fetch(request, env):\n    return await fetch('https://x', signal=AbortSignal.timeout(5000))\n"),
]

INVALID = [
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://api.example.com/items').json()\n",
        line=4,
        unsafe=True,
        fixed="import requests\n\ndef handler(event, context):\n    return requests.get('https://api.example.com/items', timeout=10).json()\n",
    ),
    Case(
        "import requests\n\nsession = requests.Session()\n\ndef handler(event, context):\n    return session.post('https://x', json=event).json()\n",
        line=6,
        message="requests.Session.post",
        note="module-level session used in a handler",
    ),
    Case(
        "import requests as r\n\ndef handler(event, context):\n    return r.get('https://x', timeout=None)\n",
        line=4,
        unsafe=True,
        fixed="import requests as r\n\ndef handler(event, context):\n    return r.get('https://x', timeout=10)\n",
    ),
    Case("from urllib.request import urlopen\n\ndef handler(event, context):\n    return urlopen('https://x').read()\n", line=4),
    Case("import http.client\n\ndef handler(event, context):\n    conn = http.client.HTTPSConnection('example.com')\n    return conn\n", line=4),
    Case("import httpx\n\nclient = httpx.Client(timeout=None)\n", line=3, message="timeout=None"),
    Case("import urllib3\n\nhttp = urllib3.PoolManager()\n\ndef handler(event, context):\n    return http.request('GET', 'https://x').data\n", line=6),
    Case("import aiohttp\n\nasync def handler(event, context):\n    async with aiohttp.ClientSession() as s:\n        return await s.get('https://x')\n", line=5, message="5 minutes"),
    Case("import socket\n\ndef handler(event, context):\n    return socket.create_connection(('db', 5432))\n", line=4),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x').text\n",
        files={"serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n    timeout: 6\n    events:\n      - http:\n          path: /\n          method: get\n"},
        line=4,
        unsafe=True,
        message="budget is 6 s",
        fixed="import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=5).text\n",
        note="the fix stays below the function's budget",
    ),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x').text\n",
        files={"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.handler\n      Runtime: python3.12\n"},
        line=4,
        unsafe=True,
        message="budget is 3 s",
        fixed="import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=2).text\n",
        note="no Timeout in the template: the fix stays below Lambda's 3 s default",
    ),
    Case(
        "import requests\n\ndef fetch(url):\n    return requests.get(url).text\n",
        files={
            "a.py": "from lib import fetch\n\ndef handler(event, context):\n    return fetch('https://x')\n",
            "b.py": "from lib import fetch\n\ndef handler(event, context):\n    return fetch('https://y')\n",
            "serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  alpha:\n    handler: a.handler\n    timeout: 30\n  beta:\n    handler: b.handler\n    timeout: 4\n",
        },
        path="lib.py",
        line=4,
        unsafe=True,
        message="budget is 4 s",
        fixed="import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=3).text\n",
        note="a helper two functions call: the smaller budget wins",
    ),
    Case(
        "import pyodide.http\n\nasync def on_fetch(request, env):\n    return await pyodide.http.pyfetch('https://x')\n",
        line=4,
        message="abort signal",
    ),
]
