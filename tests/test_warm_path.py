"""The fast paths of a warm run (issue 9): each shortcut gives exactly what the general code
gives, and start-up skips what a run does not need (jsonschema, PyYAML)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sls_lint.cache as cache_mod
from sls_lint.config import ConfigError, _make_validator, _schema_with_options, _surely_valid, load_config
from sls_lint.reporters import escape_undecodable
from sls_lint.reporters import excerpt, text
from sls_lint.rule import all_options

REPO = Path(__file__).resolve().parent.parent

# characters that exercise every branch: ASCII, tabs and controls, wide, combining, format, surrogates
_CHARS = st.sampled_from(list("ab \t\x00\x1b\x7f\r\n\x0b\x0c\x85\u2028é中\u0301\u200b\U0001f600\udce9\ud800"))
_TEXT = st.lists(_CHARS, max_size=30).map("".join) | st.text(max_size=30)


def _printable_slow(s: str) -> str:
    s = escape_undecodable(s)
    return "".join(ch if ch.isprintable() or ch == "\t" else ch.encode("unicode_escape").decode() for ch in s)


def _expand_slow(s: str) -> tuple[str, list[int]]:
    out, cells, cell = [], [], 0
    for ch in s:
        cells.append(cell)
        if ch == "\t":
            width = excerpt.TAB - cell % excerpt.TAB
            out.append(" " * width)
        else:
            width = excerpt.char_width(ch)
            out.append(ch if ch.isprintable() or width == 0 else "\N{REPLACEMENT CHARACTER}")
        cell += width
    cells.append(cell)
    return "".join(out), cells


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_report_fast_paths_equal_the_general_code(s):
    assert text.printable(s) == _printable_slow(s)
    assert excerpt.expand(s) == _expand_slow(s)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "\n", "\r", "\r\n", "\x0c", "\x0b", "\u2028", "\x85", "é"]), max_size=25).map("".join), st.integers(0, 12))
def test_source_line_splits_only_at_line_ends(source, line):
    want = re.split(r"\r\n|\r|\n", source)
    excerpt._LAST_SPLIT[0] = None
    assert excerpt.source_line(source, line) == (want[line - 1] if 1 <= line <= len(want) else None)


def test_printable_fast_path_is_taken(monkeypatch):
    """The shortcut really runs (a test that cannot fail would be no test)."""
    monkeypatch.setattr(text, "escape_undecodable", lambda s: pytest.fail("slow path for printable text"))
    assert text.printable("handler.py:3: `requests.get` without a timeout") == "handler.py:3: `requests.get` without a timeout"
    monkeypatch.setattr(excerpt, "char_width", lambda ch: pytest.fail("slow path for ASCII"))
    assert excerpt.expand("x = 1") == ("x = 1", [0, 1, 2, 3, 4, 5])


# --------------------------------------------------------------------------- config validation
_SCHEMA = _schema_with_options(all_options())
_KEYS = sorted(_SCHEMA["properties"])
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.floats(allow_nan=True), st.sampled_from([1.0, 0.5, -1.0, 30.0]),
    st.sampled_from(["SLS", "SLS201", "ALL", "sls2", "SLS1\n", "", "x", "error", "warn", "info", "**/tests/**", "SLS20111"]),
)
_VALUE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["a.py", "SLS", "x", *_KEYS[:4]]), inner, max_size=3), max_leaves=8)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUE, max_size=5))
def test_fast_validation_never_accepts_what_jsonschema_refuses(data):
    import jsonschema

    if _surely_valid(data, _SCHEMA, _SCHEMA):
        errors = list(jsonschema.Draft202012Validator(_SCHEMA).iter_errors(data))
        assert not errors, (data, [e.message for e in errors])


def test_fast_validation_accepts_usual_settings():
    usual = {
        "select": ["SLS", "SLS201"], "ignore": ["SLS3"], "extend-select": ["ALL"], "exclude": ["build", "**/gen/**"],
        "extend-exclude": ["x/"], "per-file-ignores": {"tests/**": ["SLS1", "SLS201"]}, "include-vendored": False,
        "respect-gitignore": True, "test-paths": ["tests"], "cache-dir": ".c", "jobs": 2, "fail-on": "warning",
        "default-timeout": 10, "extend": "base.toml",
    }
    assert _surely_valid(usual, _SCHEMA, _SCHEMA)
    for bad in ({"select": ["SLS-201"]}, {"jobs": 0}, {"jobs": 2.0}, {"fail-on": "warn"}, {"exclude": [""]}, {"include-vendored": 1}, {"nope": 1}, {"per-file-ignores": {"a": ["x"]}}):
        assert not _surely_valid(bad, _SCHEMA, _SCHEMA), bad


def test_bad_settings_still_get_jsonschema_messages(tmp_path):
    (tmp_path / "sls-lint.toml").write_text('select = ["SLS-201"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(None, start=str(tmp_path), rule_options=all_options())
    assert "is not a rule code" in str(info.value) and "SLS201" in str(info.value)
    (tmp_path / "sls-lint.toml").unlink()
    with pytest.raises(ConfigError, match="must be at least 1"):
        load_config(None, start=str(tmp_path), rule_options=all_options(), overrides={"select": ["SLS"], "jobs": 0})
    validator = _make_validator(_SCHEMA)
    assert validator._validator is None  # nothing built before a problem needs explaining


def _modules_after(args: list[str], cwd: Path) -> dict:
    script = (
        "import sys, json, io, contextlib\n"
        "from sls_lint.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        cli.main({args!r}, prog_name='sls-lint', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps({m: m in sys.modules for m in ('jsonschema', 'yaml', 'difflib')}))\n"
    )
    p = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_a_run_with_a_valid_config_and_options_imports_no_jsonschema(tmp_path):
    (tmp_path / "sls-lint.toml").write_text('select = ["SLS"]\nextend-exclude = ["gen"]\n[per-file-ignores]\n"tests/**" = ["SLS1"]\n')
    (tmp_path / "handler.py").write_text("import requests\n\ndef handler(event, context):\n    return requests.get('https://x')\n")
    seen = _modules_after(["check", ".", "--select", "ALL", "--ignore", "SLS3", "--no-cache"], tmp_path)
    assert seen["jsonschema"] is False
    assert seen["yaml"] is False  # no YAML file in the tree: PyYAML is never needed


def _python(script: str) -> str:
    """Run ``script`` in a fresh interpreter (what it imports is its own); its stdout."""
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_yaml_is_imported_on_first_load():
    script = (
        "import sys\n"
        "import sls_lint.project.yamlload as y, sls_lint.project\n"
        "assert 'yaml' not in sys.modules\n"
        "r = y.load_yaml('a: !Ref B\\nb: [1, yes, 1.5, null]\\n')\n"
        "assert 'yaml' in sys.modules\n"
        "print(repr(r.data), r.error)\n"
    )
    assert _python(script) == "{'a': Tagged(tag='!Ref', value='B'), 'b': [1, True, 1.5, None]} None"


# --------------------------------------------------------------------------- the cache codec
def test_codec_positional_and_named_fields():
    import dataclasses

    from sls_lint.core import Span

    assert cache_mod.encode(Span(1, 2, 3, 4)) == {"c": "Span", "p": [1, 2, 3, 4]}
    assert cache_mod.decode({"c": "Span", "a": [["line", 1], ["column", 2], ["end_line", 3], ["end_column", 4]]}) == Span(1, 2, 3, 4)
    assert cache_mod.loads('{"c":"Span","a":[["line",1],["column",2],["end_line",3],["end_column",4]]}') == Span(1, 2, 3, 4)

    @dataclasses.dataclass
    class K:
        a: int
        b: int = dataclasses.field(default=0, kw_only=True)

    assert cache_mod._init_fields(K) == (("a", "b"), False)  # keyword-only: stored by name
    assert cache_mod._init_fields(Span) == (("line", "column", "end_line", "end_column"), True)


def test_stored_parts_decode_lazily_and_damage_is_a_miss():
    parts = cache_mod.StoredParts({"a": cache_mod.dumps((1, 2)), "b": "{not json", "c": '{"c":"Popen","p":[]}'})
    assert parts["a"] == (1, 2) and parts["a"] is parts["a"]
    for name in ("b", "c", "missing"):
        with pytest.raises(KeyError):
            parts[name]
    assert sorted(parts) == ["a", "b", "c"] and len(parts) == 3


@pytest.mark.parametrize("part", ["project", "reach", "project_raw", "digests"])
def test_damaged_facts_part_rebuilds_the_facts(tmp_path, part):
    from sls_lint.config import find_config_file
    from sls_lint.engine import Linter

    root = tmp_path / "p"
    root.mkdir()
    (root / "handler.py").write_text("import db\n\n\ndef handler(event, context):\n    return db.get_client().list_buckets()\n")
    (root / "db.py").write_text("import boto3\n\n\ndef get_client():\n    return boto3.client('s3')\n")
    (root / "serverless.yml").write_text("service: s\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  f:\n    handler: handler.handler\n")

    def lint(cache=True):
        cfg = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options(), overrides={"select": ["ALL"]})
        res = Linter(cfg, cwd=str(root), cache=cache).lint([str(root)])
        return [(d.path, d.code, d.span, d.message) for d in res.diagnostics], res.stats.files_from_cache

    cold, hits = lint()
    assert cold and hits == 0
    (path,) = (root / ".sls-lint-cache").glob("*.cache")
    data = cache_mod._read_payload(str(path))
    for entry in data["facts"].values():
        entry["parts"][part] = "[damaged"
    cache_mod._write_payload(str(path), data)
    again, _hits = lint()
    assert again == cold == lint(cache=False)[0]
    # reach and project_raw are decoded only when a file is analysed again: drop the stored
    # results of every file (the facts stay valid) so that each one is
    data["files"].clear()
    cache_mod._write_payload(str(path), data)
    again, hits = lint()
    assert again == cold and hits == 0


def test_unreadable_cache_files_are_ignored(tmp_path):
    c = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    c.record_sha("a.py", [1, 1, 1, 1, 1], "s")
    assert c.put_derived("inline", "abc", [1, (2, 3)])
    c.save()
    good = Path(c.path).read_bytes()
    assert cache_mod.Cache(str(tmp_path / "c"), ["k"]).get_derived("inline", "abc") == [1, (2, 3)]
    head_end = good.index(b"\n", len(cache_mod.MAGIC)) + 1
    for damaged in (b"", b"x" * 50, good[: len(good) // 2], good[:-1], __import__("zlib").compress(b'{"format": 2}'),
                    cache_mod.MAGIC + b"99999\n" + good[head_end:], good.replace(b'"format":%d' % cache_mod.FORMAT, b'"format":2')):
        Path(c.path).write_bytes(damaged)
        again = cache_mod.Cache(str(tmp_path / "c"), ["k"])
        assert again.files == again.facts == again.derived == again.stats == {}, damaged[:40]


def test_dependency_tables_are_stored_once_and_damage_is_a_miss(tmp_path):
    """Files of one service depend on the same modules: each distinct table is stored once
    (the index was mostly copies of them), read back as one shared object, and checked once
    per run; a damaged reference makes the whole cache file a miss."""
    c = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    shared = {"lib/db.py": "s1", "lib/util.py": "s2"}
    for name in ("a.py", "b.py", "c.py"):
        c.put_file(name, "sha-" + name, "facts", shared, [])
    c.put_file("d.py", "sha-d.py", "facts", {"lib/db.py": "s1"}, [])
    c.put_facts("key", {"lib/db.py": "s1", "serverless.yml": "s3"}, {"x": 1})
    c.save()
    head = Path(c.path).read_bytes()
    index = json.loads(head.split(b"\n", 2)[2][: int(head.split(b"\n", 2)[1])])
    assert len(index["depsets"]) == 3 and len(index["deppairs"]) == 3
    again = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    assert again.files["a.py"]["deps"] == shared and again.files["a.py"]["deps"] is again.files["c.py"]["deps"]
    assert again.facts["key"]["deps"] == {"lib/db.py": "s1", "serverless.yml": "s3"}
    asked = []

    def current(path):
        asked.append(path)
        return {"lib/db.py": "s1", "lib/util.py": "changed"}.get(path)

    seen: dict = {}
    assert [again.get_file(n, "sha-" + n, "facts", current, seen) for n in ("a.py", "b.py", "c.py", "d.py")] == [None, None, None, []]
    assert asked.count("lib/util.py") == 1  # the shared table was checked once
    good = Path(c.path).read_bytes()
    for damaged in (good.replace(b'"deps":0', b'"deps":9'), good.replace(b'"deps":0', b'"deps":"0"'),
                    good.replace(b'"depsets":[[', b'"depsets":[[7,')):
        assert damaged != good
        Path(c.path).write_bytes(damaged)
        broken = cache_mod.Cache(str(tmp_path / "c"), ["k"])
        assert broken.files == broken.facts == {}


def test_old_cache_files_are_pruned(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    for i in range(cache_mod.KEEP_FILES + 3):
        (d / f"old{i}.cache").write_bytes(b"x")
        os.utime(d / f"old{i}.cache", ns=(i * 10**9, i * 10**9))
    (d / "notes.txt").write_text("kept")
    c = cache_mod.Cache(str(d), ["k"])
    c.record_sha("a.py", [1, 1, 1, 1, 1], "s")
    c.save()
    left = sorted(p.name for p in d.glob("*.cache"))
    assert len(left) == cache_mod.KEEP_FILES and Path(c.path).name in left
    assert f"old{cache_mod.KEEP_FILES + 2}.cache" in left and "old0.cache" not in left
    assert (d / "notes.txt").exists()


_KEY_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=4))
_PLAIN = st.one_of(_KEY_SCALAR, st.floats(allow_nan=False) | st.sampled_from([float("inf"), float("-inf"), -0.0]))
_HASHABLE = st.recursive(_KEY_SCALAR, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=5)
_ANY = st.recursive(
    _PLAIN | _HASHABLE,
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(_HASHABLE, inner, max_size=3) | st.dictionaries(_HASHABLE.map(lambda k: (k,)), st.lists(_PLAIN, max_size=3).map(tuple), max_size=3),
    max_leaves=12,
)


def _same(a, b) -> bool:
    """Equal with the same types all the way down (a tuple must not come back as a list)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(k in b and _same(v, b[k]) for k, v in a.items()) and all(_same(k, next(k2 for k2 in b if k2 == k)) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    return a == b and (not isinstance(a, float) or str(a) == str(b))


@settings(max_examples=400, deadline=None)
@given(_ANY)
def test_codec_roundtrips_every_plain_value_with_its_types(value):
    assert _same(cache_mod.loads(cache_mod.dumps(value)), value)
    assert _same(cache_mod.decode(cache_mod.encode(value)), value)


# --------------------------------------------------------------------------- listings from discovery
@pytest.mark.parametrize("project, side", [("azure_functions", "host.json"), ("chalice", ".chalice/config.json"), ("azure_functions", "HOST.JSON")])
def test_a_side_file_that_appears_after_a_run_is_seen(tmp_path, project, side):
    """The facts' side files (host.json, .chalice/config.json, cdk.json) are known missing from
    discovery's listing (no failed open() each): one created later must still count."""
    import shutil

    from sls_lint.config import find_config_file
    from sls_lint.engine import Linter

    fixtures = Path(__file__).resolve().parent / "fixtures" / "projects"
    root = tmp_path / project
    shutil.copytree(fixtures / project, root)
    original = (fixtures / project / side.lower()).read_text()
    shutil.rmtree(root / ".chalice", ignore_errors=True)
    (root / "host.json").unlink(missing_ok=True)

    def functions(cache=True):
        cfg = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options(), overrides={"select": ["ALL"]})
        res = Linter(cfg, cwd=str(root), cache=cache).lint([str(root)])
        return [(f.name, f.timeout_s) for f in res.functions], res.stats.files_from_cache

    before, _ = functions()
    warm, hits = functions()
    assert warm == before and hits > 0
    (root / side).parent.mkdir(exist_ok=True)
    (root / side).write_text(original)
    after, _ = functions()
    assert after == functions(cache=False)[0]
    if (root / side.lower()).exists():  # HOST.JSON counts only on a case-insensitive file system
        assert after != before  # the timeouts come from the new file


