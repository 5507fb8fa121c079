"""Reporters: text (excerpts, summary, statistics), json (the contract), github (escaping)."""
from __future__ import annotations

import json

import pytest

from sls_lint.core import Applicability, Diagnostic, FixIntent, Severity, Span, TextEdit, freeze
from sls_lint.reporters import ReportContext, get_reporter
from sls_lint.reporters.excerpt import underline

SOURCE = "import requests\n\n\ndef handler(event, context):\n    r = requests.get(event['url'])\n    return r\n"


def diag(code="SLS201", span=Span(5, 9, 5, 35), path="app/handler.py", severity=Severity.ERROR, fix=None, **kw):
    return Diagnostic(
        code=code,
        name=kw.pop("name", "http-call-without-timeout"),
        severity=severity,
        path=path,
        span=span,
        message=kw.pop("message", "`requests.get` has no timeout"),
        function=kw.pop("function", "handler"),
        fix=fix,
        fingerprint_source=kw.pop("fingerprint_source", "requests.get(event['url'])"),
    )


SAFE = FixIntent("add-keyword", "Add `timeout=10`", Applicability.SAFE, Span(5, 9, 5, 35), freeze({"keyword": "timeout", "value": "10"}))
UNSAFE = FixIntent("hoist-assignment", "Create the client once", Applicability.UNSAFE, Span(1, 1, 1, 2))


def ctx(**kw) -> ReportContext:
    kw.setdefault("sources", {"app/handler.py": SOURCE})
    return ReportContext(version="1.2.3", **kw)


def render(name, diagnostics, **kw) -> str:
    return get_reporter(name)(diagnostics, context=ctx(**kw))


def test_unknown_format_is_a_key_error():
    with pytest.raises(KeyError):
        get_reporter("nope")
    with pytest.raises(KeyError):
        get_reporter("excerpt")  # a helper module, not a format


# text -------------------------------------------------------------------------------------------


def test_text_block_with_excerpt_help_and_summary():
    out = render("text", [diag(fix=SAFE)], fixable=1)
    assert out == (
        "app/handler.py:5:9: SLS201 [*] `requests.get` has no timeout\n"
        "  |\n"
        "5 |     r = requests.get(event['url'])\n"
        "  |         ^^^^^^^^^^^^^^^^^^^^^^^^^^ SLS201\n"
        "  |\n"
        "  = help: Add `timeout=10`\n"
        "\n"
        "Found 1 error.\n"
        "[*] 1 fixable with the `--fix` option.\n"
    )


def test_text_unsafe_fix_has_help_but_no_marker_and_missing_source_no_excerpt():
    out = render("text", [diag(fix=UNSAFE, path="other.py")], unsafe_fixable=1)
    assert out == (
        "other.py:5:9: SLS201 `requests.get` has no timeout\n"
        " = help: Create the client once\n"
        "\n"
        "Found 1 error.\n"
        "1 hidden fix can be enabled with the `--unsafe-fixes` option.\n"
    )


def test_text_summary_variants():
    assert render("text", []) == "All checks passed!\n"
    assert render("text", [], fixed=3).endswith("Found 3 errors (3 fixed, 0 remaining).\n")
    two = render("text", [diag(), diag(span=Span(6, 5, 6, 13))], fixed=1)
    assert two.endswith("Found 3 errors (1 fixed, 2 remaining).\n")


def test_text_is_sorted_and_does_not_leak_fingerprints_or_control_characters():
    out = render("text", [diag(path="b.py"), diag(path="a.py", message="bad \x1b[2J value\nnext")])
    assert out.index("a.py:5:9") < out.index("b.py:5:9")
    assert "\x1b" not in out and "bad \\x1b[2J value\\nnext" in out
    assert "requests.get(event['url'])\n" not in out.replace("    r = requests.get(event['url'])\n", "")


def test_text_color_only_when_asked():
    assert "\x1b[" not in render("text", [diag(fix=SAFE)])
    assert "\x1b[" in render("text", [diag(fix=SAFE)], color=True)


def test_text_show_fixes_prints_the_change():
    edits = {0: [TextEdit(5, 34, 5, 34, ", timeout=10")]}
    out = render("text", [diag(fix=SAFE)], show_fixes=True, edits=edits)
    assert "    -    r = requests.get(event['url'])\n    +    r = requests.get(event['url'], timeout=10)\n" in out


def test_text_statistics_table():
    diagnostics = [diag(fix=SAFE), diag(span=Span(6, 1, 6, 2)), diag(code="SLS101", name="client-in-handler")]
    out = render("text", diagnostics, statistics=True)
    assert out == (
        "2  SLS201  [*] http-call-without-timeout\n"
        "1  SLS101      client-in-handler\n"
        "Found 3 errors.\n"
    )


