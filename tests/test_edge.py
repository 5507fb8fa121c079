"""Edge rules on a real little project: a Cloudflare Python Worker whose handler pulls modules in
through a package, next to a Lambda function that uses the same modules (not findings)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sls_lint import edge
from sls_lint.config import load_config
from sls_lint.engine import Linter
from sls_lint.rule import all_options

FIXTURE = Path(__file__).parent / "fixtures" / "edge_secrets"


@pytest.fixture()
def project(tmp_path):
    dst = tmp_path / "p"
    shutil.copytree(FIXTURE, dst)
    return dst


def run(args, cwd):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_exact_findings_and_the_function_that_pulls_each_module_in(project):
    p = run(["check", "--select", "SLS3", "--format", "json", "."], project)
    assert p.returncode == 1, p.stderr
    found = {(d["code"], d["path"], d["line"], d["function"]) for d in json.loads(p.stdout)["diagnostics"]}
    assert found == {
        ("SLS302", "worker/src/entry.py", 10, "shop-edge"),
        ("SLS304", "worker/src/lib/store.py", 3, "shop-edge"),
        ("SLS305", "worker/src/lib/store.py", 7, "shop-edge"),
        ("SLS303", "worker/src/lib/store.py", 12, "shop-edge"),
        ("SLS301", "worker/src/lib/util.py", 1, "shop-edge"),
    }
    # the Lambda handler uses subprocess, redis, uuid at import, open() and requests: none is an edge finding
    assert not any(path.startswith("lambda/") for _, path, _, _ in found)
    # tools.py is in the Worker's folder but the Worker never imports it
    assert not any(path == "worker/src/tools.py" for _, path, _, _ in found)
    util = [d for d in json.loads(p.stdout)["diagnostics"] if d["code"] == "SLS301"][0]
    assert "edge function `shop-edge` (worker/src/entry.py → worker/src/lib/store.py → worker/src/lib/util.py)" in util["message"]


def test_edge_closure_is_computed_once_per_run(project, monkeypatch):
    calls = []
    real = edge.imported_modules

    def counting(model):
        calls.append(model.path)
        return real(model)

    monkeypatch.setattr(edge, "imported_modules", counting)
    config = load_config(None, start=str(project), rule_options=all_options(), overrides={"select": ["SLS3"]})
    result = Linter(config, cwd=str(project)).lint([str(project)])
    assert {d.code for d in result.diagnostics} == {"SLS301", "SLS302", "SLS303", "SLS304", "SLS305"}
    # five rules, but each module of the Worker's closure is scanned for imports once
    assert sorted(calls) == sorted(set(calls))
    assert set(calls) == {"worker/src/entry.py", "worker/src/lib/__init__.py", "worker/src/lib/store.py", "worker/src/lib/util.py"}


def test_unsafe_fixes_rewrite_and_a_second_run_changes_nothing(project):
    p = run(["check", "--select", "SLS302,SLS305", "--fix", "--unsafe-fixes", "."], project)
    entry = (project / "worker/src/entry.py").read_text()
    assert "async with httpx.AsyncClient() as http_client:" in entry
    assert 'r = await http_client.get("https://api.example.com/prices", params={"ids": cart}, follow_redirects=True)' in entry
    store = (project / "worker/src/lib/store.py").read_text()
    assert "REQUEST_SALT = uuid.uuid4().hex" in store.split("def load_cart", 1)[1]
    for f in ("worker/src/entry.py", "worker/src/lib/store.py"):
        compile((project / f).read_text(), f, "exec")
    again = run(["check", "--select", "SLS302,SLS305", "--diff", "--unsafe-fixes", "."], project)
    assert again.stdout == "" and again.returncode == 0, again.stdout + again.stderr


def test_tables_render_into_the_docs():
    from sls_lint.rule import rule_by_code

    doc = rule_by_code("SLS301").doc
    for module in edge.UNAVAILABLE:
        assert f"`{module}`" in doc
    assert "{unavailable}" not in doc
    assert all(f"`{m}`" in rule_by_code("SLS304").doc for m in edge.SOCKET_DRIVERS)
    assert all(f"`{c}()`" in rule_by_code("SLS305").doc for c in edge.ENTROPY_CALLS)


def test_guarded_import_helpers():
    import ast

    from sls_lint.semantic import ModuleModel

    src = "try:\n    import fcntl\nexcept (ImportError, AttributeError):\n    fcntl = None\ntry:\n    import pwd\nexcept KeyError:\n    pass\n"
    model = ModuleModel("m.py", src, ast.parse(src))
    imports = [n for n in ast.walk(model.tree) if isinstance(n, ast.Import)]
    assert [edge.is_guarded_import(model, n) for n in imports] == [True, False]