def test_surely_missing_uses_every_spelling(tmp_path):
    folder = str(tmp_path)
    cache_mod.note_listing(folder, ["CDK.json", "a.py", ".chalicex"])
    assert not cache_mod._surely_missing(os.path.join(folder, "cdk.json"))  # may be the same file
    assert cache_mod._surely_missing(os.path.join(folder, "host.json"))
    assert cache_mod._surely_missing(os.path.join(folder, ".chalice", "config.json"))
    assert not cache_mod._surely_missing(os.path.join(folder, "sub", "x", "host.json"))  # not listed: ask the file system
    (tmp_path / "host.json").write_text("{}")
    assert cache_mod.file_sha(os.path.join(folder, "host.json")) is None  # as listed (the run's view)
    cache_mod.note_listing(folder, ["host.json"])
    assert cache_mod.file_sha(os.path.join(folder, "host.json")) == cache_mod.sha(b"{}")


# --------------------------------------------------------------------------- memos by file status
def test_status_memo_is_trusted_only_for_the_same_non_racy_status(tmp_path):
    c = cache_mod.Cache(str(tmp_path / "c"), ["k"])
    now = __import__("time").time_ns()
    old = [now - 10 * cache_mod.RACY_NS, now - 10 * cache_mod.RACY_NS, 10, 1, 1]
    fresh = [now, now, 10, 1, 1]
    c.record_memo("m", "a.py", old, False)
    c.record_memo("m", "b.py", fresh, False)
    c.record_memo("m", "c.py", None, False)  # no status: nothing recorded
    assert c.trusted_memo("m", "a.py", old) is False
    assert c.trusted_memo("m", "a.py", [old[0], old[1] + 1, 10, 1, 1]) is None  # any write moves ctime
    assert c.trusted_memo("m", "a.py", None) is None and c.trusted_memo("other", "a.py", old) is None
    assert c.trusted_memo("m", "b.py", fresh) is None  # recorded within RACY_NS of its ctime
    assert c.trusted_memo("m", "c.py", old) is None
    c.save()
    assert cache_mod.Cache(str(tmp_path / "c"), ["k"]).trusted_memo("m", "a.py", old) is False


