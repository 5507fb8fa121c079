"""The result cache: a warm run over an unchanged tree parses nothing; every change that can
change a result (the file, a file whose cross-file facts it depends on, a deployment file, the
config, the tool) is seen; --no-cache and `sls-lint clean`."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sls_lint.cache as cache_mod
from sls_lint.config import find_config_file, load_config
from sls_lint.engine import Linter
from sls_lint.rule import all_options

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
HANDLER = "import db\n\n\ndef handler(event, context):\n    return db.get_client().list_buckets()\n"
DB = "import boto3\n\n\ndef get_client():\n    return boto3.client('s3')\n"


class ParseCounter:
    """Counts every parse: Python (ast.parse) and the YAML/JSON/TOML loaders of the project model."""

    def __init__(self, monkeypatch):
        self.count = 0
        real_parse = ast.parse

        def parse(*a, **k):
            self.count += 1
            return real_parse(*a, **k)

        monkeypatch.setattr(ast, "parse", parse)
        import importlib

        for name in ("serverless", "cloudformation", "wrangler", "vercel", "cdk", "conventions", "build", "yamlload", "jsonload", "tomlload"):
            mod = importlib.import_module(f"sls_lint.project.{name}")
            for fn in ("load_yaml", "load_json", "load_toml"):
                real = getattr(mod, fn, None)
                if real is not None:
                    monkeypatch.setattr(mod, fn, self._wrap(real))

    def _wrap(self, real):
        def wrapper(*a, **k):
            self.count += 1
            return real(*a, **k)

        return wrapper

    def reset(self):
        """The parses since the last reset; in-process memos are dropped, as in a new process."""
        import sls_lint.inline

        sls_lint.inline._MEMO.clear()
        n, self.count = self.count, 0
        return n


def lint(root: Path, cache=True, jobs=1):
    cfg = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options(), overrides={"select": ["ALL"]})
    return Linter(cfg, cwd=str(root), cache=cache, jobs=jobs).lint([str(root)])


def keyed(result):
    return [(d.path, d.code, d.span, d.message, d.function, d.fix) for d in result.diagnostics]


@pytest.fixture
def tree(tmp_path):
    """Every platform fixture project plus the demo app, under one root."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES / "projects", root / "projects")
    shutil.copytree(REPO / "examples" / "orders-service", root / "orders-service")
    (root / "x").mkdir()
    (root / "x" / "handler.py").write_text(HANDLER)
    (root / "x" / "db.py").write_text(DB)
    return root


def test_warm_run_parses_nothing_and_matches(tree, monkeypatch):
    counter = ParseCounter(monkeypatch)
    cold = lint(tree)
    assert counter.reset() > 0
    assert cold.stats.files_from_cache == 0 and cold.diagnostics
    warm = lint(tree)
    assert counter.reset() == 0, "a warm run over an unchanged tree must not parse a single file"
    assert keyed(warm) == keyed(cold)
    assert warm.stats.files_from_cache == warm.stats.files_checked == cold.stats.files_checked
    assert [f.name for f in warm.functions] == [f.name for f in cold.functions] and warm.functions == cold.functions
    assert keyed(lint(tree, cache=False)) == keyed(cold)


def test_edit_one_file_reanalyses_it_only(tree, monkeypatch):
    lint(tree)
    counter = ParseCounter(monkeypatch)
    target = tree / "orders-service" / "src" / "lib" / "db.py"
    target.write_text(target.read_text() + "\n\ndef extra():\n    return 1\n")
    again = lint(tree)
    assert counter.reset() > 0
    assert keyed(again) == keyed(lint(tree, cache=False))
    assert 0 < again.stats.files_checked - again.stats.files_from_cache < again.stats.files_checked


