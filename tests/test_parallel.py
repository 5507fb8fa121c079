"""--jobs: files analysed across processes give exactly the single-process results, in the same order."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sls_lint.engine as engine
from sls_lint.config import load_config
from sls_lint.engine import Linter
from sls_lint.rule import all_options

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
PIDS = os.environ.get("SLS_LINT_TEST_PIDS", "")


def _recording_worker_run(paths):
    with open(os.environ["SLS_LINT_TEST_PIDS"], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _REAL_WORKER_RUN(paths)


_REAL_WORKER_RUN = engine._worker_run


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    for i in range(3):  # enough files for the pool (and cross-file facts in every copy)
        shutil.copytree(FIXTURES / "projects", root / f"copy{i}" / "projects")
        shutil.copytree(REPO / "examples" / "orders-service", root / f"copy{i}" / "orders-service")
    return root


def lint(root, jobs, **kw):
    cfg = load_config(None, start=str(root), rule_options=all_options(), overrides={"select": ["ALL"]})
    return Linter(cfg, cwd=str(root), jobs=jobs, **kw).lint([str(root)])


def test_same_results_same_order_across_processes(tree, tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    monkeypatch.setenv("SLS_LINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(engine, "_worker_run", _recording_worker_run)
    one = lint(tree, 1)
    assert not pids.exists()  # in-process
    many = lint(tree, 2)
    workers = {int(x) for x in pids.read_text().split()}
    assert workers and os.getpid() not in workers, "the files must really be analysed in worker processes"
    assert one.stats.files_checked >= engine.PARALLEL_MIN_FILES
    assert many.diagnostics == one.diagnostics  # same findings, fixes, fingerprints, same order
    assert many.functions == one.functions and many.errors == one.errors
    assert len(one.diagnostics) > 20


def test_small_runs_stay_in_process(tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    monkeypatch.setenv("SLS_LINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(engine, "_worker_run", _recording_worker_run)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "handler.py").write_text("import requests\n\n\ndef handler(event, context):\n    return requests.get('u')\n")
    res = lint(tmp_path / "p", 8)
    assert [d.code for d in res.diagnostics] == ["SLS201"] and not pids.exists()


def test_parallel_with_cache_and_fix(tree):
    one = lint(tree, 1)
    cold = lint(tree, 2, cache=True)
    warm = lint(tree, 2, cache=True)
    assert cold.diagnostics == one.diagnostics == warm.diagnostics
    assert warm.stats.files_from_cache == warm.stats.files_checked
    cfg = load_config(None, start=str(tree), rule_options=all_options(), overrides={"select": ["ALL"]})
    fixed1 = Linter(cfg, cwd=str(tree), jobs=1).fix([str(tree)], apply=True, unsafe=True)
    fixed2 = Linter(cfg, cwd=str(tree), jobs=2).fix([str(tree)], apply=True, unsafe=True)
    assert fixed1.fixed_sources == fixed2.fixed_sources and fixed1.fixed_sources
    assert fixed1.diagnostics == fixed2.diagnostics


def test_cli_jobs(tree):
    def run(*args):
        p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--select", "ALL", "--format", "json", *args, "."], cwd=tree, capture_output=True, text=True, timeout=300)
        assert p.returncode == 1, p.stderr
        return json.loads(p.stdout)["diagnostics"]

    assert run("--jobs", "2") == run("--jobs", "1")
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--jobs", "0", "."], cwd=tree, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--jobs" in p.stderr


def test_spawned_workers_give_the_same_results(tree, tmp_path, monkeypatch):
    """Where fork is not safe (threads running, or no fork on the platform) workers are spawned
    and get the facts by pickling; the results are the same."""
    import threading

    pids = tmp_path / "pids"
    monkeypatch.setenv("SLS_LINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(engine, "_worker_run", _recording_worker_run)
    one = lint(tree, 1)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    many = lint(tree, 2)
    assert pids.exists() and os.getpid() not in {int(x) for x in pids.read_text().split()}
    assert many.diagnostics == one.diagnostics


def _dying_worker_run(paths):
    os._exit(3)  # a worker killed in the middle of the run (OOM killer, a segfault in C code)


def test_a_dead_worker_loses_nothing(tree, monkeypatch):
    """Files a forked worker claimed but never delivered are analysed by the parent."""
    one = lint(tree, 1)
    monkeypatch.setattr(engine, "_worker_run", _dying_worker_run)
    many = lint(tree, 2)
    assert many.diagnostics == one.diagnostics and many.functions == one.functions


def test_forked_workers_get_the_shared_facts(tree, tmp_path, monkeypatch):
    """With fork, workers start before the facts exist and receive them pickled, with the import
    closures and the reach per Function: a worker never computes those again (before, each
    worker parsed every handler module once more to compute the closures)."""
    from sls_lint import callgraph, importcost

    log = tmp_path / "log"
    parent = os.getpid()

    def spy(name, real):
        def wrapper(*args, **kwargs):
            if os.getpid() != parent:
                with open(log, "a") as fh:
                    fh.write(f"{name}\n")
            return real(*args, **kwargs)

        return wrapper

    one = lint(tree, 1)
    monkeypatch.setattr(importcost.ImportCosts, "_closure", spy("closure", importcost.ImportCosts._closure))
    monkeypatch.setattr(callgraph.ProjectIndex, "_handler_keys", spy("entry points", callgraph.ProjectIndex._handler_keys))
    # SLS501's word index of every text comes along too (the worker adopts the parent's)
    monkeypatch.setattr(importcost, "_build_word_index", spy("word index", importcost._build_word_index))
    adopted = tmp_path / "adopted"

    def adopt(index, words):
        with open(adopted, "a") as fh:
            fh.write(f"{os.getpid()} {len(words)}\n")
        real_adopt(index, words)

    real_adopt = importcost.adopt_word_index
    monkeypatch.setattr(importcost, "adopt_word_index", adopt)
    pids = tmp_path / "pids"
    monkeypatch.setenv("SLS_LINT_TEST_PIDS", str(pids))
    monkeypatch.setattr(engine, "_worker_run", _recording_worker_run)
    many = lint(tree, 2)
    assert many.diagnostics == one.diagnostics
    assert {int(x) for x in pids.read_text().split()} - {parent}, "files were analysed in a worker"
    assert not log.exists(), log.read_text()
    pid, size = adopted.read_text().split()
    assert int(pid) != parent and int(size) > 20


def test_workers_take_test_modules_first_and_handler_modules_last(tmp_path):
    """A forked worker claims test modules first (the facts never parse them, but both
    processes' rules read what they import), modules a deployment file names late, and those the
    project model parses for certain (in an ``api/`` folder, or holding a hint of its convention
    scan) last, each part from the back of the list."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "serverless.yml").write_text("functions:\n  f:\n    handler: handler.main\n")
    texts = {"a/handler.py": "def main(event, context):\n    return 1\n", "api/index.py": "x = 1\n", "b/app.py": "y = 2\n",
             "c/util.py": "def util():\n    return 3\n", "d/entry.py": "import functions_framework\n"}
    paths = ["a/handler.py", "a/tests/test_handler.py", "api/index.py", "b/app.py", "b/test_app.py", "c/util.py", "d/entry.py", "tests/conftest.py"]
    files = [engine.SourceFile("a/serverless.yml", str(tmp_path / "a" / "serverless.yml"), "serverless")]
    for p in paths:
        (tmp_path / p).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / p).write_text(texts.get(p, "z = 0\n"))
        files.append(engine.SourceFile(p, str(tmp_path / p), "python"))
    cfg = load_config(None, start=str(tmp_path), rule_options=all_options())
    analysis = engine.Analysis(cfg, str(tmp_path), files, set(), engine.SourceStore(str(tmp_path)), [])
    assert [paths[i] for i in engine._worker_order(analysis, paths)] == [
        "tests/conftest.py", "b/test_app.py", "a/tests/test_handler.py", "c/util.py", "b/app.py", "a/handler.py", "d/entry.py", "api/index.py"]


