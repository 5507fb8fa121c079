"""Handler code inline in deployment files (SAM InlineCode, CloudFormation ZipFile, CDK
Code.from_inline / InlineCode) is analysed as a module of its own, with findings at the line and
column of the enclosing file, suppressions inside the code honoured, and the function's handler
linked when the deployment names ``index.<callable>``."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sls_lint.core import SourceFile, Span
from sls_lint.inline import _line_map, find_inline, virtual_path

FIXTURE = Path(__file__).parent / "fixtures" / "real_world" / "inline"


def run(args, cwd):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def project(tmp_path):
    dest = tmp_path / "p"
    shutil.copytree(FIXTURE, dest)
    return dest


def found(project, *args):
    p = run(["check", "--no-cache", "--format", "json", *args, "."], project)
    assert p.returncode in (0, 1), p.stderr
    return [(d["path"], d["code"], d["line"], d["column"], d["function"]) for d in json.loads(p.stdout)["diagnostics"]]


def test_findings_point_into_the_enclosing_files(project):
    assert found(project, "--select", "SLS001,SLS002,SLS101,SLS201") == [
        # CDK: a module-level constant through textwrap.dedent, and a one-line InlineCode literal
        ("cdk_app/stacks/ping_stack.py", "SLS101", 12, 15, "PingFunction"),
        ("cdk_app/stacks/ping_stack.py", "SLS201", 34, 93, "EchoFunction"),
        # CloudFormation JSON: Fn::Join of lines, and one string with \n escapes
        ("legacy.template.json", "SLS201", 15, 25, "PingFunction"),
        ("legacy.template.json", "SLS101", 26, 85, "OneLiner"),
        # SAM InlineCode (the suppressed requests.post on line 24 is not reported, nor is the
        # suppression comment reported unused by the YAML file); CloudFormation ZipFile
        ("template.yaml", "SLS101", 22, 18, "ReportFunction"),
        ("template.yaml", "SLS201", 23, 20, "ReportFunction"),
        ("template.yaml", "SLS201", 48, 15, "BucketCleanup"),
    ]


def test_fixes_are_advice_and_nothing_is_written_for_inline_code(project):
    before = (project / "template.yaml").read_text()
    p = run(["check", "--no-cache", "--select", "SLS201", "--fix", "--unsafe-fixes", "."], project)
    assert p.returncode == 1
    assert (project / "template.yaml").read_text() == before
    assert not [x for x in project.rglob("*") if "#" in x.name]
    p = run(["check", "--no-cache", "--select", "SLS201", "--format", "json", "."], project)
    fixes = {d["fix"]["applicability"] for d in json.loads(p.stdout)["diagnostics"]}
    assert fixes == {"display-only"}


def test_inline_functions_link_to_their_code(project):
    p = run(["functions", "--format", "json"], project)
    fns = {f["name"]: f for f in json.loads(p.stdout)["functions"]}
    assert "NodeFunction" not in fns  # Node.js inline code is not ours
    assert fns["ReportFunction"]["handler"]["path"] == virtual_path("template.yaml", "ReportFunction")
    assert fns["BucketCleanup"]["handler"]["callable"] == "on_event"


def test_a_suppression_inside_inline_code_that_suppresses_nothing_is_reported(project):
    t = project / "template.yaml"
    t.write_text(t.read_text().replace('requests.post("https://example.com/ack")', 'print("ack")'))
    assert ("template.yaml", "SLS002", 24, 27, None) in found(project, "--select", "SLS002,SLS201")


def test_invalid_inline_python_is_a_syntax_error_at_the_enclosing_file(project):
    t = project / "template.yaml"
    t.write_text(t.read_text().replace("def on_event(event, context):", "def on_event(event, context)"))
    errors = [f for f in found(project, "--select", "SLS001") if f[1] == "SLS001"]
    assert errors and errors[0][0] == "template.yaml" and errors[0][2] == 47


def test_substitutions_that_are_not_python_yet_are_skipped(tmp_path):
    text = (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: index.handler\n      Code:\n        ZipFile: !Sub |\n          X = ${Value}\n"
    )
    (tmp_path / "template.yaml").write_text(text)
    files = [SourceFile("template.yaml", str(tmp_path / "template.yaml"), "cloudformation")]
    assert find_inline(files, lambda p: text) == []
    p = run(["check", "--no-cache", "."], tmp_path)
    assert "SLS001" not in p.stdout


def test_handler_not_named_index_is_analysed_but_not_linked(tmp_path):
    text = (
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: app.handler\n      InlineCode: |\n        import requests\n        def handler(event, context):\n"
        "            return requests.get('https://x')\n"
    )
    (tmp_path / "template.yaml").write_text(text)
    p = run(["check", "--no-cache", "--select", "SLS201", "--format", "json", "."], tmp_path)
    (d,) = json.loads(p.stdout)["diagnostics"]
    assert (d["path"], d["line"], d["column"]) == ("template.yaml", 10, 20)


@pytest.mark.parametrize(
    "code, lines, start, expected",
    [
        ("a\nb", ["x: |", "  a", "  b"], (1, 3), ((2, 2), (3, 2))),  # YAML block scalar
        ("a\nb", ['"a\\nb"'], (1, 0), ((1, 1), (1, 4))),  # JSON string on one line
        ("a\n\nb", ["k: |", "    a", "", "    b"], (1, 3), ((2, 4), (3, 0), (4, 4))),
        ("zzz", ["k: v"], (1, 3), ((1, 3),)),  # not found: the value's start
    ],
)
def test_line_map(code, lines, start, expected):
    assert _line_map(code, lines, start) == expected


def test_map_span_keeps_order():
    from sls_lint.inline import InlineModule

    m = InlineModule("t.yaml#F", "t.yaml", "F", "a\nb", ((5, 4), (6, 4)))
    assert m.map_span(Span(2, 1, 2, 3)) == Span(6, 5, 6, 7)
    assert m.map_span(Span(9, 1, 9, 2)) == Span(6, 5, 6, 6)


def test_runtime_package_install_in_inline_code(tmp_path):
    # SLS504 sees inline code like a function's module: pip at import time of `index`
    text = (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: index.handler\n      Code:\n        ZipFile: |\n          import subprocess, sys\n"
        '          subprocess.check_call([sys.executable, "-m", "pip", "install", "requests"])\n\n'
        "          def handler(event, context):\n              return 1\n"
    )
    (tmp_path / "template.yaml").write_text(text)
    p = run(["check", "--no-cache", "--select", "SLS504", "--format", "json", "."], tmp_path)
    assert [(d["path"], d["line"], d["column"], d["function"]) for d in json.loads(p.stdout)["diagnostics"]] == [
        ("template.yaml", 10, 11, "F")
    ]
