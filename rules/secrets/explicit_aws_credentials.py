"""AWS access keys passed to a boto3 client or session inside a function.

## What it does
Finds `boto3.client`, `boto3.resource`, `boto3.Session` (and `Session().client/resource`,
`aioboto3.Session`, botocore `create_client`) calls inside a function that pass
`aws_access_key_id`, `aws_secret_access_key` or `aws_session_token` with a literal value, an
environment lookup (`os.environ["…"]`, `os.getenv("…")`), or a module constant holding one.
The message shows literal keys redacted (`AKIA****************`).

Not reported: credentials that come from an STS call in the same function
(`sts.assume_role(...)["Credentials"]`, `get_session_token`, ...), values passed in as
parameters, module-level clients (SLS401/SLS402 report literal keys there), and test files
(see Options). A literal key passed here is reported once, by this rule.

## Why is this bad?
A Lambda function already has credentials: its execution role, which the SDK picks up by
itself and which AWS rotates every few hours. Static access keys in the function are long-lived,
give the function whatever the key's user may do instead of what the role allows, must be
rotated by hand, and leak with the code or the environment (Lambda environment variables are
visible to anyone who can read the function's configuration).

## Example
```python
import os

import boto3

def handler(event, context):
    s3 = boto3.client(
        "s3",
        aws_access_key_id=os.environ["MY_ACCESS_KEY"],
        aws_secret_access_key=os.environ["MY_SECRET_KEY"],
    )
    return s3.list_buckets()
```

## Use instead
```python
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    return s3.list_buckets()
```

## Fix safety
The fix removes the credential arguments, so the client uses the default credential chain (the
execution role). It is unsafe: the role may lack permissions the keys had (add them to the
role), and code that deliberately reaches another account should assume a role with STS instead.

## Options
- `secrets-in-tests` (boolean, default false): also report in test files (`test-paths`).

## References
- [AWS Lambda: execution role](https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html)
- [Boto3: credentials](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html)
- [AWS: IAM best practices (temporary credentials)](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html)
"""
from __future__ import annotations

import ast

from sls_lint.catalog import canonical
from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.secrets import AWS_CREDENTIAL_KEYWORDS, BOTO3_CREDENTIAL_CALLS, TESTS_OPTION, candidates, display, fingerprint, secret_of

ENV_CALLS = frozenset({"os.getenv", "os.environ.get"})