def test_cross_file_facts_invalidate_dependents(tree):
    first = lint(tree)
    assert ("x/db.py", "SLS101") in {(d.path, d.code) for d in first.diagnostics}
    # db.py is unchanged, but the handler no longer calls into it: its finding must go
    (tree / "x" / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    second = lint(tree)
    assert ("x/db.py", "SLS101") not in {(d.path, d.code) for d in second.diagnostics}
    assert keyed(second) == keyed(lint(tree, cache=False))
    # and back
    (tree / "x" / "handler.py").write_text(HANDLER)
    assert keyed(lint(tree)) == keyed(first)


def test_import_added_to_a_helper_reaches_every_handler_that_loads_it(tmp_path):
    """Import closures are project facts: a heavy import added to a helper module changes the
    cold-start finding (SLS502) of the handler that loads it, though the handler is unchanged and
    another handler was analysed first (before, only the first file that asked for the closures
    recorded the modules they read, so this finding stayed stale in the cache)."""
    root = tmp_path / "svc"
    root.mkdir()
    (root / "a_handler.py").write_text("import json\n\n\ndef handler(event, context):\n    return json.dumps(event)\n")
    (root / "b_handler.py").write_text("import helper\n\n\ndef handler(event, context):\n    return helper.go(event)\n")
    (root / "helper.py").write_text("def go(e):\n    return e\n")
    (root / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
        "  a:\n    handler: a_handler.handler\n  b:\n    handler: b_handler.handler\n"
    )
    assert "SLS502" not in {d.code for d in lint(root).diagnostics}
    (root / "helper.py").write_text("import pandas\nimport torch\nimport tensorflow\n\n\ndef go(e):\n    return e\n")
    warm = lint(root)
    assert ("b_handler.py", "SLS502") in {(d.path, d.code) for d in warm.diagnostics}
    assert keyed(warm) == keyed(lint(root, cache=False))
    (root / "helper.py").write_text("def go(e):\n    return e\n")
    assert "SLS502" not in {d.code for d in lint(root).diagnostics}


def test_deployment_file_change_is_seen(tree):
    sls = tree / "orders-service" / "serverless.yml"
    before = lint(tree)
    sls.write_text(sls.read_text().replace("functions:", "functions:\n  extra:\n    handler: src/handlers/missing.main\n", 1))
    after = lint(tree)
    assert keyed(after) == keyed(lint(tree, cache=False))
    assert len(after.functions) == len(before.functions) + 1


def test_new_file_and_deleted_file(tree):
    lint(tree)
    (tree / "x" / "new.py").write_text("import requests\n\n\ndef handler(event, context):\n    return requests.get('u')\n")
    res = lint(tree)
    assert ("x/new.py", "SLS201") in {(d.path, d.code) for d in res.diagnostics}
    (tree / "x" / "new.py").unlink()
    res = lint(tree)
    assert "x/new.py" not in {d.path for d in res.diagnostics}
    assert keyed(res) == keyed(lint(tree, cache=False))


def test_config_and_tool_are_part_of_the_key(tree, monkeypatch):
    lint(tree)
    (tree / "sls-lint.toml").write_text('ignore = ["SLS201"]\n')
    cfg = load_config(str(tree / "sls-lint.toml"), start=str(tree), rule_options=all_options(), overrides={})
    res = Linter(cfg, cwd=str(tree), cache=True).lint([str(tree)])
    assert res.stats.files_from_cache == 0
    assert "SLS201" not in {d.code for d in res.diagnostics}
    # a different tool build (version or any source file of the package) never reads old entries
    a = cache_mod.Cache(str(tree / "c"), ["1", "root"]).path
    monkeypatch.setattr(cache_mod, "tool_fingerprint", lambda: "another build")
    assert cache_mod.Cache(str(tree / "c"), ["1", "root"]).path != a


def test_overlay_uses_but_never_writes_the_cache(tree):
    lint(tree)
    cache_files = list((tree / ".sls-lint-cache").glob("*.cache"))
    stamp = [(p, p.stat().st_mtime_ns, p.read_bytes()) for p in cache_files]
    cfg = load_config(None, start=str(tree), rule_options=all_options(), overrides={"select": ["ALL"]})
    target = tree / "x" / "db.py"
    res = Linter(cfg, cwd=str(tree), cache=True).lint([], overlay={str(target): DB + "\nboto3.client('sqs')\n"}, stdin_path=str(target))
    assert {d.path for d in res.diagnostics} == {"x/db.py"}
    assert [(p, p.stat().st_mtime_ns, p.read_bytes()) for p in cache_files] == stamp


def test_corrupt_cache_is_ignored(tree):
    first = lint(tree)
    for p in (tree / ".sls-lint-cache").glob("*.cache"):
        p.write_bytes(b"garbage")
    again = lint(tree)
    assert keyed(again) == keyed(first) and again.stats.files_from_cache == 0
    assert lint(tree).stats.files_from_cache == again.stats.files_checked  # rewritten


def test_cache_folder_is_ignored_by_git_and_discovery(tree):
    lint(tree)
    folder = tree / ".sls-lint-cache"
    assert (folder / ".gitignore").read_text().strip().endswith("*")
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert not [d for d in lint(tree).diagnostics if ".sls-lint-cache" in d.path]


def cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_no_cache_and_clean(tmp_path):
    (tmp_path / "handler.py").write_text(HANDLER)
    (tmp_path / "db.py").write_text(DB)
    assert cli(tmp_path, "check", "--no-cache", ".").returncode == 1
    assert not (tmp_path / ".sls-lint-cache").exists()
    assert cli(tmp_path, "check", ".").returncode == 1
    assert list((tmp_path / ".sls-lint-cache").glob("*.cache"))
    p = cli(tmp_path, "clean")
    assert p.returncode == 0 and "Removed" in p.stdout and not (tmp_path / ".sls-lint-cache").exists()
    p = cli(tmp_path, "clean")
    assert p.returncode == 0 and "No cache" in p.stdout
    # cache-dir from the config; clean refuses a folder sls-lint did not make
    (tmp_path / "sls-lint.toml").write_text('cache-dir = "build/lint-cache"\n')
    assert cli(tmp_path, "check", ".").returncode == 1
    assert list((tmp_path / "build" / "lint-cache").glob("*.cache"))
    assert cli(tmp_path, "clean").returncode == 0 and not (tmp_path / "build" / "lint-cache").exists()
    (tmp_path / "sls-lint.toml").write_text('cache-dir = "src"\n')
    (tmp_path / "src").mkdir()
    p = cli(tmp_path, "clean")
    assert p.returncode == 2 and "not an sls-lint cache folder" in p.stderr and (tmp_path / "src").exists()


def test_codec_refuses_foreign_types_and_roundtrips_own():
    from sls_lint.core import Applicability, Diagnostic, FixIntent, Severity, Span, freeze

    d = Diagnostic("SLS201", "n", Severity.ERROR, "a.py", Span(1, 2, 3, 4), "m", "f", FixIntent("k", "t", Applicability.UNSAFE, Span(1, 1, 1, 2), freeze({"a": [1, {"b": (2.5, None)}]})), "src")
    assert cache_mod.roundtrip([d, {("k", 1): float("inf")}]) == [d, {("k", 1): float("inf")}]
    with pytest.raises(cache_mod.Unencodable):
        cache_mod.encode({1, 2})

    class S(str):
        pass

    with pytest.raises(cache_mod.Unencodable):
        cache_mod.encode(S("x"))  # a subclass would not come back as itself
    with pytest.raises(KeyError):
        cache_mod.decode({"c": "Popen", "a": {}})  # only sls-lint's own classes are ever built


def test_docs_examples_use_real_options():
    """docs/ci.md: every YAML block parses and every `sls-lint check` option shown exists."""
    import re

    import yaml

    from sls_lint.cli import check, cli

    text = (REPO / "docs" / "ci.md").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        yaml.safe_load(block)
    opts = {o for p in check.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
    used = set()
    blocks = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, re.S))
    for line in re.findall(r"sls-lint (check[^\n`]*)", blocks):
        used |= {tok.split("=")[0] for tok in line.split() if tok.startswith("-")}
    assert used and used <= opts, used - opts
    for cmd in re.findall(r"sls-lint (\w+)", blocks):
        assert cmd in cli.commands, cmd


