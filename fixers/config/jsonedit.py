"""``set-config-key`` for JSON and JSONC (CloudFormation JSON, vercel.json, wrangler.json(c)).

A small tokenizer finds every object's braces, members and commas (comments and trailing
commas are understood in JSONC); the new member is inserted as text on its own line in the
object's indentation (or inline, for a one-line object), with the file's line break, after a
comma added to the previous member unless the object already uses trailing commas.
"""
from __future__ import annotations

import json
from typing import Any

from sls_lint.core import FixIntent
from sls_lint.fixers.config import SetKey, dotted, expected_data, newline_of
from sls_lint.fixers.registry import FixError, register, register_validator
from sls_lint.project.jsonload import _TOKEN, load_json  # _TOKEN: one JSON(C) token scanner for loading and editing
from sls_lint.project.yamlload import MAX_DEPTH


class _Node:
    __slots__ = ("kind", "start", "end", "members", "items")

    def __init__(self, kind: str, start: int) -> None:
        self.kind = kind  # object | array | scalar
        self.start = start
        self.end = start
        self.members: list[tuple[str, int, "_Node", int | None]] = []  # key, key offset, value, comma
        self.items: list[_Node] = []


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise FixError(f"the JSON cannot be tokenized at offset {pos}")
            if m.lastgroup not in ("ws", "lc", "bc"):
                self.tokens.append((m.lastgroup, m.group(), pos))
            pos = m.end()
        self.tokens.append(("eof", "", len(text)))
        self.i = 0

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def value(self, depth: int = 0) -> _Node:
        if depth > MAX_DEPTH:
            raise FixError("the JSON nests too deeply")
        kind, text, off = self.take()
        if kind in ("str", "num", "lit"):
            node = _Node("scalar", off)
            node.end = off + len(text)
            return node
        if kind == "punct" and text == "{":
            node = _Node("object", off)
            while True:
                kind, text, off = self.take()
                if kind == "punct" and text == "}":
                    node.end = off + 1
                    return node
                if kind != "str":
                    raise FixError("unexpected token in a JSON object")
                key = json.loads(text)
                if self.take()[1] != ":":
                    raise FixError("expected ':' in a JSON object")
                value = self.value(depth + 1)
                comma = None
                if self.peek()[1] == "," and self.peek()[0] == "punct":
                    comma = self.take()[2]
                node.members.append((key, off, value, comma))
        if kind == "punct" and text == "[":
            node = _Node("array", off)
            while True:
                if self.peek()[1] == "]" and self.peek()[0] == "punct":
                    node.end = self.take()[2] + 1
                    return node
                node.items.append(self.value(depth + 1))
                if self.peek()[1] == "," and self.peek()[0] == "punct":
                    self.take()
        raise FixError("unexpected token in JSON")


def render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _line_start(text: str, offset: int) -> int:
    return max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1


def _line_end(text: str, offset: int) -> int:
    ends = [i for i in (text.find("\n", offset), text.find("\r", offset)) if i >= 0]
    return min(ends) if ends else len(text)


def _only_trivia(segment: str) -> bool:
    """Whitespace and comments only (the rest of a line after a member)."""
    s = segment.strip()
    return not s or s.startswith("//") or (s.startswith("/*") and s.endswith("*/") and "*/" not in s[2:-2])


