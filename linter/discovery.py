"""Discovery: walk the paths of a run and pick the files sls-lint checks.

What is picked
    * ``*.py`` -> ``python`` (stubs ``*.pyi`` are not checked).
    * By name: ``serverless.yml|yaml`` -> ``serverless``; ``vercel.json`` -> ``vercel``;
      ``wrangler.toml|json|jsonc`` -> ``wrangler``; ``template.yaml|yml|json`` ->
      ``cloudformation`` (the SAM default names).
    * By content: any other ``*.yaml|yml|json|template`` whose first 64 KiB hold a top-level
      ``AWSTemplateFormatVersion``, a ``Transform: AWS::...`` (``AWS::Serverless-2016-10-31``),
      or a top-level ``Resources`` mapping with ``Type: AWS::<service>::<type>`` entries ->
      ``cloudformation``. Well-known non-template files (``package.json``, ``tsconfig.json``,
      compose files, CI workflows, ...) are rejected by name without being read; every other
      YAML/JSON file is read only up to its first 64 KiB.

What is skipped
    * ``.git`` always; ``exclude`` + ``extend-exclude`` (gitignore-style, relative to
      ``config.root``); with ``respect-gitignore`` (default) every ``.gitignore`` from the
      repository top (the nearest folder above holding ``.git``, else the project root) down,
      each relative to its own folder, deeper files taking precedence, plus
      ``.git/info/exclude``. Ignored folders are pruned before descending, so (as in git) a
      ``!`` pattern cannot re-include a file inside an ignored folder. ``skipped_excluded``
      counts the folders and candidate files pruned this way.
    * Symbolic links: a linked folder is never followed (no loops); a linked file is checked
      only when its target lies inside the tree (the project root, or the path given when that
      is outside the root).
    * A path named on the command line is always walked / checked, even when an exclude or
      gitignore pattern matches it (patterns still apply below a named folder).

Vendored dependency trees (checked only with ``include-vendored``; otherwise the Python and
deployment files in them are listed in ``skipped_vendored`` and the files get
``SourceFile.vendored=True`` when included). A folder ``F`` is vendored as a whole when:
    * it is named ``site-packages`` or ``dist-packages`` (this covers a layer's
      ``python/lib/python3.x/site-packages`` and Azure's ``.python_packages/lib/site-packages``),
      or it is ``.aws-sam/build``;
    * it holds installer metadata (a ``*.dist-info`` folder, or a ``*.egg-info`` that is not the
      project's own, i.e. without ``setup.py`` / ``setup.cfg`` / ``pyproject.toml`` in ``F`` or
      its parent) **and** its name says it is a dependency folder: ``package``, ``packages``,
      ``python`` (a Lambda layer's ``layer/python/``, ``layers/*/python/``,
      ``dependencies/python/``), ``vendor``, ``vendored``, ``_vendor``, ``lib``, ``libs``,
      ``deps``, ``dependencies``, ``requirements``, ``.requirements``, ``.python_packages``,
      ``layer*``;
    * it holds installer metadata that cannot be read (no ``RECORD`` nor ``top_level.txt``).
Otherwise, in a folder holding readable metadata (e.g. a function folder where someone ran
``pip install -t .`` next to ``handler.py``), only what the metadata claims is vendored: the
top-level names listed in each ``RECORD`` / ``installed-files.txt`` / ``top_level.txt``, the
metadata folders themselves, ``bin/`` and ``__pycache__/``; the project's own files beside
them are checked. A folder without metadata is never vendored: a project's own ``src/python/``
or a shared-code layer ``layers/common/python/`` of the project's own modules is checked.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Sequence

from .cache import note_listing
from .config import Config, _PatternMatcher
from .core import SourceFile

__all__ = ["Discovery", "discover", "classify", "HEAD_BYTES"]

HEAD_BYTES = 64 * 1024

_BY_NAME = {
    "serverless.yml": "serverless",
    "serverless.yaml": "serverless",
    "vercel.json": "vercel",
    "wrangler.toml": "wrangler",
    "wrangler.json": "wrangler",
    "wrangler.jsonc": "wrangler",
    "template.yaml": "cloudformation",
    "template.yml": "cloudformation",
    "template.json": "cloudformation",
}
_SNIFF_EXTS = (".yaml", ".yml", ".json", ".template")
_NOT_TEMPLATES = frozenset(
    {
        "package.json", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml",
        "tsconfig.json", "jsconfig.json", "composer.json", "composer.lock", "bower.json",
        "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
        ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "mkdocs.yml", "mkdocs.yaml",
        ".readthedocs.yml", ".readthedocs.yaml", "environment.yml", "environment.yaml",
        "codecov.yml", ".codecov.yml", ".gitlab-ci.yml", "renovate.json", ".renovaterc.json",
        "dependabot.yml", "action.yml", "action.yaml", "cdk.json", "cdk.context.json",
        "tslint.json", ".eslintrc.json", ".prettierrc.json", ".babelrc.json", "launch.json",
        "settings.json", "extensions.json", "devcontainer.json", ".devcontainer.json",
        "pubspec.yaml", "chart.yaml", "values.yaml", "netlify.json", "now.json",
        "app.json", "firebase.json", "angular.json", "lerna.json", "nx.json", "turbo.json",
        ".travis.yml", "appveyor.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml",
        "buildspec.yml", "buildspec.yaml", "samconfig.yaml", "samconfig.yml",
        "host.json", "local.settings.json", "function.json",
    }
)
_NOT_TEMPLATE_PREFIXES = ("docker-compose.", "docker-compose-", "tsconfig.", "compose.")

_CFN_VERSION = re.compile(r'(?m)^[ \t]*["\']?AWSTemplateFormatVersion["\']?[ \t]*:|"AWSTemplateFormatVersion"\s*:')
_CFN_TRANSFORM = re.compile(
    r'(?m)(?:^["\']?Transform["\']?|"Transform")\s*:\s*\[?\s*(?:-\s*)?["\']?AWS::(?:Serverless-2016-10-31|\w+)'
)
_CFN_RESOURCES_YAML = re.compile(r"(?m)^[\"']?Resources[\"']?[ \t]*:[ \t]*(?:#.*)?$")
_CFN_TYPE_YAML = re.compile(r"(?m)^[ \t]+[\"']?Type[\"']?[ \t]*:[ \t]*[\"']?AWS::\w+::\w+")
_CFN_RESOURCES_JSON = re.compile(r'"Resources"\s*:\s*\{')
_CFN_TYPE_JSON = re.compile(r'"Type"\s*:\s*"AWS::\w+::\w+')

_VENDOR_DIR_NAMES = frozenset(
    {
        "package", "packages", "python", "vendor", "vendored", "_vendor", "lib", "libs", "deps",
        "dependencies", "requirements", ".requirements", ".python_packages", "site-packages",
        "dist-packages",
    }
)
_PROJECT_MARKERS = ("setup.py", "setup.cfg", "pyproject.toml")


@dataclass
class Discovery:
    root: str
    files: list[SourceFile] = field(default_factory=list)  # sorted by path
    skipped_vendored: list[str] = field(default_factory=list)  # posix paths, sorted
    skipped_excluded: int = 0
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------


def _kind_by_name(name: str) -> str | None:
    """``python`` / a deployment kind / ``"?"`` (needs a content sniff) / None (not ours)."""
    lower = name.lower()
    if lower.endswith(".py"):
        return "python"
    kind = _BY_NAME.get(lower)
    if kind is not None:
        return kind
    if lower.endswith(_SNIFF_EXTS):
        if lower in _NOT_TEMPLATES or lower.startswith(_NOT_TEMPLATE_PREFIXES):
            return None
        return "?"
    return None


def _read_head(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(HEAD_BYTES)
    except OSError:
        return None
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def looks_like_cloudformation(head: str) -> bool:
    """Whether the head of a YAML/JSON file is a CloudFormation / SAM template."""
    head = head.lstrip("\ufeff")
    if "AWS" not in head:
        return False
    if _CFN_VERSION.search(head) or _CFN_TRANSFORM.search(head):
        return True
    if _CFN_RESOURCES_YAML.search(head) and _CFN_TYPE_YAML.search(head):
        return True
    return bool(_CFN_RESOURCES_JSON.search(head) and _CFN_TYPE_JSON.search(head))


def classify(path: str, head: str | None = None) -> str | None:
    """The kind of ``path`` (python | serverless | cloudformation | vercel | wrangler) or None.

    By name first; other YAML/JSON/``.template`` files by their content: ``head`` (the first
    64 KiB) when given, otherwise read from the file.
    """
    posix = path.replace("\\", "/")
    kind = _kind_by_name(os.path.basename(posix.rstrip("/")))
    if kind != "?":
        return kind
    if "/.github/" in "/" + posix:  # CI workflows and actions are never templates
        return None
    if head is None:
        head = _read_head(path)
        if head is None:
            return None
    return "cloudformation" if looks_like_cloudformation(head) else None


# ---------------------------------------------------------------------------------------------
# Vendored trees
# ---------------------------------------------------------------------------------------------

_WHOLE = (True, frozenset())
_NONE = (False, frozenset())


def _vendor_info(dir_abs: str, names: Sequence[str]) -> tuple[bool, frozenset[str]]:
    """(whole folder vendored?, names of the entries claimed by installer metadata)."""
    base = os.path.basename(dir_abs).lower()
    if base in ("site-packages", "dist-packages"):
        return _WHOLE
    if base == "build" and os.path.basename(os.path.dirname(dir_abs)) == ".aws-sam":
        return _WHOLE
    meta = [n for n in names if n.endswith(".dist-info")]
    eggs = [n for n in names if n.endswith(".egg-info")]
    if eggs and not _is_project_folder(dir_abs, names):
        meta.extend(eggs)
    if not meta:
        return _NONE
    if base in _VENDOR_DIR_NAMES or base.startswith("layer"):
        return _WHOLE
    claimed: set[str] = set(meta) | {"bin", "__pycache__"}
    for m in meta:
        got = _claimed_by(os.path.join(dir_abs, m))
        if got is None:
            return _WHOLE
        claimed |= got
    return False, frozenset(claimed)


def _is_project_folder(dir_abs: str, names: Sequence[str]) -> bool:
    if any(m in names for m in _PROJECT_MARKERS):
        return True
    parent = os.path.dirname(dir_abs)
    return any(os.path.isfile(os.path.join(parent, m)) for m in _PROJECT_MARKERS)


def _claimed_by(meta_abs: str) -> set[str] | None:
    """Top-level entry names an installed distribution owns; None when nothing says."""
    found = False
    out: set[str] = set()
    if not os.path.isdir(meta_abs):  # an old-style single-file egg-info
        return None
    for fname, strip_parent in (("RECORD", False), ("installed-files.txt", True), ("top_level.txt", False)):
        try:
            with open(os.path.join(meta_abs, fname), encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        found = True
        for line in lines:
            item = line.split(",", 1)[0].strip().strip('"').replace("\\", "/")
            if not item:
                continue
            if strip_parent:
                if not item.startswith("../"):
                    continue
                item = item[3:]
            if item.startswith(("/", "../")):
                continue
            top = item.split("/", 1)[0]
            if top and top not in (".", ".."):
                out.add(top)
    return out if found else None


def _is_claimed(name: str, claimed: frozenset[str], is_dir: bool) -> bool:
    if not claimed:
        return False
    if name in claimed:
        return True
    return not is_dir and name.split(".", 1)[0] in claimed


# ---------------------------------------------------------------------------------------------
# Walking
# ---------------------------------------------------------------------------------------------


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class _Walker:
    def __init__(self, config: Config, root: str, result: Discovery) -> None:
        self.config = config
        self.root = root
        self.root_real = os.path.realpath(root)
        self.result = result
        self.found: dict[str, SourceFile] = {}
        self.vendored: set[str] = set()
        patterns = list(config.exclude) + list(config.extend_exclude)
        self.exclude = _PatternMatcher(patterns)
        self.exclude_base = _posix(os.path.abspath(config.root))
        self._gitignore_cache: dict[str, _PatternMatcher | None] = {}
        self._vendor_cache: dict[str, tuple[bool, frozenset[str]]] = {}

    # -- helpers ----------------------------------------------------------------------------

    def rel(self, abs_path: str) -> str:
        rel = os.path.relpath(abs_path, self.root)
        return _posix(rel)

    def _gitignore(self, dir_abs: str, fname: str = ".gitignore") -> _PatternMatcher | None:
        key = os.path.join(dir_abs, fname)
        if key not in self._gitignore_cache:
            matcher = None
            try:
                with open(key, encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
                matcher = _PatternMatcher(lines)
                if matcher.empty:
                    matcher = None
            except (OSError, ValueError):
                matcher = None
            self._gitignore_cache[key] = matcher
        return self._gitignore_cache[key]

    def _vendor(self, dir_abs: str) -> tuple[bool, frozenset[str]]:
        if dir_abs not in self._vendor_cache:
            try:
                names = os.listdir(dir_abs)
            except OSError:
                names = []
            self._vendor_cache[dir_abs] = _vendor_info(dir_abs, names)
        return self._vendor_cache[dir_abs]

    def _ancestors(self, top: str) -> list[str]:
        """Folders from the root (or the git top) down to ``top``'s parent."""
        start = self.root if _within(top, self.root) else os.path.dirname(top)
        if self.config.respect_gitignore:
            git_top = _git_top(top)
            if git_top is not None and (_within(start, git_top)):
                start = git_top
        chain = []
        here = os.path.dirname(top)
        while _within(here, start):
            chain.append(here)
            if here == start:
                break
            here = os.path.dirname(here)
        return chain[::-1]

    def _initial_layers(self, top: str) -> tuple[tuple[str, _PatternMatcher], ...]:
        if not self.config.respect_gitignore:
            return ()
        layers: list[tuple[str, _PatternMatcher]] = []
        git_top = _git_top(top)
        if git_top is not None:
            info = self._gitignore(os.path.join(git_top, ".git", "info"), "exclude")
            if info is not None:
                layers.append((_posix(git_top), info))
        for folder in self._ancestors(top):
            m = self._gitignore(folder)
            if m is not None:
                layers.append((_posix(folder), m))
        return tuple(layers)

    def _is_vendored_path(self, abs_path: str) -> bool:
        """Whether an explicitly named path lies in (or is) a vendored tree."""
        if not _within(abs_path, self.root):
            return False
        here = self.root
        rel = os.path.relpath(abs_path, self.root)
        if rel == ".":
            return False
        parts = rel.split(os.sep)
        for i, part in enumerate(parts):
            whole, claimed = self._vendor(here)
            if whole:
                return True
            if _is_claimed(part, claimed, i < len(parts) - 1 or os.path.isdir(abs_path)):
                return True
            here = os.path.join(here, part)
        if os.path.isdir(abs_path):
            return self._vendor(abs_path)[0]
        return False

    def _ignored(self, abs_posix: str, is_dir: bool, layers) -> bool:
        if not self.exclude.empty and _within_posix(abs_posix, self.exclude_base):
            rel = abs_posix[len(self.exclude_base) + 1 :] if abs_posix != self.exclude_base else ""
            if rel and self.exclude.match(rel, is_dir):
                return True
        for base, matcher in reversed(layers):
            rel = abs_posix[len(base) + 1 :]
            verdict = matcher.match(rel, is_dir)
            if verdict is not None:
                return verdict
        return False

    def add(self, abs_path: str, kind: str, vendored: bool, rel: str | None = None) -> None:
        if abs_path in self.found:
            return
        if rel is None:
            rel = self.rel(abs_path)
        if vendored and not self.config.include_vendored:
            if rel not in self.vendored:
                self.vendored.add(rel)
                self.result.skipped_vendored.append(rel)
            return
        self.found[abs_path] = SourceFile(path=rel, abs_path=abs_path, kind=kind, vendored=vendored)

    # -- entry points -----------------------------------------------------------------------

    def named_file(self, abs_path: str) -> None:
        kind = classify(abs_path)
        if kind is None:
            return
        self.add(abs_path, kind, self._is_vendored_path(abs_path))

    def walk(self, top: str) -> None:
        boundary = self.root_real if _within(os.path.realpath(top), self.root_real) else os.path.realpath(top)
        boundary_prefix = boundary.rstrip(os.sep) + os.sep
        cfg = self.config
        respect = cfg.respect_gitignore
        result = self.result
        layers = self._initial_layers(top)
        top_rel = self.rel(top)
        stack = [(top, "" if top_rel == "." else top_rel + "/", layers, self._is_vendored_path(top))]
        while stack:
            dir_abs, dir_rel, layers, vendored = stack.pop()
            try:
                with os.scandir(dir_abs) as it:
                    entries = list(it)
            except OSError as exc:
                result.errors.append(f"{self.rel(dir_abs)}: cannot read folder: {exc.strerror}")
                continue
            names = [e.name for e in entries]
            note_listing(dir_abs, names)  # the cache's side-file and pin-file checks read it
            if respect and ".gitignore" in names:
                m = self._gitignore(dir_abs)
                if m is not None:
                    layers = layers + ((_posix(dir_abs), m),)
            claimed: frozenset[str] = frozenset()
            if not vendored:
                whole, claimed = _vendor_info(dir_abs, names)
                vendored = whole
            dir_posix = _posix(dir_abs)
            for entry in entries:
                name = entry.name
                if name == ".git":
                    continue
                try:
                    if entry.is_symlink():
                        if entry.is_dir():
                            continue  # never follow a linked folder
                        if not entry.is_file():
                            continue
                        real = os.path.realpath(entry.path)
                        if not real.startswith(boundary_prefix):
                            continue  # never follow a link out of the tree
                        is_dir = False
                    else:
                        is_dir = entry.is_dir()
                        if not is_dir and not entry.is_file():
                            continue  # a FIFO, socket or device named like a source file: reading it would block
                except OSError:
                    continue
                abs_posix = dir_posix + "/" + name
                if is_dir:
                    if self._ignored(abs_posix, True, layers):
                        result.skipped_excluded += 1
                        continue
                    stack.append((entry.path, dir_rel + name + "/", layers, vendored or _is_claimed(name, claimed, True)))
                    continue
                kind = _kind_by_name(name)
                if kind is None:
                    continue
                if self._ignored(abs_posix, False, layers):
                    result.skipped_excluded += 1
                    continue
                in_vendor = vendored or _is_claimed(name, claimed, False)
                if kind == "?":
                    if in_vendor and not cfg.include_vendored:
                        continue  # not worth reading: it would be skipped anyway
                    kind = classify(entry.path)
                    if kind is None:
                        continue
                self.add(entry.path, kind, in_vendor, dir_rel + name)