def test_derived_values_roundtrip_and_persist(tmp_path):
    c = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    assert c.get_derived("inline", "abc") is None
    assert c.put_derived("inline", "abc", [("t.yaml#F", "t.yaml", "F", "code", ((3, 4),))])
    assert not c.put_derived("inline", "bad", {1, 2})
    c.save()
    again = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    assert again.get_derived("inline", "abc") == [("t.yaml#F", "t.yaml", "F", "code", ((3, 4),))]


def test_warm_run_in_a_new_process_hits(tree):
    """Keys must not depend on anything process-specific (hash randomization, memo state)."""
    script = (
        "import sys, json\n"
        "from sls_lint.config import load_config\n"
        "from sls_lint.rule import all_options\n"
        "from sls_lint.engine import Linter\n"
        "root = sys.argv[1]\n"
        "cfg = load_config(None, start=root, rule_options=all_options(), overrides={'select': ['ALL']})\n"
        "r = Linter(cfg, cwd=root, cache=True).lint([root])\n"
        "print(json.dumps([r.stats.files_checked, r.stats.files_from_cache, len(r.diagnostics)]))\n"
    )
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        p = subprocess.run([sys.executable, "-c", script, str(tree)], capture_output=True, text=True, timeout=300, env=env)
        assert p.returncode == 0, p.stderr
        runs.append(json.loads(p.stdout))
    (checked, cached0, n0), (checked1, cached1, n1) = runs
    assert cached0 == 0 and cached1 == checked1 == checked and n0 == n1


