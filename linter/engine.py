"""The engine: discover -> project model -> analyse (one parse, one model, one traversal per
module) -> filter (suppressions, per-file ignores) -> fix loop. The CLI, the pre-commit hook,
the LSP server and the advisor are thin shells over :class:`Linter`.
"""
from __future__ import annotations

import ast
import functools
import gc
import hashlib
import itertools
import os
import posixpath
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .astindex import _speedups, walk_list
from .callgraph import ProjectIndex, Reach
from .config import Config
from .core import Applicability, Diagnostic, FixIntent, Function, RunStats, Severity, SourceFile, Span
from .rule import Rule, all_rules
from .ruleindex import EnabledRules
from .parseguard import MESSAGE as PARSER_CRASH, crashes_parser
from .semantic import MAX_DEPTH, ModelTooDeep, ModuleModel
from .suppress import SuppressionIndex, parse_suppressions

MAX_FIX_ROUNDS = 10
# a Python file larger than this is not analysed (SLS001): ast.parse alone needs ~180 bytes of
# memory per byte of source (a 50 MB generated module took 9 GB and 2 minutes)
MAX_SOURCE_CHARS = 5_000_000
DEPLOYMENT_KINDS = ("serverless", "cloudformation", "vercel", "wrangler")


def char_column(line_text: str, byte_col: int) -> int:
    """0-based character column for a UTF-8 byte offset reported by ``ast``."""
    if line_text.isascii():
        return byte_col
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def node_span(model: ModuleModel, node: ast.AST) -> Span:
    lines = model.lines
    line = getattr(node, "lineno", 1)
    end_line = getattr(node, "end_lineno", None) or line
    col = getattr(node, "col_offset", 0)
    end_col = getattr(node, "end_col_offset", None)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    etext = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
    c = char_column(text, col) + 1
    e = char_column(etext, end_col) + 1 if end_col is not None else c + 1
    return Span(line, c, end_line, e)


_POSIX = os.sep == "/" and os.altsep is None


class SourceStore:
    """Reads project files once (keeping encoding/BOM/newlines for the writer), with an in-memory
    overlay for stdin, editors and fix rounds."""

    def __init__(self, root: str, overlay: Mapping[str, str] | None = None, text_memo: dict | None = None, *, remember_reads: bool = True):
        self.root = root
        # whether each read records the file's digest for a later write (writer.read_source):
        # False for a run that writes nothing
        self.remember_reads = remember_reads
        # a long-lived caller's memo (the LSP: one per project): absolute path -> (file status,
        # text, encoding) of an earlier read, used while the file's status (mtime, ctime, size,
        # inode, device) is unchanged; read_source recorded the file's digest when it was read
        self.text_memo = text_memo
        self.overlay: dict[str, str] = dict(overlay or {})
        self._cache: dict[str, str | None] = {}
        self.encodings: dict[str, Any] = {}
        self.read_errors: dict[str, str] = {}
        self.on_read: Any = None  # called with each path read (the Analysis records dependencies)
        # the cache's ``Cache.status_of`` when each file's status is recorded before it is read
        # (the status this run took already, if any: a change after it changes the status, so
        # a hash recorded with it is only too cautious); None: nothing recorded
        self.status_of: Any = None
        self.statuses: dict[str, list | None] = {}

    def abs(self, path: str) -> str:
        if _POSIX and path and "//" not in path and path[0] != "/" and path[-1] != "/":
            return self._prefix + path  # what the join below gives, without its per-part work
        return os.path.join(self.root, *path.split("/"))

    @functools.cached_property
    def _prefix(self) -> str:
        return self.root if not self.root or self.root.endswith("/") else self.root + "/"

    def text(self, path: str) -> str | None:
        if self.on_read is not None:
            self.on_read(path)
        if path in self.overlay:
            return self.overlay[path]
        if path not in self._cache:
            if self.status_of is not None:
                self.statuses[path] = self.status_of(self.abs(path))
            try:
                text, enc = self._read(path)
                self.encodings[path] = enc
                self._cache[path] = text
                if len(text) > MAX_SOURCE_CHARS and path.endswith((".py", ".pyw")):
                    self.read_errors[path] = f"{path} is too large to analyse ({len(text) / 1e6:.1f} MB of text; the limit is {MAX_SOURCE_CHARS / 1e6:.0f} MB)"
                    self._cache[path] = None
            except (OSError, UnicodeDecodeError, LookupError, SyntaxError, ValueError) as exc:
                self.read_errors[path] = f"cannot read {path}: {exc}"
                self._cache[path] = None
        return self._cache[path]

    def _read(self, path: str) -> tuple[str, Any]:
        from .writer import read_source

        memo = self.text_memo
        if memo is None:
            return read_source(self.abs(path), remember=self.remember_reads)
        from .cache import file_status

        full = self.abs(path)
        status = self.statuses.get(path) if self.status_of is not None else None
        if status is None:
            status = file_status(full)  # taken before the read: a change during it shows next time
        found = memo.get(full)
        if found is not None and status is not None and found[0] == status:
            return found[1], found[2]
        text, enc = read_source(full, remember=self.remember_reads)
        if status is not None:
            memo[full] = (status, text, enc)
        else:
            memo.pop(full, None)
        return text, enc


@dataclass
class ParseOutcome:
    model: ModuleModel | None
    error: tuple[int, int, str] | None = None  # (line, column, message) for SLS001


TOO_DEEP = f"nesting too deep to analyse (more than {MAX_DEPTH} levels)"


def parse_module(path: str, source: str) -> ParseOutcome:
    if crashes_parser(source):  # Python 3.10 only, for long texts: see parseguard
        return ParseOutcome(None, (1, 1, PARSER_CRASH))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path, type_comments=False)
    except SyntaxError as exc:
        from .newsyntax import recover_outcome  # newer syntax than this interpreter (PEP 701 f-strings, ...)

        recovered = recover_outcome(path, source)
        if recovered is not None:
            return recovered
        line = exc.lineno or 1
        col = exc.offset or 1
        return ParseOutcome(None, (line, max(col, 1), f"SyntaxError: {exc.msg}"))
    except (ValueError, RecursionError, MemoryError) as exc:
        detail = str(exc) or ("nesting too deep" if isinstance(exc, RecursionError) else type(exc).__name__)
        return ParseOutcome(None, (1, 1, f"cannot parse: {detail}"))
    try:
        return ParseOutcome(ModuleModel(path, source, tree))
    except RecursionError as exc:  # ModelTooDeep, or the stack ran out first
        return ParseOutcome(None, (1, 1, str(exc) if isinstance(exc, ModelTooDeep) else TOO_DEEP))


class ModuleContext:
    """What a rule sees while its visit methods run over one module."""

    def __init__(self, engine: "Analysis", model: ModuleModel, sink: list[Diagnostic]):
        self._engine = engine
        self.model = model
        self.path = model.path
        self.project = engine.project
        self.index = engine.index
        self.config = engine.config
        self._sink = sink
        self.rule: Rule | None = None
        self.functions_here: list[Function] = list(engine.functions_by_handler().get(model.path, ()))

    def option(self, name: str) -> Any:
        return self.config.option(name)

    @property
    def import_closures(self) -> dict | None:
        """The facts' import closures (see Analysis._import_closures), None when not computed."""
        return self._engine.facts().closures

    @property
    def is_test_file(self) -> bool:
        return self._engine.is_test_path(self.path)

    def reach_of(self, node: ast.AST) -> Reach | None:
        """How the function running ``node`` is reached per invocation (None: not per invocation)."""
        # only the function itself counts: a nested function that is never called is not run
        if self.path not in self._engine.reached_paths():  # most modules (tests, helpers): no scope walk
            return None
        info = self.model.enclosing_function(node)
        return None if info is None else self._engine.reach.get((self.path, info.qualname))

    def span(self, node: ast.AST) -> Span:
        return node_span(self.model, node)

    def report(
        self,
        node: ast.AST | Span,
        message: str,
        *,
        fix: FixIntent | None = None,
        function: str | None = None,
        fingerprint: str | None = None,
    ) -> None:
        rule = self.rule
        assert rule is not None
        span = node if isinstance(node, Span) else node_span(self.model, node)
        if function is None and not isinstance(node, Span):
            r = self.reach_of(node)
            function = r.function.name if r else None
        fp = fingerprint if fingerprint is not None else (self.model.node_text(node) if not isinstance(node, Span) else "")
        self._sink.append(Diagnostic(rule.code, rule.name, rule.severity, self.path, span, message, function, fix, " ".join(fp.split())))


