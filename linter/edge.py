"""Edge runtime facts and the shared edge analysis for SLS301-SLS305.

A function is edge when the project model says so (``Function.runtime_class == "edge"``: a
Cloudflare Python Worker, any future edge platform). Every module its handler's module imports
from the project, transitively (module level and inside functions, not under
``if TYPE_CHECKING:``), runs in the edge runtime too. :func:`edge_modules` computes that set once
per analysis (cached on the project index) with, for each module, the edge function that pulls
it in and the import chain from the handler's module.

The module tables below are the one source of the edge rules' module lists (facts:
shared/reference/serverless-facts.md section 3.1); the rule docs render them with
:func:`render_table`.
"""
from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------- the tables
# Standard-library modules removed from the Python Workers runtime: importing them fails.
UNAVAILABLE: dict[str, str] = {
    "curses": "excluded from Pyodide's standard library",
    "dbm": "excluded from Pyodide's standard library",
    "ensurepip": "excluded from Pyodide's standard library",
    "fcntl": "excluded from Pyodide's standard library",
    "grp": "excluded from Pyodide's standard library",
    "idlelib": "excluded from Pyodide's standard library",
    "lib2to3": "excluded from Pyodide's standard library",
    "msvcrt": "excluded from Pyodide's standard library",
    "pwd": "excluded from Pyodide's standard library",
    "resource": "excluded from Pyodide's standard library",
    "syslog": "excluded from Pyodide's standard library",
    "termios": "excluded from Pyodide's standard library",
    "tkinter": "excluded from Pyodide's standard library",
    "turtle": "excluded from Pyodide's standard library",
    "turtledemo": "excluded from Pyodide's standard library",
    "venv": "excluded from Pyodide's standard library",
    "winreg": "excluded from Pyodide's standard library",
    "winsound": "excluded from Pyodide's standard library",
    "pty": "cannot be imported: it needs the removed termios module",
    "tty": "cannot be imported: it needs the removed termios module",
}
# Importable but not working: module -> (why, names that fail; empty = the whole module).
NON_FUNCTIONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "socket": ("raw sockets do not work in the isolate (Pyodide: included but not working)", ()),
    "subprocess": ("there are no processes to start in a V8 isolate", ()),
    "multiprocessing": ("importable but non-functional: there are no processes to start", ()),
    "threading": ("threads cannot be started in the isolate", ("Thread", "Timer")),
    "concurrent.futures": ("worker threads and processes cannot be started in the isolate", ("ThreadPoolExecutor", "ProcessPoolExecutor")),
    "webbrowser": ("there is no browser to open", ()),
}
# Synchronous HTTP clients (SLS302): reported at their calls.
BLOCKING_HTTP: dict[str, str] = {
    "requests": "synchronous requests are not supported in Python Workers",
    "urllib.request": "urllib.request opens raw sockets, which Python Workers do not have",
    "http.client": "http.client opens raw sockets, which Python Workers do not have",
    "urllib3": "urllib3 pools open raw sockets, which Python Workers do not have",
}
# Raw-socket database and cache drivers (SLS304): module -> (what it is, what to use instead).
SOCKET_DRIVERS: dict[str, tuple[str, str]] = {
    "psycopg2": ("PostgreSQL driver", "Hyperdrive or an HTTP driver (Neon serverless, Supabase REST) called with fetch/httpx"),
    "psycopg": ("PostgreSQL driver", "Hyperdrive or an HTTP driver (Neon serverless, Supabase REST) called with fetch/httpx"),
    "asyncpg": ("PostgreSQL driver", "Hyperdrive or an HTTP driver (Neon serverless, Supabase REST) called with fetch/httpx"),
    "pg8000": ("PostgreSQL driver", "Hyperdrive or an HTTP driver (Neon serverless, Supabase REST) called with fetch/httpx"),
    "pymysql": ("MySQL driver", "an HTTP driver (PlanetScale HTTP API) or a D1 binding"),
    "MySQLdb": ("MySQL driver", "an HTTP driver (PlanetScale HTTP API) or a D1 binding"),
    "mysql.connector": ("MySQL driver", "an HTTP driver (PlanetScale HTTP API) or a D1 binding"),
    "aiomysql": ("MySQL driver", "an HTTP driver (PlanetScale HTTP API) or a D1 binding"),
    "redis": ("Redis client", "a KV binding or Redis over HTTP (Upstash REST)"),
    "pymongo": ("MongoDB driver", "an HTTP API (MongoDB Atlas Data API) or a D1/KV binding"),
    "motor": ("MongoDB driver", "an HTTP API (MongoDB Atlas Data API) or a D1/KV binding"),
    "mongoengine": ("MongoDB driver", "an HTTP API (MongoDB Atlas Data API) or a D1/KV binding"),
    "cassandra": ("Cassandra driver", "an HTTP API (Astra DB Data API)"),
    "pika": ("RabbitMQ client", "a Queues binding"),
    "kafka": ("Kafka client", "a Queues binding or an HTTP API (Upstash Kafka REST)"),
    "pymemcache": ("Memcached client", "a KV binding"),
}
# Entropy at import time (SLS305): qualified calls that fail at the deploy-time snapshot.
ENTROPY_CALLS: dict[str, str] = {
    "os.urandom": "reads OS entropy",
    "os.getrandom": "reads OS entropy",
    "uuid.uuid4": "reads OS entropy",
    "uuid.uuid1": "seeds its clock sequence from random",
    "secrets.token_bytes": "reads OS entropy",
    "secrets.token_hex": "reads OS entropy",
    "secrets.token_urlsafe": "reads OS entropy",
    "secrets.randbelow": "reads OS entropy",
    "secrets.randbits": "reads OS entropy",
    "secrets.choice": "reads OS entropy",
}
# `random` / `numpy.random` functions allowed at top level (the runtime blocks every other one):
# name -> whether it needs a seed argument to be allowed.
ENTROPY_ALLOWED = {
    "random": {"Random": True, "SystemRandom": False},
    "numpy.random": {"default_rng": True, "Generator": False, "PCG64": True, "SeedSequence": True},
}

