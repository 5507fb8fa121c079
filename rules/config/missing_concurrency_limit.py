"""Function without a reserved concurrency limit.

## What it does
Finds AWS Lambda functions declared in serverless.yml (`reservedConcurrency`), SAM and
CloudFormation templates in YAML or JSON (`ReservedConcurrentExecutions`, SAM `Globals`
included) and AWS CDK apps in Python (`reserved_concurrent_executions=`) that set no reserved
concurrency. A value given through a variable or parameter (`${self:custom.limit}`,
`!Ref Limit`, a Python name) counts as set.

Vercel and Cloudflare Workers have no per-function concurrency setting, so their files are
not checked.

## Why is this bad?
Without reserved concurrency a function scales into the account's shared pool (1,000
concurrent executions per Region by default). A traffic spike, a retry storm or a recursive
trigger then throttles every other function in the account, and each new execution opens its
own database connections until the database refuses them. Reserved concurrency caps the
function and guarantees it that much capacity; `0` is AWS's kill switch.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
    timeout: 10
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
    timeout: 10
    reservedConcurrency: 10
```

## Fix safety
The fix inserts `default-reserved-concurrency` (at least the function's provisioned
concurrency) next to the handler, keeping the file's comments and layout. It is unsafe: the
cap throttles requests above it, and an account whose unreserved pool would fall below 100
rejects the deployment.

## Options
- `default-reserved-concurrency` (integer, default 10): the limit the fix inserts.

## References
- [AWS Lambda: reserved concurrency](https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)
- [Serverless Framework: functions](https://www.serverless.com/framework/docs/providers/aws/guide/functions)
- [AWS::Lambda::Function ReservedConcurrentExecutions](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html)
"""
from __future__ import annotations

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import CASE_SAM as _SAM
from sls_lint.rules.config._common import CASE_SLS, KEYS, unset


class MissingConcurrencyLimit(Rule):
    code = "SLS701"
    name = "missing-concurrency-limit"
    summary = "Function without a reserved concurrency limit"
    severity = Severity.INFO
    fix_availability = FixAvailability.ALWAYS
    fix_safety = Applicability.UNSAFE
    options = (RuleOption("default-reserved-concurrency", "integer", 10, "The reserved concurrency SLS701's fix inserts."),)
    file_kinds = ("serverless", "cloudformation", "cdk")

    def check_project(self, ctx) -> None:
        default = int(ctx.option("default-reserved-concurrency"))
        for t, span in unset(ctx, "concurrency"):
            key = KEYS["concurrency"][t.fmt]
            value = max(default, t.fn.get("provisioned_concurrency") or 0)
            fix = t.own_setting_fix(key, value, Applicability.UNSAFE, cdk=(str(value), ()), at=span)
            t.report(span, f"Function {t.label} has no reserved concurrency (`{key}`): it can take the "
                           "account's whole concurrency pool, throttling every other function", fix)


_SLS = CASE_SLS + "functions:\n"
_HANDLER = {"handler.py": "def create(event, context):\n    return {}\n"}

VALID = [
    Case(_SLS + "  create:\n    handler: handler.create\n    reservedConcurrency: 5\n", path="serverless.yml", files=_HANDLER),
    Case(_SLS + "  create:\n    handler: handler.create\n    reservedConcurrency: ${self:custom.limit}\n", path="serverless.yml",
         files=_HANDLER, note="a variable counts as set"),
    Case(_SLS + "  create:\n    handler: handler.create\n    reservedConcurrency: 0  # kill switch\n", path="serverless.yml", files=_HANDLER),
    Case("Globals:\n  Function:\n    ReservedConcurrentExecutions: 3\n" + _SAM, path="template.yaml",
         files={"app.py": "def handler(event, context):\n    return {}\n"}, note="SAM Globals apply"),
    Case(_SAM + "      ReservedConcurrentExecutions: !Ref Limit\n", path="template.yaml", note="a parameter counts as set"),
    Case("service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  f:\n    handler: index.handler\n",
         path="serverless.yml", note="not a Python function"),
    Case("service: s\nprovider:\n  name: google\nfunctions:\n  f:\n    handler: main\n", path="serverless.yml",
         note="not AWS"),
    Case("def handler(event, context):\n    return {}\n", note="no deployment file: nothing to configure"),
    Case("def create(event, context):\n    return {}\n",
         files={"serverless.yml": _SLS + "  create:\n    handler: handler.create\n    reservedConcurrency: 2\n"},
         note="findings are in the deployment file only"),
    Case('{"vercel": true}', path="vercel.json", files={"api/index.py": "app = None\n"}, note="Vercel has no such setting"),
]

INVALID = [
    Case(_SLS + "  create:\n    handler: handler.create # entry\n    timeout: 10\n", path="serverless.yml", files=_HANDLER,
         line=6, count=1, unsafe=True,
         fixed=_SLS + "  create:\n    handler: handler.create # entry\n    reservedConcurrency: 10\n    timeout: 10\n"),
    Case(_SAM + "      Timeout: 10\n", path="template.yaml", line=3, unsafe=True,
         files={"app.py": "def handler(event, context):\n    return {}\n"},
         fixed=_SAM + "      ReservedConcurrentExecutions: 10\n      Timeout: 10\n"),
    Case(_SAM.replace("Handler: app.handler", "Handler: app.handler\n      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 25"),
         path="template.yaml", unsafe=True, options={"default-reserved-concurrency": 5},
         fixed=_SAM + "      ReservedConcurrentExecutions: 25\n      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 25\n",
         note="never below the provisioned concurrency"),
    Case('{\n  "Resources": {\n    "Fn": {\n      "Type": "AWS::Lambda::Function",\n      "Properties": {\n'
         '        "Runtime": "python3.12",\n        "Handler": "index.handler",\n        "Code": {"ZipFile": "def handler(e, c): pass"}\n'
         '      }\n    }\n  }\n}\n', path="template.json", line=3, unsafe=True,
         fixed='{\n  "Resources": {\n    "Fn": {\n      "Type": "AWS::Lambda::Function",\n      "Properties": {\n'
               '        "Runtime": "python3.12",\n        "Handler": "index.handler",\n        "ReservedConcurrentExecutions": 10,\n'
               '        "Code": {"ZipFile": "def handler(e, c): pass"}\n      }\n    }\n  }\n}\n'),
    Case("from aws_cdk import Stack, aws_lambda as lambda_\n\n\nclass S(Stack):\n    def __init__(self, scope, id):\n"
         "        super().__init__(scope, id)\n        lambda_.Function(\n            self, \"Fn\",\n"
         "            runtime=lambda_.Runtime.PYTHON_3_12,\n            handler=\"app.handler\",\n"
         "            code=lambda_.Code.from_asset(\"src\"),\n        )\n",
         path="stack.py", files={"src/app.py": "def handler(event, context):\n    return {}\n"}, line=7, unsafe=True,
         fixed="from aws_cdk import Stack, aws_lambda as lambda_\n\n\nclass S(Stack):\n    def __init__(self, scope, id):\n"
               "        super().__init__(scope, id)\n        lambda_.Function(\n            self, \"Fn\",\n"
               "            runtime=lambda_.Runtime.PYTHON_3_12,\n            handler=\"app.handler\",\n"
               "            code=lambda_.Code.from_asset(\"src\"),\n            reserved_concurrent_executions=10,\n        )\n",
         note="CDK: reported at the construct call, fixed with a keyword"),
]