def _within_posix(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _git_top(path: str) -> str | None:
    here = path if os.path.isdir(path) else os.path.dirname(path)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def discover(paths: Sequence[str], config: Config, *, root: str | None = None) -> Discovery:
    """Walk ``paths`` (files and folders; relative ones to the cwd; none: the root).

    ``root`` (default ``config.root``) is the folder ``SourceFile.path`` is relative to.
    """
    root_abs = os.path.abspath(root if root is not None else config.root)
    result = Discovery(root=root_abs)
    walker = _Walker(config, root_abs, result)
    for raw in paths or [root_abs]:
        abs_path = os.path.abspath(raw)
        if not os.path.lexists(abs_path):
            result.errors.append(f"{raw}: no such file or folder")
            continue
        if os.path.islink(abs_path):
            real = os.path.realpath(abs_path)
            if not os.path.exists(real):
                result.errors.append(f"{raw}: broken symbolic link")
                continue
            if not _within(real, walker.root_real):
                result.errors.append(f"{raw}: symbolic link to {real}, outside the project root; not followed")
                continue
        if os.path.isdir(abs_path):
            walker.walk(abs_path)
        elif os.path.isfile(abs_path):
            walker.named_file(abs_path)
        else:
            result.errors.append(f"{raw}: not a regular file or folder")
    result.files = sorted(walker.found.values(), key=lambda f: f.path)
    result.skipped_vendored.sort()
    return result
