"""Shared rewrite machinery: fix intents become text edits (libcst for Python; round-trip editors for YAML/TOML/JSON).

A fixer runs on the original text of a file and returns the fixed text; :func:`edits_for` turns
that into the minimal :class:`~sls_lint.core.TextEdit` list, so that the edits of several intents,
all computed on the same original, can be checked for overlap and applied in one pass
(:func:`fix_source`). The engine re-lints and repeats until nothing changes.

Fixer modules are found automatically: any module under ``sls_lint.fixers`` that registers a
kind with ``@register("kind")`` (``suffixes=`` for other file types than Python).
"""
from __future__ import annotations

from typing import Sequence

from sls_lint.core import FixIntent, TextEdit
from sls_lint.fixers.registry import (
    PYTHON_SUFFIXES,
    FixError,
    file_type,
    fixer_for,
    kinds,
    load_fixers,
    register,
    register_validator,
    validator_for,
)
from sls_lint.fixers.textedits import apply_edits, diff_edits, select_compatible

__all__ = [
    "FixError",
    "register",
    "register_validator",
    "kinds",
    "load_fixers",
    "edits_for",
    "apply_edits",
    "select_compatible",
    "fix_source",
]


def edits_for(source: str, intent: FixIntent, *, path: str = "") -> list[TextEdit]:
    """The edits that apply ``intent`` to ``source`` (empty when there is nothing to change)."""
    fixed = fixer_for(intent.kind, path)(source, intent)
    imports = intent.param("imports")
    if imports:
        if file_type(path) not in PYTHON_SUFFIXES:
            raise FixError("the 'imports' parameter applies to Python files only")
        from sls_lint.fixers.imports import add_imports

        fixed = add_imports(fixed, imports)
    return diff_edits(source, fixed)


def _invalid(new: str, old: str, path: str) -> str | None:
    validate = validator_for(path)
    return validate(new, old) if validate else None


def fix_source(
    source: str, intents: Sequence[FixIntent], *, path: str = ""
) -> tuple[str, list[FixIntent], list[tuple[FixIntent, str]]]:
    """Apply as many intents as possible in one pass: ``(new_source, applied, failed)``.

    An intent fails when its fixer raises :class:`FixError`, changes nothing, or leaves text
    that does not parse. An intent whose edits overlap an earlier one (or that only breaks the
    code together with the others) is neither applied nor failed: the engine's next pass, on the
    re-linted text, tries it again.
    """
    failed: list[tuple[FixIntent, str]] = []
    ready: list[FixIntent] = []
    groups: list[list[TextEdit]] = []
    for intent in intents:
        try:
            edits = edits_for(source, intent, path=path)
        except FixError as exc:
            failed.append((intent, str(exc)))
            continue
        if not edits:
            failed.append((intent, "the fix changes nothing"))
            continue
        reason = _invalid(apply_edits(source, edits), source, path)
        if reason:
            failed.append((intent, f"the fix would leave code that does not parse: {reason}"))
            continue
        ready.append(intent)
        groups.append(edits)

    chosen = select_compatible(groups)
    combined = [e for i in chosen for e in groups[i]]
    result = apply_edits(source, combined)
    if not _invalid(result, source, path):
        return result, [ready[i] for i in chosen], failed

    # Valid one by one but not together: keep the largest prefix-greedy subset that parses.
    kept: list[TextEdit] = []
    applied: list[FixIntent] = []
    result = source
    for i in chosen:
        attempt = apply_edits(source, kept + groups[i])
        if not _invalid(attempt, source, path):
            kept += groups[i]
            applied.append(ready[i])
            result = attempt
    return result, applied, failed
