"""URL with an inline password.

## What it does
Finds URL literals that carry a password: `postgresql://user:pass@host/db`,
`mysql://…`, `mongodb+srv://user:pass@…`, `redis://:pass@…`, `amqp://…`, or any other
`scheme://user:password@host`. The message shows the URL with the password masked.

Not reported: passwords that are templates or placeholders (`${DB_PASSWORD}`, `{password}`,
`%(password)s`, `<password>`, `****`, `password`), URLs whose host is a local development host
(`localhost`, `127.0.0.1`, `host.docker.internal`, `*.example.com`, `*.test`), and test files
(see Options).

## Why is this bad?
A connection string is usually copied around whole: into logs, error messages, tracing spans
and other services' configuration. With the password inside, every copy leaks the database.
The password also cannot be rotated without changing and redeploying the code.

## Example
```python
import sqlalchemy

engine = sqlalchemy.create_engine("postgresql://app:N0tS0S3cret@db.prod.internal:5432/orders")
```

## Use instead
```python
import os

import sqlalchemy

engine = sqlalchemy.create_engine(os.environ["DATABASE_URL"])
```

## Fix safety
The fix replaces the whole URL literal with `os.environ["NAME"]` (adding `import os`), NAME
derived from the target (`DB_URL = …` -> `DB_URL`) or from the scheme (`DATABASE_URL`,
`REDIS_URL`, `MONGODB_URI`, …). It is unsafe: the code fails with `KeyError` until the variable
is set, which should come from the platform's secret store (the message says which). A URL
inside an f-string or a longer string gets no automatic fix.

## Options
- `secrets-in-tests` (boolean, default false): also report in test files (`test-paths`).

## References
- [RFC 3986 section 3.2.1: user information (deprecated `user:password`)](https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1)
- [AWS: RDS Proxy and Secrets Manager](https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html)
"""
from __future__ import annotations

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.secrets import TESTS_OPTION, python_secrets, report_python


class CredentialsInUrl(Rule):
    code = "SLS403"
    name = "credentials-in-url"
    summary = "URL with an inline password"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    options = (RuleOption(*TESTS_OPTION),)
    prefilter = ("://",)

    def visit_Module(self, node, ctx) -> None:
        for secret in python_secrets(ctx):
            if secret.code == self.code:
                report_python(self, ctx, secret)


VALID = [
    Case('DB = "postgresql://app@db.prod.internal/orders"\nAPI = "https://api.example.com/v1?token=x"\n', note="no password"),
    Case('DB = "postgresql://app:${DB_PASSWORD}@db.prod.internal/orders"\nR = "redis://:{password}@cache:6379"\nM = "mysql://u:%(pw)s@h/db"\n', note="templates"),
    Case('DB = "postgresql://postgres:postgres@localhost:5432/dev"\nR = "redis://:devpass@127.0.0.1:6379/0"\n', note="local development hosts"),
    Case('DB = "postgresql://user:password@db.prod.internal/orders"\nX = "mysql://root:****@h/db"\n', note="placeholders"),
    Case('def test_db():\n    url = "postgresql://app:N0tS0S3cret@db.prod.internal/orders"\n', path="tests/test_db.py", note="test file"),
    Case('import os\nDB = f"postgresql://app:{os.environ[\'PW\']}@db.prod.internal/orders"\n', note="f-string with a lookup"),
]

INVALID = [
    Case(
        'import sqlalchemy\n\nengine = sqlalchemy.create_engine("postgresql://app:N0tS0S3cret@db.prod.internal:5432/orders")\n',
        line=3,
        message="postgresql://app:********@db.prod.internal:5432",
        unsafe=True,
        fixed='import sqlalchemy\nimport os\n\nengine = sqlalchemy.create_engine(os.environ["DATABASE_URL"])\n',
    ),
    Case('REDIS_CACHE_URL = "rediss://:N0tS0S3cret@cache.prod.internal:6380/0"\n', line=1, unsafe=True,
         fixed='import os\n\nREDIS_CACHE_URL = os.environ["REDIS_CACHE_URL"]\n', note="NAME from the target"),
    Case('MONGO = "mongodb+srv://svc:N0tS0S3cret@cluster0.abcde.mongodb.net/app?retryWrites=true"\n', line=1, message="mongodb+srv://svc:********@"),
    Case('db_password = "postgresql://app:N0tS0S3cret@db.prod.internal/orders"\n', line=1, count=1, options={"extend-select": ["SLS402"]},
         note="one finding per secret (SLS403 wins over SLS402)"),
    Case('import logging\nlogging.info("connecting to amqp://svc:N0tS0S3cret@mq.prod.internal:5672 now")\n', line=2, unsafe=True,
         fixed='import logging\nlogging.info("connecting to amqp://svc:N0tS0S3cret@mq.prod.internal:5672 now")\n', note="inside a longer string: reported, no fix"),
]
