"""The rule API and the automatic rule registry.

A rule is one module under ``sls_lint.rules`` (any family folder) defining one subclass of
:class:`Rule`, a module docstring with the doc sections, and ``VALID`` / ``INVALID`` lists of
:class:`Case`. Nothing needs registering: :func:`all_rules` imports every module it finds.

Python rules implement ``visit_<NodeType>(self, node, ctx)`` methods; the engine walks each
module once and dispatches every node to the rules interested in its type. Rules on deployment
files implement ``check_project(self, ctx)``.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from .config import RuleOption
from .core import Applicability, FixAvailability, Severity

if TYPE_CHECKING:  # pragma: no cover
    from .engine import ModuleContext, ProjectContext

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Options", "References")
CODE_RE = re.compile(r"^SLS\d{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Case:
    """A VALID or INVALID example run by tests/test_rule_cases.py.

    code: the content of ``path``; files: other files of the same little project (deployment
    files, helper modules); line: the expected line of the first finding of this rule (INVALID);
    count: the expected number of findings of this rule (default: at least one for INVALID);
    fixed: the expected content of ``path`` after ``--fix`` (with ``--unsafe-fixes`` when
    ``unsafe``); message: a substring every finding's message must contain; options: rule
    options as in the config file.
    """

    code: str
    line: int | None = None
    count: int | None = None
    fixed: str | None = None
    unsafe: bool = False
    message: str | None = None
    path: str = "handler.py"
    files: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str] = ""  # one line, shown in `sls-lint rules`
    severity: ClassVar[Severity] = Severity.WARNING
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NEVER
    fix_safety: ClassVar[Applicability] = Applicability.DISPLAY_ONLY
    options: ClassVar[tuple[RuleOption, ...]] = ()
    # Strings of which at least one must occur in a module's text for the rule to possibly match
    # (a cheap prefilter); None means the rule must always run.
    prefilter: ClassVar[tuple[str, ...] | None] = None
    # Which file kinds the rule reads: "python" and/or deployment kinds.
    file_kinds: ClassVar[tuple[str, ...]] = ("python",)
    # The rule reads the import closures of the project's functions (sls_lint.importcost): the
    # engine then computes them once with the project model, as facts (cached, and handed to
    # worker processes), instead of on first use.
    uses_import_closures: ClassVar[bool] = False
    # For a rule whose visit_Call returns at once unless the call's qualified name (as
    # ``ModuleModel.call_name`` gives it, or its ``catalog.canonical`` form) is one of a known
    # set: that set. The engine then calls visit_Call only for those calls (it looks the name
    # up once per distinct name instead of calling every rule for each of a module's calls).
    call_names: ClassVar[frozenset[str] | None] = None
    # The same for the method name of a call ``<anything>.<attr>(...)``: a rule whose visit_Call
    # returns at once unless the call's name is in ``call_names`` or it calls an attribute named
    # in ``call_attrs`` sets either or both; its visit_Call then runs for those calls only.
    call_attrs: ClassVar[frozenset[str] | None] = None

    # filled in by the registry
    doc: ClassVar[str] = ""
    module_name: ClassVar[str] = ""
    valid: ClassVar[tuple[Case, ...]] = ()
    invalid: ClassVar[tuple[Case, ...]] = ()

    def begin_module(self, ctx: "ModuleContext") -> None:  # pragma: no cover - default no-op
        pass

    def end_module(self, ctx: "ModuleContext") -> None:  # pragma: no cover - default no-op
        pass

    def check_project(self, ctx: "ProjectContext") -> None:  # pragma: no cover - default no-op
        pass

    @classmethod
    def node_types(cls) -> tuple[type[ast.AST], ...]:
        cached = cls.__dict__.get("_node_types_cache")  # per class, never inherited
        if cached is not None:
            return cached
        out = []
        for attr in dir(cls):
            if attr.startswith("visit_"):
                node_type = getattr(ast, attr[len("visit_") :], None)
                if isinstance(node_type, type):
                    out.append(node_type)
        result = tuple(out)
        cls._node_types_cache = result  # type: ignore[attr-defined]
        return result

    @classmethod
    def sections(cls) -> dict[str, str]:
        return parse_sections(cls.doc)


def parse_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its ``## Section`` parts."""
    sections: dict[str, str] = {}
    current = None
    buf: list[str] = []
    for line in doc.splitlines():
        m = re.match(r"^##\s+(.*?)\s*$", line)
        if m:
            if current is not None:
                sections[current] = "\n".join(buf).strip()
            current, buf = m.group(1), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        sections[current] = "\n".join(buf).strip()
    return sections


def code_blocks(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"```[a-z]*\n(.*?)```", text, re.S)]


class RegistryError(Exception):
    pass


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code. Imports each module under sls_lint.rules once."""
    import sls_lint.rules as pkg

    found: dict[str, type[Rule]] = {}
    for info in pkgutil.walk_packages(pkg.__path__, prefix="sls_lint.rules."):
        module = importlib.import_module(info.name)
        if info.ispkg:
            continue
        classes = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Rule) and v is not Rule and v.__module__ == module.__name__]
        if not classes:
            continue
        if len(classes) > 1:
            raise RegistryError(f"{info.name} defines {len(classes)} rules; one module per rule")
        cls = classes[0]
        if not CODE_RE.match(getattr(cls, "code", "")) or not NAME_RE.match(getattr(cls, "name", "")):
            raise RegistryError(f"{info.name}: bad rule code or name")
        if cls.code in found:
            raise RegistryError(f"duplicate rule code {cls.code} in {info.name} and {found[cls.code].module_name}")
        cls.doc = (module.__doc__ or "").strip()
        cls.module_name = info.name
        cls.valid = tuple(getattr(module, "VALID", ()))
        cls.invalid = tuple(getattr(module, "INVALID", ()))
        if not cls.summary:
            first = cls.doc.splitlines()[0] if cls.doc else cls.name
            cls.summary = first.strip().rstrip(".")
        found[cls.code] = cls
    return tuple(found[c] for c in sorted(found))


def rule_by_code(code_or_name: str) -> type[Rule] | None:
    key = code_or_name.strip()
    for r in all_rules():
        if r.code == key.upper() or r.name == key.lower():
            return r
    return None


def all_options() -> list[RuleOption]:
    """Every rule option, once per name (rules that share an option declare the same default)."""
    seen: dict[str, RuleOption] = {}
    for r in all_rules():
        for opt in r.options:
            seen.setdefault(opt.name, opt)
    return list(seen.values())
