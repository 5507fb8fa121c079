"""The rule-side speed-ups must compute exactly what the code they replaced computed."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

from sls_lint import astindex, importcost, secrets
from sls_lint.semantic import ModuleModel

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for d in ("linter", "rules", "fixers") for p in (ROOT / d).rglob("*.py"))

TRICKY = '''
import a.b as ab, a.b
from . import x
x = ( a . b ).c + a.b.d + (a).b.e + ab.f
def f(p: "pass" "word" = "AK" "IA") -> a.b.g:
    y: int = lambda q=1: q
    match p:
        case {"k": v} if v: pass
    try:
        pass
    except* ValueError:
        pass
s = "caf\\u00e9 \\r\\n" ; t = f"{x!r:>{y}} tail"
\r\nz = 1\rw = [i async for i in aiter()] if 0 else 2
'''


# what the semantic model visits out of field order or not at all (it builds the walk too)
TRICKY_DEFS = '''
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from x import Y
else:
    import z as zz
def outer(a, /, b: "B" = make(1), *args: T[int], c: int = kw(), d=None, **kw: dict[str, "V"]) -> ret(1)[int]:
    @deco(one())
    @other.attr
    class Inner(Base(two()), metaclass=Meta(three()), flag=True):
        x: int = four()
        def m(self, q=lambda r=five(): r + six()) -> None:
            return seven(q)
    f = lambda p, *, k=eight(): nine(p, k)
    return Inner, f
class Plain:
    pass
'''


def _parsed(sources):
    """(path, text, tree) of each source this interpreter can parse: a source with newer syntax
    than its own (``except*`` under 3.10) is left out."""
    for path, text in sources:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        yield path, text, tree


def _models():
    sources = [("tricky.py", TRICKY), ("tricky_defs.py", TRICKY_DEFS)]
    sources += [(str(p.relative_to(ROOT)), p.read_text("utf-8")) for p in SOURCES[:80]]
    for path, text, tree in _parsed(sources):
        yield ModuleModel(path, text, tree)


@pytest.mark.parametrize("model", list(_models()), ids=lambda m: m.path)
def test_index_is_walk_order(model):
    # ast.walk without the field-less leaves (contexts, operators), which the index leaves out;
    # field-less statements (pass, break, continue) stay
    leaves = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    walked = [n for n in ast.walk(model.tree) if not isinstance(n, leaves)]
    if model.path == "tricky.py":
        assert any(isinstance(n, ast.Pass) for n in astindex.walk_list(model.tree))
    idx = astindex.build(model.tree)
    assert astindex.walk_list(model.tree) == walked
    assert sum(len(v) for v in idx.values()) == len(walked)
    for t, nodes in idx.items():
        assert nodes == [n for n in walked if type(n) is t]
    for cls in (ast.Name, ast.Constant, ast.Attribute, ast.stmt, ast.expr):
        assert astindex.nodes_of(model, cls) == [n for n in walked if isinstance(n, cls)]


@pytest.mark.parametrize("model", list(_models()), ids=lambda m: m.path)
def test_segment_is_get_source_segment(model, monkeypatch):
    # get_source_segment splits the whole source at every call; the reference's split is
    # memoised per source so the comparison is not quadratic (minutes per file under 3.10)
    monkeypatch.setattr(ast, "_splitlines_no_ff", functools.lru_cache(maxsize=1)(ast._splitlines_no_ff))  # type: ignore[attr-defined]
    lines = importcost._splitlines_no_ff(model.source)
    for n in ast.walk(model.tree):
        if hasattr(n, "lineno"):
            assert importcost._segment(lines, n) == (ast.get_source_segment(model.source, n) or "")


def test_splitlines_like_ast():
    for text in ("", "a", "a\n", "a\r\nb\rc\nd", "\r\r\n\n", "x\x0cy\x0bz\x1c\u2028w\n", "tail\r"):
        theirs = ast._splitlines_no_ff(text)  # type: ignore[attr-defined]
        if theirs and theirs[-1] == "":  # Python 3.13 ends the list with an empty line; no segment reads it
            theirs = theirs[:-1]
        assert importcost._splitlines_no_ff(text) == theirs


@pytest.mark.parametrize("fmt", secrets.FORMATS, ids=lambda f: f.pattern.pattern[:40])
def test_format_hint_covers_every_format(fmt):
    """find_formats skips texts without one of _FORMAT_HINT's literals: every text a format's
    pattern matches must hold one (a new format needs its prefix added there)."""
    from hypothesis import given, settings, strategies as st

    core = fmt.pattern.pattern.replace(secrets._B, "").replace(secrets._E, "")

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.from_regex(core, fullmatch=True))
    def check(text):
        assert fmt.pattern.search(text) is None or secrets._FORMAT_HINT.search(text)

    check()


def test_find_formats_same_with_and_without_hint(monkeypatch):
    samples = [s for p in SOURCES for s in re.findall(r"[\"']([^\"'\n]{16,})[\"']", p.read_text("utf-8"))]
    samples += ["AKIA" + "Z3MHQWERTYUIOP2K", "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5", "x" * 40, "sk-" + "a" * 30]
    got = [secrets.find_formats(s) for s in samples]
    monkeypatch.setattr(secrets, "has_format_hint", lambda text: True)
    assert got == [secrets.find_formats(s) for s in samples]


def test_format_hint_literals_are_the_regex():
    """has_format_hint (the extension's one-pass search over _HINT_LITERALS) answers exactly as
    _FORMAT_HINT.search, with and without the extension."""
    from hypothesis import given, settings, strategies as st

    piece = st.one_of(st.sampled_from(list(secrets._HINT_LITERALS) + ["gh_", "ghx_", "k_", "hooks", "slack.com", "PRIVATE", "KEY", "S", "K"]),
                      st.text(alphabet="aAkKsS_-. ghpxé\u0100", max_size=3))

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.lists(piece, max_size=6).map("".join))
    def check(text):
        want = secrets._FORMAT_HINT.search(text) is not None
        assert secrets.has_format_hint(text) == want
        with pytest.MonkeyPatch.context() as m:
            m.setattr(secrets, "_speedups", None)
            assert secrets.has_format_hint(text) == want

    check()
    # the literals are exactly the regex's alternatives, character classes spelled out
    spelled = set()
    for alt in secrets._FORMAT_HINT.pattern.split("|"):
        head, _, rest = alt.partition("[")
        choices, _, tail = rest.partition("]")
        spelled.update((head + c + tail).replace("\\", "") for c in choices) if rest else spelled.add(alt.replace("\\", ""))
    assert spelled == set(secrets._HINT_LITERALS)


def test_prefilter_tokens_are_exactly_substring_checks():
    """The engine's prefilter looks tokens up in the file's whitespace-separated chunks (with
    a memo of what each chunk contains): it must find exactly the tokens ``tok in text``
    finds, for every rule's tokens and awkward texts, also when the memo is warm or full."""
    from hypothesis import given, settings, strategies as st

    from sls_lint import engine
    from sls_lint.rule import all_rules

    toks = sorted({t for r in all_rules() if r.prefilter for t in r.prefilter})
    prefilter = engine.Prefilter(toks)
    assert prefilter.chunked and prefilter.spaced  # both kinds exist, so both paths are exercised
    assert (prefilter._matcher is not None) == (engine._speedups is not None)  # the one-pass search where it is built
    chunks = engine.Prefilter(toks)
    chunks._matcher = None  # the chunk loop (no extension, or a token the matcher does not take)
    texts = [p.read_text("utf-8") for p in SOURCES[:60]] + [
        "", "password", "x.password_y", "passé = 1", "é" + "token" + "é", "a-b_c", "body()", "https://u:p@h",
        "import boto3\nclient = boto3.client('s3')", "OPENAI", "openai_key", "requests\u2028get", "PRIVATE\u00a0KEY",
        "PRIVATE KEY", "PRIVATE\tKEY", "to\x1c_", "sk\u3000-x", "\U0001f600token\U0001f600", "sk-\U0001f600", "AKI\u0100A",
    ]
    for text in texts * 2:  # the second time from the memo
        assert prefilter(text) == chunks(text) == {t for t in toks if t in text}
    small = engine.Prefilter(toks)
    small._matcher = None
    small.MAX_MEMO = 3
    for text in texts:
        assert small(text) == {t for t in toks if t in text}
    assert len(small._memo) <= 3

    alphabet = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzAKIS_.-:/()é 0123\n\t\u2028\u00a0\x1c\U0001f600") + toks)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.lists(alphabet, max_size=30).map("".join))
    def check(text):
        assert prefilter(text) == chunks(text) == {t for t in toks if t in text}

    check()


def test_word_index_with_and_without_the_extension(monkeypatch):
    """importcost's word index (every module stem -> the modules whose text has it as a word):
    the one-pass matcher of the extension and the chunk loop give the same index, for stems
    that are no words (``my-module``), texts with non-ASCII word characters around a stem, and
    the project's own sources."""
    from hypothesis import given, settings, strategies as st

    from sls_lint.callgraph import ProjectIndex

    own = {str(p.relative_to(ROOT)): p.read_text("utf-8") for p in SOURCES[:60]}

    def index_of(files, pure):
        with monkeypatch.context() as m:
            if pure:
                m.setattr(importcost, "_speedups", None)
            return importcost._build_word_index(ProjectIndex(list(files), lambda p: None, files.get))

    base = {"pkg/db.py": "", "my-module.py": "", "a/__init__.py": "", "x/engine.py": "", "é/café.py": ""}
    assert index_of(own, False) == index_of(own, True)
    word = st.sampled_from(["db", "engine", "a", "my-module", "my", "module", "x", "_db", "db2", "é", "café"])
    glue = st.sampled_from([" ", ".", "-", "é", "_", "\n", "(", "2", "\u0663"])

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.lists(st.lists(st.one_of(word, glue), max_size=12).map("".join), min_size=1, max_size=4), st.booleans())
    def check(texts, ascii_only):
        files = {p: "" for p in base if not ascii_only or p.isascii()}
        files.update({f"t{i}.py": t for i, t in enumerate(texts)})
        assert index_of(files, False) == index_of(files, True)

    check()