class ProjectContext:
    """What a project-level rule (deployment files) sees."""

    def __init__(self, engine: "Analysis", sink: list[Diagnostic]):
        self._engine = engine
        self.project = engine.project
        self.index = engine.index
        self.config = engine.config
        self.sources = engine.store
        self._sink = sink
        self.rule: Rule | None = None

    def option(self, name: str) -> Any:
        return self.config.option(name)

    @property
    def import_closures(self) -> dict | None:
        return self._engine.facts().closures

    def checked(self, path: str) -> bool:
        return path in self._engine.checked

    def report(self, path: str, span: Span, message: str, *, fix: FixIntent | None = None, function: str | None = None, fingerprint: str = "") -> None:
        rule = self.rule
        assert rule is not None
        self._sink.append(Diagnostic(rule.code, rule.name, rule.severity, path, span, message, function, fix, fingerprint))


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]  # paths relative to the working directory
    sources: dict[str, str]  # display path -> final text (for excerpts)
    # the project's functions, or a zero-argument callable giving them: a warm run decodes the
    # cached project model only when someone asks (the text report never does)
    functions_source: Any
    stats: RunStats
    errors: list[str] = field(default_factory=list)
    fixed_sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # root path -> (before, after)
    fixes_applied: int = 0
    fixes_failed: list[str] = field(default_factory=list)
    # the project root and the final analysis's ProjectIndex (parsed modules, call graph), so
    # thin shells (the advisor) read the semantic model without parsing again; paths are root-relative
    root: str = ""
    index: Any = None
    checked: list[str] = field(default_factory=list)  # the files this run checked (display paths)

    @property
    def functions(self) -> list[Function]:
        if callable(self.functions_source):
            self.functions_source = list(self.functions_source())
        return self.functions_source


def _rule_meta(code: str) -> type[Rule] | None:
    for r in all_rules():
        if r.code == code:
            return r
    return None


class _TrackingIndex(ProjectIndex):
    """A ProjectIndex that tells its Analysis which modules are looked at (cache dependencies)."""

    def __init__(self, paths: Iterable[str], load, analysis: "Analysis"):
        super().__init__(paths, load, analysis.store.text)  # texts from the store: recorded as read, nothing parsed
        self._analysis = analysis

    def model(self, path: str) -> ModuleModel | None:
        if path in self.paths:
            self._analysis._touch(path)
        return super().model(path)

    def summary(self, path: str) -> Any:
        if path in self.paths:
            self._analysis._touch(path)
        return super().summary(path)

    def touch_many(self, paths: Iterable[str]) -> None:
        for rec in self._analysis._recorders:
            rec.update(paths)


@dataclass
class Facts:
    """The cross-file facts of one project state: what every module's rules may consult."""

    project: Any  # sls_lint.project.Project
    reach: dict
    project_raw: dict  # path -> project-level findings (deployment files, tool errors), unfiltered
    deps: dict  # path -> content hash of every file the facts were computed from
    # function position in project.functions -> importcost.Closure, when an enabled rule reads
    # them (None otherwise); no default, so a _StoredFacts decodes it on first use like reach
    closures: dict | None
    digests: dict = field(default_factory=dict)  # path -> digest of the facts that file sees


class _StoredFacts(Facts):
    """Facts read back from the result cache. The project model, ``reach``, ``project_raw``,
    ``deps`` and ``closures`` are needed only when a file is analysed again (or the functions
    are listed, or ``--diff-base`` asks what depends on what), so
    they are decoded on first use (a warm run over an unchanged tree never decodes them); a
    part that cannot be read back means rebuilding."""

    def __init__(self, parts: Mapping[str, Any], digests: dict, rebuild: Any):
        self.digests = digests
        self._parts, self._rebuild = parts, rebuild

    def __getattr__(self, name: str) -> Any:
        if name not in ("project", "reach", "project_raw", "deps", "closures"):
            raise AttributeError(name)
        try:
            value = self._parts[name]
        except KeyError:  # a damaged entry, or one written before closures were facts: compute again
            value = getattr(self._rebuild(), name)
        setattr(self, name, value)
        return value


class _GCTuning:
    """Collector settings for one engine run (re-entrant; the LSP and the API benefit too).

    Every parsed module stays alive for the whole run (cross-module rules look into it), so
    the default collector rescans all trees again and again: the run gets superlinear. While a
    run is active, each freshly built model is moved to the permanent generation
    (``gc.freeze``) so later collections skip it, and the young-generation threshold is raised.
    At the end everything is unfrozen and the thresholds restored, so cyclic garbage from the
    run is still collected in long-lived processes (the LSP)."""

    depth = 0
    saved: tuple[int, ...] | None = None
    # set by :func:`one_shot_process` (the CLI's ``check``): the process exits right after the
    # run, so everything alive at the end stays frozen instead of being handed back to the
    # collector (with 3,000 modules that is millions of objects: the full collections during the
    # report and at interpreter exit took several seconds, longer than linting them)
    one_shot = False

    def __enter__(self) -> "_GCTuning":
        cls = type(self)
        if cls.depth == 0 and gc.isenabled():
            cls.saved = gc.get_threshold()
            gc.set_threshold(max(cls.saved[0], 20_000), max(cls.saved[1], 20), max(cls.saved[2], 50))
        cls.depth += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        cls = type(self)
        cls.depth -= 1
        if cls.depth == 0 and cls.saved is not None:
            if cls.one_shot:  # the process ends now: everything stays frozen
                gc.freeze()
                return
            gc.unfreeze()
            gc.set_threshold(*cls.saved)
            cls.saved = None

    @classmethod
    def settle(cls) -> None:
        """Called after a module's model is built: move what exists now out of the collector's way."""
        if cls.saved is not None:
            gc.freeze()


def one_shot_process() -> None:
    """Declare that this process ends after the current command (the ``sls-lint check`` console
    script, never the LSP or a library caller): objects alive after a run are left frozen, and
    the C allocator keeps the top of its heap instead of returning it to the system after each
    large free (``_speedups.keep_heap``: a third fewer page faults on a large run, 0.2-0.3 s of
    system time on 3,000 files; with glibc and the C extension only)."""
    _GCTuning.one_shot = True
    if _speedups is not None:
        _speedups.keep_heap()


class Prefilter:
    """Which of a set of prefilter tokens occur in a text, with substring semantics (exactly
    ``tok in text``). A token without whitespace occurs in the text iff it occurs in one of the
    text's maximal runs of non-whitespace (``str.split()``'s chunks), and the same chunks
    (``import``, ``boto3.client(``, ``event,``) recur in file after file: what each chunk
    contains is computed once and remembered, so a file costs one split and a lookup per unique
    chunk instead of a scan per token. Tokens with whitespace scan the text itself. With the C
    extension, ASCII tokens (every rule's) are found in one pass over the text instead
    (``_speedups.find_tokens``: a bucket of tokens per pair of characters)."""

    MAX_MEMO = 500_000  # chunks remembered (a long-lived LSP process sees unbounded text)

    def __init__(self, tokens: Iterable[str]):
        toks = sorted(set(tokens))
        self.chunked = tuple(t for t in toks if not any(c.isspace() for c in t))
        self.spaced = tuple(t for t in toks if any(c.isspace() for c in t))
        self._memo: dict[str, tuple[str, ...]] = {}
        # with the extension and ASCII tokens (every rule's): one pass over the text finds them
        # all, spaced ones included (the chunk memo then stays empty)
        self._matcher = _speedups.token_matcher(tuple(toks)) if _speedups is not None and all(t and t.isascii() for t in toks) else None

    def __call__(self, text: str) -> set[str]:
        if self._matcher is not None and _speedups is not None:
            return _speedups.find_tokens(self._matcher, text)
        if _speedups is not None:  # the chunk loop in C
            found = _speedups.chunk_tokens(text, self._memo, self.chunked, self.MAX_MEMO)
        else:
            memo, found = self._memo, set()
            for chunk in set(text.split()):
                hit = memo.get(chunk)
                if hit is None:
                    if len(memo) >= self.MAX_MEMO:
                        memo.clear()
                    hit = memo[chunk] = tuple(t for t in self.chunked if t in chunk)
                if hit:
                    found.update(hit)
        found.update(t for t in self.spaced if t in text)
        return found


@functools.lru_cache(maxsize=8)
def prefilter_for(tokens: frozenset[str]) -> Prefilter:
    """One Prefilter (and its memo) per token set, shared by the analyses of a process."""
    return Prefilter(tokens)


def _call_rules(entries: list, name: str | None, attr: str | None) -> tuple:
    """The (rule, visit_Call) entries that a call named ``name`` (``ModuleModel.call_name``),
    of a method ``attr`` (``None``: not an attribute call), is for: every rule with neither
    ``call_names`` nor ``call_attrs``, and those naming the call, its canonical form or the
    method."""
    from .catalog import canonical

    canon = canonical(name)

    def wants(r) -> bool:
        names, attrs = r.call_names, r.call_attrs
        if names is None and attrs is None:
            return True
        if names is not None and (name in names or canon in names):
            return True
        return attrs is not None and attr is not None and attr in attrs

    return tuple((r, fn) for r, fn in entries if wants(r))