EDGE_PLATFORM_NAMES = {"cloudflare-workers": "Cloudflare Python Workers"}


def render_table(section: str) -> str:
    """Markdown list of one table, for the rule docs."""
    if section == "unavailable":
        return "\n".join(f"- `{m}`: {why}" for m, why in sorted(UNAVAILABLE.items()))
    if section == "non_functional":
        rows = []
        for m, (why, names) in sorted(NON_FUNCTIONAL.items()):
            what = f"`{m}` ({', '.join(f'`{n}`' for n in names)})" if names else f"`{m}`"
            rows.append(f"- {what}: {why}")
        return "\n".join(rows)
    if section == "blocking_http":
        return "\n".join(f"- `{m}`: {why}" for m, why in sorted(BLOCKING_HTTP.items()))
    if section == "socket_drivers":
        return "\n".join(f"- `{m}` ({what}): use {instead}" for m, (what, instead) in sorted(SOCKET_DRIVERS.items()))
    if section == "entropy":
        rows = [f"- `{c}()`: {why}" for c, why in sorted(ENTROPY_CALLS.items())]
        for mod, allowed in ENTROPY_ALLOWED.items():
            ok = ", ".join(f"`{n}(seed)`" if seeded else f"`{n}()`" for n, seeded in allowed.items())
            rows.append(f"- every `{mod}` function except {ok}")
        return "\n".join(rows)
    raise KeyError(section)


