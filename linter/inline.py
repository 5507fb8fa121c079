"""Handler code written inline in deployment files, analysed as modules of its own.

Users deploy it like any other code: CloudFormation ``Code: ZipFile: |`` (AWS::Lambda::Function),
SAM ``InlineCode: |`` (AWS::Serverless::Function), and CDK ``Code.from_inline(...)`` /
``InlineCode(...)`` (a string literal, ``textwrap.dedent(...)`` of one, or a module-level constant
holding one). Lambda saves such code as ``index.py``, so the deployment's handler is
``index.<callable>``.

Each inline body becomes a *virtual module*: a Python :class:`SourceFile` whose path is
``<enclosing file>#<logical id>`` (``template.yaml#PingFunction``) and whose text comes from the
engine's overlay, so discovery, the project model, the call graph, every rule, suppression
comments inside the code, the cache and the worker processes treat it like a file. The project
readers link the function to it (``handler_path``) when the handler is ``index.<callable>``, so
per-invocation rules see the handler. Findings are then mapped back to the line and column of
the enclosing file (:func:`map_back`); a fix becomes display-only advice, since the code is
edited in the deployment file, not in a module.

Skipped on purpose: a function whose runtime is not Python (inline Node.js is common); a body
built with ``!Sub`` / ``Fn::Join`` that does not parse as Python before substitution (a real
syntax error in a plain body is reported as SLS001 at the enclosing file).
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .core import Applicability, Diagnostic, SourceFile, Span

__all__ = ["InlineModule", "virtual_path", "find_inline", "expand", "map_back"]

_MARKERS = ("ZipFile", "InlineCode", "from_inline")


@dataclass(frozen=True)
class InlineModule:
    path: str  # virtual path: "<origin>#<name>"
    origin: str  # the enclosing deployment file (root-relative, posix)
    name: str  # logical id / construct id
    code: str
    # for each line of ``code``: (line in ``origin``, character offset to add to the column)
    line_map: tuple[tuple[int, int], ...]

    def map_span(self, span: Span) -> Span:
        def one(line: int, col: int) -> tuple[int, int]:
            if 0 < line <= len(self.line_map):
                fl, off = self.line_map[line - 1]
                return fl, col + off
            fl, off = self.line_map[-1] if self.line_map else (1, 0)
            return fl, 1 + off

        line, col = one(span.line, span.column)
        end_line, end_col = one(span.end_line, span.end_column)
        if (end_line, end_col) <= (line, col):
            end_line, end_col = line, col + 1
        return Span(line, col, end_line, end_col)


def virtual_path(origin: str, name: str) -> str:
    """The virtual module path of function ``name``'s inline code in ``origin``."""
    return f"{origin}#{name.replace('/', '_').replace('#', '_')}"


# ---------------------------------------------------------------------------------------------
# positions
# ---------------------------------------------------------------------------------------------


def _line_map(code: str, file_lines: list[str], start: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """Where each line of ``code`` sits in the enclosing file, searching forward from ``start``
    (1-based line, 0-based column of the value): YAML block scalars and triple-quoted strings
    keep one code line per file line behind an indentation; a JSON string keeps them all on one
    line. A line that cannot be found maps to the value's start."""
    out: list[tuple[int, int]] = []
    line, col = start
    fallback = (start[0], start[1])
    for text in code.split("\n"):
        text = text.rstrip("\r")
        if not text.strip():
            nxt = line + 1 if out else line
            out.append((min(nxt, len(file_lines)) or 1, 0))
            if out[-1][0] > line:
                line, col = out[-1][0], 0
            continue
        found = None
        for ln in range(line, min(line + 3, len(file_lines)) + 1):
            hay = file_lines[ln - 1] if 0 < ln <= len(file_lines) else ""
            at = hay.find(text, col if ln == line else 0)
            if at >= 0:
                found = (ln, at)
                break
        if found is None:
            out.append((fallback[0], fallback[1]))
            continue
        ln, at = found
        out.append((ln, at))
        line, col = ln, at + len(text)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# finding inline code
# ---------------------------------------------------------------------------------------------


def _is_python(runtime: Any) -> bool:
    return isinstance(runtime, str) and runtime.strip().lower().startswith("python")


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _template_modules(path: str, text: str) -> list[InlineModule]:
    from .project.cloudformation import load_template
    from .project.model import Tagged

    result = load_template(text, path)
    data = result.data
    if result.error or not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        return []
    lines = text.splitlines()
    globals_fn = data.get("Globals", {}).get("Function", {}) if isinstance(data.get("Globals"), dict) else {}
    globals_fn = globals_fn if isinstance(globals_fn, dict) else {}
    out = []
    for logical, res in data["Resources"].items():
        if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
            continue
        props = res["Properties"]
        kind = res.get("Type")
        if kind == "AWS::Serverless::Function" and "InlineCode" in props:
            keypath: tuple = ("Resources", logical, "Properties", "InlineCode")
            runtime = props.get("Runtime", globals_fn.get("Runtime"))
        elif kind == "AWS::Lambda::Function" and isinstance(props.get("Code"), dict) and "ZipFile" in props["Code"]:
            keypath = ("Resources", logical, "Properties", "Code", "ZipFile")
            runtime = props.get("Runtime")
        else:
            continue
        if not _is_python(runtime):
            continue
        value: Any = result.data
        for k in keypath:
            value = value[k]
        start = result.value_locations.get(keypath) or result.locations.get(keypath) or (1, 1)
        start = (start[0], max(start[1] - 1, 0))
        substituted = False
        if isinstance(value, Tagged) and value.name == "Sub" and isinstance(value.value, str):
            value, substituted = value.value, True
        elif isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Fn::Sub"), str):
            value, substituted = value["Fn::Sub"], True
        elif isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Fn::Join"), list):
            value, substituted = _join(value["Fn::Join"]), True
        elif isinstance(value, Tagged) and value.name == "Join" and isinstance(value.value, list):
            value, substituted = _join(value.value), True
        if not isinstance(value, str) or not value.strip():
            continue
        if substituted and not _parses(value):
            continue  # ${...} placeholders: not Python until CloudFormation substitutes them
        vpath = virtual_path(path, str(logical))
        out.append(InlineModule(vpath, path, str(logical), value, _line_map(value, lines, start)))
    return out


def _join(args: list) -> str | None:
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], list) and all(isinstance(p, str) for p in args[1]):
        return args[0].join(args[1])
    return None


