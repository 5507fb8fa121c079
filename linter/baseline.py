"""Baselines: accept today's findings, fail only on new ones.

``sls-lint check --write-baseline --baseline FILE`` records every current finding; later runs
with ``--baseline FILE`` report (and fail on) only findings that are not in it, and list the
*stale* entries: findings recorded in the baseline that are gone (fixed, or moved out of the
checked files), so the file can be refreshed.

A finding's fingerprint is ``sha256(code, path, normalized source)``: the rule code, the file
(relative to the baseline file's folder, so the baseline works from any working directory) and
:attr:`Diagnostic.fingerprint_source`, the whitespace-normalized source text of the flagged
node (where a rule has none, the message with digits removed). Lines moving, code added above
or below, and re-indentation keep the fingerprint; editing the flagged code itself makes it a
new finding. Only the hash is stored, never the source (it can hold a secret). Two findings
with the same fingerprint in one file are counted: a third copy of a baselined pair is new.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from .core import Diagnostic

FORMAT = 1


class BaselineError(Exception):
    pass


def _normalize(text: str) -> str:
    return " ".join(text.split())


def fingerprint(d: Diagnostic, path: str | None = None) -> str:
    """The stable, one-way fingerprint of a finding (``path``: as stored in the baseline)."""
    source = _normalize(d.fingerprint_source) if d.fingerprint_source else "message:" + re.sub(r"\d+", "#", _normalize(d.message))
    h = hashlib.sha256()
    for part in (d.code, path if path is not None else d.path, source):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    path: str
    message: str
    count: int = 1


@dataclass
class Comparison:
    new: list[Diagnostic]  # not in the baseline: these are reported and fail the run
    known: list[Diagnostic]  # matched a baseline entry
    stale: list[Entry]  # baseline entries (for the checked files) that no longer match anything


class Baseline:
    def __init__(self, path: str, entries: Iterable[Entry] = ()):
        self.path = os.path.abspath(path)
        self.entries = list(entries)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)

    def rel(self, display_path: str, cwd: str) -> str:
        """A finding's path (relative to ``cwd``) as stored: relative to the baseline's folder."""
        return os.path.relpath(os.path.join(cwd, display_path), self.folder).replace(os.sep, "/")

    # ------------------------------------------------------------------ io
    @classmethod
    def load(cls, path: str) -> "Baseline":
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline)") from None
        except (OSError, ValueError) as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{path} is not an sls-lint baseline (format {FORMAT}); rewrite it with --write-baseline")
        entries = []
        for i, item in enumerate(data["findings"]):
            try:
                entries.append(Entry(str(item["fingerprint"]), str(item["code"]), str(item["path"]), str(item.get("message", "")), int(item.get("count", 1))))
            except (KeyError, TypeError, ValueError):
                raise BaselineError(f"{path}: finding #{i + 1} is malformed; rewrite the baseline with --write-baseline") from None
        return cls(path, entries)

    @classmethod
    def from_diagnostics(cls, path: str, diagnostics: Sequence[Diagnostic], cwd: str) -> "Baseline":
        b = cls(path)
        counts: Counter[tuple[str, str, str]] = Counter()
        first: dict[tuple[str, str, str], Diagnostic] = {}
        for d in sorted(diagnostics, key=lambda d: d.sort_key()):
            rel = b.rel(d.path, cwd)
            key = (fingerprint(d, rel), d.code, rel)
            counts[key] += 1
            first.setdefault(key, d)
        b.entries = [Entry(fp, code, rel, first[(fp, code, rel)].message, n) for (fp, code, rel), n in sorted(counts.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0]))]
        return b

    def write(self) -> None:
        payload = {
            "format": FORMAT,
            "tool": "sls-lint",
            "findings": [{"fingerprint": e.fingerprint, "code": e.code, "path": e.path, "message": e.message, "count": e.count} for e in self.entries],
        }
        folder = self.folder
        os.makedirs(folder, exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(payload, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, self.path)

    # ------------------------------------------------------------------ compare
    def compare(self, diagnostics: Sequence[Diagnostic], cwd: str, checked: Iterable[str] | None = None) -> Comparison:
        """Split findings into new and known; ``checked`` (display paths) limits stale entries to
        the files this run looked at (a ``--diff-base`` or ``--shard`` run sees only some)."""
        budget: Counter[str] = Counter()
        for e in self.entries:
            budget[e.fingerprint] += e.count
        new, known = [], []
        for d in sorted(diagnostics, key=lambda d: d.sort_key()):
            fp = fingerprint(d, self.rel(d.path, cwd))
            if budget[fp] > 0:
                budget[fp] -= 1
                known.append(d)
            else:
                new.append(d)
        scope = None if checked is None else {self.rel(p, cwd) for p in checked}
        stale = []
        for e in self.entries:
            left = budget.get(e.fingerprint, 0)
            if left > 0 and (scope is None or e.path in scope):
                n = min(left, e.count)
                budget[e.fingerprint] -= n
                stale.append(Entry(e.fingerprint, e.code, e.path, e.message, n))
        return Comparison(new, known, stale)
