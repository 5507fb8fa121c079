"""Deployment file names a handler that does not exist or cannot take the platform's arguments.

## What it does
Checks the handler each deployment file names against the project's code:
- serverless.yml `handler`, SAM `Handler` with `CodeUri` (SAM `Globals` included) and
  CloudFormation `Handler` with a local `Code` path (YAML or JSON): the module must exist
  under the code folder, bind the callable at module level (a `def`, an assignment such as
  `handler = Mangum(app)`, or an import), and a plain `def` must accept Lambda's two
  positional arguments `(event, context)`;
- AWS CDK apps in Python (`handler=` of `aws_lambda.Function` with `Code.from_asset`,
  `PythonFunction` `entry`/`index`/`handler`): the callable and its arguments, when the
  module is found;
- wrangler.toml / wrangler.json(c) `main`: the Python file must exist.

Not reported, because the code may legitimately be elsewhere: code in S3 or an image, a zip
`CodeUri`, `Metadata: BuildMethod: makefile`, serverless.yml `package.artifact`, modules that
plugins and layers provide (`wsgi_handler` of serverless-wsgi, `datadog_lambda`, ...), paths
outside the project, a module with `from x import *` or a module-level `__getattr__`, and
decorated functions (the decorator decides the signature). CDK assets whose folder cannot be
resolved statically are skipped. Vercel finds its entry points by convention, so vercel.json
names no handler.

## Why is this bad?
The deployment succeeds, and every invocation then fails with `Runtime.ImportModuleError`
(`No module named ...`), `Runtime.HandlerNotFound`, or a `TypeError` about missing
arguments. A renamed file or function, a wrong `CodeUri` or a handler written for another
platform breaks production without any error at deploy time.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: src/orders.create_order
```

```python
# file: src/orders.py
def create(event, context):
    return {"statusCode": 201}
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: src/orders.create
```

```python
# file: src/orders.py
def create(event, context):
    return {"statusCode": 201}
```

## Fix safety
There is no fix: sls-lint cannot know whether the file, the function or the deployment file
is wrong. The message suggests a close name when the module has one.

## Options
None.

## References
- [AWS Lambda: Python handler](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
- [AWS SAM: AWS::Serverless::Function CodeUri and Handler](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html)
- [Cloudflare Python Workers: wrangler configuration](https://developers.cloudflare.com/workers/languages/python/)
"""
from __future__ import annotations

import ast
import posixpath
import re

from sls_lint.astindex import nodes_of, walk_list
from sls_lint.core import Severity, Span
from sls_lint.project.pyast import bound_names, module_statements
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import CDK, CFN, SAM, SERVERLESS, WRANGLER, doc_lines, fmt_of, token_span

# modules that plugins, layers or build steps put next to the code at deploy time
INJECTED = {
    "wsgi_handler", "serverless_wsgi", "datadog_lambda", "newrelic_lambda_wrapper", "newrelic_lambda",
    "serverless_sdk", "sls_sdk", "lumigo_tracer", "epsagon", "thundra", "unzip_requirements",
    "s_", "_datadog",
}


