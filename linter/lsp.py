"""``sls-lint lsp``: the language server (pygls), a thin shell over :class:`sls_lint.engine.Linter`.

* Diagnostics on open and save (at once) and on change (debounced: ``debounce_ms`` in the
  initialization options; by default the wait follows the cost of recent lints, 1.5x their
  running average between 50 and 300 ms), for Python files and deployment files. Each buffer is
  linted in the context of its project: the nearest config file decides the root, the other
  files are read from disk, and every open buffer of the project is an overlay
  (``Linter.lint(overlay=..., stdin_path=...)``), so cross-file facts see unsaved edits.
* Each diagnostic's code links to its rule page (``codeDescription.href``).
* Code actions: the fix of one finding (safe fixes are *preferred*; unsafe fixes are offered
  but never preferred; display-only fixes are not offered), "fix all safe findings in this
  file" (also as ``source.fixAll.sls-lint``) and "suppress with a comment".
* Hover on a rule code inside a suppression comment (``# sls-lint: ignore[SLS201]``,
  ``# noqa: SLS201``) shows the rule's documentation.
* Configuration changes are picked up: a changed config file (by its size and mtime, checked on
  each lint, and on ``workspace/didChangeWatchedFiles`` or a save of the config file) reloads
  the config and re-lints every open document.

Positions: the engine counts characters (code points); pygls converts to the client's position
encoding (UTF-16 by default).
"""
from __future__ import annotations

import ast
import asyncio
import gc
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from . import __version__
from .core import Applicability, Diagnostic, Severity

log = logging.getLogger(__name__)

SOURCE = "sls-lint"
FIX_ALL_KIND = "source.fixAll.sls-lint"
DEFAULT_DEBOUNCE_MS = 300  # the longest wait of the adaptive debounce (and before any lint was timed)
MIN_DEBOUNCE_MS = 50
DEBOUNCE_FACTOR = 1.5  # adaptive debounce: this many times the recent lint cost
# The engine's runs leave cyclic garbage (each lint's models and indexes) in the oldest
# generation, which CPython collects only rarely: the server collects it itself, once it has
# been idle for GC_IDLE_S, and at the latest after GC_EVERY_LINTS lints (~3 MB of garbage each on
# a 1,000-line buffer; a full collection costs tens of ms, too much for every keystroke).
GC_IDLE_S = 1.0
GC_EVERY_LINTS = 25
CONFIG_NAMES = ("pyproject.toml", "sls-lint.toml", ".sls-lint.toml")
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_CODE_AT = re.compile(r"SLS\d{3}")
_SUPPRESSION = re.compile(r"#\s*(?:sls-lint\s*:\s*ignore(?:-file)?\s*\[[^\]]*\]|noqa\s*:[^#]*)", re.I)
_EXISTING_IGNORE = re.compile(r"(#\s*sls-lint\s*:\s*ignore\s*\[)([^\]]*)(\])", re.I)


class _ParseMemo(dict):
    """(root-relative path, text) -> ParseOutcome of one project, kept between lints
    (``Linter.parse_memo``): after a keystroke only the edited buffer is parsed again, every
    other module's model is reused while its text is unchanged. After each lint only the
    entries that lint used are kept, so superseded buffer texts do not pile up."""

    def __init__(self) -> None:
        super().__init__()
        self.used: set = set()

    def get(self, key, default=None):  # type: ignore[override]
        self.used.add(key)
        return super().get(key, default)

    def __setitem__(self, key, value) -> None:
        self.used.add(key)
        super().__setitem__(key, value)

    def prune(self) -> None:
        for key in [k for k in self if k not in self.used]:
            del self[key]
        self.used = set()


@dataclass
class _Linted:
    version: int | None
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)


class SlsLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.debounce_s: float | None = None  # None: adaptive (see change_delay); else debounce_ms
        self.lint_cost_s: float | None = None  # running average of recent lints' wall time
        self.results: dict[str, _Linted] = {}
        self._pending: dict[str, asyncio.Task] = {}
        self._configs: dict[str | None, tuple[tuple, Any]] = {}
        self._lock = threading.Lock()
        # one lint at a time (the engine is CPU-bound: threads would only interleave), which
        # also keeps each project's parse memo consistent
        self._lint_lock = threading.Lock()
        self._memos: dict[str, _ParseMemo] = {}
        self._text_memos: dict[str, dict] = {}  # project root -> Linter.text_memo
        self._roots: dict[str, str] = {}  # uri -> its project root, as of its last lint
        self._dependent: set[asyncio.Task] = set()  # pending re-lints caused by another document's edit
        self.lints_since_gc = 0
        self._gc_timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ config
    def config_for(self, path: str):
        """The resolved config for a file, reloaded when any file of its extend chain changed."""
        from .config import find_config_file, load_config
        from .rule import all_options

        start = os.path.dirname(path)
        config_path = find_config_file(start)
        key = config_path
        with self._lock:
            known = self._configs.get(key)
        if known is not None and known[0] == _stamp(known[1].sources or ((config_path,) if config_path else ())):
            return known[1]
        config = load_config(config_path, start=start, rule_options=all_options(), overrides={})
        with self._lock:
            self._configs[key] = (_stamp(config.sources or ((config_path,) if config_path else ())), config)
        return config

    def forget_configs(self) -> None:
        with self._lock:
            self._configs.clear()

    def project_root(self, config, path: str) -> str:
        if config.path:
            return os.path.dirname(os.path.abspath(config.path))
        folders = [to_fs_path(f.uri) for f in (self.workspace.folders or {}).values()] if self.workspace else []
        if self.workspace and self.workspace.root_path:
            folders.append(self.workspace.root_path)
        inside = [f for f in folders if f and (path + os.sep).startswith(os.path.abspath(f) + os.sep)]
        return max(inside, key=len) if inside else os.path.dirname(path)

    # ------------------------------------------------------------------ linting
    def _overlay(self, root: str) -> dict[str, str]:
        out = {}
        for uri, doc in list(self.workspace.text_documents.items()):
            p = to_fs_path(uri)
            if p and (p + os.sep).startswith(root + os.sep):
                out[p] = doc.source
        return out

    def lint_text(self, uri: str, *, apply: bool = False) -> tuple[Any, str, str]:
        """(LintResult, path, text) for one open document (blocking: run it off the event loop)."""
        from .engine import Linter

        path = os.path.abspath(to_fs_path(uri) or "")
        doc = self.workspace.get_text_document(uri)
        text = doc.source
        config = self.config_for(path)
        root = self.project_root(config, path)
        self._roots[uri] = root
        overlay = self._overlay(root)
        overlay[path] = text
        linter = Linter(config, cwd=root, jobs=1)
        with self._lint_lock:
            memo = self._memos.setdefault(root, _ParseMemo())
            linter.parse_memo = memo
            # file texts by file status: files that are not open are not read again while unchanged
            linter.text_memo = self._text_memos.setdefault(root, {})
            self.lints_since_gc += 1
            t0 = time.perf_counter()
            try:
                result = linter.fix([], overlay=overlay, stdin_path=path, apply=apply, unsafe=False)
            except BaseException:
                memo.used = set()  # keep the memo as it was: a failed lint used only part of it
                raise
            memo.prune()
            if not apply:
                self.note_lint_cost(time.perf_counter() - t0)
        return result, path, text

    def note_lint_cost(self, seconds: float) -> None:
        old = self.lint_cost_s
        self.lint_cost_s = seconds if old is None else 0.7 * old + 0.3 * seconds

    def change_delay(self) -> float:
        """How long a change waits before it is linted: ``debounce_ms`` when the client set it;
        else DEBOUNCE_FACTOR x the recent lint cost, between MIN_DEBOUNCE_MS and
        DEFAULT_DEBOUNCE_MS (a fast project is linted soon after a pause in typing, a slow one
        is not re-linted for every keystroke it cannot keep up with)."""
        if self.debounce_s is not None:
            return self.debounce_s
        if self.lint_cost_s is None:
            return DEFAULT_DEBOUNCE_MS / 1000
        return min(DEFAULT_DEBOUNCE_MS / 1000, max(MIN_DEBOUNCE_MS / 1000, DEBOUNCE_FACTOR * self.lint_cost_s))

    def collect_garbage(self) -> None:
        """A full collection, between lints (blocking: run it off the event loop)."""
        with self._lint_lock:
            if self.lints_since_gc:
                self.lints_since_gc = 0
                gc.collect()

    def arm_gc(self) -> None:
        """After a lint (on the event loop): collect when idle, or now when overdue."""
        if self._gc_timer is not None:
            self._gc_timer.cancel()
            self._gc_timer = None
        loop = asyncio.get_running_loop()
        if self.lints_since_gc >= GC_EVERY_LINTS:
            loop.run_in_executor(None, self.collect_garbage)
        elif self.lints_since_gc:
            self._gc_timer = loop.call_later(GC_IDLE_S, lambda: loop.run_in_executor(None, self.collect_garbage))

    def mine(self, result: Any, path: str) -> list[Diagnostic]:
        return [d for d in result.diagnostics if os.path.normpath(os.path.join(result.root, d.path)) == path]

    async def lint_and_publish(self, uri: str, *, cascade: bool = False) -> None:
        """Lint one open document and publish its diagnostics; with ``cascade``, then re-lint
        the other open documents of its project (its text is part of what they see: a renamed
        handler, a removed call or import changes their findings)."""
        doc = self.workspace.get_text_document(uri)
        version = doc.version
        loop = asyncio.get_running_loop()
        try:
            result, path, text = await loop.run_in_executor(None, self.lint_text, uri)
        except Exception as exc:  # a config error or a bug: tell the user, never crash the server
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"sls-lint: {_one_line(exc)}"))
            return
        finally:
            self.arm_gc()
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # a newer change is on its way
        diags = self.mine(result, path)
        self.results[uri] = _Linted(version, text, diags)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[self.to_lsp(uri, d) for d in diags])
        )
        if cascade:
            self.schedule_dependents(uri)

    def schedule(self, uri: str, delay: float, *, cascade: bool = True, dependent: bool = False) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing a lint of it still waiting. A
        ``dependent`` lint (another document changed) steps aside while an edit of its project
        is being linted or waits for its debounce: that edit schedules the dependents again."""
        old = self._pending.pop(uri, None)
        if old is not None:
            old.cancel()

        async def later() -> None:
            try:
                if delay:
                    await asyncio.sleep(delay)
                if dependent and self._edit_pending(uri):
                    return
                await self.lint_and_publish(uri, cascade=cascade)
            except asyncio.CancelledError:
                pass
            finally:
                self._dependent.discard(task)
                if self._pending.get(uri) is task:
                    del self._pending[uri]

        task = asyncio.ensure_future(later())
        if dependent:
            self._dependent.add(task)
        self._pending[uri] = task

    def _same_project(self, uri: str, root: str | None) -> bool:
        if root is None:
            return False
        known = self._roots.get(uri)
        if known is not None:
            return known == root
        p = to_fs_path(uri) or ""
        return (p + os.sep).startswith(root + os.sep)

    def _edit_pending(self, uri: str) -> bool:
        root = self._roots.get(uri)
        return any(
            not t.done() and t not in self._dependent and other != uri and self._same_project(other, root)
            for other, t in list(self._pending.items())
        )

    def schedule_dependents(self, uri: str, root: str | None = None) -> None:
        """Re-lint (debounced) every other open document of ``uri``'s project."""
        root = root if root is not None else self._roots.get(uri)
        for other in list(self.workspace.text_documents):
            if other != uri and self._same_project(other, root):
                self.schedule(other, self.change_delay(), cascade=False, dependent=True)

    def forget_closed_projects(self) -> None:
        """Drop the parse and text memos of every project with no open document left."""
        open_paths = [to_fs_path(u) or "" for u in self.workspace.text_documents]
        for root in list(self._memos) + list(self._text_memos):  # a running lint keeps its own reference
            if not any((p + os.sep).startswith(root + os.sep) for p in open_paths):
                self._memos.pop(root, None)
                self._text_memos.pop(root, None)

    def relint_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0, cascade=False)

    # ------------------------------------------------------------------ conversions
    def lsp_range(self, uri: str, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        doc = self.workspace.get_text_document(uri)
        start = ServerTextPosition(max(line - 1, 0), max(column - 1, 0))
        end = ServerTextPosition(max(end_line - 1, 0), max(end_column - 1, 0))
        return doc.range_to_client_units(ServerTextRange(start, end))

    def to_lsp(self, uri: str, d: Diagnostic) -> types.Diagnostic:
        from .reporters.sarif import redact, rule_url

        data = {"code": d.code, "line": d.span.line, "column": d.span.column}
        if d.fix is not None:
            data["fix"] = d.fix.applicability.value
        return types.Diagnostic(
            range=self.lsp_range(uri, d.span.line, d.span.column, d.span.end_line, d.span.end_column),
            message=redact(d.message),
            severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
            code=d.code,
            code_description=types.CodeDescription(href=rule_url(d.code)),
            source=SOURCE,
            data=data,
        )

    def full_range(self, text: str) -> types.Range:
        lines = text.split("\n")
        return types.Range(types.Position(0, 0), types.Position(len(lines), 0))


def _stamp(paths) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((p, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((p, None, None))
    return tuple(out)


def _differs_from_disk(uri: str, text: str) -> bool:
    """Whether a buffer's text differs from its file (True when the file cannot be read)."""
    from .writer import read_source

    try:
        return read_source(to_fs_path(uri) or "")[0] != text
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError, ValueError):
        return True


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# ---------------------------------------------------------------------------------------------
# suppression comments
# ---------------------------------------------------------------------------------------------


def suppression_edit(text: str, path: str, d: Diagnostic) -> tuple[int, int, int, int, str] | None:
    """(line, col, end_line, end_col, new_text) (1-based, characters) adding a suppression of
    ``d``; for Python the result must parse to the same tree (a comment can never land inside
    a string). None where the file type has no comments (JSON)."""
    lower = path.lower()
    python = lower.endswith(".py")
    if not python and not lower.endswith((".yml", ".yaml", ".toml", ".template")):
        return None
    lines = text.splitlines(True)
    idx = d.span.line - 1
    if not 0 <= idx < len(lines):
        return None
    raw = lines[idx]
    body = raw.rstrip("\r\n")
    m = _EXISTING_IGNORE.search(body)
    candidates = []
    if m:
        codes = [c.strip() for c in m.group(2).split(",") if c.strip()]
        if d.code not in codes:
            new_line = body[: m.start(2)] + ", ".join(codes + [d.code]) + body[m.end(2) :]
            candidates.append((d.span.line, 1, d.span.line, len(body) + 1, new_line))
    else:
        candidates.append((d.span.line, len(body) + 1, d.span.line, len(body) + 1, f"  # sls-lint: ignore[{d.code}]"))
        indent = body[: len(body) - len(body.lstrip())]
        candidates.append((d.span.line, 1, d.span.line, 1, f"{indent}# sls-lint: ignore[{d.code}]" + _newline(raw)))
    if not python:
        return candidates[0] if candidates else None
    try:
        before = ast.dump(ast.parse(text))
    except (SyntaxError, ValueError):
        return None
    for cand in candidates:
        new = _apply(lines, cand)
        try:
            if ast.dump(ast.parse(new)) == before:
                return cand
        except (SyntaxError, ValueError):
            continue
    return None


def _newline(raw: str) -> str:
    return "\r\n" if raw.endswith("\r\n") else "\n"


def _apply(lines: list[str], edit: tuple[int, int, int, int, str]) -> str:
    line, col, end_line, end_col, new = edit
    head = "".join(lines[: line - 1]) + lines[line - 1][: col - 1]
    tail = lines[end_line - 1][end_col - 1 :] + "".join(lines[end_line:])
    return head + new + tail


# ---------------------------------------------------------------------------------------------
# the server's features
# ---------------------------------------------------------------------------------------------


def create_server() -> SlsLintServer:
    server = SlsLintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: SlsLintServer, params: types.InitializeParams) -> None:
        opts = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        if opts.get("debounce_ms") is not None:
            try:
                ls.debounce_s = max(0.0, float(opts["debounce_ms"]) / 1000)
            except (TypeError, ValueError):
                pass

    @server.feature(types.INITIALIZED)
    def initialized(ls: SlsLintServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities
        watch = caps and caps.workspace and caps.workspace.did_change_watched_files
        if watch and watch.dynamic_registration:
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="sls-lint-config",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                        )
                    ]
                )
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: SlsLintServer, params: types.DidOpenTextDocumentParams) -> None:
        # the other documents read this file from disk until now: they see something new only
        # when the buffer differs from the file
        doc = params.text_document
        ls.schedule(doc.uri, 0, cascade=_differs_from_disk(doc.uri, doc.text))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: SlsLintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.change_delay())

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: SlsLintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if os.path.basename(to_fs_path(uri) or "") in CONFIG_NAMES:
            ls.forget_configs()
            ls.relint_all()
        else:
            ls.schedule(uri, 0, cascade=False)  # the others saw the buffer already

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SlsLintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        linted = ls.results.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        root = ls._roots.pop(uri, None)
        if linted is not None and root is not None and _differs_from_disk(uri, linted.text):
            ls.schedule_dependents(uri, root)  # unsaved edits were dropped: the others read the file again
        ls.forget_closed_projects()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: SlsLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(os.path.basename(to_fs_path(c.uri) or "") in CONFIG_NAMES for c in params.changes):
            ls.forget_configs()
            ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL_KIND]),
    )
    async def code_action(ls: SlsLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        linted = ls.results.get(uri)
        if linted is None or linted.version != doc.version:
            await ls.lint_and_publish(uri)
            linted = ls.results.get(uri)
        if linted is None:
            return []
        only = params.context.only
        actions: list[types.CodeAction] = []
        path = os.path.abspath(to_fs_path(uri) or "")
        want_quick = not only or any(str(k).startswith("quickfix") for k in only)
        if want_quick:
            lo, hi = params.range.start.line + 1, params.range.end.line + 1
            for d in linted.diagnostics:
                if d.span.end_line < lo or d.span.line > hi:
                    continue
                lsp_diag = ls.to_lsp(uri, d)
                action = _fix_action(ls, uri, linted.text, path, d, lsp_diag)
                if action is not None:
                    actions.append(action)
                sup = suppression_edit(linted.text, path, d)
                if sup is not None:
                    line, col, end_line, end_col, new = sup
                    edit = types.TextEdit(ls.lsp_range(uri, line, col, end_line, end_col), new)
                    actions.append(
                        types.CodeAction(
                            title=f"Suppress {d.code} on this line",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp_diag],
                            edit=types.WorkspaceEdit(changes={uri: [edit]}),
                            is_preferred=False,
                        )
                    )
        safe_here = [d for d in linted.diagnostics if d.fix is not None and d.fix.applicability is Applicability.SAFE]
        want_all = not only or any(str(k).startswith(("source.fixAll", "quickfix")) or str(k) == "source" for k in only)
        if safe_here and want_all:
            loop = asyncio.get_running_loop()
            try:
                result, _path, text = await loop.run_in_executor(None, lambda: ls.lint_text(uri, apply=True))
            finally:
                ls.arm_gc()
            fixed = result.fixed_sources.get(path)
            if fixed is not None and text == doc.source:
                kind = FIX_ALL_KIND if only and any(str(k).startswith("source.fixAll") for k in only) else types.CodeActionKind.QuickFix
                actions.append(
                    types.CodeAction(
                        title="Fix all safe sls-lint findings in this file",
                        kind=kind,
                        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(ls.full_range(text), fixed[1])]}),
                        is_preferred=False,
                    )
                )
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: SlsLintServer, params: types.HoverParams) -> types.Hover | None:
        from .docs import render_rule
        from .rule import rule_by_code

        doc = ls.workspace.get_text_document(params.text_document.uri)
        lines = doc.lines
        if params.position.line >= len(lines):
            return None
        line = lines[params.position.line].rstrip("\r\n")
        pos = doc.position_from_client_units(params.position)
        col = pos.character
        for comment in _SUPPRESSION.finditer(line):
            if not comment.start() <= col <= comment.end():
                continue
            for m in _CODE_AT.finditer(line, comment.start(), comment.end()):
                if m.start() <= col <= m.end():
                    rule = rule_by_code(m.group(0))
                    if rule is None:
                        return None
                    rng = ls.lsp_range(params.text_document.uri, params.position.line + 1, m.start() + 1, params.position.line + 1, m.end() + 1)
                    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=render_rule(rule)), range=rng)
        return None

    return server


def _fix_action(ls: SlsLintServer, uri: str, text: str, path: str, d: Diagnostic, lsp_diag: types.Diagnostic) -> types.CodeAction | None:
    if d.fix is None or d.fix.applicability is Applicability.DISPLAY_ONLY:
        return None
    from sls_lint.fixers import FixError, edits_for

    try:
        edits = edits_for(text, d.fix, path=path)
    except (FixError, ValueError, SyntaxError):
        return None
    if not edits:
        return None
    safe = d.fix.applicability is Applicability.SAFE
    return types.CodeAction(
        title=f"{d.fix.title} ({d.code})" + ("" if safe else " [unsafe: review the change]"),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[lsp_diag],
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(ls.lsp_range(uri, e.line, e.column, e.end_line, e.end_column), e.new_text) for e in edits]}),
        is_preferred=safe,
    )


def serve(mode: str = "stdio", host: str = "127.0.0.1", port: int = 2087) -> None:
    server = create_server()
    if mode == "tcp":
        server.start_tcp(host, port)
    else:
        server.start_io()