INLINE_TEMPLATE = (
    "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
    "      Handler: index.handler\n      InlineCode: |\n        import requests\n        def handler(event, context):\n"
    "            return requests.get('https://x')\n"
)


def test_warm_run_reads_no_file_without_inline_code_and_sees_new_inline_code(tmp_path, monkeypatch):
    import builtins

    from sls_lint.config import find_config_file
    from sls_lint.engine import Linter

    monkeypatch.setattr(cache_mod, "RACY_NS", 0)  # the files were just written: trust them at once
    root = tmp_path / "p"
    root.mkdir()
    (root / "template.yaml").write_text(INLINE_TEMPLATE)
    (root / "plain.yaml").write_text(INLINE_TEMPLATE.replace("InlineCode", "CodeUri"))
    (root / "handler.py").write_text("def handler(event, context):\n    return 1\n")

    def lint(cache=True):
        cfg = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options(), overrides={"select": ["ALL"]})
        res = Linter(cfg, cwd=str(root), cache=cache).lint([str(root)])
        return sorted((d.path, d.code, d.line) for d in res.diagnostics)

    first = lint()
    assert ("template.yaml", "SLS201", 10) in first
    __import__("time").sleep(0.01)
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *a, **k):
        if k.get("encoding") == "utf-8-sig":
            opened.append(os.path.basename(str(file)))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", spy)
    assert lint() == first
    assert "handler.py" not in opened and "plain.yaml" not in opened, opened
    # the same files, now with inline code: read again and analysed
    (root / "plain.yaml").write_text(INLINE_TEMPLATE)
    (root / "handler.py").write_text("def handler(event, context):\n    return 1\n\n# not a ZipFile: only a marker\n")
    now = lint()
    assert ("plain.yaml", "SLS201", 10) in now and now == lint(cache=False)


