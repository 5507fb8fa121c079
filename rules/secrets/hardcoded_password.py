"""Password, token or key hard-coded in a credential-named variable, key or argument.

## What it does
Finds a string literal assigned to, defaulted to, compared with or passed as a
credential-named variable, attribute, dictionary key or keyword argument: names whose last
words are `password`, `passwd`, `pwd`, `passphrase`, `db_pass`, `secret`, `token`, `api_key`,
`apikey`, `secret_key`, `access_key`, `private_key`, `client_secret`, `credentials`, or an
`Authorization` header with a `Bearer`/`Basic`/`Token` value.

Not reported, because they are not secrets:
- a secret's *name* or reference: `DB_PASSWORD`, `prod/db/password`, ARNs, `ssm:` paths, `@vercel-secret`;
- names that end in something else: `password_field`, `token_url`, `secret_name`, `secret_arn`, `max_tokens`;
- field and header names as values (`x-api-key`, `user.password`), URLs without credentials, sentences;
- an empty string, placeholders (`changeme`, `<password>`, `${DB_PASSWORD}`, `xxxx`, `password`) and values too short to be a credential;
- the default of an environment lookup (`os.getenv("DB_PASSWORD", "...")`);
- test files (see Options).

A literal with the shape of a known credential is reported by SLS401, and a URL with a
password by SLS403, instead: one finding per secret.

## Why is this bad?
A password in code is shared with everyone who can read the repository or the deployment
package, cannot be rotated without a redeploy, and is usually the same in every environment.

## Example
```python
import pymysql

def handler(event, context):
    conn = pymysql.connect(host="db.internal", user="app", password="Tr0ub4dor&3x")
    return conn.ping()
```

## Use instead
```python
import os

import pymysql

def handler(event, context):
    conn = pymysql.connect(host="db.internal", user="app", password=os.environ["PASSWORD"])
    return conn.ping()
```

## Fix safety
The fix replaces the literal with `os.environ["NAME"]` (adding `import os`), NAME derived from
the target (`db_password` -> `DB_PASSWORD`). It is unsafe: the code fails with `KeyError` until
the variable is set, and the value belongs in the platform's secret store (an SSM or Secrets
Manager reference, `wrangler secret put`, Vercel environment variables), as the message says.
The message shows a redacted value only.

## Options
- `secrets-in-tests` (boolean, default false): also report in test files (`test-paths`).

## References
- [OWASP: use of hard-coded password](https://owasp.org/www-community/vulnerabilities/Use_of_hard-coded_password)
- [AWS Lambda: use Secrets Manager secrets in functions](https://docs.aws.amazon.com/lambda/latest/dg/with-secrets-manager.html)
- [Cloudflare Workers: secrets](https://developers.cloudflare.com/workers/configuration/secrets/)
"""
from __future__ import annotations

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.secrets import TESTS_OPTION, python_secrets, report_python


class HardcodedPassword(Rule):
    code = "SLS402"
    name = "hardcoded-password"
    summary = "Password, token or key hard-coded in a credential-named target"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (RuleOption(*TESTS_OPTION),)
    prefilter = ("pass", "Pass", "PASS", "pwd", "PWD", "secret", "Secret", "SECRET", "token", "Token", "TOKEN", "key", "Key", "KEY",
                 "cred", "Cred", "CRED", "uthorization", "UTHORIZATION", "contrase", "senha", "passwort")

    def visit_Module(self, node, ctx) -> None:
        for secret in python_secrets(ctx):
            if secret.code == self.code:
                report_python(self, ctx, secret)


VALID = [
    Case('DB_PASSWORD_ENV = "DB_PASSWORD"\npassword = "DB_PASSWORD"\n', note="the name of a secret"),
    Case('secret_name = "prod/db/password"\nSECRET = "prod/db/password"\n', note="a secret's name or path"),
    Case('secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"\nTOKEN = "arn:aws:ssm:eu-west-1:1:parameter/x"\n'),
    Case('token_url = "https://auth.example.com/oauth/token"\nAPI_TOKEN_ENDPOINT = "https://x/y"\n', note="URLs are not tokens"),
    Case('PASSWORD_FIELD = "password"\nheaders = {"api_key": "x-api-key"}\nfield = {"password": "user.password"}\n', note="field and header names"),
    Case('import os\npassword = os.getenv("DB_PASSWORD", "local-dev-pw")\n', note="environment lookup default"),
    Case('def connect(password=""):\n    return password\n\nif token == "":\n    pass\n', note="empty strings"),
    Case('password = "changeme"\napi_key = "<your-api-key>"\nsecret = "${SECRET}"\ntoken = "xxxxxxxx"\n', note="placeholders"),
    Case('max_tokens = "1234567890"\npassword_length = "12345678"\n', note="names that end in something else"),
    Case('password = "Enter your password"\n', note="a sentence"),
    Case('def test_login():\n    login(password="Tr0ub4dor&3x")\n', path="tests/test_login.py", note="test file"),
    Case('SECRET_KEY = "{}"\nTOKEN_FMT = "%(token)s"\n', note="templates"),
]

INVALID = [
    Case(
        'import pymysql\n\ndef handler(event, context):\n    return pymysql.connect(host="db", password="Tr0ub4dor&3x")\n',
        line=4,
        message="`********` in `password`",
        unsafe=True,
        fixed='import pymysql\nimport os\n\ndef handler(event, context):\n    return pymysql.connect(host="db", password=os.environ["PASSWORD"])\n',
    ),
    Case('class Config:\n    SECRET_KEY = "django-insecure-8f9s7d6f5g4h3j2k"\n', line=2, message="Key `********` in `SECRET_KEY`", unsafe=True,
         fixed='import os\n\nclass Config:\n    SECRET_KEY = os.environ["SECRET_KEY"]\n'),
    Case('settings = {"db_password": "Tr0ub4dor&3x"}\n', line=1, unsafe=True, fixed='import os\n\nsettings = {"db_password": os.environ["DB_PASSWORD"]}\n'),
    Case('def login(user, password="Tr0ub4dor&3x"):\n    return user\n', line=1, note="parameter default"),
    Case('def check(token):\n    return token == "a8f5f167f44f4964e6c998dee827110c"\n', line=2, note="comparison"),
    Case('class Api:\n    def __init__(self):\n        self.api_key = "a8f5f167f44f4964e6c998dee827110c"\n', line=3, unsafe=True,
         fixed='import os\n\nclass Api:\n    def __init__(self):\n        self.api_key = os.environ["API_KEY"]\n'),
    Case('import os\nos.environ["DB_PASSWORD"] = "Tr0ub4dor&3x"\n', line=2, note="setting the environment in code"),
    Case('headers = {"Authorization": "Bearer a8f5f167f44f4964e6c998dee827110c"}\n', line=1, message="Authorization header value `****"),
    Case('def test_login():\n    login(password="Tr0ub4dor&3x")\n', path="tests/test_login.py", options={"secrets-in-tests": True}, line=2, note="option: test files"),
    Case('os = None\npassword = "Tr0ub4dor&3x"\n', line=2, unsafe=True, fixed='os = None\npassword = "Tr0ub4dor&3x"\n', note="`os` is rebound: no fix"),
]