@pytest.mark.parametrize("lookups,adopted", [(0, False), (8, False), (8, True)], ids=["word-index", "substring", "adopted-word-index"])
def test_reexported_parses_only_modules_that_can_name_the_target(lookups, adopted, monkeypatch):
    """importcost.reexported used to parse every module of the project (in every worker); it
    now parses only the modules whose text has the target's name as a word, or a relative
    import, and finds the same names. A word index adopted from another process (a forked
    worker gets its parent's) answers from the first question on."""
    from sls_lint.callgraph import ProjectIndex

    files = {
        "pkg/__init__.py": "from .db import connect\n",
        "pkg/db.py": "import json\nSESSION = None\ndef connect(): pass\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/use.py": "from .. import connect as c\nfrom ..db import SESSION\n",
        "app.py": "import pkg.db\nimport pkg.db as d2\nprint(pkg.db.SESSION, d2.connect)\nfrom pkg import *\n",
        "other.py": "x = 'dbx'\n",  # the substring is no import of db (parsed by the substring lookup only)
    }
    files.update({f"unrelated{i}.py": f"import json\nVALUE_{i} = json.dumps({i})\n" for i in range(20)})
    loaded = []

    def load(path):
        loaded.append(path)
        text = files[path]
        return ModuleModel(path, text, ast.parse(text))

    monkeypatch.setattr(importcost, "_SUBSTRING_LOOKUPS", lookups)
    index = ProjectIndex(list(files), load, files.get)
    if adopted:
        importcost.adopt_word_index(index, importcost.word_index(ProjectIndex(list(files), load, files.get)))
        assert not loaded  # built from the texts alone
    costs = importcost.ImportCosts(index, [], {})
    assert costs.reexported("pkg/db.py") == {"connect", "SESSION"}
    assert not any(p.startswith("unrelated") for p in loaded)
    assert ("other.py" in loaded) == (lookups > 0 and not adopted)
    assert isinstance(costs.reexported("pkg/__init__.py"), importcost._Everything)  # app.py star-imports pkg
    assert costs.reexported("app.py") == set()
    # the word index (built from whitespace-separated chunks) names exactly the modules that
    # have the stem as a word; a stem of no project module is found by a scan of the texts
    for stem in ("db", "pkg", "sub", "use", "app", "other", "unrelated3", "dbx", "json", "SESSION"):
        assert costs._named_by(stem) == {p for p, t in files.items() if (stem in re.findall(r"\w+", t) if lookups == 0 or adopted else stem in t)}, stem