def test_pin_file_change_rechecks(tmp_path):
    """SLS204 reads the redis-py pin from requirements/lock files, which are not discovered
    files: a pin change (or a new requirements*.txt) must still re-check the modules below it."""
    from sls_lint.rules.timeouts._pins import pinned_major

    root = tmp_path / "p"
    (root / "svc").mkdir(parents=True)
    (root / "svc" / "handler.py").write_text("import redis\n\nr = redis.Redis(host='cache')\n\ndef handler(event, context):\n    return r.get('k')\n")
    (root / "svc" / "other.py").write_text("import redis\n\nr = redis.Redis(host='cache')\n\ndef handler(event, context):\n    return r.get('k')\n")
    (root / "requirements.txt").write_text("redis==8.1.0\n")

    def sls204():
        pinned_major.cache_clear()  # its in-process memo: each lint below stands for a new process
        res = lint(root)
        assert keyed(res) == keyed(lint(root, cache=False))
        return sorted(d.path for d in res.diagnostics if d.code == "SLS204"), res.stats.files_from_cache

    assert sls204() == ([], 0)
    assert sls204() == ([], 2)  # warm
    (root / "requirements.txt").write_text("redis==4.6.0\n")
    assert sls204() == (["svc/handler.py", "svc/other.py"], 0)
    assert sls204()[1] == 2
    # a closer pin file that did not exist before (requirements*.txt is globbed by the rule)
    (root / "svc" / "requirements-prod2.txt").write_text("redis>=8\n")
    assert sls204() == ([], 0)
    (root / "svc" / "requirements-prod2.txt").unlink()
    assert sls204()[0] == ["svc/handler.py", "svc/other.py"]


def test_unchanged_status_skips_reading_and_any_write_is_seen(tree, monkeypatch):
    """A warm run trusts a recorded content hash only while the file's status (mtime, ctime,
    size, inode) is unchanged and was not racy when recorded; an in-place rewrite of the same
    size with the old mtime restored still changes ctime, so it is read again."""
    import time

    import sls_lint.writer as writer

    monkeypatch.setattr(cache_mod, "RACY_NS", 0)  # the files were just written: trust them at once
    lint(tree)
    time.sleep(0.05)
    reads: list[str] = []
    real = writer.read_source
    monkeypatch.setattr(writer, "read_source", lambda p, **kw: (reads.append(str(p)), real(p, **kw))[1])
    warm = lint(tree)
    assert warm.stats.files_from_cache == warm.stats.files_checked
    assert not [p for p in reads if p.endswith(".py") and p not in {os.path.join(tree, *d.path.split("/")) for d in warm.diagnostics}]
    target = tree / "x" / "db.py"
    st = target.stat()
    new = DB.replace("def get_client", "def get_clienX")  # the handler's call no longer reaches it
    assert len(new) == len(DB)
    target.write_text(new)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    again = lint(tree)
    assert again.stats.files_from_cache < again.stats.files_checked
    assert keyed(again) == keyed(lint(tree, cache=False))
    assert ("x/db.py", "SLS101") in {(d.path, d.code) for d in warm.diagnostics}
    assert ("x/db.py", "SLS101") not in {(d.path, d.code) for d in again.diagnostics}


def test_racy_status_is_not_trusted(tmp_path):
    c = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    now = __import__("time").time_ns()
    status = [now, now, 10, 1, 1]
    c.record_sha("a.py", status, "abc")
    assert c.trusted_sha("a.py", status) is None  # ctime within RACY_NS of the recording
    old = [now - 10 * cache_mod.RACY_NS, now - 10 * cache_mod.RACY_NS, 10, 1, 1]
    c.record_sha("b.py", old, "def")
    assert c.trusted_sha("b.py", old) == "def"
    assert c.trusted_sha("b.py", [old[0], old[1] + 1, 10, 1, 1]) is None  # any write moves ctime
    assert c.trusted_sha("b.py", [old[0], old[1], 11, 1, 1]) is None


