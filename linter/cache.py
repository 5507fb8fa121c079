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
    zlib-compressed JSON with a closed codec (:func:`encode` / :func:`decode`): only plain data
    and a fixed list of sls-lint's own dataclasses and enums can be read back. The cache lives
    in the user's working tree, so nothing in it can ever make sls-lint run code (no pickle).
    A cache file that cannot be read is ignored (and rewritten), never an error.
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
import zlib
from functools import lru_cache
from typing import Any, Iterable, Mapping

DEFAULT_DIR = ".sls-lint-cache"
FORMAT = 2  # 2: entries are JSON texts decoded by json's C parser (object_hook); class fields as pairs
MAX_FACTS_ENTRIES = 4
# a recorded file status is trusted only when the file's ctime is older than the recording by
# this much (filesystem timestamps are coarse: a write in the same tick keeps mtime and ctime)
RACY_NS = 2_000_000_000
SIDE_FILES = ("cdk.json", "host.json", "function.json", ".chalice/config.json")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by sls-lint.\n"


class Unencodable(Exception):
    """A value outside the codec: the entry holding it is simply not cached."""


@lru_cache(maxsize=1)
def _classes() -> dict[str, type]:
    from .callgraph import Reach
    from .core import Applicability, Diagnostic, FixIntent, Function, Severity, Span, TextEdit, Trigger
    from .inline import InlineModule
    from .project.model import DeploymentDoc, Project, Tagged

    return {c.__name__: c for c in (Reach, Applicability, Diagnostic, FixIntent, Function, Severity, Span, TextEdit, Trigger, DeploymentDoc, Project, Tagged, InlineModule)}


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
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _classes().get(name) is not type(value):
            raise Unencodable(name)
        return {"c": name, "a": [[f.name, encode(getattr(value, f.name))] for f in dataclasses.fields(value) if f.init]}
    raise Unencodable(type(value).__name__)


def _fields(a: Any) -> Any:
    return a.items() if isinstance(a, dict) else a


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "t" in data:
        return tuple(decode(v) for v in data["t"])
    if "d" in data:
        return {_key(decode(k)): decode(v) for k, v in data["d"]}
    if "c" in data:
        cls = _classes()[data["c"]]
        return cls(**{k: decode(v) for k, v in _fields(data["a"])})
    if "e" in data:
        return _classes()[data["e"]](data["v"])
    if "f" in data:
        return float(data["f"])
    raise ValueError("bad cache value")


def _hook(data: dict) -> Any:
    """:func:`decode` for one JSON object whose members are decoded already (``json``'s
    ``object_hook`` runs bottom-up): every object of an encoded value is a tagged one."""
    if "t" in data:
        return tuple(data["t"])
    if "d" in data:
        return {_key(k): v for k, v in data["d"]}
    if "c" in data:
        cls = _classes()[data["c"]]
        return cls(**dict(_fields(data["a"])))
    if "e" in data:
        return _classes()[data["e"]](data["v"])
    if "f" in data:
        return float(data["f"])
    raise ValueError("bad cache value")


def dumps(value: Any) -> str:
    """The stored text of a value (:class:`Unencodable` when it cannot be stored)."""
    return json.dumps(encode(value), separators=(",", ":"))


def loads(text: str) -> Any:
    """A value back from :func:`dumps` (json's C parser; ~5x faster than :func:`decode`)."""
    if not isinstance(text, str):
        raise TypeError("bad cache entry")
    return json.loads(text, object_hook=_hook)


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


def file_sha(path: str) -> str | None:
    """Content hash of a file outside the discovered set (None when it does not exist)."""
    try:
        with open(path, "rb") as fh:
            return sha(fh.read())
    except OSError:
        return None


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """The version plus the content of every source file of the installed package (contents,
    not mtimes: a fresh install of the same release in CI keeps the cache valid)."""
    from . import __version__

    h = hashlib.sha256(__version__.encode())
    import sls_lint
    import sls_lint.fixers
    import sls_lint.rules

    for pkg in (sls_lint, sls_lint.rules, sls_lint.fixers):
        for base in pkg.__path__:
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
                        h.update(f"{os.path.relpath(full, base)}:{len(data)}\n".encode())
                        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _pin_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
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
        self.dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                data = json.loads(zlib.decompress(fh.read()))
            if data.get("format") == FORMAT:
                self.files = dict(data.get("files") or {})
                self.facts = dict(data.get("facts") or {})
                self.derived = dict(data.get("derived") or {})
                self.stats = dict(data.get("stats") or {})
        except (OSError, ValueError, zlib.error, TypeError, AttributeError):
            self.files, self.facts, self.derived, self.stats = {}, {}, {}, {}

    # ------------------------------------------------------------------ content hashes by file status
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

    # ------------------------------------------------------------------ per-file results
    def get_file(self, path: str, content_sha: str, facts_digest: str, current_sha) -> list | None:
        """The stored findings of ``path`` when its key still matches; ``current_sha(p)`` gives
        the content hash of another file now (for the modules its rules looked into)."""
        entry = self.files.get(path)
        if not entry or entry.get("sha") != content_sha or entry.get("facts") != facts_digest:
            return None
        for dep, dep_sha in entry.get("deps", {}).items():
            if current_sha(dep) != dep_sha:
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
    def get_facts(self, key: str, current_sha) -> dict | None:
        entry = self.facts.get(key)
        if not entry:
            return None
        for dep, dep_sha in entry.get("deps", {}).items():
            if current_sha(dep) != dep_sha:
                return None
        try:
            return loads(entry["value"])
        except (KeyError, TypeError, ValueError):
            return None

    def put_facts(self, key: str, deps: Mapping[str, str | None], value: dict) -> bool:
        try:
            encoded = dumps(value)
        except Unencodable:
            self.facts.pop(key, None)
            return False
        self.facts.pop(key, None)
        self.facts[key] = {"deps": dict(deps), "value": encoded}
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
            payload = zlib.compress(json.dumps({"format": FORMAT, "files": self.files, "facts": self.facts, "derived": self.derived, "stats": self.stats}, separators=(",", ":")).encode(), 1)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            self.dirty = False
        except OSError:
            pass  # a read-only tree or a full disk: the run still succeeds, uncached


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