@pytest.mark.parametrize(
    "line, span, start, width",
    [
        ("\tx = f(y)", Span(1, 2, 1, 3), 4, 1),  # after a tab: the next tab stop
        ("a\tb", Span(1, 3, 1, 4), 4, 1),
        ("s = '日本'; f()", Span(1, 11, 1, 14), 12, 3),  # wide characters take two cells
        ("s = '日本'", Span(1, 6, 1, 8), 5, 4),
        ("e = '😀' + x", Span(1, 12, 1, 13), 12, 1),
        ("é = 1", Span(1, 5, 1, 6), 4, 1),  # e + combining accent is one cell
        ("call(\n  x)", Span(1, 1, 2, 5), 0, 5),  # multi-line: to the end of the first line
        ("x", Span(1, 2, 1, 2), 1, 1),  # empty span: one caret
    ],
)
def test_caret_placement(line, span, start, width):
    shown, got_start, got_width = underline(line + "\n", span)
    assert (got_start, got_width) == (start, width)


def test_caret_line_out_of_range():
    assert underline("x\n", Span(9, 1, 9, 2)) is None


def test_text_excerpt_with_tab_and_wide_characters():
    source = "def h():\n\tv = '日本' + get()\n"
    out = render("text", [diag(span=Span(2, 13, 2, 18))], sources={"app/handler.py": source})
    assert "2 |     v = '日本' + get()\n  |                  ^^^^^ SLS201\n" in out


# json -------------------------------------------------------------------------------------------


def test_json_contract_shape_and_order():
    diagnostics = [
        diag(path="b.py", fix=SAFE),
        diag(path="a.py", span=Span(2, 1, 2, 5), code="SLS301", severity=Severity.WARNING, function=None),
        diag(path="a.py", span=Span(2, 1, 2, 5), code="SLS101", severity=Severity.INFO),
    ]
    data = json.loads(render("json", diagnostics))
    assert list(data) == ["version", "diagnostics"] and data["version"] == "1.2.3"
    assert [(d["path"], d["code"]) for d in data["diagnostics"]] == [("a.py", "SLS101"), ("a.py", "SLS301"), ("b.py", "SLS201")]
    first = data["diagnostics"][1]
    assert first == {
        "code": "SLS301",
        "name": "http-call-without-timeout",
        "severity": "warning",
        "path": "a.py",
        "line": 2,
        "column": 1,
        "end_line": 2,
        "end_column": 5,
        "message": "`requests.get` has no timeout",
        "function": None,
        "fix": None,
    }
    assert data["diagnostics"][2]["fix"] == {"applicability": "safe", "title": "Add `timeout=10`"}
    assert "fingerprint" not in json.dumps(data) and "requests.get(event" not in json.dumps(data)


def test_json_edits_only_with_show_fixes_and_keyed_by_original_index():
    diagnostics = [diag(path="b.py", fix=SAFE), diag(path="a.py", fix=UNSAFE)]
    edit = TextEdit(5, 35, 5, 35, ", timeout=10")
    plain = json.loads(render("json", diagnostics, edits={0: [edit]}))
    assert all("edits" not in d["fix"] for d in plain["diagnostics"])
    shown = json.loads(render("json", diagnostics, show_fixes=True, edits={0: [edit]}))
    a, b = shown["diagnostics"]
    assert a["fix"] == {"applicability": "unsafe", "title": "Create the client once", "edits": []}
    assert b["fix"]["edits"] == [{"line": 5, "column": 35, "end_line": 5, "end_column": 35, "new_text": ", timeout=10"}]


def test_json_empty_and_unicode():
    assert json.loads(render("json", [])) == {"version": "1.2.3", "diagnostics": []}
    assert "AKIA****" in render("json", [diag(message="key AKIA**** in é")])


# github -----------------------------------------------------------------------------------------


def test_github_annotation_and_levels():
    out = render("github", [diag(), diag(path="w.py", severity=Severity.WARNING), diag(path="z.py", severity=Severity.INFO)])
    lines = out.splitlines()
    assert lines[0] == (
        "::error file=app/handler.py,line=5,col=9,endLine=5,endColumn=35,"
        "title=SLS201 http-call-without-timeout::`requests.get` has no timeout"
    )
    assert lines[1].startswith("::warning file=w.py,") and lines[2].startswith("::notice file=z.py,")


def test_github_escaping():
    d = diag(path="dir,x/a:b.py", message="50% done\r\nnext: a, b")
    assert render("github", [d]) == (
        "::error file=dir%2Cx/a%3Ab.py,line=5,col=9,endLine=5,endColumn=35,"
        "title=SLS201 http-call-without-timeout::50%25 done%0D%0Anext: a, b\n"
    )


def test_github_empty():
    assert render("github", []) == ""