class HandlerNotFound(Rule):
    code = "SLS003"
    name = "handler-not-found"
    summary = "Deployment file names a handler that does not exist or cannot take the platform's arguments"
    severity = Severity.ERROR
    file_kinds = ("serverless", "cloudformation", "cdk", "wrangler")

    def check_project(self, ctx) -> None:
        docs = {d.path: d for d in ctx.project.docs if d.error is None}
        for fn in ctx.project.functions:
            if fn.source_path is None or not ctx.checked(fn.source_path):
                continue
            doc = docs.get(fn.source_path)
            fmt = fmt_of(fn, doc)
            if fmt not in (SERVERLESS, SAM, CFN, CDK, WRANGLER):
                continue
            if fn.get("inline") or fn.get("code_location") or fn.get("unresolved_code"):
                continue
            span = self._span(doc, fn, fmt, doc_lines(ctx, doc.path))
            if span is None:
                continue
            if fn.handler_path is None:
                message = self._missing_module(ctx, doc, fn, fmt)
            elif fn.platform == "aws-lambda":
                message = self._callable(ctx, fn)
            else:
                message = None
            if message:
                ctx.report(doc.path, span, message, function=fn.name)

    # -- where the handler is written -------------------------------------------------------
    @staticmethod
    def _span(doc, fn, fmt: str, lines: list[str]) -> Span | None:
        keypath = tuple(fn.get("keypath") or ())
        if fmt == WRANGLER:
            candidates = [("main",)]
        elif fmt == SERVERLESS:
            candidates = [keypath + ("handler",)]
        elif fmt in (SAM, CFN):
            candidates = [keypath + ("Properties", "Handler"), ("Globals", "Function", "Handler")]
        else:  # CDK: the keyword that names the handler, else the construct call
            name = keypath[0] if keypath else None
            if name is None:
                return None
            for kw in ("handler", "index", "entry"):
                loc = doc.locate_value(name, kw)
                if loc:
                    return Span(loc[0], loc[1], loc[0], loc[1] + 1)
            loc = doc.locate(name)
            return Span(loc[0], loc[1], loc[0], loc[1] + 1) if loc else None
        for path in candidates:
            loc = doc.locate_value(*path)
            if loc:
                return token_span(lines, loc, key=False)
        return None

    # -- the module -------------------------------------------------------------------------
    def _missing_module(self, ctx, doc, fn, fmt: str) -> str | None:
        module = fn.handler_module or ""
        if fmt == CDK or not module:
            return None  # CDK asset folders are resolved only when they can be (see docs)
        base = posixpath.dirname(doc.path)
        if fmt == WRANGLER:
            target = posixpath.normpath(posixpath.join(base, module.strip()))
            if target.startswith("../"):
                return None
            return f"`main` names `{module}`, but there is no such file in the project"
        top = re.split(r"[./]", module.strip().lstrip("./"))[0]
        if top in INJECTED:
            return None
        keypath = tuple(fn.get("keypath") or ())
        if fmt == SERVERLESS:
            fdef = doc.get(*keypath) or {}
            if doc.get("package", "artifact") or (isinstance(fdef, dict) and isinstance(fdef.get("package"), dict)
                                                  and fdef["package"].get("artifact")):
                return None
            code_dir = base
            sub = fdef.get("module") if isinstance(fdef, dict) else None
            if isinstance(sub, str) and sub not in ("", "."):
                if "${" in sub:
                    return None
                code_dir = posixpath.join(base, sub) if base else sub
        else:
            props = doc.get(*keypath, "Properties") or {}
            if fmt == SAM:
                if str(doc.get(*keypath, "Metadata", "BuildMethod", default="")).lower() == "makefile":
                    return None
                code = props.get("CodeUri", doc.get("Globals", "Function", "CodeUri", default="."))
            else:
                code = props.get("Code")
            if not isinstance(code, str) or "${" in code or code.startswith("s3://") or \
                    code.lower().endswith((".zip", ".jar", ".whl")):
                return None
            code_dir = posixpath.join(base, code) if base else code
        code_dir = posixpath.normpath(code_dir) if code_dir else ""
        if code_dir.startswith("../") or code_dir == "..":
            return None
        head, _, tail = module.strip().replace("\\", "/").rpartition("/")
        rel = posixpath.join(head, tail.replace(".", "/")) if head else tail.replace(".", "/")
        expected = posixpath.normpath(posixpath.join(code_dir, rel + ".py") if code_dir not in ("", ".") else rel + ".py")
        if expected.startswith("../"):
            return None
        folder = "" if code_dir in ("", ".") else f" under `{code_dir}/`"
        return (f"Handler module `{module}` of `{fn.name}` does not exist{folder} (expected `{expected}`): "
                "every invocation fails with Runtime.ImportModuleError")

    # -- the callable -----------------------------------------------------------------------
    def _callable(self, ctx, fn) -> str | None:
        name = fn.handler_callable
        if not name or "." in name:
            return None
        model = ctx.index.model(fn.handler_path)
        if model is None:
            return None  # SLS001 reports a module that does not parse
        bindings: list[ast.AST] = []
        names: set[str] = set()
        for stmt in module_statements(model.tree):
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                return None
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__getattr__":
                return None
            bound = bound_names(stmt)
            names.update(bound)
            if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                # tuple targets, walrus and other forms: count every Name stored at this level
                for node in walk_list(stmt):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        names.add(node.id)
                        if node.id == name:
                            bindings.append(stmt)
            elif name in bound:
                bindings.append(stmt)
            elif isinstance(stmt, (ast.For, ast.With)) or type(stmt).__name__ in ("Global", "Delete"):
                for node in walk_list(stmt):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
                        bindings.append(stmt)
        if any(n.target.id == name for n in nodes_of(model, ast.NamedExpr)):
            return None
        if not bindings:
            import difflib  # only for a handler that is not found

            close = difflib.get_close_matches(name, sorted(names), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            return (f"Handler `{fn.handler_module}.{name}` of `{fn.name}`: `{fn.handler_path}` defines no `{name}`, "
                    f"so every invocation fails with Runtime.HandlerNotFound{hint}")
        if len(bindings) != 1:
            return None
        node = bindings[0]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.decorator_list:
            problem = _signature_problem(node.args)
            if problem:
                return (f"Handler `{name}` of `{fn.name}` {problem}; Lambda calls it as `{name}(event, context)` "
                        "and every invocation fails with a TypeError")
        return None


def _signature_problem(args: ast.arguments) -> str | None:
    positional = list(args.posonlyargs) + list(args.args)
    required = len(positional) - len(args.defaults)
    kw_required = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    if kw_required:
        return f"requires keyword-only argument{'s' if len(kw_required) > 1 else ''} " + ", ".join(f"`{k}`" for k in kw_required)
    if args.vararg is None and len(positional) < 2:
        return f"accepts {len(positional)} positional argument{'' if len(positional) == 1 else 's'}"
    if required > 2:
        return f"requires {required} positional arguments"
    return None


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  create:\n"
_SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      Runtime: python3.12\n      CodeUri: {code}\n      Handler: {handler}\n"
)

