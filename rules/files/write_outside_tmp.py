"""File written outside /tmp on a platform whose file system is read-only.

## What it does
Finds code that writes files outside `/tmp` in an AWS Lambda, Vercel or Google Cloud
Functions function: per invocation (the handler and every project function it calls) or at
import time of a module the function loads. Writes are `open()` / `io.open()` / `codecs.open()`
in a write, append, create or update mode, `Path.open("w")`, `Path.write_text` /
`write_bytes` / `touch` / `mkdir` / `unlink` / `rename`, `os.makedirs` / `mkdir` / `remove` /
`rename`, `shutil.copy*` / `move` (the destination), `sqlite3.connect()` on a file the code
then writes (`commit()`, `INSERT` / `UPDATE` / `CREATE` ...), `logging.FileHandler` and
`logging.basicConfig(filename=...)`, `shelve` / `dbm` files opened for writing, `tempfile`
calls with a `dir=` outside `/tmp`, and `DataFrame.to_csv` / `to_parquet` / `savefig` /
`numpy.save` / `joblib.dump` / `torch.save` to a file path.

The path is resolved from string literals, f-strings, `os.path.join`, `Path(...)` and `/`
joins, and module constants; paths next to the code (`__file__`, `os.getcwd()`,
`LAMBDA_TASK_ROOT`) count as outside `/tmp`. Not reported: paths under `/tmp`, `tempfile`
objects and `tempfile.gettempdir()` / `mkdtemp()`, paths read from the environment (`TMPDIR`,
a configured directory), EFS mounts under `/mnt/`, `/dev/null`, in-memory SQLite, read-only
opens, `os.makedirs(..., exist_ok=True)` of a directory that may ship with the code, and
every path the rule cannot resolve. Edge functions are SLS303's business.

## Why is this bad?
The deployed code is read-only on these platforms: Lambda mounts it at `/var/task` and only
`/tmp` is writable (512 MB by default, up to 10 GB), Vercel functions are read-only except
`/tmp`, and Cloud Functions can write only to `/tmp`, an in-memory file system that uses the
function's memory. A write anywhere else fails with `OSError: [Errno 30] Read-only file
system` on the first invocation that takes that path, and often only in production, since the
same code works on a laptop. A write at import time fails every cold start.

Even `/tmp` is scratch space: it is local to one execution environment and disappears with it.
Data that must outlive the invocation belongs in object storage (S3, Vercel Blob, Cloud
Storage) or a database.

## Example
```python
import json

def handler(event, context):
    with open("last_event.json", "w") as fh:
        json.dump(event, fh)
    return {"statusCode": 200}
```

## Use instead
```python
import json
import tempfile

def handler(event, context):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as fh:
        json.dump(event, fh)
    return {"statusCode": 200}
```

## Fix safety
No automatic fix: whether the file is scratch data (`/tmp`) or must persist (object storage)
is a decision for the code's owner.

## Options
None.

## References
- [AWS Lambda execution environment (/tmp, read-only /var/task)](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
- [Configuring ephemeral storage for Lambda](https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html)
- [Vercel Functions limitations](https://vercel.com/docs/functions/limitations)
- [Cloud Functions tips: temporary files](https://firebase.google.com/docs/functions/tips)
"""
from __future__ import annotations

import ast
import re

from sls_lint.catalog import FILE_WRITE_CALLS, FILE_WRITE_KEYWORDS, OPEN_CALLS, PATH_WRITE_METHODS, is_path_expr, is_write_mode
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.importcost import costs_for
from sls_lint.rule import Case, Rule
from sls_lint.rules.files._shared import literal_str, temp_derived
from sls_lint.semantic import keyword

