"""Plain-data types of the project model: parsed deployment files and the project itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sls_lint.core import Function

DOC_KINDS = ("serverless", "cloudformation", "vercel", "wrangler", "cdk")


@dataclass(frozen=True)
class Tagged:
    """An inert YAML tagged node: ``!Ref Foo`` -> ``Tagged("!Ref", "Foo")``.

    ``tag`` is the tag as written for local tags (``!Ref``, ``!GetAtt``, ``!Sub``) and the full
    tag for global ones (``tag:yaml.org,2002:python/object:os.system``). ``value`` is plain data
    (str for scalars, list for sequences, dict for mappings). Nothing is ever constructed.
    """

    tag: str
    value: Any

    @property
    def name(self) -> str:
        """The tag without its leading ``!`` (``Ref``, ``GetAtt``)."""
        return self.tag[1:] if self.tag.startswith("!") else self.tag


Location = tuple  # (line, column), both 1-based


@dataclass
class DeploymentDoc:
    """One parsed deployment file, kept for config rules (SLS7xx) and fixers.

    ``locations`` maps a key path (tuple of str keys / int list indexes) to the 1-based
    (line, column) of the key (or of the list item); ``value_locations`` maps the same paths to
    where the value starts. For CDK apps, ``data`` is ``{construct_id: {keyword: value}}`` and
    paths are ``(construct_id,)`` (the construct call) and ``(construct_id, keyword)``.
    """

    path: str
    kind: str
    data: Any
    error: tuple[int, int, str] | None = None
    locations: dict = field(default_factory=dict, repr=False, compare=False)
    value_locations: dict = field(default_factory=dict, repr=False, compare=False)

    def locate(self, *keypath: Any) -> tuple[int, int] | None:
        """1-based (line, column) of the key (or list item) at ``keypath``; None if absent."""
        return self.locations.get(tuple(keypath))

    def locate_value(self, *keypath: Any) -> tuple[int, int] | None:
        """1-based (line, column) where the value at ``keypath`` starts; None if absent."""
        return self.value_locations.get(tuple(keypath))

    def get(self, *keypath: Any, default: Any = None) -> Any:
        """The value at ``keypath`` in ``data`` (dict keys / list indexes), or ``default``."""
        cur = self.data
        for key in keypath:
            if isinstance(cur, dict) and key in cur:
                cur = cur[key]
            elif isinstance(cur, list) and isinstance(key, int) and -len(cur) <= key < len(cur):
                cur = cur[key]
            else:
                return default
        return cur


@dataclass
class Project:
    root: str
    functions: list[Function] = field(default_factory=list)
    docs: list[DeploymentDoc] = field(default_factory=list)

    def functions_for(self, handler_path: str) -> list[Function]:
        """Every function whose handler lives in ``handler_path`` (posix, root-relative)."""
        return [f for f in self.functions if f.handler_path == handler_path]

    def doc(self, path: str) -> DeploymentDoc | None:
        for d in self.docs:
            if d.path == path:
                return d
        return None
