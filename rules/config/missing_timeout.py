"""Function relying on the platform's default timeout.

## What it does
Finds functions whose deployment file sets no timeout, so the platform default applies:
serverless.yml (`timeout` on the function or the provider; default 6 s), SAM and
CloudFormation templates in YAML or JSON (`Timeout`, SAM `Globals` included; default 3 s),
AWS CDK apps in Python (`timeout=`; default 3 s) and vercel.json (`maxDuration` of the
`functions` pattern that matches the file; default 300 s with Fluid compute). A value given
through a variable or parameter counts as set.

Cloudflare Workers have no wall-clock timeout setting (`[limits] cpu_ms` bounds CPU time, not
waiting), so wrangler files are not checked.

## Why is this bad?
The defaults are rarely what a function needs: 3 s is too short for a function that calls a
database or another service (it times out under load or on a cold start), while 300 s on
Vercel lets a hung request bill for five minutes. An explicit timeout documents the budget
the code must meet, and the client timeouts inside the function (SLS201, SLS203) are checked
against it.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  timeout: 10
functions:
  create:
    handler: handler.create
```

## Fix safety
The fix inserts `default-function-timeout` on the function (kept at or below its HTTP
trigger's limit: 29 s for an API Gateway REST API, or `max-http-timeout`; 30 s for an HTTP
API; the Vercel plan's maximum), keeping the file's comments and layout; in CDK it adds
`timeout=Duration.seconds(...)` and the import. It is safe when the value equals the
platform's default (behaviour is kept), unsafe otherwise.

## Options
- `default-function-timeout` (number, seconds, default 10): the timeout the fix inserts.
- `max-http-timeout` (number, seconds, default 29): how long an API Gateway REST API waits for
  its integration; raise it only if you raised the integration timeout.
- `vercel-plan` (`hobby`, `pro` or `enterprise`, default `pro`): the plan whose maximum
  duration bounds Vercel functions.

## References
- [AWS Lambda: configure function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
- [Serverless Framework: functions](https://www.serverless.com/framework/docs/providers/aws/guide/functions)
- [Vercel: configuring maximum duration](https://vercel.com/docs/functions/configuring-functions/duration)
- [cfn-lint-serverless ES1006](https://awslabs.github.io/serverless-rules/rules/lambda/default_timeout/)
"""
from __future__ import annotations

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import CASE_APP as _APP
from sls_lint.rules.config._common import CASE_SAM as _SAM
from sls_lint.rules.config._common import CASE_SLS as _SLS
from sls_lint.rules.config._common import (
    KEYS,
    OPT_HTTP,
    OPT_PLAN,
    SAM,
    SERVERLESS,
    VERCEL,
    VERCEL_DEFAULT_DURATION,
    http_limit,
    seconds,
    targets,
    unset,
    vercel_plan,
    whole,
)

OPT_TIMEOUT = RuleOption("default-function-timeout", "number", 10, "Seconds; the function timeout SLS702's fix inserts.")


class MissingTimeout(Rule):
    code = "SLS702"
    name = "missing-timeout"
    summary = "Function relying on the platform's default timeout"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (OPT_TIMEOUT, OPT_HTTP, OPT_PLAN)
    file_kinds = ("serverless", "cloudformation", "cdk", "vercel")

    def check_project(self, ctx) -> None:
        default = float(ctx.option("default-function-timeout"))
        max_http = float(ctx.option("max-http-timeout"))
        for t, span in unset(ctx, "timeout"):
            platform_default = t.fn.get("default_timeout_s")
            limit, _name = http_limit(t.fn, max_http)
            value = whole(min(default, limit) if limit is not None else default)
            applicability = Applicability.SAFE if value == platform_default else Applicability.UNSAFE
            key = KEYS["timeout"][t.fmt]
            fix = t.own_setting_fix(key, value, applicability, cdk=t.cdk_seconds(value), at=span)
            where = "provider or function" if t.fmt == SERVERLESS else ("function or Globals" if t.fmt == SAM else "function")
            t.report(span, f"Function {t.label} sets no timeout ({where} `{key}`), so the platform default of "
                           f"{seconds(platform_default or 3)} applies", fix)
        self._vercel(ctx, default)

    def _vercel(self, ctx, default: float) -> None:
        _plan, plan_max = vercel_plan(ctx)
        for t in targets(ctx, (VERCEL,), platform="vercel"):
            fn = t.fn
            if fn.timeout_s is not None or not fn.get("vercel_config") or (t.keypath and t.keypath[0] == "builds"):
                continue
            value = whole(min(default, plan_max))
            applicability = Applicability.SAFE if value == VERCEL_DEFAULT_DURATION else Applicability.UNSAFE
            pattern = fn.get("pattern")
            functions = t.doc.get("functions")
            rel = fn.handler_module or fn.handler_path
            title = f"Set maxDuration: {value}"
            if pattern is not None:
                span = t.key_span("functions", pattern)
                fix = t.set_key("maxDuration", value, title, applicability, path=("functions", pattern))
            elif isinstance(functions, dict):
                span = t.key_span("functions")
                fix = t.set_key(rel, {"maxDuration": value}, title + f" for {rel}", applicability, path=("functions",))
            else:
                span = t.key_span()  # the document
                fix = t.set_key("functions", {"api/**/*.py": {"maxDuration": value}}, title + " for api/**/*.py",
                                applicability, path=())
            if span is None:
                continue
            t.report(span, f"Vercel function {t.label} ({rel}) sets no `maxDuration`, so the default of "
                           f"{seconds(VERCEL_DEFAULT_DURATION)} applies", fix)


