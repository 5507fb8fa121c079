"""Import cost of each function at cold start, computed once per run.

For every deployed Function: its *import closure* (the handler module and the project modules it
imports at module scope, transitively, found through ``ProjectIndex.find_module``), the external
modules that closure imports, and an estimated cost from the import-cost table
(``sls_lint/data/import-costs.tsv``, overridable with the ``heavy-modules`` option), with the
import chain that brings each module in. Imports inside functions are lazy (they run when the
function runs, if ever) and ``if TYPE_CHECKING:`` imports never run: neither counts.

Also answers the question SLS501 asks: does *every* invocation of a function use a given
module-scope name (``always_uses``)? That walks the handler's body and the project functions it
calls, counting a use only where every path runs it (both arms of an ``if``, loop bodies as run,
``try`` bodies but not handlers, never lambda bodies or the arms of ``x if c else y``).

Rules get the per-run object with :func:`costs_for`; it is built on first use and cached on the
run's :class:`~sls_lint.callgraph.ProjectIndex`.
"""
from __future__ import annotations

import ast
import posixpath
import re
import sys
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

from .astindex import _speedups, nodes_of
from .core import Function
from .semantic import ModuleModel

DEFAULT_THRESHOLD_MS = 100.0
DEFAULT_BUDGET_MS = 1000.0


@dataclass(frozen=True)
class CostEntry:
    module: str
    ms: float
    source: str  # measured | published | estimate | option
    includes: tuple[str, ...] = ()


def _tsv_rows(name: str) -> list[dict[str, str]]:
    """Rows of a tab-separated table shipped in ``sls_lint/data`` (first non-comment line is the
    header; lines starting with '#' are comments)."""
    text = resources.files("sls_lint").joinpath(f"data/{name}").read_text("utf-8")
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        rows.append(dict(zip(header, cols)))
    return rows


@lru_cache(maxsize=1)
def base_table() -> dict[str, CostEntry]:
    """The shipped table: module -> entry (comment lines start with '#')."""
    table: dict[str, CostEntry] = {}
    for row in _tsv_rows("import-costs.tsv"):
        try:
            ms = float(row.get("median_ms") or 0)
        except ValueError:
            continue
        table[row["module"]] = CostEntry(row["module"], ms, row.get("source") or "measured", tuple((row.get("includes") or "").split()))
    return table


