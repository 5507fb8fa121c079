"""``hoist-assignment`` and ``hoist-expression``: move work from a function body to module scope.

The new module-level statement goes just before the top-level statement that holds the function
(before its decorators and the comments directly above it), so the names it needs that are
defined earlier at module level (imports, constants) are defined by then. The fixer refuses when
the hoisted code uses a name local to the function, a module name defined only further down, or
when the module already binds the name.
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope, ScopeProvider

from sls_lint.core import FixIntent
from sls_lint.fixers.cstutil import (
    Tree,
    insert_toplevel,
    parse_statement,
    remove_statement,
    replace_nodes,
    split_attached,
)
from sls_lint.fixers.registry import FixError, register


def _check_names(tree: Tree, expr: cst.CSTNode, before_line: int) -> None:
    """Every name ``expr`` reads must resolve at module scope above ``before_line`` (or builtins)."""
    scopes = tree.wrapper.resolve(ScopeProvider)
    inside = {id(n) for n in _walk(expr)}
    for node in _walk(expr):
        scope = scopes.get(node) if isinstance(node, cst.Name) else None
        if scope is None:
            continue
        for access in scope.accesses[node]:
            referents = [a for a in access.referents if id(getattr(a, "node", None)) not in inside]
            if any(not isinstance(a.scope, (GlobalScope, BuiltinScope)) for a in referents):
                raise FixError(f"the hoisted code uses {node.value!r}, which is local to the function")
            module_level = [a for a in referents if isinstance(a.scope, GlobalScope) and hasattr(a, "node")]
            if module_level and all(tree.positions[a.node].start.line >= before_line for a in module_level):
                raise FixError(f"{node.value!r} is defined below the function at module level")


def _walk(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _walk(child)


def _module_binds(tree: Tree, name: str) -> list[cst.CSTNode]:
    scopes = tree.wrapper.resolve(ScopeProvider)
    glob = scopes[tree.module]
    return [a.node for a in glob.assignments[name] if hasattr(a, "node")]


def _start(tree: Tree, index: int) -> int:
    stmt = tree.module.body[index]
    decorators = getattr(stmt, "decorators", ())
    return tree.positions[decorators[0] if decorators else stmt].start.line


def _function_and_top(tree: Tree, node: cst.CSTNode) -> tuple[cst.FunctionDef, int]:
    function = tree.enclosing_function(node)
    if function is None:
        raise FixError("the target is not inside a function")
    return function, tree.toplevel_index(node)


@register("hoist-assignment")
def hoist_assignment(source: str, intent: FixIntent) -> str:
    tree = Tree(source)
    assign = tree.find(intent.target, (cst.Assign, cst.AnnAssign, cst.SimpleStatementLine), "assignment")
    if isinstance(assign, cst.SimpleStatementLine):
        if len(assign.body) != 1:
            raise FixError("the target line holds several statements")
        assign = assign.body[0]
    if not isinstance(assign, (cst.Assign, cst.AnnAssign)) or assign.value is None:
        raise FixError("the target is not an assignment with a value")
    targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
    if not all(isinstance(t, cst.Name) for t in targets):
        raise FixError("only assignments to plain names can be hoisted")
    _, top = _function_and_top(tree, assign)
    line = tree.line_of(assign)
    local = tree.wrapper.resolve(ScopeProvider)[targets[0]]
    for target in targets:
        if len(local.assignments[target.value]) > 1:
            raise FixError(f"{target.value!r} is assigned more than once in the function")
        if _module_binds(tree, target.value):
            raise FixError(f"the module already binds {target.value!r}")
    _check_names(tree, assign.value, _start(tree, top))

    stays, moves = split_attached(line.leading_lines)
    if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
        moved = parse_statement(tree.code(line.with_changes(leading_lines=[])), tree.module)
    else:
        moved = parse_statement(tree.code(assign) + tree.module.default_newline, tree.module)
        stays, moves = list(line.leading_lines), []
    moved = moved.with_changes(leading_lines=moves)
    module = remove_statement(tree, assign, carried=stays)
    return insert_toplevel(module, top, [moved]).code


@register("hoist-expression")
def hoist_expression(source: str, intent: FixIntent) -> str:
    name = intent.param("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise FixError("hoist-expression needs param 'name' (an identifier)")
    tree = Tree(source)
    expr = tree.find(intent.target, (cst.BaseExpression,), "expression")
    function, top = _function_and_top(tree, expr)
    code = tree.code(expr)
    existing = _module_binds(tree, name)
    reuse = False
    for node in existing:
        parent = tree.parents.get(node)
        assign = tree.parents.get(parent) if isinstance(parent, cst.AssignTarget) else None
        if isinstance(assign, cst.Assign) and tree.enclosing_function(assign) is None and tree.code(assign.value) == tree.code(expr):
            reuse = True
    if existing and not reuse:
        raise FixError(f"the module already binds {name!r}")
    if any(isinstance(n, cst.Name) and n.value == name for n in _walk(function)):
        raise FixError(f"the function already uses the name {name!r}")
    _check_names(tree, expr, _start(tree, top))
    module = replace_nodes(tree.module, {id(expr): cst.Name(name)})
    if reuse:
        return module.code
    stmt = parse_statement(f"{name} = {code}{tree.module.default_newline}", tree.module)
    return insert_toplevel(module, top, [stmt]).code
