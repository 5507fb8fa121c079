"""Ruff-like terminal output: one block per finding with a source excerpt, then a summary.

    handler.py:5:9: SLS201 [*] requests.get without a timeout
      |
    5 |     r = requests.get(url)
      |         ^^^^^^^^^^^^^^^^^ SLS201
      |
      = help: Add `timeout=10`

``[*]`` marks a finding that ``--fix`` repairs (a safe fix). With ``statistics`` the findings are
counted per rule instead.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

from sls_lint.core import Applicability, Diagnostic, TextEdit
from sls_lint.reporters import ReportContext, escape_undecodable, ordered
from sls_lint.reporters.excerpt import underline

_CODES = {"bold": "1", "red": "31", "yellow": "33", "blue": "34", "cyan": "36", "green": "32", "dim": "2"}
_SEVERITY_COLOR = {"error": "red", "warning": "yellow", "info": "blue"}


def _paint(text: str, style: str, context: ReportContext) -> str:
    if not context.color:
        return text
    codes = ";".join(_CODES[s] for s in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _is_safe(d: Diagnostic) -> bool:
    return d.fix is not None and d.fix.applicability is Applicability.SAFE


def printable(text: str) -> str:
    """Control characters (a message may quote source) are shown escaped, never sent to the
    terminal; a non-UTF-8 file-name byte as ``\\xNN``, as in every other format."""
    if text.isprintable():  # almost always: no per-character work
        return text
    text = escape_undecodable(text)
    return "".join(ch if ch.isprintable() or ch == "\t" else ch.encode("unicode_escape").decode() for ch in text)


def _header(d: Diagnostic, context: ReportContext) -> str:
    where = _paint(f"{printable(d.path)}:{d.line}:{d.column}:", "bold", context)
    code = _paint(d.code, f"bold {_SEVERITY_COLOR.get(d.severity.value, 'red')}", context)
    marker = " " + _paint("[*]", "cyan", context) if _is_safe(d) else ""
    return f"{where} {code}{marker} {printable(d.message)}"


def _excerpt(d: Diagnostic, context: ReportContext) -> list[str]:
    source = context.sources.get(d.path)
    found = underline(source, d.span) if source is not None else None
    if found is None:
        return []
    text, start, width = found
    number = str(d.line)
    gutter = " " * len(number)
    bar = _paint("|", "blue", context)
    marks = _paint("^" * width + " " + d.code, "red", context)
    return [f"{gutter} {bar}", f"{_paint(number, 'blue', context)} {bar} {text}", f"{gutter} {bar} {' ' * start}{marks}", f"{gutter} {bar}"]


def _fix_diff(source: str | None, edits: list[TextEdit]) -> list[str]:
    if not edits:
        return []
    if source is None:
        return [f"    {e.line}:{e.column}-{e.end_line}:{e.end_column} -> {e.new_text!r}" for e in edits]
    from sls_lint.fixers import apply_edits

    after = apply_edits(source, edits)
    import difflib  # only with --show-fixes

    lines = difflib.unified_diff(source.splitlines(), after.splitlines(), lineterm="", n=1)
    from sls_lint.secrets import redact_text

    return ["    " + redact_text(line) for line in list(lines)[2:]]


def _block(index: int, d: Diagnostic, context: ReportContext) -> list[str]:
    lines = [_header(d, context), *_excerpt(d, context)]
    if d.fix is not None and d.fix.title:
        gutter = " " * (len(str(d.line)) if lines[1:] else 0)
        lines.append(f"{gutter} = {_paint('help', 'bold cyan', context)}: {printable(d.fix.title)}")
    if context.show_fixes:
        lines.extend(_fix_diff(context.sources.get(d.path), list(context.edits.get(index, []))))
    return lines


def summary(count: int, context: ReportContext) -> list[str]:
    if count == 0 and context.fixed == 0:
        return [_paint("All checks passed!", "green", context)]
    total = count + context.fixed
    if context.fixed:
        lines = [f"Found {_plural(total, 'error')} ({context.fixed} fixed, {count} remaining)."]
    else:
        lines = [f"Found {_plural(total, 'error')}."]
    if context.fixable:
        lines.append(f"[*] {context.fixable} fixable with the `--fix` option.")
    if context.unsafe_fixable:
        n = context.unsafe_fixable
        lines.append(f"{n} hidden fix{'' if n == 1 else 'es'} can be enabled with the `--unsafe-fixes` option.")
    return lines


def statistics(diagnostics: Sequence[Diagnostic], context: ReportContext) -> list[str]:
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: d.name for d in diagnostics}
    fixable = {d.code for d in diagnostics if _is_safe(d)}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    code_width = max((len(code) for code, _ in rows), default=0)
    marker = {True: "[*]", False: "   "}
    return [f"{n:>{width}}  {code:<{code_width}}  {marker[code in fixable]} {names[code]}" for code, n in rows] + _file_counts(context)


def _file_counts(context: ReportContext) -> list[str]:
    """With ``--statistics``: how many files were checked and how many were skipped as vendored."""
    stats = context.stats
    if stats is None:
        return []
    lines = [f"Checked {_plural(stats.files_checked, 'file')}."]
    vendored = getattr(stats, "files_skipped_vendored", 0)
    if vendored:
        lines.append(f"Skipped {_plural(vendored, 'file')} in vendored dependency trees (`--include-vendored` checks them).")
    return lines


def render(diagnostics: Sequence[Diagnostic], *, context: ReportContext) -> str:
    out: list[str] = []
    if context.statistics:
        out.extend(statistics(diagnostics, context))
    else:
        for index, d in ordered(diagnostics):
            out.extend(_block(index, d, context))
            out.append("")
    out.extend(summary(len(diagnostics), context))
    return "\n".join(out) + "\n"