def _call_terminals(entries: Sequence) -> frozenset[str]:
    """The last dotted part of every name that the ``call_names`` of the (rule, visit_Call)
    ``entries`` hold, or that :func:`catalog.canonical` turns into one of them: a call whose
    :meth:`ModuleModel.call_name` ends otherwise is named by none of these rules."""
    from .catalog import ALIASES

    names: set[str] = set()
    for r, _fn in entries:
        if r.call_names is not None:
            names.update(r.call_names)
    ends = {n.rpartition(".")[2] for n in names}
    ends.update(alias.rpartition(".")[2] for alias, target in ALIASES.items() if target in names)
    return frozenset(ends)


def _aliased_imports(model: ModuleModel) -> set[str]:
    """The names a module binds to an import under another name (``import os.path as osp``,
    ``from x import y as z``), in any scope."""
    aliased = set()
    for scope in model.scope_of_node.values():
        for local, target in scope.imports.items():
            if local != target.rpartition(".")[2]:
                aliased.add(local)
    return aliased


def _screened_call_name(model: ModuleModel, terminals: frozenset[str]):
    """``model.call_name`` for the calls whose name can end in one of ``terminals``, None for
    the others (the call routing of :meth:`Analysis._module_raw`, where most calls of a module
    are named by no rule: their names are then never resolved).

    A call's name ends in what it calls: the method of ``x.m(...)`` (qualified names, methods
    of known instances and of ``self`` all end in ``.m``), the name of ``f(...)`` (an import,
    a definition, a builtin), except where ``f`` is an import under another name (``from x
    import y as f`` names ``x.y``): those are resolved whatever they end in. Other callees
    (``f()(...)``, ``d[k](...)``) have no name. ``_speedups.dispatch`` screens the same way
    when given ``terminals`` and :func:`_aliased_imports`."""
    aliased = _aliased_imports(model)
    resolve = model.call_name
    attribute, name = ast.Attribute, ast.Name

    def call_name(call: ast.Call) -> str | None:
        func = call.func
        kind = func.__class__
        if kind is attribute:
            return resolve(call) if func.attr in terminals else None
        if kind is name:
            return resolve(call) if func.id in terminals or func.id in aliased else None
        return None

    return call_name


PARALLEL_MIN_FILES = 48  # fewer files than this are analysed in-process (worker start-up costs more)


