"""The result cache: per-file results and the project's cross-file facts, kept between runs.

Where
    ``<cache-dir>/`` (config ``cache-dir``; default ``.sls-lint-cache`` beside the config file,
    or in the project root), one file per (tool build, resolved config, project root, rule set).
    The folder holds a ``.gitignore`` with ``*`` and a ``CACHEDIR.TAG``; ``sls-lint clean``
    removes it; ``--no-cache`` neither reads nor writes it.

What is kept, and when it is reused
    * **Facts** (the project model, per-invocation reachability and the project-level findings)
      with the content hash of every file they were computed from: the deployment files, the
      Python modules the project model and the call graph read, and the side files the model may
      consult (``cdk.json``, ``host.json``, ``function.json``, ``.chalice/config.json``). Reused
      only when the set of discovered files, the set of checked files and every one of those
      hashes are unchanged: editing any file the facts depend on invalidates them.
    * **Per-file results** (the findings of one file after suppressions and per-file ignores),
      keyed by the file's content hash, the digest of the facts that file sees (the functions,
      the reachability of its own functions, the deployment documents and the project-level
      findings on it) and the content hash of every other module its rules looked into.

    The cache file's name already covers the tool build (the version plus a hash of every
    source file of the installed package, so a development checkout never reads a stale entry
    and a fresh install of the same release reuses it), ``Config.digest()``, the project root
    and the enabled rules.

Format
    One file: an index (JSON: file status, keys, dependencies) followed by the stored values
    back to back, each a JSON text written by a closed codec (:func:`encode` / :func:`loads`):
    only plain data and a fixed list of sls-lint's own dataclasses and enums can be read back.
    A warm run parses the index and then decodes only the values it uses. The cache lives in
    the user's working tree, so nothing in it can ever make sls-lint run code (no pickle). A
    cache file that cannot be read is ignored (and rewritten), never an error; the newest
    ``KEEP_FILES`` cache files of a folder are kept.
"""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import shutil
import tempfile
import time
from functools import lru_cache
from typing import Any, Iterable, Mapping

DEFAULT_DIR = ".sls-lint-cache"
# 2: entries are JSON texts decoded by json's C parser (object_hook); class fields as pairs
# 3: class fields by position; the facts stored part by part (each decoded when first read)
# 4: dependency tables stored once each ("depsets": positions in a table of (path, hash) pairs);
#    file and facts entries refer to them by position; findings and fix intents as flat arrays
FORMAT = 4
MAX_FACTS_ENTRIES = 4
# a recorded file status is trusted only when the file's ctime is older than the recording by
# this much (filesystem timestamps are coarse: a write in the same tick keeps mtime and ctime)
RACY_NS = 2_000_000_000
SIDE_FILES = ("cdk.json", "host.json", "function.json", ".chalice/config.json")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by sls-lint.\n"


class Unencodable(Exception):
    """A value outside the codec: the entry holding it is simply not cached."""


class _Classes(dict):
    """Name -> class of the codec; the import-closure classes are imported on first use (a
    warm run decodes findings, never closures, and need not import importcost)."""

    severities: dict[str, Any]
    applicabilities: dict[str, Any]

    def __missing__(self, name: str) -> type:
        if name not in ("Closure", "Contributor"):
            raise KeyError(name)
        from .importcost import Closure, Contributor

        self.update(Closure=Closure, Contributor=Contributor)
        return self[name]

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[name]
        except KeyError:
            return default


@lru_cache(maxsize=1)
def _classes() -> dict[str, type]:
    from .callgraph import Reach
    from .core import Applicability, Diagnostic, FixIntent, Function, Severity, Span, TextEdit, Trigger
    from .inline import InlineModule
    from .project.model import DeploymentDoc, Project, Tagged

    found = _Classes({c.__name__: c for c in (Reach, Applicability, Diagnostic, FixIntent, Function, Severity, Span, TextEdit, Trigger, DeploymentDoc, Project, Tagged, InlineModule)})
    found.severities = {m.value: m for m in Severity}  # for the compact Diagnostic / FixIntent forms
    found.applicabilities = {m.value: m for m in Applicability}
    return found