_H = {"handler.py": "def create(event, context):\n    return {}\n"}
_CDK = (
    "import aws_cdk as cdk\nfrom aws_cdk import aws_lambda as lambda_\n\n\nclass S(cdk.Stack):\n"
    "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
    "        lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\",\n"
    "                         code=lambda_.Code.from_asset(\"src\"){})\n"
)
_VERCEL_APP = {"api/index.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}

VALID = [
    Case(_SLS + "  timeout: 20\nfunctions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H,
         note="provider default"),
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n    timeout: ${ssm:/app/timeout}\n", path="serverless.yml",
         files=_H, note="a variable counts as set"),
    Case("Globals:\n  Function:\n    Timeout: 15\n" + _SAM, path="template.yaml", files=_APP, note="SAM Globals"),
    Case(_SAM + "      Timeout: !Ref FunctionTimeout\n", path="template.yaml", files=_APP),
    Case(_CDK.format(", timeout=cdk.Duration.minutes(1)"), path="stack.py", files={"src/app.py": _APP["app.py"]}),
    Case(_CDK.format(", timeout=TIMEOUT"), path="stack.py", files={"src/app.py": _APP["app.py"]}, note="a name counts as set"),
    Case('{"functions": {"api/*.py": {"maxDuration": 30}}}\n', path="vercel.json", files=_VERCEL_APP),
    Case("from fastapi import FastAPI\n\napp = FastAPI()\n", path="api/index.py", note="Vercel without vercel.json: nowhere to set it"),
    Case('name = "w"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n', path="wrangler.toml",
         files={"src/entry.py": "async def on_fetch(request, env):\n    return None\n"}, note="Workers have no timeout setting"),
]

INVALID = [
    Case(_SLS + "functions:\n  create:\n    handler: handler.create  # the entry\n    events:\n      - http: GET /orders\n",
         path="serverless.yml", files=_H, line=6, count=1, unsafe=True, message="6 s",
         fixed=_SLS + "functions:\n  create:\n    handler: handler.create  # the entry\n    timeout: 10\n    events:\n"
               "      - http: GET /orders\n"),
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H,
         options={"default-function-timeout": 6},
         fixed=_SLS + "functions:\n  create:\n    handler: handler.create\n    timeout: 6\n",
         note="the platform default made explicit is a safe fix"),
    Case(_SAM + "      Events:\n        Api:\n          Type: Api\n          Properties: {Path: /, Method: get}\n",
         path="template.yaml", files=_APP, line=3, unsafe=True, options={"default-function-timeout": 60},
         fixed=_SAM + "      Timeout: 29\n      Events:\n        Api:\n          Type: Api\n          Properties: {Path: /, Method: get}\n",
         note="never above the REST API's 29 s"),
    Case(_CDK.format(""), path="stack.py", files={"src/app.py": _APP["app.py"]}, line=8, unsafe=True,
         fixed=_CDK.format(",\n                         timeout=cdk.Duration.seconds(10)")),
    Case(_CDK.format("").replace("import aws_cdk as cdk\n", "from aws_cdk import Stack\n").replace("cdk.Stack", "Stack"),
         path="stack.py", files={"src/app.py": _APP["app.py"]}, unsafe=True,
         fixed=_CDK.format(",\n                         timeout=Duration.seconds(10)").replace(
             "import aws_cdk as cdk\nfrom aws_cdk import aws_lambda as lambda_\n",
             "from aws_cdk import Stack\nfrom aws_cdk import aws_lambda as lambda_\nfrom aws_cdk import Duration\n").replace("cdk.Stack", "Stack"),
         note="adds the Duration import"),
    Case('{\n  "functions": {\n    "api/*.py": {\n      "memory": 1024\n    }\n  }\n}\n', path="vercel.json", files=_VERCEL_APP,
         line=3, unsafe=True,
         fixed='{\n  "functions": {\n    "api/*.py": {\n      "memory": 1024,\n      "maxDuration": 10\n    }\n  }\n}\n'),
    Case('{\n  "rewrites": []\n}\n', path="vercel.json", files=_VERCEL_APP, unsafe=True,
         fixed='{\n  "rewrites": [],\n  "functions": {"api/**/*.py": {"maxDuration": 10}}\n}\n'),
]