def test_calls_in_evaluation_order():
    """The model visits decorators after the body (field order, for the shared walk) but lists
    the enclosing function's calls as Python evaluates them: decorators first."""
    model = ModuleModel("tricky_defs.py", TRICKY_DEFS, ast.parse(TRICKY_DEFS))
    outer = model.by_qualname["outer"]
    names = [ast.unparse(c.func) for c in outer.calls]
    assert names[:6] == ["deco", "one", "Base", "two", "Meta", "three"], names
    assert names.index("four") < names.index("eight") and "seven" not in names
    assert model.by_qualname["outer.Inner.m"].calls and [ast.unparse(c.func) for c in model.by_qualname["outer.Inner.m"].calls] == ["seven"]


def test_call_names_dispatch_changes_no_finding(tmp_path, monkeypatch):
    """A rule with ``call_names`` / ``call_attrs`` gets only the calls it names; its findings must be exactly
    those it gives when it sees every call (on the fixture projects, the demo app and a
    generated corpus), and the dispatch must really skip the other calls."""
    from mixedtree import lint_tree, mixed_tree
    from sls_lint.rule import Rule, all_rules

    root = mixed_tree(tmp_path, 7)
    filtered = [r for r in all_rules() if r.call_names is not None or r.call_attrs is not None]
    assert {r.code for r in filtered} >= {"SLS101", "SLS102", "SLS201", "SLS202", "SLS203", "SLS204", "SLS601", "SLS602", "SLS608"}

    def lint():
        return lint_tree(root)

    seen: list = []
    real = {r: r.visit_Call for r in filtered}
    for r in filtered:
        monkeypatch.setattr(r, "visit_Call", lambda self, node, ctx, _real=real[r]: (seen.append(self.code), _real(self, node, ctx))[1])
    with_names = lint()
    calls_with_names = len(seen)
    for r in filtered:
        monkeypatch.setattr(r, "call_names", Rule.call_names)
        monkeypatch.setattr(r, "call_attrs", Rule.call_attrs)
    seen.clear()
    every_call = lint()
    assert with_names == every_call and len(with_names) > 100
    assert "SLS203" in str(with_names)  # the tree has findings of the rules routed by name
    assert calls_with_names * 20 < len(seen)  # most calls never reach these rules


