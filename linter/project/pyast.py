"""Small helpers over stdlib ``ast`` trees: imports, qualified names, bindings, literals.

Nothing here imports or runs user code; everything works on the trees discovery already built.
"""
from __future__ import annotations

import ast
from typing import Any, Iterator

from .. import astindex
from ..astindex import walk_list

MISSING: Any = object()

# constructors whose result is an ASGI/WSGI application object -> framework name
APP_CONSTRUCTORS = {
    "fastapi.FastAPI": "fastapi",
    "flask.Flask": "flask",
    "starlette.applications.Starlette": "starlette",
    "starlette.Starlette": "starlette",
    "quart.Quart": "quart",
    "sanic.Sanic": "sanic",
    "litestar.Litestar": "litestar",
    "falcon.App": "falcon",
    "falcon.API": "falcon",
    "falcon.asgi.App": "falcon",
    "bottle.Bottle": "bottle",
    "django.core.asgi.get_asgi_application": "django",
    "django.core.wsgi.get_wsgi_application": "django",
    "chalice.Chalice": "chalice",
    "chalice.app.Chalice": "chalice",
}
# module-level wrappers turning an app into a Lambda handler: handler = Mangum(app)
APP_WRAPPER_CALLS = {"mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler"}
# calls inside a handler body that serve an app: serverless_wsgi.handle_request(app, event, context)
APP_SERVE_CALLS = {
    "serverless_wsgi.handle_request",
    "awsgi.response",
    "aws_lambda_wsgi.response",
    "mangum.Mangum",
}


def _imports_in_walk_order(tree: ast.Module) -> list[ast.AST]:
    """The Import/ImportFrom nodes of ``tree`` in ``ast.walk`` order, from the traversal the
    engine shares per tree (no second walk of the module)."""
    return astindex.of_types(walk_list(tree), (ast.Import, ast.ImportFrom))


class ModuleInfo:
    """Per-module facts computed once: import aliases and module-level bindings."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self._app_facts_memo: dict[str | None, tuple] = {}  # callable name -> app_facts()
        self.imports: dict[str, str] = {}
        self.imported_modules: set[str] = set()
        for node in _imports_in_walk_order(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imported_modules.add(alias.name)
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.imports.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self.imported_modules.add(node.module)
                for alias in node.names:
                    if alias.name != "*":
                        self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                        self.imported_modules.add(f"{node.module}.{alias.name}")
        self.bindings: dict[str, ast.AST] = {}
        for stmt in module_statements(tree):
            for name in bound_names(stmt):
                self.bindings[name] = stmt  # last binding wins, as at runtime
        self.constants: dict[str, Any] = {}
        for name, stmt in self.bindings.items():
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                value = literal(stmt.value)
                if value is not MISSING:
                    self.constants[name] = value

    def imports_module(self, prefix: str) -> bool:
        return any(m == prefix or m.startswith(prefix + ".") for m in self.imported_modules)

    def qualname(self, node: ast.AST | None) -> str | None:
        """Dotted name of a Name/Attribute chain with import aliases resolved."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def call_name(self, node: ast.AST | None) -> str | None:
        return self.qualname(node.func) if isinstance(node, ast.Call) else None

    def find(self, dotted: str | None) -> ast.AST | None:
        """The def/class/assignment that binds ``dotted`` (``handler``, ``Default.fetch``)."""
        if not dotted:
            return None
        first, *rest = dotted.split(".")
        node = self.bindings.get(first)
        for part in rest:
            if not isinstance(node, ast.ClassDef):
                return None
            found = None
            for stmt in node.body:
                if part in bound_names(stmt):
                    found = stmt
            node = found
        return node

    def line_of(self, dotted: str | None) -> int | None:
        node = self.find(dotted)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return node.lineno  # the def line, after decorators
        return getattr(node, "lineno", None)

    def app_facts(self, callable_name: str | None) -> tuple[tuple[str, Any], ...]:
        """("app", var) / ("wraps_app", var) / ("framework", name) for an app-object callable."""
        memo = self._app_facts_memo
        if callable_name not in memo:
            memo[callable_name] = self._app_facts(callable_name)
        return memo[callable_name]

    def _app_facts(self, callable_name: str | None) -> tuple[tuple[str, Any], ...]:
        node = self.find(callable_name)
        if callable_name is None or node is None:
            return ()
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call):
            name = self.call_name(value)
            if name in APP_CONSTRUCTORS:
                return (("app", callable_name), ("framework", APP_CONSTRUCTORS[name]))
            if name in APP_WRAPPER_CALLS and value.args and isinstance(value.args[0], ast.Name):
                inner = value.args[0].id
                return (("app", inner), ("wraps_app", inner)) + self._framework(inner)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in walk_list(node):
                if isinstance(sub, ast.Call) and self.call_name(sub) in APP_SERVE_CALLS:
                    if sub.args and isinstance(sub.args[0], ast.Name):
                        inner = sub.args[0].id
                        if inner in self.bindings:
                            return (("app", inner), ("wraps_app", inner)) + self._framework(inner)
        return ()

    def _framework(self, var: str) -> tuple[tuple[str, Any], ...]:
        node = self.bindings.get(var)
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        name = self.call_name(value)
        return (("framework", APP_CONSTRUCTORS[name]),) if name in APP_CONSTRUCTORS else ()

    def is_app_object(self, var: str) -> bool:
        node = self.bindings.get(var)
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        return self.call_name(value) in APP_CONSTRUCTORS


def module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside if/try/with blocks (not into defs/classes)."""
    stack = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        yield stmt
        children: list[ast.stmt] = []
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            children = stmt.body + stmt.orelse
        elif isinstance(stmt, ast.With):
            children = stmt.body
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            children = stmt.body + [s for h in stmt.handlers for s in h.body]
            children += stmt.orelse + stmt.finalbody
        stack.extend(reversed(children))


def bound_names(stmt: ast.AST) -> list[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, ast.Assign):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name.split(".")[0]) for a in stmt.names if a.name != "*"]
    return []


def literal(node: ast.AST | None, env: dict[str, Any] | None = None) -> Any:
    """A constant value for simple literal expressions (numbers, strings, +-*/, names in env)."""
    if node is None:
        return MISSING
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and env is not None and node.id in env:
        return env[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = literal(node.operand, env)
        return -v if isinstance(v, (int, float)) and not isinstance(v, bool) else MISSING
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult, ast.Sub)):
        a, b = literal(node.left, env), literal(node.right, env)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if isinstance(node.op, ast.Add):
                return a + b
            return a * b if isinstance(node.op, ast.Mult) else a - b
        if isinstance(node.op, ast.Add) and isinstance(a, str) and isinstance(b, str):
            return a + b
        return MISSING
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [literal(e, env) for e in node.elts]
        return MISSING if any(i is MISSING for i in items) else items
    return MISSING


def positional_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    return list(fn.args.posonlyargs) + list(fn.args.args)


def base_names(cls: ast.ClassDef, info: ModuleInfo) -> list[str]:
    return [info.qualname(b) or "" for b in cls.bases]


def decorator_calls(fn: ast.AST) -> Iterator[tuple[ast.AST, ast.Call | None]]:
    """(callee expression, call or None) for each decorator of a def."""
    for dec in getattr(fn, "decorator_list", []):
        if isinstance(dec, ast.Call):
            yield dec.func, dec
        else:
            yield dec, None


def kwarg(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None
