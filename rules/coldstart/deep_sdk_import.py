"""Heavy module imported where a lighter module provides every name the code uses.

## What it does
Finds imports of a heavy convenience module in a function's code (a module a deployed function
loads, or a function it runs per invocation) when every name the code uses from it is also
provided by a much lighter module, according to the measured narrow-import table
(`sls_lint/data/narrow-imports.tsv`):

{table}

Python runs a package's `__init__` whenever one of its submodules is imported, so narrowing an
import helps only where the heavy part is an optional submodule; the table lists only pairs
whose measured saving is real. Candidates that were measured and showed no saving (for example
`boto3` versus `boto3.dynamodb.conditions`, Powertools' root versus `aws_lambda_powertools.logging`,
Google Cloud and Azure clients versus their submodules) are listed in the table's header and
never reported.

Not reported: uses the lighter module does not cover (`plt.subplots()`, `px.scatter()`), the
module object used as a value (`render(plt)`), a heavy module that another import in the same
function's import closure loads anyway (or that the module also uses through another name), `if TYPE_CHECKING:` imports, code no function loads,
savings below `heavy-import-threshold-ms`, and modules removed from the cost table with
`heavy-modules`.

## Why is this bad?
Everything a function imports is paid for in every cold start. `import matplotlib.pyplot`
costs about twice `import matplotlib` (it sets up the pyplot state machine and backend
machinery), which is wasted when the code only needs colormaps or `rcParams`; `plotly.express`
costs five times `plotly.colors` when the code only reads color scales.

## Example
```python
import matplotlib.pyplot as plt
import numpy as np

def handler(event, context):
    values = np.asarray(event["values"], dtype=float)
    colors = plt.cm.viridis(plt.Normalize()(values))
    return {"colors": colors.tolist()}
```

## Use instead
```python
import matplotlib
import numpy as np
from matplotlib.colors import Normalize

def handler(event, context):
    values = np.asarray(event["values"], dtype=float)
    colors = matplotlib.colormaps["viridis"](Normalize()(values))
    return {"colors": colors.tolist()}
```

## Fix safety
The fix rewrites `from <heavy> import a, b` to imports of the very same objects from the lighter
modules (`from matplotlib.pyplot import cm` → `from matplotlib import cm`). It is offered only
when every imported name is the identical object there (checked with `is` against the
installed libraries when the table was measured). A module imported as a whole
(`import matplotlib.pyplot as plt`) or names that only have an equivalent (`plt.get_cmap(name)`
→ `matplotlib.colormaps[name]`, `px.colors` → `plotly.colors`) get the advice without an
automatic fix.

## Options
- `heavy-import-threshold-ms` (number, default 100): savings below this are not reported.
- `heavy-modules` (table, module = milliseconds): a heavy module set to 0 is not reported.

## References
- [AWS Lambda: optimizing static initialization](https://docs.aws.amazon.com/lambda/latest/operatorguide/static-initialization.html)
- [Matplotlib: embedding in a web application server](https://matplotlib.org/stable/gallery/user_interfaces/web_application_server_sgskip.html)
- [Python: the import system (packages run `__init__`)](https://docs.python.org/3/reference/import.html#regular-packages)
"""
from __future__ import annotations

import ast
from collections.abc import Mapping

from sls_lint.astindex import nodes_of
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.importcost import costs_for, lookup, module_scope_imports, narrow_table, threshold_ms
from sls_lint.rule import Case, Rule
from sls_lint.rules.coldstart.heavy_import_at_module_scope import HEAVY, THRESHOLD


def render_table() -> str:
    rows = []
    for r in narrow_table():
        names = ", ".join(f"`{n}`" for n, _ in r.same + r.similar)
        rows.append(f"- `{r.heavy}` (~{r.heavy_ms:.0f} ms) → `{r.alternative}` (~{r.alt_ms:.0f} ms) when only {names} are used "
                    f"({r.source}: {r.measured_with})")
    return "\n".join(rows)


__doc__ = __doc__.replace("{table}", render_table())


