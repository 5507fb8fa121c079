"""Text edits: positions, minimal edits from a before/after pair, applying and combining edits.

Positions are 1-based lines and 1-based character columns, end exclusive (see ``core.TextEdit``).
A line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (what Python's tokenizer counts); the text
end after a final line break is ``(last line + 1, 1)``.
"""
from __future__ import annotations

import difflib
import re
from typing import Sequence

from sls_lint.core import TextEdit

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their line breaks kept; ``"".join(split_lines(t)) == t``."""
    return _LINE.findall(text)


class LineIndex:
    """Converts between (line, column) positions and offsets into one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.starts.append(offset)
            offset += len(line)
        if not self.lines or self.lines[-1].endswith(("\n", "\r")):
            self.starts.append(offset)  # the empty line after a final line break
            self.lines.append("")

    def offset(self, line: int, column: int) -> int:
        if not 1 <= line <= len(self.lines):
            raise ValueError(f"line {line} is outside the text (1..{len(self.lines)})")
        content = self.lines[line - 1].rstrip("\r\n")
        if not 1 <= column <= len(content) + 1:
            raise ValueError(f"column {column} is outside line {line} (1..{len(content) + 1})")
        return self.starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is outside the text")
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:  # last line start <= offset
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.starts[lo] + 1


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def diff_edits(old: str, new: str) -> list[TextEdit]:
    """The minimal edits that turn ``old`` into ``new``: line hunks trimmed to the changed characters."""
    if old == new:
        return []
    a, b = split_lines(old), split_lines(new)
    index = LineIndex(old)
    line_offsets = [0]
    for line in a:
        line_offsets.append(line_offsets[-1] + len(line))
    edits: list[TextEdit] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        prefix = _common_prefix(before, after)
        if prefix and before[prefix - 1] == "\r" and before[prefix:prefix + 1] == "\n":
            prefix -= 1  # never split a \r\n pair: that position has no (line, column)
        rest_before, rest_after = before[prefix:], after[prefix:]
        suffix = _common_prefix(rest_before[::-1], rest_after[::-1])
        cut = len(rest_before) - suffix
        if suffix and rest_before[cut:cut + 1] == "\n" and cut > 0 and rest_before[cut - 1] == "\r":
            suffix -= 1
        start = line_offsets[i1] + prefix
        end = line_offsets[i1] + len(before) - suffix
        text = after[prefix:len(after) - suffix]
        (line, column), (end_line, end_column) = index.position(start), index.position(end)
        edits.append(TextEdit(line, column, end_line, end_column, text))
    return edits


def _ranges(source: str, edits: Sequence[TextEdit]) -> list[tuple[int, int, str]]:
    index = LineIndex(source)
    out = []
    for e in edits:
        start, end = index.offset(e.line, e.column), index.offset(e.end_line, e.end_column)
        if end < start:
            raise ValueError(f"edit ends before it starts: {e}")
        out.append((start, end, e.new_text))
    return out


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """Ranges intersect; touching ranges and insertions at the same point do not overlap."""
    (s1, e1, _), (s2, e2, _) = a, b
    return s1 < e2 and s2 < e1


def apply_edits(source: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping edits (identical edits once); insertions at one point keep their order."""
    unique = list(dict.fromkeys(edits))
    ranges = sorted(_ranges(source, unique), key=lambda r: (r[0], r[1]))
    for prev, cur in zip(ranges, ranges[1:]):
        if _overlaps(prev, cur):
            raise ValueError(f"overlapping edits at offsets {prev[:2]} and {cur[:2]}")
    parts, last = [], 0
    for start, end, text in ranges:
        parts.append(source[last:start])
        parts.append(text)
        last = end
    parts.append(source[last:])
    return "".join(parts)


def select_compatible(groups: Sequence[list[TextEdit]]) -> list[int]:
    """Indexes of edit groups that can be applied together, greedy in order.

    A group is skipped when one of its edits overlaps an edit of an accepted group; an edit
    identical to an accepted one is compatible (it is applied once). (line, column) pairs order
    positions like offsets do, so no source text is needed.
    """
    accepted: list[int] = []
    taken: set[TextEdit] = set()
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for i, group in enumerate(groups):
        new = [e for e in dict.fromkeys(group) if e not in taken]
        candidate = [((e.line, e.column), (e.end_line, e.end_column)) for e in new]
        if any(s1 < e2 and s2 < e1 for s1, e1 in candidate for s2, e2 in spans):
            continue
        accepted.append(i)
        taken.update(new)
        spans.extend(candidate)
    return accepted
