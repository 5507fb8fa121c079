"""The C loops (sls_lint._speedups) build exactly the model the Python loops build.

Every module of the repository's examples, test fixtures and rule cases, and programs generated
from Python's grammar (hypothesmith), is modelled both ways in this process and compared: the
walk (order included), every parent, the calls each function makes (in order), the scope of each
call, each scope's bindings, imports, globals and parameters, the decorators and the
TYPE_CHECKING imports. The by-type index and the walk of a subtree are compared the same way.
"""
from __future__ import annotations

import ast
import shutil
import sys
import sysconfig
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from mixedtree import lint_tree, mixed_tree
from sls_lint import astindex, semantic
from sls_lint.engine import parse_module
from sls_lint.rule import all_rules

ROOT = Path(__file__).resolve().parent.parent


def _compiler_present() -> bool:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) is not None


def test_extension_is_built_where_a_compiler_is():
    # setup.py builds it (optional=True only keeps installs without a compiler working); a
    # machine with a compiler that ends up without it runs 1.5x slower and nobody would notice
    if not _compiler_present():
        pytest.skip("no C compiler: the pure-Python loops are the only ones")
    assert astindex._speedups is not None, "sls_lint._speedups was not built (or SLS_LINT_PURE is set)"
    assert semantic._Walker is not None


needs_c = pytest.mark.skipif(astindex._speedups is None, reason="sls_lint._speedups is not built here")


def _pure(monkeypatch) -> None:
    monkeypatch.setattr(semantic, "_Walker", None)
    monkeypatch.setattr(semantic, "_qualified", None)
    monkeypatch.setattr(astindex, "_speedups", None)


def _summary(model: semantic.ModuleModel) -> tuple:
    """Everything the traversal builds, with nodes as positions in the walk (comparable across
    two trees of the same source)."""
    walk = astindex.walk_list(model.tree)
    pos = {id(n): i for i, n in enumerate(walk)}
    pos[id(model.tree)] = 0

    def at(n) -> int | str:
        return pos.get(id(n), f"{type(n).__name__}@{getattr(n, 'lineno', '?')}:{getattr(n, 'col_offset', '?')}")

    def scope(s) -> tuple:
        return (
            s.kind, at(s.node),
            sorted(s.imports.items()),
            sorted((k, [at(n) for n in v]) for k, v in s.bindings.items()),
            sorted(s.globals), sorted(s.nonlocals), sorted(s.params),
        )

    return (
        [type(n).__name__ for n in walk],
        sorted((at(c), at(p)) for c, p in model.parents.items()),
        sorted((at(k), scope(s)) for k, s in model.scope_of_node.items()),
        [(at(k), f.qualname, f.class_name, f.decorators, [at(c) for c in f.calls], f.is_async) for k, f in model.functions.items()],
        sorted(model.by_qualname),
        sorted(model.classes),
        sorted(at(n) for n in model.type_checking_imports),
        sorted((at(c), at(s.node)) for c, s in model._call_scopes.items()),
    )


def _names(model: semantic.ModuleModel) -> list:
    """The qualified name of every name and attribute, and the name of every call."""
    walk = astindex.walk_list(model.tree)
    return [
        model.qualified_name(n) if n.__class__ is not ast.Call else ("call", model.call_name(n))
        for n in walk
        if n.__class__ in (ast.Name, ast.Attribute, ast.Call)
    ]


def _both(monkeypatch, path: str, source: str) -> tuple:
    fast = parse_module(path, source)
    with monkeypatch.context() as m:
        _pure(m)
        slow = parse_module(path, source)
    return fast, slow


def _check(monkeypatch, path: str, source: str) -> None:
    fast, slow = _both(monkeypatch, path, source)
    assert (fast.model is None) == (slow.model is None), (path, fast.error, slow.error)
    if fast.model is None:
        assert fast.error == slow.error
        return
    assert _summary(fast.model) == _summary(slow.model), path
    fast_names = _names(fast.model)
    with monkeypatch.context() as m:
        _pure(m)
        assert fast_names == _names(slow.model), path
    # the by-type index and subtree walks
    for cls in (ast.Call, ast.Name, ast.Constant, ast.FunctionDef, ast.expr, ast.stmt):
        assert [_summary_pos(fast.model, n) for n in astindex.nodes_of(fast.model, cls)] == [
            _summary_pos(slow.model, n) for n in _pure_nodes_of(monkeypatch, slow.model, cls)
        ]
    for a, b in zip(fast.model.functions, slow.model.functions):
        assert [type(n).__name__ for n in astindex.walk_list(a)] == [type(n).__name__ for n in _pure_walk(monkeypatch, b)]