# platform -> what its file system allows (facts: serverless-facts.md 3.2, 3.3, 6.1)
READ_ONLY = {
    "aws-lambda": "Lambda's file system is read-only except /tmp (the code in /var/task cannot be written)",
    "vercel": "Vercel functions' file system is read-only except /tmp",
    "gcp-functions": "Cloud Functions can write only under /tmp (an in-memory file system that uses the function's memory)",
}
TEMPFILE_DIR = {  # tempfile call -> positional index of `dir`
    "tempfile.NamedTemporaryFile": None, "tempfile.TemporaryFile": None, "tempfile.SpooledTemporaryFile": None,
    "tempfile.mkstemp": 2, "tempfile.mkdtemp": 2, "tempfile.TemporaryDirectory": 2,
}
# writers that take a destination path: call -> (positional index, keyword)
SAVE_CALLS = {
    "numpy.save": (0, "file"), "numpy.savez": (0, "file"), "numpy.savez_compressed": (0, "file"), "numpy.savetxt": (0, "fname"),
    "joblib.dump": (1, "filename"), "torch.save": (1, "f"),
}
SAVE_METHODS = {  # method on any receiver whose first argument is a file path
    "to_csv": "path_or_buf", "to_excel": "excel_writer", "to_parquet": "path", "to_pickle": "path", "to_feather": "path",
    "to_hdf": "path_or_buf", "savefig": "fname",
}
SAFE_PREFIXES = ("/tmp", "/dev/", "/proc/self/fd", "/mnt/")
SQL_WRITE = re.compile(r"^\s*(insert|update|delete|create|replace|drop|alter|upsert|vacuum|pragma\s+journal_mode)\b", re.I)


class WriteOutsideTmp(Rule):
    code = "SLS602"
    # what _write can accept: a call of these names, or of these methods
    call_names = frozenset({*OPEN_CALLS, *FILE_WRITE_CALLS, "logging.basicConfig", *TEMPFILE_DIR, *SAVE_CALLS})
    call_attrs = frozenset({*PATH_WRITE_METHODS, "open", *SAVE_METHODS, "save"})
    uses_import_closures = True
    name = "write-outside-tmp"
    summary = "File written outside /tmp on a read-only platform"
    severity = Severity.ERROR
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("open", "write_", "touch", "mkdir", "makedirs", "unlink", "rename", "replace", "remove", "shutil", "FileHandler",
                 "basicConfig", "sqlite3", "shelve", "dbm", "tempfile", "to_", "savefig", "save", "dump")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        found = self._write(model, node)
        if found is None:
            return
        what, target = found
        where = _classify(model, target)
        if where is None:
            return
        runner = _runner(ctx, node)
        if runner is None:
            return
        fn, when = runner
        ctx.report(
            node,
            f"{what} writes {where} outside /tmp {when}; {READ_ONLY[fn.platform]}, so this fails with `Read-only file system`: "
            "write scratch files under /tmp (`tempfile`) and keep what must outlive the invocation in object storage",
            function=fn.name,
        )

    # ------------------------------------------------------------------ what writes where
    def _write(self, model, node: ast.Call) -> tuple[str, ast.AST] | None:
        qual = model.call_name(node) or ""
        func = node.func
        if qual in OPEN_CALLS:
            mode = _arg(node, 1, "mode")
            if not is_write_mode(mode):
                return None
            target = _arg(node, 0, "file" if qual != "codecs.open" else "filename")
            return (f"`{qual}(..., {mode.value!r})`", target) if target is not None else None
        if qual in FILE_WRITE_CALLS:
            if qual in ("os.makedirs", "os.mkdir") and _true(keyword(node, "exist_ok")):
                return None
            target = _arg(node, FILE_WRITE_CALLS[qual], FILE_WRITE_KEYWORDS.get(qual, ""))
            if target is None:
                return None
            if qual == "sqlite3.connect" and not _sqlite_written(model, node, target):
                return None
            if qual == "shelve.open" and _const(_arg(node, 1, "flag")) == "r":
                return None
            if qual == "dbm.open" and _const(_arg(node, 1, "flag")) not in ("c", "n", "w"):
                return None
            return f"`{qual}(...)`", target
        if qual == "logging.basicConfig":
            target = _arg(node, 99, "filename")
            return ("`logging.basicConfig(filename=...)`", target) if target is not None else None
        if qual in TEMPFILE_DIR:
            pos = TEMPFILE_DIR[qual]
            target = _arg(node, pos if pos is not None else 99, "dir")
            return (f"`{qual}(dir=...)`", target) if target is not None else None
        if qual in SAVE_CALLS:
            pos, kw = SAVE_CALLS[qual]
            target = _arg(node, pos, kw)
            return (f"`{qual}(...)`", target) if target is not None else None
        if isinstance(func, ast.Attribute):
            recv = func.value
            if func.attr in PATH_WRITE_METHODS and is_path_expr(model, recv):
                if func.attr == "mkdir" and _true(keyword(node, "exist_ok")):
                    return None
                return f"`Path.{func.attr}(...)`", recv
            if func.attr == "open" and is_path_expr(model, recv) and is_write_mode(_arg(node, 0, "mode")):
                return f"`Path.open({_arg(node, 0, 'mode').value!r})`", recv
            if func.attr in SAVE_METHODS:
                target = _arg(node, 0, SAVE_METHODS[func.attr])
                return (f"`.{func.attr}(...)`", target) if target is not None else None
            if func.attr == "save" and (model.instance_type(recv) or "").startswith("PIL.Image."):
                target = _arg(node, 0, "fp")
                return ("`Image.save(...)`", target) if target is not None else None
        return None


