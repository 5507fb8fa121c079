"""Reporters: one module per output format, each with
``render(diagnostics, *, context: ReportContext) -> str``.

``get_reporter(name)`` finds the module ``sls_lint.reporters.<name>`` (``json`` lives in
``json_report`` so that it does not shadow the standard library inside this package), so a new
format is one new module.
"""
from __future__ import annotations

import importlib
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
