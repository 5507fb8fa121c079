"""Python files written for a newer interpreter than the one running sls-lint.

The engine parses with the running interpreter's ``ast`` (fast, and what every rule reads). A
file that uses syntax added after that interpreter (PEP 701 f-strings with nested quotes,
backslashes or comments, PEP 695 type parameters and ``type`` statements, PEP 750 template
strings) is not invalid Python: Lambda runs Python 3.12/3.13 and Cloudflare Python Workers run
3.12. :func:`recover` parses such a file with libcst's grammar (which reads newer Python than
the running ``ast``), rewrites only the newer constructs into text the running ``ast`` accepts
*with every other character at its original line and column*, and parses that:

* an f-string (or t-string) that the running interpreter cannot read becomes a parenthesised
  tuple of its replacement-field expressions, each at its original position: the calls,
  names and subscripts inside it are analysed; its literal text is not. An implicit
  concatenation holding such a string becomes one tuple (its plain string parts are not
  analysed either).
* ``def f[T](x)`` / ``class C[T](Base)``: the type-parameter list is blanked (the brackets
  become the call parentheses), so the function and class bodies are analysed.
* ``type Alias = ...`` is replaced by ``pass``: the statement is not analysed.

Anything else that the running ``ast`` rejects stays a syntax error (SLS001): a file libcst
cannot read either (Python 2, invalid code), or one whose remaining error is not one of these
constructs (``except A, B:`` without parentheses is both Python 3.14 syntax and the Python 2
``except E, e:`` idiom, so it is never guessed). The rewrite only ever blanks characters or
swaps one character for another, so lines and character columns are unchanged and
diagnostics need no mapping.

Hooked into :func:`sls_lint.engine.parse_module` (on ``SyntaxError``) and, for the run's
warnings, :class:`sls_lint.engine.Linter`.
"""
from __future__ import annotations

import ast
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .semantic import ModuleModel

__all__ = ["Recovered", "recover", "recover_outcome", "PartialModuleModel", "partial_parse_warnings"]

_NEWLINE = re.compile(r"\r\n|\r|\n")
_RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass(frozen=True)
class Recovered:
    source: str  # same lines and character columns as the original; the running ast parses it
    tree: ast.Module
    notes: tuple[tuple[int, str], ...]  # (line, what was rewritten or skipped)

    def message(self) -> str:
        """A one-line account for the run's warnings: which syntax, where, and what was not analysed."""
        groups: dict[str, list[int]] = {}
        for line, what in self.notes:
            groups.setdefault(what, []).append(line)
        parts = []
        for what, lines in groups.items():
            where = ", ".join(str(n) for n in sorted(set(lines)))
            parts.append(f"{what} (line{'s' if len(set(lines)) > 1 else ''} {where})")
        return (
            f"uses syntax newer than this interpreter (Python {_RUNNING}) can parse: "
            + "; ".join(parts)
            + "; the rest of the file was analysed"
        )


class PartialModuleModel(ModuleModel):
    """A ModuleModel built from the rewritten text; ``recovered`` says what was rewritten."""

    recovered: Recovered


# what each construct costs the analysis, as the warning says it
_FSTRING = "f-string with Python 3.12 syntax (PEP 701), analysed by its expressions only"
_TSTRING = "template string (PEP 750), analysed by its expressions only"
_TYPE_PARAMS = "type parameter list (PEP 695), skipped"
_TYPE_ALIAS = "`type` statement (PEP 695), not analysed"


def _parses(text: str, mode: str = "exec") -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, mode=mode)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