def encode(value: Any) -> Any:
    """Plain JSON for a value made of JSON scalars, lists, tuples, dicts (any hashable keys of
    these kinds) and the dataclasses/enums in :func:`_classes`; :class:`Unencodable` otherwise."""
    if isinstance(value, enum.Enum):  # before str: Severity and Applicability are str enums
        name = type(value).__name__
        if _classes().get(name) is not type(value):
            raise Unencodable(name)
        return {"e": name, "v": value.value}
    t = type(value)  # exact types only: a subclass would not come back as itself
    if value is None or t is bool or t is str or t is int:
        return value
    if t is float:
        if value != value or value in (float("inf"), float("-inf")):
            return {"f": repr(value)}
        return value
    if t is list:
        return [encode(v) for v in value]
    if t is tuple:
        return {"t": [encode(v) for v in value]}
    if t is dict:
        if value and all(type(k) is tuple and type(v) is tuple and _flat(k) and _flat(v) for k, v in value.items()):
            # position tables (key path -> (line, column)): plain arrays, no tagged object each
            flat: list = []
            for k, v in value.items():
                flat.append(list(k))
                flat.append(list(v))
            return {"m": flat}
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        classes = _classes()
        if classes.get(name) is not type(value):
            raise Unencodable(name)
        if name == "Diagnostic" and type(value.severity) is classes["Severity"] and type(value.span) is classes["Span"]:
            # the most frequent value by far (every finding of every file): one flat array, one
            # object for the JSON decoder to hand back instead of four
            sp = value.span
            return {"D": [encode(value.code), encode(value.name), value.severity.value, encode(value.path), encode(sp.line), encode(sp.column),
                          encode(sp.end_line), encode(sp.end_column), encode(value.message), encode(value.function), encode(value.fix),
                          encode(value.fingerprint_source)]}
        if name == "FixIntent" and type(value.applicability) is classes["Applicability"] and _pairs_of(value.params) \
                and (value.target is None or type(value.target) is classes["Span"]):
            sp = value.target
            return {"F": [encode(value.kind), encode(value.title), value.applicability.value,
                          None if sp is None else [encode(sp.line), encode(sp.column), encode(sp.end_line), encode(sp.end_column)],
                          [[k, encode(v)] for k, v in value.params]]}
        names, positional = _init_fields(t)
        if positional:  # the constructor's arguments in order: decoded with cls(*values)
            return {"c": name, "p": [encode(getattr(value, n)) for n in names]}
        return {"c": name, "a": [[n, encode(getattr(value, n))] for n in names]}
    raise Unencodable(type(value).__name__)


_SCALARS = (str, int, bool, type(None))


def _pairs_of(params: Any) -> bool:
    """Whether ``params`` is a tuple of (str, value) pairs (a FixIntent's, as always)."""
    return type(params) is tuple and all(type(p) is tuple and len(p) == 2 and type(p[0]) is str for p in params)


def _diagnostic(fields: list) -> Any:
    c = _classes()
    code, name, severity, path, line, column, end_line, end_column, message, function, fix, source = fields
    return c["Diagnostic"](code, name, c.severities[severity], path, c["Span"](line, column, end_line, end_column), message, function, fix, source)


def _fix_intent(fields: list) -> Any:
    c = _classes()
    kind, title, applicability, target, params = fields
    span = None if target is None else c["Span"](*target)
    return c["FixIntent"](kind, title, c.applicabilities[applicability], span, tuple((k, v) for k, v in params))


def _flat(items: tuple) -> bool:
    """Whether a tuple holds only JSON scalars that come back as themselves."""
    return all(type(x) in _SCALARS or (type(x) is float and x - x == 0) for x in items)


def _pairs(flat: list) -> dict:
    it = iter(flat)
    return {tuple(k): tuple(v) for k, v in zip(it, it)}


@lru_cache(maxsize=None)
def _init_fields(cls: type) -> tuple[tuple[str, ...], bool]:
    """The names of a dataclass's constructor arguments, and whether all are positional."""
    fields = [f for f in dataclasses.fields(cls) if f.init]
    return tuple(f.name for f in fields), not any(getattr(f, "kw_only", False) is True for f in fields)