def _arg(call: ast.Call, pos: int | None, kw: str) -> ast.AST | None:
    k = keyword(call, kw) if kw else None
    if k is not None:
        return k.value
    if pos is not None and len(call.args) > pos and not any(isinstance(a, ast.Starred) for a in call.args[: pos + 1]):
        return call.args[pos]
    return None


def _const(node: ast.AST | None):
    return node.value if isinstance(node, ast.Constant) else None


def _true(k: ast.keyword | None) -> bool:
    return k is not None and not (isinstance(k.value, ast.Constant) and not k.value.value)


def _classify(model, target: ast.AST) -> str | None:
    """How to name the written place when it is certainly outside /tmp; None when it is under
    /tmp, chosen from the environment or unknown."""
    if _code_dir(model, target):
        return f"next to the deployed code (`{model.node_text(target)[:60]}`)"
    if temp_derived(model, target):
        return None
    text = literal_str(model, target)
    if text is None:
        return None
    known = text.split("\0", 1)[0]
    if not known or known in (":memory:", "") or known.startswith("file::memory:") or known.startswith(SAFE_PREFIXES):
        return None
    if known.startswith("file:") and re.search(r"[?&](mode=ro|immutable=1)", text):
        return None
    shown = text.replace("\0", "…")
    if not shown.startswith("/"):
        return f"`{shown}` (relative to the working directory, which is the deployed code)"
    return f"`{shown}`"


CODE_ENV = ("LAMBDA_TASK_ROOT",)


