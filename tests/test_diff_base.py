"""--diff-base REV (only changed files, plus the files whose cross-file facts they affect),
--shard K/N (a deterministic partition) and `sls-lint merge` of shard reports."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO.parent / "shared" / "testdata" / "sarif-schema-2.1.0.json"
HANDLER = "import db\n\n\ndef handler(event, context):\n    return db.get_client().list_buckets()\n"
DB = "import boto3\n\n\ndef get_client():\n    return boto3.client('s3')\n"
BAD = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"


def git(cwd, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def check(cwd, *args, code=None):
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--select", "ALL", "--format", "json", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    return {(d["path"], d["code"]) for d in json.loads(p.stdout)["diagnostics"]}


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "svc").mkdir(parents=True)
    (root / "svc" / "handler.py").write_text(HANDLER)
    (root / "svc" / "db.py").write_text(DB)
    (root / "other.py").write_text(BAD)
    (root / "serverless.yml").write_text("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: svc/handler.handler\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_nothing_changed_checks_nothing(repo):
    assert check(repo, "--diff-base", "HEAD", ".") == set()


def test_changed_file_only(repo):
    (repo / "other.py").write_text(BAD + "\n# touched\n")
    found = check(repo, "--diff-base", "HEAD", ".")
    assert found and {p for p, _ in found} == {"other.py"}


def test_untracked_and_committed_changes_count(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "new.py").write_text(BAD)
    assert {p for p, _ in check(repo, "--diff-base", "main" if "main" in git(repo, "branch") else "master", ".")} == {"new.py"}
    git(repo, "add", "new.py")
    git(repo, "commit", "-q", "-m", "new")
    base = git(repo, "rev-parse", "HEAD~1").strip()
    assert {p for p, _ in check(repo, "--diff-base", base, ".")} == {"new.py"}


def test_change_in_handler_rechecks_what_it_reaches(repo):
    # db.py is unchanged, but its SLS101 exists only because the handler calls it per invocation
    full = check(repo, ".")
    assert ("svc/db.py", "SLS101") in full
    (repo / "svc" / "handler.py").write_text(HANDLER + "\n# touched\n")
    found = check(repo, "--diff-base", "HEAD", ".")
    assert ("svc/db.py", "SLS101") in found and "other.py" not in {p for p, _ in found}


def test_deployment_change_rechecks_its_handlers(repo):
    sls = repo / "serverless.yml"
    sls.write_text(sls.read_text() + "    timeout: 20\n")
    found = check(repo, "--diff-base", "HEAD", ".")
    assert {p for p, _ in found} <= {"serverless.yml", "svc/handler.py", "svc/db.py"}
    assert ("svc/db.py", "SLS101") in found


def test_config_change_checks_everything(repo):
    (repo / "sls-lint.toml").write_text("extend-select = []\n")
    git(repo, "add", "sls-lint.toml")
    git(repo, "commit", "-q", "-m", "config")
    (repo / "sls-lint.toml").write_text('extend-select = ["SLS201"]\n')
    assert check(repo, "--diff-base", "HEAD", ".") == check(repo, ".")


def test_bad_revision_is_a_clear_error(repo, tmp_path):
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--diff-base", "no-such-rev", "."], cwd=repo, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "no-such-rev" in p.stderr and "Traceback" not in p.stderr
    (tmp_path / "plain").mkdir()
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--diff-base", "HEAD", "."], cwd=tmp_path / "plain", capture_output=True, text=True, timeout=60, env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert p.returncode == 2 and "--diff-base" in p.stderr and "Traceback" not in p.stderr


def test_shards_partition_the_run_and_merge(repo, tmp_path):
    for i in range(12):
        (repo / f"m{i}.py").write_text(BAD)
    full = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--select", "ALL", "--format", "json", "."], cwd=repo, capture_output=True, text=True, timeout=120)
    full_diags = json.loads(full.stdout)["diagnostics"]
    outs = []
    seen: list[set] = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard{k}.json"
        p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--select", "ALL", "--format", "json", "--shard", f"{k}/3", "-o", str(out), "."], cwd=repo, capture_output=True, text=True, timeout=120)
        assert p.returncode in (0, 1), p.stderr
        outs.append(str(out))
        seen.append({d["path"] for d in json.loads(out.read_text())["diagnostics"]})
    assert all(seen), "with 15 files every shard gets some"
    assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2])
    m = subprocess.run([sys.executable, "-m", "sls_lint.cli", "merge", "--format", "json", *outs], capture_output=True, text=True, timeout=60)
    assert m.returncode == 0, m.stderr
    assert json.loads(m.stdout)["diagnostics"] == full_diags
    # the same shard twice gives the same files (deterministic)
    again = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--select", "ALL", "--format", "json", "--shard", "2/3", "."], cwd=repo, capture_output=True, text=True, timeout=120)
    assert {d["path"] for d in json.loads(again.stdout)["diagnostics"]} == seen[1]


def test_sarif_shards_merge_into_one_valid_run(repo, tmp_path):
    for i in range(6):
        (repo / f"m{i}.py").write_text(BAD if i % 2 else DB.replace("def get_client", "def handler(event, context):\n    pass\n\n\ndef get_client"))
    outs = []
    for k in (1, 2):
        out = tmp_path / f"s{k}.sarif"
        subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--format", "sarif", "--shard", f"{k}/2", "-o", str(out), "."], cwd=repo, capture_output=True, text=True, timeout=120)
        outs.append(str(out))
    whole = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--format", "sarif", "."], cwd=repo, capture_output=True, text=True, timeout=120)
    m = subprocess.run([sys.executable, "-m", "sls_lint.cli", "merge", "--format", "sarif", *outs], capture_output=True, text=True, timeout=60, cwd=repo)
    assert m.returncode == 0, m.stderr
    merged, single = json.loads(m.stdout), json.loads(whole.stdout)
    assert merged["runs"][0]["results"] == single["runs"][0]["results"]
    assert merged["runs"][0]["tool"]["driver"]["rules"] == single["runs"][0]["tool"]["driver"]["rules"]
    if SCHEMA.is_file():
        import jsonschema

        schema = json.loads(SCHEMA.read_text())
        assert not list(jsonschema.validators.validator_for(schema)(schema).iter_errors(merged))


def test_bad_shard_values(repo):
    for bad in ("0/3", "4/3", "1/0", "x", "1-3"):
        p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--shard", bad, "."], cwd=repo, capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "--shard" in p.stderr, bad
