"""One traversal of a module's tree, shared by the rules that need nodes of some types.

:func:`nodes_of` returns the nodes of a type in exactly the order ``ast.walk(model.tree)`` yields
them (breadth first, children in field order), so code that used to filter ``ast.walk`` gets the
same nodes in the same order without walking the whole tree again. The shared traversal leaves
out the leaves without fields (expression contexts ``Load``/``Store``/``Del`` and operators:
shared singletons no rule looks at); every other node is there, in ``ast.walk`` order. The index is built once per
:class:`~sls_lint.semantic.ModuleModel` (on first use) and dropped with the model.
"""
from __future__ import annotations

import ast
import os
from typing import Any

_AST = ast.AST
# the field-less leaves: expression contexts and operators (shared singletons); never queued.
# Field-less statements (pass, break, continue) are nodes like any other.
LEAVES = frozenset(
    t for t in vars(ast).values()
    if isinstance(t, type) and issubclass(t, (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)) and not t._fields
)
# the nodes whose walk is kept on them once computed (any node can be walked)
_KEPT = frozenset({ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
# Fields that never hold a node that is walked: identifiers, numbers, strings, constants, and
# the context/operator leaves (ctx, op, ops); ``name`` is an identifier in every node but
# TypeAlias (3.12). Global and Nonlocal ``names`` are strings.
_SCALAR_FIELDS = frozenset(
    {"ctx", "op", "ops", "type_comment", "kind", "level", "simple", "is_async", "conversion", "attr", "id", "arg", "asname", "module", "kwd_attrs", "rest", "tag", "name"}
)
# node type -> the fields that can hold walked child nodes, in field order (see child_fields)
CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Global: (), ast.Nonlocal: ()}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that can hold walked child nodes, in field order (memoised
    in :data:`CHILD_FIELDS`; read it first on a hot path)."""
    found = CHILD_FIELDS.get(cls)
    if found is None:
        scalar = _SCALAR_FIELDS - {"name"} if cls.__name__ == "TypeAlias" else _SCALAR_FIELDS  # 3.12: its name is a Name
        found = CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in scalar)
    return found


# C versions of the walk, the grouping below and the semantic model's traversal loop
# (linter/_speedups.c, built by setup.py when a C compiler is there). Without it (or an out of
# date build), or with SLS_LINT_PURE=1 in the environment, the same code runs in Python: same
# results, slower.
SPEEDUPS_API = 14  # _speedups.API this code was written for (SPEEDUPS_API in _speedups.c)
try:
    if os.environ.get("SLS_LINT_PURE"):
        raise ImportError("SLS_LINT_PURE is set")
    from . import _speedups

    if getattr(_speedups, "API", None) != SPEEDUPS_API:  # a stale build: not rebuilt since a change
        raise ImportError("sls_lint._speedups is out of date")
    _speedups.configure(CHILD_FIELDS, child_fields, ast.AST)
except ImportError:
    _speedups = None


def build(tree: ast.AST) -> dict[type, list[ast.AST]]:
    """type -> nodes of that type, in ``ast.walk`` order."""
    found = tree.__dict__.get("_sls_types")
    if found is None and _speedups is not None:
        found = tree.__dict__["_sls_types"] = _speedups.group_by_type(walk_list(tree))
    elif found is None:
        found = {}
        for node in walk_list(tree):
            bucket = found.get(node.__class__)
            if bucket is None:
                found[node.__class__] = [node]
            else:
                bucket.append(node)
        tree.__dict__["_sls_types"] = found
    return found


def walk_list(tree: ast.AST) -> list[ast.AST]:
    """Every node under ``tree`` (any node: a module, a function, an expression) in exactly
    ``ast.walk``'s order, except the field-less leaves (contexts, operators); for a module or a
    definition computed once (the engine's rule dispatch, the project model, :func:`nodes_of`
    and rules walking a function share it). A module's semantic model builds it while it traverses the
    tree (see :func:`set_walk`); any other tree is walked here. Do not mutate."""
    found = tree.__dict__.get("_sls_walk")
    if found is None:
        found = _walk(tree) if _speedups is None else _speedups.walk(tree, LEAVES)
        if tree.__class__ in _KEPT:  # big subtrees several rules walk; small ones are walked again
            tree.__dict__["_sls_walk"] = found
    return found


def set_walk(tree: ast.AST, nodes: list[ast.AST]) -> None:
    """Record ``nodes`` as the walk of ``tree`` (built by ``semantic.ModuleModel``; kept on the
    tree itself: dropped with it, and a re-parsed (fixed) module gets a new one)."""
    tree.__dict__["_sls_walk"] = nodes


def _walk(tree: ast.AST) -> list[ast.AST]:
    """The same traversal as ``ast.walk``: a FIFO queue, children from ``_fields`` in order,
    lists item by item; leaves left out."""
    queue: list[ast.AST] = [tree]
    push = queue.append
    fields_of = CHILD_FIELDS
    leaves = LEAVES
    for node in queue:  # the list grows while it is read: breadth first
        t = type(node)
        fields = fields_of.get(t)
        if fields is None:
            fields = child_fields(t)
        for name in fields:
            try:
                value = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(value, _AST):
                if value.__class__ not in leaves:
                    push(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _AST) and item.__class__ not in leaves:
                        push(item)
    return queue


def index(model) -> dict[type, list[ast.AST]]:
    """The per-model index (built on first use)."""
    return build(model.tree)


def nodes_of(model, cls: type) -> list[ast.AST]:
    """The nodes that are instances of ``cls`` (an ``ast`` node class), in ``ast.walk`` order,
    as ``[n for n in ast.walk(model.tree) if isinstance(n, cls)]`` would list them. Do not
    mutate the list."""
    idx = index(model)
    present = [t for t in idx if issubclass(t, cls)]
    if not present:
        return []
    if len(present) == 1:
        return idx[present[0]]
    # several concrete classes (subclasses of cls): back into walk order
    pos = {id(n): i for i, n in enumerate(walk_list(model.tree))}
    merged = [n for t in present for n in idx[t]]
    merged.sort(key=lambda n: pos[id(n)])
    return merged


# Filters over node lists (a walk, a by-type bucket): the C loop where the extension is built,
# the same comprehension otherwise (tests/test_speedups.py compares them).
def of_types(nodes: list[ast.AST], types: tuple[type, ...]) -> list[ast.AST]:
    """The nodes of exactly one of ``types`` (a subclass's node is left out), in order."""
    if _speedups is not None:
        return _speedups.of_types(nodes, types)
    return [n for n in nodes if n.__class__ in types]


def long_strings(nodes: list[ast.AST], min_len: int) -> list[ast.AST]:
    """The Constant nodes of ``nodes`` whose value is a str or bytes of at least ``min_len``
    characters (bytes), in order: the literals a secret scan looks at."""
    if _speedups is not None:
        return _speedups.long_strings(nodes, min_len)
    return [n for n in nodes if isinstance(n.value, (str, bytes)) and len(n.value) >= min_len]


def group_by_field(nodes: list[ast.AST], name: str, wanted: Any) -> dict:
    """``{v: [n for n in nodes if n.<name> == v]}`` for the values ``v`` in ``wanted`` (any
    container) that some node has, each list in order; a node without the field is left out."""
    if _speedups is not None:
        return _speedups.group_by_field(nodes, name, wanted)
    found: dict = {}
    for n in nodes:
        value = getattr(n, name, _MISSING)
        if value is not _MISSING and value in wanted:
            found.setdefault(value, []).append(n)
    return found


_MISSING = object()

