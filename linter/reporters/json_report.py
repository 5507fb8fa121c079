"""``--format json``: the contract of DESIGN.md ("Contract for tools and people").

``{"version": str, "diagnostics": [...]}``, sorted by path, line, column, code. ``fix`` is null
or ``{"applicability", "title"}``, plus ``"edits"`` when the run asked to show fixes. A byte of
a file name that is not UTF-8 is written as the four characters ``\\xNN`` (``caf\\xe9.py``).
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from sls_lint.core import Diagnostic, TextEdit
from sls_lint.reporters import ReportContext, escape_tree, ordered


def edit_to_dict(e: TextEdit) -> dict[str, Any]:
    return {"line": e.line, "column": e.column, "end_line": e.end_line, "end_column": e.end_column, "new_text": e.new_text}


def diagnostic_to_dict(index: int, d: Diagnostic, context: ReportContext) -> dict[str, Any]:
    fix: dict[str, Any] | None = None
    if d.fix is not None:
        fix = {"applicability": d.fix.applicability.value, "title": d.fix.title}
        if context.show_fixes:
            fix["edits"] = [edit_to_dict(e) for e in context.edits.get(index, [])]
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "path": d.path,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "message": d.message,
        "function": d.function,
        "fix": fix,
    }


def render(diagnostics: Sequence[Diagnostic], *, context: ReportContext) -> str:
    payload = {
        "version": context.version,
        "diagnostics": [diagnostic_to_dict(i, d, context) for i, d in ordered(diagnostics)],
    }
    # a non-UTF-8 file name (and a message quoting it) is escaped, so the output is valid UTF-8
    return json.dumps(escape_tree(payload), indent=2, ensure_ascii=False) + "\n"
