"""JSON / JSONC loading with positions (vercel.json, wrangler.json(c), CloudFormation JSON).

A small tokenizer-driven parser: it records the 1-based (line, column) of every key and list
item, accepts ``//`` and ``/* */`` comments and trailing commas in tolerant (JSONC) mode, limits
nesting depth, and reports the first error with its position instead of raising.
"""
from __future__ import annotations

import bisect
import json
import re
from typing import Any

from .yamlload import MAX_DEPTH, LoadResult

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n\ufeff]+)
  | (?P<lc>//[^\n]*)
  | (?P<bc>/\*.*?\*/)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<lit>true|false|null)
  | (?P<punct>[{}\[\]:,])
    """,
    re.VERBOSE | re.DOTALL,
)


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')


class _JsonError(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


class _Parser:
    def __init__(self, text: str, tolerant: bool, max_depth: int, result: LoadResult) -> None:
        self.text = text
        self.tolerant = tolerant
        self.max_depth = max_depth
        self.result = result
        self.tokens: list[tuple[str, str, int]] = []
        self.i = 0
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def pos(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return (line, offset - self.line_starts[line - 1] + 1)

    def tokenize(self) -> None:
        text, n, pos = self.text, len(self.text), 0
        append = self.tokens.append
        match = _TOKEN.match
        while pos < n:
            m = match(text, pos)
            if m is None:
                if text.startswith("/*", pos):
                    raise _JsonError(pos, "unterminated /* comment")
                if text[pos] == '"':
                    raise _JsonError(pos, "unterminated string")
                raise _JsonError(pos, f"unexpected character {text[pos]!r}")
            kind = m.lastgroup
            if kind == "ws":
                # U+FEFF is whitespace to the scanner (shared with the JSON editor) but JSON
                # allows a byte-order mark only as the file's first character
                bom = m.group().find("\ufeff", 1 if pos == 0 else 0)
                if bom >= 0:
                    raise _JsonError(pos + bom, "a byte-order mark (U+FEFF) is allowed only at the start of the file")
            elif kind in ("lc", "bc"):
                if not self.tolerant:
                    raise _JsonError(pos, "comments are not allowed in JSON")
            else:
                append((kind, m.group(), pos))
            pos = m.end()
        append(("eof", "", n))

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, text, off = self.take()
        if text != value or kind != "punct":
            raise _JsonError(off, f"expected {value!r}, found {_describe(kind, text)}")

    def value(self, path: tuple, depth: int) -> Any:
        kind, text, off = self.take()
        if kind == "str":
            return _string(text, off)
        if kind == "num":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "lit":
            return {"true": True, "false": False, "null": None}[text]
        if kind == "punct" and text in "{[":
            if depth >= self.max_depth:
                raise _JsonError(off, f"JSON nesting deeper than {self.max_depth} levels")
            return self.obj(path, depth + 1) if text == "{" else self.arr(path, depth + 1)
        raise _JsonError(off, f"expected a value, found {_describe(kind, text)}")

    def obj(self, path: tuple, depth: int) -> dict:
        out: dict = {}
        if self.peek()[1] == "}" and self.peek()[0] == "punct":
            self.take()
            return out
        while True:
            kind, text, off = self.take()
            if kind != "str":
                if self.tolerant and kind == "punct" and text == "}" and out:
                    return out  # trailing comma
                raise _JsonError(off, f"expected a string key, found {_describe(kind, text)}")
            key = _string(text, off)
            self.expect(":")
            voff = self.peek()[2]
            kp = path + (key,)
            self.result.locations[kp] = self.pos(off)
            self.result.value_locations[kp] = self.pos(voff)
            out[key] = self.value(kp, depth)
            kind, text, off = self.take()
            if kind == "punct" and text == "}":
                return out
            if not (kind == "punct" and text == ","):
                raise _JsonError(off, f"expected ',' or '}}', found {_describe(kind, text)}")
            if not self.tolerant and self.peek()[1] == "}" and self.peek()[0] == "punct":
                raise _JsonError(off, "trailing comma is not allowed in JSON")

    def arr(self, path: tuple, depth: int) -> list:
        out: list = []
        if self.peek()[1] == "]" and self.peek()[0] == "punct":
            self.take()
            return out
        while True:
            if self.tolerant and self.peek()[1] == "]" and self.peek()[0] == "punct" and out:
                self.take()
                return out  # trailing comma
            kp = path + (len(out),)
            p = self.pos(self.peek()[2])
            self.result.locations[kp] = p
            self.result.value_locations[kp] = p
            out.append(self.value(kp, depth))
            kind, text, off = self.take()
            if kind == "punct" and text == "]":
                return out
            if not (kind == "punct" and text == ","):
                raise _JsonError(off, f"expected ',' or ']', found {_describe(kind, text)}")
            if not self.tolerant and self.peek()[1] == "]" and self.peek()[0] == "punct":
                raise _JsonError(off, "trailing comma is not allowed in JSON")


def _describe(kind: str, text: str) -> str:
    if kind == "eof":
        return "end of file"
    return repr(text if len(text) <= 20 else text[:17] + "...")


def _string(token: str, offset: int) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        return json.loads(token)
    except ValueError as exc:
        raise _JsonError(offset, f"invalid string escape ({exc.msg})") from None


def load_json(text: str, *, tolerant: bool = False, max_depth: int = MAX_DEPTH) -> LoadResult:
    """Parse JSON (``tolerant``: JSONC with comments and trailing commas); never raises."""
    result = LoadResult()
    parser = _Parser(text, tolerant, max_depth, result)
    try:
        parser.tokenize()
        if parser.peek()[0] == "eof":
            raise _JsonError(len(text), "empty document")
        result.locations[()] = result.value_locations[()] = parser.pos(parser.peek()[2])
        data = parser.value((), 0)
        kind, tok, off = parser.take()
        if kind != "eof":
            raise _JsonError(off, f"unexpected {_describe(kind, tok)} after the document")
        result.data = data
    except _JsonError as exc:
        line, col = parser.pos(exc.offset)
        result.error = (line, col, f"invalid {'JSONC' if tolerant else 'JSON'}: {exc.message}")
        result.data = None
        result.locations.clear()
        result.value_locations.clear()
    except RecursionError:  # pragma: no cover - max_depth keeps us far from the limit
        result.error = (1, 1, "JSON nesting too deep")
        result.data = None
    return result


def strip_jsonc(text: str) -> str:
    """Blank out comments and trailing commas (outside strings), keeping every offset."""
    n, pos = len(text), 0
    pending_comma = -1
    chars = list(text)
    while pos < n:
        c = text[pos]
        if c == '"':
            m = _STRING.match(text, pos)
            pos = m.end()
            pending_comma = -1
            continue
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            end = n if end < 0 else end
            for k in range(pos, end):
                chars[k] = " "
            pos = end
            continue
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            end = n if end < 0 else end + 2
            for k in range(pos, end):
                if chars[k] != "\n":
                    chars[k] = " "
            pos = end
            continue
        if c == ",":
            pending_comma = pos
        elif c in "}]":
            if pending_comma >= 0:
                chars[pending_comma] = " "
            pending_comma = -1
        elif not c.isspace():
            pending_comma = -1
        pos += 1
    return "".join(chars)
