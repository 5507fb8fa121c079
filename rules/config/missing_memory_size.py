"""Function relying on the platform's default memory size.

## What it does
Finds AWS Lambda functions whose deployment file sets no memory size, so the default
applies: serverless.yml (`memorySize` on the function or the provider; default 1024 MB), SAM
and CloudFormation templates in YAML or JSON (`MemorySize`, SAM `Globals` included; default
128 MB) and AWS CDK apps in Python (`memory_size=`; default 128 MB). A value given through a
variable or parameter counts as set.

Vercel sets memory per project (the `memory` key of vercel.json is ignored with Fluid
compute) and Cloudflare Workers have a fixed 128 MB, so their files are not checked.

## Why is this bad?
Lambda gives CPU in proportion to memory: at 128 MB a Python function gets a small slice of a
core, so imports, cold starts and any computation are slow, and the function may cost more
than at a larger size because it runs longer. Relying on a default also hides the choice
from review; AWS's serverless rules (ES1005) and tflint flag it for the same reason.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  report:
    handler: handler.report
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  report:
    handler: handler.report
    memorySize: 512
```

## Fix safety
The fix inserts `default-memory-mb` on the function, keeping the file's comments and layout
(in CDK it adds `memory_size=`). It is safe when the value equals the platform's default
(serverless.yml's 1024 MB with the default option), unsafe otherwise: memory changes speed
and cost.

## Options
- `default-memory-mb` (integer, default 1024): the memory size the fix inserts.

## References
- [AWS Lambda: configure memory](https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html)
- [Serverless Framework: functions](https://www.serverless.com/framework/docs/providers/aws/guide/functions)
- [cfn-lint-serverless ES1005](https://awslabs.github.io/serverless-rules/rules/lambda/default_memory_size/)
"""
from __future__ import annotations

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import CASE_APP as _APP
from sls_lint.rules.config._common import CASE_SAM as _SAM
from sls_lint.rules.config._common import CASE_SLS as _SLS
from sls_lint.rules.config._common import KEYS, unset


class MissingMemorySize(Rule):
    code = "SLS704"
    name = "missing-memory-size"
    summary = "Function relying on the platform's default memory size"
    severity = Severity.INFO
    fix_availability = FixAvailability.ALWAYS
    fix_safety = Applicability.UNSAFE
    options = (RuleOption("default-memory-mb", "integer", 1024, "The memory size (MB) SLS704's fix inserts."),)
    file_kinds = ("serverless", "cloudformation", "cdk")

    def check_project(self, ctx) -> None:
        value = int(ctx.option("default-memory-mb"))
        for t, span in unset(ctx, "memory"):
            platform_default = t.fn.get("default_memory_mb")
            applicability = Applicability.SAFE if value == platform_default else Applicability.UNSAFE
            key = KEYS["memory"][t.fmt]
            fix = t.own_setting_fix(key, value, applicability, cdk=(str(value), ()), at=span)
            t.report(span, f"Function {t.label} sets no memory size (`{key}`), so the default of "
                           f"{platform_default or 128} MB applies", fix)


_H = {"handler.py": "def create(event, context):\n    return {}\n"}

VALID = [
    Case(_SLS + "  memorySize: 512\nfunctions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H),
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n    memorySize: ${self:custom.mem.${sls:stage}}\n",
         path="serverless.yml", files=_H, note="unresolved variable counts as set"),
    Case("Globals:\n  Function:\n    MemorySize: 256\n" + _SAM, path="template.yaml", files=_APP),
    Case(_SAM + "      MemorySize: !FindInMap [Sizes, !Ref Stage, Mem]\n", path="template.yaml", files=_APP),
    Case(_SAM.replace("Runtime: python3.12", "Runtime: nodejs20.x").replace("app.handler", "index.handler"),
         path="template.yaml", note="not Python"),
    Case(_SAM.replace("      Runtime: python3.12\n      Handler: app.handler\n", "      PackageType: Image\n      ImageUri: repo:tag\n"),
         path="template.yaml", note="container image: not a Python handler file the model reads"),
]

INVALID = [
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H, line=6,
         message="1024 MB", fixed=_SLS + "functions:\n  create:\n    handler: handler.create\n    memorySize: 1024\n",
         note="serverless.yml: the default made explicit is safe"),
    Case(_SAM.replace("\n", "\r\n"), path="template.yaml", files=_APP, line=3, unsafe=True, message="128 MB",
         fixed=(_SAM + "      MemorySize: 1024\n").replace("\n", "\r\n"), note="CRLF kept"),
    Case("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12, Handler: index.handler, "
         "Code: {ZipFile: \"def handler(e, c): pass\"}}\n", path="template.yaml", line=2, unsafe=True,
         options={"default-memory-mb": 256},
         fixed="Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12, Handler: index.handler, "
               "Code: {ZipFile: \"def handler(e, c): pass\"}, MemorySize: 256}\n", note="flow style kept"),
]
