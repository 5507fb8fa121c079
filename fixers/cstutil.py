"""libcst helpers shared by the Python fixers: parse, find a node by span, edit statement lists."""
from __future__ import annotations

import ast
import re
import warnings
from typing import Iterable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from sls_lint.core import Span
from sls_lint.fixers.registry import FixError, register_validator

CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


class Tree:
    """A parsed module with positions and parents, and the node lookups fixers need."""

    def __init__(self, source: str) -> None:
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            raise FixError(f"the file does not parse: {exc.message}") from None
        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)

    def span(self, node: cst.CSTNode) -> Span:
        r = self.positions[node]
        return Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

    def find(self, span: Span | None, types: tuple[type, ...], what: str) -> cst.CSTNode:
        """The outermost node of one of ``types`` whose range is exactly ``span``."""
        if span is None:
            raise FixError(f"the fix has no target {what}")
        found = [n for n, r in self.positions.items() if isinstance(n, types) and self.span(n) == span]
        if not found:
            raise FixError(f"no {what} at {span.line}:{span.column}-{span.end_line}:{span.end_column}")
        return max(found, key=self.depth_key)

    def depth_key(self, node: cst.CSTNode) -> int:
        return -len(self.ancestors(node))

    def ancestors(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        out = []
        while node in self.parents:
            node = self.parents[node]
            out.append(node)
        return out

    def line_of(self, stmt: cst.CSTNode) -> cst.CSTNode:
        """The element of a statement list that holds ``stmt`` (a line, or the compound statement)."""
        parent = self.parents.get(stmt)
        if isinstance(parent, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return parent
        return stmt

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for n in self.ancestors(node):
            if isinstance(n, cst.FunctionDef):
                return n
        return None

    def toplevel_index(self, node: cst.CSTNode) -> int:
        chain = [node, *self.ancestors(node)]
        for i, stmt in enumerate(self.module.body):
            if any(stmt is n for n in chain):
                return i
        raise FixError("the target is not inside the module body")

    def code(self, node: cst.CSTNode) -> str:
        """The node's code; lines inside brackets are relative to the block's indentation."""
        return self.module.code_for_node(node)


def replace_nodes(module: cst.Module, mapping: dict[int, object]) -> cst.Module:
    """Replace nodes by identity (``id(node)`` -> new node, RemovalSentinel or FlattenSentinel)."""

    class _Replace(cst.CSTTransformer):
        def on_leave(self, original, updated):  # type: ignore[override]
            return mapping.get(id(original), updated)

    return module.visit(_Replace())


def with_leading(node: cst.CSTNode, lines: Sequence[cst.EmptyLine]) -> cst.CSTNode:
    return node.with_changes(leading_lines=list(lines)) if hasattr(node, "leading_lines") else node


def split_attached(lines: Sequence[cst.EmptyLine]) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """(other lines, the comment lines directly above the statement with no blank line between)."""
    cut = len(lines)
    while cut and lines[cut - 1].comment is not None:
        cut -= 1
    return list(lines[:cut]), list(lines[cut:])


def merge_leading(carried: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """Leading lines of the statement that follows a removed one: keep comments, not double blanks."""
    if any(line.comment is not None for line in carried):
        return [*carried, *own]
    return list(own) if own else list(carried)


def pass_line(leading: Sequence[cst.EmptyLine] = ()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=list(leading))


def without_line(body: Sequence[cst.CSTNode], index: int, carried: Sequence[cst.EmptyLine]):
    """``body`` minus ``body[index]``; its leading lines go to the next statement; [pass] when empty."""
    rest = list(body[:index]) + list(body[index + 1 :])
    if index < len(rest):
        nxt = rest[index]
        rest[index] = with_leading(nxt, merge_leading(carried, getattr(nxt, "leading_lines", ())))
        carried = ()
    return rest, [line for line in carried if line.comment is not None]


def remove_statement(tree: Tree, stmt: cst.CSTNode, carried: Sequence[cst.EmptyLine] | None = None) -> cst.Module:
    """Remove a statement from its block (``pass`` when the block would be empty).

    ``carried``: leading lines of the removed line that stay in the block (default: its comments).
    """
    line = tree.line_of(stmt)
    parent = tree.parents[line]
    if line is not stmt and len(line.body) > 1:
        small = [s for s in line.body if s is not stmt]
        small[-1] = small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return replace_nodes(tree.module, {id(line): line.with_changes(body=small)})
    if isinstance(line, cst.SimpleStatementSuite):  # `if x: a` with `a` removed
        return replace_nodes(tree.module, {id(line): line.with_changes(body=[cst.Pass()])})
    if carried is None:
        carried = getattr(line, "leading_lines", ())
    index = next(i for i, s in enumerate(parent.body) if s is line)
    body, leftover = without_line(parent.body, index, carried)
    if isinstance(parent, cst.Module):
        new_parent = parent.with_changes(body=body, footer=[*leftover, *parent.footer])
        return new_parent
    if not body:
        body, leftover = [pass_line(leftover)], []
    new_parent = parent.with_changes(body=body, footer=[*leftover, *parent.footer])
    return replace_nodes(tree.module, {id(parent): new_parent})


def _protected(index: int, line: cst.EmptyLine) -> bool:
    text = line.comment.value if line.comment else ""
    return (index == 0 and text.startswith("#!")) or (index <= 1 and bool(CODING.match(text)))


def detach_header_comments(module: cst.Module) -> cst.Module:
    """Move the comments directly above the first statement from the module header onto it."""
    if not module.body:
        return module
    header = list(module.header)
    cut = len(header)
    while cut and header[cut - 1].comment is not None and not _protected(cut - 1, header[cut - 1]):
        cut -= 1
    if cut == len(header):
        return module
    first = module.body[0]
    body = [with_leading(first, [*header[cut:], *first.leading_lines]), *module.body[1:]]
    return module.with_changes(header=header[:cut], body=body)


def insert_toplevel(module: cst.Module, index: int, statements: Iterable[cst.CSTNode]) -> cst.Module:
    """Insert statements at module level just before ``module.body[index]`` and its comments.

    The new statements take the blank lines that separated the old statement from the one before;
    the old statement is then separated by the same blank lines (two before a def or class, one
    before anything else, when there were none).
    """
    if index == 0:
        module = detach_header_comments(module)
    body = list(module.body)
    new = list(statements)
    if index < len(body):
        old = body[index]
        lines = list(getattr(old, "leading_lines", ()))
        n = 0
        while n < len(lines) and lines[n].comment is None:
            n += 1
        blanks, rest = lines[:n], lines[n:]
        gap = 2 if isinstance(old, (cst.FunctionDef, cst.ClassDef)) else 1
        sep = blanks or [cst.EmptyLine()] * gap
        new[0] = with_leading(new[0], [*blanks, *getattr(new[0], "leading_lines", ())])
        body[index] = with_leading(old, [*sep, *rest])
    body[index:index] = new
    return module.with_changes(body=body)


def parse_statement(code: str, module: cst.Module) -> cst.BaseStatement:
    try:
        return cst.parse_statement(code, config=module.config_for_parsing)
    except cst.ParserSyntaxError as exc:
        raise FixError(f"not a statement: {code!r} ({exc.message})") from None


def parse_expression(code: str, module: cst.Module) -> cst.BaseExpression:
    try:
        return cst.parse_expression(code, config=module.config_for_parsing)
    except cst.ParserSyntaxError as exc:
        raise FixError(f"not an expression: {code!r} ({exc.message})") from None


@register_validator(".py", ".pyi")
def python_parses(new: str, old: str) -> str | None:
    """ast is the judge; for a file ast cannot read (newer grammar), libcst must still read it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(new)
            return None
        except SyntaxError as exc:
            reason = f"{exc.msg} (line {exc.lineno})"
        except ValueError as exc:  # null bytes
            return str(exc)
        try:
            ast.parse(old)
            return reason
        except (SyntaxError, ValueError):
            pass
    try:
        cst.parse_module(new)
        return None
    except cst.ParserSyntaxError as exc:
        return exc.message