class _Rewriter:
    """Edits a list of characters in place; only blanks (keeping newlines) and 1:1 swaps."""

    def __init__(self, source: str):
        self.source = source
        self.chars = list(source)
        starts = [0]
        for m in _NEWLINE.finditer(source):
            starts.append(m.end())
        self.starts = starts

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def blank(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self.chars[i] not in "\r\n":
                self.chars[i] = " "

    def put(self, index: int, ch: str) -> None:
        self.chars[index] = ch

    def text(self) -> str:
        return "".join(self.chars)


def recover(source: str) -> Recovered | None:
    """The rewritten text and tree of a file that only newer-than-running syntax stops, or None."""
    try:
        return _recover(source)
    except _StillInvalid:
        return None


def _recover(source: str) -> Recovered | None:
    """The rewritten text and tree of a file that only newer-than-running syntax stops, or None
    (libcst cannot read it either, or what stops the running ``ast`` is not a known newer
    construct: then it is a syntax error)."""
    try:
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider
    except ImportError:  # pragma: no cover - libcst is a dependency
        return None
    try:
        module = cst.parse_module(source)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except Exception:  # libcst's ParserSyntaxError, or anything its parser trips on
        return None

    rw = _Rewriter(source)
    notes: list[tuple[int, str]] = []

    def span(node: Any) -> tuple[int, int]:
        r = positions[node]
        return rw.offset(r.start.line, r.start.column), rw.offset(r.end.line, r.end.column)

    def string_exprs(node: Any) -> list[Any]:
        """The replacement-field expressions of an f-/t-string (format specs included), in order."""
        out: list[Any] = []

        def parts(seq: Iterable[Any]) -> None:
            for part in seq or ():
                expr = getattr(part, "expression", None)
                if expr is not None:
                    out.append(expr)
                    parts(getattr(part, "format_spec", None) or ())

        parts(getattr(node, "parts", ()))
        return out

    def is_template(node: Any) -> bool:
        return type(node).__name__ in ("FormattedString", "TemplatedString")

    def fails_alone(node: Any) -> bool:
        start, end = span(node)
        return not _parses("(" + source[start:end] + "\n)", "eval")

    def flatten(node: Any) -> list[Any]:
        if isinstance(node, cst.ConcatenatedString):
            return flatten(node.left) + flatten(node.right)
        return [node]

    def rewrite_string(node: Any, strings: list[Any]) -> None:
        """Turn ``node`` (a string or a concatenation of ``strings``) into a tuple of the
        expressions of its f-/t-string parts; nested strings are handled by the walk."""
        start, end = span(node)
        exprs = [e for s in strings if is_template(s) for e in string_exprs(s)]
        keep = [span(e) for e in exprs]
        # blank everything but the expressions; a comma after each expression
        cursor = start
        for (es, ee) in keep:
            rw.blank(cursor, es)
            cursor = ee
        rw.blank(cursor, end)
        rw.put(start, "(")
        rw.put(end - 1, ")")
        for (es, ee) in keep:
            i = ee
            while i < end - 1 and source[i] in "\r\n":
                i += 1
            if i < end - 1:
                rw.put(i, ",")
        for s in strings:
            if is_template(s):
                line = positions[s].start.line
                notes.append((line, _TSTRING if type(s).__name__ == "TemplatedString" else _FSTRING))

    def type_params(node: Any) -> None:
        start, end = span(node)  # "[" ... "]"
        rw.blank(start, end)
        i = end
        while i < len(source) and source[i] in " \t\\\r\n\f":
            i += 1
        if i < len(source) and source[i] == "(":
            rw.put(start, "(")
            rw.put(i, " ")
        elif i < len(source) and source[i] == ":":
            rw.put(start, "(")
            rw.put(end - 1, ")")
        else:
            raise _GiveUp
        notes.append((positions[node].start.line, _TYPE_PARAMS))

    def type_alias(node: Any) -> None:
        start, end = span(node)
        rw.blank(start, end)
        for k, ch in enumerate("pass"):
            rw.put(start + k, ch)
        notes.append((positions[node].start.line, _TYPE_ALIAS))

    def walk(node: Any) -> None:
        if isinstance(node, cst.ConcatenatedString):
            strings = flatten(node)
            if any(is_template(s) and fails_alone(s) for s in strings):
                rewrite_string(node, strings)
                for s in strings:
                    for e in string_exprs(s) if is_template(s) else ():
                        walk(e)
                return
        elif is_template(node):
            if fails_alone(node):
                rewrite_string(node, [node])
                for e in string_exprs(node):
                    walk(e)
                return
        elif type(node).__name__ == "TypeAlias" and sys.version_info < (3, 12):
            type_alias(node)
            return
        elif type(node).__name__ == "TypeParameters" and sys.version_info < (3, 12):
            type_params(node)
            return
        for child in node.children:
            walk(child)

    try:
        walk(module)
    except (_GiveUp, RecursionError, KeyError, IndexError):
        return None
    if not notes:
        return None  # nothing newer found: what stops ast is an error of its own
    text = rw.text()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, type_comments=False)
    except SyntaxError as exc:
        # the newer constructs were not all that is wrong: report the error that remains
        # (same lines and columns as the original)
        raise _StillInvalid(exc.lineno or 1, max(exc.offset or 1, 1), f"SyntaxError: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        return None
    return Recovered(text, tree, tuple(sorted(set(notes))))


class _StillInvalid(Exception):
    def __init__(self, line: int, column: int, message: str):
        super().__init__(message)
        self.error = (line, column, message)


class _GiveUp(Exception):
    pass


def recover_outcome(path: str, source: str) -> Any:
    """The engine hook: a ParseOutcome with a :class:`PartialModuleModel`, or None (then the
    engine reports the original syntax error)."""
    from .engine import ParseOutcome

    try:
        rec = _recover(source)
    except _StillInvalid as exc:
        return ParseOutcome(None, exc.error)
    if rec is None:
        return None
    try:
        model = PartialModuleModel(path, rec.source, rec.tree)
    except RecursionError:
        return None
    model.recovered = rec
    return ParseOutcome(model)


def partial_parse_warnings(analysis: Any, display: Callable[[str], str]) -> list[str]:
    """One warning per checked file that this process analysed through :func:`recover`. Only
    models already built are looked at (never parses: a file whose findings came from the cache
    or a worker process is not re-read for this)."""
    out = []
    loaded = getattr(analysis.index, "_models", None) or {}
    for f in analysis.files:
        if f.kind != "python" or f.path not in analysis.checked:
            continue
        model = loaded.get(f.path)
        if isinstance(model, PartialModuleModel):
            out.append(f"{display(f.path)}: {model.recovered.message()}")
    return out