def module_entry(table: dict[str, Any], dotted: str) -> str | None:
    """The table key ``dotted`` belongs to (``mysql.connector.pooling`` -> ``mysql.connector``)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in table:
            return key
    return None


# --------------------------------------------------------------------------- the analysis
@dataclass(frozen=True)
class EdgeModule:
    """A project module that runs in the edge runtime."""

    path: str
    function: str  # the edge Function (first by name) that pulls it in
    platform: str
    chain: tuple[str, ...]  # module paths from the handler's module to this one
    functions: tuple[str, ...]  # every edge Function that pulls it in

    @property
    def runtime(self) -> str:
        return EDGE_PLATFORM_NAMES.get(self.platform, "the edge runtime")

    def describe(self) -> str:
        """``edge function `api` (src/entry.py → src/db.py)``."""
        via = " → ".join(self.chain)
        return f"edge function `{self.function}` ({via})" if len(self.chain) > 1 else f"edge function `{self.function}`"


_CACHE: "weakref.WeakKeyDictionary[Any, dict[str, EdgeModule]]" = weakref.WeakKeyDictionary()


def import_base(model, node: ast.ImportFrom) -> str:
    """The absolute module of a ``from ... import`` (relative imports resolved from the module's path)."""
    if not node.level:
        return node.module or ""
    package = model.module_name.split(".")
    if not model.path.endswith("__init__.py"):
        package = package[:-1]
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    base = ".".join(package)
    if node.module:
        base = f"{base}.{node.module}" if base else node.module
    return base


def imported_modules(model) -> list[tuple[ast.stmt, str]]:
    """(import statement, dotted module) for every import the module runs, module level or in a
    function, not under ``if TYPE_CHECKING:``; ``from a import b`` yields ``a`` and ``a.b``."""
    out: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(model.tree):
        if node in model.type_checking_imports:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((node, alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = import_base(model, node)
            if base:
                out.append((node, base))
            for alias in node.names:
                if alias.name != "*":
                    out.append((node, f"{base}.{alias.name}" if base else alias.name))
    return out


def _project_files(index, dotted: str, importer: str) -> list[str]:
    """Project files that importing ``dotted`` runs: each package ``__init__`` on the way and the module."""
    parts = dotted.split(".")
    files = []
    for i in range(1, len(parts) + 1):
        path = index.find_module(".".join(parts[:i]), importer)
        if path is not None and path != importer:
            files.append(path)
    return files


def edge_modules(ctx) -> dict[str, EdgeModule]:
    """Every project module that runs in an edge function, computed once per analysis."""
    index = ctx.index
    cached = _CACHE.get(index)
    if cached is not None:
        return cached
    result: dict[str, EdgeModule] = {}
    targets_of: dict[str, list[str]] = {}  # path -> project files its imports run (same for every function)
    for fn in sorted(ctx.project.functions, key=lambda f: f.name):
        if fn.runtime_class != "edge" or not fn.handler_path:
            continue
        chains: dict[str, tuple[str, ...]] = {fn.handler_path: (fn.handler_path,)}
        queue = [fn.handler_path]
        while queue:
            path = queue.pop(0)
            model = index.model(path)
            if model is None:
                continue
            targets = targets_of.get(path)
            if targets is None:
                targets = targets_of[path] = [t for _node, dotted in imported_modules(model) for t in _project_files(index, dotted, path)]
            for target in targets:
                if target not in chains:
                    chains[target] = chains[path] + (target,)
                    queue.append(target)
        for path, chain in chains.items():
            prev = result.get(path)
            if prev is None:
                result[path] = EdgeModule(path, fn.name, fn.platform, chain, (fn.name,))
            elif fn.name not in prev.functions:
                result[path] = EdgeModule(prev.path, prev.function, prev.platform, prev.chain, prev.functions + (fn.name,))
    _CACHE[index] = result
    return result


def edge_module(ctx) -> EdgeModule | None:
    """The edge facts of the module ``ctx`` is visiting (None: it does not run at the edge)."""
    return edge_modules(ctx).get(ctx.path)


def is_guarded_import(model, node: ast.AST) -> bool:
    """An import inside ``try: ... except ImportError`` (or a broader handler), or under an
    ``if`` that tests the platform (``sys.platform``, ``os.name``, ``platform.system()``):
    the author already handles the module being absent."""
    cur = model.parents.get(node)
    child = node
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
        if isinstance(cur, ast.Try) and child in cur.body:
            for h in cur.handlers:
                if h.type is None:
                    return True
                names = [h.type] if not isinstance(h.type, ast.Tuple) else list(h.type.elts)
                for n in names:
                    text = ast.unparse(n)
                    if text.split(".")[-1] in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException", "OSError", "RuntimeError"):
                        return True
        if isinstance(cur, ast.If):
            test = ast.unparse(cur.test)
            if any(t in test for t in ("sys.platform", "os.name", "platform.system", "platform.machine", "emscripten", "pyodide", "sys.modules")):
                return True
        child = cur
        cur = model.parents.get(cur)
    return False
