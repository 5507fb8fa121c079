"""``set-config-key`` for TOML (wrangler.toml) through tomlkit, which keeps the document's
comments, key order, quoting and spacing; the result is checked with the standard library's
parser (the data must equal the old data with exactly this one key set)."""
from __future__ import annotations

import sys
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from sls_lint.core import FixIntent
from sls_lint.fixers.config import SetKey, dotted, expected_data, newline_of
from sls_lint.fixers.registry import FixError, register, register_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _load(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise FixError(f"the TOML cannot be parsed: {exc}") from None


def set_toml_key(text: str, path: tuple, key: str, value: Any, *, replace: bool = False) -> str:
    old = _load(text)
    try:
        doc = tomlkit.parse(text)
    except (TOMLKitError, ValueError, RecursionError) as exc:
        raise FixError(f"the TOML cannot be parsed: {exc}") from None
    cur: Any = doc
    for part in path:
        if not isinstance(part, str):
            raise FixError("TOML paths are table names")
        if part not in cur:
            cur[part] = tomlkit.table()
        cur = cur[part]
        if not isinstance(cur, dict):
            raise FixError(f"{dotted(path)} is not a table")
    if key in cur and not replace:
        return text
    cur[key] = value
    new = tomlkit.dumps(doc)
    nl = newline_of(text)
    if nl != "\n":  # tomlkit writes "\n" in the parts it creates
        new = new.replace("\r\n", "\n").replace("\n", nl)
    if _load(new) != expected_data(old, path, key, value, replace):
        raise FixError(f"setting {dotted(path, key)} would change other settings too")
    return new


@register("set-config-key", suffixes=(".toml",))
def fix_toml(source: str, intent: FixIntent) -> str:
    p = SetKey(intent)
    return set_toml_key(source, p.path, p.key, p.value, replace=p.replace)


@register_validator(".toml")
def validate_toml(new: str, old: str) -> str | None:
    try:
        tomllib.loads(new)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        try:
            tomllib.loads(old)
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            return None
        return f"invalid TOML: {exc}"
    return None
