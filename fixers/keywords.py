"""``add-keyword``: add (or replace) a keyword argument of a call, keeping the call's layout.

params: ``keyword`` (name), ``value`` (Python source), ``replace`` (bool, default False: an
existing keyword of that name is left alone; True: its value is replaced).
"""
from __future__ import annotations

import libcst as cst

from sls_lint.core import FixIntent
from sls_lint.fixers.cstutil import Tree, parse_expression, replace_nodes
from sls_lint.fixers.registry import FixError, register

_NO_SPACE = cst.SimpleWhitespace("")


def _plain_newline(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indentation without the comment that may end the line."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return ws


def _separator(call: cst.Call) -> cst.Comma:
    """The comma + whitespace that separate two arguments in this call's style."""
    if len(call.args) >= 2 and isinstance(call.args[-2].comma, cst.Comma):
        sep = call.args[-2].comma
        return sep.with_changes(whitespace_after=_plain_newline(sep.whitespace_after))
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_plain_newline(call.whitespace_before_args))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _keep_comment(sep: cst.Comma, ws: cst.BaseParenthesizableWhitespace) -> cst.Comma:
    """``sep``, but ending the line with the comment that ``ws`` carried (it stays on its line)."""
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(sep.whitespace_after, cst.ParenthesizedWhitespace):
        return sep.with_changes(
            whitespace_after=sep.whitespace_after.with_changes(first_line=ws.first_line, empty_lines=ws.empty_lines)
        )
    return sep


def with_keyword(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """``call`` with ``arg`` appended after the last argument, in the call's layout."""
    if not call.args:
        return call.with_changes(args=[arg])
    last = call.args[-1]
    sep = _separator(call)
    if isinstance(last.comma, cst.Comma):  # trailing comma: the new argument takes it over
        new_arg = arg.with_changes(
            comma=last.comma.with_changes(whitespace_after=_plain_newline(last.comma.whitespace_after)),
            whitespace_after_arg=last.whitespace_after_arg,
        )
        last = last.with_changes(comma=_keep_comment(sep, last.comma.whitespace_after))
    else:
        new_arg = arg.with_changes(whitespace_after_arg=_plain_newline(last.whitespace_after_arg))
        last = last.with_changes(comma=_keep_comment(sep, last.whitespace_after_arg), whitespace_after_arg=_NO_SPACE)
    return call.with_changes(args=[*call.args[:-1], last, new_arg])


@register("add-keyword")
def add_keyword(source: str, intent: FixIntent) -> str:
    keyword, value = intent.param("keyword"), intent.param("value")
    if not isinstance(keyword, str) or not keyword.isidentifier() or not isinstance(value, str):
        raise FixError("add-keyword needs params 'keyword' (a name) and 'value' (Python source)")
    tree = Tree(source)
    call = tree.find(intent.target, (cst.Call,), "call")
    expr = parse_expression(value, tree.module)
    existing = [a for a in call.args if a.keyword is not None and a.keyword.value == keyword]
    if existing:
        if not intent.param("replace", False) or tree.code(existing[0].value) == value:
            return source
        args = [a.with_changes(value=expr) if a is existing[0] else a for a in call.args]
        return replace_nodes(tree.module, {id(call): call.with_changes(args=args)}).code
    arg = cst.Arg(
        value=expr,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
    )
    return replace_nodes(tree.module, {id(call): with_keyword(call, arg)}).code
