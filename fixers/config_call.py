"""``merge-keywords``: add several keyword arguments to one call, keeping its layout; keywords
the call already passes are left alone (so applying the intent twice changes nothing).

Used to extend an existing ``botocore.config.Config(...)`` with the timeouts and retries it
lacks, and to give a database connect all the timeouts it is missing in one edit.

params: ``keywords`` (a sequence of ``(name, value source)`` pairs, in the order to add them).
A call that takes ``**kwargs`` is refused: the keyword might already be in them, and passing it
twice raises ``TypeError``.
"""
from __future__ import annotations

import libcst as cst

from sls_lint.core import FixIntent
from sls_lint.fixers.cstutil import Tree, parse_expression, replace_nodes
from sls_lint.fixers.keywords import with_keyword
from sls_lint.fixers.registry import FixError, register

_NO_SPACE = cst.SimpleWhitespace("")


@register("merge-keywords")
def merge_keywords(source: str, intent: FixIntent) -> str:
    pairs = intent.param("keywords")
    if not pairs or not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and p[0].isidentifier() and isinstance(p[1], str) for p in pairs):
        raise FixError("merge-keywords needs params 'keywords': (name, value source) pairs")
    tree = Tree(source)
    call = tree.find(intent.target, (cst.Call,), "call")
    if any(a.star == "**" for a in call.args):
        raise FixError("the call takes **kwargs, which may already hold these keywords")
    present = {a.keyword.value for a in call.args if a.keyword is not None}
    new = call
    for name, value in pairs:
        if name in present:
            continue
        arg = cst.Arg(
            value=parse_expression(value, tree.module),
            keyword=cst.Name(name),
            equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
        )
        new = with_keyword(new, arg)
        present.add(name)
    if new is call:
        return source
    return replace_nodes(tree.module, {id(call): new}).code