class Analysis:
    """One analysis of a project state (the files on disk plus an overlay).

    The project model and the call graph (the *facts*) are built lazily, on first use, or read
    from the cache; per-file results come from the cache when their key matches, else from one
    traversal of the module (in worker processes when there are many files and ``jobs > 1``).
    """

    # (path, text) -> ParseOutcome shared across analyses by a long-lived caller (the LSP sets
    # Linter.parse_memo): a model is a pure function of its path and text. None: off.
    parse_memo: Any = None
    # called with the path of each module parsed (the forked workers' share-out, see _forked)
    _on_parse: Any = None

    def __init__(
        self,
        config: Config,
        root: str,
        files: list[SourceFile],
        checked: set[str],
        store: SourceStore,
        rules: Sequence[type[Rule]],
        *,
        cache: Any = None,
        jobs: int = 1,
    ):
        self.config = config
        self.root = root
        self.files = files
        self.checked = checked
        self.store = store
        self.rule_classes = rules if isinstance(rules, EnabledRules) else list(rules)  # imported when a rule runs
        self.stats = RunStats()
        self.parse_errors: dict[str, tuple[int, int, str]] = {}
        self.cache = cache
        self.jobs = max(1, int(jobs or 1))
        self._models: dict[str, ModuleModel | None] = {}
        self._recorders: list[set[str]] = []
        self._shas: dict[str, str | None] = {}
        self._facts: Facts | None = None
        self._cached_facts: Facts | None = None
        self.base_facts: Facts | None = None  # project model + call graph to reuse (same files)
        self._rules: list[Rule] | None = None
        self._by_handler: tuple[Any, dict[str, list[Function]]] | None = None
        self._reached: tuple[Any, frozenset[str]] | None = None  # (reach table, the paths in it)
        self._dispatch_cache: dict[tuple[int, ...], tuple] = {}  # active rule set -> (dispatch table, call memo, begin / end rules)
        self._active_memo: dict[frozenset[str], tuple | None] = {}  # tokens present -> that, or None (see _dispatch_for)
        # the rules that visit Python nodes and their prefilter tokens split for _prefilter_tokens
        self._python_rules: tuple[list[Rule], tuple[tuple[str, ...], tuple[str, ...]]] | None = None
        self.python_paths = [f.path for f in files if f.kind == "python"]
        self._known_paths = {f.path for f in files}
        self.index = _TrackingIndex(self.python_paths, self._load_model, self)
        store.on_read = self._touch
        if cache is not None:
            store.status_of = cache.status_of

    # ------------------------------------------------------------------ facts
    @property
    def project(self):
        return self.facts().project

    @property
    def reach(self) -> dict[tuple[str, str], Reach]:
        return self.facts().reach

    def reached_paths(self) -> frozenset[str]:
        """The modules with a function reached per invocation (the paths of :attr:`reach`'s
        keys), computed once per reach table."""
        reach = self.reach
        if self._reached is None or self._reached[0] is not reach:
            self._reached = (reach, frozenset(path for path, _qualname in reach))
        return self._reached[1]

    def facts(self) -> Facts:
        """The facts of this state, built now if needed (the cache's copy is used when valid)."""
        if self._facts is None:
            cached = self._cached_facts if self._cached_facts is not None else self._facts_from_cache()
            self._facts = cached if cached is not None else self._build_facts()
        return self._facts

    def _facts_key(self) -> str:
        h = hashlib.sha256()
        for f in self.files:
            h.update(f"{f.path}\0{f.kind}\0{int(f.vendored)}\n".encode())
        h.update(b"--checked--\n")
        for p in sorted(self.checked):
            h.update(p.encode() + b"\n")
        return h.hexdigest()

    def _facts_from_cache(self) -> Facts | None:
        if self.cache is None:
            return None
        value = self.cache.get_facts(self._facts_key(), self.sha)
        if not value:
            return None
        try:
            facts = _StoredFacts(value, value["digests"], self._build_facts)
        except (KeyError, TypeError):
            return None
        self._cached_facts = facts
        return facts

    def _build_facts(self) -> Facts:
        from .project import build_project

        accessed: set[str] = set()
        self._recorders.append(accessed)
        try:
            base = self.base_facts
            if base is not None:  # the same files seen with another checked set (--diff-base)
                project, reach = base.project, base.reach
                accessed.update(base.deps)
            else:
                trees = _LazyTrees(self, self.python_paths)
                project = build_project(self.root, self.files, trees)
                reach = self.index.reachability(project.functions)
            closures = self._import_closures(project)
            self._facts = Facts(project, reach, {}, {}, closures)
            project_raw = self._project_diagnostics()
        finally:
            self._stop_recording(accessed)
        deps: dict[str, str | None] = {}
        for f in self.files:
            if f.kind in DEPLOYMENT_KINDS:
                accessed.add(f.path)
        hashed = self.cache is not None  # content hashes and facts digests only key the cache
        for p in sorted(accessed):
            deps[p] = self.sha(p) if hashed else None
        if hashed:
            for p in self._side_files():
                deps[p] = self.sha(p)
        facts = Facts(project, reach, project_raw, deps, closures)
        if hashed:
            facts.digests = self._digests(facts)
        self._facts = facts
        if self.cache is not None and not any(self._volatile(p) for p in deps):
            value = {"project": project, "reach": reach, "project_raw": project_raw, "deps": deps, "digests": facts.digests, "closures": closures}
            self.cache.put_facts(self._facts_key(), deps, value)
        return facts

    def _import_closures(self, project: Any) -> dict | None:
        """The import closure of every function (what its handler module loads at cold start),
        when an enabled rule reads them: a project-wide fact, so it is computed here once, with
        the modules it reads recorded as the facts' dependencies (an import added to a helper
        module changes the findings of every handler that loads it), and the rules' ImportCosts
        start from it (see ``importcost.costs_for``)."""
        if not self.reads_import_closures():
            return None
        from .importcost import ImportCosts, table_with

        try:
            overrides = self.config.option("heavy-modules")
        except KeyError:
            overrides = None
        costs = ImportCosts(self.index, project.functions, table_with(overrides if isinstance(overrides, Mapping) else None))
        closures = costs.closures()
        costs.adopt_into(self.index)  # this process's rules reuse it (its import edges too)
        return closures

    def reads_import_closures(self) -> bool:
        """Whether an enabled rule reads the import closures (and the re-export table beside them)."""
        return any(r.uses_import_closures for r in self.rules())

    def _side_files(self) -> list[str]:
        """Files outside discovery that the project model may read (``cdk.json`` & co.), in
        every folder of the project that holds a discovered file, and the folders above it."""
        folders: set[str] = {""}
        for f in self.files:
            d = posixpath.dirname(f.path)
            while d and d not in folders:
                folders.add(d)
                d = posixpath.dirname(d)
        from .cache import SIDE_FILES

        return [posixpath.join(d, name) if d else name for d in sorted(folders) for name in SIDE_FILES]

    def _digests(self, facts: Facts) -> dict[str, str]:
        """Per file: a digest of every cross-file fact its rules can see."""
        common = hashlib.sha256()
        common.update(repr(facts.project.functions).encode())
        if facts.closures is not None:  # the import closures are seen by every file (functions_loading)
            common.update(repr(sorted((i, tuple(c.modules.items()), tuple(c.contributors)) for i, c in facts.closures.items())).encode())
        for doc in facts.project.docs:
            common.update(repr((doc.path, doc.kind, doc.data, doc.error)).encode())
        base = common.hexdigest()
        by_path: dict[str, list] = {}
        for key, r in facts.reach.items():
            by_path.setdefault(key[0], []).append((key, r))
        out = {}
        for f in self.files:
            if f.path not in self.checked:
                continue
            h = hashlib.sha256(base.encode())
            h.update(repr(sorted(by_path.get(f.path, []), key=lambda kr: kr[0])).encode())
            h.update(repr(facts.project_raw.get(f.path, [])).encode())
            out[f.path] = h.hexdigest()
        return out

    # ------------------------------------------------------------------ files
    def _volatile(self, path: str) -> bool:
        """Whether a file's text exists only in memory (stdin, an editor buffer, a fix round):
        results computed from it are never written to the cache. Virtual modules derived from
        files on disk (``inline_modules``: handler code inline in deployment files) are not."""
        return path in self.store.overlay and path not in (getattr(self, "inline_modules", None) or ())

    def _has_volatile(self) -> bool:
        """Whether any text of this analysis exists only in memory (then it writes no cache)."""
        return any(self._volatile(p) for p in self.store.overlay)

    def _stop_recording(self, accessed: set[str]) -> None:
        # by identity: two recorders holding the same paths compare equal
        self._recorders = [r for r in self._recorders if r is not accessed]

    def _touch(self, path: str) -> None:
        for rec in self._recorders:
            rec.add(path)

    def sha(self, path: str) -> str | None:
        """Content hash of a file as this analysis sees it (overlay first; None: missing)."""
        if path not in self._shas:
            from .cache import file_sha, sha

            if path in self.store.overlay:
                self._shas[path] = sha(self.store.text(path))
            elif path in self._known_paths:
                # a warm run reads no file whose status is unchanged since its hash was recorded
                if self.cache is not None and path not in self.store._cache:
                    status = self.cache.status_of(self.store.abs(path))
                    found = self.cache.trusted_sha(path, status) if status is not None else None
                    if found is not None:
                        self._touch(path)
                        self._shas[path] = found
                        return found
                digest = sha(self.store.text(path))
                status = self.store.statuses.get(path)  # taken right before the file was read
                if self.cache is not None and status is not None and digest is not None and not self._has_volatile():
                    self.cache.record_sha(path, status, digest)
                self._shas[path] = digest
            else:  # a side file outside discovery: never reported as unreadable
                self._shas[path] = file_sha(self.store.abs(path))
        return self._shas[path]

    def _file_key(self, path: str, facts: Facts) -> str:
        """The facts digest of one file plus the pin files its rules may read from disk."""
        return f"{facts.digests[path]}:{self._pins_digest(posixpath.dirname(path))}"

    def _pins_digest(self, folder: str) -> str:
        """A digest of the lock/requirements files in ``folder`` and each folder above it
        (SLS204 reads the redis-py pin from them, outside the discovered files): a pin change
        re-checks the files below it. Memoised per folder for this analysis."""
        memo = self.__dict__.setdefault("_pins_memo", {})
        found = memo.get(folder)
        if found is None:
            from .cache import pin_files_digest

            parent = self._pins_digest(posixpath.dirname(folder)) if folder else ""
            found = memo[folder] = pin_files_digest(self.store.abs(folder) if folder else self.root, parent)
        return found

    def functions_by_handler(self) -> dict[str, list[Function]]:
        """The project's functions grouped by handler file (built once per project model)."""
        project = self.project
        if self._by_handler is None or self._by_handler[0] is not project:
            groups: dict[str, list[Function]] = {}
            for fn in project.functions:
                groups.setdefault(fn.handler_path, []).append(fn)
            self._by_handler = (project, groups)
        return self._by_handler[1]

    def is_test_path(self, path: str) -> bool:
        return self.config.is_test_path(path)

    def _load_model(self, path: str) -> ModuleModel | None:
        if path not in self._models:
            text = self.store.text(path)
            if text is None:
                self._models[path] = None
            else:
                memo = self.parse_memo
                outcome = memo.get((path, text)) if memo is not None else None
                if outcome is None:
                    outcome = parse_module(path, text)
                    if memo is not None:
                        memo[(path, text)] = outcome
                if outcome.error:
                    self.parse_errors[path] = outcome.error
                self._models[path] = outcome.model
                if self._on_parse is not None:
                    self._on_parse(path)
                _GCTuning.settle()
        return self._models[path]

    # ------------------------------------------------------------------ running
    def rules(self) -> list[Rule]:
        if self._rules is None:
            self._rules = [cls() for cls in self.rule_classes]
        return self._rules

    def run(self) -> list[Diagnostic]:
        checked_files = [f for f in self.files if f.path in self.checked]
        results: dict[str, list[Diagnostic]] = {}
        misses: list[SourceFile] = []
        facts = None
        if self.cache is not None:
            # valid cached facts cost no parsing; otherwise rebuild them (parsing only what they
            # read) and keep every file whose own key still matches the new facts
            facts = self._facts if self._facts is not None else self._facts_from_cache()
            if facts is None:
                facts = self.facts()
        seen: dict = {}  # dependency tables already checked (Cache.get_file)
        for f in checked_files:
            self.stats.files_checked += 1
            if self.cache is not None and facts is not None and f.path in facts.digests:
                content = self.sha(f.path)  # None: unreadable (reported below)
                hit = self.cache.get_file(f.path, content, self._file_key(f.path, facts), self.sha, seen) if content is not None else None
                if hit is not None:
                    results[f.path] = hit
                    self.stats.files_from_cache += 1
                    continue
            text = self.store.text(f.path)
            if text is None:
                results[f.path] = self._unreadable(f)
                continue
            misses.append(f)
        if misses:
            # the facts are built inside: with worker processes, while they parse
            for path, diags, deps in self._analyse_many(misses):
                results[path] = diags
                if self.cache is not None and not self._volatile(path) and path in (facts := self.facts()).digests:
                    content = self.sha(path)
                    if content is not None and not any(self._volatile(d) for d in deps):
                        self.cache.put_file(path, content, self._file_key(path, facts), deps, diags)
        out: list[Diagnostic] = []
        for f in checked_files:
            out.extend(results.get(f.path, ()))
        return out

    def _analyse_many(self, files: list[SourceFile]) -> Iterable[tuple[str, list[Diagnostic], dict[str, str | None]]]:
        jobs = min(self.jobs, len(files) // max(1, PARALLEL_MIN_FILES // 2))
        if jobs > 1 and len(files) >= PARALLEL_MIN_FILES:
            yield from _parallel(self, files, jobs)
            return
        self.facts()  # before any file: its reads are the facts' dependencies, not the first file's
        for f in files:
            diags, deps = self.analyse_file(f)
            yield f.path, diags, deps

    def analyse_file(self, f: SourceFile) -> tuple[list[Diagnostic], dict[str, str | None]]:
        """The filtered findings of one checked file, and the other modules its rules read."""
        accessed: set[str] = set()
        self._recorders.append(accessed)
        try:
            text = self.store.text(f.path)
            if text is None:
                return [], {}
            try:
                raw = self._module_raw(f, text) if f.kind == "python" else []
            except RecursionError:  # a rule ran out of stack: this file's finding, not the run's end
                raw = [self._tool_diag("SLS001", f.path, Span.point(1, 1), f"{f.path} cannot be analysed: {TOO_DEEP}")]
            raw.extend(self.facts().project_raw.get(f.path, ()))
            model = self.index.model(f.path) if f.kind == "python" else None
            kept = self._filter(f, text, raw, model)
        finally:
            self._stop_recording(accessed)
        accessed.discard(f.path)
        if self.cache is None:  # the dependencies only key the cache: no content hashes to take
            return kept, {}
        return kept, {p: self.sha(p) for p in sorted(accessed)}

    def python_rules(self) -> tuple[list[Rule], Prefilter]:
        """The rules that visit Python nodes, and the :class:`Prefilter` of their tokens;
        computed once per analysis."""
        if self._python_rules is None:
            rules = [r for r in self.rules() if "python" in r.file_kinds and r.node_types()]
            self._python_rules = (rules, prefilter_for(frozenset(t for r in rules if r.prefilter for t in r.prefilter)))
        return self._python_rules

    def _module_raw(self, f: SourceFile, text: str) -> list[Diagnostic]:
        sink: list[Diagnostic] = []
        model = self.index.model(f.path)
        if model is None:
            line, col, msg = self.parse_errors.get(f.path, (1, 1, "cannot parse"))
            sink.append(self._tool_diag("SLS001", f.path, Span.point(line, col), f"{f.path} cannot be parsed: {msg}"))
            return sink
        cached = self._dispatch_for(frozenset(self.python_rules()[1](text)))
        if cached is None:  # no rule's tokens occur in the text
            return sink
        dispatch, by_name, begins, ends, terminals = cached
        ctx = ModuleContext(self, model, sink)
        for r in begins:
            ctx.rule = r
            r.begin_module(ctx)
        # a call's name is resolved for the routing only when a rule can ask for it (see
        # _screened_call_name, which the C loop does itself given the terminals)
        if _speedups is not None:  # the same loop in C
            aliased = _aliased_imports(model) if terminals is not None else None
            _speedups.dispatch(walk_list(model.tree), dispatch, by_name, model.call_name, _call_rules, ctx, terminals, aliased)
        else:
            call_name = _screened_call_name(model, terminals) if terminals is not None else model.call_name
            self._dispatch(model, dispatch, by_name, ctx, call_name)
        for r in ends:
            ctx.rule = r
            r.end_module(ctx)
        return sink

    def _dispatch_for(self, present: frozenset[str]) -> tuple | None:
        """The dispatch of the Python rules whose prefilter tokens include one of ``present`` (the
        tokens found in a module's text) or that have none: (dispatch table, call routing memo,
        rules with begin_module, rules with end_module, call terminals); None when no rule is
        active. Memoised per token set (a few hundred sets on a 3,000-file project) and per
        set of active rules."""
        found = self._active_memo.get(present, False)
        if found is not False:
            return found
        python_rules = self.python_rules()[0]
        active = [r for r in python_rules if r.prefilter is None or not present.isdisjoint(r.prefilter)]
        if not active:
            self._active_memo[present] = None
            return None
        key = tuple(id(r) for r in active)
        cached = self._dispatch_cache.get(key)
        if cached is None:
            dispatch: dict[type, list] = {}
            for r in active:
                for nt in r.node_types():
                    dispatch.setdefault(nt, []).append((r, getattr(r, "visit_" + nt.__name__)))
            calls = dispatch.get(ast.Call, ())
            # visit_Call of a rule with call_names / call_attrs runs only for the calls it names:
            # the rules for a call depend on its name and method alone (memoised per pair, rule
            # order kept)
            by_name: dict | None = {} if any(r.call_names is not None or r.call_attrs is not None for r, _fn in calls) else None
            # the rules with a begin_module / end_module of their own (most have the no-op)
            begins = [r for r in active if type(r).begin_module is not Rule.begin_module]
            ends = [r for r in active if type(r).end_module is not Rule.end_module]
            cached = self._dispatch_cache[key] = (dispatch, by_name, begins, ends, _call_terminals(calls) if by_name is not None else None)
        self._active_memo[present] = cached
        return cached

    @staticmethod
    def _dispatch(model: ModuleModel, dispatch: dict, by_name: dict | None, ctx: "ModuleContext", call_name: Any = None) -> None:
        """Each rule's visit method for each node of the types it wants, in walk order (what
        ``_speedups.dispatch`` does in C); ``call_name`` gives the name a call is routed by."""
        wanted = dispatch.keys()
        call_name = call_name or model.call_name
        for node in [n for n in walk_list(model.tree) if n.__class__ in wanted]:  # walk order kept
            if by_name is not None and node.__class__ is ast.Call:
                func = node.func
                key = (call_name(node), func.attr if func.__class__ is ast.Attribute else None)
                entries = by_name.get(key)
                if entries is None:
                    entries = by_name[key] = _call_rules(dispatch[ast.Call], *key)
            else:
                entries = dispatch[node.__class__]
            for r, fn in entries:
                ctx.rule = r
                fn(node, ctx)

    def _project_diagnostics(self) -> dict[str, list[Diagnostic]]:
        """Deployment-file parse errors and the findings of project-level rules, by path."""
        project_raw: list[Diagnostic] = []
        for doc in self.project.docs:
            if doc.error and doc.path in self.checked:
                line, col, msg = doc.error
                project_raw.append(self._tool_diag("SLS001", doc.path, Span.point(line, col), f"{doc.path} cannot be parsed: {msg}"))
        pctx = ProjectContext(self, project_raw)
        for r in self.rules():
            if type(r).check_project is not Rule.check_project:
                pctx.rule = r
                r.check_project(pctx)
        out: dict[str, list[Diagnostic]] = {}
        for d in project_raw:
            out.setdefault(d.path, []).append(d)
        return out

    def _unreadable(self, f: SourceFile) -> list[Diagnostic]:
        """A checked file that cannot be read, decoded or held is a finding (SLS001), never a silent skip."""
        msg = self.store.read_errors.get(f.path)
        if msg is None or not self.config.is_enabled("SLS001") or self.config.is_ignored_in("SLS001", f.path):
            return []
        return [self._tool_diag("SLS001", f.path, Span.point(1, 1), msg)]

    def _tool_diag(self, code: str, path: str, span: Span, message: str) -> Diagnostic:
        meta = _rule_meta(code)
        name = meta.name if meta else code
        sev = meta.severity if meta else Severity.ERROR
        return Diagnostic(code, name, sev, path, span, message)

    def _filter(self, f: SourceFile, text: str, raw: list[Diagnostic], model: ModuleModel | None) -> list[Diagnostic]:
        cfg = self.config

        def enabled(code: str) -> bool:
            return cfg.is_enabled(code) and not cfg.is_ignored_in(code, f.path)

        sups = parse_suppressions(text, python=f.kind == "python")
        # statement ranges only matter for a file that has suppressions (most have none: a full walk saved)
        ranges, comment_only = _statement_ranges(model) if (model is not None and sups) else ({}, set())
        sup = SuppressionIndex(sups, ranges, comment_only)
        kept: list[Diagnostic] = []
        seen: set[tuple] = set()
        for d in raw:
            if not enabled(d.code):
                continue
            key = (d.code, d.span, d.message)
            if key in seen:
                continue
            seen.add(key)
            if sup.suppress(d.code, d.span.line):
                continue
            kept.append(d)
        unused_sups = list(sup.unused()) if enabled("SLS002") else []
        if unused_sups:  # most files have no suppression at all
            known = {r.code for r in all_rules()}
            for s, codes in unused_sups:
                names = [c for c in codes if c in known or c.rstrip("0123456789") == "SLS"]
                unknown = [c for c in codes if c not in known and len(c) == 6]
                # codes of rules that are not enabled for this file are not "unused": they may be enabled elsewhere
                unused = [c for c in names if enabled(c)] if codes else []
                if codes and not unused and not unknown:
                    continue
                span = Span(s.line, s.column, s.line, s.end_column)
                if unknown:
                    msg = f"Suppression names unknown rule code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
                elif unused:
                    msg = f"Unused suppression: no {', '.join(unused)} finding here to suppress"
                else:
                    msg = "Unused blanket suppression: nothing is reported here"
                kept.append(self._tool_diag("SLS002", f.path, span, msg))
        return kept


# ---------------------------------------------------------------------------------------------
# worker processes (--jobs)
# ---------------------------------------------------------------------------------------------

_WORKER: Analysis | None = None
_PARENT: Analysis | None = None  # set just before forking: the workers inherit it, parsed modules included


def _worker_init(payload: tuple) -> None:
    global _WORKER
    config, root, files, checked, overlay, rules, facts = payload
    analysis = Analysis(config, root, files, checked, SourceStore(root, overlay), rules)
    analysis._facts = facts
    _WORKER = analysis


def _worker_run(paths: list[str]) -> list[tuple[str, list[Diagnostic], dict[str, str | None]]]:
    analysis = _WORKER
    assert analysis is not None
    by_path = analysis.__dict__.get("_by_path")
    if by_path is None:
        by_path = analysis.__dict__["_by_path"] = {f.path: f for f in analysis.files}
    out = []
    for p in paths:
        diags, deps = analysis.analyse_file(by_path[p])
        out.append((p, diags, deps))
    return out


def _parallel(analysis: Analysis, files: list[SourceFile], jobs: int):
    """Analyse ``files`` in ``jobs`` processes. The workers get the facts (built once, in this
    process), so every file is analysed against exactly the same project model and call graph
    as in a single process. Where fork is safe, see :func:`_forked`; else a pool of spawned
    workers gets the facts pickled."""
    import multiprocessing
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        yield from _forked(analysis, files, jobs)
        return
    yield from _spawned(analysis, files, jobs)


class _Shares:
    """Who analyses which file, in memory shared by forked processes: ``owner[i]`` is 0 while
    file ``i`` is unclaimed, the number of the process that claimed it (1: the parent) until
    that process starts on it, then minus that number. A claimed file nobody started on yet
    can be taken over by a process that has nothing left to do (:meth:`take_over`): a process
    that pre-parsed (or parsed for the facts) more files than it can finish in time hands the
    last of them over instead of leaving the others idle."""

    def __init__(self, ctx: Any, count: int):
        self.owner = ctx.RawArray("b", count)
        self.lock = ctx.Lock()

    def claim(self, i: int, me: int) -> bool:
        if self.owner[i]:
            return False
        with self.lock:
            if self.owner[i]:
                return False
            self.owner[i] = me
            return True

    def next(self, order: Iterable[int], me: int) -> int | None:
        """The first file of ``order`` this process could claim (None: all are taken)."""
        for i in order:
            if self.claim(i, me):
                return i
        return None

    def start(self, i: int, me: int) -> bool:
        """Start on file ``i`` this process claimed; False when another process took it over."""
        with self.lock:
            if self.owner[i] != me:
                return False
            self.owner[i] = -me
            return True

    def take_over(self, i: int, me: int) -> bool:
        """Start on file ``i`` that another process claimed and has not started on."""
        if self.owner[i] <= 0 or self.owner[i] == me:
            return False
        with self.lock:
            if self.owner[i] <= 0 or self.owner[i] == me:
                return False
            self.owner[i] = -me
            return True


def _worker_order(analysis: Analysis, paths: list[str]) -> Iterator[int]:
    """The order in which a forked worker claims files while the parent builds the facts:
    from the back (the parent starts at the front), and

    * test modules first: the facts never parse one (no deployed function loads a test), but
      both processes' rules read what tests import from the handler modules (SLS501's
      re-export table), so a test pre-parsed early has its exports at the parent before its
      rules ask, and is parsed once (on the 3,000-file corpus: 239 modules parsed by both
      processes before, none now);
    * likely handler modules last: the facts parse every handler module, so one a worker took
      first is parsed twice. A module whose name a deployment file spells (``handler:
      src/handlers/orders.main``, ``Handler: app.handler``, ``main = "src/entry.py"``) is
      probably one; one that sits in an ``api/`` folder (Vercel's convention) or whose text
      holds a hint the project model's convention scan looks into (``handler``,
      ``functions_framework``, ...) certainly is, and comes last of all (on the 3,000-file
      corpus: ~120 modules parsed by both processes before, none now).

    Only the order changes: whoever claims a file analyses it, so results never depend on it."""
    from .project.conventions import has_hint

    spelled: set[str] = set()
    for f in analysis.files:
        if f.kind in DEPLOYMENT_KINDS:
            spelled.update(_WORD.findall(analysis.store.text(f.path) or ""))
    python = analysis.index.paths  # the Python modules

    def rank(path: str) -> int:
        if analysis.is_test_path(path):
            return 0
        parts = path.rsplit("/", 2)
        if len(parts) > 1 and parts[-2] == "api" or (path in python and has_hint(analysis.store.text(path))):
            return 3
        stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
        return 2 if stem in spelled else 1

    ranks = [rank(p) for p in paths]
    back = range(len(paths) - 1, -1, -1)
    return itertools.chain.from_iterable((i for i in back if ranks[i] == r) for r in (0, 1, 2, 3))


_WORD = re.compile(r"\w+")


def _forked_worker(me: int, paths: list[str], shares: _Shares, facts_conn: Any, results: Any, facts_ready: bool) -> None:
    """A forked worker (see :func:`_forked`): never returns (``os._exit``)."""
    import pickle

    global _WORKER
    code = 1
    try:
        analysis = _PARENT
        assert analysis is not None
        _WORKER = analysis
        order = _worker_order(analysis, paths)
        own: list[int] = []
        if not facts_ready:
            python = analysis.index.paths  # the Python modules
            contributions = None  # what others read of a module (SLS501's re-export table), if wanted
            if analysis.reads_import_closures():
                from .importcost import contributions
            pending: dict[str, Any] = {}
            # until the parent's facts arrive: claim files from the back and parse, model and walk
            # them (the part of the per-file work that needs no facts); what other modules' rules
            # read of them goes to the parent (which then needs not parse them)
            while not facts_conn.poll():
                i = shares.next(order, me)
                if i is None:
                    break
                own.append(i)
                model = analysis.index.model(paths[i]) if paths[i] in python else None
                if model is not None:
                    walk_list(model.tree)
                    if contributions is not None:
                        pending[paths[i]] = contributions(analysis.index, paths[i])
                        if len(pending) == 64:
                            results.put(("exports", pending))
                            pending = {}
            if pending:
                results.put(("exports", pending))
            facts, shared, parent_exports, words = pickle.loads(facts_conn.recv_bytes())
            analysis._facts = facts
            analysis.index.adopt(shared)
            _adopt_exports(analysis, parent_exports)
            if words is not None:
                from .importcost import adopt_word_index

                adopt_word_index(analysis.index, words)

        batch: list = []
        mine = itertools.chain(own, iter(lambda: shares.next(order, me), None))
        # then the files others claimed and have not started on, from the back of the list
        # (the parent works from the front); each file is started on right before it is
        # analysed, so what is left can still be taken over by a process that is done
        taken = (i for i in range(len(paths) - 1, -1, -1) if shares.take_over(i, me))
        for i in itertools.chain((i for i in mine if shares.start(i, me)), taken):
            batch.extend(zip([i], _worker_run([paths[i]])))
            if len(batch) == 16:  # results go to the parent in batches
                results.put(("files", batch))
                batch = []
        if batch:
            results.put(("files", batch))
        results.put(("done", me))  # after every result: the parent stops waiting for this worker
        code = 0
    except BaseException:  # the parent analyses whatever this worker did not deliver
        code = 1
    finally:
        try:
            results.close()
            results.join_thread()  # everything put is in the pipe before this process ends
        finally:
            os._exit(code)


def _forked(analysis: Analysis, files: list[SourceFile], jobs: int):
    """``jobs - 1`` forked workers and this process share the files.

    The workers are forked first, before the facts (project model and call graph) exist. While
    this process builds the facts (claiming each file it parses for them), the workers claim
    files from the back of the list and parse, model and walk them. The facts then reach the
    workers pickled over a pipe (a few tens of ms); every process analyses the files it claimed
    and then claims the rest one by one (workers from the back, this process from the front)
    until none is left, so each file is parsed once and the processes finish together. A file
    whose results never arrive (a worker that died) is analysed here: nothing is lost. When the
    facts exist already (a run with the cache), the workers inherit them and start at once."""
    import multiprocessing
    import pickle
    import queue as queue_mod
    import threading

    global _PARENT
    ctx = multiprocessing.get_context("fork")
    paths = [f.path for f in files]
    by_path = {f.path: f for f in files}
    position = {p: i for i, p in enumerate(paths)}
    shares = _Shares(ctx, len(paths))
    results = ctx.Queue()
    facts_ready = analysis._facts is not None
    analysis.python_rules()  # the rule modules are imported once, here, not again in each worker
    procs = []
    _PARENT = analysis
    try:
        for me in range(2, jobs + 1):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_forked_worker, args=(me, paths, shares, recv, results, facts_ready), daemon=True)
            proc.start()
            recv.close()
            procs.append((me, proc, send))
    finally:
        _PARENT = None
    mine: list[int] = []
    finished: set[int] = set()  # the workers that sent all their results

    def parsed(path: str) -> None:  # a file parsed for the facts is this process's to analyse
        i = position.get(path)
        if i is not None and shares.claim(i, 1):
            mine.append(i)

    try:
        analysis._on_parse = parsed
        try:
            facts = analysis.facts()
        finally:
            analysis._on_parse = None
        if not facts_ready:
            # the summaries, reach per Function and module exports come along: workers parse no
            # module for them
            parsed_here = {}
            words = None
            if facts.closures is not None:  # an enabled rule reads the re-export table
                from .importcost import contributions, word_index

                parsed_here = {p: contributions(analysis.index, p) for p, m in analysis._models.items() if m is not None}
                # the table's word index, built once for both processes (it reads every text)
                words = word_index(analysis.index)
            payload = (Facts(facts.project, facts.reach, facts.project_raw, {}, facts.closures), analysis.index.shared_state(), parsed_here, words)
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            for _me, _proc, send in procs:  # from threads: a worker reads it between two files
                threading.Thread(target=_send_quietly, args=(send, data), daemon=True).start()
        done: set[int] = set()

        def delivered(block: bool):  # results (and module exports) the workers have sent
            while True:
                try:
                    kind, batch = results.get(timeout=0.05) if block else results.get_nowait()
                except queue_mod.Empty:
                    return
                if kind == "exports":
                    _adopt_exports(analysis, batch)
                    continue
                if kind == "done":
                    finished.add(batch)
                    continue
                for i, item in batch:
                    done.add(i)
                    yield item
                block = False

        yield from delivered(False)  # module exports sent while the facts were built
        order = iter(range(len(paths)))
        claimed = itertools.chain(sorted(mine), iter(lambda: shares.next(order, 1), None))
        # then the files a worker claimed and has not started on, those it would reach last
        # first (the order is computed only when this process gets there)
        def last_first() -> Iterator[int]:
            yield from reversed(list(_worker_order(analysis, paths)))

        taken = (i for i in last_first() if shares.take_over(i, 1))
        for n, i in enumerate(itertools.chain((i for i in claimed if shares.start(i, 1)), taken)):
            diags, deps = analysis.analyse_file(by_path[paths[i]])
            done.add(i)
            yield paths[i], diags, deps
            if n % 16 == 15:
                yield from delivered(False)
        while len(finished) < len(procs):  # until every worker said it is done, or died
            alive = any(proc.is_alive() for _me, proc, _send in procs)
            yield from delivered(True)
            if not alive:
                yield from delivered(False)
                break
        for i in range(len(paths)):  # results a worker never delivered
            if i not in done:
                diags, deps = analysis.analyse_file(by_path[paths[i]])
                yield paths[i], diags, deps
    finally:
        for me, proc, send in procs:
            send.close()
            if me in finished and _GCTuning.one_shot:
                # it delivered everything and the process ends right after the report: waited
                # for then (reap_workers), not while the system takes its memory back (~30 ms
                # after 1,500 files, now spent while the report is written)
                _UNREAPED.append(proc)
                continue
            if proc.is_alive():
                proc.kill()
            proc.join()
        results.close()
        results.cancel_join_thread()


