"""--format junit: well-formed JUnit XML, one failing test case per finding."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

from sls_lint.core import Diagnostic, Severity, Span
from sls_lint.reporters import ReportContext
from sls_lint.reporters.junit import render

BAD = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"


def test_cli_junit(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--format", "junit", "."], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    root = ET.fromstring(p.stdout)
    assert root.tag == "testsuites" and root.get("failures") == "2" and root.get("tests") == "2"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["b.py", "handler.py"]
    case = suites[1].find("testcase")
    assert case.get("name") == "SLS201 http-call-without-timeout" and case.get("classname") == "handler.py" and case.get("line") == "5"
    failure = case.find("failure")
    assert failure.get("type") == "SLS201" and "timeout" in failure.get("message")
    assert failure.text.startswith("handler.py:5:12: SLS201")


def test_no_findings_is_one_passing_case():
    root = ET.fromstring(render([], context=ReportContext(version="0", sources={})))
    assert root.get("failures") == "0"
    (case,) = root.iter("testcase")
    assert case.find("failure") is None


def test_control_characters_and_secrets_do_not_break_or_leak():
    key = "AKIA" + "ABCDEFGHIJKLMNOP"
    d = Diagnostic("SLS201", "x", Severity.ERROR, "a<&>.py", Span(1, 1, 1, 2), f"bad \x1b[31m {key} \x00 <tag> & more")
    out = render([d], context=ReportContext(version="0", sources={}))
    root = ET.fromstring(out)  # parses: control characters removed, markup escaped
    assert key not in out
    assert root.find("testsuite").get("name") == "a<&>.py"