def _cdk_modules(path: str, text: str) -> list[InlineModule]:
    from .parseguard import crashes_parser

    if crashes_parser(text):  # Python 3.10 only (see parseguard); the engine reports the file
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    constants: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            constants[stmt.targets[0].id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            constants[stmt.target.id] = stmt.value
    lines = text.splitlines()
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        code_kw = next((k.value for k in node.keywords if k.arg == "code"), None)
        if not (isinstance(code_kw, ast.Call) and _callee(code_kw) in ("from_inline", "InlineCode") and code_kw.args):
            continue
        ident = node.args[1]
        if not (isinstance(ident, ast.Constant) and isinstance(ident.value, str)):
            continue
        runtime = next((k.value for k in node.keywords if k.arg == "runtime"), None)
        if runtime is not None and "PYTHON" not in ast.unparse(runtime).upper():
            continue
        literal = _string(code_kw.args[0], constants)
        if literal is None:
            continue
        code, where = literal
        vpath = virtual_path(path, ident.value)
        out.append(InlineModule(vpath, path, ident.value, code, _line_map(code, lines, (where.lineno, 0))))
    return out


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _string(node: ast.expr, constants: Mapping[str, ast.expr], depth: int = 0) -> tuple[str, ast.expr] | None:
    """A str literal, a module-level constant holding one, or textwrap.dedent / inspect.cleandoc of one."""
    if depth > 3:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, node
    if isinstance(node, ast.Name) and node.id in constants:
        return _string(constants[node.id], constants, depth + 1)
    if isinstance(node, ast.Call) and _callee(node) in ("dedent", "cleandoc") and len(node.args) == 1:
        inner = _string(node.args[0], constants, depth + 1)
        if inner is not None:
            import inspect

            fn = textwrap.dedent if _callee(node) == "dedent" else inspect.cleandoc
            return fn(inner[0]), inner[1]
    return None


# (kind, path, text hash) -> modules: a warm run in the same process (editor, fix rounds) parses
# nothing again
_MEMO: dict[tuple[str, str, str], list[InlineModule]] = {}


def _modules_of(f: SourceFile, text: str, cache: Any = None) -> list[InlineModule]:
    key = (f.kind, f.path, hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest())
    found = _MEMO.get(key)
    if found is None and cache is not None:  # the result cache: a warm run parses nothing
        stored = cache.get_derived("inline", "\0".join(key))
        if isinstance(stored, list) and all(isinstance(m, InlineModule) for m in stored):
            found = _MEMO[key] = stored
    if found is None:
        try:
            if f.kind == "cloudformation":
                found = _template_modules(f.path, text)
            else:
                found = _cdk_modules(f.path, text)
        except (RecursionError, ValueError, KeyError, TypeError, AttributeError):
            found = []  # a malformed file: the project model reports it
        if len(_MEMO) > 512:
            _MEMO.clear()
        _MEMO[key] = found
        if cache is not None:
            cache.put_derived("inline", "\0".join(key), found, keep=1024)
    return found


def find_inline(files: list[SourceFile], text_of: Callable[[str], str | None], cache: Any = None) -> list[InlineModule]:
    """Every inline Python handler body in the deployment files and CDK apps of ``files``."""
    out: list[InlineModule] = []
    for f in files:
        if f.vendored or f.kind not in ("cloudformation", "python", "cdk"):
            continue
        text = text_of(f.path)
        if not text or not any(m in text for m in _MARKERS):
            continue
        if f.kind != "cloudformation" and "aws_cdk" not in text:
            continue
        out.extend(_modules_of(f, text, cache))
    seen: set[str] = set()
    unique = []
    for m in out:
        if m.path not in seen:
            seen.add(m.path)
            unique.append(m)
    return unique


# ---------------------------------------------------------------------------------------------
# the engine hook
# ---------------------------------------------------------------------------------------------


def expand(root: str, files: list[SourceFile], checked: set[str], overlay: Mapping[str, str], cache: Any = None, read: Callable[[str], str | None] | None = None):
    """(files, checked, overlay, attach): the run's files plus one virtual module per inline
    body, and ``attach(analysis)`` that makes the analysis report their findings in the
    enclosing files. ``read``: the run's own reader (``SourceStore.text``), used when there is
    no cache to skip unchanged files with: each file is then read once for the whole run."""

    memo = cache if callable(getattr(cache, "trusted_memo", None)) else None

    def text_of(path: str) -> str | None:
        if memo is None and read is not None:
            return read(path)
        if path in overlay:
            return overlay[path]
        full = os.path.join(root, *path.split("/"))
        status = None
        if memo is not None:  # a warm run reads no file that had no marker and is unchanged since
            status = memo.status_of(full)
            if memo.trusted_memo("inline-marker", path, status) is False:
                return None  # find_inline skips a file without text as it skips one without a marker
        try:
            with open(full, encoding="utf-8-sig") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            return None
        if memo is not None and not overlay:  # a run with in-memory texts writes no cache
            memo.record_memo("inline-marker", path, status, any(m in text for m in _MARKERS))
        return text

    modules = find_inline(files, text_of, cache)
    if not modules:
        return files, checked, overlay, lambda analysis: analysis
    by_path = {f.path: f for f in files}
    new_files = list(files)
    new_checked = set(checked)
    new_overlay = dict(overlay)
    for m in modules:
        origin = by_path[m.origin]
        new_files.append(SourceFile(m.path, origin.abs_path, "python"))
        new_overlay[m.path] = m.code
        if m.origin in checked:
            new_checked.add(m.path)
    new_files.sort(key=lambda f: f.path)
    table = {m.path: m for m in modules}

    def attach(analysis):
        run = analysis.run

        def run_and_map():
            return map_back(run(), table)

        analysis.run = run_and_map
        analysis.inline_modules = table
        # The texts travel in the overlay (worker processes copy it), but unlike an editor
        # buffer they derive from files on disk, so their results may be cached: the store
        # serves them from its read cache and the overlay does not claim them.
        store = analysis.store
        store.overlay = _DerivedOverlay(store.overlay, set(table))
        for path, m in table.items():
            store._cache[path] = m.code
        return analysis

    return new_files, new_checked, new_overlay, attach


class _DerivedOverlay(dict):
    """An overlay whose derived entries (inline modules) hold their text for copies (``dict(o)``
    in the worker set-up) but are not reported as members: the engine caches only files that
    are not in the overlay."""

    def __init__(self, data: Mapping[str, str], derived: set[str]):
        super().__init__(data)
        self.derived = frozenset(derived)

    def __contains__(self, key: object) -> bool:
        return key not in self.derived and super().__contains__(key)


def map_back(diagnostics: list[Diagnostic], table: Mapping[str, InlineModule]) -> list[Diagnostic]:
    """Findings in virtual modules, moved to the enclosing file; fixes become advice. A
    suppression comment inside inline code belongs to the virtual module (which reports it when
    unused): the enclosing file's own SLS002 for it is dropped."""
    inline_lines: dict[str, set[int]] = {}
    for m in table.values():
        inline_lines.setdefault(m.origin, set()).update(line for line, _ in m.line_map)
    out = []
    for d in diagnostics:
        m = table.get(d.path)
        if m is None:
            if not (d.code == "SLS002" and d.span.line in inline_lines.get(d.path, ())):
                out.append(d)
            continue
        fix = d.fix
        if fix is not None and fix.applicability is not Applicability.DISPLAY_ONLY:
            fix = dataclasses.replace(fix, kind="display-only", applicability=Applicability.DISPLAY_ONLY, target=None)
        message = d.message
        if d.code == "SLS001":
            message = message.replace(f"{m.path} cannot be parsed", f"inline code of `{m.name}` in {m.origin} cannot be parsed", 1)
        out.append(dataclasses.replace(d, path=m.origin, span=m.map_span(d.span), message=message, fix=fix))
    return out
