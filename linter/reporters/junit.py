"""``--format junit``: JUnit XML for CI test-report views (GitLab, Jenkins, Azure DevOps).

One ``<testsuite>`` per file with findings and one ``<testcase>`` per finding (``classname`` the
file, ``name`` the code and rule name, a ``<failure>`` carrying the position and message); a run
without findings is one passing test case, so the report always shows that the check ran.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Sequence

from sls_lint.core import Diagnostic
from sls_lint.reporters import ReportContext, escape_undecodable, ordered
from sls_lint.reporters.sarif import redact

_XML_BAD = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters: drop them (a message may quote source); a
    non-UTF-8 file-name byte is written as ``\\xNN``."""
    return escape_undecodable(redact(text)).translate(_XML_BAD)


def render(diagnostics: Sequence[Diagnostic], *, context: ReportContext) -> str:
    items = [d for _, d in ordered(diagnostics)]
    root = ET.Element("testsuites", name="sls-lint", tests=str(max(len(items), 1)), failures=str(len(items)), errors="0")
    if not items:
        suite = ET.SubElement(root, "testsuite", name="sls-lint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name="sls-lint", classname="sls-lint")
    for path, group in groupby(items, key=lambda d: d.path):
        found = list(group)
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests=str(len(found)), failures=str(len(found)), errors="0", skipped="0")
        for d in found:
            case = ET.SubElement(suite, "testcase", name=f"{d.code} {d.name}", classname=_clean(path), file=_clean(path), line=str(d.line))
            failure = ET.SubElement(case, "failure", message=_clean(d.message), type=d.code)
            failure.text = f"{_clean(path)}:{d.line}:{d.column}: {d.code} [{d.severity.value}] {_clean(d.message)}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
