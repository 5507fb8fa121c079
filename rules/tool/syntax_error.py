"""File that cannot be parsed.

## What it does
Reports a Python, YAML, JSON or TOML file that cannot be parsed, at the position the parser
gave up. The rest of the run goes on: every other file is still checked.

## Why is this bad?
A file that does not parse cannot be analysed, and will not deploy either. sls-lint reports
it instead of failing the whole run, so one broken file never hides the findings of others.

## Example
```python
def handler(event, context:
    return event
```

## Use instead
```python
def handler(event, context):
    return event
```

## Fix safety
There is no fix.

## Options
None.

## References
- [Python grammar](https://docs.python.org/3/reference/grammar.html)
"""
from __future__ import annotations

from sls_lint.core import Severity
from sls_lint.rule import Case, Rule


class SyntaxErrorRule(Rule):
    code = "SLS001"
    name = "syntax-error"
    summary = "File that cannot be parsed"
    severity = Severity.ERROR
    file_kinds = ("python", "serverless", "cloudformation", "vercel", "wrangler")


VALID = [
    Case("def handler(event, context):\n    return event\n"),
    Case("match = 1\ncase = 2\n", note="soft keywords as names"),
]

INVALID = [
    Case("def handler(event, context:\n    return event\n", line=1),
    Case("print 'hello'\n", line=1, note="Python 2"),
    Case("x = 1\n", path="ok.py", files={"serverless.yml": "service: [unclosed\n"}, count=0, note="the finding is in serverless.yml"),
    Case("service: [unclosed\nfunctions: {}\n", path="serverless.yml", line=2),
]
