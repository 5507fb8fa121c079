"""Function without tracing or observability turned on.

## What it does
Finds functions whose deployment file leaves tracing unset: AWS X-Ray for serverless.yml
(`tracing: Active` on the function, or `provider.tracing.lambda`), SAM (`Tracing`, `Globals`
included) and CloudFormation templates in YAML or JSON (`TracingConfig.Mode`), and AWS CDK
apps in Python (`tracing=`); Workers Logs and traces for Cloudflare Python Workers
(`[observability]` in wrangler.toml, `"observability"` in wrangler.json(c)). An explicit
choice (`PassThrough`, `Tracing.DISABLED`, `observability.enabled = false`) is respected.

Vercel has no tracing setting in vercel.json (it is a project setting), so it is not checked.
Log retention (`logRetentionInDays`, a `LogGroup` with `RetentionInDays`) is not checked by
this rule.

## Why is this bad?
A function is a short-lived piece of a distributed system: when it is slow or fails, the
cause is usually in a call it made (a database, another service, a cold start). Without
tracing there is no record of where an invocation spent its time, and Cloudflare keeps no
Worker logs at all unless observability is on.

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
  tracing:
    lambda: true
functions:
  create:
    handler: handler.create
```

## Fix safety
The fix turns tracing on for the function (`tracing: Active`, `Tracing: Active`,
`TracingConfig: {Mode: Active}`, `tracing=Tracing.ACTIVE`, `observability.enabled = true`),
keeping the file's comments and layout. It is unsafe: traces and logs are billed, and a plain
CloudFormation function's role also needs the X-Ray write permissions (the Serverless
Framework, SAM and CDK add them).

## Options
None.

## References
- [AWS Lambda: tracing with X-Ray](https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)
- [Serverless Framework: tracing](https://www.serverless.com/framework/docs/providers/aws/guide/functions#aws-x-ray-tracing)
- [Cloudflare Workers: observability](https://developers.cloudflare.com/workers/observability/logs/workers-logs/)
"""
from __future__ import annotations

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import (
    AWS_FORMATS,
    CDK,
    CFN,
    KEYS,
    SAM,
    SERVERLESS,
    WRANGLER,
    targets,
)
from sls_lint.rules.config._common import CASE_APP as _APP
from sls_lint.rules.config._common import CASE_SAM as _SAM
from sls_lint.rules.config._common import CASE_SLS as _SLS

# the setting the message names, per format
_SETTING = {
    SERVERLESS: "tracing: Active",
    SAM: "Tracing: Active",
    CFN: "TracingConfig: {Mode: Active}",
    CDK: "tracing=Tracing.ACTIVE",
}
# where a file-wide default lives
_DEFAULT = {SERVERLESS: ("provider", "tracing", "lambda"), SAM: ("Globals", "Function", "Tracing")}


class TracingDisabled(Rule):
    code = "SLS707"
    name = "tracing-disabled"
    summary = "Function without tracing or observability turned on"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    file_kinds = ("serverless", "cloudformation", "cdk", "wrangler")

    def check_project(self, ctx) -> None:
        unsafe = Applicability.UNSAFE
        for t in targets(ctx, AWS_FORMATS):
            if t.fn.get("tracing") is not None or self._explicit(t):
                continue
            span = t.function_span()
            if span is None:
                continue
            if t.fmt == CFN:
                fix = t.set_key("Mode", "Active", "Set TracingConfig.Mode: Active", unsafe,
                                path=t.settings_path + ("TracingConfig",))
            else:
                tracing = t.cdk_expr("aws_cdk.aws_lambda.Tracing.ACTIVE", "aws_cdk.aws_lambda", "Tracing")
                fix = t.own_setting_fix(KEYS["tracing"][t.fmt], "Active", unsafe, cdk=tracing, at=span)
            t.report(span, f"Function {t.label} has no active X-Ray tracing (`{_SETTING[t.fmt]}`): slow or failing "
                           "calls inside it leave no trace", fix)
        for t in targets(ctx, (WRANGLER,), platform="cloudflare-workers"):
            if not isinstance(t.doc.data, dict) or "observability" in t.doc.data:
                continue
            span = t.key_span("main")
            if span is None:
                continue
            fix = t.set_key("enabled", True, "Turn on observability", unsafe, path=("observability",))
            t.report(span, f"Worker {t.label} has no `observability` settings: Cloudflare keeps no logs or traces of it",
                     fix)

    @staticmethod
    def _explicit(t) -> bool:
        """A tracing key written but not readable as a mode (a variable, a parameter)."""
        default = _DEFAULT.get(t.fmt)
        return t.has_own(KEYS["tracing"][t.fmt]) or (default is not None and t.doc.locate(*default) is not None)


