"""Safe YAML loading with positions, shared by the serverless.yml and CloudFormation readers.

PyYAML's composer builds a node graph (with marks) without constructing any Python object; we
convert that graph to plain data ourselves. Unknown tags (CloudFormation's ``!Ref``, ``!Sub``,
..., and hostile ones like ``!!python/object``) become inert :class:`Tagged` values. Aliases are
expanded while converting, so the conversion counts nodes and depth and stops with an error
instead of expanding an alias bomb or recursing forever.
"""
from __future__ import annotations

from typing import Any

from .model import Tagged

MAX_NODES = 1_000_000
MAX_DEPTH = 200

_Y = "tag:yaml.org,2002:"
# PyYAML is imported by the first load_yaml (start-up: a warm run that reads no YAML skips it)
yaml: Any = None
_Loader: Any = None
_SCALARS: dict = {}
ScalarNode: Any = None
SequenceNode: Any = None
MappingNode: Any = None


def _import_yaml() -> None:
    global yaml, _Loader, ScalarNode, SequenceNode, MappingNode
    if yaml is not None:
        return
    import yaml as module
    from yaml.constructor import SafeConstructor
    from yaml.nodes import MappingNode as mapping, ScalarNode as scalar, SequenceNode as sequence

    sc = SafeConstructor()
    _SCALARS.update({
        _Y + "null": sc.construct_yaml_null,
        _Y + "bool": sc.construct_yaml_bool,
        _Y + "int": sc.construct_yaml_int,
        _Y + "float": sc.construct_yaml_float,
    })
    _Loader = getattr(module, "CSafeLoader", module.SafeLoader)
    ScalarNode, SequenceNode, MappingNode = scalar, sequence, mapping
    yaml = module  # last: the other names are set once this one is


_PLAIN_TAGS = {_Y + t for t in ("str", "timestamp", "binary", "value", "yaml", "merge")}
_COLLECTION_TAGS = {_Y + t for t in ("map", "seq", "set", "omap", "pairs")}


class _LimitExceeded(Exception):
    def __init__(self, node: Any, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1
        self.column = node.start_mark.column + 1
        self.message = message


class LoadResult:
    __slots__ = ("data", "error", "locations", "value_locations")

    def __init__(self) -> None:
        self.data: Any = None
        self.error: tuple[int, int, str] | None = None
        self.locations: dict = {}
        self.value_locations: dict = {}


def _pos(node: Any) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    def __init__(self, result: LoadResult, max_nodes: int, max_depth: int) -> None:
        self.result = result
        self.count = 0
        self.max_nodes = max_nodes
        self.max_depth = max_depth

    def convert(self, node: Any, path: tuple, depth: int) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise _LimitExceeded(
                node, f"YAML document expands to more than {self.max_nodes:,} nodes (alias bomb?)"
            )
        if depth > self.max_depth:
            raise _LimitExceeded(node, f"YAML nesting deeper than {self.max_depth} levels")
        tag = node.tag
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
        elif isinstance(node, SequenceNode):
            value = []
            for i, child in enumerate(node.value):
                self._record(path + (i,), child, child)
                value.append(self.convert(child, path + (i,), depth + 1))
        elif isinstance(node, MappingNode):
            value = self._mapping(node, path, depth)
        else:  # pragma: no cover - composer only produces the three kinds
            value = None
        if tag in _SCALARS or tag in _PLAIN_TAGS or tag in _COLLECTION_TAGS:
            return value
        return Tagged(tag, value)

    def _record(self, path: tuple, key_node: Any, value_node: Any) -> None:
        # keep the first position seen (a merged key must not override an explicit one)
        self.result.locations.setdefault(path, _pos(key_node))
        self.result.value_locations.setdefault(path, _pos(value_node))

    def _scalar(self, node: ScalarNode) -> Any:
        ctor = _SCALARS.get(node.tag)
        if ctor is not None:
            try:
                return ctor(node)
            except Exception:
                return node.value
        return node.value

    def _mapping(self, node: MappingNode, path: tuple, depth: int) -> dict:
        out: dict = {}
        merges: list = []
        for key_node, value_node in node.value:
            if key_node.tag == _Y + "merge":
                merges.append(value_node)
                continue
            key = self.convert(key_node, path, depth + 1)
            try:
                hash(key)
            except TypeError:
                key = str(key)
            self._record(path + (key,), key_node, value_node)
            out[key] = self.convert(value_node, path + (key,), depth + 1)
        # YAML merge keys (<<: *defaults): explicit keys win, earlier merges win over later ones
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for src in sources:
                if not isinstance(src, MappingNode):
                    continue
                merged = self.convert(src, path, depth + 1)
                if isinstance(merged, dict):
                    for k, v in merged.items():
                        out.setdefault(k, v)
        return out


def _children(node: Any) -> list:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(root: Any, max_nodes: int, max_depth: int) -> None:
    """Raise _LimitExceeded when expanding aliases would exceed the limits, or on a cycle.

    Linear in the size of the composed graph (shared alias targets are measured once), so an
    alias bomb is refused before any expansion happens.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            kids = _children(node)
            size[nid] = 1 + sum(size[id(k)] for k in kids)
            depth[nid] = 1 + max((depth[id(k)] for k in kids), default=0)
            visiting.discard(nid)
            if size[nid] > max_nodes:
                raise _LimitExceeded(
                    node, f"YAML document expands to more than {max_nodes:,} nodes (alias bomb?)"
                )
            if depth[nid] > max_depth:
                raise _LimitExceeded(node, f"YAML nesting deeper than {max_depth} levels")
            continue
        if nid in size:
            continue
        if nid in visiting:
            raise _LimitExceeded(node, "YAML alias refers to itself (recursive structure)")
        visiting.add(nid)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in visiting:
                raise _LimitExceeded(kid, "YAML alias refers to itself (recursive structure)")
            if id(kid) not in size:
                stack.append((kid, False))


def load_yaml(text: str, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> LoadResult:
    """Parse YAML ``text`` into plain data + location maps; never raises for bad input."""
    result = LoadResult()
    _import_yaml()
    try:
        docs = [d for d in yaml.compose_all(text, Loader=_Loader) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        result.error = (line, col, f"invalid YAML: {problem}")
        return result
    except yaml.YAMLError as exc:
        result.error = (1, 1, f"invalid YAML: {str(exc).splitlines()[0] if str(exc) else exc}")
        return result
    except RecursionError:
        result.error = (1, 1, "YAML nesting too deep")
        return result
    if not docs:
        result.data = None
        return result
    root = docs[0]
    result.locations[()] = _pos(root)
    result.value_locations[()] = _pos(root)
    try:
        _measure(root, max_nodes, max_depth)
        result.data = _Converter(result, max_nodes, max_depth).convert(root, (), 0)
    except _LimitExceeded as exc:
        result.data = None
        result.locations.clear()
        result.value_locations.clear()
        result.error = (exc.line, exc.column, exc.message)
    except RecursionError:
        result.data = None
        result.error = (1, 1, "YAML nesting too deep")
    return result
