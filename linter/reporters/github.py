"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

    ::error file=app.py,line=3,col=5,endLine=3,endColumn=22,title=SLS201 http-call-without-timeout::message
"""
from __future__ import annotations

from typing import Sequence

from sls_lint.core import Diagnostic
from sls_lint.reporters import ReportContext, escape_undecodable, ordered

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return escape_undecodable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    props = {
        "file": d.path,
        "line": d.span.line,
        "col": d.span.column,
        "endLine": d.span.end_line,
        "endColumn": d.span.end_column,
        "title": f"{d.code} {d.name}",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
    return f"::{LEVELS.get(d.severity.value, 'error')} {joined}::{escape_data(d.message)}"


def render(diagnostics: Sequence[Diagnostic], *, context: ReportContext) -> str:
    return "".join(annotation(d) + "\n" for _, d in ordered(diagnostics))
