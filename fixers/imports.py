"""Add missing module-level imports (the ``imports`` parameter that any Python fix intent may carry).

``imports`` is a sequence of ``(module, name)`` pairs: ``("time", None)`` means ``import time``,
``("botocore.config", "Config")`` means ``from botocore.config import Config``. An import that is
already bound at module scope is not added again; ``import a.b`` and ``from a import b`` bind
different names, so one never satisfies the other.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import libcst as cst

from sls_lint.fixers.cstutil import parse_statement
from sls_lint.fixers.registry import FixError


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _is_type_checking(node: cst.If) -> bool:
    return _dotted(node.test).split(".")[-1] == "TYPE_CHECKING"


def _module_level_imports(body: Iterable[cst.CSTNode]) -> Iterator[cst.Import | cst.ImportFrom]:
    """Imports that run at module scope, also inside top-level try/if (not ``if TYPE_CHECKING``)."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from (s for s in stmt.body if isinstance(s, (cst.Import, cst.ImportFrom)))
        elif isinstance(stmt, cst.If) and not _is_type_checking(stmt):
            yield from _module_level_imports(stmt.body.body)
            if stmt.orelse is not None:
                yield from _module_level_imports([stmt.orelse])
        elif isinstance(stmt, cst.Else):
            yield from _module_level_imports(stmt.body.body)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            for block in (stmt.body, *(h.body for h in stmt.handlers)):
                yield from _module_level_imports(block.body)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    yield from _module_level_imports(extra.body.body)


def _bindings(module: cst.Module) -> set[tuple[str, ...]]:
    """("import", "a.b") for ``import a.b``; ("from", "a", "b") for ``from a import b`` (or
    ``import a.b as b``, which binds the same submodule to the same name)."""
    found: set[tuple[str, ...]] = set()
    for node in _module_level_imports(module.body):
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _dotted(alias.name)
                asname = _dotted(alias.asname.name) if alias.asname else None
                if asname is None or asname == dotted:
                    found.add(("import", dotted))
                elif "." in dotted and dotted.rsplit(".", 1)[1] == asname:
                    found.add(("from", dotted.rsplit(".", 1)[0], asname))
        elif not isinstance(node.names, cst.ImportStar):
            base = "." * len(node.relative) + (_dotted(node.module) if node.module else "")
            for alias in node.names:
                name = _dotted(alias.name)
                if alias.asname is None or _dotted(alias.asname.name) == name:
                    found.add(("from", base, name))
    return found


def _satisfied(module: str, name: str | None, found: set[tuple[str, ...]]) -> bool:
    if name is not None:
        return ("from", module, name) in found
    return any(kind == "import" and (rest[0] == module or rest[0].startswith(module + ".")) for kind, *rest in found)


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_future(stmt: cst.CSTNode) -> bool:
    return _is_import_line(stmt) and all(
        isinstance(s, cst.ImportFrom) and s.module is not None and _dotted(s.module) == "__future__"
        for s in stmt.body
    )


def _insertion_index(body: list[cst.CSTNode]) -> tuple[int, bool]:
    """(where new imports go, whether they follow other imports)."""
    last = max((i for i, s in enumerate(body) if _is_import_line(s)), default=None)
    if last is not None:
        return last + 1, True
    i = 1 if body and _is_docstring(body[0]) else 0
    while i < len(body) and _is_future(body[i]):
        i += 1
    return i, False


def import_statement(module: str, name: str | None, tree: cst.Module) -> cst.BaseStatement:
    if not module or (name is not None and not name.isidentifier()):
        raise FixError(f"invalid import: {(module, name)!r}")
    code = f"import {module}" if name is None else f"from {module} import {name}"
    return parse_statement(code + tree.default_newline, tree)


def add_imports(source: str, imports: Iterable[tuple[str, str | None]]) -> str:
    """``source`` with each missing import added after the last top-level import."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise FixError(f"the file does not parse: {exc.message}") from None
    found = _bindings(module)
    new: list[cst.BaseStatement] = []
    for pair in imports:
        mod, name = pair
        if _satisfied(mod, name, found):
            continue
        new.append(import_statement(mod, name, module))
        found.add(("import", mod) if name is None else ("from", mod, name))
    if not new:
        return source
    body = list(module.body)
    index, after_imports = _insertion_index(body)
    if not after_imports and index < len(body):
        nxt = body[index]
        lines = list(nxt.leading_lines)
        if not lines or lines[0].comment is not None:
            body[index] = nxt.with_changes(leading_lines=[cst.EmptyLine(), *lines])
    trailing = module.has_trailing_newline or not module.body
    body[index:index] = new
    return module.with_changes(body=body, has_trailing_newline=trailing).code