class DeepSdkImport(Rule):
    code = "SLS503"
    uses_import_closures = True
    name = "deep-sdk-import"
    summary = "Heavy module imported where a lighter module provides every name used"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.SAFE
    options = (THRESHOLD, HEAVY)
    prefilter = tuple(sorted({r.heavy.rsplit(".", 1)[-1] for r in narrow_table()}))

    def visit_Import(self, node: ast.Import, ctx) -> None:
        for alias in node.names:
            row = _row(alias.name)
            if row is None:
                continue
            if alias.asname:
                self._whole(node, ctx, row, alias.asname, None)
            else:
                self._whole(node, ctx, row, alias.name.split(".")[0], alias.name.split(".")[1:])

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx) -> None:
        if node.level:
            return
        base = node.module or ""
        row = _row(base)
        if row is not None:
            self._names(node, ctx, row)
            return
        for alias in node.names:
            row = _row(f"{base}.{alias.name}")
            if row is not None:
                self._whole(node, ctx, row, alias.asname or alias.name, None)

    # ------------------------------------------------------------------ the two import shapes
    def _whole(self, node, ctx, row, local: str, path: list[str] | None) -> None:
        """The heavy module bound to a name: ``import H as a`` (path None: uses are ``a.X``) or
        ``import matplotlib.pyplot`` (uses are ``matplotlib.pyplot.X``)."""
        model = ctx.model
        used = _attribute_uses(model, node, local, path or [])
        if not used:
            return
        self._report(node, ctx, row, used, fixable=False, shown=local if path is None else ".".join([local] + path))

    def _names(self, node: ast.ImportFrom, ctx, row) -> None:
        names = [a.name for a in node.names]
        if "*" in names:
            return
        if _mentions_elsewhere(ctx.model, node, row.heavy):
            return  # the heavy module is used (or relied on) some other way in this module
        same = dict(row.same)
        self._report(node, ctx, row, names, fixable=all(n in same for n in names), shown=None)

    def _report(self, node, ctx, row, used: list[str], *, fixable: bool, shown: str | None) -> None:
        model = ctx.model
        same, similar = dict(row.same), dict(row.similar)
        if not all(n in same or n in similar for n in used):
            return
        if node in model.type_checking_imports or row.saving_ms < threshold_ms(ctx):
            return
        costs = costs_for(ctx)
        overrides = ctx.option("heavy-modules")
        if isinstance(overrides, Mapping) and overrides.get(row.heavy) == 0 or lookup(costs.table, row.heavy) is None:
            return  # removed from the cost table with `heavy-modules`
        fn = self._function(node, ctx, row)
        if fn is None:
            return
        uses = ", ".join(f"`{(shown + '.') if shown else ''}{n}`" for n in dict.fromkeys(used))
        advice = "; ".join(f"`{(shown + '.') if shown else ''}{n}` → `{same.get(n) or similar[n]}`" for n in dict.fromkeys(used))
        fix = None
        if fixable:
            code = _narrowed(node, same)
            fix = FixIntent("replace-node", f"Import from `{row.alternative}` instead of `{row.heavy}`", Applicability.SAFE, ctx.span(node), (("code", code),))
        ctx.report(
            node,
            f"`{row.heavy}` (~{row.heavy_ms:.0f} ms to import) is loaded for {uses} only, which `{row.alternative}` provides "
            f"(~{row.alt_ms:.0f} ms; measured with {row.measured_with}): {advice}; saves ~{row.saving_ms:.0f} ms of every cold start of `{fn.name}`",
            fix=fix,
            function=fn.name,
        )

    def _function(self, node, ctx, row):
        """A deployed function that pays for this import and does not load the heavy module
        through another import of its closure anyway."""
        model = ctx.model
        costs = costs_for(ctx)
        reach = ctx.reach_of(node)
        if model.enclosing_function(node) is not None:
            candidates = [reach.function] if reach is not None else []
        else:
            candidates = [fn for fn, _chain in costs.functions_loading(ctx.path)]
        for fn in candidates:
            closure = costs.closure(fn)
            if closure is None or not _loaded_elsewhere(ctx, closure, node, row.heavy):
                return fn
        return None


def _row(dotted: str):
    for r in narrow_table():
        if r.heavy == dotted:
            return r
    return None


def _attribute_uses(model, node, local: str, path: list[str]) -> list[str] | None:
    """Names ``X`` of every ``local[.path].X`` use bound by this import; None when the module
    object is used any other way (passed, returned, subscripted) or not used at all."""
    scope = model.scope_at(node)
    out: list[str] = []
    for n in nodes_of(model, ast.Name):
        if not (n.id == local and isinstance(n.ctx, ast.Load)):
            continue
        found = model.lookup(n.id, model.scope_at(n))
        if found is None or found[0] is not scope:
            continue
        cur: ast.AST = n
        ok = True
        for part in path:
            parent = model.parents.get(cur)
            if not (isinstance(parent, ast.Attribute) and parent.attr == part):
                ok = False
                break
            cur = parent
        if not ok:
            if path:
                continue  # `matplotlib.use(...)`: another part of the package
            return None
        parent = model.parents.get(cur)
        if not isinstance(parent, ast.Attribute):
            return None
        out.append(parent.attr)
    return out or None


def _mentions_elsewhere(model, node: ast.AST, heavy: str) -> bool:
    """The module refers to the heavy module outside this import (``matplotlib.pyplot`` used
    through another name relies on it being imported)."""
    last = heavy.rsplit(".", 1)[-1]
    # any order: the answer is whether some node matches
    for n in [*nodes_of(model, ast.Attribute), *nodes_of(model, ast.Import), *nodes_of(model, ast.ImportFrom)]:
        if n is node or model.parents.get(n) is node:
            continue
        if isinstance(n, ast.Attribute) and n.attr == last:
            return True
        if isinstance(n, (ast.Import, ast.ImportFrom)) and n is not node:
            mods = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""] + [f"{n.module}.{a.name}" for a in n.names]
            if any(m == heavy or m.startswith(heavy + ".") for m in mods):
                return True
    return False


