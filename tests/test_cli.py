"""The CLI through a real subprocess and in-process (click's runner)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sls_lint.cli import cli

BAD = "import requests\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"
CLIENT = "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"


def run(args, cwd, stdin=None):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, input=stdin, timeout=60)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    return tmp_path


def test_subprocess_check_reports_and_exits_1(project):
    p = run(["check", "."], project)
    assert p.returncode == 1, p.stderr
    assert "handler.py:4:12: SLS201" in p.stdout
    assert "requests.get('https://x')" in p.stdout  # source excerpt
    assert "^" in p.stdout


def test_default_command_is_check(project):
    p = run(["."], project)
    assert p.returncode == 1 and "SLS201" in p.stdout


def test_clean_exit_0(tmp_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    p = run(["check", "."], tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr


def test_json_shape(project):
    p = run(["check", "--format", "json", "."], project)
    data = json.loads(p.stdout)
    assert set(data) == {"version", "diagnostics"}
    (d,) = data["diagnostics"]
    assert set(d) == {"code", "name", "severity", "path", "line", "column", "end_line", "end_column", "message", "function", "fix"}
    assert d["code"] == "SLS201" and d["path"] == "handler.py" and d["line"] == 4 and d["column"] == 12
    assert d["function"] == "handler.py:handler"
    assert d["fix"] == {"applicability": "unsafe", "title": "Add `timeout=10`"}


def test_json_show_fixes_has_edits(project):
    p = run(["check", "--format", "json", "--show-fixes", "."], project)
    (d,) = json.loads(p.stdout)["diagnostics"]
    assert d["fix"]["edits"] and d["fix"]["edits"][0]["new_text"].endswith("timeout=10")


def test_exit_zero(project):
    assert run(["check", "--exit-zero", "."], project).returncode == 0


def test_select_and_ignore_prefixes(project):
    assert run(["check", "--select", "SLS1", "."], project).returncode == 0
    assert run(["check", "--ignore", "SLS2", "."], project).returncode == 0
    assert run(["check", "--select", "SLS2", "."], project).returncode == 1


def test_fix_safe_and_second_run_clean(tmp_path):
    (tmp_path / "handler.py").write_text(CLIENT)
    # only SLS101: other rules (SLS202: the client has no botocore Config) have unsafe fixes
    p = run(["check", "--select", "SLS101", "--fix", "."], tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    fixed = (tmp_path / "handler.py").read_text()
    assert fixed.index("s3 = boto3.client('s3')") < fixed.index("def handler")
    again = run(["check", "--select", "SLS101", "--fix", "."], tmp_path)
    assert again.returncode == 0 and (tmp_path / "handler.py").read_text() == fixed


def test_unsafe_fix_needs_flag_and_exit_1_when_left(project):
    p = run(["check", "--fix", "."], project)
    assert p.returncode == 1 and (project / "handler.py").read_text() == BAD
    p = run(["check", "--fix", "--unsafe-fixes", "."], project)
    assert p.returncode == 0, p.stdout
    assert "timeout=10" in (project / "handler.py").read_text()


def test_diff_writes_nothing(tmp_path):
    (tmp_path / "handler.py").write_text(CLIENT)
    p = run(["check", "--diff", "."], tmp_path)
    assert p.returncode == 1
    assert p.stdout.startswith("--- a/handler.py\n+++ b/handler.py\n")
    assert (tmp_path / "handler.py").read_text() == CLIENT


def test_stdin_filename(tmp_path):
    p = run(["check", "--stdin-filename", "handler.py", "--format", "json"], tmp_path, stdin=BAD)
    assert p.returncode == 1
    assert json.loads(p.stdout)["diagnostics"][0]["path"] == "handler.py"
    assert not (tmp_path / "handler.py").exists()


def test_output_file(project):
    p = run(["check", "--format", "json", "--output-file", "out.json", "."], project)
    assert p.returncode == 1 and p.stdout == ""
    assert json.loads((project / "out.json").read_text())["diagnostics"]


def test_statistics(project):
    p = run(["check", "--statistics", "."], project)
    assert "SLS201" in p.stdout and p.returncode == 1


def test_github_format(project):
    p = run(["check", "--format", "github", "."], project)
    assert p.stdout.startswith("::warning file=handler.py,line=4,")


def test_syntax_error_is_a_finding_and_run_goes_on(tmp_path):
    (tmp_path / "broken.py").write_text("def handler(event, context:\n    pass\n")
    (tmp_path / "handler.py").write_text(BAD)
    p = run(["check", "--format", "json", "."], tmp_path)
    codes = sorted(d["code"] for d in json.loads(p.stdout)["diagnostics"])
    assert codes == ["SLS001", "SLS201"] and p.returncode == 1


def test_config_error_exit_2_no_traceback(project):
    (project / "pyproject.toml").write_text("[tool.sls-lint]\ndefault-timout = 5\n")
    p = run(["check", "."], project)
    assert p.returncode == 2
    assert "default-timeout" in p.stderr and "pyproject.toml" in p.stderr
    assert "Traceback" not in p.stderr


def test_rule_option_reaches_rule(project):
    (project / "sls-lint.toml").write_text("default-timeout = 4\n")
    p = run(["check", "--format", "json", "."], project)
    assert json.loads(p.stdout)["diagnostics"][0]["fix"]["title"] == "Add `timeout=4`"


def test_per_file_ignores(project):
    (project / "pyproject.toml").write_text('[tool.sls-lint.per-file-ignores]\n"handler.py" = ["SLS201"]\n')
    assert run(["check", "."], project).returncode == 0


def test_missing_path_exit_2(tmp_path):
    p = run(["check", "nope/"], tmp_path)
    assert p.returncode == 2 and "nope" in p.stderr


def test_rules_and_rule_commands():
    r = CliRunner().invoke(cli, ["rules"])
    assert r.exit_code == 0 and "SLS101" in r.output and "client-in-handler" in r.output
    r = CliRunner().invoke(cli, ["rule", "SLS201"])
    assert r.exit_code == 0 and "## Why is this bad?" in r.output
    r = CliRunner().invoke(cli, ["rule", "SLS999"])
    assert r.exit_code == 2


def test_in_process_check(project, monkeypatch):
    monkeypatch.chdir(project)
    r = CliRunner().invoke(cli, ["check", "--format", "json", "."])
    assert r.exit_code == 1
    assert json.loads(r.output)["diagnostics"][0]["code"] == "SLS201"


def test_functions_command_json(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    (tmp_path / "serverless.yml").write_text("service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  timeout: 6\nfunctions:\n  api:\n    handler: handler.handler\n    events:\n      - httpApi: GET /\n")
    p = run(["functions", "--format", "json", "."], tmp_path)
    assert p.returncode == 0, p.stderr
    (fn,) = json.loads(p.stdout)["functions"]
    assert fn["name"] == "api" and fn["platform"] == "aws-lambda" and fn["timeout_s"] == 6
    assert fn["handler"]["path"] == "handler.py" and fn["handler"]["callable"] == "handler"


def test_console_script_leaves_objects_frozen_but_in_process_runs_do_not(tmp_path):
    """The console script exits right after `check`: what the run built stays frozen (a full
    collection over every module's tree at the end cost seconds on 3,000 files). A run inside
    a longer-lived process (library, tests, the LSP) hands everything back to the collector."""
    import gc

    (tmp_path / "handler.py").write_text("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    probe = (  # the console script leaves with os._exit (see the next test): watched there
        "import gc, os, sys\n"
        "leave = os._exit\n"
        "os._exit = lambda code: (print('frozen', gc.get_freeze_count() > 0, flush=True), leave(code))\n"
        f"sys.argv = ['sls-lint', 'check', {str(tmp_path)!r}, '--no-cache']\n"
        "from sls_lint.cli import main\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert "SLS101" in out.stdout and out.returncode == 1
    assert "frozen True" in out.stdout
    before = gc.get_freeze_count()
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--no-cache"])
    assert "SLS101" in result.output
    assert gc.get_freeze_count() == before == 0


def test_console_script_writes_everything_then_leaves_without_teardown(tmp_path):
    """The console script's `check` flushes its whole report (more than a pipe holds) and then
    leaves with os._exit: no interpreter teardown after a large run (atexit handlers do not
    run), the exit code kept; a report to --output-file is complete too."""
    for i in range(120):
        (tmp_path / f"h{i}.py").write_text("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    probe = (
        "import atexit, os, sys\n"
        "atexit.register(lambda: print('TEARDOWN', flush=True))\n"
        "def no_child_left():\n"
        "    try:\n"
        "        os.waitpid(-1, os.WNOHANG)\n"
        "    except ChildProcessError:\n"
        "        return True\n"
        "    return False\n"
        "leave, parent = os._exit, os.getpid()\n"  # the worker was waited for (its time and memory are the run's)
        "os._exit = lambda code: (os.getpid() == parent and print('REAPED', no_child_left(), file=sys.stderr, flush=True), leave(code))\n"
        "sys.argv = ['sls-lint', 'check', sys.argv[1], '--no-cache', '--jobs', '2', *sys.argv[2:]]\n"
        "from sls_lint.cli import main\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert len(out.stdout) > 65536 and out.stdout.count("SLS101") >= 120
    tail = out.stdout.splitlines()[-3:]  # the summary closes the report
    assert tail[0].startswith("Found ") and tail[-1].endswith("`--unsafe-fixes` option.") and out.stdout.endswith("\n")
    assert "TEARDOWN" not in out.stdout and out.stderr == "REAPED True\n"
    report = tmp_path / "report.txt"
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path), "--output-file", str(report), "--exit-zero"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == "" and out.stderr == "REAPED True\n"
    assert report.read_text().count("SLS101") >= 120