def test_shares_start_and_take_over():
    """A claimed file is started on by its claimer, or taken over by another process before
    that; never both, never twice."""
    import multiprocessing

    shares = engine._Shares(multiprocessing.get_context("fork"), 4)
    assert shares.claim(0, 2) and shares.claim(1, 2) and shares.claim(2, 1)
    assert shares.take_over(0, 1) and not shares.start(0, 2)  # the parent took it over
    assert shares.start(1, 2) and not shares.take_over(1, 1)  # started: stays with the worker
    assert not shares.take_over(2, 1) and shares.take_over(2, 2) and not shares.start(2, 1)
    assert not shares.take_over(3, 1) and not shares.start(3, 1)  # unclaimed: claim it first
    assert list(shares.owner) == [-1, -2, -2, 0]


def _slow_worker_run(paths):
    import time

    time.sleep(0.05)
    return _recording_worker_run(paths)


def test_parent_takes_over_what_a_slow_worker_claimed(tree, tmp_path, monkeypatch):
    """A worker that pre-parsed most files while the facts were built but analyses slowly
    hands the files it has not started on to the parent: same results, and the worker
    analyses far fewer files than it claimed."""
    pids = tmp_path / "pids"
    monkeypatch.setenv("SLS_LINT_TEST_PIDS", str(pids))
    one = lint(tree, 1)
    real_build = engine.Analysis._build_facts

    def slow_facts(self):
        import time

        time.sleep(1.5)  # the worker claims and pre-parses everything meanwhile
        return real_build(self)

    monkeypatch.setattr(engine.Analysis, "_build_facts", slow_facts)
    monkeypatch.setattr(engine, "_worker_run", _slow_worker_run)
    many = lint(tree, 2)
    assert many.diagnostics == one.diagnostics
    by_worker = len(pids.read_text().split())
    assert 0 < by_worker < one.stats.files_checked // 3, (by_worker, one.stats.files_checked)
