"""Which version of a package a project pins (no rule here): read from the nearest lock or
requirements file at or above a module's folder, inside the project root. Used to know whether
redis-py's socket timeouts default to None (before 8.0) or 5 s."""
from __future__ import annotations

import glob
import json
import os
import re
from functools import lru_cache

_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock")
_SPECS = ("requirements.txt", "requirements-prod.txt", "requirements.in", "pyproject.toml", "Pipfile")


def _version_tuple(text: str) -> tuple[int, ...] | None:
    m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def major_bound(spec: str) -> tuple[int | None, int | None]:
    """(lowest, highest) major version a requirement specifier allows, None when unbounded:
    ``==5.0.1`` -> (5, 5); ``>=4,<5`` -> (4, 4); ``<8`` -> (None, 7); ``~=4.5`` -> (4, 4)."""
    lo: int | None = None
    hi: int | None = None
    for part in spec.split(","):
        m = re.match(r"\s*(===|==|~=|<=|>=|<|>|!=)\s*([0-9][0-9A-Za-z.*+!-]*)", part)
        if not m:
            continue
        op, ver = m.groups()
        v = _version_tuple(ver)
        if not v:
            continue
        major = v[0]
        if op in ("==", "==="):
            if "*" in ver and len(v) == 1:
                lo, hi = major, major
            else:
                lo, hi = major, major
        elif op == "~=":
            lo = max(lo or 0, major)
            hi = major if len(v) >= 2 else hi
        elif op == "<":
            top = major - 1 if all(x == 0 for x in v[1:]) else major
            hi = top if hi is None else min(hi, top)
        elif op == "<=":
            hi = major if hi is None else min(hi, major)
        elif op in (">=", ">"):
            lo = major if lo is None else max(lo, major)
    return lo, hi


def _inside(root: str, path: str) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def _read(root: str, path: str) -> str | None:
    if not _inside(root, path) or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(2_000_000)
    except OSError:
        return None


def _from_lock(name: str, fname: str, text: str) -> tuple[int, int] | None:
    if fname == "Pipfile.lock":
        try:
            data = json.loads(text)
        except ValueError:
            return None
        for section in ("default", "develop"):
            entry = (data.get(section) or {}).get(name) if isinstance(data, dict) else None
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                lo, hi = major_bound(entry["version"])
                if lo is not None and hi is not None:
                    return lo, hi
        return None
    m = re.search(r'\[\[package\]\]\s*\nname\s*=\s*"' + re.escape(name) + r'"\s*\nversion\s*=\s*"([^"]+)"', text)
    if m:
        v = _version_tuple(m.group(1))
        if v:
            return v[0], v[0]
    return None


def _from_specs(name: str, fname: str, text: str) -> tuple[int | None, int | None] | None:
    """The bound a requirements line, a PEP 621 dependency string or a Poetry/Pipfile table
    entry puts on ``name``; (None, None) when it is listed without a version bound."""
    n = re.escape(name)
    table = re.compile(r"""^\s*""" + n + r"""\s*=\s*(?:\{[^}]*version\s*=\s*)?["']([^"']*)["']""")
    req = re.compile(r"""^\s*["']?""" + n + r"""(?![A-Za-z0-9_.\-])(?:\[[^\]]*\])?\s*([=<>!~][^;#"']*)?(?:["';#]|$)""")
    for line in text.splitlines():
        m = table.match(line)
        if m:
            spec = m.group(1).strip()
            if spec in ("", "*"):
                return None, None
            if spec.startswith("^"):
                v = _version_tuple(spec[1:])
                return (v[0], v[0]) if v and v[0] > 0 else (None, None)
            if spec[0].isdigit():
                spec = "==" + spec
            return major_bound(spec)
        m = req.match(line.strip().rstrip(","))
        if m:
            spec = (m.group(1) or "").strip().rstrip(",")
            return major_bound(spec) if spec else (None, None)
    return None


@lru_cache(maxsize=256)
def pinned_major(root: str, folder: str, name: str) -> tuple[int | None, int | None] | None:
    """(lowest, highest) major version of ``name`` the nearest lock/requirements file allows,
    searching ``folder`` (root-relative, posix) and each folder above it up to the root. None
    when no file mentions the package."""
    parts = [p for p in folder.split("/") if p]
    for i in range(len(parts), -1, -1):
        here = os.path.join(root, *parts[:i])
        for fname in _LOCKS:
            text = _read(root, os.path.join(here, fname))
            if text and name in text:
                found = _from_lock(name, fname, text)
                if found:
                    return found
        for fname in _SPECS + tuple(os.path.basename(p) for p in sorted(glob.glob(os.path.join(glob.escape(here), "requirements*.txt")))):
            text = _read(root, os.path.join(here, fname))
            if text and name in text:
                found = _from_specs(name, fname, text)
                if found is not None:
                    return found
    return None