_UNREAPED: list = []  # finished workers of a one-shot run, waited for by reap_workers


def reap_workers() -> None:
    """Wait for the finished workers the run left to end on their own (the console script calls
    this right before it exits): their exit is then accounted to this process, as with any
    child (``time`` and the bench's peak memory see them)."""
    while _UNREAPED:
        _UNREAPED.pop().join()


def _adopt_exports(analysis: Analysis, exports: Mapping[str, Any]) -> None:
    """Take another process's module exports: what each module it parsed imports from the
    project modules (importcost.contributions, the input of SLS501's re-export table), so this
    process need not parse those modules for it."""
    from .importcost import contributions_memo

    memo = contributions_memo(analysis.index)
    for path, value in exports.items():
        memo.setdefault(path, value)


def _send_quietly(conn: Any, data: bytes) -> None:
    try:
        conn.send_bytes(data)
    except OSError:  # the worker is gone: the files it claimed are analysed in the parent
        pass


def _spawned(analysis: Analysis, files: list[SourceFile], jobs: int):
    """Spawned workers (no fork): a pool gets the facts pickled, results come back in order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    facts = analysis.facts()
    payload = (
        analysis.config,
        analysis.root,
        analysis.files,
        analysis.checked,
        dict(analysis.store.overlay),
        analysis.rule_classes,
        Facts(facts.project, facts.reach, facts.project_raw, {}, facts.closures),
    )
    paths = [f.path for f in files]
    size = max(1, -(-len(paths) // (jobs * 4)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init, initargs=(payload,)) as pool:
        for batch in pool.map(_worker_run, chunks):
            yield from batch


class _LazyTrees(Mapping):
    """A mapping path -> ast.Module that parses on first access (the project model asks only
    for the files it needs)."""

    def __init__(self, analysis: Analysis, paths: Iterable[str]):
        self._a = analysis
        self._paths = list(paths)
        self._known = set(self._paths)

    def __getitem__(self, key: str) -> ast.Module:
        m = self._a.index.model(key)
        if m is None:
            raise KeyError(key)
        return m.tree

    def __iter__(self):
        return (p for p in self._paths if self._a.index.model(p) is not None)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, key: object) -> bool:
        return key in self._known and self._a.index.model(key) is not None  # type: ignore[arg-type]

    def text(self, key: str) -> str | None:
        return self._a.store.text(key)

    def overlay_text(self, key: str) -> str | None:
        """The in-memory text of any file (deployment files too) when the overlay holds one
        (stdin, editor buffers, fix rounds); None means: read the file from disk."""
        return self._a.store.overlay.get(key)


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _statement_ranges(model: ModuleModel) -> tuple[dict[int, tuple[int, int]], set[int]]:
    ranges: dict[int, tuple[int, int]] = {}
    for node in ast.walk(model.tree):
        if not isinstance(node, ast.stmt):
            continue
        first = node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.decorator_list:
            first = min(d.lineno for d in node.decorator_list)
        if isinstance(node, _COMPOUND) or (hasattr(ast, "TryStar") and isinstance(node, getattr(ast, "TryStar"))) or (hasattr(ast, "Match") and isinstance(node, getattr(ast, "Match"))):
            body = getattr(node, "body", None) or getattr(node, "cases", None)
            last = (body[0].lineno - 1) if body else node.lineno
            last = max(last, node.lineno)
        else:
            last = node.end_lineno or node.lineno
        if last > first:
            for ln in range(first, last + 1):
                ranges.setdefault(ln, (first, last))
    comment_only = {i for i, line in enumerate(model.lines, 1) if line.lstrip().startswith("#")}
    return ranges, comment_only


def _applicable(fix: FixIntent | None, unsafe: bool) -> bool:
    if fix is None:
        return False
    return fix.applicability == Applicability.SAFE or (unsafe and fix.applicability == Applicability.UNSAFE)


class Linter:
    """The engine API: ``lint`` and ``fix`` over paths, with an optional in-memory overlay
    (stdin, unsaved editor buffers).

    ``cache``: read and write the result cache (see :mod:`sls_lint.cache`; the CLI turns it on,
    the API leaves it off by default). ``jobs``: worker processes for the per-file analysis
    (1: in-process; used only when there are enough files to pay for the start-up).
    """

    def __init__(
        self,
        config: Config,
        *,
        cwd: str | None = None,
        rules: Sequence[type[Rule]] | None = None,
        cache: bool = False,
        jobs: int | None = 1,
    ):
        self.config = config
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.rules = list(rules) if rules is not None else EnabledRules(config)  # a warm run imports no rule module
        self._models: dict[tuple[str, str], ModuleModel | None] = {}
        self.use_cache = cache
        self.jobs = jobs if jobs else (config.jobs or os.cpu_count() or 1)
        self.parse_memo: Any = None  # see Analysis.parse_memo (the LSP keeps one per project)
        self.text_memo: dict | None = None  # see SourceStore.text_memo (the LSP keeps one per project)

    # ------------------------------------------------------------------ paths
    def _root_for(self, abs_paths: list[str]) -> str:
        if self.config.path:
            return os.path.dirname(os.path.abspath(self.config.path))
        if all(p == self.cwd or p.startswith(self.cwd + os.sep) for p in abs_paths):
            return self.cwd
        common = os.path.commonpath(abs_paths) if abs_paths else self.cwd
        return common if os.path.isdir(common) else os.path.dirname(common)

    def display(self, root: str, path: str) -> str:
        key = (root, path, self.cwd)  # memoised: called per finding (os.path.relpath ~10 us)
        memo = self.__dict__.setdefault("_display_memo", {})
        found = memo.get(key)
        if found is None:
            if root == self.cwd and os.sep == "/" and ".." not in path.split("/") and posixpath.normpath(path) == path and not path.startswith("/"):
                found = memo[key] = path  # what relpath gives for a clean path below the cwd
            else:
                found = memo[key] = os.path.relpath(os.path.join(root, *path.split("/")), self.cwd).replace(os.sep, "/")
        return found

    def _collect(self, paths: Sequence[str], stdin_path: str | None):
        from .discovery import discover

        abs_paths = [os.path.abspath(os.path.join(self.cwd, p)) for p in (paths or ["."])]
        if stdin_path:
            abs_paths = [os.path.abspath(os.path.join(self.cwd, stdin_path))]
        root = self._root_for(abs_paths)
        context = discover([root], self.config, root=root)
        errors = list(context.errors)
        files = {f.path: f for f in context.files}
        checked: set[str] = set()
        if stdin_path:
            rel = os.path.relpath(abs_paths[0], root).replace(os.sep, "/")
            if rel not in files:
                from .discovery import classify

                kind = classify(rel) or "python"
                files[rel] = SourceFile(rel, abs_paths[0], kind)
            checked.add(rel)
        elif abs_paths == [root]:
            checked = set(files)
        else:
            given = discover(abs_paths, self.config, root=root)
            errors.extend(given.errors)
            for f in given.files:
                files.setdefault(f.path, f)
                checked.add(f.path)
        ordered = [files[k] for k in sorted(files)]
        return root, ordered, checked, errors, context

    def cache_dir(self, root: str | None = None) -> str:
        from .cache import default_dir

        return default_dir(root or (os.path.dirname(os.path.abspath(self.config.path)) if self.config.path else self.cwd), self.config.cache_dir)

    def _open_cache(self, root: str):
        if not self.use_cache:
            return None
        from . import __version__
        from .cache import Cache

        rules_key = self.rules.cache_key() if isinstance(self.rules, EnabledRules) else ",".join(f"{r.code}:{r.module_name}" for r in self.rules)
        parts = [__version__, root, self.config.digest(), rules_key]
        return Cache(self.cache_dir(root), parts)

    def _analysis(self, root, files, checked, overlay, cache=None, *, writes: bool = True) -> Analysis:
        """``writes``: whether the files read may be written afterwards (fixes applied): only then
        does each read record the file's digest for the write's unchanged-since-read check."""
        from .inline import expand  # handler code inline in deployment files -> virtual modules

        # a text memo outlives this call (a later fix reuses its texts without reading): it remembers
        store = SourceStore(root, overlay, self.text_memo, remember_reads=writes or self.text_memo is not None)
        # without a cache the inline scan reads every file: through the run's store, so once
        files, checked, overlay, attach = expand(root, files, checked, overlay, cache=cache, read=store.text if cache is None else None)
        store.overlay = dict(overlay)  # with the inline modules
        analysis = Analysis(self.config, root, files, checked, store, self.rules, cache=cache, jobs=self.jobs)
        analysis.parse_memo = self.parse_memo
        return attach(analysis)

    # ------------------------------------------------------------------ API
    def lint(self, paths: Sequence[str] = (), *, overlay: Mapping[str, str] | None = None, stdin_path: str | None = None, **kw: Any) -> LintResult:
        return self.fix(paths, overlay=overlay, stdin_path=stdin_path, apply=False, **kw)

    def fix(
        self,
        paths: Sequence[str] = (),
        *,
        overlay: Mapping[str, str] | None = None,
        stdin_path: str | None = None,
        apply: bool = True,
        unsafe: bool = False,
        changed: Sequence[str] | None = None,
        shard: tuple[int, int] | None = None,
    ) -> LintResult:
        """Lint, and with ``apply`` fix until nothing changes (bounded). Nothing is written here:
        the result carries (before, after) texts; :meth:`write` writes them atomically.

        ``changed``: paths (absolute or relative to the working directory) of the files changed
        since some revision: only those are checked, plus the files whose cross-file facts they
        affect (see :func:`affected_paths`). ``shard=(k, n)``: check only the files that fall in
        shard ``k`` of ``n`` (1-based; a stable hash of the path, so shards never overlap and
        together cover the run)."""
        with _GCTuning():
            return self._fix(paths, overlay=overlay, stdin_path=stdin_path, apply=apply, unsafe=unsafe, changed=changed, shard=shard)

    def _fix(
        self,
        paths: Sequence[str],
        *,
        overlay: Mapping[str, str] | None,
        stdin_path: str | None,
        apply: bool,
        unsafe: bool,
        changed: Sequence[str] | None,
        shard: tuple[int, int] | None,
    ) -> LintResult:
        root, files, checked, errors, context = self._collect(paths, stdin_path)
        work: dict[str, str] = {}
        if overlay:
            for k, v in overlay.items():
                work[os.path.relpath(os.path.abspath(os.path.join(self.cwd, k)), root).replace(os.sep, "/")] = v
        cache = self._open_cache(root)
        if changed is not None:
            rel_changed = {os.path.relpath(os.path.abspath(os.path.join(self.cwd, p)), root).replace(os.sep, "/") for p in changed}
            full = self._analysis(root, files, checked, dict(work), cache, writes=apply)
            base_facts = full.facts()
            checked = checked & affected_paths(base_facts, rel_changed)
        if shard is not None:
            checked = {p for p in checked if shard_of(p, shard[1]) == shard[0] - 1}
        originals: dict[str, str] = {}
        applied_total = 0
        failed: dict[str, None] = {}
        analysis = self._analysis(root, files, checked, work, cache, writes=apply)
        if changed is not None:
            analysis.base_facts = base_facts
        diags = analysis.run()
        rounds = 0
        while apply and rounds < MAX_FIX_ROUNDS:
            rounds += 1
            by_file: dict[str, list[FixIntent]] = {}
            for d in diags:
                if _applicable(d.fix, unsafe):
                    by_file.setdefault(d.path, []).append(d.fix)  # type: ignore[arg-type]
            if not by_file:
                break
            from sls_lint.fixers import fix_source

            changed_any = False
            for path, intents in sorted(by_file.items()):
                text = analysis.store.text(path)
                if text is None:
                    continue
                new, applied, bad = fix_source(text, list(dict.fromkeys(intents)), path=path)
                for intent, reason in bad:
                    failed[f"{self.display(root, path)}: fix '{intent.title}' dropped: {reason}"] = None
                if new != text:
                    originals.setdefault(path, text)
                    work[path] = new
                    applied_total += len(applied)
                    changed_any = True
            if not changed_any:
                break
            encodings = analysis.store.encodings
            analysis = self._analysis(root, files, checked, work, cache, writes=apply)
            analysis.store.encodings.update(encodings)
            diags = analysis.run()
        if cache is not None:
            cache.save()
        stats = analysis.stats
        stats.files_skipped_vendored = len(context.skipped_vendored)
        stats.files_skipped_excluded = context.skipped_excluded
        stats.fixes_applied = applied_total
        out = []
        for d in diags:
            shown = self.display(root, d.path)
            # (the display path is the path itself, the same str, when the root is the working directory)
            out.append(d if shown is d.path else Diagnostic(d.code, d.name, d.severity, shown, d.span, d.message, d.function, d.fix, d.fingerprint_source))
        out.sort(key=Diagnostic.sort_key)
        sources = {}
        for path in {d.path for d in diags}:
            t = analysis.store.text(path)
            if t is not None:
                sources[self.display(root, path)] = t
        errors.extend(analysis.store.read_errors.values())
        from .newsyntax import partial_parse_warnings

        errors.extend(partial_parse_warnings(analysis, lambda p: self.display(root, p)))
        result = LintResult(out, sources, lambda a=analysis: a.project.functions, stats, errors)
        result.fixed_sources = {os.path.join(root, *p.split("/")): (originals[p], work[p]) for p in originals if work.get(p) != originals[p]}
        result.fixes_applied = applied_total
        result.fixes_failed = list(failed)
        result.root = root
        result.index = analysis.index
        result.checked = sorted(self.display(root, p) for p in checked)
        self._last_encodings = analysis.store.encodings  # for write(): how each file was stored
        self._last_root = root
        return result

    def write(self, result: LintResult) -> list[str]:
        """Write fixed files atomically, keeping encoding, BOM and newline style. Returns the
        paths written: a file whose bytes changed on disk since they were read is skipped (left
        as the user saved it) and the others are still written; callers compare the returned
        paths with ``result.fixed_sources`` to report the skipped ones."""
        from .writer import FileChangedError, read_source, write_source

        written = []
        root = getattr(self, "_last_root", "")
        # how each file the last fix() read was stored, by absolute path (built only to write)
        by_abs = {os.path.join(root, *p.split("/")): e for p, e in getattr(self, "_last_encodings", {}).items()} if result.fixed_sources else {}
        for abs_path, (before, after) in sorted(result.fixed_sources.items()):
            enc = by_abs.get(abs_path)
            try:
                if enc is None:
                    now, enc = read_source(abs_path)
                    if now != before:  # read afresh: it must still be what was fixed
                        raise FileChangedError(abs_path)
                write_source(abs_path, after, enc)
            except FileChangedError:
                continue
            written.append(abs_path)
        return written

    def functions(self, paths: Sequence[str] = ()) -> list[Function]:
        with _GCTuning():
            return self._functions(paths)

    def _functions(self, paths: Sequence[str]) -> list[Function]:
        root, files, checked, errors, context = self._collect(paths, None)
        cache = self._open_cache(root)
        analysis = self._analysis(root, files, checked, {}, cache, writes=False)
        fns = analysis.project.functions
        if cache is not None:
            cache.save()
        return fns


def shard_of(path: str, count: int) -> int:
    """The 0-based shard of a root-relative path among ``count`` (stable across runs and machines)."""
    return int(hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:12], 16) % count


def affected_paths(facts: Facts, changed: set[str]) -> set[str]:
    """The changed files plus those whose cross-file facts the changes can affect: the handler
    files of functions a changed deployment file declares (and the deployment files declaring
    a changed handler), every module run per invocation of such a function, and every module
    whose per-invocation reachability passes through a changed file."""
    out = set(changed)
    for fn in facts.project.functions:
        if fn.source_path in changed and fn.handler_path:
            out.add(fn.handler_path)
        if fn.handler_path in changed and fn.source_path:
            out.add(fn.source_path)
    for (path, _q), r in facts.reach.items():
        if r.function.source_path in changed or any(k[0] in changed for k in r.keys):
            out.add(path)
    return out