def _fields(a: Any) -> Any:
    return a.items() if isinstance(a, dict) else a


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "D" in data:
        return _diagnostic([decode(v) for v in data["D"]])
    if "F" in data:
        kind, title, applicability, target, params = data["F"]
        return _fix_intent([decode(kind), decode(title), applicability, target, [(k, decode(v)) for k, v in params]])
    if "t" in data:
        return tuple(decode(v) for v in data["t"])
    if "d" in data:
        return {_key(decode(k)): decode(v) for k, v in data["d"]}
    if "m" in data:
        return _pairs(data["m"])
    if "c" in data:
        cls = _classes()[data["c"]]
        if "p" in data:
            return cls(*[decode(v) for v in data["p"]])
        return cls(**{k: decode(v) for k, v in _fields(data["a"])})
    if "e" in data:
        return _classes()[data["e"]](data["v"])
    if "f" in data:
        return float(data["f"])
    raise ValueError("bad cache value")


def _hook(data: dict) -> Any:
    """:func:`decode` for one JSON object whose members are decoded already (``json``'s
    ``object_hook`` runs bottom-up): every object of an encoded value is a tagged one."""
    fields = data.get("D")
    if fields is not None:  # the most frequent kind first
        return _diagnostic(fields)
    fields = data.get("F")
    if fields is not None:
        return _fix_intent(fields)
    name = data.get("c")
    if name is not None:
        cls = _classes()[name]
        values = data.get("p")
        if values is not None:
            return cls(*values)
        return cls(**dict(_fields(data["a"])))
    if "t" in data:
        return tuple(data["t"])
    if "e" in data:
        return _classes()[data["e"]](data["v"])
    if "d" in data:
        return {_key(k): v for k, v in data["d"]}
    if "m" in data:
        return _pairs(data["m"])
    if "f" in data:
        return float(data["f"])
    raise ValueError("bad cache value")


def dumps(value: Any) -> str:
    """The stored text of a value (:class:`Unencodable` when it cannot be stored)."""
    return json.dumps(encode(value), separators=(",", ":"))


_DECODER = json.JSONDecoder(object_hook=_hook)  # one decoder: json.loads would build one per call


def loads(text: str | bytes) -> Any:
    """A value back from :func:`dumps` (json's C parser; ~5x faster than :func:`decode`)."""
    if type(text) is bytes:
        if text == b"[]":  # most files have no finding
            return []
        text = text.decode("utf-8")
    elif type(text) is not str:
        raise TypeError("bad cache entry")
    return _DECODER.decode(text)


def _key(value: Any) -> Any:
    if isinstance(value, list):  # cannot happen for keys we wrote; keep decode total
        return tuple(value)
    return value


def roundtrip(value: Any) -> Any:
    """``encode`` then ``decode``: what a later run will read back (raises Unencodable)."""
    return loads(dumps(value))