# --------------------------------------------------------------------------- gitignore matching
_PATTERN_PARTS = ["*", "**", "a", "b", "?", "*.py", "[ab]", "x*"]
_PATTERN = st.builds(
    lambda lead, parts, trail: lead + "/".join(parts) + trail,
    st.sampled_from(["", "/", "**/"]), st.lists(st.sampled_from(_PATTERN_PARTS), min_size=1, max_size=3), st.sampled_from(["", "/", "/**"]),
)
_PATH = st.lists(st.sampled_from(["a", "b", "x1", "c.py", "ab", "xa.py"]), min_size=1, max_size=4).map("/".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PATTERN, min_size=1, max_size=3), _PATH)
def test_pattern_matcher_agrees_with_pathspec_without_negation(lines, path):
    """With no `!` pattern, git's "a folder's exclusion covers its contents" and pathspec's
    search over the whole path agree: the matcher (one regex per group, fullmatch) must too.
    (`*` compiles to `.` in pathspec: matched whole, it used to cover one-letter names only.)"""
    import pathspec

    from sls_lint.config import _PatternMatcher

    assert _PatternMatcher(lines).matches_path(path) == pathspec.GitIgnoreSpec.from_lines(lines).match_file(path), (lines, path)


def test_star_gitignore_ignores_everything_below_it(tmp_path):
    from sls_lint.config import Config
    from sls_lint.discovery import discover

    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / ".gitignore").write_text("# created by venv\n*\n")
    (tmp_path / "env" / "tool.py").write_text("x = 1\n")
    (tmp_path / "env" / "lib").mkdir()
    (tmp_path / "env" / "lib" / "mod.py").write_text("x = 1\n")
    found = discover([str(tmp_path)], Config(path=None, root=str(tmp_path)), root=str(tmp_path))
    assert [f.path for f in found.files] == ["app.py"]


