"""``remove-statement`` and ``replace-node``.

``remove-statement``: target = a statement, or the call of an expression statement; the block
gets ``pass`` when it would be empty; comments above the removed line stay.
``replace-node``: target = an expression or a statement; params ``code`` (the new source; for a
statement it may be several statements, written without indentation).
"""
from __future__ import annotations

import libcst as cst

from sls_lint.core import FixIntent
from sls_lint.fixers.cstutil import Tree, parse_expression, remove_statement, replace_nodes, with_leading
from sls_lint.fixers.registry import FixError, register

STATEMENTS = (cst.BaseSmallStatement, cst.BaseCompoundStatement)


def _target_statement(tree: Tree, intent: FixIntent) -> cst.CSTNode:
    node = tree.find(intent.target, (*STATEMENTS, cst.SimpleStatementLine, cst.BaseExpression), "statement")
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
        node = node.body[0]
    if isinstance(node, cst.BaseExpression):
        parent = tree.parents.get(node)
        if not isinstance(parent, cst.Expr):
            raise FixError("the target expression is not a statement of its own")
        node = parent
    return node


@register("remove-statement")
def remove(source: str, intent: FixIntent) -> str:
    tree = Tree(source)
    return remove_statement(tree, _target_statement(tree, intent)).code


def _parse_statements(code: str, module: cst.Module) -> list[cst.BaseStatement]:
    text = code if code.endswith(("\n", "\r")) else code + module.default_newline
    try:
        parsed = cst.parse_module(text, config=module.config_for_parsing)
    except cst.ParserSyntaxError as exc:
        raise FixError(f"not valid Python: {code!r} ({exc.message})") from None
    if not parsed.body:
        raise FixError("replace-node needs non-empty 'code'")
    return list(parsed.body)


def _replace_statement(tree: Tree, stmt: cst.CSTNode, code: str) -> cst.Module:
    new = _parse_statements(code, tree.module)
    line = tree.line_of(stmt)
    if line is not stmt and len(line.body) > 1 or isinstance(line, cst.SimpleStatementSuite):
        if not all(isinstance(s, cst.SimpleStatementLine) for s in new):
            raise FixError("a statement that shares its line can only be replaced by simple statements")
        small = [s for n in new for s in n.body]
        small = [s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for s in small]
        i = next(i for i, s in enumerate(line.body) if s is stmt)
        body = [*line.body[:i], *small, *line.body[i + 1 :]]
        return replace_nodes(tree.module, {id(line): line.with_changes(body=body)})
    first, last = new[0], new[-1]
    new[0] = with_leading(first, [*line.leading_lines, *first.leading_lines])
    if isinstance(line, cst.SimpleStatementLine) and isinstance(last, cst.SimpleStatementLine):
        new[-1] = last.with_changes(trailing_whitespace=line.trailing_whitespace)  # keeps its comment
    return replace_nodes(tree.module, {id(line): cst.FlattenSentinel(new)})


def _is_expression(code: str, module: cst.Module) -> bool:
    try:
        parse_expression(code, module)
        return True
    except FixError:
        return False


@register("replace-node")
def replace(source: str, intent: FixIntent) -> str:
    code = intent.param("code")
    if not isinstance(code, str):
        raise FixError("replace-node needs param 'code'")
    tree = Tree(source)
    node = tree.find(intent.target, (*STATEMENTS, cst.SimpleStatementLine, cst.BaseExpression), "node")
    if isinstance(node, cst.BaseExpression):
        if not isinstance(tree.parents.get(node), cst.Expr) or _is_expression(code, tree.module):
            expr = parse_expression(code, tree.module)
            if tree.code(node) == code:
                return source
            expr = expr if expr.lpar else expr.with_changes(lpar=node.lpar, rpar=node.rpar)
            return replace_nodes(tree.module, {id(node): expr}).code
        node = tree.parents[node]
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
        node = node.body[0]
    return _replace_statement(tree, node, code).code
