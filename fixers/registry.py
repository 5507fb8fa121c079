"""Fixer and validator registries, keyed by intent kind and file type (path suffix).

A fixer is ``fn(source: str, intent: FixIntent) -> str``: it returns the whole fixed text (or the
same text when there is nothing to do) and raises :class:`FixError` when the intent cannot be
applied. A validator is ``fn(new: str, old: str) -> str | None``: the reason the fixed text is
unacceptable (does not parse), or None.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import PurePath
from typing import Callable

from sls_lint.core import FixIntent

PYTHON_SUFFIXES = (".py", ".pyi")

Fixer = Callable[[str, FixIntent], str]
Validator = Callable[[str, str], "str | None"]

_FIXERS: dict[tuple[str, str], Fixer] = {}
_VALIDATORS: dict[str, Validator] = {}
_loaded = False


class FixError(Exception):
    """The intent cannot be applied (node not found, unsupported shape, unsafe here)."""


def file_type(path: str) -> str:
    """The suffix that selects fixers and validators; Python when the path has none (stdin)."""
    return PurePath(path).suffix.lower() or ".py"


def register(kind: str, *, suffixes: tuple[str, ...] = PYTHON_SUFFIXES) -> Callable[[Fixer], Fixer]:
    """Decorator: ``fn`` fixes intents of ``kind`` in files ending with one of ``suffixes``."""

    def decorate(fn: Fixer) -> Fixer:
        for suffix in suffixes:
            key = (kind, suffix.lower())
            if key in _FIXERS and _FIXERS[key] is not fn:
                raise ValueError(f"fixer {kind!r} for {suffix} is registered twice")
            _FIXERS[key] = fn
        return fn

    return decorate


def register_validator(*suffixes: str) -> Callable[[Validator], Validator]:
    def decorate(fn: Validator) -> Validator:
        for suffix in suffixes:
            _VALIDATORS[suffix.lower()] = fn
        return fn

    return decorate


def load_fixers() -> None:
    """Import every module under sls_lint.fixers once, so their @register decorators run."""
    global _loaded
    if _loaded:
        return
    package = importlib.import_module("sls_lint.fixers")
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
        importlib.import_module(info.name)
    _loaded = True


def fixer_for(kind: str, path: str) -> Fixer:
    load_fixers()
    suffix = file_type(path)
    try:
        return _FIXERS[(kind, suffix)]
    except KeyError:
        raise FixError(f"no fixer for {kind!r} in {suffix} files") from None


def validator_for(path: str) -> Validator | None:
    load_fixers()
    return _VALIDATORS.get(file_type(path))


def kinds(path: str = "") -> list[str]:
    """The intent kinds that can be fixed in a file like ``path``."""
    load_fixers()
    suffix = file_type(path)
    return sorted(kind for kind, s in _FIXERS if s == suffix)