def sha(data: str | bytes | None) -> str | None:
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def file_status(path: str) -> list | None:
    """[mtime_ns, ctime_ns, size, inode, device] of a regular file (None: missing or not a file)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not (st.st_mode & 0o170000) == 0o100000:
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev]


# folder (absolute, as discovery walked it) -> (its names, their lower-case forms) when the latest
# discovery listed it. Every engine run walks its whole root before asking, so a folder the run
# asks about was listed by that run; a name missing from the listing is taken as missing without
# a failed open() per side file and folder (a file created after the walk counts as created after
# the run, as it would a moment later anyway).
_LISTINGS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def note_listing(folder: str, names: Iterable[str]) -> None:
    """Discovery saw exactly ``names`` in ``folder`` just now."""
    names = frozenset(names)
    _LISTINGS[folder] = (names, frozenset(n.lower() for n in names))


def listed_names(folder: str) -> frozenset[str] | None:
    """The names discovery last saw in ``folder`` (None: not listed)."""
    found = _LISTINGS.get(folder)
    return None if found is None else found[0]


def _surely_missing(path: str) -> bool:
    folder, name = os.path.split(path)
    found = _LISTINGS.get(folder)
    if found is None:  # ``.chalice/config.json`` where the listed folder has no ``.chalice``
        folder, name = os.path.split(folder)
        found = _LISTINGS.get(folder)
    # on a case-insensitive file system ``CDK.json`` opens as ``cdk.json``: only a name that is
    # absent in every spelling is missing for sure
    return found is not None and name.lower() not in found[1]


def file_sha(path: str) -> str | None:
    """Content hash of a file outside the discovered set (None when it does not exist)."""
    if _surely_missing(path):
        return None
    try:
        with open(path, "rb") as fh:
            return sha(fh.read())
    except OSError:
        return None


@lru_cache(maxsize=None)
def _package_files(package: str) -> tuple[tuple[str, int, bytes], ...]:
    """(path relative to the package folder, size, sha256) of each source and data file of
    ``package`` (its sub-packages included), in a stable order; read once per process."""
    import importlib.util

    spec = importlib.util.find_spec(package)  # its folders, without running its __init__
    out = []
    for base in (spec.submodule_search_locations or []) if spec is not None else []:
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json", ".tsv")):
                    full = os.path.join(folder, name)
                    try:
                        with open(full, "rb") as fh:
                            data = fh.read()
                    except OSError:
                        continue
                    out.append((os.path.relpath(full, base), len(data), hashlib.sha256(data).digest()))
    return tuple(out)


def _digest_into(h: Any, package: str) -> None:
    for rel, size, digest in _package_files(package):
        h.update(f"{rel}:{size}\n".encode())
        h.update(digest)


@lru_cache(maxsize=None)
def package_digest(package: str) -> str:
    """A digest of the content of every source file of one package (``sls_lint.rules``)."""
    h = hashlib.sha256()
    _digest_into(h, package)
    return h.hexdigest()


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """The version plus the content of every source file of the installed package (contents,
    not mtimes: a fresh install of the same release in CI keeps the cache valid)."""
    from . import __version__

    h = hashlib.sha256(__version__.encode())
    for package in ("sls_lint", "sls_lint.rules", "sls_lint.fixers"):
        _digest_into(h, package)
    return h.hexdigest()


@lru_cache(maxsize=1)
def _pin_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from .ruleindex import indexed_pin_names

    found = indexed_pin_names()  # from the rule index while it matches the rules: no import
    if found is not None:
        return found
    try:
        from sls_lint.rules.timeouts._pins import _LOCKS, _SPECS

        return tuple(_LOCKS), tuple(_SPECS)
    except ImportError:  # pragma: no cover - the rule moved: still key on the usual names
        return ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"), ("requirements.txt", "requirements.in", "pyproject.toml", "Pipfile")


def is_pin_file(name: str) -> bool:
    """A lock or requirements file a rule reads a version pin from (``requirements*.txt`` too)."""
    locks, specs = _pin_names()
    return name in locks or name in specs or (name.startswith("requirements") and name.endswith(".txt") and len(name) >= 16)


def pin_files_digest(folder: str, parent: str = "") -> str:
    """A digest of the pin files directly in ``folder`` (names and contents), chained to the
    digest of the folder above (``parent``); "" when neither holds any."""
    listed = listed_names(folder)
    if listed is not None:
        names = sorted(n for n in listed if is_pin_file(n))
    else:
        try:
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it if is_pin_file(e.name))
        except OSError:
            names = []
    if not names:
        return parent
    h = hashlib.sha256(parent.encode())
    for name in names:
        h.update(f"{name}\0{file_sha(os.path.join(folder, name))}\n".encode())
    return h.hexdigest()[:32]


def default_dir(config_root: str, cache_dir: str | None) -> str:
    return cache_dir or os.path.join(config_root, DEFAULT_DIR)


class Cache:
    """One cache file: per-file entries and a few facts entries (see the module docstring)."""

    def __init__(self, directory: str, key_parts: Iterable[str]):
        self.directory = directory
        key = hashlib.sha256("\0".join([str(FORMAT), tool_fingerprint(), *key_parts]).encode()).hexdigest()[:32]
        self.path = os.path.join(directory, f"{key}.cache")
        self.files: dict[str, dict] = {}
        self.facts: dict[str, dict] = {}
        self.derived: dict[str, dict] = {}
        self.stats: dict[str, list] = {}
        self.memos: dict[str, dict[str, list]] = {}
        self._statuses: dict[str, list | None] = {}  # full path -> file_status, taken this run
        self.dirty = False
        self._load()

    def _load(self) -> None:
        data = _read_payload(self.path)
        if data is not None:
            self.files, self.facts, self.derived, self.stats, self.memos = data["files"], data["facts"], data["derived"], data["stats"], data["memos"]

    # ------------------------------------------------------------------ content hashes by file status
    def status_of(self, full_path: str) -> list | None:
        """:func:`file_status`, taken once per run (a Cache lives for one run): the inline-code
        scan and the content hashes both ask for every file's status."""
        if full_path not in self._statuses:
            self._statuses[full_path] = file_status(full_path)
        return self._statuses[full_path]

    def trusted_sha(self, path: str, status: list) -> str | None:
        """The content hash recorded for ``path`` when its status (mtime, ctime, size, inode,
        device: :func:`file_status`) is unchanged and was not racy when recorded; None: read it.
        Any write to a file changes its ctime (which no tool can set back), so a file whose
        status matches has the recorded content."""
        entry = self.stats.get(path)
        if not entry or len(entry) != 7 or entry[:5] != status or not entry[1] < entry[6] - RACY_NS:
            return None
        return entry[5] if isinstance(entry[5], str) else None

    def record_sha(self, path: str, status: list, content_sha: str) -> None:
        """Record the hash of content read after ``status`` was taken (a change after the
        status was taken changes the status, so the record can only be too cautious)."""
        entry = [*status, content_sha, time.time_ns()]
        old = self.stats.get(path)
        if old is not None and old[:6] == entry[:6] and old[1] < old[6] - RACY_NS:
            return
        self.stats[path] = entry
        self.dirty = True

    def trusted_memo(self, kind: str, path: str, status: list | None) -> Any:
        """A plain value recorded (:meth:`record_memo`) about ``path``'s content while its status
        is unchanged and was not racy when recorded; None otherwise. For cheap facts about a
        file (``kind`` names them) that spare reading it on a warm run."""
        entry = self.memos.get(kind, {}).get(path) if status is not None else None
        if not entry or len(entry) != 7 or entry[:5] != status or not entry[1] < entry[5] - RACY_NS:
            return None
        return entry[6]

    def record_memo(self, kind: str, path: str, status: list | None, value: Any) -> None:
        """Record ``value`` (JSON scalars), derived from the content read after ``status`` was
        taken (a change after that changes the status: the record can only be too cautious)."""
        if status is None:
            return
        old = self.memos.get(kind, {}).get(path)
        if old is not None and len(old) == 7 and old[:5] == status and old[6] == value and old[1] < old[5] - RACY_NS:
            return
        self.memos.setdefault(kind, {})[path] = [*status, time.time_ns(), value]
        self.dirty = True

    # ------------------------------------------------------------------ per-file results
    def get_file(self, path: str, content_sha: str, facts_digest: str, current_sha, seen: dict | None = None) -> list | None:
        """The stored findings of ``path`` when its key still matches; ``current_sha(p)`` gives
        the content hash of another file now (for the modules its rules looked into). ``seen``:
        the caller's memo of dependency tables already checked against the same ``current_sha``
        (files of one service share a handful of tables, read back as one object each)."""
        entry = self.files.get(path)
        if not entry or entry.get("sha") != content_sha or entry.get("facts") != facts_digest:
            return None
        deps = entry.get("deps", {})
        known = seen.get(id(deps)) if seen is not None else None
        if known is not None and known[0] is deps:  # the object is held there: its id is not reused
            ok = known[1]
        else:
            ok = all(current_sha(dep) == dep_sha for dep, dep_sha in deps.items())
            if seen is not None:
                seen[id(deps)] = (deps, ok)
        if not ok:
            return None
        try:
            return loads(entry["diags"])
        except (KeyError, TypeError, ValueError):
            return None

    def put_file(self, path: str, content_sha: str, facts_digest: str, deps: Mapping[str, str | None], diags: list) -> None:
        try:
            encoded = dumps(diags)
        except Unencodable:
            self.files.pop(path, None)
            return
        self.files[path] = {"sha": content_sha, "facts": facts_digest, "deps": dict(deps), "diags": encoded}
        self.dirty = True

    # ------------------------------------------------------------------ facts
    def get_facts(self, key: str, current_sha) -> Mapping[str, Any] | None:
        """The facts stored under ``key`` while every file they depend on is unchanged: a
        mapping whose parts are decoded when first read (a part that cannot be read back
        raises KeyError, as a missing one does)."""
        entry = self.facts.get(key)
        if not entry or not isinstance(entry.get("parts"), dict):
            return None
        for dep, dep_sha in entry.get("deps", {}).items():
            if current_sha(dep) != dep_sha:
                return None
        return StoredParts(entry["parts"])

    def put_facts(self, key: str, deps: Mapping[str, str | None], value: dict) -> bool:
        try:
            encoded = {k: dumps(v) for k, v in value.items()}
        except Unencodable:
            self.facts.pop(key, None)
            return False
        self.facts.pop(key, None)
        self.facts[key] = {"deps": dict(deps), "parts": encoded}
        while len(self.facts) > MAX_FACTS_ENTRIES:
            self.facts.pop(next(iter(self.facts)))
        self.dirty = True
        return True

    # ------------------------------------------------------------------ other derived data
    def get_derived(self, kind: str, key: str) -> Any:
        """A value another stage stored under ``key`` (a content hash of its inputs), or None.
        For work done before the analysis that must not be redone on a warm run (e.g. finding
        handler code inline in deployment files)."""
        entry = self.derived.get(kind, {}).get(key)
        if entry is None:
            return None
        try:
            return loads(entry)
        except (KeyError, TypeError, ValueError):
            return None

    def put_derived(self, kind: str, key: str, value: Any, *, keep: int = MAX_FACTS_ENTRIES) -> bool:
        """Store ``value`` (plain data or sls-lint's own dataclasses) under ``key``; the latest
        ``keep`` keys per kind are kept."""
        try:
            encoded = dumps(value)
        except Unencodable:
            return False
        table = self.derived.setdefault(kind, {})
        table.pop(key, None)
        table[key] = encoded
        while len(table) > keep:
            table.pop(next(iter(table)))
        self.dirty = True
        return True

    # ------------------------------------------------------------------ disk
    def save(self) -> None:
        if not self.dirty:
            return
        try:
            ensure_dir(self.directory)
            _write_payload(self.path, {"files": self.files, "facts": self.facts, "derived": self.derived, "stats": self.stats, "memos": self.memos})
            self.dirty = False
            _prune(self.directory, keep=self.path)
        except OSError:
            pass  # a read-only tree or a full disk: the run still succeeds, uncached


