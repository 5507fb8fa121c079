"""Packages installed with pip while the function runs.

## What it does
Finds `pip install` run from function code: through `subprocess` (`run`, `call`, `check_call`,
`check_output`, `Popen`), `os.system` / `os.popen`, or `pip.main([...])` /
`pip._internal.main([...])`, at module scope of a module a deployed function loads, or in code
that runs per invocation.

## Why is this bad?
Every new execution environment downloads and installs the packages again: seconds to minutes
of cold start, a dependency on PyPI being reachable from the function's network, versions that
change under you between two cold starts, and on Lambda a write to a read-only file system
unless it targets /tmp. Package the dependencies with the function (a deployment package, a
layer or a container image) instead.

## Example
```python
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "pip", "install", "pandas"])

def handler(event, context):
    import pandas
    return pandas.__version__
```

## Use instead
```python
import pandas  # packaged with the function (requirements.txt, a layer or an image)

def handler(event, context):
    return pandas.__version__
```

## Fix safety
No automatic fix: the dependency has to be added to the function's package.

## Options
None.

## References
- [AWS Lambda: deployment packages with dependencies](https://docs.aws.amazon.com/lambda/latest/dg/python-package.html)
- [AWS Lambda layers](https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html)
"""
from __future__ import annotations

import ast
import re

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.importcost import costs_for
from sls_lint.rule import Case, Rule

SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen", "os.system", "os.popen"})
PIP_MAIN = frozenset({"pip.main", "pip._internal.main", "pip._internal.cli.main.main"})


def _text_parts(node: ast.AST) -> list[str] | None:
    """The command's words when they can be read (string, f-string, list/tuple of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values).split()
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for e in node.elts:
            if isinstance(e, ast.Constant) and isinstance(e.value, str):
                out.append(e.value)
            else:
                out.append("X")
        return out
    return None


def _is_pip_install(words: list[str]) -> bool:
    for i, w in enumerate(words):
        base = w.rsplit("/", 1)[-1]
        starts = i == 0 or words[i - 1] in ("&&", ";", "||", "sudo", "then", "-c") or words[i - 1].endswith((";", "&&"))
        if starts and re.fullmatch(r"pip3?(\.\d+)?", base) and "install" in words[i + 1 : i + 3]:
            return True
        if w == "-m" and i + 2 < len(words) and words[i + 1] == "pip" and words[i + 2] == "install":
            return True
    return False


class RuntimePackageInstall(Rule):
    code = "SLS504"
    uses_import_closures = True
    name = "runtime-package-install"
    summary = "Packages installed with pip at import or per invocation"
    severity = Severity.ERROR
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("pip",)

    def visit_Call(self, node: ast.Call, ctx) -> None:
        qual = ctx.model.call_name(node)
        if qual in PIP_MAIN:
            words = ["pip"] + (_text_parts(node.args[0]) or []) if node.args else []
            how = f"`{qual}(...)`"
        elif qual in SUBPROCESS:
            words = _text_parts(node.args[0]) if node.args else None
            if words is None:
                kw = next((k.value for k in node.keywords if k.arg == "args"), None)
                words = _text_parts(kw) if kw is not None else None
            how = f"`{qual}(...)`"
        else:
            return
        if not words or not _is_pip_install(words):
            return
        reach = ctx.reach_of(node)
        if reach is not None:
            when, fn = f"on every invocation of `{reach.function.name}`", reach.function.name
        elif ctx.model.enclosing_function(node) is None:
            loaders = costs_for(ctx).functions_loading(ctx.path)
            if not loaders:
                return
            when, fn = f"at import, in every cold start of `{loaders[0][0].name}`", loaders[0][0].name
        else:
            return
        ctx.report(node, f"{how} runs `pip install` {when}; package the dependency with the function (requirements, a layer or a container image) instead", function=fn)


VALID = [
    Case("import subprocess\n\ndef handler(event, context):\n    return subprocess.run(['ls', '-l'], check=True, timeout=5)\n"),
    Case("import subprocess, sys\n\ndef install():\n    subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'x'])\n", note="a script helper no handler calls"),
    Case("import subprocess, sys\n\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'x'])\n", path="setup_env.py", note="not a function's module"),
    Case("import subprocess\n\ndef handler(event, context):\n    return subprocess.run(['pip', 'freeze'], capture_output=True, timeout=5).stdout\n", note="not install"),
    Case("import os\n\ndef handler(event, context):\n    return os.system('echo pip install is slow')\n", note="echo"),
]

INVALID = [
    Case("import subprocess\nimport sys\n\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'pandas'])\n\ndef handler(event, context):\n    return event\n", line=4, message="at import"),
    Case("import os\n\ndef handler(event, context):\n    os.system('pip install --target /tmp/x requests')\n    return event\n", line=4, message="on every invocation"),
    Case("import pip\n\ndef ensure():\n    pip.main(['install', 'numpy'])\n\ndef handler(event, context):\n    ensure()\n    return event\n", line=4),
    Case("from subprocess import run\n\ndef handler(event, context):\n    run(f'pip3 install {event[\"pkg\"]}', shell=True)\n", line=4),
]
