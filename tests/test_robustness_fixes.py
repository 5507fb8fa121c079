"""Regression tests for bugs the fuzz and bad-input tests found (issue 9, reliability): a file
changed during ``--fix``, non-UTF-8 file names in machine-readable reports, a BOM inside JSON,
unreadable files reported twice, and ``python -m sls_lint`` importing the project's own modules.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sls_lint import cli as cli_module
from sls_lint.engine import Linter

SLS = Path(sys.executable).with_name("sls-lint")
FIXABLE = "import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"


def run(root: Path, *args: str, exe: list[str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*(exe or [str(SLS)]), *args], cwd=root, capture_output=True, timeout=120,
                          env=dict(os.environ, NO_COLOR="1"), **kw)


# --------------------------------------------------------------------------- 1. changed during --fix
def test_fix_skips_a_file_changed_meanwhile_and_writes_the_others(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(FIXABLE)
    (tmp_path / "b.py").write_text(FIXABLE)
    real_fix = Linter.fix

    def fix_then_user_saves(self, *a, **k):
        result = real_fix(self, *a, **k)
        (tmp_path / "a.py").write_text(FIXABLE + "# the user saved meanwhile\n")
        return result

    monkeypatch.setattr(Linter, "fix", fix_then_user_saves)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli_module.cli, ["check", ".", "--fix", "--unsafe-fixes", "--no-cache"])
    assert "internal error" not in res.stderr, res.stderr
    assert "a.py changed while sls-lint was fixing it; not written" in res.stderr, res.stderr
    assert res.exit_code == 1, (res.exit_code, res.output, res.stderr)  # findings remain in a.py
    assert (tmp_path / "a.py").read_text() == FIXABLE + "# the user saved meanwhile\n"
    assert (tmp_path / "b.py").read_text() != FIXABLE  # the other file was still fixed
    assert "boto3.client" in (tmp_path / "b.py").read_text().split("def handler")[0]
    # --exit-zero still wins
    (tmp_path / "a.py").write_text(FIXABLE)
    res = CliRunner().invoke(cli_module.cli, ["check", ".", "--fix", "--unsafe-fixes", "--no-cache", "--exit-zero"])
    assert res.exit_code == 0 and "not written" in res.stderr, res.stderr


def test_linter_write_returns_only_what_it_wrote(tmp_path):
    from sls_lint.config import find_config_file, load_config
    from sls_lint.rule import all_options

    (tmp_path / "a.py").write_text(FIXABLE)
    (tmp_path / "b.py").write_text(FIXABLE)
    config = load_config(find_config_file(str(tmp_path)), start=str(tmp_path), rule_options=all_options())
    linter = Linter(config, cwd=str(tmp_path))
    result = linter.fix(["."], apply=True, unsafe=True)
    assert len(result.fixed_sources) == 2
    (tmp_path / "a.py").write_text("x = 1\n")
    written = linter.write(result)
    assert [os.path.basename(p) for p in written] == ["b.py"]
    assert (tmp_path / "a.py").read_text() == "x = 1\n"


# --------------------------------------------------------------------------- 2. non-UTF-8 file names
@pytest.fixture
def latin1_named(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    src = b"import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x')\n"
    try:
        with open(os.path.join(os.fsencode(root), b"caf\xe9.py"), "wb") as fh:
            fh.write(src)
        with open(os.path.join(os.fsencode(root), b"bad\xe9.py"), "wb") as fh:
            fh.write(b"def f(:\n")
    except (OSError, UnicodeError):
        pytest.skip("this filesystem refuses file names that are not UTF-8")
    if not any(b"\xe9" in name for name in os.listdir(os.fsencode(root))):
        pytest.skip("this filesystem rewrote the non-UTF-8 file name")
    (root / "good.py").write_text(src.decode())
    return root


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github", "text"])
def test_non_utf8_file_name_gives_valid_utf8_output(latin1_named, fmt):
    p = run(latin1_named, "check", ".", "--no-cache", "--format", fmt)
    assert p.returncode == 1, p.stderr.decode(errors="replace")
    assert b"Traceback" not in p.stderr and b"internal error" not in p.stderr, p.stderr
    out = p.stdout.decode("utf-8")  # strict: raises on invalid UTF-8
    assert "caf\\xe9.py" in out.replace("\\\\", "\\"), out  # (JSON doubles the backslash)
    assert "good.py" in out  # nothing else in the run is lost
    if fmt == "json":
        diags = json.loads(out)["diagnostics"]
        assert {d["path"] for d in diags} == {"bad\\xe9.py", "caf\\xe9.py", "good.py"}
        bad = [d for d in diags if d["path"] == "bad\\xe9.py"]
        assert bad[0]["code"] == "SLS001" and "bad\\xe9.py" in bad[0]["message"]
        caf = [d for d in diags if d["path"] == "caf\\xe9.py"][0]
        assert caf["function"] == "caf\\xe9.py:handler"
    if fmt == "sarif":
        doc = json.loads(out)
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
        assert uris == {"bad%E9.py", "caf%E9.py", "good.py"}  # percent-encoded bytes of the real name
        texts = [r["message"]["text"] for r in doc["runs"][0]["results"]]
        assert any("caf\\xe9.py" in t for t in texts), texts
    if fmt == "junit":
        import xml.etree.ElementTree as ET

        names = {s.get("name") for s in ET.fromstring(p.stdout).iter("testsuite")}
        assert "caf\\xe9.py" in names, names


def test_non_utf8_file_name_to_output_file(latin1_named, tmp_path):
    out = tmp_path / "report.json"
    p = run(latin1_named, "check", ".", "--no-cache", "--format", "json", "--output-file", str(out))
    assert p.returncode == 1 and b"internal error" not in p.stderr, p.stderr
    paths = {d["path"] for d in json.loads(out.read_bytes().decode("utf-8"))["diagnostics"]}
    assert "caf\\xe9.py" in paths


def test_escape_undecodable_keeps_valid_text():
    from sls_lint.reporters import escape_undecodable

    assert escape_undecodable("café/ünï.py") == "café/ünï.py"
    assert escape_undecodable(os.fsdecode(b"a\xe9\xff.py")) == "a\\xe9\\xff.py"
    assert escape_undecodable("x\ud800") == "x\\ud800"


# --------------------------------------------------------------------------- 3. U+FEFF inside JSON
VERCEL_FIXTURE = Path(__file__).parent / "fixtures" / "deploy_config" / "vercel"


def _vercel_project(tmp_path: Path, text: str) -> Path:
    import shutil

    root = tmp_path / "proj"
    shutil.copytree(VERCEL_FIXTURE, root)
    (root / "vercel.json").write_bytes(text.encode("utf-8"))
    return root


def test_bom_inside_json_is_a_parse_error_and_nothing_is_fixed(tmp_path):
    original = (VERCEL_FIXTURE / "vercel.json").read_text(encoding="utf-8")
    assert '"memory": 1024\n' in original
    broken = original.replace('"memory": 1024\n', '"memory": 1024\ufeff\n')
    root = _vercel_project(tmp_path, broken)
    p = run(root, "check", ".", "--no-cache", "--fix", "--unsafe-fixes", "--format", "json")
    assert b"Traceback" not in p.stderr, p.stderr
    assert (root / "vercel.json").read_bytes() == broken.encode("utf-8")  # no fix on a file Vercel rejects
    diags = [d for d in json.loads(p.stdout)["diagnostics"] if d["path"] == "vercel.json"]
    assert [d["code"] for d in diags] == ["SLS001"], diags
    line = broken.count("\n", 0, broken.index("\ufeff")) + 1
    column = broken.index("\ufeff") - broken.rindex("\n", 0, broken.index("\ufeff"))
    assert (diags[0]["line"], diags[0]["column"]) == (line, column), diags
    assert "byte-order mark" in diags[0]["message"]


def test_bom_at_the_start_of_json_is_still_accepted_and_kept(tmp_path):
    original = (VERCEL_FIXTURE / "vercel.json").read_text(encoding="utf-8")
    root = _vercel_project(tmp_path, "\ufeff" + original)
    p = run(root, "check", ".", "--no-cache", "--fix", "--unsafe-fixes", "--format", "json")
    assert b"Traceback" not in p.stderr, p.stderr
    assert not [d for d in json.loads(p.stdout)["diagnostics"] if d["code"] == "SLS001"]
    data = (root / "vercel.json").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"maxDuration" in data  # fixed, BOM kept


@pytest.mark.parametrize("tolerant", [False, True])
@pytest.mark.parametrize("text, where", [
    ("{\ufeff}", (1, 2)),
    ("\ufeff\ufeff{}", (1, 2)),
    ('{"a": [1,\n \ufeff2]}', (2, 2)),
])
def test_load_json_rejects_a_bom_past_the_start(text, where, tolerant):
    from sls_lint.project.jsonload import load_json

    r = load_json(text, tolerant=tolerant)
    assert r.data is None and r.error is not None and r.error[:2] == where, r.error


def test_load_json_keeps_feff_inside_strings_and_at_the_start():
    from sls_lint.project.jsonload import load_json

    assert load_json('{"a": "x\ufeff"}').data == {"a": "x\ufeff"}
    assert load_json("\ufeff {}").data == {}


# --------------------------------------------------------------------------- 4. reported once
GOOD = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x')\n"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_unreadable_file_is_reported_once(tmp_path, fmt):
    (tmp_path / "bad.py").write_bytes(b'x = "\xff\xfe"\n')  # not UTF-8, no cookie: cannot be read
    (tmp_path / "good.py").write_text(GOOD)
    p = run(tmp_path, "check", ".", "--no-cache", "--format", fmt, text=True)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert "SLS001" in p.stdout and "cannot read bad.py" in p.stdout, p.stdout  # the finding
    assert "bad.py" not in p.stderr, p.stderr  # ...and no second report of it
    assert "SLS201" in p.stdout


def test_unreadable_file_still_warned_when_sls001_is_off(tmp_path):
    (tmp_path / "bad.py").write_bytes(b'x = "\xff\xfe"\n')
    (tmp_path / "good.py").write_text(GOOD)
    p = run(tmp_path, "check", ".", "--no-cache", "--ignore", "SLS001", text=True)
    assert "SLS001" not in p.stdout
    assert "sls-lint: warning: cannot read bad.py" in p.stderr, p.stderr  # the only report left


# --------------------------------------------------------------------------- 5. python -m sls_lint
TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('imported {name}')\nraise SystemExit('sls-lint imported the project file {name}.py')\n"


@pytest.mark.parametrize("module", ["sls_lint", "sls_lint.cli"])
def test_python_m_never_imports_project_files_from_the_cwd(tmp_path, module):
    root = tmp_path / "proj"
    root.mkdir()
    marker = tmp_path / "marker"
    # modules sls-lint (or the libraries it loads) import after start-up, as a project may name its files
    for name in ("click", "yaml", "difflib", "json", "libcst", "pathspec", "tomlkit"):
        (root / f"{name}.py").write_text(TRAP.format(marker=str(marker), name=name))
    (root / "handler.py").write_text(GOOD)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSAFEPATH", "PYTHONPATH")}
    p = subprocess.run([sys.executable, "-m", module, "check", ".", "--no-cache", "--format", "json"], cwd=root,
                       capture_output=True, text=True, timeout=120, env=dict(env, NO_COLOR="1"))
    assert not marker.exists(), marker.read_text()
    assert p.returncode == 1, p.stderr
    found = {(d["path"], d["code"]) for d in json.loads(p.stdout)["diagnostics"]}
    assert ("handler.py", "SLS201") in found and ("click.py", "SLS001") not in found
    # --version too (the shortest path through the CLI)
    v = subprocess.run([sys.executable, "-m", module, "--version"], cwd=root, capture_output=True, text=True, timeout=60, env=env)
    assert v.returncode == 0 and not marker.exists(), v.stderr


def test_python_m_keeps_sys_path_for_library_use(tmp_path):
    # importing sls_lint (as a library) never touches the importer's sys.path
    code = "import sys; before = list(sys.path); import sls_lint, sls_lint.cli; assert sys.path == before, (before, sys.path)"
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
