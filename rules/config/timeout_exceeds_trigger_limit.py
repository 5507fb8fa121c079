"""HTTP-triggered function whose timeout is longer than its trigger waits.

## What it does
Finds functions whose configured timeout is longer than their HTTP trigger can wait for an
answer: an API Gateway REST API (29 s, or `max-http-timeout`) or HTTP API (30 s) event in
serverless.yml, SAM and CloudFormation templates in YAML or JSON (also when the timeout comes
from `provider` or SAM `Globals`) and AWS CDK apps in Python (`LambdaRestApi`,
`LambdaIntegration`, `HttpLambdaIntegration`), and vercel.json `maxDuration` values above the
maximum of the Vercel plan (`vercel-plan`).

Function URLs and load balancers wait up to the function's own timeout, and Cloudflare
Workers have no timeout setting, so they are not checked.

## Why is this bad?
API Gateway answers the client with a 504 after 29 or 30 seconds, whatever the function's
timeout says, while the function keeps running (and billing) until it finishes or hits its
own timeout; a retrying client then starts the same work again beside it. Vercel rejects a
deployment whose `maxDuration` exceeds the plan's limit. Long work belongs in an asynchronous
job (a queue and a status endpoint), not behind an HTTP request.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  export:
    handler: handler.export
    timeout: 120
    events:
      - http: GET /export
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  export:
    handler: handler.export
    timeout: 29
    events:
      - http: GET /export
```

## Fix safety
The fix sets the function's own timeout to the trigger's limit (on the function, also when
the long value came from `provider` or `Globals`, so other functions keep theirs); for Vercel
it lowers `maxDuration` to the plan's maximum. It is unsafe: work that took longer than the
limit is now cut off by the function's own timeout instead of running on unseen.

## Options
- `max-http-timeout` (number, seconds, default 29): how long an API Gateway REST API waits
  for its integration; raise it only if you raised the integration timeout.
- `vercel-plan` (`hobby`, `pro` or `enterprise`, default `pro`): the plan whose maximum
  duration applies (300 s on Hobby, 800 s on Pro and Enterprise).

## References
- [API Gateway: quotas (integration timeout)](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html)
- [API Gateway HTTP API quotas](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html)
- [Vercel: configuring maximum duration](https://vercel.com/docs/functions/configuring-functions/duration)
"""
from __future__ import annotations

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import (
    AWS_FORMATS,
    CDK,
    KEYS,
    OPT_HTTP,
    OPT_PLAN,
    SERVERLESS,
    VERCEL,
    http_limit,
    number,
    seconds,
    targets,
    vercel_plan,
    whole,
)
from sls_lint.rules.config._common import CASE_APP as _APP
from sls_lint.rules.config._common import CASE_SAM as _SAM
from sls_lint.rules.config._common import CASE_SLS as _SLS


class TimeoutExceedsTriggerLimit(Rule):
    code = "SLS703"
    name = "timeout-exceeds-trigger-limit"
    summary = "HTTP-triggered function whose timeout is longer than its trigger waits"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (OPT_HTTP, OPT_PLAN)
    file_kinds = ("serverless", "cloudformation", "cdk", "vercel")

    def check_project(self, ctx) -> None:
        max_http = float(ctx.option("max-http-timeout"))
        for t in targets(ctx, AWS_FORMATS):
            fn = t.fn
            if fn.timeout_s is None:
                continue
            limit, trigger = http_limit(fn, max_http)
            if limit is None or fn.timeout_s <= limit:
                continue
            key = KEYS["timeout"][t.fmt]
            own = t.has_own(key)
            span = t.setting_span(key)
            if span is None:
                continue
            value = whole(limit)
            fix = None
            if t.fmt == CDK or not own or number(t.own(key)) is not None:  # never replace an expression
                fix = t.own_setting_fix(key, value, Applicability.UNSAFE, cdk=t.cdk_seconds(value), replace=True)
            source = "" if own or t.fmt == CDK else (" (from `provider`)" if t.fmt == SERVERLESS else " (from `Globals`)")
            t.report(span, f"Function {t.label} has a {seconds(fn.timeout_s)} timeout{source}, but its {trigger} "
                           f"answers 504 after {seconds(limit)} while the function runs on", fix)
        self._vercel(ctx)

    def _vercel(self, ctx) -> None:
        plan, plan_max = vercel_plan(ctx)
        seen: set[str] = set()
        for t in targets(ctx, (VERCEL,), platform="vercel"):
            pattern = t.fn.get("pattern")
            if pattern is None or not t.keypath or t.keypath[0] != "functions" or pattern in seen:
                continue
            value = number(t.doc.get("functions", pattern, "maxDuration"))
            if value is None or value <= plan_max:
                continue
            seen.add(pattern)
            span = t.value_span("functions", pattern, "maxDuration")
            if span is None:
                continue
            fix = t.set_key("maxDuration", plan_max, f"Set maxDuration: {plan_max}", Applicability.UNSAFE,
                            replace=True, path=("functions", pattern))
            t.report(span, f"`maxDuration` {seconds(value)} for `{pattern}` is above the {plan} plan's maximum of "
                           f"{seconds(plan_max)}; Vercel rejects the deployment", fix)


