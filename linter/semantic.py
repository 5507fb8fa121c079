"""Per-module semantic model over the stdlib ``ast``: scopes, imports and aliases, qualified
names, single assignments, decorators and the calls each function makes.

Built once per module, read by every rule. Qualified names are dotted names as imported
(``boto3.client``, ``requests.Session.get`` for a method on a ``requests.Session()`` instance,
``open`` for builtins). Names defined in the module itself resolve to ``<module>.<name>`` where
``<module>`` is the module's dotted name from its path (``src/app/db.py`` -> ``src.app.db``);
:mod:`sls_lint.callgraph` maps those to project files.
"""
from __future__ import annotations

import ast
import builtins
import functools
import re
from dataclasses import dataclass, field
from typing import Iterator

from .astindex import CHILD_FIELDS, LEAVES, _speedups, child_fields, set_walk, walk_list

FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
_AST = ast.AST
# node types ModuleModel._visit treats specially (exact types: ast.parse makes no subclasses)
_SPECIAL_NODES = frozenset(
    {
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Import, ast.ImportFrom, ast.Global,
        ast.Nonlocal, ast.If, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension,
        ast.With, ast.AsyncWith, ast.NamedExpr, ast.ExceptHandler,
    }
)
# leaves: expression contexts and operators have no child nodes (one definition, in astindex)
_NO_CHILDREN = LEAVES
# nodes whose only child nodes are leaves: nothing below them to visit
_TERMINAL = frozenset({ast.Name, ast.Constant, *_NO_CHILDREN})
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
BUILTINS = frozenset(dir(builtins))

# the traversal's innermost loop in C when sls_lint._speedups is there (see astindex), else the
# same loop in Python (ModuleModel._visit_block)
_Walker = None
_qualified = None
_DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
if _speedups is not None:
    _qualified = _speedups.qualified_name
    _BINDERS = {  # the binding nodes the C loop binds itself (kinds: _speedups.c's BIND_*)
        ast.Assign: 1, ast.AnnAssign: 2, ast.AugAssign: 2, ast.For: 2, ast.AsyncFor: 2, ast.comprehension: 2,
        ast.With: 3, ast.AsyncWith: 3, ast.NamedExpr: 4, ast.ExceptHandler: 5,
    }
    _speedups.configure_model(
        _TERMINAL, _SPECIAL_NODES, _NO_CHILDREN, ast.Call, _BINDERS,
        (ast.Name, ast.Tuple, ast.List, ast.Starred, ast.Attribute, ast.If, ast.FunctionDef, ast.AsyncFunctionDef),
    )
    _Walker = _speedups.Walker

# the deepest tree (nodes from the module down, contexts and operators not counted) a model is
# built for: the rules' recursive helpers take up to ~3 interpreter frames per level, and Python
# allows 1,000 (a chain of 240 `elif`s or of 240 `a + b + ...` terms is still analysed)
MAX_DEPTH = 250


class ModelTooDeep(RecursionError):
    """The module nests deeper than :data:`MAX_DEPTH` levels."""


CACHE_DECORATORS = frozenset(
    {
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "async_lru.alru_cache",
    }
)


