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
