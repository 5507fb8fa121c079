"""TOML loading (wrangler.toml) with approximate key positions from a line scan."""
from __future__ import annotations

import re
import sys

from .yamlload import LoadResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-"']+)*)\s*=""")


def _split_key(raw: str) -> tuple[str, ...]:
    parts = []
    for part in re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^.\s]+', raw):
        parts.append(part[1:-1] if part[:1] in "\"'" else part)
    return tuple(parts)


def load_toml(text: str) -> LoadResult:
    """Parse TOML; record the line of each table header and ``key =`` line (never raises)."""
    result = LoadResult()
    try:
        result.data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        msg = getattr(exc, "msg", None) or str(exc)
        m = _AT.search(str(exc))
        if line is None and m:
            line, col = int(m.group(1)), int(m.group(2))
        msg = _AT.sub("", msg).strip()
        result.error = (line or 1, col or 1, f"invalid TOML: {msg}")
        return result
    except (ValueError, RecursionError) as exc:  # pragma: no cover - defensive
        result.error = (1, 1, f"invalid TOML: {exc}")
        return result
    table: tuple[str, ...] = ()
    result.locations[()] = (1, 1)
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m and "=" not in line.split("]")[0]:
            table = _split_key(m.group(1))
            result.locations.setdefault(table, (lineno, line.index("[") + 1))
            continue
        m = _KEY.match(line)
        if m:
            path = table + _split_key(m.group(1))
            col = len(line) - len(line.lstrip()) + 1
            result.locations.setdefault(path, (lineno, col))
            eq = line.index("=", m.end(1))
            rest = line[eq + 1 :]
            vcol = eq + 2 + (len(rest) - len(rest.lstrip()))
            result.value_locations.setdefault(path, (lineno, vcol))
    return result
