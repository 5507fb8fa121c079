"""``set-config-key`` for YAML (serverless.yml, SAM / CloudFormation templates).

The document is composed (PyYAML's C composer: a node graph with marks, nothing constructed,
aliases not expanded) to find where the target mapping and its entries are; the new entry is
then inserted as text, in the mapping's own indentation (block) or inside its braces (flow),
with the file's line break. Every other character of the file stays as it was.
"""
from __future__ import annotations

import json
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sls_lint.core import FixIntent
from sls_lint.fixers.config import SetKey, dotted, expected_data, newline_of
from sls_lint.fixers.registry import FixError, register, register_validator
from sls_lint.fixers.textedits import split_lines
from sls_lint.project.yamlload import load_yaml
from sls_lint.suppress import _comment_start  # where a `#` comment starts, outside quotes (one scanner)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"
_NULL = "tag:yaml.org,2002:null"
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
_SPECIAL = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")  # YAML 1.1 line breaks that our line split ignores
SUFFIXES = (".yml", ".yaml")


# -- rendering ------------------------------------------------------------------------------
def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _SPECIAL:
            return value
        return json.dumps(value)
    raise FixError(f"cannot write a {type(value).__name__} value in YAML")


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(key: str, value: Any, indent: int, step: int) -> list[str]:
    """``key: value`` as block lines at ``indent`` (nested mappings indented by ``step``)."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = [f"{pad}{scalar(key)}:"]
        for k, v in value.items():
            lines += block(k, v, indent + step, step)
        return lines
    return [f"{pad}{scalar(key)}: {flow(value)}"]


# -- locating -------------------------------------------------------------------------------
def _is_alias_of_earlier(key: Node, value: Node) -> bool:
    """An alias value (``key: *a``): its node is the anchor's, marked before the key."""
    return value.start_mark.index < key.end_mark.index


