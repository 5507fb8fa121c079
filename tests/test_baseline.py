"""--baseline / --write-baseline / --fail-on through the CLI, and fingerprint stability."""
from __future__ import annotations

import json
import subprocess
import sys

from sls_lint.baseline import Baseline, fingerprint
from sls_lint.core import Diagnostic, Severity, Span

BAD = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"
TWO = BAD + "\n\ndef other(event, context):\n    return requests.post('https://y').json()\n"


def run(cwd, *args):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def codes(p):
    return [(d["path"], d["code"], d["line"]) for d in json.loads(p.stdout)["diagnostics"]]


def test_write_then_only_new_findings_fail(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    p = run(tmp_path, "--baseline", "base.json", "--write-baseline", ".")
    assert p.returncode == 0, p.stderr
    data = json.loads((tmp_path / "base.json").read_text())
    assert data["format"] == 1 and [e["code"] for e in data["findings"]] == ["SLS201"]
    assert "https://x" not in (tmp_path / "base.json").read_text()  # the source is only hashed
    # unchanged: passes
    p = run(tmp_path, "--baseline", "base.json", "--format", "json", ".")
    assert p.returncode == 0 and codes(p) == [], p.stdout + p.stderr
    # lines move (code added above, re-indented blank lines) and an unrelated edit: still known
    (tmp_path / "handler.py").write_text("# header\nimport os\n\n" + BAD.replace("\n\n\ndef", "\n\nX = os.environ.get('X')\n\n\ndef"))
    p = run(tmp_path, "--baseline", "base.json", "--format", "json", ".")
    assert p.returncode == 0 and codes(p) == [], p.stdout + p.stderr
    # a new finding fails, and only it is reported
    (tmp_path / "handler.py").write_text(TWO)
    p = run(tmp_path, "--baseline", "base.json", "--format", "json", ".")
    assert p.returncode == 1 and codes(p) == [("handler.py", "SLS201", 9)], p.stdout


def test_stale_entries_are_reported(tmp_path):
    (tmp_path / "handler.py").write_text(TWO)
    assert run(tmp_path, "--baseline", "base.json", "--write-baseline", ".").returncode == 0
    (tmp_path / "handler.py").write_text(BAD)  # the second finding was fixed
    p = run(tmp_path, "--baseline", "base.json", ".")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "1 recorded finding no longer found" in p.stderr and "handler.py: SLS201" in p.stderr


def test_baseline_works_from_another_directory(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "handler.py").write_text(BAD)
    assert run(tmp_path, "--baseline", "base.json", "--write-baseline", "svc").returncode == 0
    p = run(tmp_path / "svc", "--baseline", "../base.json", ".")
    assert p.returncode == 0, p.stdout + p.stderr


def test_duplicates_are_counted(tmp_path):
    same = "import requests\n\n\ndef handler(event, context):\n    requests.get('https://x')\n    requests.get('https://x')\n"
    (tmp_path / "handler.py").write_text(same)
    assert run(tmp_path, "--baseline", "b.json", "--write-baseline", ".").returncode == 0
    (tmp_path / "handler.py").write_text(same + "    requests.get('https://x')\n")
    p = run(tmp_path, "--baseline", "b.json", "--format", "json", ".")
    assert p.returncode == 1 and len(codes(p)) == 1


def test_bad_baseline_is_a_clear_error(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    p = run(tmp_path, "--baseline", "missing.json", ".")
    assert p.returncode == 2 and "baseline file not found" in p.stderr and "Traceback" not in p.stderr
    (tmp_path / "x.json").write_text("{not json")
    p = run(tmp_path, "--baseline", "x.json", ".")
    assert p.returncode == 2 and "cannot read baseline" in p.stderr
    (tmp_path / "y.json").write_text('{"format": 1, "findings": [{"code": "SLS201"}]}')
    p = run(tmp_path, "--baseline", "y.json", ".")
    assert p.returncode == 2 and "malformed" in p.stderr
    p = run(tmp_path, "--write-baseline", ".")
    assert p.returncode == 2 and "--baseline FILE" in p.stderr


def test_fail_on_threshold(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    sev = json.loads(run(tmp_path, "--format", "json", ".").stdout)["diagnostics"][0]["severity"]
    above = {"info": "warning", "warning": "error", "error": None}[sev]
    assert run(tmp_path, "--fail-on", sev, ".").returncode == 1
    assert run(tmp_path, "--fail-on", "info", ".").returncode == 1
    if above:
        p = run(tmp_path, "--fail-on", above, ".")
        assert p.returncode == 0 and "SLS201" in p.stdout  # still reported, just not failing
    (tmp_path / "sls-lint.toml").write_text(f'fail-on = "{above or "error"}"\n')
    assert run(tmp_path, ".").returncode == (0 if above else 1)
    assert run(tmp_path, "--fail-on", "info", ".").returncode == 1  # the command line wins


def test_fingerprint_ignores_position_and_whitespace_not_code_or_path():
    a = Diagnostic("SLS201", "n", Severity.ERROR, "a.py", Span(3, 5, 3, 9), "m", fingerprint_source="requests.get(url)")
    moved = Diagnostic("SLS201", "n", Severity.ERROR, "a.py", Span(40, 1, 41, 2), "m2", fingerprint_source="requests.get( url )".replace("( ", "(").replace(" )", ")"))
    assert fingerprint(a) == fingerprint(moved)
    assert fingerprint(a) != fingerprint(Diagnostic("SLS202", "n", Severity.ERROR, "a.py", Span(3, 5, 3, 9), "m", fingerprint_source="requests.get(url)"))
    assert fingerprint(a) != fingerprint(Diagnostic("SLS201", "n", Severity.ERROR, "b.py", Span(3, 5, 3, 9), "m", fingerprint_source="requests.get(url)"))
    # without a source, the message (numbers ignored) stands in
    n1 = Diagnostic("SLS704", "n", Severity.ERROR, "t.yaml", Span(3, 5, 3, 9), "timeout 30 s exceeds 29 s")
    n2 = Diagnostic("SLS704", "n", Severity.ERROR, "t.yaml", Span(9, 5, 9, 9), "timeout 31 s exceeds 29 s")
    assert fingerprint(n1) == fingerprint(n2)


def test_baseline_scope_limits_stale(tmp_path):
    d = Diagnostic("SLS201", "n", Severity.ERROR, "a.py", Span(1, 1, 1, 2), "m", fingerprint_source="x")
    b = Baseline.from_diagnostics(str(tmp_path / "b.json"), [d], str(tmp_path))
    assert [e.path for e in b.compare([], str(tmp_path)).stale] == ["a.py"]
    assert b.compare([], str(tmp_path), checked=["other.py"]).stale == []


def test_partial_runs_cannot_write_a_baseline(tmp_path):
    (tmp_path / "handler.py").write_text(BAD)
    for extra in (["--shard", "1/2"], ["--diff-base", "HEAD"]):
        p = run(tmp_path, "--baseline", "b.json", "--write-baseline", *extra, ".")
        assert p.returncode == 2 and "whole project" in p.stderr and not (tmp_path / "b.json").exists()
