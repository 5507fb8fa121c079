"""Heavy module imported at module scope but used only on some code paths.

## What it does
Finds imports of heavy modules (pandas, numpy, scipy, scikit-learn, torch, tensorflow,
matplotlib, openai, anthropic, Google Cloud and Azure SDKs, ...: the import-cost table plus the
`heavy-modules` option) at module scope of a function's handler module, or of a project module
that it imports, when no use of the imported name runs on every invocation: the uses are in
functions the handler calls only on some paths (or never), or in branches (`if`/`else` arms,
`except` handlers, `case` blocks) that not every invocation takes.

Not reported: imports used on the handler's unconditional path (loops over the event's records
count as run), imports used at module scope (a client or a model built at import time, a
decorator, a default, a class body, a module-level annotation that is evaluated), imports under
`if TYPE_CHECKING:`, modules that no deployed function loads, modules the project re-exports,
and modules whose estimated cost is below `heavy-import-threshold-ms`.

## Why is this bad?
Everything imported at module scope is imported during the cold start of every execution
environment, whether or not the invocation needs it: `import pandas` costs about 0.5 s,
`import sklearn` 1.5 s and `import anthropic` 2 s on a fast machine, and several times more on a
small Lambda. An import inside the function that needs it is paid only by the invocations that
take that path, once per environment (Python caches imported modules).

## Example
```python
import pandas as pd

def handler(event, context):
    if event.get("format") == "csv":
        return pd.DataFrame(event["rows"]).to_csv()
    return {"rows": event["rows"]}
```

## Use instead
```python
def handler(event, context):
    if event.get("format") == "csv":
        import pandas as pd
        return pd.DataFrame(event["rows"]).to_csv()
    return {"rows": event["rows"]}
```

## Fix safety
The fix moves the import into each function that uses it, at the top of the innermost branch
that runs the use (before loops, `with` and `try` statements), or under `if TYPE_CHECKING:` when
only annotations use it. It is safe, and offered, only when the import is a plain statement of
the module body, nothing else binds the name in the module, no function declares it `global`,
every use is inside a function, annotations are not evaluated at run time (`from __future__
import annotations`, or local variable annotations), no project module imports the name from
this module, and the module does not read its globals dynamically (`globals()`, `vars()`,
`eval`, `exec`). Otherwise the finding comes without a fix.

## Options
- `heavy-import-threshold-ms` (number, default 100): modules whose estimated import cost is
  below this are not reported.
- `heavy-modules` (table, module = milliseconds): add modules to the import-cost table or change
  their cost; 0 removes a module.
- `lazy-import-noqa` (boolean, default false): add `# noqa: PLC0415` to each moved import, so
  that projects that also run Ruff or Pylint (`import-outside-toplevel`) stay clean.

## References
- [AWS Lambda: optimizing static initialization](https://docs.aws.amazon.com/lambda/latest/operatorguide/static-initialization.html)
- [AWS Lambda cold start (Knowledge Center)](https://repost.aws/knowledge-center/lambda-cold-start)
- [Ruff PLC0415 import-outside-top-level](https://docs.astral.sh/ruff/rules/import-outside-top-level/)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import group_by_field, nodes_of
from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.importcost import costs_for, lookup, threshold_ms
from sls_lint.rule import Case, Rule

THRESHOLD = RuleOption("heavy-import-threshold-ms", "number", 100, "Milliseconds; SLS501/SLS503 ignore modules whose estimated import cost is below this.")
HEAVY = RuleOption("heavy-modules", "object", {}, "Import-cost table overrides: module = milliseconds (0 removes a module).")
NOQA = RuleOption("lazy-import-noqa", "boolean", False, "SLS501's fix adds `# noqa: PLC0415` to each import it moves into a function.")
DYNAMIC = ("globals()", "vars()", "eval(", "exec(")


class HeavyImportAtModuleScope(Rule):
    code = "SLS501"
    uses_import_closures = True
    name = "heavy-import-at-module-scope"
    summary = "Heavy module imported at module scope but used only on some code paths"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.SAFE
    options = (THRESHOLD, HEAVY, NOQA)
    prefilter = ("import",)

    def visit_Import(self, node: ast.Import, ctx) -> None:
        self._check(node, ctx)

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx) -> None:
        self._check(node, ctx)

    def _check(self, node, ctx) -> None:
        model = ctx.model
        costs, loaders = self._loaders(ctx)
        if not loaders:  # no deployed function loads the module (most modules): asked once per module
            return
        if node in model.type_checking_imports or model.scope_at(node) is not model.module_scope:
            return
        if model.enclosing_function(node) is not None:
            return
        limit = threshold_ms(ctx)
        done: set[str] = set()
        for edge in costs.edges_of(model.path, node):
            if edge.node is not node or edge.project_path is not None or not edge.local or edge.local in done:
                continue
            done.add(edge.local)
            entry = lookup(costs.table, edge.dotted)
            if entry is None or entry.ms < limit:
                continue
            uses = _uses(model, edge.local, self._names(model))
            if uses is None:
                continue
            runtime, typing_only, module_level = uses
            if module_level or not (runtime or typing_only):
                continue
            ids = frozenset(id(u) for u in runtime)
            missing = [fn for fn, _chain in loaders if not costs.always_uses(fn, model.path, ids)]
            if not missing:
                continue
            # asked last: the re-export table reads the modules that can name this one (most
            # candidates are used on every invocation, so it is rarely needed)
            if edge.local in costs.reexported(model.path):
                continue
            where = _where(model, runtime)
            names = ", ".join(f"`{f.name}`" for f in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            est = " (estimate)" if entry.source == "estimate" else ""
            if runtime:
                detail = f"but no use of it (in {where}) runs on every invocation of {names}"
                advice = "move the import into the function(s) that use it"
            else:
                detail = f"but only type annotations use it, and cold starts of {names} still pay for it"
                advice = "import it under `if TYPE_CHECKING:`"
            fix = self._fix(node, ctx, edge.local, runtime, typing_only, advice)
            ctx.report(
                node,
                f"`{edge.dotted}` (~{entry.ms:,.0f} ms to import{est}) is imported at module scope, {detail}; {advice}",
                fix=fix,
                function=missing[0].name,
            )

    def _loaders(self, ctx) -> tuple:
        """(the run's ImportCosts, the functions whose import closure holds this module), once per module."""
        cached = getattr(self, "_module_loaders", None)
        if cached is None or cached[0] is not ctx.model:
            costs = costs_for(ctx)
            cached = self._module_loaders = (ctx.model, costs, costs.functions_loading(ctx.model.path))
        return cached[1], cached[2]

    def _names(self, model) -> "_NameIndex":
        """The module's Name nodes by identifier (for its imports), built once per module."""
        cached = getattr(self, "_name_index", None)
        if cached is None or cached.model is not model:
            cached = self._name_index = _NameIndex(model)
        return cached

    def _fix(self, node, ctx, name: str, runtime, typing_only, advice: str) -> FixIntent | None:
        model = ctx.model
        if model.parents.get(node) is not model.tree:
            return None
        count = sum(
            1
            for n in nodes_of(model, ast.Import) + nodes_of(model, ast.ImportFrom)
            if model.scope_at(n) is model.module_scope
            for a in n.names
            if (a.asname or (a.name.split(".")[0] if isinstance(n, ast.Import) else a.name)) == name
        )
        if count != 1 or name in model.module_scope.bindings:
            return None
        if any(name in info.scope.globals for info in model.functions.values()):
            return None
        if any(tok in model.source for tok in DYNAMIC):
            return None
        title = f"Move `{name}`'s import into the functions that use it" if runtime else f"Import `{name}` under `if TYPE_CHECKING:`"
        return FixIntent("move-import", title, Applicability.SAFE, ctx.span(node), (("name", name), ("noqa", bool(ctx.option("lazy-import-noqa")))))


def _future_annotations(model) -> bool:
    return any(
        isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(a.name == "annotations" for a in s.names)
        for s in model.tree.body
    )


_SIGNATURE_OWNERS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPE_KINDS = {"function": "local", "module": "module", "class": "class"}


def _annotation_kind(model, node: ast.Name) -> str | None:
    """'signature' | 'local' | 'module' | 'class' for a Name inside an annotation (a parameter's
    or a return annotation; a variable annotation, by the scope it is in), None for any other
    Name. The model records no parent for what it walks without analysing it (parameters with
    their annotations, the inside of a return annotation): a Name without a parent is in a
    signature. Otherwise its parents are followed up to its statement (an annotation holds only
    expressions, and the parts of comprehensions and lambdas inside them)."""
    parents = model.parents
    child, up = node, parents.get(node)
    if up is None:
        return "signature"
    while up is not None:
        cls = up.__class__
        if cls is ast.arg:
            return "signature" if up.annotation is child else None
        if isinstance(up, ast.stmt):
            if cls in _SIGNATURE_OWNERS:
                return "signature" if up.returns is child else None
            if cls is ast.AnnAssign and up.annotation is child:
                return _SCOPE_KINDS.get(model.scope_at(up).kind, "module")
            return None
        child, up = up, parents.get(up)
    return None


class _NameIndex:
    """One module's facts that ``_uses`` reads for every import: Name nodes by identifier (in
    ``ast.walk`` order; only the names imported at module scope, the only ones ``_uses`` looks
    up) and ``from __future__ import annotations``."""

    def __init__(self, model):
        self.model = model
        self.future = _future_annotations(model)
        self.by_id: dict[str, list[ast.Name]] = group_by_field(nodes_of(model, ast.Name), "id", model.module_scope.imports)


def _uses(model, name: str, names: "_NameIndex | None" = None):
    """(runtime uses in functions, annotation-only uses, uses at module scope), or None when the
    name is bound in other ways at module scope."""
    scope = model.module_scope
    if name not in scope.imports or name in scope.bindings:
        return None
    if names is None or names.model is not model:
        names = _NameIndex(model)
    future = names.future
    runtime: list[ast.Name] = []
    typing_only: list[ast.Name] = []
    module_level: list[ast.Name] = []
    for n in names.by_id.get(name, ()):
        if isinstance(n.ctx, ast.Del):
            return None
        kind = _annotation_kind(model, n)
        if kind is not None:
            if kind == "local" or (future and kind in ("signature", "module")):
                typing_only.append(n)
            else:
                module_level.append(n)  # evaluated when the def / class / module runs
            continue
        if isinstance(n.ctx, ast.Store):
            return None
        found = model.lookup(name, model.scope_at(n))
        if found is None or found[0] is not scope:
            continue
        if model.enclosing_function(n) is None:
            module_level.append(n)
        else:
            runtime.append(n)
    return runtime, typing_only, module_level


def _where(model, uses: list[ast.Name]) -> str:
    names = []
    for u in uses:
        info = model.enclosing_function(u)
        label = f"`{info.qualname}`" if info else "module code"
        if label not in names:
            names.append(label)
    return ", ".join(names[:3]) + (" and others" if len(names) > 3 else "")


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"

VALID = [
    Case("import pandas as pd\n\ndef handler(event, context):\n    return pd.DataFrame(event['rows']).to_csv()\n", note="used on the unconditional path"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    if not event.get('rows'):\n        return {'statusCode': 400}\n    return pd.DataFrame(event['rows']).to_csv()\n", note="a guard clause does not make the rest conditional"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    if event.get('csv'):\n        return pd.DataFrame(event['rows']).to_csv()\n    else:\n        return pd.DataFrame(event['rows']).to_json()\n", note="both arms use it"),
    Case("import numpy as np\n\ndef handler(event, context):\n    for record in event['Records']:\n        np.array(record['body'])\n", note="loop bodies count as run"),
    Case("import numpy as np\n\nMATRIX = np.eye(3)\n\ndef handler(event, context):\n    if event.get('x'):\n        return MATRIX.tolist()\n", note="used at module scope"),
    Case("import openai\n\nclient = openai.OpenAI()\n\ndef handler(event, context):\n    if event.get('ask'):\n        return client.responses.create(model='m', input='x')\n", note="client built at import"),
    Case("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas as pd\n\ndef handler(event, context):\n    return event\n", note="TYPE_CHECKING import"),
    Case("import json\n\ndef handler(event, context):\n    if event.get('x'):\n        return json.dumps(event)\n", note="below the threshold"),
    Case("import pandas as pd\n\ndef report(rows):\n    return pd.DataFrame(rows)\n", note="no function loads this module"),
    Case("import pandas as pd\n\ndef to_frame(rows):\n    return pd.DataFrame(rows)\n\ndef handler(event, context):\n    return to_frame(event['rows']).to_csv()\n", note="used through a helper on every invocation"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    return event\n", note="unused imports are another linter's business (F401)"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    if event.get('x'):\n        return pd.DataFrame()\n", options={"heavy-modules": {"pandas": 0}}, note="removed from the table"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    if event.get('x'):\n        return pd.DataFrame()\n", options={"heavy-import-threshold-ms": 1000}),
    Case("import pandas as pd\n\ndef handler(df: pd.DataFrame, context):\n    if df is None:\n        return pd.DataFrame()\n", note="annotation evaluated when the def runs"),
    Case("import pandas as pd\n\n@pd.api.extensions.register_dataframe_accessor('geo')\nclass Geo:\n    pass\n\ndef handler(event, context):\n    if event.get('x'):\n        return pd.DataFrame()\n", note="decorator at module scope"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    if event.get('x'):\n        return pd.DataFrame()\n",
         files={"other.py": "from handler import pd\n"}, note="re-exported to another module"),
]

INVALID = [
    Case(
        "import pandas as pd\n\ndef handler(event, context):\n    if event.get('format') == 'csv':\n        return pd.DataFrame(event['rows']).to_csv()\n    return event\n",
        line=1,
        message="no use of it (in `handler`) runs on every invocation of `handler.py:handler`",
        fixed="def handler(event, context):\n    if event.get('format') == 'csv':\n        import pandas as pd\n        return pd.DataFrame(event['rows']).to_csv()\n    return event\n",
    ),
    Case(
        "import json\nimport sklearn.ensemble\n\ndef train(rows):\n    \"\"\"Train.\"\"\"\n    return sklearn.ensemble.RandomForestClassifier().fit(rows)\n\ndef handler(event, context):\n    if event.get('train'):\n        return train(event['rows'])\n    return json.dumps(event)\n",
        line=2,
        fixed="import json\n\ndef train(rows):\n    \"\"\"Train.\"\"\"\n    import sklearn.ensemble\n    return sklearn.ensemble.RandomForestClassifier().fit(rows)\n\ndef handler(event, context):\n    if event.get('train'):\n        return train(event['rows'])\n    return json.dumps(event)\n",
        note="used in a helper called on a branch",
    ),
    Case(
        "import os, pandas as pd\n\ndef handler(event, context):\n    try:\n        if event.get('x'):\n            for r in event['rows']:\n                pd.DataFrame([r])\n    except ValueError:\n        return pd.NA\n    return os.getpid()\n",
        line=1,
        options={"lazy-import-noqa": True},
        fixed="import os\n\ndef handler(event, context):\n    try:\n        if event.get('x'):\n            import pandas as pd  # noqa: PLC0415\n            for r in event['rows']:\n                pd.DataFrame([r])\n    except ValueError:\n        import pandas as pd  # noqa: PLC0415\n        return pd.NA\n    return os.getpid()\n",
        note="two branches, loops transparent, noqa option, split import line",
    ),
    Case(
        "from __future__ import annotations\n\nimport pandas as pd\n\ndef handler(event, context) -> pd.DataFrame | None:\n    return None\n",
        line=3,
        message="type annotations",
        fixed="from __future__ import annotations\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import pandas as pd\n\ndef handler(event, context) -> pd.DataFrame | None:\n    return None\n",
        note="annotation-only use",
    ),
    Case(
        "import pandas as pd\n\ndef report(rows):\n    return pd.DataFrame(rows)\n",
        path="lib/reports.py",
        files={"handler.py": "from lib.reports import report\n\ndef handler(event, context):\n    return event\n"},
        line=1,
        message="`handler.py:handler`",
        note="a project module the handler imports; the handler never calls it",
    ),
    Case(
        "import pandas as pd\n\ndef handler(event, context):\n    if event.get('x'):\n        return pd.DataFrame()\n\ndef debug():\n    return globals()\n",
        line=1,
        fixed="import pandas as pd\n\ndef handler(event, context):\n    if event.get('x'):\n        return pd.DataFrame()\n\ndef debug():\n    return globals()\n",
        note="globals() read dynamically: no fix",
    ),
    Case(
        "import requests\n\ndef create(event, context):\n    return requests.post('https://x', json=event, timeout=5).json()\n\ndef get(event, context):\n    return {'id': event['id']}\n",
        files={"serverless.yml": _SLS + "  create:\n    handler: handler.create\n  get:\n    handler: handler.get\n"},
        line=1,
        message="every invocation of `get`",
        note="a second function in the same module never uses it",
    ),
]
