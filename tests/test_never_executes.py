"""sls-lint never imports or runs the code it checks.

Every file of the project below would append a line to a marker file if it were imported or run
(module bodies, ``__init__``, ``conftest``, ``setup.py``, ``sitecustomize``, modules named like
sls-lint's own dependencies, handler code inline in a CloudFormation template and a CDK app, and
YAML tags that an unsafe loader would turn into calls). The whole CLI runs on it, with fixes, and
the marker must not exist afterwards.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sls_lint.config import find_config_file, load_config
from sls_lint.engine import Linter
from sls_lint.rule import all_options

SLS = Path(sys.executable).with_name("sls-lint")


def _trap(marker: Path, name: str) -> str:
    # import-time side effects; also what `python file.py` would run
    return (
        f"import pathlib\n"
        f"pathlib.Path({str(marker)!r}).open('a').write('imported {name}\\n')\n"
        f"import requests, boto3\n\n"
        f"def handler(event, context):\n"
        f"    pathlib.Path({str(marker)!r}).open('a').write('called {name}\\n')\n"
        f"    s3 = boto3.client('s3')\n"
        f"    return requests.get('https://example.com').text\n\n"
        f"if __name__ == '__main__':\n"
        f"    pathlib.Path({str(marker)!r}).open('a').write('main {name}\\n')\n"
    )


def make_project(root: Path, marker: Path) -> None:
    names = [
        "handler.py", "src/__init__.py", "src/app.py", "src/__main__.py", "conftest.py", "setup.py",
        "sitecustomize.py", "usercustomize.py", "tests/test_handler.py",
        # modules named like sls-lint's own imports: importing them from the tree would run them
        "yaml.py", "click.py", "libcst.py", "ast.py", "json.py", "tomlkit.py", "jsonschema.py",
    ]
    for n in names:
        p = root / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(_trap(marker, n))
    touch = f"open({str(marker)!r}, 'a').write('inline\\n')"
    (root / "serverless.yml").write_text(
        "service: trap\n"
        "provider:\n  name: aws\n  runtime: python3.12\n"
        "custom:\n"
        f"  boom: !!python/object/apply:os.system [\"echo yaml >> {marker}\"]\n"
        f"  boom2: !!python/object/new:subprocess.check_output [[\"sh\", \"-c\", \"echo yaml2 >> {marker}\"]]\n"
        "functions:\n  main:\n    handler: handler.handler\n    events:\n      - httpApi: {path: /, method: get}\n"
    )
    (root / "infra").mkdir()
    (root / "infra" / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: index.handler\n"
        "      Code:\n"
        "        ZipFile: |\n"
        f"          {touch}\n"
        "          import boto3\n"
        "          def handler(event, context):\n"
        f"              {touch}\n"
        "              return boto3.client('s3').list_buckets()\n"
    )
    (root / "cdk").mkdir()
    (root / "cdk" / "app.py").write_text(
        "import aws_cdk as cdk\nfrom aws_cdk import aws_lambda as _lambda\n"
        f"{touch}\n"
        "app = cdk.App()\n"
        "stack = cdk.Stack(app, 'S')\n"
        "_lambda.Function(stack, 'F', runtime=_lambda.Runtime.PYTHON_3_12, handler='index.handler',\n"
        f"    code=_lambda.Code.from_inline(\"{touch}\\ndef handler(e, c):\\n    return 1\\n\"))\n"
        "app.synth()\n"
    )
    (root / "sls-lint.toml").write_text("select = ['ALL']\n")


@pytest.fixture
def trap(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    marker = tmp_path / "MARKER"
    make_project(root, marker)
    return root, marker


def _assert_untouched(marker: Path) -> None:
    assert not marker.exists(), f"checked code was run: {marker.read_text()!r}"


def test_trap_is_armed(trap, tmp_path):
    """The trap works: running one of its modules does write the marker (so the test can fail)."""
    root, marker = trap
    subprocess.run([sys.executable, "-c", "import handler"], cwd=root, capture_output=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"})
    assert "imported handler.py" in marker.read_text()


@pytest.mark.parametrize("args", [
    ["check", "."],
    ["check", ".", "--fix", "--unsafe-fixes"],
    ["check", ".", "--diff", "--unsafe-fixes", "--format", "json"],
    ["check", "handler.py", "--show-fixes", "--format", "json"],
    ["functions", "."],
])
def test_cli_never_runs_checked_code(trap, args):
    root, marker = trap
    p = subprocess.run([str(SLS), *args], cwd=root, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stderr, p.stderr
    # the tree is real work: findings (1) or, for `functions`, 0; never a crash
    assert p.returncode in (0, 1), p.stdout + p.stderr
    _assert_untouched(marker)


def test_engine_never_imports_checked_modules(trap):
    root, marker = trap
    before = set(sys.modules)
    config = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options())
    linter = Linter(config, cwd=str(root))
    result = linter.fix(["."], apply=True, unsafe=True)
    assert result.fixes_applied and result.fixed_sources  # the trap's mistakes were seen and fixed...
    linter.write(result)
    assert linter.lint(["."]).functions
    new = set(sys.modules) - before
    assert not {m for m in new if m in ("handler", "conftest", "setup", "sitecustomize", "usercustomize") or m.startswith("src")}
    _assert_untouched(marker)  # ...and nothing of it ran
