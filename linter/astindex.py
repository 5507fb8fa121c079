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
from typing import Any

_AST = ast.AST
# the field-less leaves: expression contexts and operators (shared singletons); never queued.
# Field-less statements (pass, break, continue) are nodes like any other.
LEAVES = frozenset(
    t for t in vars(ast).values()
    if isinstance(t, type) and issubclass(t, (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)) and not t._fields
)
# node type -> the fields that can hold child nodes (Name and Constant: none but a context leaf)
_FIELDS: dict[type, tuple[str, ...]] = {ast.Name: (), ast.Constant: ()}


def build(tree: ast.AST) -> dict[type, list[ast.AST]]:
    """type -> nodes of that type, in ``ast.walk`` order (same traversal as ``ast.walk``:
    a FIFO queue, children from ``_fields`` in order, lists item by item)."""
    return _walk(tree)[1]


def walk_list(tree: ast.AST) -> list[ast.AST]:
    """Every node under ``tree`` in exactly ``ast.walk``'s order, except the field-less leaves
    (contexts, operators), computed once per tree (the engine's rule dispatch, the project model
    and :func:`nodes_of` share it). Do not mutate."""
    return _walk(tree)[0]


def _walk(tree: ast.AST) -> tuple[list[ast.AST], dict[type, list[ast.AST]]]:
    cached = tree.__dict__.get("_sls_walk")
    if cached is not None:
        return cached
    queue: list[ast.AST] = [tree]
    push = queue.append
    by_type: dict[type, list[ast.AST]] = {}
    fields_of = _FIELDS
    leaves = LEAVES
    for node in queue:  # the list grows while it is read: breadth first
        t = type(node)
        bucket = by_type.get(t)
        if bucket is None:
            by_type[t] = [node]
        else:
            bucket.append(node)
        fields = fields_of.get(t)
        if fields is None:
            fields = fields_of[t] = tuple(t._fields)
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
    # kept on the tree itself: dropped with it, and a re-parsed (fixed) module gets a new one
    tree.__dict__["_sls_walk"] = result = (queue, by_type)
    return result


def index(model) -> dict[type, list[ast.AST]]:
    """The per-model index (built on first use)."""
    return _walk(model.tree)[1]


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
