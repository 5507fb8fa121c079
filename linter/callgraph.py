"""Cross-module facts: which project function a dotted name refers to, and which functions run
per invocation (reached from a handler), with the call chain that reaches them.

Works on per-module summaries (plain data computed once from each ModuleModel), so a module is
never re-parsed for cross-module questions; modules are loaded lazily through ``load`` only when
a handler's calls lead into them.
"""
from __future__ import annotations

import ast
import posixpath
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .core import Function
from .semantic import FunctionInfo, ModuleModel

FuncKey = tuple[str, str]  # (posix path, qualname)

# Decorator attribute names that make a function a route/trigger handler of an app object.
ROUTE_DECORATORS = frozenset(
    {
        "route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket",
        "api_view", "on_sqs_message", "on_s3_event", "on_sns_message", "schedule", "lambda_function",
        "queue_trigger", "blob_trigger", "timer_trigger", "event_hub_message_trigger",
        "service_bus_queue_trigger", "service_bus_topic_trigger", "cosmos_db_trigger", "http_trigger",
        "function_name", "event_grid_trigger",
    }
)
ROUTER_FACTORIES = frozenset(
    {
        "fastapi.FastAPI", "fastapi.APIRouter", "flask.Flask", "flask.Blueprint", "starlette.applications.Starlette",
        "chalice.Chalice", "chalice.Blueprint", "azure.functions.FunctionApp", "azure.functions.Blueprint",
        "quart.Quart", "sanic.Sanic", "litestar.Litestar", "aws_lambda_powertools.event_handler.APIGatewayRestResolver",
        "aws_lambda_powertools.event_handler.APIGatewayHttpResolver", "aws_lambda_powertools.event_handler.ALBResolver",
        "aws_lambda_powertools.event_handler.LambdaFunctionUrlResolver", "aws_lambda_powertools.event_handler.api_gateway.Router",
        "aws_lambda_powertools.event_handler.router.APIGatewayRouter",
    }
)
ENTRY_METHODS = ("fetch", "scheduled", "queue", "on_fetch", "do_GET", "do_POST", "do_PUT", "do_PATCH", "do_DELETE", "do_HEAD", "do_OPTIONS")


@dataclass
class FunctionSummary:
    qualname: str
    line: int
    cached: bool
    is_async: bool
    # what the function calls: the dotted qualified names (as resolved in its module), each once,
    # in the order of their first call (small to hand to worker processes)
    calls: list[str] = field(default_factory=list)