def _find(mapping: MappingNode, key: Any) -> tuple[Node, Node] | None:
    found = None
    for k, v in mapping.value:
        if k.tag != _MERGE and isinstance(k, ScalarNode) and k.value == str(key):
            found = (k, v)  # the last duplicate wins, as when loading
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_blank_or_comment(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


class _Doc:
    def __init__(self, text: str) -> None:
        if any(c in text for c in _ODD_BREAKS):
            raise FixError("the file uses Unicode line separators; not editing it")
        self.text = text
        self.nl = newline_of(text)
        self.lines = split_lines(text)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        try:
            docs = [d for d in yaml.compose_all(text, Loader=_Loader) if d is not None]
        except (yaml.YAMLError, RecursionError) as exc:
            raise FixError(f"the YAML cannot be parsed: {str(exc).splitlines()[0] if str(exc) else exc}") from None
        if not docs:
            raise FixError("the YAML document is empty")
        self.root = docs[0]

    def content(self, i: int) -> str:
        return self.lines[i].rstrip("\r\n") if i < len(self.lines) else ""

    def entry_last_line(self, key: Node, value: Node, col: int) -> int:
        """0-based last line of a block-mapping entry whose key is at column ``col``."""
        last = key.end_mark.line
        if not _is_alias_of_earlier(key, value):
            last = max(last, _node_last(value))
        seq = isinstance(value, SequenceNode) and not value.flow_style
        # extend over continuation lines (deeper, or an indentless '- ' item of this entry)
        i = last + 1
        while i < len(self.lines):
            line = self.content(i)
            if _is_blank_or_comment(line):
                i += 1
                continue
            ind = _indent(line)
            rest = line[ind:]
            if ind > col or (seq and ind == col and (rest == "-" or rest.startswith("- "))):
                last = i
                i += 1
                continue
            break
        # never end on blank / comment lines (they belong to what follows)
        while last > key.end_mark.line and _is_blank_or_comment(self.content(last)):
            last -= 1
        return last

    def after_line(self, i: int) -> tuple[int, str]:
        """Offset just after line ``i`` and the prefix needed there (a line break when the file
        does not end with one)."""
        if i + 1 < len(self.lines) or self.lines[i].endswith(("\n", "\r")):
            return self.starts[i + 1], ""
        return len(self.text), self.nl


def _node_last(node: Node) -> int:
    """0-based line of the last character of ``node``'s own text (block collections end where
    their last child ends: their end mark is the next token, possibly lines later)."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        if isinstance(node, MappingNode):
            k, v = node.value[-1]
            return k.end_mark.line if _is_alias_of_earlier(k, v) else max(k.end_mark.line, _node_last(v))
        item = node.value[-1]
        if item.start_mark.index < node.start_mark.index:  # an alias item: its line is unknown here
            return node.start_mark.line
        return _node_last(item)
    end = node.end_mark
    return end.line if end.column > 0 or end.line == node.start_mark.line else end.line - 1


def _step(doc: _Doc, parent_col: int | None, child_col: int) -> int:
    if parent_col is not None and child_col > parent_col:
        return child_col - parent_col
    return 2


def _insert_block(doc: _Doc, mapping: MappingNode, key: str, value: Any, after: tuple[str, ...],
                  parent_col: int | None) -> str:
    pairs = [(k, v) for k, v in mapping.value]
    col = pairs[0][0].start_mark.column
    anchor = None
    for name in after:
        hit = _find(mapping, name)
        if hit is not None:
            anchor = hit
            break
    if anchor is None:
        anchor = pairs[-1]
    for k, _v in pairs:
        if k.start_mark.column != col and k.start_mark.line != pairs[0][0].start_mark.line:
            raise FixError("the mapping's keys are not aligned; not editing it")
    last = doc.entry_last_line(anchor[0], anchor[1], col)
    offset, prefix = doc.after_line(last)
    lines = block(key, value, col, _step(doc, parent_col, col))
    return doc.text[:offset] + prefix + doc.nl.join(lines) + (doc.nl if not prefix else "") + doc.text[offset:]


def _insert_flow(doc: _Doc, mapping: MappingNode, key: str, value: Any) -> str:
    close = mapping.end_mark.index - 1
    if not (0 <= close < len(doc.text)) or doc.text[close] != "}":
        raise FixError("cannot find the end of the flow mapping")
    item = f"{scalar(key)}: {flow(value)}"
    if not mapping.value:
        open_ = mapping.start_mark.index
        if doc.text[open_:open_ + 1] != "{":
            raise FixError("cannot find the start of the flow mapping")
        return doc.text[:open_ + 1] + item + doc.text[open_ + 1:]
    # the last significant character before '}', outside comments
    pos = close
    while True:
        pos -= 1
        while pos >= 0 and doc.text[pos] in " \t\r\n":
            pos -= 1
        if pos < 0:
            raise FixError("cannot find the last entry of the flow mapping")
        line_start = doc.text.rfind("\n", 0, pos) + 1
        cstart = _comment_start(doc.text[line_start:pos + 1])
        if cstart is None:
            break
        pos = line_start + cstart  # skip the comment, look before it
    insert = pos + 1
    text = doc.text[:insert]
    if text.endswith(","):
        return text + " " + item + doc.text[insert:]
    return text + ", " + item + doc.text[insert:]


def set_yaml_key(text: str, path: tuple, key: str, value: Any, *, replace: bool = False,
                 after: tuple[str, ...] = ()) -> str:
    """``text`` with ``key: value`` set in the mapping at ``path`` (see the package docs)."""
    old = load_yaml(text)
    if old.error:
        raise FixError(f"the YAML cannot be parsed: {old.error[2]}")
    if not replace and key in _mapping_at(old.data, path):
        return text  # already set (also through a merge key)
    doc = _Doc(text)
    node: Node = doc.root
    parent_col: int | None = None
    rest = list(path)
    while rest:
        part = rest[0]
        if isinstance(node, MappingNode):
            hit = _find(node, part)
            if hit is None:
                break
            k, v = hit
            if _is_alias_of_earlier(k, v):
                raise FixError(f"{dotted(path)} is an alias; editing it would change its anchor too")
            parent_col = k.start_mark.column if not node.flow_style else None
            node = v
        elif isinstance(node, SequenceNode) and isinstance(part, int) and -len(node.value) <= part < len(node.value):
            node = node.value[part]
            parent_col = None
        else:
            raise FixError(f"{dotted(path)} is not a mapping")
        rest.pop(0)
    if not isinstance(node, MappingNode):
        raise FixError(f"{dotted(path[: len(path) - len(rest)])} is not a mapping")
    if rest:  # create the missing mappings
        nested: Any = {key: value}
        for part in reversed(rest[1:]):
            nested = {part: nested}
        ins_key, ins_value = str(rest[0]), nested
    else:
        hit = _find(node, key)
        if hit is not None:
            if not replace:
                return text
            k, v = hit
            if _is_alias_of_earlier(k, v) or not isinstance(v, ScalarNode) or v.style in ("|", ">"):
                raise FixError(f"{dotted(path, key)} is not a plain value; not replacing it")
            if v.start_mark.line != v.end_mark.line:
                raise FixError(f"{dotted(path, key)} spans several lines; not replacing it")
            new = text[: v.start_mark.index] + flow(value) + text[v.end_mark.index:]
            return _checked(new, old.data, path, key, value, replace)
        ins_key, ins_value = key, value
    if node.flow_style:
        new = _insert_flow(doc, node, ins_key, ins_value)
    elif not node.value:
        raise FixError(f"{dotted(path)} is an empty block mapping")
    else:
        new = _insert_block(doc, node, ins_key, ins_value, after if not rest else (), parent_col)
    return _checked(new, old.data, path, key, value, replace)


def _mapping_at(data: Any, path: tuple) -> dict:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and -len(data) <= part < len(data):
            data = data[part]
        else:
            return {}
    return data if isinstance(data, dict) else {}


def _checked(new: str, old_data: Any, path: tuple, key: str, value: Any, replace: bool) -> str:
    result = load_yaml(new)
    if result.error:
        raise FixError(f"the edited YAML would not parse: {result.error[2]}")
    if result.data != expected_data(old_data, path, key, value, replace):
        raise FixError(f"setting {dotted(path, key)} here would change other settings too "
                       "(an anchor, alias or merge shares this mapping)")
    return new


@register("set-config-key", suffixes=SUFFIXES)
def fix_yaml(source: str, intent: FixIntent) -> str:
    p = SetKey(intent)
    return set_yaml_key(source, p.path, p.key, p.value, replace=p.replace, after=p.after)


@register_validator(*SUFFIXES)
def validate_yaml(new: str, old: str) -> str | None:
    result = load_yaml(new)
    if result.error is None:
        return None
    if load_yaml(old).error is not None:
        return None  # it did not parse before either
    line, col, msg = result.error
    return f"{msg} (line {line}, column {col})"


# -- wrap-config-scalar ---------------------------------------------------------------------
def _doc_step(root: Node) -> int:
    """The file's block indentation step (the first nested block mapping's), 2 when none."""
    if isinstance(root, MappingNode) and not root.flow_style:
        for k, v in root.value:
            if isinstance(v, MappingNode) and not v.flow_style and v.value and not _is_alias_of_earlier(k, v):
                step = v.value[0][0].start_mark.column - k.start_mark.column
                if step > 0:
                    return step
    return 2


def wrap_yaml_scalar(text: str, path: tuple, key: str, add: dict) -> str:
    """``text`` with the scalar at ``path`` (``sqs: arn:...``) turned into a block mapping
    ``{key: <the scalar as written>, **add}``; the scalar's text and its line's comment are
    kept. Unchanged when the value is already a mapping."""
    if not path:
        raise FixError("wrap-config-scalar needs a non-empty 'path'")
    old = load_yaml(text)
    if old.error:
        raise FixError(f"the YAML cannot be parsed: {old.error[2]}")
    parent = _mapping_at(old.data, path[:-1])
    if isinstance(parent.get(path[-1]), dict):
        return text
    doc = _Doc(text)
    node: Node = doc.root
    for part in path[:-1]:
        if isinstance(node, MappingNode):
            hit = _find(node, part)
            if hit is None or _is_alias_of_earlier(*hit):
                raise FixError(f"cannot reach {dotted(path)}")
            node = hit[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and -len(node.value) <= part < len(node.value):
            node = node.value[part]
        else:
            raise FixError(f"cannot reach {dotted(path)}")
    if not isinstance(node, MappingNode) or node.flow_style:
        raise FixError(f"{dotted(path[:-1])} is not a block mapping; not editing it")
    hit = _find(node, path[-1])
    if hit is None:
        raise FixError(f"{dotted(path)} is missing")
    k, v = hit
    if (_is_alias_of_earlier(k, v) or not isinstance(v, ScalarNode) or v.style in ("|", ">")
            or v.start_mark.line != k.start_mark.line or v.end_mark.line != v.start_mark.line):
        raise FixError(f"{dotted(path)} is not a one-line value; not editing it")
    line = doc.content(k.start_mark.line)
    line_start = doc.starts[k.start_mark.line]
    value_text = text[v.start_mark.index:v.end_mark.index]
    rest = line[v.end_mark.index - line_start:]
    if rest.strip() and not rest.strip().startswith("#"):
        raise FixError(f"{dotted(path)} shares its line with other entries; not editing it")
    pad = " " * (k.start_mark.column + _doc_step(doc.root))
    lines = [f"{pad}{scalar(key)}: {value_text}{rest.rstrip()}"]
    for name, val in add.items():
        lines += block(name, val, len(pad), _doc_step(doc.root))
    new = text[:k.end_mark.index] + ":" + doc.nl + doc.nl.join(lines) + text[line_start + len(line):]
    result = load_yaml(new)
    if result.error:
        raise FixError(f"the edited YAML would not parse: {result.error[2]}")
    import copy

    expected = copy.deepcopy(old.data)
    target = _mapping_at(expected, path[:-1])
    target[path[-1]] = {key: target[path[-1]], **add}
    if result.data != expected:
        raise FixError(f"rewriting {dotted(path)} here would change other settings too")
    return new


@register("wrap-config-scalar", suffixes=SUFFIXES)
def fix_wrap_yaml(source: str, intent: FixIntent) -> str:
    """Params: ``path`` (keys / list indexes of the scalar), ``key`` (its key in the new
    mapping), ``add`` (JSON text of the mapping's other entries)."""
    path = intent.param("path", ())
    key = intent.param("key")
    raw = intent.param("add", "{}")
    if not isinstance(path, (tuple, list)) or not all(isinstance(p, (str, int)) for p in path):
        raise FixError("wrap-config-scalar needs 'path': a tuple of keys")
    if not isinstance(key, str) or not key:
        raise FixError("wrap-config-scalar needs 'key': a non-empty string")
    try:
        add = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        add = None
    if not isinstance(add, dict):
        raise FixError("wrap-config-scalar needs 'add' as a JSON object")
    return wrap_yaml_scalar(source, tuple(path), key, add)
