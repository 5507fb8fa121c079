"""What a run needs to know about the rules before any of them runs, without importing them.

A warm run over an unchanged tree runs no rule, yet it needs every rule's options (the config
schema, the option defaults in the cache key) and the codes and modules of the enabled rules
(the cache key). Importing the ~50 rule modules for that costs ~40 ms of start-up, so the
facts are kept in ``sls_lint/data/rule-index.json``, written by ``python -m sls_lint.ruleindex``
(and by ``python -m sls_lint.docs``, which rule authors run anyway).

The index records a digest of every rule module's source. When the installed rules do not
match it (a rule was edited and the index not regenerated), the rules are imported and the
facts taken from them: a stale index can only cost time, never change a result.
``tests/test_warm_path.py`` fails while the shipped index is stale.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Iterator

INDEX_NAME = "rule-index.json"


def _index_path() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", INDEX_NAME)


def rules_digest() -> str:
    """A digest of the source of every module of ``sls_lint.rules`` (path and content)."""
    from .cache import package_digest

    return package_digest("sls_lint.rules")


def build_index() -> dict[str, Any]:
    """The index, from the imported rules."""
    from .cache import encode
    from .rule import all_rules

    rules = []
    for r in all_rules():
        options = [{"name": o.name, "type": o.type, "default": encode(o.default), "description": o.description, "items": o.items, "enum": encode(o.enum)} for o in r.options]
        rules.append({"code": r.code, "module": r.module_name, "options": options})
    index = {"rules-digest": rules_digest(), "rules": rules}
    try:  # the lock/requirements files SLS204 reads pins from (part of the cache key)
        from sls_lint.rules.timeouts._pins import _LOCKS, _SPECS

        index["pin-files"] = [list(_LOCKS), list(_SPECS)]
    except ImportError:  # pragma: no cover - the rule moved
        pass
    return index


@lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    """The shipped index when it matches the installed rules, else one built from them."""
    try:
        with open(_index_path(), encoding="utf-8") as fh:
            data = json.load(fh)
        if isinstance(data, dict) and data.get("rules-digest") == rules_digest() and isinstance(data.get("rules"), list):
            return data
    except (OSError, ValueError):
        pass
    return build_index()


def write_index(path: str | None = None) -> str:
    """Write the index for the installed rules; returns the path written."""
    path = path or _index_path()
    text = json.dumps(build_index(), indent=1, sort_keys=True) + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


@lru_cache(maxsize=1)
def indexed_options() -> tuple:
    """:func:`sls_lint.rule.all_options` without importing the rules."""
    from .cache import loads
    from .config import RuleOption

    seen: dict[str, RuleOption] = {}
    for r in _index()["rules"]:
        for o in r["options"]:
            if o["name"] not in seen:
                seen[o["name"]] = RuleOption(o["name"], o["type"], loads(json.dumps(o["default"])), o["description"], o["items"], loads(json.dumps(o["enum"])))
    return tuple(seen.values())


def indexed_pin_names() -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The (lock, spec) file names SLS204 reads pins from; None when the index has none."""
    found = _index().get("pin-files")
    if isinstance(found, list) and len(found) == 2 and all(isinstance(x, list) for x in found):
        return tuple(found[0]), tuple(found[1])
    return None


class EnabledRules(Sequence):
    """The classes of the rules ``config`` enables, in code order, imported on first use.
    :meth:`cache_key` (codes and modules) needs no import."""

    def __init__(self, config: Any):
        self._config = config
        self._classes: list | None = None
        self.entries = [(r["code"], r["module"]) for r in _index()["rules"] if config.is_enabled(r["code"])]

    def cache_key(self) -> str:
        return ",".join(f"{code}:{module}" for code, module in self.entries)

    def _load(self) -> list:
        if self._classes is None:
            from .rule import all_rules

            self._classes = [r for r in all_rules() if self._config.is_enabled(r.code)]
        return self._classes

    def __getitem__(self, i):  # type: ignore[override]
        return self._load()[i]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[type]:
        return iter(self._load())

    def __reduce__(self):  # worker processes get the classes themselves
        return (list, (self._load(),))


if __name__ == "__main__":
    print(write_index())
