"""Per-request data stored in module-level state, where it outlives the invocation.

## What it does
Finds code that runs per invocation (the handler and every project function it calls) and
stores data taken from the request (the event, the request object, route parameters, values
derived from them through local variables) in state that lives at module level:

- a module-level list, dict, set, deque, `defaultdict`, `OrderedDict` or `Counter` (defined in
  this module or imported from a project module), through `append` / `extend` / `add` /
  `insert` / `update` / `setdefault`, or `CACHE[key] = value` where the key or the value comes
  from the request;
- a `global` name assigned from the request (`global current_user`);
- an attribute of a module-level object or class (`STATE.user = ...`, `app.state.user = ...`);
- the headers, cookies, auth or params of a module-level `requests.Session` / `httpx.Client`
  set from the request.

Not reported: caches keyed and filled with values that do not come from the request
(configuration, environment), lazily created clients (`_clients[region] = boto3.client(...)`),
integer counters (`STATS[kind] += 1`), bounded caches (`cachetools`), request-local storage
(`flask.g`, `threading.local()`, `contextvars`), local variables, and code that no handler
reaches.

## Why is this bad?
A serverless container serves many invocations one after another, and Vercel's Python runtime
serves concurrent requests on threads of one process. Module-level state survives between
them: one user's event, token or profile stays in memory for the next caller, a module-level
session sends the previous caller's `Authorization` header, and a list that grows with every
event is a memory leak that ends in an out-of-memory restart. AWS advises not to use the
execution environment to store user data, events or other information with security
implications.

## Example
```python
RECENT = []

def handler(event, context):
    RECENT.append(event["body"])
    return {"statusCode": 200, "body": str(len(RECENT))}
```

## Use instead
```python
def handler(event, context):
    recent = [event["body"]]
    return {"statusCode": 200, "body": str(len(recent))}
```

## Fix safety
No automatic fix: where the data should live (a local variable, a database, a bounded cache
keyed by something that is not user data) is a design decision.

## Options
None.

## References
- [AWS Lambda best practices (execution environment reuse)](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
- [Vercel Python runtime](https://vercel.com/docs/functions/runtimes/python)
- [requests: Session objects persist headers and cookies](https://requests.readthedocs.io/en/latest/user/advanced/#session-objects)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import walk_list
from sls_lint.callgraph import ROUTER_FACTORIES
from sls_lint.catalog import canonical, client_kind
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.files._shared import entry_params, reads_request, tainted_names

CONTAINERS = frozenset({
    "list", "dict", "set", "collections.defaultdict", "collections.OrderedDict", "collections.deque", "collections.Counter",
})
MUTATORS = frozenset({"append", "extend", "add", "insert", "update", "setdefault", "appendleft", "extendleft"})
SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"})
SESSION_STATE = frozenset({"headers", "cookies", "auth", "params", "cert"})
REQUEST_LOCAL = frozenset({"threading.local", "contextvars.ContextVar", "werkzeug.local.Local", "flask.g"})


class RequestDataInGlobal(Rule):
    code = "SLS606"
    name = "request-data-in-global"
    summary = "Per-request data stored in module-level state"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = None  # assignments and method calls: no cheap text check

    def visit_FunctionDef(self, node, ctx) -> None:
        self._function(node, ctx)

    def visit_AsyncFunctionDef(self, node, ctx) -> None:
        self._function(node, ctx)

    def _function(self, node, ctx) -> None:
        model = ctx.model
        if not node.body:
            return
        reach = ctx.reach_of(node.body[0])
        if reach is None:
            return
        info = model.functions[node]
        params = entry_params(ctx, info, reach)
        if not params and "flask" not in model.source:
            return

        def is_source(n: ast.AST) -> bool:
            return reads_request(model, n, params)

        tainted = tainted_names(info, set(params), is_source)
        state = _State(ctx, model, params, tainted, info)
        for n in _own_nodes(node):
            found = state.check(n)
            if found is not None:
                target, message = found
                ctx.report(target, f"{message} on every invocation of `{reach.function.name}`; it outlives the invocation, so the next "
                           "caller in this environment (and concurrent requests in the same process) can see it: keep per-request data in "
                           "local variables, or in a store keyed and scoped per user", function=reach.function.name)


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_CHECKED = (ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign)  # the only nodes _State.check looks at


def _own_nodes(func):
    """The calls and assignments of a function body, not of functions, lambdas or classes
    nested in its statements (a definition that is itself a statement of the body is looked
    into: a closure defined there stores what it captures), nor the defaults, decorators and
    annotations of ``func`` (evaluated outside it). From the function's shared walk: the parts
    left out, when there are any, are cut out with the nodes of their own walks."""
    walk = walk_list(func)
    outside = [func.args, *func.decorator_list, *([func.returns] if func.returns is not None else [])]
    statements = {id(s) for s in func.body}
    outside += [n for n in walk[1:] if n.__class__ in _NESTED and id(n) not in statements]
    excluded = {id(x) for root in outside for x in walk_list(root)}
    return [n for n in walk if n.__class__ in _CHECKED and id(n) not in excluded]


class _State:
    def __init__(self, ctx, model, params, tainted, info):
        self.ctx = ctx
        self.model = model
        self.params = params
        self.tainted = tainted
        self.info = info

    # ------------------------------------------------------------------ request data
    def source(self, expr: ast.AST | None) -> str | None:
        """Text of the request data ``expr`` carries (None: none)."""
        if expr is None:
            return None
        for n in ast.walk(expr):
            if isinstance(n, (ast.Lambda, ast.FunctionDef)):
                continue
            if reads_request(self.model, n, self.params):
                return f"`{_short(self.model.node_text(n))}`"
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in self.tainted:
                return f"`{n.id}`"
        return None

    def is_client(self, expr: ast.AST | None) -> bool:
        return isinstance(expr, ast.Call) and client_kind(canonical(self.model.call_name(expr))) is not None

    # ------------------------------------------------------------------ module-level roots
    def rooted(self, expr: ast.AST) -> tuple[ast.Name, str, list[str], list[ast.AST]] | None:
        """(root name, kind of its module-level binding, attribute names, subscript keys) of an
        ``a.b[k].c`` chain whose root is module-level state; None otherwise."""
        chain: list[ast.AST] = []
        cur = expr
        while isinstance(cur, (ast.Attribute, ast.Subscript)):
            chain.append(cur)
            cur = cur.value
        if not isinstance(cur, ast.Name):
            return None
        binding = self.module_binding(cur)
        if binding is None:
            return None
        chain.reverse()
        return (cur, binding[0], [c.attr for c in chain if isinstance(c, ast.Attribute)],
                [c.slice for c in chain if isinstance(c, ast.Subscript)])

    def module_binding(self, name: ast.Name) -> tuple[str, ast.AST | None] | None:
        """(kind, value) of a module-level binding of ``name``: kind is container, session,
        object or class; None when it is local, an import of a library, or request-local."""
        model = self.model
        found = model.lookup(name.id, model.scope_at(name))
        if found is None or found[0] is not model.module_scope:
            return None
        scope = found[0]
        if name.id in scope.imports and name.id not in scope.bindings:
            return self._imported(scope.imports[name.id])
        return _kind_of(model, name.id)

    def _imported(self, dotted: str):
        mod, _, var = dotted.rpartition(".")
        path = self.ctx.index.find_module(mod, self.ctx.path) if mod else None
        other = self.ctx.index.model(path) if path else None
        if other is None:
            return None
        return _kind_of(other, var)

    # ------------------------------------------------------------------ checks
    def check(self, n: ast.AST):
        model = self.model
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS:
            got = self.rooted(n.func.value)
            if got is None:
                return None
            name, kind, attrs, _keys = got
            if kind == "container" and not attrs or kind == "session" and attrs[:1] and attrs[0] in SESSION_STATE:
                args = list(n.args) + [k.value for k in n.keywords]
                if any(self.is_client(a) for a in args):
                    return None
                src = next((s for s in (self.source(a) for a in args) if s), None)
                if src:
                    where = f"module-level `{name.id}`" if kind == "container" else f"the {'.'.join(attrs)} of the module-level session `{name.id}`"
                    return n, f"`{_short(model.node_text(n))}` stores request data ({src}) in {where}"
            return None
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            value = n.value
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if value is None or self.is_client(value):
                return None
            if isinstance(n, ast.AugAssign) and isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
                return None  # a counter
            for t in targets:
                found = self._target(n, t, value)
                if found is not None:
                    return found
        return None

    def _target(self, stmt, t: ast.AST, value: ast.AST):
        model = self.model
        scope = model.scope_at(stmt)
        if isinstance(t, ast.Name):
            if t.id in scope.globals:
                src = self.source(value)
                if src:
                    return stmt, f"`global {t.id}` is assigned request data ({src})"
            return None
        if isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                found = self._target(stmt, e, value)
                if found is not None:
                    return found
            return None
        if not isinstance(t, (ast.Attribute, ast.Subscript)):
            return None
        got = self.rooted(t)
        if got is None:
            return None
        name, kind, attrs, keys = got
        src = self.source(value) or next((s for s in (self.source(k) for k in keys) if s), None)
        if not src:
            return None
        text = _short(model.node_text(t))
        if kind == "container" and not attrs:
            return stmt, f"`{text} = ...` stores request data ({src}) in module-level `{name.id}`"
        if kind == "session" and attrs and attrs[0] in SESSION_STATE:
            return stmt, f"`{text} = ...` sets request data ({src}) on the module-level session `{name.id}`, which sends it with every later request"
        if kind in ("object", "class") and attrs:
            return stmt, f"`{text} = ...` stores request data ({src}) on module-level `{name.id}`"
        return None


def _kind_of(model, var: str) -> tuple[str, ast.AST | None] | None:
    scope = model.module_scope
    nodes = scope.bindings.get(var, [])
    if not nodes:
        return None
    if all(isinstance(b, ast.ClassDef) for b in nodes):
        return "class", nodes[0]
    sv = model.single_value(var, scope)
    if sv is None:
        return None
    value = sv[0]
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return "container", value
    if isinstance(value, ast.Call):
        ctor = model.call_name(value) or ""
        if ctor in CONTAINERS:
            if ctor == "collections.deque" and (any(k.arg == "maxlen" for k in value.keywords) or len(value.args) > 1):
                return None  # bounded
            return "container", value
        if ctor in SESSIONS:
            return "session", value
        if ctor in REQUEST_LOCAL or client_kind(canonical(ctor)) is not None or ctor.startswith(("cachetools.", "logging.", "aws_lambda_powertools.")):
            return None
        if ctor in ROUTER_FACTORIES or (ctor.startswith(model.module_name + ".") and ctor[len(model.module_name) + 1:] in model.classes):
            return "object", value
        if "." not in ctor and ctor[:1].isupper():
            return "object", value
        return None
    return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


VALID = [
    Case("import os\n\nCONFIG = {}\n\ndef handler(event, context):\n    CONFIG['table'] = os.environ['TABLE']\n    return CONFIG\n", note="cache of configuration"),
    Case("import boto3\n\n_clients = {}\n\ndef handler(event, context):\n    region = event['region']\n    if region not in _clients:\n        _clients[region] = boto3.client('s3', region_name=region)\n    return _clients[region].list_buckets()\n", note="lazy clients keyed by region"),
    Case("from collections import Counter\n\nSTATS = Counter()\n\ndef handler(event, context):\n    STATS[event['type']] += 1\n    return dict(STATS)\n", note="an integer counter"),
    Case("import boto3\n\n_client = None\n\ndef handler(event, context):\n    global _client\n    if _client is None:\n        _client = boto3.client('s3')\n    return _client.get_object(Bucket='b', Key=event['key'])\n", note="lazy client through global"),
    Case("def handler(event, context):\n    seen = []\n    seen.append(event['id'])\n    return seen\n", note="local list"),
    Case("import threading\n\n_local = threading.local()\n\ndef handler(event, context):\n    _local.user = event['user']\n    return _local.user\n", note="request-local storage"),
    Case("from flask import Flask, g, request\n\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n    g.user = request.headers.get('X-User')\n    return 'ok'\n", path="api/index.py", files={"vercel.json": "{}"}, note="flask.g is per request"),
    Case("RESULTS = []\n\ndef collect(event):\n    RESULTS.append(event)\n", note="no handler reaches it"),
    Case("WARM = {'cold': True}\n\ndef handler(event, context):\n    WARM['cold'] = False\n    return event\n", note="a constant"),
    Case("from cachetools import TTLCache\n\nTOKENS = TTLCache(maxsize=100, ttl=300)\n\ndef handler(event, context):\n    TOKENS[event['tenant']] = 'x'\n    return event\n", note="a bounded cache"),
    Case("import requests\n\nSESSION = requests.Session()\nSESSION.headers['User-Agent'] = 'svc/1.0'\n\ndef handler(event, context):\n    return SESSION.get('https://api', headers={'Authorization': event['headers']['authorization']}, timeout=5).json()\n", note="per-request headers passed per call"),
    Case("HISTORY = []\n\ndef handler(event, context):\n    user = event['requestContext']['authorizer']['claims']['sub']\n    HISTORY.append(context.aws_request_id)\n    return user\n", note="context, not request data"),
]

INVALID = [
    Case("RECENT = []\n\ndef handler(event, context):\n    RECENT.append(event['body'])\n    return len(RECENT)\n", line=4, message="module-level `RECENT`"),
    Case("PROFILES = {}\n\ndef load(user_id):\n    return {'id': user_id}\n\ndef handler(event, context):\n    user_id = event['pathParameters']['id']\n    PROFILES[user_id] = load(user_id)\n    return PROFILES[user_id]\n", line=8, message="(`user_id`)"),
    Case("current_user = None\n\ndef handler(event, context):\n    global current_user\n    current_user = event['requestContext']['identity']['user'] or event['headers']['x-user']\n    return current_user\n", line=5, message="`global current_user`"),
    Case("import requests\n\nSESSION = requests.Session()\n\ndef handler(event, context):\n    SESSION.headers.update({'Authorization': event['headers']['authorization']})\n    return SESSION.get('https://api', timeout=5).json()\n", line=6, message="module-level session `SESSION`"),
    Case("from fastapi import FastAPI, Request\n\napp = FastAPI()\n\n@app.get('/items/{item_id}')\nasync def read(item_id: str, request: Request):\n    app.state.last_item = item_id\n    return {'id': item_id}\n", path="api/index.py", files={"vercel.json": "{}"}, line=7, message="module-level `app`"),
    Case("from state import SEEN\n\ndef handler(event, context):\n    for r in event['Records']:\n        SEEN.add(r['messageId'])\n    return {}\n", files={"state.py": "SEEN = set()\n"}, line=5, message="module-level `SEEN`"),
    Case("class Ctx:\n    user = None\n\ndef handler(event, context):\n    Ctx.user = event.get('user')\n    return {}\n", line=5),
]