def table_with(overrides: Mapping[str, Any] | None) -> dict[str, CostEntry]:
    """The shipped table with the ``heavy-modules`` option applied: ``{"module": ms}``; 0 removes
    an entry; values that are not numbers are ignored."""
    table = dict(base_table())
    for name, value in (overrides or {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(name, str):
            continue
        if value <= 0:
            table.pop(name, None)
        else:
            old = table.get(name)
            table[name] = CostEntry(name, float(value), "option", old.includes if old else ())
    return table


def lookup(table: Mapping[str, CostEntry], dotted: str) -> CostEntry | None:
    """The entry for ``dotted`` or its nearest listed parent package (``pandas.io`` -> pandas)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        e = table.get(".".join(parts[:i]))
        if e is not None:
            return e
    return None


def _covers(prefixes: Iterable[str], name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class ImportEdge:
    """One module-scope import of a module: what it names and where it leads."""

    node: ast.Import | ast.ImportFrom
    dotted: str  # the module imported (for ``from a import b``: ``a.b`` when that is a module, else ``a``)
    local: str | None  # the name it binds (None for star imports)
    project_path: str | None  # the project file when it is a project module


@dataclass(frozen=True)
class Contributor:
    module: str  # the table entry
    ms: float  # what it adds (0 when an earlier, bigger import already loads it)
    source: str
    chain: tuple[str, ...]  # project paths from the handler module, then the imported module
    line: int  # line of the import in chain[-2]


@dataclass
class Closure:
    function: Function
    modules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # project path -> chain of paths
    contributors: list[Contributor] = field(default_factory=list)  # sorted by ms, biggest first

    @property
    def total_ms(self) -> float:
        return sum(c.ms for c in self.contributors)


def module_scope_imports(model: ModuleModel) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported (also inside module-level if/try/with and
    class bodies), not in functions and not under ``if TYPE_CHECKING:``."""
    # A statement sits only in the bodies of statements (and of except / case clauses), never in
    # an expression: an import runs at import time unless a function definition encloses it.
    # The module's imports come from its by-type index, each followed up its parents (a few
    # levels) instead of visiting every statement and its expressions.
    out: list[ast.Import | ast.ImportFrom] = []
    parents = model.parents
    skipped = model.type_checking_imports
    for kind in (ast.Import, ast.ImportFrom):
        for node in nodes_of(model, kind):
            if node in skipped:
                continue
            up = parents.get(node)
            while up is not None and up.__class__ not in _DEFINITIONS:
                up = parents.get(up)
            if up is None:
                out.append(node)
    out.sort(key=lambda n: (n.lineno, n.col_offset))
    return out


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class ImportCosts:
    """Per-run import facts (see the module docstring)."""

    def __init__(self, index, functions: Iterable[Function], table: Mapping[str, CostEntry], closures: dict[int, "Closure"] | None = None):
        """``closures``: computed already for these functions (the engine's facts), or None."""
        self.index = index
        self.functions = list(functions)
        self.table = table
        self._edges: dict[str, list[ImportEdge]] = {}
        self._closures: dict[int, Closure] | None = closures
        self._must: dict[tuple, bool] = {}
        self._by_target: dict[str, set[str]] = {}  # target path -> names absorbed modules take from it
        self._absorbed: set[str] = set()  # modules whose contributions are in _by_target
        self._mentions: dict[str, set[str]] | None = None  # word -> modules whose text has it
        self._named: dict[str, set[str]] = {}  # module name -> modules whose text can name it
        self._relative: set[str] | None = None  # modules with a relative import
        self._loading: dict[str, list[tuple[Function, tuple[str, ...]]]] | None = None
        self._edges_by_node: dict[str, dict[int, list[ImportEdge]]] = {}
        self._position: dict[int, int] | None = None

    # ------------------------------------------------------------------ imports
    def edges(self, path: str) -> list[ImportEdge]:
        if path in self._edges:
            return self._edges[path]
        out: list[ImportEdge] = []
        model = self.index.model(path)
        if model is not None:
            for node in module_scope_imports(model):
                if isinstance(node, ast.Import):
                    for a in node.names:
                        local = a.asname or a.name.split(".")[0]
                        out.append(ImportEdge(node, a.name, local, self._project(a.name, path)))
                        # `import a.b.c` also runs a/__init__ and a/b/__init__
                        parts = a.name.split(".")
                        for i in range(1, len(parts)):
                            pp = self._project(".".join(parts[:i]), path)
                            if pp is not None:
                                out.append(ImportEdge(node, ".".join(parts[:i]), None, pp))
                else:
                    base = model._resolve_from(node)
                    if not base:
                        continue
                    base_path = self._project(base, path)
                    if base_path is not None:
                        out.append(ImportEdge(node, base, None, base_path))
                    for a in node.names:
                        if a.name == "*":
                            if base_path is None:
                                out.append(ImportEdge(node, base, None, None))
                            continue
                        sub = f"{base}.{a.name}"
                        sub_path = self._project(sub, path)
                        local = a.asname or a.name
                        if sub_path is not None:
                            out.append(ImportEdge(node, sub, local, sub_path))
                        elif base_path is None:
                            # external: `from google.cloud import storage` costs google.cloud.storage
                            dotted = sub if _listed_below(self.table, sub) else base
                            out.append(ImportEdge(node, dotted, local, None))
        self._edges[path] = out
        return out

    def edges_of(self, path: str, node: ast.AST) -> list[ImportEdge]:
        """The edges of one import statement of ``path`` (``edges(path)`` filtered, same order)."""
        by_node = self._edges_by_node.get(path)
        if by_node is None:
            by_node = {}
            for e in self.edges(path):
                by_node.setdefault(id(e.node), []).append(e)
            self._edges_by_node[path] = by_node
        return by_node.get(id(node), [])

    def _project(self, dotted: str, importer: str) -> str | None:
        return self.index.find_module(dotted, importer)

    def reexported(self, path: str) -> set[str]:
        """Names of ``path`` that other project modules import from it or read as attributes of
        it (``*`` when some module star-imports it). Only modules that can name ``path`` are
        parsed: an import that resolves to ``pkg/db.py`` spells the word ``db`` (``from pkg
        import db``, ``import pkg.db``, ``from .db import x``) unless it is a relative import of
        a package (``from . import x``), so the candidates are the modules whose text has that
        name (:meth:`_named_by`; texts are read, never parsed for this) plus the modules with
        relative imports."""
        named_by = self._named_by(_stem(path))
        relative = self._relative_modules()
        # the result depends on these modules: recorded for the cache, also when absorbed before
        self.index.touch_many(named_by)
        self.index.touch_many(relative)
        names = self._by_target.get(path, set())
        return names if "*" not in names else _Everything()

    def _named_by(self, stem: str) -> set[str]:
        """The modules whose text can name a module called ``stem`` (a superset of those that
        do), absorbed into the by-target table when first asked. The first few names are looked
        up by substring (an editor's lint asks about one file); past that, a word index of every
        module's text answers (a whole-project run)."""
        found = self._named.get(stem)
        if found is None:
            if self._mentions is None and (len(self._named) >= _SUBSTRING_LOOKUPS or _WORDS_ATTR in self.index.__dict__):
                self._index_words()
            if self._mentions is not None and stem in self._mentions:
                found = self._mentions[stem]
            else:
                found = set()
                for other in self.index.paths:
                    text = self.index.source(other)
                    if text and stem in text:
                        found.add(other)
            self._named[stem] = found
            self._absorb(found)
        return found

    def _relative_modules(self) -> set[str]:
        """The modules with a relative import, absorbed into the by-target table when first asked."""
        if self._relative is None:
            self._relative = {p for p in self.index.paths if _RELATIVE_IMPORT.search(self.index.source(p) or "")}
            self._absorb(self._relative)
        return self._relative

    def _index_words(self) -> None:
        """The word index of the project's texts (:func:`word_index`); the result of every
        later question depends on all of them, as when the index is built here."""
        self._mentions = word_index(self.index)
        self.index.touch_many(self.index.paths)

    def _absorb(self, modules: Iterable[str]) -> None:
        """Add what each of ``modules`` takes from other project modules to the by-target table
        (each module once: any module that names a target is among its candidates, so the table
        holds, for every target whose candidates were absorbed, exactly their contributions)."""
        for other in sorted(modules):
            if other in self._absorbed:
                continue
            self._absorbed.add(other)
            for target, names in self._contributions(other).items():
                self._by_target.setdefault(target, set()).update(names)

    def _contributions(self, other: str) -> dict[str, set[str]]:
        """What module ``other`` takes from each project module it imports (see
        :func:`contributions`), from the index's memo when a process that parsed ``other``
        put it there (forked workers share them instead of parsing each other's modules)."""
        memo = contributions_memo(self.index)
        found = memo.get(other)
        if found is None:
            found = memo[other] = contributions(self.index, other)
        return found


    # ------------------------------------------------------------------ closures
    def closures(self) -> dict[int, Closure]:
        """Position in ``functions`` -> the function's import closure (for every function whose
        handler module parses)."""
        if self._closures is None:
            self._closures = {}
            for i, fn in enumerate(self.functions):
                if fn.handler_path and self.index.model(fn.handler_path) is not None:
                    self._closures[i] = self._closure(fn)
        return self._closures

    def adopt_into(self, index) -> None:
        """Make this the ImportCosts :func:`costs_for` returns for ``index``."""
        try:
            setattr(index, _ATTR, self)
        except AttributeError:  # pragma: no cover - an index without a __dict__
            _CACHE[index] = self

    def closure(self, fn: Function) -> Closure | None:
        if self._position is None:  # the Function (by identity) -> its position in functions
            self._position = {id(f): i for i, f in reversed(list(enumerate(self.functions)))}
        i = self._position.get(id(fn))
        return None if i is None else self.closures().get(i)

    def functions_loading(self, path: str) -> list[tuple[Function, tuple[str, ...]]]:
        """Functions whose import closure holds ``path``, with the chain that brings it in."""
        if self._loading is None:
            loading: dict[str, list[tuple[Function, tuple[str, ...]]]] = {}
            for i, c in self.closures().items():
                for p, chain in c.modules.items():
                    loading.setdefault(p, []).append((self.functions[i], chain))
            self._loading = loading
        return list(self._loading.get(path, ()))

    def _closure(self, fn: Function) -> Closure:
        start = fn.handler_path
        assert start is not None
        c = Closure(fn)
        c.modules[start] = (start,)
        queue = [start]
        external: dict[str, tuple[CostEntry, tuple[str, ...], int]] = {}
        while queue:
            path = queue.pop(0)
            chain = c.modules[path]
            for e in self.edges(path):
                if e.project_path is not None:
                    if e.project_path not in c.modules:
                        c.modules[e.project_path] = chain + (e.project_path,)
                        queue.append(e.project_path)
                    continue
                entry = lookup(self.table, e.dotted)
                if entry is None or entry.module in external:
                    continue
                external[entry.module] = (entry, chain + (e.dotted,), e.node.lineno)
        counted: list[CostEntry] = []
        for entry, chain, line in sorted(external.values(), key=lambda t: (-t[0].ms, t[0].module)):
            covered = any(_covers((big.module,) + big.includes, entry.module) or entry.module.startswith(big.module + ".") for big in counted)
            # a listed parent package is loaded by its listed submodule (sklearn by sklearn.ensemble)
            covered = covered or any(big.module.startswith(entry.module + ".") for big in counted)
            c.contributors.append(Contributor(entry.module, 0.0 if covered else entry.ms, entry.source, chain, line))
            if not covered:
                counted.append(entry)
        c.contributors.sort(key=lambda x: (-x.ms, x.module))
        return c

    # ------------------------------------------------------------------ "always used"
    def always_uses(self, fn: Function, path: str, uses: frozenset[int]) -> bool:
        """Every invocation of ``fn`` evaluates one of the Name nodes ``uses`` (ids) of module
        ``path``: each of the function's entry points must, on every path through its body and
        the project functions it calls."""
        keys = self.index.handler_keys(fn)
        if not keys:
            return True  # unknown entry point: do not claim anything
        return all(self._must_key(k, path, uses, ()) for k in keys)

    def _must_key(self, key: tuple[str, str], path: str, uses: frozenset[int], stack: tuple) -> bool:
        memo = (key, path, uses)
        if memo in self._must:
            return self._must[memo]
        if key in stack or len(stack) > 40:
            return False
        model = self.index.model(key[0])
        info = model.by_qualname.get(key[1]) if model is not None else None
        if info is None or info.is_cached:
            result = False
        else:
            walker = _MustWalker(self, model, path, uses, stack + (key,))
            result = walker.block(info.node.body)
        self._must[memo] = result
        return result


def _stem(path: str) -> str:
    """The name an import spells for the module at ``path`` (``pkg/db.py`` and ``db/__init__.py``: ``db``)."""
    base = posixpath.basename(path)
    return posixpath.basename(posixpath.dirname(path)) if base == "__init__.py" else base[:-3] if base.endswith(".py") else base


_WORDS_ATTR = "_sls_words"


def word_index(index) -> dict[str, set[str]]:
    """For the stem of every project module: the modules whose text has it as a word (a
    maximal run of word characters), kept on ``index`` (a forked worker gets its parent's, see
    :func:`adopt_word_index`). With the C extension each text's words are looked up in one
    pass (``_speedups.token_matcher(stems, words=True)``). Without it (or with a non-ASCII
    stem): a word never spans whitespace, so the text's words are those of its
    whitespace-separated chunks, and the chunks (``import``, ``from``, ``db.get_client()``)
    recur across modules: each distinct chunk is split into words once. A stem that is no
    project module's (never asked in practice) is not in the index, and
    :meth:`ImportCosts._named_by` scans the texts for it."""
    found = index.__dict__.get(_WORDS_ATTR)
    if found is None:
        found = index.__dict__[_WORDS_ATTR] = _build_word_index(index)
    return found


def _build_word_index(index) -> dict[str, set[str]]:
    mentions: dict[str, set[str]] = {_stem(p): set() for p in index.paths}
    if _speedups is not None and all(s.isascii() for s in mentions):
        # one pass over each text finds every stem that occurs as a word (a stem that is no
        # word, ``my-module``, never does)
        matcher = _speedups.token_matcher(tuple(s for s in mentions if _WORD.fullmatch(s)), True)
        for other in sorted(index.paths):
            text = index.source(other)
            if text:
                for stem in _speedups.find_tokens(matcher, text):
                    mentions[stem].add(other)
        return mentions
    chunks: dict[str, tuple[str, ...]] = {}

    def stems_in(chunk: str) -> tuple[str, ...]:  # the module stems among a chunk's words
        return tuple(w for w in set(_WORDS(chunk)) if w in mentions)

    for other in sorted(index.paths):
        text = index.source(other)
        if not text:
            continue
        if _speedups is not None:  # the same loop in C
            hits = _speedups.chunk_tokens(text, chunks, stems_in, sys.maxsize)
        else:
            hits = set()
            for chunk in set(text.split()):
                hit = chunks.get(chunk)
                if hit is None:
                    hit = chunks[chunk] = stems_in(chunk)
                hits.update(hit)
        for word in hits:
            mentions[word].add(other)
    return mentions


def adopt_word_index(index, mentions: dict[str, set[str]]) -> None:
    """Give ``index`` the :func:`word_index` another process built over the same texts: the
    re-export questions are then answered from it from the first one on."""
    index.__dict__.setdefault(_WORDS_ATTR, mentions)


def contributions_memo(index) -> dict[str, dict[str, set[str]]]:
    """path -> :func:`contributions` of that module, kept on ``index``."""
    memo = index.__dict__.get("_sls_contributions")
    if memo is None:
        memo = index.__dict__["_sls_contributions"] = {}
    return memo


def contributions(index, other: str) -> dict[str, set[str]]:
    """What module ``other`` takes from each project module it imports: target path -> names
    imported from it or read as attributes of it. A pure function of the module and the
    project's module paths."""
    out: dict[str, set[str]] = {}
    model = index.model(other)
    if model is None:
        return out
    for n in nodes_of(model, ast.ImportFrom):
        base = model._resolve_from(n)
        target = index.find_module(base, other) if base else None
        if target is None or target == other:
            continue
        bucket = out.setdefault(target, set())
        for a in n.names:
            bucket.add(a.name)
    wanted: dict[str, list[set[str]]] = {}  # local name of an imported project module -> buckets
    for n in nodes_of(model, ast.Import):
        for a in n.names:
            target = index.find_module(a.name, other)
            if target is None or target == other:
                continue
            local = a.asname or a.name
            wanted.setdefault(local, []).append(out.setdefault(target, set()))
    if wanted:
        for local, attrs in _attributes_read(model, wanted).items():
            for bucket in wanted[local]:
                bucket.update(attrs)
    return out


def _attributes_read(model: ModuleModel, wanted: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each name in ``wanted`` (a module's local name, maybe dotted: ``import a.b``): the
    attributes read from it, ``x`` of every ``<name>.x`` whose object's source text is exactly the
    name (as ``model.node_text(attr.value) == name``)."""
    out: dict[str, set[str]] = {}
    lines: list[str] | None = None
    for m in nodes_of(model, ast.Attribute):
        value = m.value
        # source text equal to a (normalised) dotted name means the node is that dotted name
        dotted = _dotted(value)
        if dotted is None or dotted not in wanted:
            continue
        if lines is None:
            lines = _splitlines_no_ff(model.source)
        if _segment(lines, value) == dotted:
            out.setdefault(dotted, set()).add(m.attr)
    return out


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _splitlines_no_ff(source: str) -> list[str]:
    """Lines as ``ast.get_source_segment`` splits them (only \\r\\n, \\r and \\n end a line)."""
    return _LINE.findall(source)


_WORD = re.compile(r"\w+")
_WORDS = _WORD.findall
_SUBSTRING_LOOKUPS = 2  # module names looked up by substring before the word index (one pass per text) is built
_RELATIVE_IMPORT = re.compile(r"from[\s\\]+\.")  # a superset (also `xfrom .`, strings, comments); no \b: the literal prefix makes the search fast
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _segment(lines: list[str], node: ast.AST) -> str:
    """``ast.get_source_segment(source, node) or ""`` with the lines split once."""
    try:
        if node.end_lineno is None or node.end_col_offset is None:  # type: ignore[attr-defined]
            return ""
        lineno, end_lineno = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
        col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    except AttributeError:
        return ""
    if end_lineno == lineno:
        return lines[lineno].encode()[col:end_col].decode() or ""
    first = lines[lineno].encode()[col:].decode()
    last = lines[end_lineno].encode()[:end_col].decode()
    return "".join([first, *lines[lineno + 1:end_lineno], last]) or ""


class _Everything(set):
    def __contains__(self, item: object) -> bool:
        return True


def _listed_below(table: Mapping[str, CostEntry], dotted: str) -> bool:
    return dotted in table or any(k.startswith(dotted + ".") for k in table)


class _MustWalker:
    """Does a block always evaluate one of the target uses (directly or through calls)?"""

    def __init__(self, costs: ImportCosts, model: ModuleModel, path: str, uses: frozenset[int], stack: tuple):
        self.costs = costs
        self.model = model
        self.path = path
        self.uses = uses if model.path == path else frozenset()
        self.target_path = path
        self.all_uses = uses
        self.stack = stack

    def block(self, stmts: list[ast.stmt]) -> bool:
        return any(self.stmt(s) for s in stmts)

    def stmt(self, s: ast.stmt) -> bool:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return any(self.expr(d) for d in s.decorator_list) or any(self.expr(d) for d in s.args.defaults + [d for d in s.args.kw_defaults if d is not None])
        if isinstance(s, ast.ClassDef):
            return any(self.expr(d) for d in s.decorator_list + s.bases) or self.block(s.body)
        if isinstance(s, ast.If):
            return self.expr(s.test) or (bool(s.orelse) and self.block(s.body) and self.block(s.orelse))
        if isinstance(s, (ast.For, ast.AsyncFor)):
            return self.expr(s.iter) or self.block(s.body)
        if isinstance(s, ast.While):
            return self.expr(s.test) or self.block(s.body)
        if isinstance(s, (ast.With, ast.AsyncWith)):
            return any(self.expr(i.context_expr) for i in s.items) or self.block(s.body)
        if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            return self.block(s.body) or self.block(s.orelse) or self.block(s.finalbody)
        if type(s).__name__ == "Match":
            return self.expr(s.subject)  # type: ignore[attr-defined]
        return any(self.expr(c) for c in ast.iter_child_nodes(s) if isinstance(c, ast.expr))

    def expr(self, e: ast.AST) -> bool:
        if isinstance(e, ast.Name):
            return id(e) in self.uses
        if isinstance(e, ast.Lambda):
            return any(self.expr(d) for d in e.args.defaults)
        if isinstance(e, ast.IfExp):
            return self.expr(e.test) or (self.expr(e.body) and self.expr(e.orelse))
        if isinstance(e, ast.BoolOp):
            return self.expr(e.values[0])
        if isinstance(e, ast.Call):
            if any(self.expr(c) for c in ast.iter_child_nodes(e)):
                return True
            return self.call(e)
        return any(self.expr(c) for c in ast.iter_child_nodes(e) if not isinstance(c, ast.stmt))

    def call(self, call: ast.Call) -> bool:
        name = self.model.call_name(call)
        if not name:
            return False
        target = self.costs.index.resolve(name, self.model.path)
        if target is None:
            return False
        return self.costs._must_key(target, self.target_path, self.all_uses, self.stack)


_CACHE: "weakref.WeakKeyDictionary[Any, ImportCosts]" = weakref.WeakKeyDictionary()  # indexes without a __dict__ only
_ATTR = "_sls_import_costs"


def costs_for(ctx) -> ImportCosts:
    """The run's ImportCosts (built once per analysis, on the run's ProjectIndex).

    Kept on the index itself: an ImportCosts holds its index, so as a value of a module-level
    WeakKeyDictionary it kept every analysis (all its parsed modules) alive for the life of the
    process (the LSP grew ~3 MB a keystroke)."""
    index = ctx.index
    found = getattr(index, _ATTR, None)
    if found is None:
        found = _CACHE.get(index)
    if found is None:
        try:
            overrides = ctx.option("heavy-modules")
        except KeyError:
            overrides = None
        # the engine computed the closures with the project model (a worker process, or a run
        # with cached facts, gets them without parsing every handler module again)
        table = table_with(overrides if isinstance(overrides, Mapping) else None)
        found = ImportCosts(index, ctx.project.functions, table, getattr(ctx, "import_closures", None))
        found.adopt_into(index)
    return found


def threshold_ms(ctx) -> float:
    try:
        value = ctx.option("heavy-import-threshold-ms")
    except KeyError:
        return DEFAULT_THRESHOLD_MS
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else DEFAULT_THRESHOLD_MS


def describe_chain(chain: tuple[str, ...]) -> str:
    return " → ".join(chain)


# --------------------------------------------------------------------------- narrowing (SLS503)
@dataclass(frozen=True)
class NarrowRow:
    """One row of ``data/narrow-imports.tsv``: importing ``heavy`` where ``alternative`` would do.

    same: name of ``heavy`` -> dotted name of the very same object in a lighter module (safe to
    rewrite); similar: name -> a replacement doing the same job (advice only)."""

    heavy: str
    alternative: str
    same: tuple[tuple[str, str], ...]
    similar: tuple[tuple[str, str], ...]
    heavy_ms: float
    alt_ms: float
    source: str
    measured_with: str

    @property
    def saving_ms(self) -> float:
        return self.heavy_ms - self.alt_ms


def _pairs(row: dict[str, str], field: str) -> tuple[tuple[str, str], ...]:
    """``a=x b=y`` -> (("a", "x"), ("b", "y"))."""
    return tuple((k, v) for k, _, v in (p.partition("=") for p in (row.get(field) or "").split()) if v)


@lru_cache(maxsize=1)
def narrow_table() -> tuple[NarrowRow, ...]:
    """The shipped narrow-import table (comment lines start with '#')."""
    rows: list[NarrowRow] = []
    for row in _tsv_rows("narrow-imports.tsv"):
        try:
            rows.append(NarrowRow(row["heavy"], row["alternative"], _pairs(row, "same"), _pairs(row, "similar"), float(row["heavy_ms"]),
                                  float(row["alt_ms"]), row.get("source") or "measured", row.get("measured_with") or ""))
        except (KeyError, ValueError):
            continue
    return tuple(rows)