# --------------------------------------------------------------------------- the file
# MAGIC, the length of the index in decimal, a newline, the index (JSON) and the stored texts
# back to back. The index holds the small tables (file status, keys, dependencies) and, where
# a stored text goes, its [offset, length] among the texts: a load parses only the index (the
# texts are neither escaped inside another JSON document nor compressed), and each text is
# decoded when a run asks for it.
MAGIC = b"sls-lint-cache 3\n"
KEEP_FILES = 8  # cache files kept per folder (other tool builds, configs, rule sets): the newest


def _read_payload(path: str) -> dict | None:
    """The tables of a cache file, stored texts as bytes; None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            buf = fh.read()
    except OSError:
        return None
    try:
        if not buf.startswith(MAGIC):
            return None
        nl = buf.index(b"\n", len(MAGIC))
        start = nl + 1 + int(buf[len(MAGIC):nl])
        index = json.loads(buf[nl + 1:start])
        if index.get("format") != FORMAT:
            return None

        def text(ref: Any) -> bytes:
            off, size = ref
            if not (type(off) is int and type(size) is int and 0 <= off and 0 <= size and start + off + size <= len(buf)):
                raise ValueError("bad reference")
            return buf[start + off:start + off + size]

        pairs = index["deppairs"]
        depsets = [dict(pairs[i] for i in refs) for refs in index["depsets"]]

        def deps(at: Any) -> dict:
            if not (type(at) is int and 0 <= at < len(depsets)):
                raise ValueError("bad dependency table")
            return depsets[at]  # shared: one object per distinct table

        files = index["files"]
        for entry in files.values():
            entry["diags"] = text(entry["diags"])
            entry["deps"] = deps(entry["deps"])
        facts = index["facts"]
        for entry in facts.values():
            entry["parts"] = {k: text(v) for k, v in entry["parts"].items()}
            entry["deps"] = deps(entry["deps"])
        derived = index["derived"]
        for kind, table in derived.items():
            derived[kind] = {k: text(v) for k, v in table.items()}
        stats = index["stats"]
        memos = index.get("memos", {})
        if not all(type(t) is dict for t in (files, facts, derived, stats, memos)) or not all(type(t) is dict for t in memos.values()):
            return None
        return {"files": files, "facts": facts, "derived": derived, "stats": stats, "memos": memos}
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return None


def _write_payload(path: str, data: Mapping[str, Any]) -> None:
    """Write the tables atomically (a temp file renamed over the old one)."""
    chunks: list[bytes] = []
    size = 0

    def ref(value: str | bytes) -> list[int]:
        nonlocal size
        raw = value.encode() if isinstance(value, str) else bytes(value)
        chunks.append(raw)
        size += len(raw)
        return [size - len(raw), len(raw)]

    pairs: dict[tuple, int] = {}  # (path, content hash) -> position
    depsets: dict[tuple, int] = {}  # positions of the pairs of one table -> position

    def depset(deps: Mapping[str, Any]) -> int:
        refs = tuple(pairs.setdefault(item, len(pairs)) for item in deps.items())
        return depsets.setdefault(refs, len(depsets))

    index = {
        "format": FORMAT,
        "files": {p: {**e, "diags": ref(e["diags"]), "deps": depset(e["deps"])} for p, e in data["files"].items()},
        "facts": {k: {**e, "parts": {n: ref(t) for n, t in e["parts"].items()}, "deps": depset(e["deps"])} for k, e in data["facts"].items()},
        "deppairs": list(pairs),
        "depsets": list(depsets),
        "derived": {kind: {k: ref(t) for k, t in table.items()} for kind, table in data["derived"].items()},
        "stats": data["stats"],
        "memos": data.get("memos", {}),
    }
    head = json.dumps(index, separators=(",", ":")).encode()
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + str(len(head)).encode() + b"\n" + head)
            fh.writelines(chunks)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _prune(directory: str, keep: str) -> None:
    """Remove all but the KEEP_FILES most recently written cache files of a folder (files of an
    older tool build or of a configuration no longer used would otherwise pile up)."""
    try:
        with os.scandir(directory) as it:
            found = [(e.stat().st_mtime_ns, e.path) for e in it if e.name.endswith(".cache") and e.is_file() and e.path != keep]
        for _mtime, path in sorted(found, reverse=True)[KEEP_FILES - 1:]:
            os.unlink(path)
    except OSError:
        pass


class StoredParts(Mapping):
    """Stored texts by name, each decoded (once) when first read; KeyError for a missing part
    and for one that cannot be decoded (a damaged cache is a miss, never an error)."""

    def __init__(self, texts: Mapping[str, Any]):
        self._texts = texts
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            pass
        try:
            value = loads(self._texts[name])
        except (TypeError, ValueError, AttributeError, RecursionError) as exc:
            raise KeyError(name) from exc
        self._values[name] = value
        return value

    def __iter__(self):
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def ensure_dir(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, text in ((".gitignore", "# created by sls-lint\n*\n"), ("CACHEDIR.TAG", _TAG)):
        p = os.path.join(directory, name)
        if not os.path.exists(p):
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(text)


def is_cache_dir(directory: str) -> bool:
    try:
        with open(os.path.join(directory, "CACHEDIR.TAG"), encoding="utf-8") as fh:
            return "sls-lint" in fh.read()
    except OSError:
        return False


def clean(directory: str) -> bool:
    """Remove a cache folder (only one that sls-lint made). True when something was removed."""
    if not os.path.isdir(directory):
        return False
    if not is_cache_dir(directory):
        raise OSError(f"{directory} is not an sls-lint cache folder (no CACHEDIR.TAG from sls-lint); not removed")
    shutil.rmtree(directory)
    return True