VALID = [
    Case(_SLS + "    handler: src/orders.create\n", path="serverless.yml",
         files={"src/orders.py": "def create(event, context):\n    return {}\n"}),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml",
         files={"app.py": "from mangum import Mangum\nfrom fastapi import FastAPI\n\napp = FastAPI()\nhandler = Mangum(app)\n"},
         note="an assignment"),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml",
         files={"app.py": "from service.entry import handler\n"}, note="re-exported by import"),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml",
         files={"app.py": "try:\n    import ujson as json\nexcept ImportError:\n    import json\n\n"
                          "if True:\n    def handler(event, context=None):\n        return {}\n"},
         note="defined under if; context has a default"),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml",
         files={"app.py": "def handler(*args):\n    return {}\n"}),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml",
         files={"app.py": "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n@logger.inject_lambda_context\n"
                          "def handler(event):\n    return {}\n"}, note="decorated: the decorator decides"),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml", files={"app.py": "from helpers import *\n"},
         note="star import"),
    Case(_SLS + "    handler: wsgi_handler.handler\n", path="serverless.yml",
         files={"app.py": "from flask import Flask\napp = Flask(__name__)\n"}, note="serverless-wsgi provides it"),
    Case(_SLS + "    handler: app.handler\n    package:\n      artifact: build/app.zip\n", path="serverless.yml",
         note="a prebuilt artifact"),
    Case(_SAM.format(code="s3://bucket/code.zip", handler="app.handler"), path="template.yaml"),
    Case(_SAM.format(code="../shared", handler="app.handler"), path="template.yaml", note="outside the project"),
    Case(_SAM.format(code="functions/hello/", handler="app.lambda_handler"), path="template.yaml",
         files={"functions/hello/app.py": "def lambda_handler(event, context):\n    return {}\n"}),
    Case(_SLS + "    handler: handler.create\n", path="serverless.yml",
         files={"handler.py": "def create(event, context):\n    return {}\n"}, note="not reported in the Python file"),
    Case('name = "w"\nmain = "src/entry.py"\n', path="wrangler.toml",
         files={"src/entry.py": "async def on_fetch(request, env):\n    return None\n"}),
    Case("service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  f:\n    handler: index.handler\n",
         path="serverless.yml", note="a Node.js function"),
]

INVALID = [
    Case(_SLS + "    handler: src/orders.create  # entry\n", path="serverless.yml", line=7, count=1,
         message="src/orders.py", note="module missing"),
    Case(_SLS + "    handler: src/orders.create_order\n", path="serverless.yml", line=7, message="did you mean `create`?",
         files={"src/orders.py": "def create(event, context):\n    return {}\n"}),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml", line=7, message="accepts 1 positional argument",
         files={"app.py": "def handler(event):\n    return {}\n"}),
    Case(_SLS + "    handler: app.handler\n", path="serverless.yml", message="keyword-only",
         files={"app.py": "def handler(event, context, *, db):\n    return {}\n"}),
    Case(_SAM.format(code="hello_world/", handler="app.lambda_handler"), path="template.yaml", line=8,
         message="under `hello_world/`", files={"app.py": "def lambda_handler(event, context):\n    return {}\n"},
         note="the file exists, but not under CodeUri"),
    Case('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", '
         '"Handler": "index.main", "Code": "src"}}}}\n', path="template.json", line=1,
         files={"src/index.py": "def handler(event, context):\n    return {}\n"}),
    Case("from aws_cdk import Stack, aws_lambda as lambda_\n\n\nclass S(Stack):\n    def __init__(self, scope, id):\n"
         "        super().__init__(scope, id)\n        lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12,\n"
         "                         handler=\"app.main\", code=lambda_.Code.from_asset(\"src\"))\n",
         path="stack.py", line=8, files={"src/app.py": "def handler(event, context):\n    return {}\n"}),
    Case('name = "w"\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n', path="wrangler.toml", line=2,
         files={"src/worker.py": "async def on_fetch(request, env):\n    return None\n"}),
]
