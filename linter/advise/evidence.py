"""Direct evidence from the semantic model, per function.

For each deployed function this reads what runs at a cold start (the module-scope code of the
handler module and of every project module it imports) and what runs per invocation (every
function the handler reaches, through the engine's call graph), and records facts that decide
where the function belongs: imports of socket/subprocess/multiprocessing, socket database
drivers, heavy and CPU-heavy modules, WebSocket serving, synchronous HTTP, threads, filesystem
writes, sleeps and polling, upload processing, module-level entropy. Each fact names the rule
code that covers it, so a finding of that rule at the same place merges with it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sls_lint.catalog import HTTP_CALLS, canonical, client_kind
from sls_lint.core import Function

from .coldstart import ImportSite, is_stdlib
from .model import Evidence, Location

# --------------------------------------------------------------------------- catalogs
# modules that are absent or do not work in an edge (Pyodide) runtime (serverless-facts §3.1)
EDGE_UNAVAILABLE = frozenset(
    {
        "socket", "subprocess", "multiprocessing", "fcntl", "pwd", "grp", "resource", "termios", "curses",
        "dbm", "pty", "tty", "syslog", "ensurepip", "venv", "tkinter", "turtle", "msvcrt", "winreg",
        "winsound", "socketserver", "selectors", "select", "signal",
    }
)
SOCKET_DRIVERS = {
    "psycopg2": "an HTTP driver (Neon serverless driver) or Cloudflare Hyperdrive / D1",
    "psycopg": "an HTTP driver (Neon serverless driver) or Cloudflare Hyperdrive / D1",
    "asyncpg": "an HTTP driver (Neon serverless driver) or Cloudflare Hyperdrive / D1",
    "pg8000": "an HTTP driver (Neon serverless driver) or Cloudflare Hyperdrive / D1",
    "pymysql": "an HTTP driver (PlanetScale HTTP API) or Cloudflare Hyperdrive / D1",
    "MySQLdb": "an HTTP driver (PlanetScale HTTP API) or Cloudflare Hyperdrive / D1",
    "mysql": "an HTTP driver (PlanetScale HTTP API) or Cloudflare Hyperdrive / D1",
    "aiomysql": "an HTTP driver (PlanetScale HTTP API) or Cloudflare Hyperdrive / D1",
    "redis": "a REST client (Upstash Redis REST API) or a Workers KV binding",
    "pymongo": "the MongoDB Atlas Data API over HTTPS",
    "motor": "the MongoDB Atlas Data API over HTTPS",
    "elasticsearch": "the Elasticsearch REST API through fetch()",
}
WEBSOCKET_MODULES = frozenset({"websockets", "websocket", "socketio", "flask_socketio", "flask_sock", "simple_websocket", "channels"})
CPU_HEAVY_MODULES = frozenset({"torch", "tensorflow", "transformers", "keras", "jax", "whisper", "diffusers"})
HEAVY_MODULES = frozenset(
    {
        "pandas", "numpy", "scipy", "sklearn", "torch", "tensorflow", "transformers", "keras", "matplotlib",
        "openai", "anthropic", "cv2", "xgboost", "lightgbm", "spacy", "nltk", "langchain", "langchain_core",
        "sqlalchemy", "pyarrow", "polars", "plotly", "seaborn", "statsmodels",
    }
)
CLOUD_SDK_PREFIXES = ("boto3", "botocore", "aioboto3", "aiobotocore", "google.cloud", "google.api_core", "azure.storage", "azure.cosmos", "azure.servicebus", "azure.eventhub", "azure.keyvault", "azure.identity", "azure.data")
DATABASE_CLIENT_KINDS = frozenset({"PostgreSQL connection", "MySQL connection", "SQLAlchemy engine", "MongoDB client", "Redis client", "search client", "ORM or database client"})
CLOUD_CLIENT_KINDS = frozenset({"AWS SDK client", "Google Cloud client", "Azure SDK client"})
SYNC_HTTP_LIBS = frozenset({"requests", "urllib.request", "http.client", "urllib3"})
RAW_SOCKET_LIBS = frozenset({"socket", "smtplib", "ftplib", "imaplib", "poplib"})
THREAD_CALLS = frozenset({"threading.Thread", "threading.Timer", "concurrent.futures.ThreadPoolExecutor", "_thread.start_new_thread"})
PROCESS_CALLS = frozenset({"multiprocessing.Pool", "multiprocessing.Process", "multiprocessing.pool.Pool", "concurrent.futures.ProcessPoolExecutor", "os.fork"})
SUBPROCESS_CALLS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen", "os.system", "os.popen", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell"})
CPU_HEAVY_TOOLS = ("ffmpeg", "ffprobe", "gs", "libreoffice", "soffice", "convert", "magick", "tesseract", "blender")
FS_WRITE_CALLS = frozenset(
    {
        "pathlib.Path.write_text", "pathlib.Path.write_bytes", "pathlib.Path.mkdir", "pathlib.Path.touch",
        "os.makedirs", "os.mkdir", "os.remove", "os.rename", "os.replace", "shutil.copy", "shutil.copy2",
        "shutil.copyfile", "shutil.copytree", "shutil.move", "shutil.rmtree", "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile", "tempfile.mkstemp", "tempfile.mkdtemp", "tempfile.TemporaryDirectory",
        "tempfile.SpooledTemporaryFile", "sqlite3.connect", "logging.FileHandler",
    }
)
SLEEP_CALLS = frozenset({"time.sleep", "asyncio.sleep"})
ENTROPY_CALLS = frozenset({"uuid.uuid4", "uuid.uuid1", "os.urandom", "random.random", "random.randint", "random.choice", "random.randrange", "random.shuffle", "random.sample", "random.uniform", "random.seed", "numpy.random.seed", "numpy.random.rand", "numpy.random.default_rng"})
UPLOAD_PROCESSORS = frozenset(
    {
        "PIL.Image.open", "cv2.imdecode", "cv2.imread", "pandas.read_csv", "pandas.read_excel", "pandas.read_parquet",
        "pandas.read_json", "zipfile.ZipFile", "tarfile.open", "pypdf.PdfReader", "PyPDF2.PdfReader", "openpyxl.load_workbook",
        "fitz.open", "pydub.AudioSegment.from_file", "moviepy.editor.VideoFileClip", "docx.Document",
    }
)
UPLOAD_INPUTS = frozenset({"cgi.FieldStorage", "multipart.parse_form_data", "requests_toolbelt.MultipartDecoder", "requests_toolbelt.multipart.decoder.MultipartDecoder", "python_multipart.parse_form", "multipart.MultipartParser", "email.message_from_bytes"})
SERVER_LOOP_CALLS = frozenset({"websockets.serve", "websockets.server.serve", "asyncio.start_server", "socketserver.TCPServer", "http.server.HTTPServer", "http.server.ThreadingHTTPServer"})
WEBSOCKET_CLIENT_CALLS = frozenset({"websockets.connect", "websockets.client.connect", "websocket.create_connection", "websocket.WebSocketApp", "aiohttp.ClientSession.ws_connect"})

# platform maximum durations (serverless-facts §2.2)
PLATFORM_MAX_S = {"aws-lambda": 900.0, "vercel": 800.0, "azure-functions": 600.0}
GCP_MAX_HTTP_S, GCP_MAX_EVENT_S = 3600.0, 540.0
EDGE_MEMORY_MB = 128
EDGE_CPU_DEFAULT_S = 30.0


def platform_max_s(fn: Function) -> float | None:
    if fn.platform == "gcp-functions":
        return GCP_MAX_HTTP_S if "http" in fn.trigger_kinds else GCP_MAX_EVENT_S
    return PLATFORM_MAX_S.get(fn.platform)


@dataclass
class FunctionFacts:
    evidence: list[Evidence] = field(default_factory=list)
    imports: list[ImportSite] = field(default_factory=list)  # module-scope external imports of the closure
    modules: list[str] = field(default_factory=list)  # root-relative project modules of the closure
    reached: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # path -> line ranges run per invocation
    analysed: bool = False

    def add(self, ev: Evidence) -> None:
        key = (ev.kind, ev.subject, ev.location)
        if all((e.kind, e.subject, e.location) != key for e in self.evidence):
            self.evidence.append(ev)


def module_level_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Nodes evaluated when the module is imported (function and lambda bodies are skipped;
    decorators and default values are not)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(node.decorator_list)
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _import_names(model, node: ast.Import | ast.ImportFrom) -> list[tuple[str, list[str]]]:
    """(dotted module as imported, candidate project module names) per alias."""
    out = []
    if isinstance(node, ast.Import):
        for a in node.names:
            out.append((a.name, [a.name]))
        return out
    base = model._resolve_from(node) if node.level else (node.module or "")
    for a in node.names:
        if a.name == "*":
            out.append((base, [base]))
        else:
            full = f"{base}.{a.name}" if base else a.name
            out.append((full, [full, base] if base else [full]))
    return out


def _str_const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _write_mode(call: ast.Call) -> bool:
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    text = _str_const(mode)
    return bool(text) and any(c in text for c in "wax+")


def _loop_forever(node: ast.While) -> bool:
    if not (isinstance(node.test, ast.Constant) and node.test.value is True):
        return False
    stack = list(node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Break, ast.Return, ast.Raise)):
            return False
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.While, ast.For, ast.AsyncFor)):
            if isinstance(n, (ast.While, ast.For, ast.AsyncFor)):
                # a break inside an inner loop leaves only that loop; returns still count
                stack.extend(x for x in ast.walk(n) if isinstance(x, (ast.Return, ast.Raise)))
            continue
        stack.extend(ast.iter_child_nodes(n))
    return True


class Collector:
    """Collects :class:`FunctionFacts` for one function."""

    def __init__(self, fn: Function, index, display: Callable[[str], str]):
        self.fn = fn
        self.index = index
        self.display = display
        self.facts = FunctionFacts()
        self._upload_inputs: list[tuple[str, ast.AST, str]] = []  # (path, node, what) decoded request bodies
        self._processors: list[tuple[str, ast.AST, str]] = []  # (path, node, call) file processing

    def loc(self, path: str, node: ast.AST | int | None) -> Location:
        line = node if isinstance(node, int) or node is None else getattr(node, "lineno", None)
        return Location(self.display(path), line)

    # ------------------------------------------------------------------ run
    def collect(self) -> FunctionFacts:
        fn = self.fn
        self._config_evidence()
        if fn.handler_path is None or self.index is None or self.index.model(fn.handler_path) is None:
            return self.facts
        self.facts.analysed = True
        reach = self.index.reachability([fn])
        closure = self._closure(fn.handler_path, {k[0] for k in reach})
        self.facts.modules = closure
        for path in closure:
            model = self.index.model(path)
            if model is not None:
                self._module_scope(path, model)
        for (path, qualname) in sorted(reach):
            model = self.index.model(path)
            info = model.by_qualname.get(qualname) if model is not None else None
            if info is None:
                continue
            node = info.node
            self.facts.reached.setdefault(path, []).append((node.lineno, node.end_lineno or node.lineno))
            self._function_body(path, model, info)
        return self.facts

    # ------------------------------------------------------------------ config
    def _config_evidence(self) -> None:
        fn = self.fn
        src = Location(self.display(fn.source_path), None) if fn.source_path else None
        for t in fn.triggers:
            where = Location(self.display(fn.source_path), t.line) if fn.source_path and t.line else src
            if t.kind == "http":
                limit = f", {t.limit_s:g} s limit" if t.limit_s is not None else ""
                self.facts.add(Evidence("trigger", f"HTTP request path ({t.detail or 'http'}{limit})", where, subject="http"))
            elif t.detail == "websocket":
                self.facts.add(Evidence("trigger", "API Gateway WebSocket route: the gateway holds the connections and invokes the function once per message", where, subject="websocket-api", points_to="serverless", blocks=("edge",)))
            else:
                label = {
                    "sqs": "queue consumer (SQS)", "queue": f"queue consumer ({t.detail or 'queue'})", "schedule": "scheduled task",
                    "s3": "storage-event consumer (S3)", "sns": "event consumer (SNS)", "eventbridge": "event consumer (EventBridge)",
                    "dynamodb": "stream consumer (DynamoDB)", "kinesis": "stream consumer (Kinesis)",
                }.get(t.kind, f"event consumer ({t.detail or t.kind})")
                # Cloudflare Workers have cron triggers: a schedule alone does not block the edge
                blocks = () if t.kind == "schedule" else ("edge",)
                self.facts.add(Evidence("trigger", label, where, subject=t.kind, points_to="serverless", blocks=blocks))
        limit = platform_max_s(fn)
        if fn.timeout_s is not None and limit is not None and fn.timeout_s > limit:
            self.facts.add(Evidence("config", f"timeout {fn.timeout_s:g} s is past {fn.platform}'s maximum of {limit:g} s: a job this long needs a long-running worker", src, subject=f"timeout={fn.timeout_s:g}", points_to="server", blocks=("serverless",)))
        elif fn.timeout_s is not None and fn.timeout_s > EDGE_CPU_DEFAULT_S:
            self.facts.add(Evidence("config", f"timeout {fn.timeout_s:g} s: work this long does not fit an edge request (30 s CPU by default on paid Workers)", src, subject=f"timeout={fn.timeout_s:g}", blocks=("edge",)))
        if fn.memory_mb is not None and fn.memory_mb > EDGE_MEMORY_MB:
            self.facts.add(Evidence("config", f"memory {fn.memory_mb} MB: an edge isolate has {EDGE_MEMORY_MB} MB", src, subject=f"memory={fn.memory_mb}", blocks=("edge",)))

    # ------------------------------------------------------------------ modules
    def _closure(self, start: str, reached_paths: set[str]) -> list[str]:
        """The handler module, every project module it imports at module scope (transitively),
        and the modules of the functions it reaches."""
        seen: list[str] = []
        queue = [start] + sorted(reached_paths - {start})
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.append(path)
            model = self.index.model(path)
            if model is None:
                continue
            for node in module_level_nodes(model.tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in model.type_checking_imports:
                    for _full, cands in _import_names(model, node):
                        for c in cands:
                            target = self.index.find_module(c, path) if c else None
                            if target is not None and target not in seen:
                                queue.append(target)
                                break
        return seen

    def _is_project(self, dotted: str, importer: str) -> bool:
        parts = dotted.split(".")
        return any(self.index.find_module(".".join(parts[:i]), importer) for i in range(len(parts), 0, -1))

    def _module_scope(self, path: str, model) -> None:
        for node in module_level_nodes(model.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if node in model.type_checking_imports:
                    continue
                for full, _cands in _import_names(model, node):
                    if not full or (isinstance(node, ast.ImportFrom) and node.level) or self._is_project(full, path):
                        continue
                    site = ImportSite(full, self.loc(path, node))
                    self.facts.imports.append(site)
                    self._classify_import(path, node, full, module_scope=True)
            elif isinstance(node, ast.Call):
                self._classify_call(path, model, node, module_scope=True)

    def _function_body(self, path: str, model, info) -> None:
        for d in info.decorator_nodes:
            target = d.func if isinstance(d, ast.Call) else d
            if isinstance(target, ast.Attribute) and target.attr in ("websocket", "websocket_route"):
                self.facts.add(Evidence("websocket-server", f"`{info.qualname}` serves a WebSocket connection for its whole life", self.loc(path, info.node), subject=model.node_text(target), points_to="server", blocks=("edge", "serverless")))
        for a in info.node.args.args + info.node.args.kwonlyargs:
            ann = a.annotation
            qn = canonical(model.qualified_name(ann, info.scope.parent or model.module_scope)) if ann is not None else None
            if qn in ("fastapi.WebSocket", "starlette.websockets.WebSocket"):
                self.facts.add(Evidence("websocket-server", f"`{info.qualname}` takes a WebSocket and serves it for the connection's life", self.loc(path, info.node), subject=qn, points_to="server", blocks=("edge", "serverless")))
            elif qn in ("fastapi.UploadFile", "starlette.datastructures.UploadFile"):
                self._upload_inputs.append((path, info.node, qn))
        body_nodes = [n for stmt in info.node.body for n in ast.walk(stmt)]
        for node in body_nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for full, _c in _import_names(model, node):
                    if full and not (isinstance(node, ast.ImportFrom) and node.level) and not self._is_project(full, path):
                        self._classify_import(path, node, full, module_scope=False)
            elif isinstance(node, ast.Call) and model.enclosing_function(node) is info:
                self._classify_call(path, model, node, module_scope=False)
            elif isinstance(node, ast.While) and _loop_forever(node) and model.enclosing_function(node) is info:
                self.facts.add(Evidence("persistent-loop", f"`while True` in `{info.qualname}` never ends: a long-running worker, not a request", self.loc(path, node), subject="while True", points_to="server", blocks=("edge", "serverless")))
            elif isinstance(node, ast.Attribute) and node.attr == "files" and isinstance(node.value, ast.Name) and node.value.id == "request":
                self._upload_inputs.append((path, node, "request.files"))

    # ------------------------------------------------------------------ classification
    def _classify_import(self, path: str, node: ast.AST, full: str, *, module_scope: bool) -> None:
        top = full.split(".")[0]
        loc = self.loc(path, node)
        if top in EDGE_UNAVAILABLE:
            self.facts.add(Evidence("edge-unavailable-module", f"imports `{top}`, which does not work in an edge runtime", loc, code="SLS301", subject=top, blocks=("edge",)))
        if top in SOCKET_DRIVERS:
            self.facts.add(Evidence("socket-driver", f"database access over raw sockets (`{top}`)", loc, code="SLS304", subject=top, points_to="serverless", blocks=("edge",)))
        if top in WEBSOCKET_MODULES:
            self.facts.add(Evidence("websocket", f"imports `{top}`: WebSocket connections live as long as the client stays", loc, subject=top, points_to="server", blocks=("edge", "serverless")))
        if top in CPU_HEAVY_MODULES:
            self.facts.add(Evidence("cpu-heavy", f"imports `{top}`: CPU-heavy work (and wheels past Lambda's 250 MB package limit)", loc, subject=top, points_to="server", blocks=("edge", "serverless")))
        elif top in HEAVY_MODULES and module_scope:
            self.facts.add(Evidence("heavy-import", f"imports `{full}` at module scope: a heavy dependency", loc, code="SLS501", subject=full, points_to="serverless", blocks=("edge",)))
        if any(full == p or full.startswith(p + ".") for p in CLOUD_SDK_PREFIXES):
            self.facts.add(Evidence("cloud-sdk", f"uses a cloud SDK (`{full}`)", loc, subject=full, points_to="serverless", blocks=("edge",)))

    def _classify_call(self, path: str, model, call: ast.Call, *, module_scope: bool) -> None:
        name = canonical(model.call_name(call))
        if not name:
            if not module_scope and isinstance(call.func, ast.Attribute) and call.func.attr == "get_waiter":
                self.facts.add(Evidence("polling", "waits with a boto3 waiter, polling inside the invocation", self.loc(path, call), code="SLS603", subject="get_waiter", blocks=("edge",)))
            return
        loc = self.loc(path, call)
        kind = client_kind(name)
        if kind in DATABASE_CLIENT_KINDS:
            self.facts.add(Evidence("database", f"database access: {kind} `{name}(...)`", loc, subject=name, points_to="serverless"))
        elif kind in CLOUD_CLIENT_KINDS:
            self.facts.add(Evidence("cloud-sdk", f"{kind} `{name}(...)`", loc, subject=name, points_to="serverless", blocks=("edge",)))
        if module_scope:
            if name in ENTROPY_CALLS:
                self.facts.add(Evidence("entropy-at-import", f"`{name}()` at module scope fails at the edge's deploy-time snapshot", loc, code="SLS305", subject=name, blocks=("edge",), mechanical=True))
            if name in SERVER_LOOP_CALLS:
                self.facts.add(Evidence("server-loop", f"`{name}(...)` runs a server at import", loc, subject=name, points_to="server", blocks=("edge", "serverless")))
            return
        http = HTTP_CALLS.get(name)
        if http is not None:
            lib = http[1]
            if lib in SYNC_HTTP_LIBS:
                self.facts.add(Evidence("sync-http", f"synchronous HTTP `{name}(...)`", loc, code="SLS302", subject=name, blocks=("edge",), mechanical=True))
            elif lib in RAW_SOCKET_LIBS:
                self.facts.add(Evidence("raw-socket", f"`{name}(...)` opens a raw socket", loc, code="SLS301", subject=name, blocks=("edge",)))
        if name in THREAD_CALLS:
            self.facts.add(Evidence("threads", f"starts threads (`{name}`)", loc, code="SLS604", subject=name, blocks=("edge",)))
        elif name in PROCESS_CALLS:
            self.facts.add(Evidence("cpu-heavy", f"spreads work over processes (`{name}`): CPU-heavy work", loc, subject=name, points_to="server", blocks=("edge", "serverless")))
        elif name in SUBPROCESS_CALLS:
            tool = self._tool_of(call)
            if tool:
                self.facts.add(Evidence("cpu-heavy", f"runs `{tool}` in a subprocess: CPU-heavy work", loc, subject=tool, points_to="server", blocks=("edge", "serverless")))
                self._processors.append((path, call, tool))
            else:
                self.facts.add(Evidence("subprocess", f"runs a subprocess (`{name}`)", loc, code="SLS301", subject=name, blocks=("edge",)))
        elif name in SLEEP_CALLS:
            self.facts.add(Evidence("polling", f"sleeps inside the invocation (`{name}`): the wait is billed and counts against the timeout", loc, code="SLS603", subject=name, blocks=("edge",)))
        elif name in SERVER_LOOP_CALLS or name in WEBSOCKET_CLIENT_CALLS:
            self.facts.add(Evidence("persistent-connection", f"`{name}(...)` holds a connection open for as long as it runs", loc, subject=name, points_to="server", blocks=("edge", "serverless")))
        elif name in FS_WRITE_CALLS or (name == "open" and _write_mode(call)):
            self.facts.add(Evidence("filesystem-write", f"writes to the filesystem (`{name}`)", loc, code="SLS303", subject=name, blocks=("edge",)))
        if name in UPLOAD_PROCESSORS:
            self._processors.append((path, call, name))
        if name in UPLOAD_INPUTS or (name == "base64.b64decode" and call.args and "body" in model.node_text(call.args[0])):
            self._upload_inputs.append((path, call, name))
        if name.endswith((".body", ".get_data", ".form")) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and call.func.value.id == "request":
            self._upload_inputs.append((path, call, f"request.{call.func.attr}()"))

    def _tool_of(self, call: ast.Call) -> str | None:
        args = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "args"), None)
        first: str | None = None
        if isinstance(args, (ast.List, ast.Tuple)) and args.elts:
            first = _str_const(args.elts[0])
        elif args is not None:
            first = (_str_const(args) or "").split(" ")[0] or None
        if first:
            base = first.rsplit("/", 1)[-1]
            if base in CPU_HEAVY_TOOLS:
                return base
        return None

    def finish_uploads(self) -> None:
        """Upload input decoded and processed per invocation of an HTTP-triggered function."""
        if "http" in self.fn.trigger_kinds and self._upload_inputs and self._processors:
            ipath, inode, iname = self._upload_inputs[0]
            ppath, pnode, pname = self._processors[0]
            self.facts.add(Evidence("upload-processing", f"decodes an uploaded body (`{iname}`) and processes it in the request (`{pname}`)", self.loc(ppath, pnode), code="SLS601", subject=pname, points_to="serverless", blocks=("edge",)))


def collect(fn: Function, index, display: Callable[[str], str]) -> FunctionFacts:
    c = Collector(fn, index, display)
    facts = c.collect()
    c.finish_uploads()
    return facts