def test_secret_candidates_memo_is_invisible():
    """``secrets.candidates`` is remembered per (value, target): the same answers as the
    computation itself, and a caller changing the list it got changes nothing later."""
    samples = [s for p in SOURCES[:80] for s in re.findall(r"[\"']([^\"'\n]{6,})[\"']", p.read_text("utf-8"))]
    samples += ["AKIA" + "Z3MHQWERTYUIOP2K", "hunter2hunter2", "postgres://u:" + "pw12345678@h/db", "x" * 600]
    for name in (None, "password", "api_key", "title"):
        for value in samples:
            first = secrets.candidates(value, name)
            assert first == secrets._find_candidates(value, name)
            first.append("changed")
            assert secrets.candidates(value, name) == secrets._find_candidates(value, name)


def test_sls606_own_nodes_from_the_shared_walk():
    """SLS606 reads a function's calls and assignments from the shared walk; the nodes must be
    those of the depth-first traversal it replaced (which looks into a definition that is a
    statement of the body, but not into deeper ones, nor into defaults and decorators)."""
    from sls_lint.rules.files import request_data_in_global as rule

    def reference(func):
        stack = list(reversed(func.body))
        while stack:
            n = stack.pop()
            yield n
            for child in reversed(list(ast.iter_child_nodes(n))):
                if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    stack.append(child)

    src = (
        "@deco(CACHE.append(1))\n"
        "def handler(event, context, d=STORE.append(2)) -> ret(3):\n"
        "    x = event['a']\n"
        "    def closure():\n"
        "        CACHE.append(event)\n"
        "        def deeper():\n"
        "            y = 1\n"
        "    class Local:\n"
        "        z = CACHE.append(4)\n"
        "    if x:\n"
        "        def hidden():\n"
        "            CACHE.append(5)\n"
        "        f = lambda: CACHE.append(6)\n"
        "    CACHE.append((lambda q: q)(7))\n"
        "    total += 1\n"
        "    w: int = g()\n"
    )
    sources = [src, TRICKY, TRICKY_DEFS] + [p.read_text("utf-8") for p in SOURCES[:40]]
    checked = 0
    for _, text, tree in _parsed(("m.py", t) for t in sources):
        model = ModuleModel("m.py", text, tree)
        for func in model.functions:
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                want = [n for n in reference(func) if n.__class__ in rule._CHECKED]
                got = rule._own_nodes(func)
                assert sorted(map(id, got)) == sorted(map(id, want)), func.name
                checked += 1
    assert checked > 100