def _insert(text: str, obj: _Node, key: str, value: Any, after: tuple[str, ...], nl: str) -> str:
    member = f"{render(key)}: {render(value)}"
    if not obj.members:
        open_line_end = _line_end(text, obj.start)
        if open_line_end < obj.end - 1:  # `{` and `}` on different lines
            base = text[_line_start(text, obj.start):obj.start]
            base = base[: len(base) - len(base.lstrip(" \t"))]
            unit = "\t" if base.startswith("\t") else "  "
            return text[: obj.start + 1] + nl + base + unit + member + text[obj.start + 1:]
        return text[: obj.start + 1] + member + text[obj.start + 1:]
    index = len(obj.members) - 1
    for name in after:
        hits = [i for i, m in enumerate(obj.members) if m[0] == name]
        if hits:
            index = hits[-1]
            break
    _k, key_off, prev, comma = obj.members[index]
    is_last = index == len(obj.members) - 1
    trailing = comma is not None and is_last  # JSONC trailing-comma style
    first_key_line = _line_start(text, obj.members[0][1])
    multiline = _line_start(text, obj.start) != first_key_line
    cut = comma + 1 if comma is not None else prev.end
    line_end = _line_end(text, cut)
    if multiline and _only_trivia(text[cut:line_end]) and line_end <= obj.end - 1:
        indent = text[_line_start(text, key_off):key_off]
        if indent.strip():
            indent = " " * len(indent)
        new_line = nl + indent + member + ("," if (trailing or not is_last) else "")
        out = text[:line_end] + new_line + text[line_end:]
        if comma is None:  # the previous member needs a comma now
            out = out[: prev.end] + "," + out[prev.end:]
        return out
    # one-line object (or `}` right after the member): insert inline
    if comma is not None:
        return text[: comma + 1] + " " + member + ("," if not is_last else "") + text[comma + 1:]
    return text[: prev.end] + ", " + member + text[prev.end:]


def set_json_key(text: str, path: tuple, key: str, value: Any, *, replace: bool = False,
                 after: tuple[str, ...] = (), tolerant: bool | None = None) -> str:
    if tolerant is None:
        tolerant = load_json(text).error is not None
    old = load_json(text, tolerant=tolerant)
    if old.error:
        raise FixError(f"the JSON cannot be parsed: {old.error[2]}")
    node = _Parser(text).value()
    rest = list(path)
    while rest:
        part = rest[0]
        if node.kind == "object":
            hits = [m for m in node.members if m[0] == part]
            if not hits:
                break
            node = hits[-1][2]
        elif node.kind == "array" and isinstance(part, int) and -len(node.items) <= part < len(node.items):
            node = node.items[part]
        else:
            raise FixError(f"{dotted(path)} is not an object")
        rest.pop(0)
    if node.kind != "object":
        raise FixError(f"{dotted(path[: len(path) - len(rest)])} is not an object")
    nl = newline_of(text)
    if rest:
        nested: Any = {key: value}
        for part in reversed(rest[1:]):
            nested = {part: nested}
        new = _insert(text, node, str(rest[0]), nested, (), nl)
    else:
        hits = [m for m in node.members if m[0] == key]
        if hits:
            if not replace:
                return text
            target = hits[-1][2]
            if target.kind != "scalar":
                raise FixError(f"{dotted(path, key)} is not a plain value; not replacing it")
            new = text[: target.start] + render(value) + text[target.end:]
        else:
            new = _insert(text, node, key, value, after, nl)
    result = load_json(new, tolerant=tolerant)
    if result.error:
        raise FixError(f"the edited JSON would not parse: {result.error[2]}")
    if result.data != expected_data(old.data, path, key, value, replace):
        raise FixError(f"setting {dotted(path, key)} would change other settings too")
    return new


@register("set-config-key", suffixes=(".json",))
def fix_json(source: str, intent: FixIntent) -> str:
    p = SetKey(intent)
    return set_json_key(source, p.path, p.key, p.value, replace=p.replace, after=p.after)


@register("set-config-key", suffixes=(".jsonc",))
def fix_jsonc(source: str, intent: FixIntent) -> str:
    p = SetKey(intent)
    return set_json_key(source, p.path, p.key, p.value, replace=p.replace, after=p.after, tolerant=True)


def _validator(tolerant: bool | None):
    def validate(new: str, old: str) -> str | None:
        mode = tolerant if tolerant is not None else load_json(old).error is not None
        result = load_json(new, tolerant=mode)
        if result.error is None or load_json(old, tolerant=mode).error is not None:
            return None
        line, col, msg = result.error
        return f"{msg} (line {line}, column {col})"

    return validate


register_validator(".json")(_validator(None))
register_validator(".jsonc")(_validator(True))
