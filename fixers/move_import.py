"""``move-import``: move a module-level import into the functions that use it (or under
``if TYPE_CHECKING:`` when only annotations use it).

Params: ``name`` (the name the import binds), ``noqa`` (bool: add ``# noqa: PLC0415`` to each
moved import, for projects that also run Ruff or Pylint).

Each use gets the import at the top of the innermost block that runs it: a function body (after
its docstring), an ``if``/``elif``/``else`` arm, an ``except`` handler or a ``case``. Loop, ``with``,
``try`` and ``finally`` bodies are transparent (the import goes before the statement), and a block
that already gets the import covers the blocks inside it. When annotations also use the name, a
copy goes under ``if TYPE_CHECKING:`` so type checkers still see it.

The fixer refuses when the import is not a plain statement of the module body, when the module
binds the name in any other way, when a function declares it ``global``, or when a use runs at
module scope (decorators, defaults, class bodies, module code).
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import GlobalScope, ScopeProvider

from sls_lint.core import FixIntent
from sls_lint.fixers.cstutil import Tree, parse_statement, with_leading, without_line
from sls_lint.fixers.imports import add_imports
from sls_lint.fixers.registry import FixError, register

_BOUNDARY_OWNERS = (cst.If, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase, cst.FunctionDef)
NOQA = "# noqa: PLC0415"


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _bound_name(stmt: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return _dotted(alias.asname.name)
    full = _dotted(alias.name)
    return full.split(".")[0] if isinstance(stmt, cst.Import) else full


def _import_code(stmt: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> str:
    name = _dotted(alias.name)
    tail = f" as {_dotted(alias.asname.name)}" if alias.asname is not None else ""
    if isinstance(stmt, cst.Import):
        return f"import {name}{tail}"
    module = "." * len(stmt.relative) + (_dotted(stmt.module) if stmt.module else "")
    return f"from {module} import {name}{tail}"


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_type_checking_if(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.If) and _dotted(stmt.test).split(".")[-1] == "TYPE_CHECKING" and isinstance(stmt.body, cst.IndentedBlock)


class _Insert(cst.CSTTransformer):
    """Insert a statement at the top of the given blocks (by identity of the original block)."""

    def __init__(self, blocks: dict[int, bool], make):
        self.blocks = blocks  # id(block) -> is a function body
        self.make = make

    def on_leave(self, original, updated):  # type: ignore[override]
        if id(original) not in self.blocks:
            return updated
        is_function = self.blocks[id(original)]
        if isinstance(updated, cst.SimpleStatementSuite):
            body = [cst.SimpleStatementLine(body=[s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)]) for s in updated.body]
            updated = cst.IndentedBlock(body=body)
        body = list(updated.body)
        at = 1 if is_function and body and _is_docstring(body[0]) else 0
        body.insert(at, self.make())
        return updated.with_changes(body=body)


@register("move-import")
def move_import(source: str, intent: FixIntent) -> str:
    name = intent.param("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise FixError("move-import needs param 'name' (an identifier)")
    tree = Tree(source)
    target = tree.find(intent.target, (cst.Import, cst.ImportFrom, cst.SimpleStatementLine), "import")
    line = target if isinstance(target, cst.SimpleStatementLine) else tree.parents.get(target)
    if not isinstance(line, cst.SimpleStatementLine) or tree.parents.get(line) is not tree.module:
        raise FixError("the import is not a plain statement of the module body")
    stmts = [s for s in line.body if isinstance(s, (cst.Import, cst.ImportFrom))]
    found = [(s, a) for s in stmts if not isinstance(s.names, cst.ImportStar) for a in s.names if _bound_name(s, a) == name]
    if len(found) != 1:
        raise FixError(f"no single import of {name!r} on this line")
    stmt, alias = found[0]
    moved_code = _import_code(stmt, alias)

    scopes = tree.wrapper.resolve(ScopeProvider)
    glob = scopes[tree.module]
    assert isinstance(glob, GlobalScope)
    mine = [a for a in glob.assignments if a.name == name or a.name.startswith(name + ".")]
    if not mine or any(getattr(a, "node", None) is not stmt for a in mine):
        raise FixError(f"the module binds {name!r} in other ways too")
    for node in tree.positions:
        if isinstance(node, cst.Global) and any(n.name.value == name for n in node.names):
            raise FixError(f"a function declares {name!r} global")

    runtime, annotation = [], []
    seen: set[int] = set()
    for a in mine:
        for access in a.references:
            if id(access.node) in seen:
                continue
            seen.add(id(access.node))
            (annotation if access.is_annotation else runtime).append(access.node)

    blocks: dict[int, tuple[cst.CSTNode, bool, list[cst.CSTNode]]] = {}
    for node in runtime:
        block, is_function, chain = _block_for(tree, node)
        blocks.setdefault(id(block), (block, is_function, chain))
    # a block inside another chosen block is covered by it
    chosen = {k: v for k, v in blocks.items() if not any(id(b) in blocks and id(b) != k for b in v[2])}

    newline = tree.module.default_newline
    noqa = bool(intent.param("noqa"))

    def make() -> cst.BaseStatement:
        new = parse_statement(moved_code + newline, tree.module)
        if noqa and isinstance(new, cst.SimpleStatementLine):
            new = new.with_changes(trailing_whitespace=cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(NOQA), newline=cst.Newline()))
        return new

    module = tree.module
    if chosen:
        module = module.visit(_Insert({k: v[1] for k, v in chosen.items()}, make))

    # remove the import from the module body (same index: nothing was inserted at module level)
    index = next(i for i, s in enumerate(tree.module.body) if s is line)
    body = list(module.body)
    old_line = body[index]
    assert isinstance(old_line, cst.SimpleStatementLine)
    if len(stmts) == 1 and len(line.body) == 1 and len(stmt.names) == 1:  # type: ignore[arg-type]
        body, leftover = without_line(body, index, old_line.leading_lines)
        if index == 0 and body and hasattr(body[0], "leading_lines"):
            lines = list(body[0].leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            body[0] = with_leading(body[0], lines)
        footer = [*leftover, *module.footer]
    else:
        new_small = []
        for s in old_line.body:
            if isinstance(s, (cst.Import, cst.ImportFrom)) and not isinstance(s.names, cst.ImportStar) and any(_bound_name(s, a) == name for a in s.names):
                names = [a for a in s.names if _bound_name(s, a) != name]
                if not names:
                    continue
                names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                s = s.with_changes(names=names)
                if isinstance(s, cst.ImportFrom) and len(names) == 1:
                    s = s.with_changes(lpar=None, rpar=None)
            new_small.append(s)
        new_small[-1] = new_small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        body[index] = old_line.with_changes(body=new_small)
        footer = list(module.footer)

    need_typing_import = False
    if annotation:
        existing = next((i for i, s in enumerate(body) if _is_type_checking_if(s)), None)
        if existing is not None:
            block = body[existing]
            inner = list(block.body.body)
            if not any(isinstance(s, cst.SimpleStatementLine) and tree.module.code_for_node(s.with_changes(leading_lines=[])).strip() == moved_code for s in inner):
                inner.append(parse_statement(moved_code + newline, tree.module))
            body[existing] = block.with_changes(body=block.body.with_changes(body=inner))
        else:
            last = max((i for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body)), default=None)
            at = (last + 1) if last is not None else index
            guard = parse_statement(f"if TYPE_CHECKING:{newline}    {moved_code}{newline}", tree.module)
            guard = with_leading(guard, [cst.EmptyLine()] if at > 0 else [])
            body.insert(at, guard)
            need_typing_import = True
    out = module.with_changes(body=body, footer=footer).code
    if need_typing_import:
        out = add_imports(out, [("typing", "TYPE_CHECKING")])
    return out


def _block_for(tree: Tree, node: cst.CSTNode) -> tuple[cst.CSTNode, bool, list[cst.CSTNode]]:
    """(the block whose top gets the import, whether it is a function body, the blocks above it)."""
    chain: list[cst.CSTNode] = []
    child = node
    chosen: tuple[cst.CSTNode, bool] | None = None
    for anc in tree.ancestors(node):
        if isinstance(child, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            owner = anc
            is_function_body = isinstance(owner, cst.FunctionDef) and owner.body is child
            boundary = is_function_body or isinstance(owner, (cst.If, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)) or (
                isinstance(owner, cst.Else) and isinstance(tree.parents.get(owner), cst.If)
            )
            if boundary:
                if chosen is None:
                    chosen = (child, is_function_body)
                else:
                    chain.append(child)
            if is_function_body:
                if chosen is not None and chosen[0] is not child:
                    break
                break
        child = anc
    if chosen is None:
        raise FixError("a use of the name runs at module scope")
    if not _inside_function_body(tree, chosen[0]):
        raise FixError("a use of the name runs at module scope")
    return chosen[0], chosen[1], chain + _outer_blocks(tree, chosen[0])


def _inside_function_body(tree: Tree, block: cst.CSTNode) -> bool:
    child = block
    for anc in tree.ancestors(block):
        if isinstance(anc, cst.FunctionDef) and anc.body is child:
            return True
        if isinstance(anc, cst.ClassDef) and anc.body is child:
            return False
        child = anc
    return False


def _outer_blocks(tree: Tree, block: cst.CSTNode) -> list[cst.CSTNode]:
    return [a for a in tree.ancestors(block) if isinstance(a, (cst.IndentedBlock, cst.SimpleStatementSuite))]
