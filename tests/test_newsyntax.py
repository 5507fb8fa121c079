"""Files with syntax newer than the running interpreter (PEP 701 f-strings, PEP 695) are
analysed, not reported as SLS001; invalid Python and Python 2 stay SLS001."""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sls_lint.engine import parse_module
from sls_lint.newsyntax import PartialModuleModel, recover

FIXTURE = Path(__file__).parent / "fixtures" / "real_world" / "newer_syntax"
NEEDS_OLD = pytest.mark.skipif(sys.version_info >= (3, 12), reason="the running ast reads this syntax itself")


def run(args, cwd):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def same_shape(a: str, b: str) -> bool:
    split = lambda s: re.split(r"\r\n|\r|\n", s)  # noqa: E731
    return [len(x) for x in split(a)] == [len(x) for x in split(b)]


@NEEDS_OLD
@pytest.mark.parametrize(
    "source",
    [
        'x = f"{", ".join(names)}"\n',
        'x = f"{f"{f"{1}"}"}"\n',
        'x = f"{"x"!r:>{width}}"\n',
        "x = f\"{'\\n'.join(lines)}\"\n",
        'x = f"""{\n  a  # a comment inside the field\n}"""\n',
        'x = "plain " f"{d["k"]}" \'more\'\n',
        's = "é"; y = f"{"é"}{call(a, b)}"; z = f(1)\n',
        "type Alias = list[int]\n",
        "def first[T](items: list[T]) -> T:\n    return items[0]\n",
        "class Box[T: (int, str)](Base):\n    pass\n",
        "class Pair[\n    A,\n    B,\n]:\n    pass\n",
        "x = t\"hello {name!r}\"\n",
    ],
)
def test_recover_keeps_every_line_and_column(source):
    rec = recover(source)
    assert rec is not None and rec.notes
    assert same_shape(source, rec.source)
    ast.parse(rec.source)


@NEEDS_OLD
def test_expressions_inside_fstrings_stay_at_their_position():
    source = 'r = f"{requests.get(u, headers={"a": 1})}"\n'
    rec = recover(source)
    call = next(n for n in ast.walk(rec.tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "get")
    assert (call.lineno, call.col_offset) == (1, source.index("requests"))
    assert ast.unparse(call) == "requests.get(u, headers={'a': 1})"


@pytest.mark.parametrize(
    "source",
    [
        'print "hello"\n',  # Python 2
        "exec \"code\"\n",
        "try:\n    pass\nexcept ValueError, e:\n    pass\n",  # Python 2 (and 3.14's except-without-parens): never guessed
        'x = f"{"a"}"\n1 = 2\n',  # newer f-string and a real error: the real error wins
        "def f(:\n    pass\n",
    ],
)
def test_invalid_python_is_not_recovered(source):
    assert recover(source) is None
    outcome = parse_module("m.py", source)
    assert outcome.model is None and outcome.error is not None


@NEEDS_OLD
def test_parse_module_reports_the_real_error_after_a_newer_fstring():
    # libcst reads `except A, B:` (Python 3.14) but it is never guessed: the error left after
    # the f-string is rewritten is reported, at its own line
    outcome = parse_module("m.py", 'x = f"{"a"}"\ntry:\n    pass\nexcept A, B:\n    pass\n')
    assert outcome.model is None and outcome.error[0] == 4


@NEEDS_OLD
def test_parse_module_returns_a_partial_model():
    outcome = parse_module("m.py", 'import os\nx = f"{os.environ["A"]}"\n')
    assert outcome.error is None and isinstance(outcome.model, PartialModuleModel)
    assert "PEP 701" in outcome.model.recovered.message()


@NEEDS_OLD
def test_cli_analyses_newer_syntax_and_warns(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "p")
    p = run(["check", "--format", "json", "--select", "SLS001,SLS101,SLS201", "."], tmp_path / "p")
    assert p.returncode == 1, p.stderr
    found = {(d["path"], d["code"], d["line"], d["column"]) for d in json.loads(p.stdout)["diagnostics"]}
    assert found == {
        ("handler.py", "SLS101", 13, 16),  # boto3.resource per invocation
        ("handler.py", "SLS201", 16, 14),  # requests.get whose URL is a PEP 701 f-string
        ("legacy_py2.py", "SLS001", 6, 5),  # Python 2 stays a syntax error
    }
    warning = [line for line in p.stderr.splitlines() if "handler.py" in line]
    assert len(warning) == 1
    assert "newer than this interpreter" in warning[0] and "PEP 701" in warning[0] and "lines 16, 20" in warning[0]
    assert "`type` statement (PEP 695), not analysed (line 9)" in warning[0]


@NEEDS_OLD
def test_suppression_and_fix_in_a_recovered_file(tmp_path):
    src = (
        "import requests\n\n\n"
        "def handler(event, context):\n"
        '    a = requests.get(f"{event["url"]}")  # sls-lint: ignore[SLS201]\n'
        '    return requests.get(f"{event["url"]}/b").json()\n'
    )
    (tmp_path / "handler.py").write_text(src)
    p = run(["check", "--format", "json", "--select", "SLS201", "."], tmp_path)
    diags = json.loads(p.stdout)["diagnostics"]
    assert [(d["code"], d["line"]) for d in diags] == [("SLS201", 6)]
    p = run(["check", "--select", "SLS201", "--fix", "--unsafe-fixes", "."], tmp_path)
    fixed = (tmp_path / "handler.py").read_text()
    assert 'requests.get(f"{event["url"]}/b", timeout=10)' in fixed
    assert 'requests.get(f"{event["url"]}")  # sls-lint' in fixed  # suppressed line untouched
    p2 = run(["check", "--select", "SLS201", "--fix", "--unsafe-fixes", "."], tmp_path)
    assert (tmp_path / "handler.py").read_text() == fixed and p2.returncode == 0