@dataclass
class ModuleSummary:
    path: str
    module_name: str
    functions: dict[str, FunctionSummary]
    classes: dict[str, list[str]]  # class name -> method names
    imports: dict[str, str]  # module-level imports: local name -> dotted
    routers: list[str]  # module-level variables holding an app/router object
    # class name -> its bases as dotted names (resolved through imports); for inherited methods
    bases: dict[str, list[str]] = field(default_factory=dict)
    # module-level variable bound once to ``Ctor(...)`` -> the constructor's dotted name, so that
    # ``repo.connect`` (here or imported) resolves to ``Repo.connect``
    instances: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, model: ModuleModel) -> "ModuleSummary":
        functions: dict[str, FunctionSummary] = {}
        for info in model.functions.values():
            calls = list(dict.fromkeys(name for name in map(model.call_name, info.calls) if name))
            functions[info.qualname] = FunctionSummary(info.qualname, info.node.lineno, info.is_cached, info.is_async, calls)
        classes: dict[str, list[str]] = {}
        for name, node in model.classes.items():
            classes[name] = [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        routers = []
        instances: dict[str, str] = {}
        for name in model.module_scope.bindings:
            sv = model.single_value(name, model.module_scope)
            if sv and isinstance(sv[0], ast.Call):
                ctor = model.call_name(sv[0])
                if ctor in ROUTER_FACTORIES:
                    routers.append(name)
                elif ctor and sv[1] is model.module_scope and model.enclosing_function(sv[0]) is None:
                    instances[name] = ctor
        bases: dict[str, list[str]] = {}
        for name, node in model.classes.items():
            found = [model.qualified_name(b, model.module_scope) for b in node.bases]
            bases[name] = [b for b in found if b]
        return cls(model.path, model.module_name, functions, classes, dict(model.module_scope.imports), routers, bases, instances)


@dataclass(frozen=True)
class Reach:
    """How a function is reached per invocation: the handler Function and the chain of
    qualnames (display form) from the handler's callable to this function."""

    function: Function
    chain: tuple[str, ...]
    keys: tuple[FuncKey, ...]


def route_handlers(model: ModuleModel, app_vars: Iterable[str]) -> list[FunctionInfo]:
    """Functions decorated as routes/triggers of the given module-level app/router variables."""
    names = set(app_vars)
    out = []
    for info in model.functions.values():
        for d in info.decorator_nodes:
            target = d.func if isinstance(d, ast.Call) else d
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in names:
                if target.attr in ROUTE_DECORATORS or target.attr.startswith(("on_", "route")):
                    out.append(info)
                    break
    return out


# -- routes registered away from a decorator (real ASGI/WSGI apps) --------------------------------
# methods of a class-based view (Django View, Flask MethodView, Starlette HTTPEndpoint) that serve requests
VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace", "dispatch", "websocket")
# app.include_router(router) / app.register_blueprint(bp) / app.mount("/x", sub_app): (position, keyword)
_SUB_APP_CALLS = {"include_router": (0, "router"), "register_blueprint": (0, "blueprint"), "mount": (1, "app")}
# app.add_url_rule("/", view_func=index) / app.add_api_route("/", endpoint): (position, keyword)
_VIEW_CALLS = {
    "add_url_rule": (2, "view_func"), "add_api_route": (1, "endpoint"), "add_route": (1, "route"),
    "add_api_websocket_route": (1, "endpoint"), "add_websocket_route": (1, "route"),
}
# route objects: Route("/", endpoint), path("x/", views.fn) / path("x/", View.as_view()): (position, keyword)
_ROUTE_OBJECTS = {
    "starlette.routing.Route": (1, "endpoint"), "starlette.routing.WebSocketRoute": (1, "endpoint"),
    "fastapi.routing.APIRoute": (1, "endpoint"), "django.urls.path": (1, "view"), "django.urls.re_path": (1, "view"),
    "django.conf.urls.url": (1, "view"),
}
_SUB_APP_OBJECTS = {"starlette.routing.Mount": (1, "app"), "starlette.routing.Host": (1, "app")}
DJANGO_APPS = frozenset({"django.core.wsgi.get_wsgi_application", "django.core.asgi.get_asgi_application"})


def _arg(call: ast.Call, pos: int, kw: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == kw:
            return k.value
    return call.args[pos] if len(call.args) > pos and not isinstance(call.args[pos], ast.Starred) else None


def app_objects(model: ModuleModel) -> set[str]:
    """Module-level names bound once to an app or router object (FastAPI(), Flask(), APIRouter(),
    get_wsgi_application(), ...)."""
    from .project.pyast import APP_CONSTRUCTORS

    out = set()
    for name in model.module_scope.bindings:
        sv = model.single_value(name, model.module_scope)
        if sv and isinstance(sv[0], ast.Call):
            cn = model.call_name(sv[0])
            if cn in ROUTER_FACTORIES or cn in APP_CONSTRUCTORS:
                out.add(name)
    return out


class ProjectIndex:
    """Resolves dotted names to project functions and computes per-invocation reachability."""

    def __init__(self, python_paths: Iterable[str], load: Callable[[str], ModuleModel | None], text: Callable[[str], str | None] | None = None):
        self.paths = set(python_paths)
        self._text = text
        self._find_memo: dict[tuple[str, str], str | None] = {}  # (dotted, importer folder) -> path
        self._load = load
        self._summaries: dict[str, ModuleSummary | None] = {}
        self._models: dict[str, ModuleModel | None] = {}
        # per deployed Function: its entry points and what it reaches per invocation (pure
        # functions of the summaries; filled by reachability, see shared_state)
        self._entry_keys: dict[Function, list[FuncKey]] = {}
        self._fn_reach: dict[Function, dict[FuncKey, Reach]] = {}

    def shared_state(self) -> tuple:
        """What this index has derived from the modules it read (summaries, entry points, reach
        per Function), small and picklable: a process that :meth:`adopt` s it answers the same
        questions without parsing those modules again (forked workers)."""
        return (dict(self._summaries), dict(self._entry_keys), dict(self._fn_reach))

    def adopt(self, state: tuple) -> None:
        summaries, entry_keys, fn_reach = state
        for path, summ in summaries.items():
            self._summaries.setdefault(path, summ)
        for fn, keys in entry_keys.items():
            self._entry_keys.setdefault(fn, keys)
        for fn, reach in fn_reach.items():
            self._fn_reach.setdefault(fn, reach)

    # ------------------------------------------------------------------ modules
    def model(self, path: str) -> ModuleModel | None:
        if path not in self._models:
            self._models[path] = self._load(path) if path in self.paths else None
        return self._models[path]

    def touch_many(self, paths: Iterable[str]) -> None:
        """Record that the current result depends on ``paths`` (the engine's index records cache
        dependencies; here nothing)."""

    def source(self, path: str) -> str | None:
        """The text of a project module without parsing it when the caller can read it (the
        engine's index reads its store), else the loaded model's source."""
        if self._text is not None:
            return self._text(path) if path in self.paths else None
        m = self.model(path)
        return m.source if m is not None else None

    def summary(self, path: str) -> ModuleSummary | None:
        if path not in self._summaries:
            m = self.model(path)
            if m is None:
                self._summaries[path] = None
            else:
                if m.summary is None:  # kept on the model (see ModuleModel.summary)
                    m.summary = ModuleSummary.of(m)
                self._summaries[path] = m.summary
        return self._summaries[path]

    def find_module(self, dotted: str, importer: str) -> str | None:
        """The project file for a dotted module name, searched the way the runtime would:
        from the importer's folder and each folder above it (Lambda puts the code root on
        sys.path; tools put the project root)."""
        folder = posixpath.dirname(importer)
        key = (dotted, folder)
        memo = self._find_memo
        if key in memo:
            return memo[key]
        memo[key] = found = self._find_module(dotted, folder)
        return found

    def _find_module(self, dotted: str, folder: str) -> str | None:
        rel = dotted.replace(".", "/")
        while True:
            for cand in (f"{rel}.py", f"{rel}/__init__.py"):
                p = posixpath.normpath(posixpath.join(folder, cand)) if folder else cand
                if p in self.paths:
                    return p
            if not folder:
                return None
            folder = posixpath.dirname(folder)

    def resolve(self, dotted: str, importer: str, _depth: int = 0) -> FuncKey | None:
        """Map a dotted name seen in ``importer`` to a (path, qualname) project function."""
        if _depth > 6:
            return None
        own = self.summary(importer)
        if own is not None and dotted.startswith(own.module_name + "."):
            found = self._member(importer, dotted[len(own.module_name) + 1 :], _depth)
            if found is not None or not importer.endswith("__init__.py"):
                return found
            # a package's own submodule (`lib.db.x` seen in lib/__init__.py): search below
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            path = self.find_module(".".join(parts[:i]), importer)
            if path is not None:
                return self._member(path, ".".join(parts[i:]), _depth)
        return None

    def _member(self, path: str, rest: str, depth: int) -> FuncKey | None:
        s = self.summary(path)
        if s is None:
            return None
        if rest in s.functions:
            return (path, rest)
        if rest in s.classes:
            init = f"{rest}.__init__"
            return (path, init) if init in s.functions else self._inherited(s, rest, "__init__", depth)
        head, _, tail = rest.partition(".")
        if head in s.classes and tail and "." not in tail:
            # a method the class inherits from a project base class
            return self._inherited(s, head, tail, depth)
        if tail and head in s.instances and head not in s.imports:
            # a method of a module-level instance: `repo = Repo()` ... `repo.connect()`
            return self.resolve(f"{s.instances[head]}.{tail}", path, depth + 1)
        if head in s.imports:  # re-export: `from .core import get_db` in a package __init__
            target = s.imports[head] + (f".{tail}" if tail else "")
            return self.resolve(target, path, depth + 1)
        return None

    def _inherited(self, s: ModuleSummary, cls: str, method: str, depth: int) -> FuncKey | None:
        """``cls.method`` found on a base class (depth-first, in declaration order, like the
        MRO of single inheritance); None when no project base defines it."""
        for base in s.bases.get(cls, ()):
            if base == f"{s.module_name}.{cls}":
                continue
            found = self.resolve(f"{base}.{method}", s.path, depth + 1)
            if found is not None:
                return found
        return None

    # ------------------------------------------------------------------ handlers
    def handler_keys(self, fn: Function) -> list[FuncKey]:
        """The project functions that are entry points of a deployed Function."""
        found = self._entry_keys.get(fn)
        if found is None:
            found = self._entry_keys[fn] = self._handler_keys(fn)
        return list(found)

    def _handler_keys(self, fn: Function) -> list[FuncKey]:
        if not fn.handler_path or not fn.handler_callable:
            return []
        model = self.model(fn.handler_path)
        summary = self.summary(fn.handler_path)
        if model is None or summary is None:
            return []
        callable_ = fn.handler_callable
        keys: list[FuncKey] = []
        if callable_ in summary.functions:
            keys.append((fn.handler_path, callable_))
        elif callable_ in summary.classes:
            methods = summary.classes[callable_]
            entry = [m for m in methods if m in ENTRY_METHODS] or [m for m in methods if not m.startswith("_")]
            keys.extend((fn.handler_path, f"{callable_}.{m}") for m in entry)
        app_vars = {v for v in (fn.get("app"), fn.get("wraps_app")) if v}
        if not keys and callable_ not in summary.functions:
            app_vars.add(callable_)
        if keys:
            keys.extend(self._sibling_entries(fn.handler_path, callable_, summary))
            app_vars |= self._apps_served_by(model, keys)
        if app_vars:
            app_vars |= set(summary.routers)
            keys.extend(self.app_route_keys(fn.handler_path, app_vars))
        return list(dict.fromkeys(keys))

    @staticmethod
    def _sibling_entries(path: str, callable_: str, summary: ModuleSummary) -> list[FuncKey]:
        """``Default.fetch`` named by wrangler: ``Default.scheduled`` / ``queue`` are entry points too."""
        cls, _, method = callable_.rpartition(".")
        if not cls or method not in ENTRY_METHODS or cls not in summary.classes:
            return []
        return [(path, f"{cls}.{m}") for m in summary.classes[cls] if m in ENTRY_METHODS]

    @staticmethod
    def _apps_served_by(model: ModuleModel, keys: list[FuncKey]) -> set[str]:
        """App objects a handler passes on (``asgi.fetch(app, request, env)`` in a Worker,
        ``serverless_wsgi.handle_request(app, event, context)``, ``Mangum(app)(event, context)``):
        their routes run per invocation."""
        apps = app_objects(model)
        out: set[str] = set()
        if not apps:
            return out
        for _path, qualname in keys:
            info = model.by_qualname.get(qualname)
            for call in info.calls if info is not None else ():
                for a in list(call.args) + [k.value for k in call.keywords]:
                    if isinstance(a, ast.Name) and a.id in apps and not info.scope.binds(a.id):
                        out.add(a.id)
        return out

    def app_route_keys(self, path: str, app_vars: Iterable[str]) -> list[FuncKey]:
        """Route functions of the app/router objects ``app_vars`` of module ``path``: decorated
        routes, routers and blueprints included from other modules (``include_router``,
        ``register_blueprint``, ``mount``), views registered by call (``add_url_rule``,
        ``add_api_route``, Starlette ``Route``), class-based views (their HTTP methods), and for a
        Django app every ``urls.py`` of the project (``path(..., views.fn)``, ``View.as_view()``)."""
        out: list[FuncKey] = []
        todo: list[tuple[str, frozenset[str]]] = [(path, frozenset(app_vars))]
        seen: set[tuple[str, frozenset[str]]] = set()
        django_done = False
        while todo and len(seen) < 200:
            p, names = todo.pop()
            if (p, names) in seen:
                continue
            seen.add((p, names))
            model = self.model(p)
            if model is None:
                continue
            out.extend((p, info.qualname) for info in route_handlers(model, names))
            for node in ast.walk(model.tree):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in names:
                    if f.attr in _SUB_APP_CALLS:
                        ref = self._object_ref(model, p, _arg(node, *_SUB_APP_CALLS[f.attr]))
                        if ref is not None:
                            todo.append((ref[0], frozenset({ref[1]})))
                    elif f.attr in _VIEW_CALLS:
                        out.extend(self._view_keys(model, p, _arg(node, *_VIEW_CALLS[f.attr])))
                    continue
                cn = model.call_name(node)
                if cn in _ROUTE_OBJECTS:
                    out.extend(self._view_keys(model, p, _arg(node, *_ROUTE_OBJECTS[cn])))
                elif cn in _SUB_APP_OBJECTS:
                    ref = self._object_ref(model, p, _arg(node, *_SUB_APP_OBJECTS[cn]))
                    if ref is not None:
                        todo.append((ref[0], frozenset({ref[1]})))
                elif cn in ROUTER_FACTORIES:
                    # Starlette(routes=routes) / Mount(routes=...) with the list in another module
                    routes = _arg(node, 99, "routes")
                    ref = self._object_ref(model, p, routes) if isinstance(routes, (ast.Name, ast.Attribute)) else None
                    if ref is not None and ref[0] != p:
                        todo.append((ref[0], frozenset()))
                elif cn in DJANGO_APPS and not django_done:
                    django_done = True
                    todo.extend((u, frozenset()) for u in sorted(self.paths) if u.rsplit("/", 1)[-1] == "urls.py")
        return list(dict.fromkeys(out))

    def _object_ref(self, model: ModuleModel, path: str, expr: ast.expr | None) -> tuple[str, str] | None:
        """(module path, variable) of a module-level object named by ``expr`` (``router``,
        ``items.router``, an imported ``bp``)."""
        if not isinstance(expr, (ast.Name, ast.Attribute)):
            return None
        dotted = model.qualified_name(expr)
        if not dotted:
            return None
        if dotted.startswith(model.module_name + "."):
            rest = dotted[len(model.module_name) + 1 :]
            return (path, rest) if "." not in rest else None
        mod, _, var = dotted.rpartition(".")
        target = self.find_module(mod, path) if mod else None
        if target is None:
            return None
        s = self.summary(target)
        if s is not None and var in s.imports and "." in s.imports[var]:  # re-exported from a package __init__
            inner_mod, _, inner_var = s.imports[var].rpartition(".")
            inner = self.find_module(inner_mod, target)
            if inner is not None:
                return (inner, inner_var)
        return (target, var)

    def _view_keys(self, model: ModuleModel, path: str, expr: ast.expr | None) -> list[FuncKey]:
        """The functions a view argument runs: a function, ``View.as_view()`` or an endpoint class."""
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "as_view":
            expr = expr.func.value
        if not isinstance(expr, (ast.Name, ast.Attribute)):
            return []
        dotted = model.qualified_name(expr)
        if not dotted:
            return []
        if dotted.startswith(model.module_name + "."):
            target, rest = path, dotted[len(model.module_name) + 1 :]
        else:
            mod, _, rest = dotted.rpartition(".")
            target = self.find_module(mod, path) if mod else None
            if target is None:
                return []
        s = self.summary(target)
        if s is None:
            return []
        if rest in s.functions:
            return [(target, rest)]
        if rest in s.classes:
            return [(target, f"{rest}.{m}") for m in s.classes[rest] if m in VIEW_METHODS]
        key = self.resolve(dotted, path)
        return [key] if key is not None and not key[1].endswith(".__init__") else []

    def reachability(self, functions: Iterable[Function]) -> dict[FuncKey, Reach]:
        """Every project function run per invocation, with the shortest chain from a handler.
        Bodies of cached factories (functools.cache & co.) run once per argument set, not per
        invocation: they are not entered."""
        functions = list(functions)
        if len(functions) == 1 and functions[0] in self._fn_reach:
            return dict(self._fn_reach[functions[0]])
        reach: dict[FuncKey, Reach] = {}
        for fn in sorted(functions, key=lambda f: f.name):
            own: dict[FuncKey, Reach] = {}  # what this Function alone reaches
            queue: deque[tuple[FuncKey, tuple[FuncKey, ...]]] = deque()
            for key in self.handler_keys(fn):
                queue.append((key, (key,)))
            seen: set[FuncKey] = set()
            while queue:
                key, chain = queue.popleft()
                if key in seen:
                    continue
                seen.add(key)
                summ = self.summary(key[0])
                if summ is None or key[1] not in summ.functions:
                    continue
                fsum = summ.functions[key[1]]
                if fsum.cached:
                    continue
                if key not in own:
                    own[key] = Reach(fn, tuple(k[1] for k in chain), chain)
                    reach.setdefault(key, own[key])
                for called in fsum.calls:  # each name once: a repeated call adds nothing to the search
                    target = self.resolve(called, key[0])
                    if target is not None and target not in seen:
                        queue.append((target, chain + (target,)))
            self._fn_reach.setdefault(fn, own)
        return reach