def test_source_store_abs_equals_the_join():
    """SourceStore.abs builds most paths by concatenation: it must give exactly the join."""
    import os

    from hypothesis import given, settings, strategies as st

    from sls_lint.engine import SourceStore

    @settings(max_examples=1500, deadline=None, derandomize=True)
    @given(st.sampled_from(["/r", "/r/", "/", "rel", "a/b/", "", "//x"]), st.text(alphabet="ab/._: \\é", max_size=12))
    def check(root, path):
        assert SourceStore(root).abs(path) == os.path.join(root, *path.split("/"))

    check()


def test_reach_of_answers_for_unreached_modules_without_a_scope_walk(tmp_path, monkeypatch):
    """``ModuleContext.reach_of`` is None for every node of a module none of whose functions is
    reached (tests, helpers no handler calls), found without looking for the enclosing
    function; in a reached module it still tells the reached function from the others."""
    import ast

    from sls_lint.config import load_config
    from sls_lint.engine import Linter, ModuleContext
    from sls_lint.rule import all_options
    from sls_lint.semantic import ModuleModel

    (tmp_path / "serverless.yml").write_text("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: handler.main\n")
    (tmp_path / "handler.py").write_text("def main(event, context):\n    return helper()\n\ndef helper():\n    return 1\n\ndef unused():\n    return 2\n")
    (tmp_path / "tools.py").write_text("def a():\n    return 1\n\ndef b():\n    return a()\n")
    config = load_config(None, start=str(tmp_path), rule_options=all_options(), overrides={"select": ["ALL"]})
    linter = Linter(config, cwd=str(tmp_path))
    root, files, checked, _errors, _context = linter._collect([str(tmp_path)], None)
    analysis = linter._analysis(root, files, checked, {})
    assert analysis.reached_paths() == {"handler.py"}

    walked: list[str] = []
    real = ModuleModel.enclosing_function
    monkeypatch.setattr(ModuleModel, "enclosing_function", lambda self, node: (walked.append(self.path), real(self, node))[1])

    def reached(path: str) -> dict[str, bool]:
        model = analysis.index.model(path)
        ctx = ModuleContext(analysis, model, [])
        return {f.name: ctx.reach_of(f.body[0]) is not None for f in model.tree.body if isinstance(f, ast.FunctionDef)}

    assert reached("tools.py") == {"a": False, "b": False} and walked == []
    assert reached("handler.py") == {"main": True, "helper": True, "unused": False} and walked == ["handler.py"] * 3


ALIASED_CALLS = '''
import boto3 as b3, os.path as osp, requests, mysql.connector.connection
from requests import get as fetch, Session as HttpSession
from boto3 import client as make_client
from psycopg2 import connect as pg_connect
from . import views as v

def handler(event, context):
    from botocore.session import get_session as gs
    fetch("https://example.com")
    HttpSession().get("https://example.com")
    make_client("s3"), b3.client("s3"), gs().create_client("s3")
    pg_connect(host="db"), osp.join("a", "b"), v.render(event), requests.post("https://example.com")
    print(len(str(event))), (lambda: 1)(), [f for f in ()][0]()
    requests.session(), mysql.connector.connection.MySQLConnection(host="db")  # named only in canonical form
    return {}
'''


