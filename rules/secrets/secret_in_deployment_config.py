"""Secret in plain text in a deployment file's environment.

## What it does
Finds secrets written in plain text where a deployment file sets a function's environment:
- serverless.yml: `provider.environment` and `functions.<name>.environment`;
- SAM / CloudFormation: `Environment.Variables` of `AWS::Serverless::Function` and
  `AWS::Lambda::Function` resources, and `Globals.Function.Environment.Variables`;
- AWS CDK in Python: `environment={...}` of `aws_lambda.Function` / `PythonFunction` and
  `fn.add_environment("NAME", "value")`;
- vercel.json: `env` and `build.env`;
- wrangler.toml / wrangler.jsonc: `[vars]` and `[env.<name>.vars]`.

A value is a secret when it has a known credential format, is a URL with an inline password,
or is a non-placeholder literal under a credential-named key (`DB_PASSWORD`, `STRIPE_API_KEY`,
`JWT_SECRET`, ...), judged as in SLS401-SLS403. References are fine: `${ssm:...}`,
`${env:...}` and other `${...}` variables, `{{resolve:ssm:...}}` /
`{{resolve:secretsmanager:...}}`, `!Ref`, `!Sub` with parameters, `!GetAtt`, Vercel `@secret`
names, and Cloudflare secrets (`wrangler secret put`, `secrets.required`). The message shows a
redacted value only. A literal that this rule reports is not reported again by SLS401-SLS403.

## Why is this bad?
Deployment files are committed and shared, and the values end up in the function's
configuration in plain text: anyone who can read the repository, the CloudFormation template
or the function's settings can read the secret. `[vars]` in wrangler and plain `env` in
vercel.json are documented as non-secret configuration.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_API_KEY: sk_live_4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB
functions:
  api:
    handler: handler.handler
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_API_KEY: ${ssm:/orders/prod/stripe-api-key}
functions:
  api:
    handler: handler.handler
```

## Fix safety
No automatic fix: the value has to be stored in the platform's secret store first (an SSM
SecureString or a Secrets Manager secret, `wrangler secret put NAME`, `vercel env add NAME`),
and then referenced. Rotate the exposed secret: it stays in the repository's history.

## Options
None.

## References
- [Serverless Framework: SSM parameters](https://www.serverless.com/framework/docs/providers/aws/guide/variables#reference-variables-using-the-ssm-parameter-store)
- [CloudFormation: dynamic references](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html)
- [Cloudflare: environment variables and secrets](https://developers.cloudflare.com/workers/configuration/secrets/)
- [Vercel: sensitive environment variables](https://vercel.com/docs/environment-variables/sensitive-environment-variables)
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity, Span
from sls_lint.project import Tagged
from sls_lint.rule import Case, Rule
from sls_lint.secrets import Found, candidates, display, fingerprint, platforms_for, python_secrets, secret_of, store_hint

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
HINTS = {
    "serverless": "an SSM SecureString or a Secrets Manager secret, referenced as `${{ssm:/path/{name}}}`",
    "cloudformation": "Secrets Manager or SSM, referenced as `{{{{resolve:secretsmanager:...}}}}` or read at runtime",
    "vercel": "a sensitive Vercel environment variable (`vercel env add {name}`)",
    "wrangler": "a Worker secret (`wrangler secret put {name}`)",
}


def environments(doc) -> Iterator[tuple[tuple, dict]]:
    """(key path, mapping) of every function environment the document sets."""
    data = doc.data
    if not isinstance(data, dict):
        return
    if doc.kind == "serverless":
        if isinstance(doc.get("provider", "environment"), dict):
            yield ("provider", "environment"), doc.get("provider", "environment")
        functions = data.get("functions")
        if isinstance(functions, dict):
            for name, fn in functions.items():
                if isinstance(fn, dict) and isinstance(fn.get("environment"), dict):
                    yield ("functions", name, "environment"), fn["environment"]
    elif doc.kind == "cloudformation":
        if isinstance(doc.get("Globals", "Function", "Environment", "Variables"), dict):
            yield ("Globals", "Function", "Environment", "Variables"), doc.get("Globals", "Function", "Environment", "Variables")
        resources = data.get("Resources")
        if isinstance(resources, dict):
            for name, res in resources.items():
                if isinstance(res, dict) and res.get("Type") in FUNCTION_TYPES:
                    variables = doc.get("Resources", name, "Properties", "Environment", "Variables")
                    if isinstance(variables, dict):
                        yield ("Resources", name, "Properties", "Environment", "Variables"), variables
    elif doc.kind == "vercel":
        if isinstance(data.get("env"), dict):
            yield ("env",), data["env"]
        if isinstance(doc.get("build", "env"), dict):
            yield ("build", "env"), doc.get("build", "env")
    elif doc.kind == "wrangler":
        if isinstance(data.get("vars"), dict):
            yield ("vars",), data["vars"]
        envs = data.get("env")
        if isinstance(envs, dict):
            for name, env in envs.items():
                if isinstance(env, dict) and isinstance(env.get("vars"), dict):
                    yield ("env", name, "vars"), env["vars"]


def _literal_text(value: Any) -> str | None:
    """The literal text of a value that may hold a secret (``!Sub`` strings included); None for
    references and non-strings."""
    if isinstance(value, str):
        if value.startswith("@") or "{{resolve:" in value:
            return None
        return value
    if isinstance(value, Tagged) and value.name == "Sub":
        sub = value.value[0] if isinstance(value.value, list) and value.value else value.value
        return sub if isinstance(sub, str) else None
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        sub = sub[0] if isinstance(sub, list) and sub else sub
        return sub if isinstance(sub, str) else None
    return None


def secret_in_value(key: str, value: Any) -> tuple[str, Found] | None:
    text = _literal_text(value)
    if text is None or len(text) < 6:
        return None
    found = [f for f in candidates(text, key) if not ("${" in text and f.rule == "SLS402")]
    return (text, found[0]) if found else None


def _value_span(text: str | None, line: int, col: int) -> Span:
    lines = (text or "").splitlines()
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    rest = src[col - 1:]
    if rest[:1] in ("'", '"'):
        end = rest.find(rest[0], 1)
        width = end + 1 if end > 0 else len(rest)
    else:
        m = re.search(r"\s+#", rest)
        width = len((rest[: m.start()] if m else rest).rstrip().rstrip(","))
    return Span(line, col, line, col + max(width, 1))


class SecretInDeploymentConfig(Rule):
    code = "SLS404"
    name = "secret-in-deployment-config"
    summary = "Secret in plain text in a deployment file's environment"
    severity = Severity.ERROR
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    file_kinds = ("python", "serverless", "cloudformation", "vercel", "wrangler")
    prefilter = ("environment", "add_environment", "variables")

    def check_project(self, ctx) -> None:
        for doc in ctx.project.docs:
            if doc.error or not ctx.checked(doc.path) or doc.kind not in HINTS:
                continue
            text = ctx.sources.text(doc.path)
            for keypath, env in environments(doc):
                for key, value in env.items():
                    if not isinstance(key, str):
                        continue
                    hit = secret_in_value(key, value)
                    if hit is None:
                        continue
                    raw, found = hit
                    loc = doc.locate_value(*keypath, key) or doc.locate(*keypath, key)
                    if loc is None:
                        continue
                    where = ".".join(str(k) for k in (*keypath, key))
                    hint = HINTS[doc.kind].format(name=key)
                    ctx.report(
                        doc.path,
                        _value_span(text, loc[0], loc[1]),
                        f"{found.kind[0].upper() + found.kind[1:]} `{display(raw, found)}` in plain text at `{where}`; store it in {hint} instead",
                        fix=FixIntent("display-only", f"Move `{key}` to the platform's secret store and reference it", Applicability.DISPLAY_ONLY),
                        fingerprint=fingerprint(secret_of(raw, found)),
                    )

    def visit_Module(self, node, ctx) -> None:
        """CDK apps: literal secrets in a Lambda construct's ``environment``."""
        for secret in python_secrets(ctx):
            if secret.code != self.code:
                continue
            f = secret.found
            target = secret.target or "?"
            ctx.report(
                secret.node,
                f"{f.kind[0].upper() + f.kind[1:]} `{display(secret.value, f)}` in plain text in the Lambda environment `{target}`; store it in Secrets Manager or SSM and pass its name (grant the function read access) instead",
                fix=FixIntent("display-only", f"Move `{target}` to Secrets Manager or SSM", Applicability.DISPLAY_ONLY),
                fingerprint=fingerprint(secret_of(secret.value, f)),
            )


SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n{provider}functions:\n  api:\n    handler: handler.handler\n{function}"
HANDLER = {"handler.py": "def handler(event, context):\n    return 1\n"}
AKIA = "AKIA" + "Z3MHQWERTYUIOP2K"

VALID = [
    Case(SLS.format(provider="  environment:\n    DB_PASSWORD: ${ssm:/app/db-password}\n    API_KEY: ${env:API_KEY}\n    TOKEN: ${self:custom.token}\n", function=""), path="serverless.yml", files=HANDLER, note="references"),
    Case(SLS.format(provider="  environment:\n    TABLE_NAME: orders\n    SECRET_NAME: prod/db/password\n    DB_PASSWORD_PARAM: /app/db/password\n    LOG_LEVEL: DEBUG\n", function=""), path="serverless.yml", files=HANDLER, note="not secrets"),
    Case(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.handler\n      Runtime: python3.12\n      Environment:\n        Variables:\n          DB_PASSWORD: !Ref DbPassword\n          DB_URL: !Sub 'postgresql://app:${DbPassword}@db.internal/orders'\n          API_KEY: '{{resolve:secretsmanager:prod/api:SecretString:key}}'\n",
        path="template.yaml",
        files=HANDLER,
        note="!Ref, !Sub with a parameter, dynamic reference",
    ),
    Case('{"env": {"API_KEY": "@api-key", "REGION": "iad1"}}\n', path="vercel.json", files={"api/index.py": "def handler(request):\n    return 1\n"}, note="Vercel secret reference"),
    Case('name = "w"\nmain = "src/entry.py"\n\n[vars]\nAPI_HOST = "example.com"\n\n[secrets]\nrequired = ["API_KEY"]\n', path="wrangler.toml", files={"src/entry.py": "def on_fetch(request, env):\n    return 1\n"}),
    Case(SLS.format(provider="  environment:\n    DB_PASSWORD: changeme\n", function=""), path="serverless.yml", files=HANDLER, note="placeholder"),
]