def test_functions_are_decoded_only_when_asked(tree):
    """LintResult.functions comes from the project model, which a warm run would otherwise
    decode from the cache just for the report (the text report never asks)."""
    lint(tree)
    warm = lint(tree)
    assert callable(warm.functions_source)  # nothing decoded yet
    names = sorted(f.name for f in warm.functions)
    assert names and names == sorted(f.name for f in lint(tree, cache=False).functions)
    assert not callable(warm.functions_source) and warm.functions is warm.functions


def test_warm_run_decodes_only_the_digests_of_the_facts(tree, monkeypatch):
    """An unchanged tree needs only each file's facts digest: the project model (the largest
    part), the reach table, the project-level findings and the closures stay encoded."""
    cold = keyed(lint(tree))
    asked = []
    real = cache_mod.StoredParts.__getitem__

    def getitem(self, name):
        asked.append(name)
        return real(self, name)

    monkeypatch.setattr(cache_mod.StoredParts, "__getitem__", getitem)
    warm = lint(tree)
    assert keyed(warm) == cold and warm.stats.files_from_cache == warm.stats.files_checked
    assert set(asked) <= {"digests"}
    assert sorted(f.name for f in warm.functions) == sorted(f.name for f in lint(tree, cache=False).functions)
    assert "project" in asked


def test_findings_are_stored_flat_and_come_back_equal():
    """A finding (and its fix intent) is stored as one flat array each, the stored form of most
    of a warm run's decoding: both decoders give back an equal object, with its enums, spans
    and parameter tuples; a damaged flat form is an error the cache treats as a miss."""
    from sls_lint.core import Applicability, Diagnostic, FixIntent, Severity, Span, freeze

    values = [
        Diagnostic("SLS201", "n", Severity.ERROR, "a.py", Span(1, 2, 3, 4), "m", "f",
                   FixIntent("k", "t", Applicability.UNSAFE, Span(1, 1, 1, 2), freeze({"a": [1, {"b": (2.5, None)}]})), "src"),
        Diagnostic("SLS002", "unused-suppression", Severity.INFO, "b/c.py", Span(9, 1, 9, 2), "é \u2028 x", None, None),
        FixIntent("add-keyword", "Add `timeout=10`", Applicability.SAFE, None, (("name", "timeout"), ("value", "10"), ("flag", True), ("pair", ("a", 1)), ("list", [1, 2]))),
    ]
    text = cache_mod.dumps(values)
    assert text.count('"D":') == 2 and text.count('"F":') == 2 and '"Span"' not in text and '"Severity"' not in text
    assert cache_mod.loads(text) == values == cache_mod.decode(json.loads(text))
    assert [type(p[1]) for p in cache_mod.loads(text)[2].params] == [str, str, bool, tuple, list]
    for damaged in (text.replace('"error"', '"fatal"'), text.replace('"unsafe",[1,1,1,2]', '"unsafe",[1,1,1]'), text.replace('"n","error"', '"error"')):
        with pytest.raises((KeyError, TypeError, ValueError)):
            cache_mod.loads(damaged)


def test_warm_run_takes_each_file_status_once(tree, monkeypatch):
    """The inline-code scan and the content hashes both need every file's status on a warm
    run: it is taken once per file (per run), not once per asker."""
    from collections import Counter

    monkeypatch.setattr(cache_mod, "RACY_NS", 0)  # the files were just written: trust them anyway
    lint(tree)
    taken = Counter()
    real = cache_mod.file_status

    def status(path):
        taken[path] += 1
        return real(path)

    monkeypatch.setattr(cache_mod, "file_status", status)
    warm = lint(tree)
    assert warm.stats.files_from_cache == warm.stats.files_checked
    assert taken and max(taken.values()) == 1
    assert sum(1 for p in taken if p.endswith(".py")) >= warm.stats.files_checked // 2


def test_a_run_without_cache_hashes_nothing(tree, monkeypatch):
    """Content hashes and facts digests only key the cache: --no-cache takes none (it hashed
    every module the facts read and every file's dependencies), with the same findings."""
    with_cache = keyed(lint(tree))
    calls = []
    real = cache_mod.sha
    monkeypatch.setattr(cache_mod, "sha", lambda data: calls.append(1) or real(data))
    monkeypatch.setattr(cache_mod, "file_sha", lambda path: calls.append(1) or None)
    assert keyed(lint(tree, cache=False)) == with_cache
    assert calls == []
