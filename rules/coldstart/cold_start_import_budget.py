"""Function's estimated import cost exceeds the cold-start budget.

## What it does
Estimates, for each deployed function, what its cold start spends importing modules: the
handler module and every project module it imports at module scope, transitively, and the
third-party and standard-library modules they import, priced with the import-cost table
(measured medians, published figures, and estimates for packages too large to measure, such as
torch and tensorflow). A module that a bigger import already loads (numpy under pandas) is
counted once. When the total is above `cold-start-budget-ms`, the finding on the handler shows
the three biggest contributors and the import chain that brings each one in.

Imports inside functions and under `if TYPE_CHECKING:` are not counted: they do not run during
the cold start.

## Why is this bad?
Module-scope imports run in the init phase of every new execution environment, before the
first request is served: scale-out, deployments and idle periods all pay it again. The table's
numbers come from a 2-vCPU machine; a Lambda with 128-512 MB gets a fraction of a vCPU, so the
real cost is several times higher. Typical Python cold starts spend 0.5-2 s in imports.

## Example
```python
import anthropic
import pandas as pd

client = anthropic.Anthropic()

def handler(event, context):
    frame = pd.DataFrame(event["rows"])
    return client.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": frame.to_csv()}])
```

## Use instead
```python
import csv
import io

import httpx

def handler(event, context):
    out = io.StringIO()
    csv.writer(out).writerows(event["rows"])
    return httpx.post("https://api.example.com/v1/summarize", content=out.getvalue()).json()
```

## Fix safety
No automatic fix: the remedies (lazy imports, a lighter library, splitting the function,
SnapStart or provisioned concurrency) are design choices.

## Options
- `cold-start-budget-ms` (number, default 1000): the most a function may spend importing
  modules at cold start, as estimated from the table.
- `heavy-modules` (table, module = milliseconds): add modules to the import-cost table or change
  their cost; 0 removes a module.

## References
- [AWS Lambda: optimizing static initialization](https://docs.aws.amazon.com/lambda/latest/operatorguide/static-initialization.html)
- [AWS Lambda SnapStart](https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html)
- [Python -X importtime](https://docs.python.org/3/using/cmdline.html#cmdoption-X)
"""
from __future__ import annotations

import ast

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, Severity, Span
from sls_lint.importcost import DEFAULT_BUDGET_MS, costs_for, describe_chain
from sls_lint.rule import Case, Rule
from sls_lint.rules.coldstart.heavy_import_at_module_scope import HEAVY

BUDGET = RuleOption("cold-start-budget-ms", "number", DEFAULT_BUDGET_MS, "Milliseconds; SLS502 reports a function whose estimated module-scope import cost exceeds this.")


class ColdStartImportBudget(Rule):
    code = "SLS502"
    uses_import_closures = True
    name = "cold-start-import-budget"
    summary = "Function's estimated import cost at cold start exceeds the budget"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    options = (BUDGET, HEAVY)

    def visit_Module(self, node: ast.Module, ctx) -> None:
        if not ctx.functions_here:
            return
        budget = ctx.option("cold-start-budget-ms")
        budget = float(budget) if isinstance(budget, (int, float)) and not isinstance(budget, bool) else DEFAULT_BUDGET_MS
        costs = costs_for(ctx)
        for fn in ctx.functions_here:
            closure = costs.closure(fn)
            if closure is None or closure.total_ms <= budget:
                continue
            top = [c for c in closure.contributors if c.ms > 0][:3]
            parts = []
            for c in top:
                est = ", estimate" if c.source == "estimate" else ""
                parts.append(f"{c.module} ~{c.ms:,.0f} ms{est} ({describe_chain(c.chain)})")
            ctx.report(
                _anchor(ctx, fn),
                f"`{fn.name}` imports an estimated {closure.total_ms:,.0f} ms of modules at cold start, above the "
                f"{budget:,.0f} ms budget; biggest: {'; '.join(parts)}. Import rarely used modules inside the functions "
                "that need them, use lighter libraries, or split the function",
                function=fn.name,
                fingerprint=f"{fn.name}",
            )


def _anchor(ctx, fn) -> Span:
    """The first line of the handler's def (or its assignment, for app objects)."""
    model = ctx.model
    name = (fn.handler_callable or "").split(".")[0]
    target = None
    info = model.by_qualname.get(fn.handler_callable or "")
    if info is not None:
        target = info.node
    else:
        for stmt in model.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.name == name:
                target = stmt
            elif isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                target = stmt
    if target is None:
        line = fn.handler_line or 1
        return Span(line, 1, line, 2)
    span = ctx.span(target)
    text = model.lines[target.lineno - 1] if 0 < target.lineno <= len(model.lines) else ""
    return Span(span.line, span.column, span.line, max(span.column + 1, len(text) + 1))


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"

VALID = [
    Case("import boto3\nimport requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=3).json()\n", note="~400 ms"),
    Case("def handler(event, context):\n    import anthropic\n    return anthropic.Anthropic()\n", note="imports inside functions are lazy"),
    Case("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import torch\n\ndef handler(event, context):\n    return event\n"),
    Case("import pandas\nimport numpy\nimport sklearn\n\ndef handler(event, context):\n    return event\n", options={"cold-start-budget-ms": 2050}, note="numpy counted once under pandas and sklearn (2,013 ms)"),
    Case("import pandas\nimport openai\n\ndef report(rows):\n    return rows\n", note="not a handler module"),
    Case("import torch\n\ndef handler(event, context):\n    return event\n", options={"heavy-modules": {"torch": 0}}),
]

INVALID = [
    Case(
        "import anthropic\nimport pandas as pd\n\nclient = anthropic.Anthropic()\n\ndef handler(event, context):\n    return pd.DataFrame(event['rows'])\n",
        line=6,
        count=1,
        message="anthropic ~2,105 ms (handler.py → anthropic); pandas ~486 ms (handler.py → pandas)",
    ),
    Case(
        "from lib import model\n\ndef handler(event, context):\n    return model.predict(event)\n",
        files={"lib/__init__.py": "", "lib/model.py": "import torch\n\ndef predict(x):\n    return torch.tensor(x)\n"},
        line=3,
        message="torch ~2,500 ms, estimate (handler.py → lib/model.py → torch)",
        note="through a project module",
    ),
    Case(
        "import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=3).json()\n",
        options={"cold-start-budget-ms": 100},
        line=3,
        message="requests ~144 ms",
    ),
    Case(
        "import mylib\n\napp = object()\n",
        files={"serverless.yml": _SLS + "  api:\n    handler: handler.app\n    events:\n      - httpApi: '*'\n"},
        options={"heavy-modules": {"mylib": 1500}},
        line=3,
        message="`api` imports an estimated 1,500 ms",
        note="a heavy-modules entry; the handler is an assignment",
    ),
]