INVALID = [
    Case(
        SLS.format(provider="  environment:\n    TABLE: orders\n    STRIPE_API_KEY: sk_live_4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB # live key\n", function=""),
        path="serverless.yml",
        files=HANDLER,
        line=7,
        message="`sk_live_****************` in plain text at `provider.environment.STRIPE_API_KEY`",
    ),
    Case(SLS.format(provider="", function="    environment:\n      DB_PASSWORD: 'Tr0ub4dor&3x'\n"), path="serverless.yml", files=HANDLER, line=9, message="`********`"),
    Case(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: handler.handler\n      Runtime: python3.12\n      Environment:\n        Variables:\n          DATABASE_URL: !Sub 'postgresql://app:N0tS0S3cret@${DbHost}/orders'\n",
        path="template.yaml",
        files=HANDLER,
        line=9,
        message="postgresql://app:********@",
    ),
    Case(
        "Globals:\n  Function:\n    Environment:\n      Variables:\n        JWT_SECRET: 9f8e7d6c5b4a3f2e1d0c\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.handler\n      Runtime: python3.12\n",
        path="template.yaml",
        files=HANDLER,
        line=5,
    ),
    Case('{"env": {"OPENAI_API_KEY": "Tr0ub4dor3xTr0ub4dor3x"}}\n', path="vercel.json", files={"api/index.py": "def handler(request):\n    return 1\n"}, line=1, message="vercel env add OPENAI_API_KEY"),
    Case(
        f'name = "w"\nmain = "src/entry.py"\n\n[vars]\nAWS_KEY_ID = "{AKIA}"\n\n[env.prod.vars]\nAPI_TOKEN = "a8f5f167f44f4964e6c998dee827110c"\n',
        path="wrangler.toml",
        files={"src/entry.py": "def on_fetch(request, env):\n    return 1\n"},
        line=5,
        count=2,
        message="wrangler secret put",
    ),
    Case(
        "from aws_cdk import aws_lambda as _lambda\n\nfn = _lambda.Function(None, 'Fn', handler='handler.handler', runtime=None, code=None,\n    environment={'TABLE': 'orders', 'DB_PASSWORD': 'Tr0ub4dor&3x'})\n",
        path="app.py",
        line=4,
        count=1,
        options={"extend-select": ["SLS402"]},
        message="Lambda environment `DB_PASSWORD`",
        note="CDK: reported once, by SLS404 (not also SLS402)",
    ),
    Case("from aws_cdk import aws_lambda as _lambda\n\nfn = _lambda.Function(None, 'Fn')\nfn.add_environment('API_KEY', 'a8f5f167f44f4964e6c998dee827110c')\n", path="app.py", line=4),
]
