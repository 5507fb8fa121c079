"""Randomness used at import time in an edge module.

## What it does
Finds calls that need entropy and run when an edge module is imported: at module level, in a
class body, in a default argument value or a decorator, in an edge function's module or any
project module it imports. Calls inside functions (they run per request) are fine, and so is
code under `if __name__ == "__main__":`.

{entropy}

## Why is this bad?
Cloudflare deploys a Python Worker by importing its modules once and taking a snapshot of the
WebAssembly memory; every isolate then starts from that snapshot. At that point the runtime has
no entropy source (`crypto.getRandomValues()` throws at top level), so the runtime makes these
calls raise and the deploy fails. Even where they could run, a value created at import time
would be baked into the snapshot and shared by every isolate: the same "random" session id,
nonce or seed everywhere.

## Example
```python
import uuid

from workers import Response, WorkerEntrypoint

INSTANCE_ID = uuid.uuid4().hex


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response(INSTANCE_ID)
```

## Use instead
```python
import uuid

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        INSTANCE_ID = uuid.uuid4().hex
        return Response(INSTANCE_ID)
```

## Fix safety
When the value is assigned to a module-level name (`NAME = ...`, alone on its lines) that only
one function of the module reads, and no other module imports, the fix moves the assignment to
the top of that function. It is unsafe: the value is now created on every call of the function
instead of once per isolate. Otherwise no automatic fix is offered.

## Options
None.

## References
- [Cloudflare: how Python Workers work (memory snapshots)](https://developers.cloudflare.com/workers/languages/python/how-python-workers-work/)
- [workerd: top-level entropy patches](https://github.com/cloudflare/workerd/tree/main/src/pyodide/internal/topLevelEntropy)
"""
from __future__ import annotations

import ast
import re

from sls_lint.astindex import nodes_of
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.edge import ENTROPY_ALLOWED, ENTROPY_CALLS, edge_module, edge_modules, import_base, render_table
from sls_lint.fixers.registry import FixError, register
from sls_lint.rule import Case, Rule

__doc__ = __doc__.replace("{entropy}", render_table("entropy"))


def entropy_reason(qual: str | None, call: ast.Call) -> str | None:
    """Why a call needs entropy at import time, or None."""
    if not qual:
        return None
    if qual in ENTROPY_CALLS:
        return ENTROPY_CALLS[qual]
    if qual.startswith("secrets.") and qual not in ("secrets.compare_digest", "secrets.SystemRandom"):
        return "reads OS entropy"
    for mod, allowed in ENTROPY_ALLOWED.items():
        if not qual.startswith(mod + "."):
            continue
        rest = qual[len(mod) + 1:]
        head = rest.split(".")[0]
        if head not in allowed:
            return f"uses `{mod}`'s global generator, which the runtime blocks at import time"
        if rest == head:
            if allowed[head] and not call.args and not call.keywords:
                return f"creates a generator seeded from OS entropy (pass a seed)"
            return None
        if head == "SystemRandom":
            return "reads OS entropy"
        return None
    return None


class EdgeEntropyAtImport(Rule):
    code = "SLS305"
    name = "edge-entropy-at-import"
    summary = "Randomness used at import time in an edge module"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    prefilter = ("random", "uuid", "secrets", "urandom")

    def begin_module(self, ctx) -> None:
        self._edge = edge_module(ctx)

    def visit_Call(self, node: ast.Call, ctx) -> None:
        if self._edge is None:
            return
        model = ctx.model
        if model.scope_at(node).kind not in ("module", "class") or _under_main_guard(model, node):
            return
        qual = model.call_name(node)
        reason = entropy_reason(qual, node)
        if reason is None:
            return
        edge = self._edge
        fix = _move_fix(ctx, node)
        ctx.report(
            node,
            f"`{qual}(...)` {reason} and runs when the module is imported: Cloudflare imports edge modules at deploy time to take a memory snapshot, where this raises (and a value made then would be shared by every isolate); call it inside the handler. This module runs in {edge.describe()}",
            fix=fix or FixIntent("display-only", "Create the value inside the function that uses it", Applicability.DISPLAY_ONLY),
            function=edge.function,
        )


