"""Helpers shared by the clients and timeouts rules (no rule here): which deployed functions a
node belongs to, each function's time budget, and small constant evaluation of timeout values.

A node inside a project function belongs to every Function whose handler reaches that function
per invocation. Module-level code belongs to the Functions whose handler module is this module,
whose handler reaches a function defined here, or whose handler module imports this module at
module scope (directly or through other project modules).
"""
from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass
from typing import Iterable

from sls_lint.core import Function

# index -> per-Function reach keys, per-Function module sets
_CACHE: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()


def _state(ctx) -> dict:
    index = ctx.index
    st = _CACHE.get(index)
    if st is None:
        st = {"reach": {}, "modules": {}}
        _CACHE[index] = st
    return st


def _reach_keys(ctx, fn: Function) -> dict:
    st = _state(ctx)
    keys = st["reach"].get(fn)
    if keys is None:
        keys = ctx.index.reachability([fn])
        st["reach"][fn] = keys
    return keys


def _modules_of(ctx, fn: Function) -> frozenset[str]:
    st = _state(ctx)
    mods = st["modules"].get(fn)
    if mods is not None:
        return mods
    index = ctx.index
    start = {k[0] for k in _reach_keys(ctx, fn)}
    if fn.handler_path:
        start.add(fn.handler_path)
    seen: set[str] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        summ = index.summary(path)
        if summ is None:
            continue
        for dotted in summ.imports.values():
            parts = dotted.split(".")
            for i in range(len(parts), 0, -1):
                found = index.find_module(".".join(parts[:i]), path)
                if found is not None:
                    if found not in seen:
                        todo.append(found)
                    break
    mods = frozenset(seen)
    st["modules"][fn] = mods
    return mods


def _by_key(ctx) -> dict:
    """(path, qualname) -> the Functions (sorted by name) whose handler reaches it per invocation;
    built once per analysis from every Function's reach keys."""
    return _inverted(ctx, "by_key", _reach_keys)


def _by_module(ctx) -> dict:
    """path -> the Functions (sorted by name) that load the module at cold start."""
    return _inverted(ctx, "by_module", _modules_of)


def _inverted(ctx, name: str, keys_of) -> dict:
    """key -> the Functions (sorted by name) for which ``keys_of(ctx, fn)`` yields the key; built
    once per project model and kept in the analysis state under ``name``."""
    st = _state(ctx)
    fns = ctx.project.functions
    got = st.get(name)
    if got is None or got[0] is not fns:
        inv: dict = {}
        for fn in sorted(fns, key=lambda f: f.name):
            for key in keys_of(ctx, fn):
                inv.setdefault(key, []).append(fn)
        got = st[name] = (fns, inv)
    return got[1]


def functions_for(ctx, node: ast.AST) -> list[Function]:
    """The deployed Functions that run ``node``: per invocation when it is inside a function,
    at cold start (module scope) otherwise. Empty for code no function reaches (scripts, tests)."""
    if getattr(ctx, "is_test_file", False):
        return []
    info = ctx.model.enclosing_function(node)
    if info is not None:
        return list(_by_key(ctx).get((ctx.path, info.qualname), ()))
    return list(_by_module(ctx).get(ctx.path, ()))


def reached_per_invocation(ctx, node: ast.AST) -> list[Function]:
    """Functions whose handler runs ``node`` on every invocation (empty at module scope)."""
    if ctx.model.enclosing_function(node) is None:
        return []
    return functions_for(ctx, node)