_SIMPLE_LINES = st.lists(st.sampled_from(["", "# c", "#", "*", ".git", "node_modules", "build/", "a.b-c_d", ".venv", "x", "x/", "...a", "a..", "_"]), max_size=6)
_ANY_LINES = st.lists(st.sampled_from(["", "# c", "*", "build/", "x", "!x", "*.py", "a/b", "/a", " ", "x ", "\\\\#x", ".", "..", "...", "./", "**", "a\\\\ ", "\\t"]), max_size=5)


@settings(max_examples=400, deadline=None)
@given(_SIMPLE_LINES | _ANY_LINES)
def test_patterns_compiled_without_pathspec_match_pathspecs(lines):
    import pathspec

    from sls_lint.config import _compiled_patterns

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    want = [(p.regex.pattern, bool(p.include)) for p in spec.patterns if p.regex is not None and p.include is not None]
    got = _compiled_patterns(lines)
    assert [inc for _, inc in got] == [inc for _, inc in want]
    for (mine, _), (ref, _) in zip(got, want):  # the same language (pathspec escapes more characters)
        assert re.sub(r"\\\\(.)", r"\\1", mine) == re.sub(r"\\\\(.)", r"\\1", ref), (lines, mine, ref)


def test_default_excludes_need_no_pathspec():
    script = (
        "import sys\n"
        "from sls_lint.config import Config, _PatternMatcher, DEFAULT_EXCLUDE\n"
        "m = _PatternMatcher(list(DEFAULT_EXCLUDE) + ['# sls-lint cache', '*', 'build/'])\n"
        "assert m.match('node_modules', True) and m.match('a/x.py', False) and 'pathspec' not in sys.modules\n"
        "_PatternMatcher(['*.py'])\n"
        "assert 'pathspec' in sys.modules\n"
    )
    _python(script)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b.py", "..", ".", "", "x y", "/", "é"]), min_size=1, max_size=4).map("/".join), st.sampled_from(["/w/p", "/", "/w/p/", "/w"]))
