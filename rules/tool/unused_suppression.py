"""Suppression comment that suppresses nothing.

## What it does
Reports a `# sls-lint: ignore[...]`, `# sls-lint: ignore-file[...]` or `# noqa: SLSxxx` comment
that did not suppress any finding, and one that names a rule code that does not exist. A bare
`# noqa` is left alone, since other tools read it too.

## Why is this bad?
Stale suppressions hide the next real finding on that line, and a mistyped code suppresses
nothing while looking as if it does.

## Example
```python
import requests

def handler(event, context):
    return requests.get("https://x", timeout=5)  # sls-lint: ignore[SLS201]
```

## Use instead
```python
import requests

def handler(event, context):
    return requests.get("https://x", timeout=5)
```

## Fix safety
There is no fix yet; remove the comment or the code from it.

## Options
None.

## References
- [Ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
"""
from __future__ import annotations

from sls_lint.core import Severity
from sls_lint.rule import Case, Rule


class UnusedSuppression(Rule):
    code = "SLS002"
    name = "unused-suppression"
    summary = "Suppression comment that suppresses nothing"
    severity = Severity.WARNING


# the suppressed rule must be enabled for a suppression to be used (or unused)
ALSO = {"extend-select": ["SLS201"]}

VALID = [
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x')  # sls-lint: ignore[SLS201]\n", options=ALSO),
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x')  # noqa: SLS201\n", options=ALSO),
    Case("import requests\n\ndef handler(event, context):\n    # sls-lint: ignore[SLS201]\n    return requests.get(\n        'https://x',\n    )\n", note="line before a multi-line statement", options=ALSO),
    Case("import os  # noqa\n", note="bare noqa belongs to other tools", options=ALSO),
    Case("import os  # noqa: F401\n", note="other tools' codes", options=ALSO),
]

INVALID = [
    Case("import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=5)  # sls-lint: ignore[SLS201]\n", line=4, options=ALSO),
    Case("x = 1  # noqa: SLS999\n", line=1, message="unknown rule code", options=ALSO),
    Case("# sls-lint: ignore-file[SLS201]\nx = 1\n", line=1, options=ALSO),
]
