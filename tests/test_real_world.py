"""Real-world project layouts through the CLI: vendored dependency trees (Lambda layers,
``package/``), and Cloudflare's own Python Worker configurations (wrangler.jsonc/json/toml)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "real_world"
VENDORED = ("layer/", "package/")


def run(args, cwd):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def diagnostics(args, cwd):
    p = run(["check", "--format", "json", *args], cwd)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)["diagnostics"]


# ---------------------------------------------------------------------------------------------
# vendored dependency trees
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def layer_project(tmp_path):
    return copy("lambda_layer", tmp_path)


def test_vendored_trees_are_never_reported_by_default(layer_project):
    found = diagnostics(["--select", "ALL", "."], layer_project)
    paths = {d["path"] for d in found}
    assert {"functions/orders/app.py", "lambda_function.py"} <= paths <= {"functions/orders/app.py", "lambda_function.py", "template.yaml"}, found
    assert not [d for d in found if d["path"].startswith(VENDORED)]


def test_statistics_reports_the_skipped_vendored_files(layer_project):
    p = run(["check", "--statistics", "."], layer_project)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert "Checked 3 files." in lines  # template.yaml, functions/orders/app.py, lambda_function.py
    # layer/python: requests (3 files), certifi (2), pip_bootstrap (1); package/: urllib3 (2)
    assert "Skipped 8 files in vendored dependency trees (`--include-vendored` checks them)." in lines


def test_include_vendored_checks_them(layer_project):
    found = diagnostics(["--include-vendored", "."], layer_project)
    paths = {d["path"] for d in found}
    assert {"layer/python/requests/sessions.py", "package/urllib3/poolmanager.py"} <= paths
    p = run(["check", "--statistics", "--include-vendored", "."], layer_project)
    assert "Checked 11 files." in p.stdout.splitlines() and "vendored" not in p.stdout


def test_a_vendored_file_named_on_the_command_line_is_still_skipped(layer_project):
    p = run(["check", "--format", "json", "layer/python/requests/sessions.py"], layer_project)
    assert p.returncode == 0 and json.loads(p.stdout)["diagnostics"] == []
    found = diagnostics(["--include-vendored", "layer/python/requests/sessions.py"], layer_project)
    assert {d["path"] for d in found} == {"layer/python/requests/sessions.py"}


def test_vendored_handlers_are_not_functions(layer_project):
    p = run(["functions", "--format", "json"], layer_project)
    fns = json.loads(p.stdout)["functions"]
    handlers = sorted(f["handler"]["path"] for f in fns)
    assert handlers == ["functions/orders/app.py", "lambda_function.py"]


def test_own_code_calling_into_the_layer_is_still_per_invocation(layer_project):
    # app.py imports requests from the layer: the call in the handler is reported, the layer's
    # implementation of requests.get is not followed into
    found = diagnostics(["--select", "SLS201", "."], layer_project)
    assert [(d["path"], d["line"], d["function"]) for d in found if d["path"].startswith("functions/")] == [
        ("functions/orders/app.py", 11, "OrdersFunction")
    ]
