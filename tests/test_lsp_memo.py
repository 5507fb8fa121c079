"""The language server's parse memo (``Linter.parse_memo``): between keystrokes only the edited
buffer is parsed again, and a run with the memo reports exactly what a fresh run reports."""
from __future__ import annotations

import pytest

pytest.importorskip("pygls", reason="the language server needs pygls (a dependency of sls-lint)")

from sls_lint import engine  # noqa: E402
from sls_lint.config import load_config  # noqa: E402
from sls_lint.engine import Linter  # noqa: E402
from sls_lint.lsp import _ParseMemo  # noqa: E402
from sls_lint.rule import all_options  # noqa: E402

SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: app.main\n"
APP = "from lib import get_client\n\n\ndef main(event, context):\n    return get_client().list_buckets()\n"
LIB = "import boto3\n\n\ndef get_client():\n    return boto3.client('s3')\n"
OTHER = "import requests\n\n\ndef fetch():\n    return requests.get('https://x').json()\n"

# a session of buffer states for app.py: keystrokes, a renamed handler, a dropped call and
# import, a syntax error, and back
EDITS = [
    APP,
    APP.replace("list_buckets()", "list_buckets() "),
    APP.replace("def main", "def main2"),
    APP.replace("def main", "def mai"),
    APP,
    APP.replace("return get_client().list_buckets()", "return 1"),
    APP.replace("from lib import get_client\n", "").replace("return get_client().list_buckets()", "return 1"),
    APP.replace("def main(event, context):", "def main(event, context"),
    "import boto3\n\n\ndef main(event, context):\n    return boto3.client('s3')\n",
    APP,
]


def _project(tmp_path):
    (tmp_path / "serverless.yml").write_text(SLS)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "lib.py").write_text(LIB)
    (tmp_path / "other.py").write_text(OTHER)
    return str(tmp_path / "app.py")


def _lint(tmp_path, text, memo=None, path=None):
    config = load_config(None, start=str(tmp_path), rule_options=all_options(), overrides={})
    linter = Linter(config, cwd=str(tmp_path), jobs=1)
    linter.parse_memo = memo
    target = path or str(tmp_path / "app.py")
    result = linter.fix([], overlay={target: text}, stdin_path=target, apply=False)
    if memo is not None:
        memo.prune()
    return [(d.code, d.path, d.span, d.message) for d in result.diagnostics]


@pytest.fixture
def parses(monkeypatch):
    seen: list[str] = []
    real = engine.parse_module

    def counting(path, source):
        seen.append(path)
        return real(path, source)

    monkeypatch.setattr(engine, "parse_module", counting)
    return seen


def test_only_the_edited_buffer_is_parsed_again(tmp_path, parses):
    _project(tmp_path)
    memo = _ParseMemo()
    _lint(tmp_path, APP, memo)
    first = sorted(set(parses))
    assert "app.py" in first and "lib.py" in first
    parses.clear()
    _lint(tmp_path, EDITS[1], memo)
    assert parses == ["app.py"]
    parses.clear()
    _lint(tmp_path, EDITS[1], memo)  # nothing changed: nothing parsed
    assert parses == []


def test_superseded_buffer_texts_are_dropped(tmp_path):
    _project(tmp_path)
    memo = _ParseMemo()
    for text in EDITS[:4]:
        _lint(tmp_path, text, memo)
    app_texts = [text for (path, text) in memo if path == "app.py"]
    assert app_texts == [EDITS[3]]


def test_a_file_changed_on_disk_is_parsed_again(tmp_path, parses):
    _project(tmp_path)
    memo = _ParseMemo()
    _lint(tmp_path, APP, memo)
    (tmp_path / "lib.py").write_text(LIB.replace("'s3'", "'sqs'"))
    parses.clear()
    found = _lint(tmp_path, APP, memo)
    assert parses == ["lib.py"]  # app.py (same buffer) comes from the memo, lib.py is new
    assert found == _lint(tmp_path, APP)


def test_memo_runs_report_exactly_what_fresh_runs_report(tmp_path):
    _project(tmp_path)
    memo = _ParseMemo()
    seen_codes = set()
    for text in EDITS:
        with_memo = _lint(tmp_path, text, memo)
        fresh = _lint(tmp_path, text)
        assert with_memo == fresh, text
        seen_codes.update(code for code, *_ in fresh)
    # the session did exercise cross-file findings and a parse error
    assert {"SLS101", "SLS001"} <= seen_codes


def test_memo_runs_match_fresh_runs_for_the_helper_buffer(tmp_path):
    # the helper is the buffer: its findings depend on how the handler (on disk) calls it
    _project(tmp_path)
    memo = _ParseMemo()
    lib = str(tmp_path / "lib.py")
    for disk_app in (APP, APP.replace("return get_client().list_buckets()", "return 1"), APP):
        (tmp_path / "app.py").write_text(disk_app)
        for text in (LIB, LIB + "# x\n", LIB.replace("'s3'", "'sqs'")):
            assert _lint(tmp_path, text, memo, path=lib) == _lint(tmp_path, text, path=lib)


def test_a_long_session_keeps_no_old_analysis_alive(tmp_path):
    # a language server lints thousands of times: once collected, nothing of an earlier lint may
    # survive but the memo's models (one per module as it is now); SLS501/SLS502 (import costs)
    # run on every lint here
    import gc
    import weakref

    _project(tmp_path)
    memo = _ParseMemo()
    seen: dict[int, weakref.ref] = {}
    for i in range(6):
        _lint(tmp_path, APP + "#" * i, memo)
        for outcome in memo.values():
            if outcome.model is not None:
                seen.setdefault(id(outcome.model), weakref.ref(outcome.model))
    kept = {id(o.model) for o in memo.values()}
    gc.collect()
    leaked = [r() for key, r in seen.items() if key not in kept and r() is not None]
    assert len(seen) > len(kept) and leaked == []