def _source(model, expr: ast.AST, depth: int = 0) -> tuple[str, str] | None:
    """('literal', value) or ('env', text) for a static credential value; None otherwise."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and expr.value:
        return "literal", expr.value
    if isinstance(expr, ast.Subscript) and model.qualified_name(expr.value) == "os.environ":
        return "env", model.node_text(expr)
    if isinstance(expr, ast.Call) and model.call_name(expr) in ENV_CALLS:
        return "env", model.node_text(expr)
    if isinstance(expr, ast.Name):
        sv = model.single_value(expr.id, model.scope_at(expr))
        if sv is not None:
            return _source(model, sv[0], depth + 1)
    return None


class ExplicitAwsCredentials(Rule):
    code = "SLS405"
    call_names = frozenset(BOTO3_CREDENTIAL_CALLS)
    name = "explicit-aws-credentials"
    summary = "AWS access keys passed to a boto3 client or session inside a function"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS
    fix_safety = Applicability.UNSAFE
    options = (RuleOption(*TESTS_OPTION),)
    prefilter = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        qual = canonical(model.call_name(node))
        if qual not in BOTO3_CREDENTIAL_CALLS or model.enclosing_function(node) is None:
            return
        if ctx.is_test_file and not ctx.option("secrets-in-tests"):
            return
        given = [k for k in node.keywords if k.arg in AWS_CREDENTIAL_KEYWORDS]
        shown, secrets = [], []
        for kw in given:
            src = _source(model, kw.value)
            if src is None:
                continue
            kind, text = src
            if kind == "literal":
                found = candidates(text, kw.arg)
                secrets.append(text)
                shown.append(f"`{kw.arg}` = `{display(text, found[0])}`" if found else f"`{kw.arg}` = a literal")
            else:
                shown.append(f"`{kw.arg}` from `{text}`")
        if not shown:
            return
        info = model.enclosing_function(node)
        fix = _remove_fix(ctx, node, given)
        ctx.report(
            node,
            f"`{qual}(...)` in `{info.qualname}` is given static AWS access keys ({', '.join(shown)}); remove them so the SDK uses the function's execution role (assume a role with STS to reach another account)",
            fix=fix,
            fingerprint=fingerprint("\x00".join(secrets) if secrets else f"{qual}:{info.qualname}:{','.join(k.arg for k in given)}"),
        )


def _remove_fix(ctx, call: ast.Call, drop: list[ast.keyword]) -> FixIntent | None:
    model = ctx.model
    kept = [model.node_text(a) for a in call.args]
    for k in call.keywords:
        if k in drop:
            continue
        kept.append(f"**{model.node_text(k.value)}" if k.arg is None else f"{k.arg}={model.node_text(k.value)}")
    if any(not t for t in kept):
        return None
    code = f"{model.node_text(call.func)}({', '.join(kept)})"
    return FixIntent("replace-node", "Remove the access keys (use the execution role)", Applicability.UNSAFE, ctx.span(call), (("code", code),))


AKIA = "AKIA" + "Z3MHQWERTYUIOP2K"
SECRET40 = "Zx9kLm2Qw8Rt5Yp1Vb7Nc3Hj6Gf4Ds0Aa2Ss8Dd9"

VALID = [
    Case("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3').list_buckets()\n"),
    Case(
        "import boto3\n\ndef handler(event, context):\n    sts = boto3.client('sts')\n    creds = sts.assume_role(RoleArn=event['role'], RoleSessionName='x')['Credentials']\n"
        "    s3 = boto3.client('s3', aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'])\n    return s3.list_buckets()\n",
        note="credentials from STS in the same function",
    ),
    Case("import boto3\n\ndef make_client(key_id, secret):\n    return boto3.client('s3', aws_access_key_id=key_id, aws_secret_access_key=secret)\n", note="values passed in"),
    Case("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3', aws_access_key_id=None).list_buckets()\n", note="None"),
    Case("import boto3\n\ndef test_s3():\n    boto3.client('s3', aws_access_key_id='testing', aws_secret_access_key='testing')\n", path="tests/test_s3.py", note="test file (moto)"),
    Case(f"import os\nimport boto3\n\ns3 = boto3.client('s3', aws_access_key_id=os.environ['K'])\n", note="module level"),
]

INVALID = [
    Case(
        "import os\nimport boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3', aws_access_key_id=os.environ['MY_KEY'], aws_secret_access_key=os.getenv('MY_SECRET'))\n    return s3.list_buckets()\n",
        line=5,
        message="from `os.environ['MY_KEY']`",
        unsafe=True,
        fixed="import os\nimport boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n",
    ),
    Case(
        f"import boto3\n\ndef handler(event, context):\n    session = boto3.Session(aws_access_key_id='{AKIA}', aws_secret_access_key='{SECRET40}', region_name='eu-west-1')\n    return session.client('s3').list_buckets()\n",
        line=4,
        count=1,
        message="`aws_access_key_id` = `AKIA****************`",
        unsafe=True,
        fixed="import boto3\n\ndef handler(event, context):\n    session = boto3.Session(region_name='eu-west-1')\n    return session.client('s3').list_buckets()\n",
    ),
    Case(
        f"import boto3\n\ndef handler(event, context):\n    return boto3.resource('dynamodb', aws_access_key_id='{AKIA}', aws_secret_access_key='{SECRET40}')\n",
        line=4,
        count=1,
        options={"extend-select": ["SLS401", "SLS402"]},
        note="the literal keys are reported once, here, not also by SLS401/SLS402",
    ),
    Case("import boto3\n\nKEY = 'AKIAZ3MHQWERTYUIOP2K'\n\ndef get(event):\n    return boto3.client('s3', aws_access_key_id=KEY)\n", line=6, note="module constant"),
]