# --------------------------------------------------------------------------- budgets
@dataclass(frozen=True)
class Limits:
    function: Function
    timeout_s: float | None  # the configured timeout, or the platform default when unset
    timeout_is_default: bool
    http_limit_s: float | None
    http_detail: str | None

    @property
    def budget_s(self) -> float | None:
        values = [v for v in (self.timeout_s, self.http_limit_s) if v is not None]
        return min(values) if values else None

    @property
    def where(self) -> str:
        fn = self.function
        return fn.source_path or (f"{fn.handler_path}, found by convention" if fn.handler_path else "found by convention")

    def exceeded_by(self, seconds: float) -> str | None:
        """Why ``seconds`` does not fit: at or above the function's timeout, or above the HTTP
        trigger's limit (None when it fits)."""
        if self.timeout_s is not None and seconds >= self.timeout_s:
            kind = "default timeout" if self.timeout_is_default else "timeout"
            return f"at or above the function's {kind} of {num(self.timeout_s)} s"
        if self.http_limit_s is not None and seconds > self.http_limit_s:
            label = HTTP_LABELS.get(self.http_detail or "", "HTTP trigger")
            return f"above its {label}'s limit of {num(self.http_limit_s)} s"
        return None


HTTP_LABELS = {"api-gateway-rest": "API Gateway REST API", "http-api": "API Gateway HTTP API", "vercel": "Vercel maxDuration"}


def limits(fn: Function) -> Limits:
    """The function's limits as its deployment file sets them. An unset timeout counts as the
    platform default only for functions declared in a deployment file whose timeout is not an
    unresolved expression (a convention-found function may be configured elsewhere)."""
    timeout = fn.timeout_s
    is_default = False
    if timeout is None and fn.source_path and not fn.get("timeout_expr"):
        default = fn.get("default_timeout_s")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            timeout, is_default = float(default), True
    http = [t for t in fn.triggers if t.kind == "http" and t.limit_s is not None]
    tightest = min(http, key=lambda t: t.limit_s) if http else None
    return Limits(fn, timeout, is_default, tightest.limit_s if tightest else None, tightest.detail if tightest else None)


def tightest(fns: Iterable[Function]) -> Limits | None:
    """The Limits with the smallest budget among ``fns`` (None when none has a budget)."""
    best = None
    for fn in fns:
        lim = limits(fn)
        if lim.budget_s is None:
            continue
        if best is None or lim.budget_s < best.budget_s:
            best = lim
    return best


def below(value: float, budget: float | None) -> float:
    """``value`` lowered below ``budget`` when it does not fit (the value a fix writes)."""
    value = float(value)
    if budget is not None and value >= budget:
        value = budget - 1 if budget > 2 else budget / 2
    return value


def num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:g}"


# --------------------------------------------------------------------------- constant values
def number(model, expr: ast.AST | None, _depth: int = 0) -> float | None:
    """A number an expression evaluates to, when it is a literal, a name bound once to one, or
    simple arithmetic on those; tuples ``(connect, read)`` count as their sum."""
    if expr is None or _depth > 8:
        return None
    if isinstance(expr, ast.Constant):
        v = expr.value
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if isinstance(expr, ast.Name):
        sv = model.single_value(expr.id, model.scope_at(expr))
        return number(model, sv[0], _depth + 1) if sv is not None else None
    if isinstance(expr, ast.Tuple) and len(expr.elts) == 2:
        parts = [number(model, e, _depth + 1) for e in expr.elts]
        return parts[0] + parts[1] if None not in parts else None  # type: ignore[operator]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mult, ast.Sub, ast.Div)):
        a, b = number(model, expr.left, _depth + 1), number(model, expr.right, _depth + 1)
        if a is None or b is None:
            return None
        if isinstance(expr.op, ast.Add):
            return a + b
        if isinstance(expr.op, ast.Sub):
            return a - b
        if isinstance(expr.op, ast.Mult):
            return a * b
        return a / b if b else None
    return None


def resolve_value(model, expr: ast.AST, _depth: int = 0) -> ast.AST:
    """Follow a name bound once (``CONFIG = Config(...)``) to its value, in this module."""
    while isinstance(expr, ast.Name) and _depth < 8:
        sv = model.single_value(expr.id, model.scope_at(expr))
        if sv is None:
            return expr
        expr, _depth = sv[0], _depth + 1
    return expr


def is_literal(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.Tuple):
        return all(is_literal(e) for e in expr.elts)
    return False
