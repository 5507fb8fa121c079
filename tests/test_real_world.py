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


# ---------------------------------------------------------------------------------------------
# Cloudflare Python Workers: wrangler.jsonc / wrangler.json / wrangler.toml
# ---------------------------------------------------------------------------------------------

CLOUDFLARE = {
    # fixture: (config file, worker name, handler, vars key of a plain secret, its line, triggers)
    "hello_jsonc": ("wrangler.jsonc", "hello-python", "src/entry.py", "STRIPE_SECRET_KEY", 14, ["http", "schedule"]),
    "fastapi_json": ("wrangler.json", "fastapi-worker", "src/worker.py", "DATABASE_URL", 9, ["http"]),
    "d1_toml": ("wrangler.toml", "query-d1", "src/entry.py", "ADMIN_API_TOKEN", 9, ["http"]),
}


@pytest.mark.parametrize("fixture", sorted(CLOUDFLARE))
def test_every_wrangler_format_feeds_the_project_model(fixture):
    from test_project_support import load

    config, name, handler, secret_key, secret_line, triggers = CLOUDFLARE[fixture]
    project = load(str(FIXTURES / "cloudflare" / fixture))
    (fn,) = project.functions
    assert (fn.name, fn.platform, fn.runtime_class) == (name, "cloudflare-workers", "edge")
    assert (fn.handler_path, fn.handler_callable) == (handler, "Default.fetch")
    assert fn.get("python_workers_flag") is True and fn.source_path == config
    assert [t.kind for t in fn.triggers] == triggers
    (doc,) = project.docs
    assert doc.error is None and doc.kind == "wrangler"
    # what SLS404 reads: the vars values and where they are
    assert isinstance(doc.get("vars", secret_key), str)
    assert doc.locate("vars", secret_key)[0] == secret_line
    assert doc.locate_value("vars", secret_key)[0] == secret_line


def test_jsonc_comments_and_trailing_commas_do_not_leak_into_values():
    from test_project_support import load

    (doc,) = load(str(FIXTURES / "cloudflare" / "hello_jsonc")).docs
    assert doc.get("compatibility_flags") == ["python_workers"]
    assert doc.get("triggers", "crons") == ["*/15 * * * *"]
    assert doc.get("observability") == {"enabled": True}
    assert doc.get("vars", "UPSTREAM_URL") == "https://api.example.com/v1"


def test_worker_rules_run_through_the_cli(tmp_path):
    # hello_jsonc: sync HTTP in Default.fetch (SLS302), and the cron entry Default.scheduled is a
    # handler too; d1_toml: module-level randomness (SLS305); fastapi_json: socket import (SLS301)
    found = {}
    for fixture in CLOUDFLARE:
        dest = copy(f"cloudflare/{fixture}", tmp_path)
        found[fixture] = {(d["path"], d["code"], d["line"]) for d in diagnostics(["--no-cache", "--select", "SLS3,SLS707", "."], dest)}
    assert ("src/entry.py", "SLS302", 8) in found["hello_jsonc"]
    assert ("src/entry.py", "SLS305", 5) in found["d1_toml"]
    assert ("src/worker.py", "SLS301", 6) in found["fastapi_json"]
    # SLS707 reads `observability` from every format: enabled in the jsonc, absent in the others
    assert not [f for f in found["hello_jsonc"] if f[1] == "SLS707"]
    assert ("wrangler.json", "SLS707", 4) in found["fastapi_json"]
    assert ("wrangler.toml", "SLS707", 3) in found["d1_toml"]


def test_plain_secrets_in_wrangler_vars(tmp_path):
    from sls_lint.rule import rule_by_code

    if rule_by_code("SLS404") is None:
        pytest.skip("SLS404 is not in this checkout yet")
    for fixture in ("hello_jsonc", "d1_toml"):
        config, *_rest = CLOUDFLARE[fixture]
        line = CLOUDFLARE[fixture][4]
        dest = copy(f"cloudflare/{fixture}", tmp_path)
        found = [(d["path"], d["line"]) for d in diagnostics(["--no-cache", "--select", "SLS404", "."], dest)]
        assert (config, line) in found, found
        p = run(["check", "--no-cache", "--select", "SLS404", "."], dest)
        assert "sk_live_51HxYz" not in p.stdout and "ghp_1234567890" not in p.stdout  # redacted
