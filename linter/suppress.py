"""Suppression comments.

``# sls-lint: ignore[SLS201]`` or ``# noqa: SLS201`` on the line of a finding, on the first or
last line of the statement holding it, or alone on the line before that statement;
``# sls-lint: ignore-file[SLS501]`` anywhere in the file; the same ``#`` comments work in YAML
and TOML deployment files (on the key's line). A suppression that suppresses nothing is
reported as SLS002.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

ALL = "*"
_DIRECTIVE = re.compile(
    r"#\s*(?:(?P<sls>sls-lint\s*:\s*(?P<kind>ignore-file|ignore))(?:\s*\[(?P<codes>[^\]]*)\])?|(?P<noqa>noqa)(?:\s*:\s*(?P<noqa_codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?)",
    re.I,
)
_CANDIDATE = re.compile(r"sls-lint\s*:|noqa", re.I)


@dataclass
class Suppression:
    line: int
    column: int
    end_column: int
    codes: tuple[str, ...]  # SLS codes, or (ALL,)
    file_level: bool
    explicit: bool  # an sls-lint directive or a noqa naming SLS codes (only these can be "unused")
    used: set[str] = field(default_factory=set)

    def matches(self, code: str) -> bool:
        return ALL in self.codes or any(code == c or code.startswith(c) for c in self.codes)


def _comments(source: str, python: bool) -> list[tuple[int, int, str]]:
    """(line, 0-based column, text) of comments that may hold a directive."""
    if source.isascii():  # the common case: two substring scans instead of a case-blind regex
        low = source.lower()
        if "noqa" not in low and "sls-lint" not in low:
            return []
    elif not _CANDIDATE.search(source):  # (re.I also folds some non-ASCII letters: ſ, K, ı)
        return []
    if python:
        out = []
        try:
            for tok in tokenize.generate_tokens(io.StringIO(source).readline):
                if tok.type == tokenize.COMMENT and _CANDIDATE.search(tok.string):
                    out.append((tok.start[0], tok.start[1], tok.string))
            return out
        except (tokenize.TokenError, SyntaxError, IndentationError):
            pass  # fall back to the line scan below
    out = []
    for i, line in enumerate(source.splitlines(), 1):
        idx = _comment_start(line)
        if idx is not None and _CANDIDATE.search(line, idx):
            out.append((i, idx, line[idx:]))
    return out


def _comment_start(line: str) -> int | None:
    """Index of a ``#`` that starts a comment, outside quotes (YAML/TOML/fallback)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def parse_suppressions(source: str, *, python: bool = True) -> list[Suppression]:
    out = []
    for line, col, text in _comments(source, python):
        for m in _DIRECTIVE.finditer(text):
            if m.group("sls"):
                raw = m.group("codes")
                codes = tuple(c.strip().upper() for c in raw.split(",") if c.strip()) if raw is not None else (ALL,)
                out.append(Suppression(line, col + 1 + m.start(), col + 1 + m.end(), codes or (ALL,), m.group("kind").lower() == "ignore-file", True))
            else:
                raw = m.group("noqa_codes")
                if raw is None:
                    out.append(Suppression(line, col + 1 + m.start(), col + 1 + m.end(), (ALL,), False, False))
                else:
                    codes = tuple(c for c in re.split(r"[\s,]+", raw.upper()) if c.startswith("SLS"))
                    if codes:
                        out.append(Suppression(line, col + 1 + m.start(), col + 1 + m.end(), codes, False, True))
    return out


class SuppressionIndex:
    def __init__(self, suppressions: list[Suppression], statement_ranges: dict[int, tuple[int, int]] | None = None, comment_only_lines: set[int] | None = None):
        self.all = suppressions
        self.by_line: dict[int, list[Suppression]] = {}
        self.file_level = [s for s in suppressions if s.file_level]
        for s in suppressions:
            if not s.file_level:
                self.by_line.setdefault(s.line, []).append(s)
        self.ranges = statement_ranges or {}
        self.comment_only = comment_only_lines or set()

    def suppress(self, code: str, line: int) -> bool:
        """Whether a finding of ``code`` at ``line`` is suppressed; marks the suppression used."""
        for s in self.file_level:
            if s.matches(code):
                s.used.add(code)
                return True
        lines = [line]
        first, last = self.ranges.get(line, (line, line))
        lines += [first, last]
        if first - 1 in self.comment_only:
            lines.append(first - 1)
        for ln in dict.fromkeys(lines):
            for s in self.by_line.get(ln, ()):
                if s.matches(code):
                    s.used.add(code)
                    return True
        return False

    def unused(self) -> list[tuple[Suppression, tuple[str, ...]]]:
        """Explicit suppressions (or codes of them) that suppressed nothing."""
        out = []
        for s in self.all:
            if not s.explicit:
                continue
            if ALL in s.codes:
                if not s.used:
                    out.append((s, ()))
                continue
            unused = tuple(c for c in s.codes if not any(u == c or u.startswith(c) for u in s.used))
            if unused:
                out.append((s, unused))
        return out
