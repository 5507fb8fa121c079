"""Reporters: one module per output format, each with
``render(diagnostics, *, context: ReportContext) -> str``.

``get_reporter(name)`` finds the module ``sls_lint.reporters.<name>`` (``json`` lives in
``json_report`` so that it does not shadow the standard library inside this package), so a new
format is one new module.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from sls_lint.core import Diagnostic, TextEdit

FORMATS = {"text": "text", "json": "json_report", "github": "github"}


@dataclass(frozen=True)
class ReportContext:
    version: str
    sources: Mapping[str, str]  # path -> text, for excerpts (a missing path: no excerpt)
    fixed: int = 0  # fixes applied this run
    fixable: int = 0  # remaining findings with a safe fix
    unsafe_fixable: int = 0
    show_fixes: bool = False
    edits: Mapping[int, list[TextEdit]] = field(default_factory=dict)  # diagnostics index -> edits
    color: bool = False
    statistics: bool = False
    stats: Any = None  # sls_lint.core.RunStats of the run (files checked / skipped), when known


Reporter = Callable[..., str]


def get_reporter(name: str) -> Reporter:
    """The ``render`` function of a format; KeyError for an unknown format."""
    module_name = FORMATS.get(name, name)
    if not module_name.isidentifier():
        raise KeyError(name)
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{module_name}":
            raise
        raise KeyError(name) from None
    render = getattr(module, "render", None)
    if render is None:
        raise KeyError(name)
    return render


def ordered(diagnostics: Sequence[Diagnostic]) -> list[tuple[int, Diagnostic]]:
    """(original index, diagnostic) sorted by path, line, column, code: the index keys ``edits``."""
    return sorted(enumerate(diagnostics), key=lambda pair: (pair[1].sort_key(), pair[0]))


# Lone surrogates: os.fsdecode turns a file-name byte that is not UTF-8 into U+DC80..U+DCFF
# (surrogateescape); no UTF-8 output can hold them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: "re.Match[str]") -> str:
    code = ord(match.group(0))
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def escape_undecodable(text: str) -> str:
    """``text`` as valid Unicode for any output: a byte of a non-UTF-8 file name (``caf\\xe9.py``
    read through ``os.fsdecode``) becomes the four characters ``\\xe9``, like Python's
    ``backslashreplace``; any other lone surrogate ``\\uXXXX``. Everything else is unchanged."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escape_surrogate, text)


def escape_tree(value: Any) -> Any:
    """:func:`escape_undecodable` on every string (keys too) of a JSON-like value."""
    if isinstance(value, str):
        return escape_undecodable(value)
    if isinstance(value, dict):
        return {escape_tree(k): escape_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_tree(v) for v in value]
    return value