def test_display_path_equals_relpath(path, cwd):
    from sls_lint.engine import Linter

    linter = Linter.__new__(Linter)
    linter.cwd = os.path.abspath(cwd)
    for root in (linter.cwd, "/w", "/w/p/q"):
        want = os.path.relpath(os.path.join(root, *path.split("/")), linter.cwd).replace(os.sep, "/")
        assert linter.display(root, path) == want
        assert linter.display(root, path) == want  # memoised


# --------------------------------------------------------------------------- the rule index
def test_shipped_rule_index_is_fresh():
    """Regenerate with `python -m sls_lint.ruleindex` (or `python -m sls_lint.docs`)."""
    from sls_lint import ruleindex

    with open(ruleindex._index_path(), encoding="utf-8") as fh:
        shipped = json.load(fh)
    assert shipped == json.loads(json.dumps(ruleindex.build_index())), "stale sls_lint/data/rule-index.json: run python -m sls_lint.ruleindex"


def test_rule_index_gives_what_the_rules_give(monkeypatch):
    import pickle

    from sls_lint import ruleindex
    from sls_lint.config import Config
    from sls_lint.rule import all_rules
    from sls_lint.rules.timeouts._pins import _LOCKS, _SPECS

    ruleindex._index.cache_clear()
    ruleindex.indexed_options.cache_clear()
    assert list(ruleindex.indexed_options()) == all_options()
    assert ruleindex.indexed_pin_names() == (tuple(_LOCKS), tuple(_SPECS)) == cache_mod._pin_names()
    for select in (("SLS",), ("SLS2", "SLS101"), ("ALL",)):
        cfg = Config(path=None, root="/", select=select, ignore=("SLS201",))
        enabled = [r for r in all_rules() if cfg.is_enabled(r.code)]
        lazy = ruleindex.EnabledRules(cfg)
        assert lazy.cache_key() == ",".join(f"{r.code}:{r.module_name}" for r in enabled)
        assert list(lazy) == enabled and len(lazy) == len(enabled) and lazy[0] is enabled[0]
        assert pickle.loads(pickle.dumps(lazy)) == enabled
    # an index that does not match the installed rules is not used
    monkeypatch.setattr(ruleindex, "rules_digest", lambda: "edited")
    ruleindex._index.cache_clear()
    try:
        assert ruleindex._index()["rules-digest"] == "edited" and ruleindex._index()["rules"] == ruleindex.build_index()["rules"]
    finally:
        ruleindex._index.cache_clear()


def test_warm_cli_run_imports_no_rule(tmp_path):
    """Nor the analysis modules a warm run does not use (the import-cost tables, the cache
    codec's closure classes, the parallel machinery)."""
    (tmp_path / "handler.py").write_text("import requests\n\ndef handler(event, context):\n    return requests.get('https://x')\n")
    (tmp_path / "requirements.txt").write_text("redis==4.0\n")
    script = (
        "import sys, json, io, contextlib\n"
        "from sls_lint.cli import cli\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        cli.main(['check', '.', '--select', 'ALL'], prog_name='sls-lint', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('sls_lint.importcost', 'sls_lint.project.cdk', 'pickle', 'multiprocessing')\n"
        "print(json.dumps([sorted(m for m in sys.modules if m.startswith('sls_lint.rules.') or m in heavy), out.getvalue()]))\n"
    )
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    (cold_modules, cold_out), (warm_modules, warm_out) = runs
    assert cold_modules and "SLS201" in cold_out
    assert warm_modules == [] and warm_out == cold_out
