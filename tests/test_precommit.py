"""The pre-commit hooks through pre-commit itself: `pre-commit try-repo` against a temporary git
repository with a bad file staged. The hook repository is a local copy of this checkout
(its tracked files as they are now, committed in a temporary repo), so nothing is fetched but the
hook environment's packages; pre-commit installs sls-lint into it from that local path."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / ".pre-commit-hooks.yaml"
CLIENT = "import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _pre_commit() -> list[str]:
    exe = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which("pre-commit")
    if exe is None:
        try:
            import pre_commit  # noqa: F401
        except ImportError:
            pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
        return [sys.executable, "-m", "pre_commit"]
    return [exe]


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_hook_manifest_is_valid():
    hooks = yaml.safe_load(HOOKS.read_text())
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"sls-lint", "sls-lint-fix"}
    for h in hooks:
        assert h["language"] == "python" and h["entry"].startswith("sls-lint check")
        assert h["require_serial"] is True
        files = re.compile(h["files"])
        for name in ("app.py", "serverless.yml", "serverless.yaml", "template.yaml", "template.json", "vercel.json", "wrangler.toml", "wrangler.jsonc", "stack.template"):
            assert files.search(name), name
        assert not files.search("README.md") and not files.search("Dockerfile")
    assert "--fix" in by_id["sls-lint-fix"]["entry"].split()
    assert "--fix" not in by_id["sls-lint"]["entry"].split()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This checkout's tracked files (working-tree content) committed in a fresh local repo."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    dest = tmp_path_factory.mktemp("hooks") / "sls-lint"
    # tracked and untracked (not ignored) files: the working tree as it is now
    names = [n for n in git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0") if n]
    for name in names + [".pre-commit-hooks.yaml"]:
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "hooks")
    return dest


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, hook_repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([*_pre_commit(), "try-repo", str(hook_repo), hook], cwd=project, env=env, capture_output=True, text=True, timeout=900)


def test_try_repo_fails_on_staged_bad_file_and_passes_once_fixed(tmp_path, hook_repo, pre_commit_home):
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / "sls-lint.toml").write_text('select = ["SLS101", "SLS201"]\n')
    (project / "handler.py").write_text(CLIENT)
    (project / "serverless.yml").write_text("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.handler\n")
    git(project, "add", "handler.py", "serverless.yml", "sls-lint.toml")

    p = try_repo(project, hook_repo, pre_commit_home, "sls-lint")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "handler.py:5:10: SLS101" in p.stdout, p.stdout
    assert (project / "handler.py").read_text() == CLIENT  # the check hook never writes

    p = try_repo(project, hook_repo, pre_commit_home, "sls-lint-fix")
    fixed = (project / "handler.py").read_text()
    assert p.returncode == 1, p.stdout + p.stderr  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in p.stdout
    assert fixed != CLIENT and fixed.index("s3 = boto3.client('s3')") < fixed.index("def handler")

    git(project, "add", "handler.py")
    p = try_repo(project, hook_repo, pre_commit_home, "sls-lint")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Passed" in p.stdout