def _loaded_elsewhere(ctx, closure, node, heavy: str) -> bool:
    for path in closure.modules:
        model = ctx.index.model(path)
        if model is None:
            continue
        for imp in module_scope_imports(model):
            if imp is node:
                continue
            if isinstance(imp, ast.Import):
                mods = [a.name for a in imp.names]
            else:
                base = model._resolve_from(imp)
                mods = [base] + [f"{base}.{a.name}" for a in imp.names]
            if any(m == heavy or m.startswith(heavy + ".") for m in mods):
                return True
    return False


def _narrowed(node: ast.ImportFrom, same: dict[str, str]) -> str:
    groups: dict[str, list[str]] = {}
    for a in node.names:
        module, _, name = same[a.name].rpartition(".")
        groups.setdefault(module, []).append(name if not a.asname and name == a.name else f"{name} as {a.asname or a.name}")
    return "\n".join(f"from {module} import {', '.join(names)}" for module, names in groups.items())


_H = "def handler(event, context):\n"

VALID = [
    Case("import io\nimport matplotlib.pyplot as plt\n\n" + _H + "    fig, ax = plt.subplots()\n    ax.plot(event['values'])\n    buf = io.BytesIO()\n    fig.savefig(buf, format='png')\n    plt.close(fig)\n    return buf.getvalue()\n", note="pyplot really used"),
    Case("import matplotlib.pyplot as plt\nfrom charts import draw\n\n" + _H + "    return plt.cm.viridis(0.5), draw()\n", files={"charts.py": "import matplotlib.pyplot as plt\n\ndef draw():\n    return plt.figure()\n"},
         note="another module of the closure loads pyplot anyway"),
    Case("import matplotlib.pyplot as plt\n\ndef render(mod):\n    return mod.cm\n\n" + _H + "    return render(plt)\n", note="the module object is passed on"),
    Case("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from matplotlib.pyplot import Normalize\n\n" + _H + "    return event\n", note="TYPE_CHECKING import"),
    Case("import matplotlib.pyplot as plt\n\n" + _H + "    return plt.cm.viridis(0.5)\n", options={"heavy-import-threshold-ms": 500}, note="saving below the threshold"),
    Case("import matplotlib.pyplot as plt\n\n" + _H + "    return plt.cm.viridis(0.5)\n", options={"heavy-modules": {"matplotlib.pyplot": 0}}, note="removed from the cost table"),
    Case("from boto3.dynamodb.conditions import Key\nimport boto3\n\ntable = boto3.resource('dynamodb').Table('t')\n\n" + _H + "    return table.query(KeyConditionExpression=Key('pk').eq(event['id']))\n",
         note="measured: boto3.dynamodb.conditions costs as much as boto3"),
    Case("import plotly.express as px\n\n" + _H + "    return px.scatter(x=event['x'], y=event['y']).to_json()\n", note="plotly.express really used"),
    Case("import matplotlib\nfrom matplotlib.pyplot import cm\n\n" + _H + "    return cm.viridis(0.5), matplotlib.pyplot.gcf()\n", note="pyplot also used through another name"),
    Case("import matplotlib.pyplot as plt\n\ndef legend():\n    return plt.cm.viridis(0.5)\n", note="no function loads the module"),
]

INVALID = [
    Case("import matplotlib.pyplot as plt\nimport numpy as np\n\n" + _H + "    values = np.asarray(event['values'], dtype=float)\n    return plt.cm.viridis(plt.Normalize()(values)).tolist()\n",
         line=1, message="for `plt.cm`, `plt.Normalize` only, which `matplotlib` provides"),
    Case("from matplotlib.pyplot import cm, Normalize as Norm\n\n" + _H + "    return cm.viridis(Norm()(event['v']))\n", line=1,
         fixed="from matplotlib import cm\nfrom matplotlib.colors import Normalize as Norm\n\n" + _H + "    return cm.viridis(Norm()(event['v']))\n"),
    Case("from matplotlib import pyplot as plt\n\n" + _H + "    return plt.get_cmap('viridis')(0.5)\n", line=1, message="`plt.get_cmap` → `matplotlib.colormaps[name]`"),
    Case("import plotly.express as px\nimport plotly.graph_objects as go\n\n" + _H + "    fig = go.Figure(go.Bar(y=event['y'], marker_color=px.colors.qualitative.Plotly[0]))\n    return fig.to_json()\n",
         line=1, message="`px.colors` → `plotly.colors`"),
    Case(_H + "    import matplotlib.pyplot\n    return matplotlib.pyplot.rcParams['font.size']\n", line=2, message="`matplotlib.pyplot.rcParams` → `matplotlib.rcParams`",
         note="a lazy import still costs on the first invocation"),
]
