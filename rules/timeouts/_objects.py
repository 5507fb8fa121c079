"""Helpers shared by the clients and timeouts rules (no rule here): what object an expression
refers to when it is a client created once at module scope, here or in another project module."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from sls_lint.catalog import canonical, client_kind


@dataclass(frozen=True)
class ModuleObject:
    name: str  # the module-level variable
    ctor: str  # canonical constructor (``psycopg.connect``)
    kind: str  # catalog kind (``PostgreSQL connection``)
    call: ast.Call  # the constructor call (in ``model``)
    model: object  # the ModuleModel that defines it
    line: int


def module_object(ctx, expr: ast.AST) -> ModuleObject | None:
    """The module-level client ``expr`` names: ``conn`` bound once (or lazily, behind a ``None``
    placeholder) to a client constructor at module scope of this module, or imported from
    another project module that does so."""
    if not isinstance(expr, ast.Name):
        return None
    model = ctx.model
    scope = model.scope_at(expr)
    found = model.lookup(expr.id, scope)
    if found is None or found[0] is not model.module_scope:
        return None
    s, name = found
    if name in s.imports and name not in s.bindings:
        dotted = s.imports[name]
        mod, _, attr = dotted.rpartition(".")
        if not mod:
            return None
        path = ctx.index.find_module(mod, ctx.path)
        other = ctx.index.model(path) if path else None
        if other is None:
            return None
        return _defined(other, attr)
    return _defined(model, name)


def _defined(model, name: str) -> ModuleObject | None:
    if not model.module_scope.binds(name) or name in model.module_scope.imports:
        return None
    sv = model.single_value(name, model.module_scope)
    if sv is None or not isinstance(sv[0], ast.Call):
        return None
    call = sv[0]
    ctor = canonical(model.call_name(call))
    kind = client_kind(ctor)
    if kind is None or kind == "Powertools utility":
        return None
    # a client bound inside a function (lazy `global`) still lives at module scope
    return ModuleObject(name, ctor or "", kind, call, model, call.lineno)