def test_screened_call_names_route_exactly_like_resolved_ones():
    """The dispatch resolves a call's name only when it can end like a name some rule asks for
    (engine._screened_call_name): for every call of the project's own sources and of imports
    under other names, a call it leaves unresolved is named by no rule (neither its name nor
    the canonical form), and the others get exactly ``ModuleModel.call_name``."""
    import ast

    from sls_lint.astindex import nodes_of
    from sls_lint.catalog import canonical
    from sls_lint.engine import _call_terminals, _screened_call_name
    from sls_lint.rule import all_rules
    from sls_lint.semantic import ModuleModel

    rules = [r for r in all_rules() if r.call_names is not None]
    names = frozenset().union(*(r.call_names for r in rules))
    terminals = _call_terminals([(r, None) for r in rules])
    sources = [(str(p), p.read_text("utf-8")) for p in SOURCES[:120]] + [("app/handler.py", ALIASED_CALLS), ("t.py", TRICKY)]
    skipped = resolved = 0
    for path, text in sources:
        try:
            tree = ast.parse(text)
        except SyntaxError:  # a fixture in newer syntax than this interpreter's (except* on 3.10)
            continue
        model = ModuleModel(path, text, tree)
        screened = _screened_call_name(model, terminals)
        for call in nodes_of(model, ast.Call):
            name = model.call_name(call)
            got = screened(call)
            if got is None:
                skipped += 1
                assert name not in names and canonical(name) not in names, (path, ast.dump(call.func))
            else:
                resolved += 1
                assert got == name
    assert skipped > 5 * resolved  # most calls are named by no rule
    aliased = ModuleModel("app/handler.py", ALIASED_CALLS, ast.parse(ALIASED_CALLS))
    found = {_screened_call_name(aliased, terminals)(c) for c in nodes_of(aliased, ast.Call)}
    assert {"requests.get", "requests.Session", "boto3.client", "psycopg2.connect", "requests.post", "requests.session",
            "mysql.connector.connection.MySQLConnection"} <= found


def test_dispatch_per_token_set_is_the_rules_those_tokens_activate(tmp_path):
    """``Analysis._dispatch_for`` memoises per set of prefilter tokens found: asked for token sets
    in any order (and again), its table always holds exactly the rules whose tokens meet the
    set, or that have none, each under every node type it visits."""
    import random

    from sls_lint.config import load_config
    from sls_lint.engine import Linter
    from sls_lint.rule import all_options

    (tmp_path / "handler.py").write_text("def main(event, context):\n    return 1\n")
    config = load_config(None, start=str(tmp_path), rule_options=all_options(), overrides={"select": ["ALL"]})
    linter = Linter(config, cwd=str(tmp_path))
    root, files, checked, _errors, _context = linter._collect([str(tmp_path)], None)
    analysis = linter._analysis(root, files, checked, {})
    rules = analysis.python_rules()[0]
    tokens = sorted({t for r in rules if r.prefilter for t in r.prefilter})
    rng = random.Random(7)
    sets = [frozenset(rng.sample(tokens, rng.randint(0, 4))) for _ in range(40)]
    for present in sets + sets[::-1] + rng.sample(sets, len(sets)):
        expected = [r for r in rules if r.prefilter is None or not present.isdisjoint(r.prefilter)]
        found = analysis._dispatch_for(present)
        assert found is not None  # some rules have no prefilter
        table = found[0]
        got = {(id(r), nt) for nt, entries in table.items() for r, _fn in entries}
        assert got == {(id(r), nt) for r in expected for nt in r.node_types()}


def _freeze_reference(params):
    from collections.abc import Mapping

    def _f(v):
        if isinstance(v, Mapping):
            return tuple((k, _f(x)) for k, x in sorted(v.items()))
        if isinstance(v, list):
            return tuple(_f(x) for x in v)
        return v

    return tuple((k, _f(v)) for k, v in sorted((params or {}).items()))


def test_freeze_is_the_plain_definition():
    """core.freeze's fast path for scalars turns every value (mappings of any type, lists,
    scalars, a str subclass) into what the plain recursive definition gives."""
    import types

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sls_lint.core import freeze

    class Tag(str):
        pass

    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.text(max_size=3).map(Tag))
    values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3),
                                                           st.dictionaries(st.text(max_size=3), inner, max_size=3).map(types.MappingProxyType)), max_leaves=12)

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.text(max_size=4), values, max_size=4))
    def check(params):
        assert freeze(params) == _freeze_reference(params)

    check()