def _code_dir(model, expr: ast.AST, depth: int = 0) -> bool:
    """The path starts at the deployed code: ``__file__``, the working directory, LAMBDA_TASK_ROOT."""
    if depth > 8 or expr is None:
        return False
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return True
        sv = model.single_value(expr.id, model.scope_at(expr))
        return sv is not None and sv[0] is not expr and _code_dir(model, sv[0], depth + 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Div, ast.Add)):
        return _code_dir(model, expr.left, depth + 1)
    if isinstance(expr, ast.JoinedStr):
        first = expr.values[0] if expr.values else None
        return isinstance(first, ast.FormattedValue) and _code_dir(model, first.value, depth + 1)
    if isinstance(expr, ast.Attribute) and expr.attr in ("parent", "parents"):
        return _code_dir(model, expr.value, depth + 1)
    if isinstance(expr, ast.Subscript):
        if (model.qualified_name(expr.value) or "") == "os.environ":
            return _const(expr.slice) in CODE_ENV
        return isinstance(expr.value, ast.Attribute) and expr.value.attr == "parents" and _code_dir(model, expr.value, depth + 1)
    if isinstance(expr, ast.Call):
        name = model.call_name(expr) or ""
        if name in ("os.getcwd", "pathlib.Path.cwd"):
            return True
        if name in ("os.getenv", "os.environ.get"):
            return _const(expr.args[0] if expr.args else None) in CODE_ENV
        if name in ("os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "str", "os.fspath"):
            return bool(expr.args) and _code_dir(model, expr.args[0], depth + 1)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in ("resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem"):
            return _code_dir(model, expr.func.value, depth + 1)
    return False


def _sqlite_written(model, call: ast.Call, target: ast.AST) -> bool:
    """The connection is used to write: ``commit()``, ``executescript()`` or a literal write
    statement on it or on a cursor of it (in the scope that binds it)."""
    parent = model.parents.get(call)
    names: set[str] = set()
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        names.add(parent.targets[0].id)
    elif isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        names.add(parent.optional_vars.id)
    elif isinstance(parent, ast.Attribute):  # sqlite3.connect(p).execute(...)
        names.add("")
    if not names:
        return False
    scope = model.scope_at(call)
    body = scope.node
    # cursors of the connection
    for n in ast.walk(body):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            v = n.value
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "cursor" and isinstance(v.func.value, ast.Name) and v.func.value.id in names:
                names.add(n.targets[0].id)
    for n in ast.walk(body):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
            continue
        recv = n.func.value
        on_conn = (isinstance(recv, ast.Name) and recv.id in names) or ("" in names and recv is call)
        if not on_conn:
            continue
        if n.func.attr in ("commit", "executescript", "backup"):
            return True
        if n.func.attr in ("execute", "executemany") and n.args:
            sql = literal_str(model, n.args[0])
            if sql and SQL_WRITE.match(sql):
                return True
    return False


def _runner(ctx, node: ast.AST):
    """(function, when) for a read-only-platform function that runs ``node``: per invocation,
    or at import of a module the function loads (not under ``if __name__ == "__main__":``)."""
    model = ctx.model
    reach = ctx.reach_of(node)
    if reach is not None:
        fn = reach.function
        if fn.platform not in READ_ONLY or fn.runtime_class == "edge":
            return None
        return fn, f"on every invocation of `{fn.name}` ({' → '.join(reach.chain)})"
    if model.enclosing_function(node) is not None or _under_main_guard(model, node):
        return None
    for fn, chain in costs_for(ctx).functions_loading(ctx.path):
        if fn.platform in READ_ONLY and fn.runtime_class != "edge":
            via = f" ({' → '.join(chain)})" if len(chain) > 1 else ""
            return fn, f"at import, in every cold start of `{fn.name}`{via}"
    return None


def _under_main_guard(model, node: ast.AST) -> bool:
    cur = model.parents.get(node)
    while cur is not None:
        if isinstance(cur, ast.If) and "__name__" in model.node_text(cur.test) and "__main__" in model.node_text(cur.test):
            return True
        cur = model.parents.get(cur)
    return False


WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n"
WRANGLER = 'name = "api"\nmain = "handler.py"\ncompatibility_flags = ["python_workers"]\n'

VALID = [
    Case("def handler(event, context):\n    with open('/tmp/out.json', 'w') as fh:\n        fh.write('{}')\n", note="literal /tmp path"),
    Case("import os, tempfile\n\ndef handler(event, context):\n    path = os.path.join(tempfile.gettempdir(), 'report.csv')\n    with open(path, 'w') as fh:\n        fh.write('x')\n", note="tempfile.gettempdir()"),
    Case("import os\n\nOUT = os.environ.get('TMPDIR', '/tmp')\n\ndef handler(event, context):\n    with open(f'{OUT}/x.txt', 'a') as fh:\n        fh.write('x')\n", note="a directory from the environment"),
    Case("from pathlib import Path\n\nSCRATCH = Path('/tmp') / 'cache'\n\ndef handler(event, context):\n    SCRATCH.mkdir(parents=True, exist_ok=True)\n    (SCRATCH / 'a.json').write_text('{}')\n", note="Path under /tmp through a module constant"),
    Case("def handler(event, context):\n    with open('config.json') as fh:\n        return fh.read()\n", note="read mode"),
    Case("def handler(event, context):\n    with open(event['path'], 'w') as fh:\n        fh.write('x')\n", note="unknown path: not reported"),
    Case("def save(path, data):\n    with open(path, 'w') as fh:\n        fh.write(data)\n\ndef handler(event, context):\n    save('/tmp/a', 'x')\n", note="parameter: unknown inside the helper"),
    Case("import sqlite3\n\ndef handler(event, context):\n    conn = sqlite3.connect('geo.db')\n    return conn.execute('SELECT name FROM city WHERE id = ?', (event['id'],)).fetchone()\n", note="a bundled database only read"),
    Case("import sqlite3\n\ndef handler(event, context):\n    conn = sqlite3.connect(':memory:')\n    conn.execute('CREATE TABLE t (x)')\n    conn.commit()\n", note="in-memory database"),
    Case("def export():\n    with open('dump.json', 'w') as fh:\n        fh.write('{}')\n", note="no handler reaches it"),
    Case("import json\n\nif __name__ == '__main__':\n    with open('event.json', 'w') as fh:\n        json.dump({}, fh)\n\ndef handler(event, context):\n    return event\n", note="a local script block"),
    Case("import os\n\ndef handler(event, context):\n    os.makedirs('assets', exist_ok=True)\n    return event\n", note="exist_ok on a directory that may ship with the code"),
    Case("def handler(event, context):\n    with open('/mnt/efs/state.json', 'w') as fh:\n        fh.write('{}')\n", note="EFS mount"),
    Case("import azure.functions as func\n\ndef main(req: func.HttpRequest) -> func.HttpResponse:\n    with open('out.txt', 'w') as fh:\n        fh.write('x')\n    return func.HttpResponse('ok')\n", note="Azure Functions: not in the read-only list"),
    Case(WORKER + "        with open('visits.log', 'a') as fh:\n            fh.write('x')\n        return Response('ok')\n", files={"wrangler.toml": WRANGLER}, note="edge: SLS303 reports it"),
    Case("import tempfile\n\ndef handler(event, context):\n    with tempfile.NamedTemporaryFile('w', dir=tempfile.mkdtemp()) as fh:\n        fh.write('x')\n", note="tempfile dir under the temp dir"),
    Case("import pandas as pd\n\ndef handler(event, context):\n    frame = pd.DataFrame(event['rows'])\n    return frame.to_csv()\n", note="to_csv() without a path returns text"),
]

INVALID = [
    Case("import json\n\ndef handler(event, context):\n    with open('last_event.json', 'w') as fh:\n        json.dump(event, fh)\n", line=4,
         message="`last_event.json` (relative to the working directory"),
    Case("import logging\n\nlogging.getLogger().addHandler(logging.FileHandler('app.log'))\n\ndef handler(event, context):\n    return event\n", line=3,
         message="at import, in every cold start"),
    Case("from pathlib import Path\n\nCACHE = Path(__file__).parent / 'cache'\n\ndef handler(event, context):\n    (CACHE / 'x.json').write_text('{}')\n", line=6,
         message="next to the deployed code"),
    Case("import os, shutil\n\nOUT = 'build'\n\ndef publish(src):\n    shutil.copy(src, os.path.join(OUT, 'latest.bin'))\n\ndef handler(event, context):\n    publish('/tmp/a.bin')\n", line=6,
         message="`build/latest.bin`"),
    Case("import sqlite3\n\ndef handler(event, context):\n    with sqlite3.connect('app.db') as conn:\n        conn.execute('INSERT INTO hits VALUES (?)', (event['id'],))\n", line=4),
    Case("import tempfile\n\ndef handler(event, context):\n    fd, path = tempfile.mkstemp(dir='/var/task/tmp')\n    return path\n", line=4, message="tempfile.mkstemp(dir=...)"),
    Case("import os\n\ndef handler(event, context):\n    with open(os.path.join(os.environ['LAMBDA_TASK_ROOT'], 'seen.txt'), 'a') as fh:\n        fh.write(event['id'])\n", line=4),
    Case("from flask import Flask, request\n\napp = Flask(__name__)\n\n@app.post('/note')\ndef note():\n    with open(f\"notes/{request.json['id']}.txt\", 'x') as fh:\n        fh.write('x')\n    return 'ok'\n",
         path="api/index.py", files={"vercel.json": "{}"}, line=7, message="Vercel functions' file system is read-only"),
    Case("import logging\n\nlogging.basicConfig(filename='/var/log/app.log')\n\ndef handler(event, context):\n    return event\n", line=3, count=1),
    Case("import matplotlib\nmatplotlib.use('Agg')\nfrom matplotlib.figure import Figure\n\ndef handler(event, context):\n    fig = Figure()\n    fig.savefig('chart.png')\n", line=7, message="`.savefig(...)`"),
]