def _summary_pos(model, node) -> int:
    return astindex.walk_list(model.tree).index(node)


def _pure_nodes_of(monkeypatch, model, cls):
    with monkeypatch.context() as m:
        _pure(m)
        model.tree.__dict__.pop("_sls_types", None)
        return astindex.nodes_of(model, cls)


def _pure_walk(monkeypatch, node):
    with monkeypatch.context() as m:
        _pure(m)
        node.__dict__.pop("_sls_walk", None)
        return astindex.walk_list(node)


def _sources() -> list[tuple[str, str]]:
    found = []
    for base in (ROOT / "examples", ROOT / "tests" / "fixtures"):
        for p in sorted(base.rglob("*.py")):
            found.append((p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8", errors="replace")))
    for rule in all_rules():
        mod = sys.modules[rule.__module__]
        for case in [*getattr(mod, "VALID", []), *getattr(mod, "INVALID", [])]:
            if case.path.endswith(".py"):
                found.append((case.path, case.code))
    return found


SOURCES = _sources()


@needs_c
def test_same_model_for_every_example_fixture_and_rule_case(monkeypatch):
    assert len(SOURCES) > 200
    for path, source in SOURCES:
        _check(monkeypatch, path, source)


@needs_c
@pytest.mark.parametrize("source", [
    # the shapes the C loop hands back to Python, nested in the ones it keeps
    "import typing\nif typing.TYPE_CHECKING:\n    import boto3\n",
    "@functools.cache\n@deco(x())\ndef f(a=g(), *, b=h(), **k) -> r():\n    lambda q=i(): j(q)\n",
    # nested definitions: decorator calls go in front of the default calls in the enclosing list
    "def outer(p=a()):\n    @deco(first())\n    @plain\n    def inner(a=second(), /, b=2, *c, d=third(), **k) -> ret():\n        inside()\n"
    "    @d2(fourth())\n    async def ainner(x=fifth()):\n        pass\n    class K:\n        @d3(sixth())\n"
    "        def m(self, y=seventh()):\n            return self.z()\n    return inner\n",
    "class C(Base, metaclass=M(k())):\n    x = y()\n    def m(self):\n        return self.c(z())\n",
    "def f():\n    global G\n    G = 1\n    def g():\n        nonlocal x\n    [w for v in s() if (w := v())]\n",
    "try:\n    pass\nexcept (A, B()) as e:\n    e()\nwith a() as (b, c), d():\n    for i, j in k(): pass\n",
    "x = " + "+".join(["a"] * 240) + "\n",  # deep, still modelled
    "x = " + "+".join(["a"] * 400) + "\n",  # refused both ways, with the same message
    "x = " + "+".join(["a"] * 900) + "\n",  # the stack runs out both ways
])
def test_same_model_for_special_shapes(monkeypatch, source):
    _check(monkeypatch, "pkg/mod.py", source)


@needs_c
def test_too_deep_is_refused_the_same_way(monkeypatch):
    fast, slow = _both(monkeypatch, "m.py", "x = " + "+".join(["a"] * 400) + "\n")
    assert fast.model is None and slow.model is None
    assert fast.error == slow.error and "250 levels" in fast.error[2]


@needs_c
@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_grammar())
def test_same_model_for_generated_programs(source):
    mp = pytest.MonkeyPatch()
    try:
        _check(mp, "gen/mod.py", source)
    finally:
        mp.undo()


@needs_c
def test_same_report_with_and_without_the_extension(tmp_path, monkeypatch):
    """The whole engine (model, walk, prefilter, rule dispatch) over the fixture projects, the
    demo app and a generated corpus: the same findings, fixes included, both ways."""
    from sls_lint import engine

    root = mixed_tree(tmp_path, 11)

    def lint():
        return lint_tree(root)

    fast = lint()
    with monkeypatch.context() as m:
        _pure(m)
        m.setattr(engine, "_speedups", None)
        slow = lint()
    assert fast == slow and len(fast) > 100


@needs_c
def test_token_matcher_finds_exactly_the_substrings():
    """find_tokens(token_matcher(tokens), text) is {t for t in tokens if t in text}: tokens of one
    character, tokens that overlap, share a prefix or contain one another, texts of every str
    kind (a character past U+00FF or U+FFFF starts no token and ends a partial match)."""
    from hypothesis import strategies as st

    sp = astindex._speedups
    with pytest.raises(ValueError):
        sp.token_matcher(("ok", "é"))
    with pytest.raises(ValueError):
        sp.token_matcher(("ok", ""))
    with pytest.raises(TypeError):
        sp.find_tokens(sp.token_matcher(("a",)), b"a")
    assert sp.find_tokens(sp.token_matcher(()), "anything") == set()

    ascii_tokens = st.lists(st.text(alphabet="abAB_- .", min_size=1, max_size=4), max_size=12, unique=True)
    texts = st.text(alphabet="abAB_- .\u00e9\u0100\U0001f600\n", max_size=40)

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(ascii_tokens, texts)
    def check(tokens, text):
        matcher = sp.token_matcher(tuple(tokens))
        assert sp.find_tokens(matcher, text) == {t for t in tokens if t in text}

    check()


@needs_c
def test_token_matcher_finds_exactly_the_words():
    """With words=True, find_tokens gives the tokens that occur as words (maximal runs of the re
    module's word characters, non-ASCII letters and digits included): what importcost's word
    index used to find by splitting every text into words."""
    import re

    from hypothesis import strategies as st

    sp = astindex._speedups
    word_tokens = st.lists(st.text(alphabet="ab_1", min_size=1, max_size=4), max_size=12, unique=True)
    texts = st.text(alphabet="ab_1 .-\u00e9\u0663\u0100\U0001f600\U0001d7d8\n", max_size=40)

    @settings(max_examples=500, deadline=None, derandomize=True)
    @given(word_tokens, texts)
    def check(tokens, text):
        matcher = sp.token_matcher(tuple(tokens), True)
        assert sp.find_tokens(matcher, text) == {t for t in tokens if t in re.findall(r"\w+", text)}

    check()
    assert sp.find_tokens(sp.token_matcher(("db", "a"), True), "db\u00e9 a_ xdb a") == {"a"}
    assert sp.find_tokens(sp.token_matcher(("db",), True), "import db") == {"db"}


ALIASED = '''
import boto3 as b3, os.path as osp, requests
from requests import get as fetch, Session as HttpSession
from psycopg2 import connect as pg

def handler(event, context):
    from botocore.session import get_session as gs
    fetch("u"), HttpSession().get("u"), b3.client("s3"), gs().create_client("s3"), pg(host="db")
    osp.join("a", "b"), requests.session(), conn.close(), print(len(event)), (lambda: 1)(), [f][0]()
'''


@needs_c
def test_dispatch_screens_call_names_like_the_python_loop():
    """_speedups.dispatch given the terminals and a module's aliased imports resolves the names
    of exactly the calls engine._screened_call_name resolves, and routes every call to the same
    rules in the same order as the Python loop."""
    from types import SimpleNamespace

    from sls_lint import engine

    def rule(code, names=None, attrs=None):
        return SimpleNamespace(code=code, call_names=names, call_attrs=attrs)

    rules = [rule("N", frozenset({"requests.get", "requests.Session", "boto3.client", "psycopg2.connect"})),
             rule("C", frozenset({"requests.Session", "botocore.session.get_session.create_client"})),
             rule("A", None, frozenset({"close", "join"})), rule("U")]
    terminals = engine._call_terminals([(r, None) for r in rules])
    for path, text in SOURCES[:60] + [("app/handler.py", ALIASED)]:
        try:
            ast.parse(text)
        except SyntaxError:  # a broken fixture, or newer syntax than this interpreter's
            continue
        runs = []
        for fast in (True, False):
            model = semantic.ModuleModel(path, text, ast.parse(text))
            resolved, visits = [], []
            real = model.call_name
            def counted(call, *more, _real=real, _seen=resolved):
                if not more:  # the routing's question (the model asks itself with a scope)
                    _seen.append((call.lineno, call.col_offset))
                return _real(call, *more)

            model.call_name = counted
            ctx = SimpleNamespace(rule=None)
            entries = [(r, lambda node, c, _code=r.code, _visits=visits: _visits.append((_code, node.lineno, node.col_offset))) for r in rules]
            if fast:
                astindex._speedups.dispatch(astindex.walk_list(model.tree), {ast.Call: entries}, {}, model.call_name, engine._call_rules, ctx,
                                            terminals, engine._aliased_imports(model))
            else:
                engine.Analysis._dispatch(model, {ast.Call: entries}, {}, ctx, engine._screened_call_name(model, terminals))
            runs.append((resolved, visits))
        assert runs[0] == runs[1], path
    resolved, visits = runs[0]
    assert {c for c, *_ in visits} == {"N", "C", "A", "U"} and len(resolved) == 8  # fetch, HttpSession, .get, b3.client, gs, .create_client, pg, requests.session


@needs_c
def test_of_types_filters_a_walk_like_the_comprehension():
    """_speedups.of_types(nodes, types) is [n for n in nodes if n.__class__ in types]: exact
    types (a subclass's node is left out), walk order kept, any number of types."""
    class Marked(ast.Name):
        pass

    extra = [Marked(id="x", ctx=ast.Load()), ast.Name(id="y", ctx=ast.Load())]
    kinds = [(), (ast.Import, ast.ImportFrom), (ast.Name,), (ast.Call, ast.Name, ast.Constant, ast.Attribute), (Marked,)]
    for _path, text in SOURCES[:80]:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        walk = astindex.walk_list(tree) + extra
        for types in kinds:
            assert astindex._speedups.of_types(walk, types) == [n for n in walk if n.__class__ in types]
    with pytest.raises(TypeError):
        astindex._speedups.of_types((), (ast.Name,))


_HEAP_PROBE = r"""
import ctypes, sys
libc = ctypes.CDLL(None)
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "one-shot":
    from sls_lint.engine import one_shot_process
    one_shot_process()
# 80 MB in blocks malloc takes from its heap (above obmalloc's 512 bytes, below the mmap threshold)
blocks = [bytearray(4000) for _ in range(20000)]
grown = libc.mallinfo2().arena
del blocks
print(grown, libc.mallinfo2().arena)
"""


@needs_c
@pytest.mark.skipif(not sys.platform.startswith("linux") or __import__("platform").libc_ver()[0] != "glibc", reason="glibc only")
def test_one_shot_process_keeps_the_heap_top():
    # a large run frees big blocks at the top of malloc's heap after every module: trimmed each
    # time, every page is faulted in again (a third of a large run's page faults)
    import subprocess

    def heap(mode: str) -> tuple[int, int]:
        out = subprocess.run([sys.executable, "-c", _HEAP_PROBE, mode], capture_output=True, text=True, check=True).stdout
        grown, after = map(int, out.split())
        return grown, after

    grown, after = heap("default")
    assert after < grown / 2  # the probe sees trimming when nothing is changed
    grown, after = heap("one-shot")
    assert after >= grown * 0.9


@needs_c
def test_walker_follows_a_new_configuration():
    """The C walker remembers per node type what the model's tables say about it (terminal,
    special, leaf, child fields); configuring it anew must take effect at once, and the model
    built after restoring the tables must be the original one."""
    source = "def handler(event, context):\n    return requests.get(url(event), timeout=3)\n"
    sp = astindex._speedups

    def walk_of() -> list[str]:
        model = semantic.ModuleModel("m.py", source, ast.parse(source))
        return [type(n).__name__ for n in astindex.walk_list(model.tree)]

    before = walk_of()
    assert "keyword" in before and before.count("Call") == 2
    args = (semantic._TERMINAL | {ast.Call}, semantic._SPECIAL_NODES, semantic._NO_CHILDREN, ast.Call, semantic._BINDERS,
            (ast.Name, ast.Tuple, ast.List, ast.Starred, ast.Attribute, ast.If, ast.FunctionDef, ast.AsyncFunctionDef))
    try:
        sp.configure_model(*args)
        cut = walk_of()
        assert cut.count("Call") == 1 and "keyword" not in cut  # the outer call is a leaf now
    finally:
        sp.configure_model(semantic._TERMINAL, *args[1:])
    assert walk_of() == before


LITERALS = '''
a = "12345"; b = "123456"; c = b"12345"; d = b"123456"; e = 123456789; f = None; g = 1.5e300; h = ...
i = "caf\\u00e9\\u00e9"; j = "\\U0001f600" * 6; k = f"{a}123456"; l = ("x" * 3, "yyyyyy"); m = True
def f(p="password", *, q=b"\\x00" * 6):
    """A docstring, long enough."""
    return {"key": "value12", 7: 1234567}
'''


@needs_c
@pytest.mark.parametrize("source", [LITERALS] + [p.read_text("utf-8") for p in sorted((ROOT / "linter").glob("*.py"))[:12]])
def test_long_strings_like_the_comprehension(source, monkeypatch):
    from sls_lint.astindex import long_strings

    nodes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)]
    for min_len in (0, 1, 6, 7, 40):
        expected = [n for n in nodes if isinstance(n.value, (str, bytes)) and len(n.value) >= min_len]
        assert astindex._speedups.long_strings(nodes, min_len) == expected
    assert long_strings(nodes, 6) == [n for n in nodes if isinstance(n.value, (str, bytes)) and len(n.value) >= 6]
    with_c = long_strings(nodes, 6)
    monkeypatch.setattr(astindex, "_speedups", None)
    assert long_strings(nodes, 6) == with_c  # the Python comprehension
