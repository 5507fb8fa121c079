"""Credential with a known format hard-coded in Python code.

## What it does
Finds string literals that have the shape of a known credential, anywhere in Python code: AWS
access key IDs (`AKIA…`, `ASIA…`) and secret access keys (next to an AWS secret-key name),
Amazon Bedrock API keys, GitHub tokens (`ghp_…`, `github_pat_…`), Slack tokens and webhook
URLs, Stripe keys (`sk_live_…`, `rk_live_…`), Google API keys (`AIza…`), OpenAI and Anthropic
API keys, SendGrid and Twilio API keys, npm, PyPI, Hugging Face and Databricks tokens, private
keys (`-----BEGIN … PRIVATE KEY-----` with a key body) and signed JSON Web Tokens.

The random part of each match must have the entropy of a real key. Not reported: documentation
examples (`AKIAIOSFODNN7EXAMPLE`, values ending in `EXAMPLE`, the jwt.io sample token),
templates (`${VAR}`, `{{ var }}`), placeholders (`xxxx`, `<token>`, `changeme`) and runs of one
character. The message shows a redacted form only (`AKIA****************`).

## Why is this bad?
A credential in code is in every copy of the repository, every deployment package and every
log of a build that prints it. Anyone who reads any of those can use it until it is rotated, and
rotating it means a code change and a redeploy. Serverless platforms give every function a
secret store and an identity (the execution role) instead.

## Example
```python
import stripe

stripe.api_key = "sk_live_4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB"

def handler(event, context):
    return stripe.Charge.list(limit=3)
```

## Use instead
```python
import os

import stripe

stripe.api_key = os.environ["STRIPE_API_KEY"]

def handler(event, context):
    return stripe.Charge.list(limit=3)
```

## Fix safety
The fix replaces the literal with `os.environ["NAME"]` (adding `import os`), with NAME taken
from the variable, attribute, key or keyword the value is given to, or from the credential's
kind. It is unsafe: the code now fails with `KeyError` until the value is set in the function's
environment, which should come from the platform's secret store (an SSM or Secrets Manager
reference, `wrangler secret put`, Vercel environment variables). The message says which. A
credential inside a longer string, an f-string or bytes gets no automatic fix. Remember to
rotate the exposed credential: it stays in the repository's history.

## Options
None.

## References
- [AWS: best practices for managing access keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html)
- [AWS Lambda: use Secrets Manager secrets in functions](https://docs.aws.amazon.com/lambda/latest/dg/with-secrets-manager.html)
- [Cloudflare Workers: secrets](https://developers.cloudflare.com/workers/configuration/secrets/)
- [Vercel: environment variables](https://vercel.com/docs/environment-variables)
"""
from __future__ import annotations

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.secrets import python_secrets, report_python


class HardcodedCredential(Rule):
    code = "SLS401"
    name = "hardcoded-credential"
    summary = "Credential with a known format hard-coded in Python code"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    prefilter = ("AKIA", "ASIA", "ABIA", "ACCA", "A3T", "ABSK", "gh", "github_pat_", "xox", "xapp-", "hooks.slack.com", "sk_", "rk_",
                 "AIza", "sk-", "SG.", "SK", "npm_", "pypi-", "hf_", "dapi", "PRIVATE KEY", "eyJ", "aws", "AWS", "Aws")

    def visit_Module(self, node, ctx) -> None:
        for secret in python_secrets(ctx):
            if secret.code == self.code:
                report_python(self, ctx, secret)


AKIA = "AKIA" + "Z3MHQWERTYUIOP2K"  # split so that this file holds no credential-shaped literal
GHP = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
SECRET40 = "Zx9kLm2Qw8Rt5Yp1Vb7Nc3Hj6Gf4Ds0Aa2Ss8Dd9"
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI5ODc2NTQzMjEwIiwibmFtZSI6IkphbmUifQ." + "Xk2m9Qz7Lp4Rt8Vw1Ys6Nb3Hc5Jd0Fg"

VALID = [
    Case('KEY = "AKIAIOSFODNN7EXAMPLE"\n', note="AWS documentation example"),
    Case('SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n', note="AWS documentation example"),
    Case('KEY = "AKIAXXXXXXXXXXXXXXXX"\nTOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n', note="placeholders"),
    Case('import os\nKEY = os.environ.get("AWS_ACCESS_KEY_ID", "")\n'),
    Case('URL = "https://example.com/${GITHUB_TOKEN}"\nT = "{{ secrets.GITHUB_TOKEN }}"\n', note="templates"),
    Case('JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"\n', note="jwt.io sample"),
    Case('PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n\ndef is_pem(text):\n    return PEM_HEADER in text\n', note="a header without a key body"),
    Case('CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"\nSK = "SK" + "0" * 32\n', note="low entropy"),
    Case('ID = "A3TXYZ"\nPREFIX = "sk_live_"\n', note="too short to be a key"),
    Case(f'SECRET = "{SECRET40}"\n', note="40 characters without an AWS secret-key name"),
]

INVALID = [
    Case(
        f'import boto3\n\nACCESS_KEY = "{AKIA}"\n',
        line=3,
        message="AKIA****************",
        unsafe=True,
        fixed='import boto3\nimport os\n\nACCESS_KEY = os.environ["ACCESS_KEY"]\n',
    ),
    Case(f'from github import Github\n\ngh = Github("{GHP}")\n', line=3, unsafe=True,
         fixed='from github import Github\nimport os\n\ngh = Github(os.environ["GITHUB_TOKEN"])\n', note="no target: NAME from the credential kind"),
    Case(f'headers = {{"Authorization": "Bearer {GHP}"}}\n', line=1, unsafe=True, fixed=f'headers = {{"Authorization": "Bearer {GHP}"}}\n', message="ghp_****", note="inside a longer string: no fix"),
    Case(f'AWS_SECRET_ACCESS_KEY = "{SECRET40}"\n', line=1, message="AWS secret access key"),
    Case(f'TOKEN = "{JWT}"\n', line=1, message="JSON Web Token `eyJ****"),
    Case(f'STRIPE = "sk_live_" "4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB"\n', line=1, note="implicit concatenation"),
    Case(f'import os\n\ndef handler(event, context):\n    password = "{AKIA}"\n    return password\n', line=4, count=1, message="AWS access key ID", note="one finding per secret (SLS401 wins over SLS402)",
         options={"extend-select": ["SLS402"]}),
    Case(f'def test_it():\n    key = "{AKIA}"\n', path="tests/test_keys.py", line=2, note="known formats are reported in tests too"),
]
