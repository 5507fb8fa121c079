from pathlib import Path
from hypothesis import given, settings
from hypothesis import strategies as st

from sls_lint.rule import Case
from ruleharness import run_case

BAD = "import requests\n\ndef handler(event, context):\n    return requests.get('https://x')\n"


def codes(tmp_path, code, select=("SLS",)):
    return [(d.code, d.line) for d in run_case(tmp_path, Case(code), select=select).diagnostics]


def test_same_line(tmp_path):
    assert codes(tmp_path, BAD.replace("x')\n", "x')  # sls-lint: ignore[SLS201]\n")) == []


def test_noqa(tmp_path):
    assert codes(tmp_path, BAD.replace("x')\n", "x')  # noqa: SLS201\n")) == []


def test_prefix_code(tmp_path):
    assert codes(tmp_path, BAD.replace("x')\n", "x')  # sls-lint: ignore[SLS2]\n")) == []


def test_other_code_does_not_suppress(tmp_path):
    got = codes(tmp_path, BAD.replace("x')\n", "x')  # sls-lint: ignore[SLS101]\n"))
    assert ("SLS201", 4) in got and ("SLS002", 4) in got


def test_multiline_statement_first_line_and_line_before(tmp_path):
    multi = "import requests\n\ndef handler(event, context):\n    return requests.get(  # noqa: SLS201\n        'https://x',\n    )\n"
    assert codes(tmp_path / "a", multi) == []
    before = "import requests\n\ndef handler(event, context):\n    # sls-lint: ignore[SLS201]\n    return requests.get(\n        'https://x',\n    )\n"
    assert codes(tmp_path / "b", before) == []


def test_file_level(tmp_path):
    assert codes(tmp_path, "# sls-lint: ignore-file[SLS201]\n" + BAD) == []


def test_comment_inside_string_is_not_a_suppression(tmp_path):
    code = "import requests\n\ndef handler(event, context):\n    return requests.get('https://x#noqa: SLS201')\n"
    assert ("SLS201", 4) in codes(tmp_path, code)


def test_unused_not_reported_when_sls002_disabled(tmp_path):
    code = "x = 1  # sls-lint: ignore[SLS201]\n"
    assert codes(tmp_path, code, select=("SLS201",)) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="sSlLiInNtTqQaAoO-: #\n\u017f\u212a\u0131", max_size=40))
def test_directive_precheck_is_exact(text):
    """The ASCII fast path (two substring scans of the lowered text) finds exactly the comments
    the case-blind regex finds."""
    from sls_lint import suppress

    reference = []
    if suppress._CANDIDATE.search(text):
        for i, line in enumerate(text.splitlines(), 1):
            idx = suppress._comment_start(line)
            if idx is not None and suppress._CANDIDATE.search(line, idx):
                reference.append((i, idx, line[idx:]))
    assert suppress._comments(text, python=False) == reference