_H = {"handler.py": "def create(event, context):\n    return {}\n"}
_WORKER = {"src/entry.py": "async def on_fetch(request, env):\n    return None\n"}
_TOML = 'name = "w"  # the worker\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n\n[vars]\nMODE = "prod"\n'

VALID = [
    Case(_SLS + "  tracing:\n    lambda: true\nfunctions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H),
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n    tracing: PassThrough\n", path="serverless.yml", files=_H,
         note="an explicit choice"),
    Case(_SLS + "  tracing:\n    lambda: ${self:custom.tracing}\nfunctions:\n  create:\n    handler: handler.create\n",
         path="serverless.yml", files=_H, note="a variable"),
    Case("Globals:\n  Function:\n    Tracing: Active\n" + _SAM, path="template.yaml", files=_APP),
    Case(_SAM + "      Tracing: !If [IsProd, Active, PassThrough]\n", path="template.yaml", files=_APP),
    Case(_TOML + "\n[observability]\nenabled = false\n", path="wrangler.toml", files=_WORKER, note="explicitly off"),
    Case('{\n  "name": "w",\n  "main": "src/app.js"\n}\n', path="wrangler.jsonc", note="a JavaScript Worker"),
]

INVALID = [
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H, line=6, unsafe=True,
         fixed=_SLS + "functions:\n  create:\n    handler: handler.create\n    tracing: Active\n"),
    Case(_SAM, path="template.yaml", files=_APP, line=3, unsafe=True, fixed=_SAM + "      Tracing: Active\n"),
    Case('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", '
         '"Handler": "app.handler", "Code": "."}}}}\n', path="template.json", files=_APP, line=1, unsafe=True,
         fixed='{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", '
               '"Handler": "app.handler", "Code": ".", "TracingConfig": {"Mode": "Active"}}}}}\n'),
    Case("from aws_cdk import Stack\nfrom aws_cdk import aws_lambda as lambda_\n\n\nclass S(Stack):\n"
         "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
         "        lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\", "
         "code=lambda_.Code.from_asset(\"src\"))\n", path="stack.py", files={"src/app.py": _APP["app.py"]}, line=8, unsafe=True,
         fixed="from aws_cdk import Stack\nfrom aws_cdk import aws_lambda as lambda_\n\n\nclass S(Stack):\n"
               "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
               "        lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\", "
               "code=lambda_.Code.from_asset(\"src\"), tracing=lambda_.Tracing.ACTIVE)\n"),
    Case(_TOML, path="wrangler.toml", files=_WORKER, line=2, unsafe=True,
         fixed=_TOML + "\n[observability]\nenabled = true\n"),
    Case('{\n  // the worker\n  "name": "w",\n  "main": "src/entry.py",\n  "compatibility_flags": ["python_workers"],\n}\n',
         path="wrangler.jsonc", files=_WORKER, line=4, unsafe=True,
         fixed='{\n  // the worker\n  "name": "w",\n  "main": "src/entry.py",\n  "compatibility_flags": ["python_workers"],\n'
               '  "observability": {"enabled": true},\n}\n', note="JSONC comments and trailing commas kept"),
]
