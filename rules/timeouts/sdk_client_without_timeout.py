"""SDK client that waits minutes before it gives up.

## What it does
Finds AWS SDK clients and resources (`boto3.client`, `boto3.resource`, `Session.client` /
`.resource`, botocore / aiobotocore `create_client`, aioboto3) created without a
`botocore.config.Config` that sets `connect_timeout`, `read_timeout` and `retries`, and OpenAI /
Anthropic clients created without `timeout=`, in code that a deployed function runs (its
handler module, the modules it imports, and every function a handler calls).

The `config=` argument is followed when it is a `Config(...)` call, a variable bound once to
one (in this module), `Config(...).merge(...)`, or a helper function (in any module of the
project) that returns one. A config the rule cannot read (a parameter, `**kwargs`) is not
reported.

## Why is this bad?
botocore's defaults are a 60 s connect timeout, a 60 s read timeout and, with no retry mode
set, up to 5 attempts: a call to a slow or unreachable endpoint can wait for minutes, far past
a function's timeout (3 s by default on Lambda, 29 s behind API Gateway), so the invocation is
killed by the platform instead of failing with an error your code can handle. OpenAI and
Anthropic clients wait up to 600 s for a response, with 2 retries. AWS advises SDK timeouts
shorter than the function's own timeout.

## Example
```python
import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    return sqs.send_message(QueueUrl=event["queue"], MessageBody="x")
```

## Use instead
```python
import boto3
from botocore.config import Config

sqs = boto3.client(
    "sqs",
    config=Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 3, "mode": "standard"}),
)

def handler(event, context):
    return sqs.send_message(QueueUrl=event["queue"], MessageBody="x")
```

## Fix safety
For boto3 the fix adds `config=Config(connect_timeout=…, read_timeout=…,
retries={"total_max_attempts": …, "mode": "standard"})` (importing `Config` from
`botocore.config` when needed), or adds the missing keywords to the existing `Config(...)`
call when it is in the same file. Values come from the options, lowered so that connect +
read stays below the function's budget when the deployment file says what it is. For OpenAI
/ Anthropic clients the fix adds `timeout=` just below the function's budget; with no known
budget it is advice only, since model calls can legitimately take long. The fix is unsafe: a
service slower than the new timeout now raises instead of answering late.

## Options
- `sdk-connect-timeout` (number, seconds, default 2): the `connect_timeout` the fix writes.
- `sdk-read-timeout` (number, seconds, default 5): the `read_timeout` the fix writes.
- `sdk-max-attempts` (integer, default 3): the `total_max_attempts` the fix writes.

## References
- [botocore Config reference](https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html)
- [boto3: retries](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html)
- [OpenAI Python: timeouts](https://github.com/openai/openai-python#timeouts)
- [AWS Lambda: configure function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import nodes_of
from sls_lint.catalog import BOTO_CLIENT_CALLS, BOTO_DEFAULTS, LLM_DEFAULT_READ_TIMEOUT, LLM_TIMEOUT_CLIENTS, canonical
from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.timeouts._scope import below, functions_for, num, resolve_value, tightest
from sls_lint.semantic import has_star_kwargs, is_none, keyword

CONFIG_NAMES = frozenset({"botocore.config.Config", "botocore.client.Config", "aiobotocore.config.AioConfig"})
REQUIRED = ("connect_timeout", "read_timeout", "retries")
_WHY = {
    "connect_timeout": f"`connect_timeout` (default {num(BOTO_DEFAULTS['connect_timeout'])} s)",
    "read_timeout": f"`read_timeout` (default {num(BOTO_DEFAULTS['read_timeout'])} s)",
    "retries": f"`retries` (default: legacy mode, up to {BOTO_DEFAULTS['max_attempts']} attempts)",
}


class SdkClientWithoutTimeout(Rule):
    code = "SLS202"
    call_names = BOTO_CLIENT_CALLS | LLM_TIMEOUT_CLIENTS
    name = "sdk-client-without-timeout"
    summary = "SDK client without bounded timeouts and retries"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (
        RuleOption("sdk-connect-timeout", "number", 2, "Seconds; the botocore connect_timeout SLS202's fix writes."),
        RuleOption("sdk-read-timeout", "number", 5, "Seconds; the botocore read_timeout SLS202's fix writes."),
        RuleOption("sdk-max-attempts", "integer", 3, "The botocore retries total_max_attempts SLS202's fix writes."),
    )
    prefilter = ("boto", "openai", "anthropic", "OpenAI", "Anthropic")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        qual = canonical(ctx.model.call_name(node))
        if qual in BOTO_CLIENT_CALLS:
            self._boto(node, ctx, qual)
        elif qual in LLM_TIMEOUT_CLIENTS:
            self._llm(node, ctx, qual)

    # ------------------------------------------------------------------ boto3
    def _boto(self, node: ast.Call, ctx, qual: str) -> None:
        if has_star_kwargs(node):
            return
        fns = functions_for(ctx, node)
        if not fns:
            return
        lim = tightest(fns)
        budget = lim.budget_s if lim else None
        kw = keyword(node, "config")
        if kw is None:
            missing = list(REQUIRED)
            config_call = None
        else:
            found = config_keywords(ctx, kw.value)
            if found is None:
                return
            keys, config_call = found
            missing = [k for k in REQUIRED if k not in keys]
            if not missing:
                return
        values = self._values(ctx, budget)
        fix = _boto_fix(ctx, node, kw, config_call, missing, values)
        label = _label(node, qual)
        what = "has no botocore `Config`, so it" if kw is None else "has a `Config` without " + ", ".join(_WHY[m] for m in missing) + ", so it"
        wait = f"waits up to {num(BOTO_DEFAULTS['connect_timeout'])} s to connect and {num(BOTO_DEFAULTS['read_timeout'])} s per read, up to {BOTO_DEFAULTS['max_attempts']} times"
        if kw is not None:
            wait = "can wait " + ("and retry " if "retries" in missing and len(missing) < 3 else "") + "far longer than a function runs"
        fn_note = f" (`{lim.function.name}` has {num(budget)} s)" if lim and budget is not None else ""
        ctx.report(node, f"{label} {what} {wait}{fn_note}; bound connect and read timeouts and retries with `config=Config(...)`", fix=fix, function=(lim.function.name if lim else fns[0].name))

    def _values(self, ctx, budget: float | None) -> tuple[float, float, int]:
        c, r = float(ctx.option("sdk-connect-timeout")), float(ctx.option("sdk-read-timeout"))
        attempts = int(ctx.option("sdk-max-attempts"))
        if budget is not None and c + r >= budget:
            total = below(c + r, budget)
            c = min(c, total / 2)
            r = total - c
        return c, r, attempts

    # ------------------------------------------------------------------ LLM clients
    def _llm(self, node: ast.Call, ctx, qual: str) -> None:
        if has_star_kwargs(node) or keyword(node, "http_client") is not None:
            return
        kw = keyword(node, "timeout")
        if kw is not None and not is_none(kw.value):
            return
        if kw is None and _per_request_timeouts(ctx.model, node):
            return
        fns = functions_for(ctx, node)
        if not fns:
            return
        lim = tightest(fns)
        budget = lim.budget_s if lim else None
        detail = "`timeout=None`: no timeout at all" if kw is not None else f"no `timeout=`: it waits up to {num(LLM_DEFAULT_READ_TIMEOUT)} s for a response, and retries twice"
        if budget is not None:
            value = num(below(budget, budget))
            fix = FixIntent("add-keyword", f"Add `timeout={value}`", Applicability.UNSAFE, ctx.span(node), (("keyword", "timeout"), ("value", value), ("replace", kw is not None)))
            note = f", beyond the {num(budget)} s budget of `{lim.function.name}`"
        else:
            fix = FixIntent("display-only", "Pass `timeout=` below the function's timeout", Applicability.DISPLAY_ONLY)
            note = ""
        ctx.report(node, f"`{qual}(...)` has {detail}{note}; pass `timeout=` below the function's timeout", fix=fix, function=(lim.function.name if lim else fns[0].name))


def _label(node: ast.Call, qual: str) -> str:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return f"`{qual}({node.args[0].value!r})`"
    svc = keyword(node, "service_name")
    if svc is not None and isinstance(svc.value, ast.Constant) and isinstance(svc.value.value, str):
        return f"`{qual}({svc.value.value!r})`"
    return f"`{qual}(...)`"


def config_keywords(ctx, expr: ast.AST, _depth: int = 0) -> tuple[set[str], ast.Call | None] | None:
    """The keywords a botocore Config expression sets, and the ``Config(...)`` call in this
    module that a fix may extend (None when there is no single such call). None: unknown."""
    if _depth > 4:
        return None
    model = ctx.model if _depth == 0 or not hasattr(ctx, "_other") else ctx._other
    return _config_in(ctx, model, expr, _depth)


def _config_in(ctx, model, expr: ast.AST, depth: int) -> tuple[set[str], ast.Call | None] | None:
    if depth > 4:
        return None
    expr = resolve_value(model, expr)
    if not isinstance(expr, ast.Call):
        return None
    name = canonical(model.call_name(expr))
    if name in CONFIG_NAMES:
        if has_star_kwargs(expr) or expr.args:
            return None
        return {k.arg for k in expr.keywords if k.arg}, (expr if model is ctx.model else None)
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr == "merge" and len(expr.args) == 1:
        a = _config_in(ctx, model, func.value, depth + 1)
        b = _config_in(ctx, model, expr.args[0], depth + 1)
        if a is None or b is None:
            return None
        return a[0] | b[0], None
    # a helper that returns a Config: in this module or another module of the project
    if expr.args or expr.keywords or not name:
        return None
    info = None
    other = model
    if name.startswith(model.module_name + "."):
        info = model.by_qualname.get(name[len(model.module_name) + 1 :])
    if info is None:
        key = ctx.index.resolve(name, model.path)
        if key is None:
            return None
        other = ctx.index.model(key[0])
        info = other.by_qualname.get(key[1]) if other is not None else None
    if info is None:
        return None
    returns = [n for n in ast.walk(info.node) if isinstance(n, ast.Return)]
    if not returns or any(r.value is None for r in returns):
        return None
    keys: set[str] | None = None
    calls: list[ast.Call | None] = []
    for r in returns:
        got = _config_in(ctx, other, r.value, depth + 1)
        if got is None:
            return None
        keys = got[0] if keys is None else keys & got[0]
        calls.append(got[1])
    call = calls[0] if len(calls) == 1 and other is ctx.model else None
    return keys or set(), call


def _config_source(values: tuple[float, float, int], missing: list[str]) -> list[tuple[str, str]]:
    c, r, attempts = values
    src = {
        "connect_timeout": num(c),
        "read_timeout": num(r),
        "retries": f'{{"total_max_attempts": {attempts}, "mode": "standard"}}',
    }
    return [(m, src[m]) for m in missing]


def _boto_fix(ctx, node: ast.Call, kw, config_call, missing, values) -> FixIntent:
    pairs = _config_source(values, missing)
    title = "Bound connect/read timeouts and retries"
    if kw is None:
        ref = _config_ref(ctx, node)
        if ref is None:
            return FixIntent("display-only", "Pass `config=botocore.config.Config(...)`", Applicability.DISPLAY_ONLY)
        name, imports = ref
        args = ", ".join(f"{k}={v}" for k, v in pairs)
        return FixIntent(
            "add-keyword",
            f"Add `config={name}({args})`",
            Applicability.UNSAFE,
            ctx.span(node),
            (("keyword", "config"), ("value", f"{name}({args})"), ("replace", False), ("imports", imports)),
        )
    if config_call is not None and not has_star_kwargs(config_call):
        return FixIntent("merge-keywords", f"{title}: add {', '.join(m for m in missing)} to the Config", Applicability.UNSAFE, ctx.span(config_call), (("keywords", tuple(pairs)),))
    return FixIntent("display-only", f"Add {', '.join(missing)} to the botocore Config", Applicability.DISPLAY_ONLY)


def _config_ref(ctx, node: ast.Call) -> tuple[str, tuple] | None:
    """How to spell botocore's Config at ``node`` (and what to import), or None when both
    ``Config`` and ``botocore`` mean something else there."""
    model = ctx.model
    scope = model.scope_at(node)
    probe = ast.Name("Config", ast.Load())
    found = model.lookup("Config", scope)
    if found is None:
        if not _bound_anywhere(model, "Config"):
            return "Config", (("botocore.config", "Config"),)
    elif model.qualified_name(probe, scope) in CONFIG_NAMES:
        return "Config", ()
    found = model.lookup("botocore", scope)
    if found is None and not _bound_anywhere(model, "botocore"):
        return "botocore.config.Config", (("botocore.config", None),)
    if found is not None and model.qualified_name(ast.Name("botocore", ast.Load()), scope) == "botocore":
        return "botocore.config.Config", (("botocore.config", None),)
    return None


def _bound_anywhere(model, name: str) -> bool:
    return any(s.binds(name) for s in model.scope_of_node.values())


def _per_request_timeouts(model, node: ast.Call) -> bool:
    """The client is bound to a name that some call in this module uses with ``timeout=`` or
    ``with_options(timeout=...)``: timeouts are set per request instead."""
    parent = model.parents.get(node)
    if not (isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node):
        return False
    targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    names = {t.id for t in targets if isinstance(t, ast.Name)} | {t.attr for t in targets if isinstance(t, ast.Attribute)}
    if not names:
        return False
    for n in nodes_of(model, ast.Call):
        if keyword(n, "timeout") is not None:
            root = n.func
            while isinstance(root, (ast.Attribute, ast.Call)):
                if isinstance(root, ast.Attribute) and root.attr in names and not isinstance(root.value, (ast.Attribute, ast.Call)):
                    return True
                root = root.value if isinstance(root, ast.Attribute) else root.func
            if isinstance(root, ast.Name) and root.id in names:
                return True
    return False


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n    timeout: 6\n"
_CFG = "Config(connect_timeout=2, read_timeout=5, retries={'total_max_attempts': 3, 'mode': 'standard'})"

VALID = [
    Case(f"import boto3\nfrom botocore.config import Config\n\ns3 = boto3.client('s3', config={_CFG})\n\ndef handler(event, context):\n    return s3.list_buckets()\n"),
    Case(
        f"import boto3\nfrom botocore.config import Config\n\nCONFIG = {_CFG}\ns3 = boto3.client('s3', config=CONFIG)\nddb = boto3.resource('dynamodb', config=CONFIG)\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        note="module-level Config variable",
    ),
    Case(
        "import boto3\nfrom settings import aws_config\n\ns3 = boto3.client('s3', config=aws_config())\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        files={"settings.py": f"from botocore.config import Config\n\ndef aws_config():\n    return {_CFG}\n"},
        note="shared helper in another module",
    ),
    Case(
        "import boto3\nfrom botocore.config import Config\n\nBASE = Config(connect_timeout=2, read_timeout=5)\ns3 = boto3.client('s3', config=BASE.merge(Config(retries={'mode': 'standard'})))\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        note="Config.merge",
    ),
    Case(
        "import boto3\n\ndef make(cfg):\n    return boto3.client('s3', config=cfg)\n\ndef handler(event, context):\n    return make(event['cfg']).list_buckets()\n",
        note="config from a parameter: unknown",
    ),
    Case(
        "import boto3\n\nOPTS = {}\ns3 = boto3.client('s3', **OPTS)\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        note="**kwargs",
    ),
    Case("import boto3\n\ns3 = boto3.client('s3')\n\ndef main():\n    print(s3.list_buckets())\n", path="scripts/report.py", note="not a function's code"),
    Case(
        "from openai import OpenAI\n\nclient = OpenAI(timeout=20.0, max_retries=1)\n\ndef handler(event, context):\n    return client.models.list()\n"
    ),
    Case(
        "from openai import OpenAI\n\nclient = OpenAI()\n\ndef handler(event, context):\n    return client.with_options(timeout=10).models.list()\n",
        note="per-request timeouts",
    ),
    Case(
        "import httpx\nfrom anthropic import Anthropic\n\nclient = Anthropic(http_client=httpx.Client(timeout=10))\n\ndef handler(event, context):\n    return client.models.list()\n",
        note="timeout on the http_client",
    ),
    Case("class Config:\n    pass\n\ndef handler(event, context):\n    return Config()\n", note="not botocore"),
]

INVALID = [
    Case(
        "import boto3\n\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n    return sqs.list_queues()\n",
        line=3,
        unsafe=True,
        message="60 s to connect",
        fixed="import boto3\nfrom botocore.config import Config\n\nsqs = boto3.client('sqs', config=Config(connect_timeout=2, read_timeout=5, retries={\"total_max_attempts\": 3, \"mode\": \"standard\"}))\n\ndef handler(event, context):\n    return sqs.list_queues()\n",
    ),
    Case(
        "import boto3\nfrom botocore.config import Config\n\nCONFIG = Config(read_timeout=5)\ns3 = boto3.client('s3', config=CONFIG)\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        line=5,
        unsafe=True,
        message="without `connect_timeout`",
        fixed="import boto3\nfrom botocore.config import Config\n\nCONFIG = Config(read_timeout=5, connect_timeout=2, retries={\"total_max_attempts\": 3, \"mode\": \"standard\"})\ns3 = boto3.client('s3', config=CONFIG)\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        note="extends the module-level Config",
    ),
    Case(
        "import boto3\n\ndef handler(event, context):\n    s3 = boto3.Session().client('s3')\n    return s3.list_buckets()\n",
        files={"serverless.yml": _SLS},
        line=4,
        unsafe=True,
        message="`api` has 6 s",
        fixed="import boto3\nfrom botocore.config import Config\n\ndef handler(event, context):\n    s3 = boto3.Session().client('s3', config=Config(connect_timeout=2, read_timeout=3, retries={\"total_max_attempts\": 3, \"mode\": \"standard\"}))\n    return s3.list_buckets()\n",
        note="values kept below the function's budget",
    ),
    Case(
        "import boto3\nfrom settings import aws_config\n\ns3 = boto3.client('s3', config=aws_config())\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        files={"settings.py": "from botocore.config import Config\n\ndef aws_config():\n    return Config(connect_timeout=2, read_timeout=5)\n"},
        line=4,
        message="`retries`",
        note="shared helper without retries: reported, advice only",
    ),
    Case(
        "import boto3\nfrom pydantic import BaseModel\n\nclass Config(BaseModel):\n    region: str = 'eu-west-1'\n\ns3 = boto3.client('s3', region_name=Config().region)\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        line=7,
        unsafe=True,
        fixed="import boto3\nfrom pydantic import BaseModel\nimport botocore.config\n\nclass Config(BaseModel):\n    region: str = 'eu-west-1'\n\ns3 = boto3.client('s3', region_name=Config().region, config=botocore.config.Config(connect_timeout=2, read_timeout=5, retries={\"total_max_attempts\": 3, \"mode\": \"standard\"}))\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        note="`Config` already names something else",
    ),
    Case(
        "from openai import OpenAI\n\nclient = OpenAI()\n\ndef handler(event, context):\n    return client.models.list()\n",
        files={"serverless.yml": _SLS},
        line=3,
        unsafe=True,
        message="600 s",
        fixed="from openai import OpenAI\n\nclient = OpenAI(timeout=5)\n\ndef handler(event, context):\n    return client.models.list()\n",
    ),
    Case(
        "import anthropic\n\nclient = anthropic.Anthropic(timeout=None)\n\ndef handler(event, context):\n    return client.models.list()\n",
        line=3,
        message="no timeout at all",
    ),
]
