"""Helpers shared by the SLS6xx rules (not a rule module: it defines no Rule)."""
from __future__ import annotations

import ast

from sls_lint.astindex import walk_list

REQUEST_NAMES = frozenset({"event", "evt", "request", "req"})


def handler_info(ctx, reach):
    """The FunctionInfo of the handler entry of a Reach when it is in this module."""
    if reach is None or not reach.keys:
        return None
    path, qual = reach.keys[0]
    model = ctx.index.model(path)
    return model.by_qualname.get(qual) if model is not None else None


def positional(info) -> list[str]:
    args = info.node.args.posonlyargs + info.node.args.args
    names = [a.arg for a in args]
    if info.class_name and names and names[0] in ("self", "cls"):
        names = names[1:]
    return names


def request_params(ctx, info, reach) -> set[str]:
    """Parameters of ``info`` that hold the whole event / request: the handler's first parameter,
    and parameters named event/request in any function reached per invocation."""
    out = set()
    names = positional(info)
    if reach is not None and len(reach.chain) == 1 and names:
        out.add(names[0])
    out |= {n for n in names + [a.arg for a in info.node.args.kwonlyargs] if n in REQUEST_NAMES}
    return out


def is_http(fn) -> bool | None:
    """True/False from the project model; None when no trigger is known."""
    kinds = fn.trigger_kinds
    if not kinds:
        if fn.platform in ("vercel", "cloudflare-workers"):
            return True
        return None
    return "http" in kinds


def literal_str(model, node, scope=None, _depth: int = 0) -> str | None:
    """A string the expression certainly starts with (constants, f-string prefixes, module
    constants, ``os.path.join``/``Path`` of them); None when unknown."""
    if _depth > 5 or node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out = ""
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                out += v.value
            else:
                inner = literal_str(model, v.value, scope, _depth + 1) if isinstance(v, ast.FormattedValue) else None
                if inner is None:
                    return out + "\0" if out else None
                out += inner
        return out
    if isinstance(node, ast.Name):
        sv = model.single_value(node.id, scope or model.scope_at(node))
        if sv is not None and sv[0] is not node:
            return literal_str(model, sv[0], sv[1], _depth + 1)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        left = literal_str(model, node.left, scope, _depth + 1)
        if left is None:
            return None
        right = literal_str(model, node.right, scope, _depth + 1)
        sep = "/" if isinstance(node.op, ast.Div) else ""
        return left + sep + right if right is not None else left + sep + "\0"
    if isinstance(node, ast.Call):
        name = model.call_name(node) or ""
        if name in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "os.path.join", "posixpath.join", "str", "os.fspath") and node.args:
            parts = [literal_str(model, a, scope, _depth + 1) for a in node.args]
            if parts[0] is None:
                return None
            out = parts[0]
            for p in parts[1:]:
                if p is None:
                    return out + "/\0"
                out = p if p.startswith("/") else out.rstrip("/") + "/" + p
            return out
    return None


def temp_derived(model, node, _depth: int = 0) -> bool:
    """The expression builds on tempfile / an environment lookup (a place the user chose)."""
    if _depth > 5:
        return False
    for n in walk_list(node):
        if isinstance(n, ast.Call):
            name = model.call_name(n) or ""
            if name.startswith("tempfile.") or name in ("os.getenv", "os.environ.get") or name.endswith(".getenv"):
                return True
        if isinstance(n, ast.Attribute) and (model.qualified_name(n) or "") in ("os.environ", "tempfile.tempdir"):
            return True
        if isinstance(n, ast.Subscript) and (model.qualified_name(n.value) or "") == "os.environ":
            return True
        if isinstance(n, ast.Name):
            sv = model.single_value(n.id, model.scope_at(n))
            if sv is not None and sv[0] is not node and temp_derived(model, sv[0], _depth + 1):
                return True
    return False


def names_in(node) -> set[str]:
    return {n.id for n in walk_list(node) if isinstance(n, ast.Name)}


def tainted_names(info, seeds: set[str], is_source) -> set[str]:
    """Local names whose value derives from ``seeds`` or from a node ``is_source`` accepts,
    through assignments in the function body (a few passes to a fixpoint)."""
    tainted = set(seeds)
    assigns = [n for n in walk_list(info.node) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.withitem, ast.For, ast.NamedExpr))]
    for _ in range(4):
        before = len(tainted)
        for a in assigns:
            if isinstance(a, ast.Assign):
                value, targets = a.value, a.targets
            elif isinstance(a, ast.AnnAssign):
                value, targets = a.value, [a.target]
            elif isinstance(a, ast.withitem):
                value, targets = a.context_expr, [a.optional_vars] if a.optional_vars is not None else []
            elif isinstance(a, ast.NamedExpr):
                value, targets = a.value, [a.target]
            else:
                value, targets = a.iter, [a.target]
            if value is None:
                continue
            if names_in(value) & tainted or any(is_source(n) for n in walk_list(value)):
                for t in targets:
                    tainted |= names_in(t)
        if len(tainted) == before:
            break
    return tainted


TRUSTED_KEYS = frozenset({"requestContext", "authorizer", "claims", "identity", "jwt"})
NOT_REQUEST_PARAMS = frozenset({"self", "cls", "context", "ctx", "env"})


def entry_params(ctx, info, reach) -> set[str]:
    """:func:`request_params`, plus every parameter of a route/entry function (path and query
    parameters of FastAPI/Flask routes are request data too), but not ``context``/``env``."""
    params = request_params(ctx, info, reach)
    if reach is not None and len(reach.chain) == 1:
        args = info.node.args.posonlyargs + info.node.args.args + info.node.args.kwonlyargs
        params |= {a.arg for a in args if a.arg not in NOT_REQUEST_PARAMS}
    return params


def reads_request(model, n, params: set[str]) -> bool:
    """``n`` reads caller-supplied request data: a subscript/attribute/method chain on one of
    ``params`` or on Flask's ``request``; reads of the authorizer's verified identity
    (``requestContext.authorizer``, ``claims``) are not caller-supplied."""
    if not isinstance(n, (ast.Attribute, ast.Subscript, ast.Call)):
        return False
    chain: list[ast.AST] = []
    root = n
    while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
        chain.append(root)
        root = root.func if isinstance(root, ast.Call) else root.value
    for link in chain:
        if isinstance(link, ast.Attribute) and link.attr in TRUSTED_KEYS:
            return False
        if isinstance(link, ast.Subscript) and isinstance(link.slice, ast.Constant) and link.slice.value in TRUSTED_KEYS:
            return False
        if isinstance(link, ast.Call) and link.args and isinstance(link.args[0], ast.Constant) and link.args[0].value in TRUSTED_KEYS:
            return False
    if isinstance(root, ast.Name) and root.id in params:
        return True
    return any(isinstance(link, ast.Attribute) and (model.qualified_name(link) or "").startswith("flask.request") for link in chain)