def _under_main_guard(model, node: ast.AST) -> bool:
    cur = model.parents.get(node)
    while cur is not None:
        if isinstance(cur, ast.If) and "__name__" in ast.unparse(cur.test) and "__main__" in ast.unparse(cur.test):
            return True
        cur = model.parents.get(cur)
    return False


def _move_fix(ctx, call: ast.Call) -> FixIntent | None:
    model = ctx.model
    stmt = model.parents.get(call)
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = model.parents.get(stmt)
    if not (isinstance(stmt, ast.Assign) and model.parents.get(stmt) is model.tree and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return None
    name = stmt.targets[0].id
    if len(model.module_scope.bindings.get(name, [])) != 1 or name in model.module_scope.imports:
        return None
    lines = model.lines
    if lines[stmt.lineno - 1][: stmt.col_offset].strip() or lines[stmt.end_lineno - 1][stmt.end_col_offset:].strip().lstrip("#") != lines[stmt.end_lineno - 1][stmt.end_col_offset:].strip():
        return None
    if any(s is not stmt and s.lineno <= stmt.end_lineno and s.end_lineno >= stmt.lineno for s in model.tree.body):
        return None
    users: dict[int, object] = {}
    # (a global/nonlocal declaration of the name rules it out whatever the order)
    if any(name in n.names for n in [*nodes_of(model, ast.Global), *nodes_of(model, ast.Nonlocal)]):
        return None
    for n in nodes_of(model, ast.Name):
        if n.id == name and n is not stmt.targets[0]:
            info = model.enclosing_function(n)
            if info is None or model.scope_at(n) is not info.scope:
                return None
            users[id(info.node)] = info
    if len(users) != 1:
        return None
    info = next(iter(users.values()))
    if name in info.scope.bindings or name in info.scope.params:
        return None
    for n in ast.walk(stmt.value):
        if isinstance(n, ast.Name) and (info.scope.binds(n.id) and n.id != name):
            return None
    # another module imports the name: moving it would break that import
    for em in edge_modules(ctx).values():
        other = ctx.index.model(em.path)
        if other is None or other is model:
            continue
        for imp in nodes_of(other, ast.ImportFrom):
            if any(a.name in (name, "*") for a in imp.names):
                base = import_base(other, imp)
                if ctx.index.find_module(base, em.path) == model.path:
                    return None
    body = info.node.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        if len(body) == 1:
            return None
        first = body[1]
    if first.lineno <= info.node.body[0].lineno and first.lineno == info.node.lineno or lines[first.lineno - 1][: first.col_offset].strip():
        return None
    indent = lines[first.lineno - 1][: first.col_offset]
    return FixIntent(
        "move-into-function",
        f"Create `{name}` inside `{info.qualname}` (once per call instead of once per isolate)",
        Applicability.UNSAFE,
        ctx.span(stmt),
        (("before_line", first.lineno), ("indent", indent)),
    )


_BREAK = re.compile(r"(\r\n|\r|\n)")


@register("move-into-function")
def move_into_function(source: str, intent: FixIntent) -> str:
    """Move the whole-line statement at ``intent.target`` to just before line ``before_line``,
    indented with ``indent``."""
    target = intent.target
    before = intent.param("before_line")
    indent = intent.param("indent", "")
    if target is None or not isinstance(before, int):
        raise FixError("move-into-function needs a target and before_line")
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", source)
    if not (1 <= target.line <= target.end_line <= len(lines)) or not (1 <= before <= len(lines)) or target.line <= before <= target.end_line:
        raise FixError("the statement or the function moved")
    moved = lines[target.line - 1: target.end_line]
    newline = _BREAK.search(moved[-1])
    eol = newline.group(1) if newline else "\n"
    text = "".join(moved).rstrip("\r\n")
    first = text.lstrip()
    rest = first.split("\n")
    block = indent + rest[0] + "".join("\n" + (indent + ln if ln.strip() else ln) for ln in rest[1:]) + eol
    out = []
    for i, line in enumerate(lines, 1):
        if i == before:
            out.append(block)
        if target.line <= i <= target.end_line:
            continue
        out.append(line)
    # drop a blank line left doubled where the statement was
    return "".join(out)


WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n"
WRANGLER = 'name = "api"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n'

VALID = [
    Case("import uuid\n\nINSTANCE = uuid.uuid4()\n\ndef handler(event, context):\n    return str(INSTANCE)\n", note="Lambda module"),
    Case("import uuid\n" + WORKER + "        return Response(uuid.uuid4().hex)\n", note="inside the handler"),
    Case("import random\n\nRNG = random.Random(42)\n" + WORKER + "        return Response(str(RNG.random()))\n", note="seeded Random is allowed"),
    Case("import random\n\nSYS = random.SystemRandom()\n" + WORKER + "        return Response(str(SYS.random()))\n", note="creating SystemRandom is allowed; using it per request is fine"),
    Case("import uuid\n\nnew_id = lambda: uuid.uuid4().hex\n" + WORKER + "        return Response(new_id())\n", note="lambda body runs later"),
    Case("import uuid\n" + WORKER + "        return Response('ok')\n\nif __name__ == '__main__':\n    print(uuid.uuid4())\n", note="main guard"),
    Case("import numpy as np\n\nRNG = np.random.default_rng(7)\n" + WORKER + "        return Response(str(RNG.random()))\n"),
]

INVALID = [
    Case(
        "import uuid\n\nINSTANCE_ID = uuid.uuid4().hex\n" + WORKER + "        return Response(INSTANCE_ID)\n",
        line=3,
        unsafe=True,
        fixed="import uuid\n\n" + WORKER + "        INSTANCE_ID = uuid.uuid4().hex\n        return Response(INSTANCE_ID)\n",
    ),
    Case(
        "import os\n\nKEY = os.urandom(32)\nOTHER = KEY\n" + WORKER + "        return Response(str(len(KEY)))\n",
        line=3,
        unsafe=True,
        fixed="import os\n\nKEY = os.urandom(32)\nOTHER = KEY\n" + WORKER + "        return Response(str(len(KEY)))\n",
        note="also used at module level: no fix",
    ),
    Case("import random\n\nrandom.seed()\n" + WORKER + "        return Response('ok')\n", line=3, message="global generator"),
    Case("import random\n\nRNG = random.Random()\n" + WORKER + "        return Response(str(RNG.random()))\n", line=3, message="pass a seed"),
    Case("import secrets\n" + WORKER + "        return Response('ok')\n\ndef sign(msg, key=secrets.token_bytes(16)):\n    return key\n", line=9, note="default value runs at import"),
    Case(
        "import secrets\n\nNONCE = secrets.token_hex(8)\n\ndef nonce():\n    return NONCE\n",
        path="src/util.py",
        files={"src/entry.py": "from util import nonce\n" + WORKER + "        return Response(nonce())\n", "wrangler.toml": WRANGLER},
        line=3,
        unsafe=True,
        message="edge function `api` (src/entry.py → src/util.py)",
        fixed="import secrets\n\n\ndef nonce():\n    NONCE = secrets.token_hex(8)\n    return NONCE\n",
    ),
    Case(
        "import secrets\n\nNONCE = secrets.token_hex(8)\n\ndef nonce():\n    return NONCE\n",
        path="src/util.py",
        files={"src/entry.py": "from util import NONCE\n" + WORKER + "        return Response(NONCE)\n", "wrangler.toml": WRANGLER},
        line=3,
        unsafe=True,
        fixed="import secrets\n\nNONCE = secrets.token_hex(8)\n\ndef nonce():\n    return NONCE\n",
        note="imported by another module: no fix",
    ),
]