def _module_scope_imports_by_visiting(model):
    """importcost.module_scope_imports as it was: every statement visited from the module down,
    function and lambda bodies skipped (the reference)."""
    out = []
    stack = [model.tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if child not in model.type_checking_imports:
                    out.append(child)
            elif isinstance(child, ast.stmt) or isinstance(child, (ast.ExceptHandler,)) or type(child).__name__ == "match_case":
                stack.append(child)
    out.sort(key=lambda n: (n.lineno, n.col_offset))
    return out


SCOPED_IMPORTS = '''
import a
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import tc
try:
    import b
except ImportError:
    import c
else:
    import d
finally:
    import d2
class K:
    import e
    def m(self):
        import f
    class Deep:
        import e2
        async def n(self):
            import f2
def g():
    import h
    class L:
        import i
    def inner():
        import i2
with x:
    import j
match y:
    case 1:
        import k
for q in r:
    import l
else:
    import l2
while w:
    from m import n
async def co():
    async with z:
        import o
'''


@pytest.mark.parametrize("model", list(_models()) + [ModuleModel("scoped.py", SCOPED_IMPORTS, ast.parse(SCOPED_IMPORTS))], ids=lambda m: m.path)
def test_module_scope_imports_are_the_visited_ones(model):
    assert importcost.module_scope_imports(model) == _module_scope_imports_by_visiting(model)


def _annotation_kinds_by_walking(model):
    """heavy_import_at_module_scope's annotation kinds as they were computed: every annotation
    walked, each node inside mapped to its kind (the reference)."""
    out = {}
    for n in astindex.nodes_of(model, ast.FunctionDef) + astindex.nodes_of(model, ast.AsyncFunctionDef):
        anns = [a.annotation for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs if a.annotation is not None]
        anns += [a.annotation for a in (n.args.vararg, n.args.kwarg) if a is not None and a.annotation is not None]
        if n.returns is not None:
            anns.append(n.returns)
        for ann in anns:
            for x in astindex.walk_list(ann):
                out[id(x)] = "signature"
    for n in astindex.nodes_of(model, ast.AnnAssign):
        kind = {"function": "local", "module": "module", "class": "class"}.get(model.scope_at(n).kind, "module")
        for x in astindex.walk_list(n.annotation):
            out[id(x)] = kind
    return out


ANNOTATED = '''
import typing as t, pandas as pd
x: pd.DataFrame = pd.DataFrame()
y: "pd.Series"
def f(a: pd.Index, /, b: t.List[pd.Series] = pd.NA, *args: pd.X, c: (lambda q: pd.Y)(1) = 2, **kw: dict[str, pd.Z]) -> pd.R:
    z: pd.Local = pd.local()
    w: [pd.C for pd.D in pd.E] = 1
    return lambda k=pd.K: k
class K:
    attr: pd.Attr = pd.value
    def m(self) -> pd.M: ...
async def g(p: pd.P | None) -> t.Optional[pd.Q]:
    async def inner(r: pd.S): ...
@pd.decorate(pd.arg)
def h(d=pd.default): pd.body
'''


@pytest.mark.parametrize("model", list(_models()) + [ModuleModel("annotated.py", ANNOTATED, ast.parse(ANNOTATED))], ids=lambda m: m.path)
def test_annotation_kind_of_each_name_is_the_walked_one(model):
    from sls_lint.rules.coldstart.heavy_import_at_module_scope import _annotation_kind

    expected = _annotation_kinds_by_walking(model)
    for node in astindex.nodes_of(model, ast.Name):  # what the rule asks about
        assert _annotation_kind(model, node) == expected.get(id(node)), ast.dump(node)[:80]


@pytest.mark.parametrize("model", list(_models())[:20] + [ModuleModel("annotated.py", ANNOTATED, ast.parse(ANNOTATED))], ids=lambda m: m.path)
def test_group_by_field_like_the_loop(model, monkeypatch):
    from sls_lint.rules.coldstart import heavy_import_at_module_scope as rule

    names = astindex.nodes_of(model, ast.Name)
    wanted = set(list({n.id for n in names})[::2]) | {"not-a-name"}
    expected: dict = {}
    for n in names:
        if n.id in wanted:
            expected.setdefault(n.id, []).append(n)
    if astindex._speedups is not None:
        assert astindex._speedups.group_by_field(names, "id", wanted) == expected
        assert astindex._speedups.group_by_field(names + [ast.Constant(1)], "id", dict.fromkeys(wanted)) == expected  # no such field: left out
    imported = model.module_scope.imports
    with_c = rule._NameIndex(model).by_id
    monkeypatch.setattr(astindex, "_speedups", None)
    assert rule._NameIndex(model).by_id == with_c == {k: v for k, v in ((k, [n for n in names if n.id == k]) for k in imported) if v}
    assert astindex.group_by_field(names + [ast.Constant(1)], "id", wanted) == expected  # the Python loop: no such field, left out