_H = {"handler.py": "def export(event, context):\n    return {}\n"}
_VERCEL_APP = {"api/index.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
_CDK = (
    "from aws_cdk import Duration, Stack, aws_apigateway as apigw, aws_lambda as lambda_\n\n\nclass S(Stack):\n"
    "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
    "        fn = lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\",\n"
    "                              code=lambda_.Code.from_asset(\"src\"), timeout=Duration.{})\n"
    "        apigw.LambdaRestApi(self, \"Api\", handler=fn)\n"
)

VALID = [
    Case(_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 29\n    events:\n      - http: GET /x\n",
         path="serverless.yml", files=_H, note="equal to the limit"),
    Case(_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 30\n    events:\n      - httpApi: GET /x\n",
         path="serverless.yml", files=_H, note="HTTP API waits 30 s"),
    Case(_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 300\n    url: true\n",
         path="serverless.yml", files=_H, note="function URLs wait for the function"),
    Case(_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 300\n    events:\n      - sqs: arn:aws:sqs:us-east-1:1:q\n",
         path="serverless.yml", files=_H, note="not HTTP"),
    Case(_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 60\n    events:\n      - http: GET /x\n",
         path="serverless.yml", files=_H, options={"max-http-timeout": 90}, note="raised REST integration timeout"),
    Case(_CDK.format("seconds(29)"), path="stack.py", files={"src/app.py": _APP["app.py"]}),
    Case('{"functions": {"api/*.py": {"maxDuration": 800}}}\n', path="vercel.json", files=_VERCEL_APP, note="Pro allows 800 s"),
]

INVALID = [
    Case(_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 120 # long\n    events:\n      - http: GET /x\n",
         path="serverless.yml", files=_H, line=8, count=1, unsafe=True, message="29 s",
         fixed=_SLS + "functions:\n  export:\n    handler: handler.export\n    timeout: 29 # long\n    events:\n      - http: GET /x\n"),
    Case(_SLS + "  timeout: 60\nfunctions:\n  export:\n    handler: handler.export\n    events:\n      - httpApi: GET /x\n"
         "  worker:\n    handler: handler.export\n", path="serverless.yml", files=_H, line=7, count=1, unsafe=True,
         message="from `provider`",
         fixed=_SLS + "  timeout: 60\nfunctions:\n  export:\n    handler: handler.export\n    timeout: 30\n    events:\n"
               "      - httpApi: GET /x\n  worker:\n    handler: handler.export\n",
         note="the provider timeout stays for the other functions"),
    Case("Globals:\n  Function:\n    Timeout: 900\n" + _SAM + "      Events:\n        Get:\n          Type: Api\n"
         "          Properties: {Path: /, Method: get}\n", path="template.yaml", files=_APP, line=6, unsafe=True,
         fixed="Globals:\n  Function:\n    Timeout: 900\n" + _SAM + "      Timeout: 29\n      Events:\n        Get:\n          Type: Api\n"
               "          Properties: {Path: /, Method: get}\n"),
    Case(_CDK.format("minutes(2)"), path="stack.py", files={"src/app.py": _APP["app.py"]}, line=8, unsafe=True,
         fixed=_CDK.format("seconds(29)")),
    Case('{\n  "functions": {\n    "api/**/*.py": { "maxDuration": 900 }\n  }\n}\n', path="vercel.json", files=_VERCEL_APP,
         line=3, unsafe=True, options={"vercel-plan": "hobby"}, message="300 s",
         fixed='{\n  "functions": {\n    "api/**/*.py": { "maxDuration": 300 }\n  }\n}\n'),
]