def module_name_for(path: str) -> str:
    """``src/app/db.py`` -> ``src.app.db``; ``pkg/__init__.py`` -> ``pkg``."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(p for p in parts if p) or "__main__"


@dataclass
class Scope:
    node: ast.AST  # ast.Module, FunctionDef, AsyncFunctionDef, Lambda or ClassDef
    parent: "Scope | None"
    kind: str  # module | function | class | lambda
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    bindings: dict[str, list[ast.AST]] = field(default_factory=dict)  # name -> binding nodes
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)

    def binds(self, name: str) -> bool:
        return name in self.bindings or name in self.imports or name in self.params


@dataclass
class FunctionInfo:
    node: FuncNode
    qualname: str  # "handler", "Default.fetch", "outer.<locals>.inner" style is flattened to "outer.inner"
    scope: Scope
    class_name: str | None
    decorators: list[str]  # qualified names of decorators (calls resolved to their callee)
    decorator_nodes: list[ast.expr]
    calls: list[ast.Call] = field(default_factory=list)  # calls evaluated when the function runs
    is_async: bool = False

    @property
    def is_cached(self) -> bool:
        return any(d in CACHE_DECORATORS for d in self.decorators)


class ModuleModel:
    """The semantic model of one parsed module."""

    def __init__(self, path: str, source: str, tree: ast.Module, *, module_name: str | None = None):
        self.path = path
        self.source = source
        self.tree = tree
        self.module_name = module_name or module_name_for(path)
        self.parents: dict[ast.AST, ast.AST] = {}
        self.scope_of_node: dict[ast.AST, Scope] = {}  # scope-creating node -> Scope
        # the module's callgraph.ModuleSummary, a pure function of the model: set by
        # ProjectIndex.summary, so a model reused by a later analysis (the LSP) comes with it
        self.summary: "object | None" = None
        self.functions: dict[ast.AST, FunctionInfo] = {}
        self.by_qualname: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.module_scope = Scope(tree, None, "module")
        self.scope_of_node[tree] = self.module_scope
        self.type_checking_imports: set[ast.AST] = set()
        self._call_scopes: dict[ast.AST, Scope] = {}  # Call node -> the scope evaluating it
        self._build()

    @functools.cached_property
    def lines(self) -> list[str]:
        """The source's lines (split when first asked: most modules never are, and 3,000
        modules' lines are ~30 MB)."""
        return self.source.splitlines()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        # levels[d]: the nodes at depth d, in the order this depth-first traversal meets them.
        # Children are met in field order, so within one depth that is exactly the order of
        # ast.walk (breadth first, children in field order): their concatenation is the shared
        # walk (astindex.walk_list), built here instead of by a second traversal
        self._levels: list[list[ast.AST]] = [[self.tree]]
        if _Walker is not None:  # the C loops; instance attributes hide the methods while building
            # definitions too (the FunctionDef branch of _visit), given what they fill in
            walker = _Walker(self._visit, self.parents, self._levels, self._call_scopes, self.module_scope,
                             self.functions, self.by_qualname, self.scope_of_node, Scope, FunctionInfo)
            self._visit_block = walker
            self._visit_all = walker.visit_all
            self._walk_only = walker.walk_only
            self._visit_args = walker.visit_args
        try:
            self._visit_block(self.tree, self.module_scope, None, "", False, 0)
        finally:
            self.__dict__.pop("_visit_block", None)  # the walker refers back to the model
            self.__dict__.pop("_visit_all", None)
            self.__dict__.pop("_walk_only", None)
            self.__dict__.pop("_visit_args", None)
        if len(self._levels) > MAX_DEPTH:
            # the rules and the call graph recurse over expressions in Python: a deeper tree
            # would exhaust the interpreter's stack in one of them (where depends on the stack
            # the analysis starts from); refused here the same way whatever the caller
            raise ModelTooDeep(f"nesting too deep to analyse (more than {MAX_DEPTH} levels)")  # = engine.TOO_DEEP
        walk: list[ast.AST] = []
        for level in self._levels:  # (list += list: a third of the time of a nested comprehension)
            walk += level
        set_walk(self.tree, walk)
        del self._levels
        for info in self.functions.values():
            info.decorators = [self._decorator_name(d, info.scope.parent or self.module_scope) for d in info.decorator_nodes]
            info.decorators = [d for d in info.decorators if d]

    def _decorator_name(self, node: ast.expr, scope: Scope) -> str | None:
        target = node.func if isinstance(node, ast.Call) else node
        return self.qualified_name(target, scope)

    def _level(self, depth: int) -> list[ast.AST]:
        levels = self._levels
        if depth == len(levels):
            levels.append([])
        return levels[depth]

    def _visit_block(self, node: ast.AST, scope: Scope, func: FunctionInfo | None, prefix: str, in_tc: bool, depth: int) -> None:
        """Visit the children of ``node`` (at ``depth``) in field order."""
        # ast.iter_child_nodes inlined (this runs for every node of every module)
        # leaves (expression contexts, operators) are shared singletons with no children: they
        # are skipped here (no call, no parent entry, not walked); Name and Constant get a
        # parent and a place in the walk, no call
        parents = self.parents
        visit = self._visit
        terminal = _TERMINAL
        push = None
        below = depth + 1
        fields = CHILD_FIELDS.get(node.__class__)
        if fields is None:
            fields = child_fields(node.__class__)
        for name in fields:
            try:
                value = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(value, _AST):
                if push is None:
                    levels = self._levels
                    push = (levels[below] if below < len(levels) else self._level(below)).append
                push(value)
                parents[value] = node
                if value.__class__ not in terminal:
                    visit(value, scope, func, prefix, in_tc, below)
            elif value.__class__ is list:
                for child in value:
                    if isinstance(child, _AST):
                        parents[child] = node
                        if push is None:
                            levels = self._levels
                            push = (levels[below] if below < len(levels) else self._level(below)).append
                        push(child)
                        if child.__class__ not in terminal:
                            visit(child, scope, func, prefix, in_tc, below)

    def _walk_only(self, node: ast.AST, depth: int) -> None:
        """Put the nodes below ``node`` (at ``depth``) in the walk, nothing else: parts the
        model does not analyse (annotations of parameters and returns, aliases, parameters)."""
        push = None
        fields = CHILD_FIELDS.get(node.__class__)
        if fields is None:
            fields = child_fields(node.__class__)
        for name in fields:
            value = getattr(node, name, None)
            for child in value if isinstance(value, list) else (value,):
                if isinstance(child, _AST):
                    if push is None:
                        push = self._level(depth + 1).append
                    push(child)
                    if child.__class__ is not ast.arg or child.annotation is not None:
                        self._walk_only(child, depth + 1)

    def _bind(self, scope: Scope, name: str, node: ast.AST) -> None:
        target = self.module_scope if name in scope.globals else scope
        target.bindings.setdefault(name, []).append(node)

    def _visit(self, node: ast.AST, scope: Scope, func: FunctionInfo | None, prefix: str, in_tc: bool, depth: int) -> None:
        """Analyse ``node`` (at ``depth``, already in the walk); children in field order."""
        t = type(node)
        if t not in _SPECIAL_NODES:  # fast path: most nodes only bind nothing and recurse
            if t is ast.Call:
                self._call_scopes[node] = scope  # what scope_at would find, without the climb
                if func is not None:
                    func.calls.append(node)
            elif t in _NO_CHILDREN:
                return
            self._visit_block(node, scope, func, prefix, in_tc, depth)
            return
        below = depth + 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # fields: args (defaults evaluated here), body (the function's scope), decorators
            # (evaluated here), returns (not analysed)
            level = self._level(below)
            level.append(node.args)
            mark = len(func.calls) if func is not None else 0
            self._visit_args(node.args, scope, func, prefix, in_tc, below)
            if node.returns is not None:
                self.parents[node.returns] = node
            self._bind(scope, node.name, node)
            fscope = Scope(node, scope, "function")
            self.scope_of_node[node] = fscope
            for a in _all_args(node.args):
                fscope.params.add(a.arg)
            qualname = f"{prefix}{node.name}"
            class_name = prefix[:-1] if scope.kind == "class" else None
            info = FunctionInfo(node, qualname, fscope, class_name, [], list(node.decorator_list), is_async=isinstance(node, ast.AsyncFunctionDef))
            self.functions[node] = info
            self.by_qualname.setdefault(qualname, info)
            self._visit_all(node.body, node, level, fscope, info, qualname + ".", False, below)
            self._decorators(node, scope, func, prefix, in_tc, below, mark)
            if node.returns is not None:
                level.append(node.returns)
                self._walk_only(node.returns, below)
            return
        if isinstance(node, ast.ClassDef):
            # fields: bases, keywords, body, decorators; all but the body evaluated here
            level = self._level(below)
            mark = len(func.calls) if func is not None else 0
            self._visit_all(node.bases, node, level, scope, func, prefix, in_tc, below)
            for k in node.keywords:
                level.append(k)
                self.parents[k.value] = node
                self._level(below + 1).append(k.value)
                self._visit(k.value, scope, func, prefix, in_tc, below + 1)
            self._bind(scope, node.name, node)
            if scope.kind == "module":
                self.classes[node.name] = node
            cscope = Scope(node, scope, "class")
            self.scope_of_node[node] = cscope
            self._visit_all(node.body, node, level, cscope, func, f"{prefix}{node.name}.", in_tc, below)
            self._decorators(node, scope, func, prefix, in_tc, below, mark)
            return
        if isinstance(node, ast.Lambda):
            lscope = Scope(node, scope, "lambda")
            self.scope_of_node[node] = lscope
            for a in _all_args(node.args):
                lscope.params.add(a.arg)
            level = self._level(below)
            level.append(node.args)
            self._visit_args(node.args, scope, func, prefix, in_tc, below)
            self.parents[node.body] = node
            level.append(node.body)
            self._visit(node.body, lscope, func, prefix, in_tc, below)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if in_tc:
                self.type_checking_imports.add(node)
            if node.names:
                self._level(below).extend(node.names)  # aliases: no child nodes
            for alias in node.names:
                if isinstance(node, ast.Import):
                    if alias.asname:
                        scope.imports[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        scope.imports[top] = top
                else:
                    if alias.name == "*":
                        continue
                    base = self._resolve_from(node)
                    scope.imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
            return
        if isinstance(node, ast.Global):
            scope.globals.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.nonlocals.update(node.names)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            level = self._level(below)
            self.parents[node.test] = node
            level.append(node.test)
            self._visit(node.test, scope, func, prefix, in_tc, below)
            self._visit_all(node.body, node, level, scope, func, prefix, True, below)
            self._visit_all(node.orelse, node, level, scope, func, prefix, in_tc, below)
            return
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for name in _target_names(t):
                    self._bind(scope, name, node)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            for name in _target_names(node.target):
                self._bind(scope, name, node)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        self._bind(scope, name, item)
        elif isinstance(node, ast.NamedExpr):
            self._bind(scope, node.target.id, node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._bind(scope, node.name, node)
        elif isinstance(node, ast.Call) and func is not None:
            func.calls.append(node)
        self._visit_block(node, scope, func, prefix, in_tc, depth)

    def _visit_all(self, children: list[ast.AST], parent: ast.AST, level: list[ast.AST], scope: Scope, func, prefix: str, in_tc: bool, depth: int) -> None:
        """Analyse ``children`` of ``parent`` (all at ``depth``, in the walk's ``level``) in order."""
        for child in children:
            self.parents[child] = parent
            level.append(child)
            self._visit(child, scope, func, prefix, in_tc, depth)

    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: Scope, func, prefix, in_tc, depth: int, mark: int) -> None:
        """The decorators of ``node`` (at ``depth``): visited last (field order, for the walk),
        but Python evaluates them first, so their calls go back in front of the calls made since
        ``mark`` (defaults, bases, a class body) in the enclosing function's list."""
        level = self._level(depth)
        start = len(func.calls) if func is not None else 0
        self._visit_all(node.decorator_list, node, level, scope, func, prefix, in_tc, depth)
        if func is not None and len(func.calls) > start and start > mark:
            calls = func.calls
            calls[mark:] = calls[start:] + calls[mark:start]

    def _visit_args(self, args: ast.arguments, scope: Scope, func, prefix, in_tc, depth: int) -> None:
        """``args`` is at ``depth``: its parameters (and their annotations) are walked, its
        defaults analysed in the scope that evaluates them (the one around the function)."""
        level = None
        for name in ("posonlyargs", "args", "vararg", "kwonlyargs", "kw_defaults", "kwarg", "defaults"):  # field order
            value = getattr(args, name)
            for child in value if isinstance(value, list) else (value,):
                if child is None:
                    continue
                if level is None:
                    level = self._level(depth + 1)
                level.append(child)
                if name in ("kw_defaults", "defaults"):
                    self.parents[child] = args
                    self._visit(child, scope, func, prefix, in_tc, depth + 1)
                else:
                    self._walk_only(child, depth + 1)

    def _resolve_from(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.module_name.split(".")
        if not self.path.endswith("__init__.py"):
            package = package[:-1]
        if node.level > 1:
            package = package[: len(package) - (node.level - 1)]
        base = ".".join(package)
        if node.module:
            base = f"{base}.{node.module}" if base else node.module
        return base

    # ------------------------------------------------------------------ queries
    def scope_at(self, node: ast.AST) -> Scope:
        """The innermost scope that evaluates ``node``."""
        found = self._call_scopes.get(node)  # recorded while building (rules ask about calls most)
        if found is not None:
            return found
        cur = self.parents.get(node)
        child = node
        while cur is not None:
            if cur in self.scope_of_node and cur is not self.tree:
                # decorators, defaults and annotations are evaluated in the enclosing scope
                if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child not in getattr(cur, "body", []):
                    pass
                elif isinstance(cur, ast.Lambda) and child is not cur.body:
                    pass
                else:
                    return self.scope_of_node[cur]
            child = cur
            cur = self.parents.get(cur)
        return self.module_scope

    def enclosing_function(self, node: ast.AST) -> FunctionInfo | None:
        """The function whose body runs ``node`` (decorators/defaults belong to the outer one)."""
        scope = self.scope_at(node)
        while scope is not None:
            if scope.kind == "function":
                return self.functions[scope.node]
            scope = scope.parent
        return None

    def lookup(self, name: str, scope: Scope) -> tuple[Scope, str] | None:
        """Find the scope binding ``name`` (class scopes are skipped for nested functions)."""
        s: Scope | None = scope
        first = True
        while s is not None:
            if name in s.globals:
                s = self.module_scope
                return (s, name) if s.binds(name) else None
            if (first or s.kind != "class") and s.binds(name):
                return s, name
            first = False
            s = s.parent
        return None

    def qualified_name(self, expr: ast.AST, scope: Scope | None = None) -> str | None:
        """Dotted qualified name of a Name/Attribute reference, resolved through imports."""
        if scope is None:
            scope = self.scope_at(expr)
        if _qualified is not None:  # the same resolution in C
            return _qualified(expr, scope, self.module_scope, self.module_name, self.functions, BUILTINS, _DEF_TYPES)
        if isinstance(expr, ast.Name):
            found = self.lookup(expr.id, scope)
            if found is None:
                return expr.id if expr.id in BUILTINS else None
            s, name = found
            if name in s.imports and name not in s.bindings:
                return s.imports[name]
            nodes = s.bindings.get(name, [])
            if s is self.module_scope:
                if nodes and all(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in nodes):
                    return f"{self.module_name}.{name}"
                if name in s.imports:
                    return s.imports[name]
            elif s.kind == "function" and len(nodes) == 1 and nodes[0] in self.functions:
                return f"{self.module_name}.{self.functions[nodes[0]].qualname}"
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualified_name(expr.value, scope)
            return f"{base}.{expr.attr}" if base else None
        return None

    def single_value(self, name: str, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The value a name is bound to when it is bound exactly once by ``name = value`` or
        ``with value as name`` (or lazily: ``global name`` + guarded assignments of one kind)."""
        found = self.lookup(name, scope)
        if found is None:
            return None
        s = found[0]
        nodes = s.bindings.get(name)
        if not nodes:  # a parameter, an import, a global bound elsewhere (most receivers)
            return None
        real = None
        count = 0
        for n in nodes:
            t = n.__class__
            if t is ast.Assign and len(n.targets) == 1 and n.targets[0].__class__ is ast.Name:
                v = n.value
            elif t is ast.AnnAssign and n.value is not None and n.target.__class__ is ast.Name:
                v = n.value
            elif t is ast.withitem:
                v = n.context_expr
            else:
                return None
            # a module-level `x = None` placeholder plus one real assignment is the lazy-singleton shape
            if not (v.__class__ is ast.Constant and v.value is None):
                count += 1
                real = v
        return (real, s) if count == 1 else None

    def instance_type(self, expr: ast.AST, scope: Scope | None = None, _depth: int = 0) -> str | None:
        """Qualified name of the constructor that produced ``expr`` when it can be known:
        ``requests.Session()`` -> ``requests.Session``; ``s`` after ``s = requests.Session()`` too."""
        if _depth > 8:
            return None
        if scope is None:
            scope = self.scope_at(expr)
        if isinstance(expr, ast.Call):
            return self.call_name(expr, scope, _depth + 1)
        if isinstance(expr, ast.Name):
            sv = self.single_value(expr.id, scope)
            if sv is not None:
                value, vscope = sv
                if isinstance(value, ast.Call):
                    return self.call_name(value, self.scope_at(value) if value in self.parents else vscope, _depth + 1)
        if isinstance(expr, ast.Attribute):
            # `self.repo` where the class assigns `self.repo = Repo(...)` exactly once
            cls = self.self_class(expr.value, scope)
            if cls is not None:
                value = self.self_attribute_value(cls, expr.attr)
                if value is not None:
                    return self.call_name(value, self.scope_at(value), _depth + 1)
        return None

    def self_attribute_value(self, cls: str, attr: str) -> ast.Call | None:
        """The call assigned to ``self.<attr>`` in the methods of class ``cls`` (qualname), when
        there is exactly one such assignment besides ``None`` placeholders and no other kind of
        binding (augmented, tuple, ``setattr``-style writes make it unknown)."""
        cache = self.__dict__.setdefault("_self_attr_cache", {})
        key = (cls, attr)
        if key in cache:
            return cache[key]
        values: list[ast.expr] = []
        unknown = False
        for info in self.functions.values():
            if info.class_name != cls:
                continue
            args = info.node.args.posonlyargs + info.node.args.args
            if not args or any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in info.node.decorator_list):
                continue
            me = args[0].arg
            for node in walk_list(info.node):
                targets: list[ast.expr] = []
                value = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                    targets, value = [node.target], node.value
                    if isinstance(node, ast.AugAssign):
                        value = None
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.withitem, ast.comprehension)):
                    t = node.optional_vars if isinstance(node, ast.withitem) else node.target
                    targets = [t] if t is not None else []
                for t in targets:
                    for sub in walk_list(t):
                        if isinstance(sub, ast.Attribute) and sub.attr == attr and isinstance(sub.value, ast.Name) and sub.value.id == me:
                            if sub is t and value is not None and isinstance(node, (ast.Assign, ast.AnnAssign)):
                                values.append(value)
                            else:
                                unknown = True
        real = [v for v in values if not is_none(v)]
        result = real[0] if not unknown and len(real) == 1 and isinstance(real[0], ast.Call) else None
        cache[key] = result
        return result

    def call_name(self, call: ast.Call, scope: Scope | None = None, _depth: int = 0) -> str | None:
        """The qualified name of what a call invokes; methods on known instances are
        ``<constructor>.<method>`` (``requests.Session.get``, ``boto3.Session.client``)."""
        if scope is None and _depth == 0:
            # memoised: many rules ask for the same call's name (the model is immutable)
            cache = self.__dict__.setdefault("_call_names", {})
            if call in cache:  # keyed by the node itself (identity hash), safe across pickling
                return cache[call]
            name = cache[call] = self._call_name(call, self.scope_at(call), 0)
            return name
        return self._call_name(call, scope if scope is not None else self.scope_at(call), _depth)

    def _call_name(self, call: ast.Call, scope: Scope, _depth: int) -> str | None:
        func = call.func
        name = self.qualified_name(func, scope)
        if name is not None:
            return name
        if isinstance(func, ast.Attribute):
            cls = self.self_class(func.value, scope)
            if cls is not None:
                return f"{self.module_name}.{cls}.{func.attr}"
            owner = self.instance_type(func.value, scope, _depth + 1)
            if owner:
                return f"{owner}.{func.attr}"
        return None

    def self_class(self, expr: ast.AST, scope: Scope) -> str | None:
        """The class qualname when ``expr`` is the ``self``/``cls`` parameter of a method."""
        if not isinstance(expr, ast.Name):
            return None
        s: Scope | None = scope
        while s is not None and s.kind != "function":
            s = s.parent
        if s is None:
            return None
        info = self.functions[s.node]
        if not info.class_name:  # not a method (most functions): no parameter list to look at
            return None
        a = info.node.args
        first = a.posonlyargs[0] if a.posonlyargs else a.args[0] if a.args else None
        if first is not None and first.arg == expr.id and expr.id not in s.bindings:
            return info.class_name
        return None

    def node_text(self, node: ast.AST) -> str:
        """``ast.get_source_segment(self.source, node) or ""``, with the source split once per module."""
        try:
            if node.end_lineno is None or node.end_col_offset is None:  # type: ignore[attr-defined]
                return ""
            lineno = node.lineno - 1  # type: ignore[attr-defined]
            end_lineno = node.end_lineno - 1  # type: ignore[attr-defined]
            col_offset = node.col_offset  # type: ignore[attr-defined]
            end_col_offset = node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return ""
        lines = self.__dict__.get("_segment_lines")
        if lines is None:
            lines = self._segment_lines = _splitlines_no_ff(self.source)
        if end_lineno == lineno:
            return lines[lineno].encode()[col_offset:end_col_offset].decode() or ""
        first = lines[lineno].encode()[col_offset:].decode()
        last = lines[end_lineno].encode()[:end_col_offset].decode()
        return "".join([first, *lines[lineno + 1 : end_lineno], last]) or ""

    def walk(self) -> Iterator[ast.AST]:
        return ast.walk(self.tree)

    def is_module_level(self, node: ast.AST) -> bool:
        return self.enclosing_function(node) is None


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _splitlines_no_ff(source: str) -> list[str]:
    """Split like :func:`ast.get_source_segment` does: on \\r\\n, \\n and \\r only, ends kept."""
    return _LINE_RE.findall(source)


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def _target_names(t: ast.AST) -> Iterator[str]:
    if isinstance(t, ast.Name):
        yield t.id
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            yield from _target_names(e)
    elif isinstance(t, ast.Starred):
        yield from _target_names(t.value)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for k in call.keywords:
        if k.arg == name:
            return k
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords)


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def top_level_statement(model: "ModuleModel", node: ast.AST) -> ast.stmt | None:
    """The module-level statement that contains ``node``."""
    cur = node
    while cur is not None:
        parent = model.parents.get(cur)
        if parent is model.tree:
            return cur if isinstance(cur, ast.stmt) else None
        cur = parent
    return None


def invocation_names(model: "ModuleModel", expr: ast.AST) -> list[str]:
    """Names in ``expr`` that are bound in a function scope (parameters such as event/request/
    context, or handler locals): the value depends on the invocation."""
    scope = model.scope_at(expr)
    out = []
    for n in walk_list(expr):
        if isinstance(n, ast.Name):
            found = model.lookup(n.id, scope)
            if found is not None and found[0].kind in ("function", "lambda"):
                out.append(n.id)
        elif isinstance(n, (ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            out.append(type(n).__name__.lower())
    return out


def defined_before(model: "ModuleModel", expr: ast.AST, line: int) -> bool:
    """Every module-level name ``expr`` uses is bound before ``line`` (so the expression can be
    evaluated at module scope right before that line)."""
    for n in walk_list(expr):
        if isinstance(n, ast.Name):
            found = model.lookup(n.id, model.module_scope)
            if found is None:
                if n.id not in BUILTINS:
                    return False
                continue
            s, name = found
            if name in s.imports and name not in s.bindings:
                # an import: find its statement line
                ok = any(
                    isinstance(st, (ast.Import, ast.ImportFrom)) and st.lineno < line and any((a.asname or a.name.split(".")[0]) == name for a in st.names)
                    for st in walk_list(model.tree)
                    if isinstance(st, (ast.Import, ast.ImportFrom))
                )
                if not ok:
                    return False
                continue
            nodes = s.bindings.get(name, [])
            if not nodes or min(getattr(b, "lineno", line) for b in nodes) >= line:
                return False
    return True
