"""Deployment-file fixers: ``set-config-key`` for YAML (serverless.yml, SAM/CloudFormation),
JSON / JSONC (CloudFormation JSON, vercel.json, wrangler.json(c)) and TOML (wrangler.toml).

Intent params (shared by every format)::

    path     tuple of keys (str) / list indexes (int) of the mapping that holds the key;
             mappings missing along the path are created
    key      the key to set
    value    the value as JSON text ("10", "\\"Active\\"", "[\\"ReportBatchItemFailures\\"]")
    replace  False (default): an existing key is left alone; True: its value is replaced
    after    optional tuple of sibling keys: insert right after the first one present
             (YAML and JSON); default: after the mapping's last entry

YAML and JSON are edited as text at the positions the parser reports, so every line the fix
does not need is kept byte for byte (comments, quotes, indentation, anchors and aliases, flow
style, CFN short tags, CRLF). A round-trip dump (ruamel.yaml) re-indents, re-wraps long flow
lines and moves comments on lines it never needed to touch, so it is used nowhere here. Each
edit is checked by loading the result again: the data must equal the old data with exactly
this one key set, which refuses edits that would also change an anchor's aliases or a merge.
TOML goes through tomlkit, which keeps the document's formatting.
"""
from __future__ import annotations

import json
from typing import Any

from sls_lint.core import FixIntent
from sls_lint.fixers.registry import FixError


class SetKey:
    """The parsed params of a set-config-key intent."""

    def __init__(self, intent: FixIntent) -> None:
        path = intent.param("path", ())
        key = intent.param("key")
        raw = intent.param("value")
        if not isinstance(path, (tuple, list)) or not all(isinstance(p, (str, int)) for p in path):
            raise FixError("set-config-key needs 'path': a tuple of keys")
        if not isinstance(key, str) or not key:
            raise FixError("set-config-key needs 'key': a non-empty string")
        if not isinstance(raw, str):
            raise FixError("set-config-key needs 'value' as JSON text")
        try:
            self.value: Any = json.loads(raw)
        except ValueError as exc:
            raise FixError(f"set-config-key 'value' is not JSON: {exc}") from None
        self.path: tuple = tuple(path)
        self.key: str = key
        self.replace: bool = bool(intent.param("replace", False))
        after = intent.param("after", ())
        self.after: tuple[str, ...] = tuple(a for a in (after or ()) if isinstance(a, str))


def expected_data(old: Any, path: tuple, key: str, value: Any, replace: bool) -> Any:
    """``old`` (plain data, not modified) with ``key`` set under ``path`` (creating mappings)."""
    import copy

    new = copy.deepcopy(old)
    cur = new
    for part in path:
        if isinstance(cur, dict):
            if part not in cur or cur[part] is None:
                cur[part] = {}
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and -len(cur) <= part < len(cur):
            cur = cur[part]
        else:
            raise FixError(f"cannot reach {'.'.join(map(str, path))}: not a mapping")
    if not isinstance(cur, dict):
        raise FixError(f"{'.'.join(map(str, path)) or 'the document'} is not a mapping")
    if key not in cur or replace:
        cur[key] = value
    return new


def newline_of(text: str) -> str:
    i = text.find("\n")
    if i > 0 and text[i - 1] == "\r":
        return "\r\n"
    if i < 0 and "\r" in text:
        return "\r"
    return "\n"


def dotted(path: tuple, key: str | None = None) -> str:
    parts = [str(p) for p in path] + ([key] if key is not None else [])
    return ".".join(parts) or "the document"