class _Cycle:
    def __init__(self):
        self.me = self


@pytest.mark.parametrize("overdue", [True, False])
def test_server_collects_the_runs_garbage(monkeypatch, overdue):
    # the engine's garbage is cyclic and lands in the oldest generation: the server collects it
    # when idle (GC_IDLE_S) or at once when GC_EVERY_LINTS lints have passed without one
    import asyncio
    import gc
    import weakref

    from sls_lint import lsp

    monkeypatch.setattr(lsp, "GC_IDLE_S", 0.05)
    server = lsp.SlsLintServer()

    async def scenario():
        cycle = _Cycle()
        ref = weakref.ref(cycle)
        del cycle
        server.lints_since_gc = lsp.GC_EVERY_LINTS if overdue else 1
        server.arm_gc()
        for _ in range(400):  # until collected (bounded: 20 s)
            if ref() is None:
                break
            await asyncio.sleep(0.05)
        return ref() is None

    enabled = gc.isenabled()
    gc.disable()  # only an explicit collection frees the cycle
    try:
        assert asyncio.run(scenario())
    finally:
        if enabled:
            gc.enable()
    assert server.lints_since_gc == 0


def test_server_does_not_collect_without_lints(monkeypatch):
    import asyncio

    from sls_lint import lsp

    calls = []
    monkeypatch.setattr(lsp.gc, "collect", lambda *a: calls.append(a) or 0)
    monkeypatch.setattr(lsp, "GC_IDLE_S", 0.01)
    server = lsp.SlsLintServer()

    async def scenario():
        server.arm_gc()
        await asyncio.sleep(0.1)

    asyncio.run(scenario())
    assert calls == []


def test_change_delay_follows_the_lint_cost_within_bounds():
    from sls_lint import lsp

    server = lsp.SlsLintServer()
    assert server.change_delay() == lsp.DEFAULT_DEBOUNCE_MS / 1000  # nothing timed yet
    server.note_lint_cost(0.004)
    assert server.change_delay() == lsp.MIN_DEBOUNCE_MS / 1000
    for _ in range(30):
        server.note_lint_cost(0.1)
    assert abs(server.change_delay() - lsp.DEBOUNCE_FACTOR * 0.1) < 0.005
    for _ in range(30):
        server.note_lint_cost(2.0)
    assert server.change_delay() == lsp.DEFAULT_DEBOUNCE_MS / 1000
    server.debounce_s = 0.0  # the client's debounce_ms wins
    assert server.change_delay() == 0.0


def test_derived_module_facts_are_reused_with_the_memo(tmp_path, monkeypatch):
    """Module summaries (call graph) and the project model's ModuleInfo are pure functions of
    a parsed module: a module served from the memo comes with them, so a keystroke rebuilds
    them only for the edited buffer; results stay those of fresh runs."""
    from sls_lint import callgraph
    from sls_lint.project import pyast

    built: list[str] = []
    real_of = callgraph.ModuleSummary.of.__func__
    real_info = pyast.ModuleInfo.__init__

    def counting_of(cls, model):
        built.append(("summary", model.path))
        return real_of(cls, model)

    def counting_info(self, path, tree):
        built.append(("info", path))
        real_info(self, path, tree)

    monkeypatch.setattr(callgraph.ModuleSummary, "of", classmethod(counting_of))
    monkeypatch.setattr(pyast.ModuleInfo, "__init__", counting_info)
    _project(tmp_path)
    memo = _ParseMemo()
    _lint(tmp_path, APP, memo)
    assert ("summary", "lib.py") in built and ("info", "app.py") in built
    built.clear()
    found = _lint(tmp_path, EDITS[1], memo)
    assert built and all(path == "app.py" for _kind, path in built), built
    assert found == _lint(tmp_path, EDITS[1])


def test_text_memo_reads_only_changed_files_and_matches_fresh_runs(tmp_path, monkeypatch):
    """Linter.text_memo (the LSP keeps one per project): a file whose status (mtime, ctime, size,
    inode) is unchanged is not read again; a file written since is."""
    import os

    from sls_lint import writer

    reads: list[str] = []
    real = writer.read_source

    def counting(path, **kw):
        reads.append(os.path.basename(str(path)))
        return real(path, **kw)

    monkeypatch.setattr(writer, "read_source", counting)
    _project(tmp_path)
    texts: dict = {}

    def lint(text):
        config = load_config(None, start=str(tmp_path), rule_options=all_options(), overrides={})
        linter = Linter(config, cwd=str(tmp_path), jobs=1)
        linter.text_memo = texts
        target = str(tmp_path / "app.py")
        result = linter.fix([], overlay={target: text}, stdin_path=target, apply=False)
        return [(d.code, d.path, d.span, d.message) for d in result.diagnostics]

    lint(APP)
    assert {"lib.py", "other.py"} <= set(reads)  # (serverless.yml: its hash is taken only for a cache)
    reads.clear()
    assert lint(EDITS[1]) == _lint(tmp_path, EDITS[1])
    reads.clear()
    lint(EDITS[1])
    assert reads == []  # nothing on disk changed: nothing read
    (tmp_path / "lib.py").write_text(LIB.replace("'s3'", "'sqs'") + "# changed on disk\n")
    found = lint(APP)
    assert reads == ["lib.py"]
    assert found == _lint(tmp_path, APP)
