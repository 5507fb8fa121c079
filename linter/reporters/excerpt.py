"""Source excerpts for terminal output: the flagged line with a caret underline.

Columns are characters; the terminal shows tabs up to the next stop of ``TAB`` columns and East
Asian wide characters (and most emoji) in two cells, combining marks in none, so the underline is
computed in display cells.
"""
from __future__ import annotations

import re
import unicodedata

from sls_lint.core import Span

TAB = 4
_BREAK = re.compile(r"\r\n|\r|\n")


def char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def expand(text: str) -> tuple[str, list[int]]:
    """(display text, display cell where each character starts, plus the end cell)."""
    if text.isascii() and text.isprintable():  # one cell per character (the common case)
        return text, list(range(len(text) + 1))
    out: list[str] = []
    cells: list[int] = []
    cell = 0
    for ch in text:
        cells.append(cell)
        if ch == "\t":
            width = TAB - cell % TAB
            out.append(" " * width)
        else:
            width = char_width(ch)
            out.append(ch if ch.isprintable() or width == 0 else "\N{REPLACEMENT CHARACTER}")
        cell += width
    cells.append(cell)
    return "".join(out), cells


_LAST_SPLIT: list = [None, []]  # (source, its lines): findings come sorted by file, so reuse the split


def source_line(source: str, line: int) -> str | None:
    if _LAST_SPLIT[0] is not source:
        # str.split is ~10x faster than the regex; only \r needs it (str.splitlines would also
        # break at \f, \v, \x1c-\x1e, \x85, \u2028/9, which do not end a line for the parser)
        _LAST_SPLIT[0], _LAST_SPLIT[1] = source, (_BREAK.split(source) if "\r" in source else source.split("\n"))
    lines = _LAST_SPLIT[1]
    return lines[line - 1] if 1 <= line <= len(lines) else None


def underline(source: str, span: Span) -> tuple[str, int, int] | None:
    """(displayed line, first cell, number of cells) of the span's first line; None without text."""
    text = source_line(source, span.line)
    if text is None:
        return None
    from sls_lint.secrets import redact_text

    text = redact_text(text)  # secrets are never shown whole; the length (and columns) are kept
    shown, cells = expand(text)
    start = min(max(span.column, 1), len(text) + 1) - 1
    end = span.end_column - 1 if span.end_line == span.line else len(text)
    end = min(max(end, start), len(text))
    return shown.rstrip(), cells[start], max(cells[end] - cells[start], 1)
