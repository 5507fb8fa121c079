"""AWS CDK apps in Python: ``aws_lambda.Function`` / ``PythonFunction`` constructs and their
event sources, read from the ast tree (the app is never imported or synthesized)."""
from __future__ import annotations

import ast
import posixpath
import re
from typing import Any

from sls_lint.core import SourceFile, Trigger

from . import build
from .build import Context, is_python_runtime, split_handler
from .model import DeploymentDoc
from .pyast import MISSING, ModuleInfo, kwarg, literal

LAMBDA = "aws_cdk.aws_lambda"
FUNCTION_CLASSES = {f"{LAMBDA}.Function": "Function", f"{LAMBDA}.SingletonFunction": "SingletonFunction"}
PYTHON_FUNCTION_CLASSES = {
    "aws_cdk.aws_lambda_python_alpha.PythonFunction",
    "aws_cdk.aws_lambda_python.PythonFunction",
}
EVENT_SOURCES = {
    "SqsEventSource": "sqs",
    "DynamoEventSource": "dynamodb",
    "KinesisEventSource": "kinesis",
    "SnsEventSource": "sns",
    "S3EventSource": "s3",
    "S3EventSourceV2": "s3",
    "ApiEventSource": "http",
    "ManagedKafkaEventSource": "queue",
    "SelfManagedKafkaEventSource": "queue",
}
QUEUE_CLASS = "aws_cdk.aws_sqs.Queue"
_DURATION = {"seconds": 1, "minutes": 60, "hours": 3600, "millis": 0.001, "days": 86400}
_RUNTIME = re.compile(r"^([A-Z]+)_(\d+)_(\d+|X)$")


class _Construct:
    def __init__(self, call: ast.Call, kind: str, scope_key: Any) -> None:
        self.call = call
        self.kind = kind
        self.scope_key = scope_key
        self.triggers: list[Trigger] = []
        self.queue_links: list[tuple[int, ast.Call]] = []  # (SqsEventSource line, the sqs.Queue call)


class _Visitor(ast.NodeVisitor):
    def __init__(self, info: ModuleInfo) -> None:
        self.info = info
        self.constructs: dict[int, _Construct] = {}
        self.bindings: dict[tuple, _Construct] = {}
        self.rules: dict[tuple, bool] = {}  # events.Rule variables -> has a schedule
        self.queues: dict[int, ast.Call] = {}  # sqs.Queue constructs, by id of the call
        self.queue_bindings: dict[tuple, ast.Call] = {}
        self.func_stack: list[ast.AST] = []
        self.class_stack: list[ast.AST] = []

    # -- scopes ---------------------------------------------------------------------------------
    def _key(self, target: ast.AST) -> tuple | None:
        if isinstance(target, ast.Name):
            scope = self.func_stack[-1] if self.func_stack else None
            return (id(scope), target.id)
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            cls = self.class_stack[-1] if self.class_stack else None
            return (id(cls), "self." + target.attr)
        return None

    def _lookup(self, expr: ast.AST | None) -> _Construct | None:
        return self._bound(self.bindings, expr)

    def _bound(self, table: dict, expr: ast.AST | None) -> Any:
        """What ``expr`` (a name or ``self.attr``) is bound to in ``table``: the binding of its
        own scope first, a module-level one for a plain name."""
        key = self._key(expr) if expr is not None else None
        if key is None:
            return None
        found = table.get(key)
        if found is None and isinstance(expr, ast.Name):
            found = table.get((id(None), expr.id))
        return found

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.class_stack.append(node)
        self.generic_visit(node)
        self.class_stack.pop()

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.func_stack.append(node)
        self.generic_visit(node)
        self.func_stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    # -- constructs -----------------------------------------------------------------------------
    def _construct(self, call: ast.AST) -> _Construct | None:
        if not isinstance(call, ast.Call):
            return None
        if id(call) in self.constructs:
            return self.constructs[id(call)]
        name = self.info.call_name(call)
        if name in FUNCTION_CLASSES:
            kind = FUNCTION_CLASSES[name]
        elif name in PYTHON_FUNCTION_CLASSES:
            kind = "PythonFunction"
        else:
            return None
        scope = self.class_stack[-1] if self.class_stack else None
        c = self.constructs[id(call)] = _Construct(call, kind, id(scope))
        for src in _list_items(kwarg(call, "events")):
            self._event_source(c, src)
        return c

    def _queue(self, expr: ast.AST | None) -> ast.Call | None:
        """The ``sqs.Queue(...)`` call ``expr`` is (or is bound to), recorded; None otherwise."""
        if isinstance(expr, ast.Call):
            if self.info.call_name(expr) != QUEUE_CLASS:
                return None
            self.queues[id(expr)] = expr
            return expr
        return self._bound(self.queue_bindings, expr)

    def visit_Assign(self, node: ast.Assign) -> None:
        c = self._construct(node.value)
        rule = self._is_rule(node.value)
        queue = self._queue(node.value) if isinstance(node.value, ast.Call) else None
        for target in node.targets:
            key = self._key(target)
            if key is not None and c is not None:
                self.bindings[key] = c
            if key is not None:
                if queue is not None:
                    self.queue_bindings[key] = queue
                else:
                    self.queue_bindings.pop(key, None)  # rebound to something else
            if key is not None and rule is not None:
                self.rules[key] = rule
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        c = self._construct(node.value) if node.value is not None else None
        key = self._key(node.target)
        if key is not None and c is not None:
            self.bindings[key] = c
        queue = self._queue(node.value) if isinstance(node.value, ast.Call) else None
        if key is not None and queue is not None:
            self.queue_bindings[key] = queue
        self.generic_visit(node)

    def _is_rule(self, value: ast.AST | None) -> bool | None:
        if isinstance(value, ast.Call) and self.info.call_name(value) == "aws_cdk.aws_events.Rule":
            return kwarg(value, "schedule") is not None
        return None

    def visit_Call(self, node: ast.Call) -> None:
        self._construct(node)
        name = self.info.call_name(node) or ""
        func = node.func
        line = node.lineno
        if isinstance(func, ast.Attribute):
            owner = self._lookup(func.value)
            if owner is not None and func.attr == "add_event_source" and node.args:
                self._event_source(owner, node.args[0])
            elif owner is not None and func.attr == "add_function_url":
                owner.triggers.append(Trigger("http", "function-url", None, None, line))
            elif owner is not None and func.attr == "add_event_source_mapping":
                arn = kwarg(node, "event_source_arn")
                text = ast.unparse(arn).lower() if arn is not None else ""
                kind = "sqs" if "queue" in text else "dynamodb" if "table" in text else "kinesis" if "stream" in text else "other"
                partial = _bool(kwarg(node, "report_batch_item_failures"))
                owner.triggers.append(Trigger(kind, None, None, partial if kind != "other" else None, line))
            elif func.attr == "add_target" and node.args:
                key = self._key(func.value)
                schedule = self.rules.get(key) if key is not None else None
                self._rule_target(node.args[0], bool(schedule))
        if name == "aws_cdk.aws_apigateway.LambdaRestApi":
            self._http(kwarg(node, "handler"), "api-gateway-rest", build.LIMIT_API_GATEWAY_REST, line)
        elif name == "aws_cdk.aws_apigateway.LambdaIntegration" and node.args:
            self._http(node.args[0], "api-gateway-rest", build.LIMIT_API_GATEWAY_REST, line)
        elif name.endswith(".HttpLambdaIntegration") and name.startswith("aws_cdk."):
            target = node.args[1] if len(node.args) > 1 else kwarg(node, "handler")
            self._http(target, "http-api", build.LIMIT_HTTP_API, line)
        elif name == "aws_cdk.aws_events.Rule":
            for t in _list_items(kwarg(node, "targets")):
                self._rule_target(t, kwarg(node, "schedule") is not None)
        self.generic_visit(node)

    def _http(self, target: ast.AST | None, detail: str, limit: int, line: int) -> None:
        c = self._lookup(target) or self._construct(target)
        if c is not None:
            c.triggers.append(Trigger("http", detail, limit, None, line))

    def _rule_target(self, target: ast.AST, schedule: bool) -> None:
        if isinstance(target, ast.Call) and (self.info.call_name(target) or "").endswith("aws_events_targets.LambdaFunction") and target.args:
            c = self._lookup(target.args[0])
            if c is not None:
                c.triggers.append(Trigger("schedule" if schedule else "eventbridge", None, None, None, target.lineno))

    def _event_source(self, c: _Construct, src: ast.AST) -> None:
        if not isinstance(src, ast.Call):
            return
        cls = (self.info.call_name(src) or "").split(".")[-1]
        kind = EVENT_SOURCES.get(cls)
        if kind is None:
            return
        if kind == "http":
            c.triggers.append(Trigger("http", "api-gateway-rest", build.LIMIT_API_GATEWAY_REST, None, src.lineno))
            return
        partial = None
        if kind in ("sqs", "dynamodb", "kinesis"):
            partial = _bool(kwarg(src, "report_batch_item_failures"))
        detail = ast.unparse(src.args[0]) if src.args else None
        c.triggers.append(Trigger(kind, detail, None, partial, src.lineno))
        queue = self._queue(src.args[0]) if kind == "sqs" and src.args else None
        if queue is not None:
            c.queue_links.append((src.lineno, queue))


def _bool(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _list_items(node: ast.AST | None) -> list[ast.AST]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else []


def read(ctx: Context, sf: SourceFile, info: ModuleInfo) -> None:
    visitor = _Visitor(info)
    visitor.visit(info.tree)
    if not visitor.constructs:
        return
    text, _ = ctx.read_text(sf)
    lines = (text or "").splitlines()
    doc = DeploymentDoc(path=sf.path, kind="cdk", data={})
    ctx.docs.append(doc)
    file_dir = posixpath.dirname(sf.path)
    cdk_dir = _cdk_json_dir(ctx, file_dir)
    names: dict[str, int] = {}
    ordered = sorted(visitor.constructs.values(), key=lambda c: (c.call.lineno, c.call.col_offset))
    fn_names = [_construct_name(info, sf, names, c.call) for c in ordered]
    # sqs.Queue constructs an event source consumes: recorded in ``data`` like functions (named
    # after the functions, so a queue never renames a function), linked from the function's
    # ``sqs_queues`` extra: ((event source line, queue construct name, visibility), ...)
    queue_names: dict[int, str] = {}
    for q in sorted({id(q): q for c in ordered for _l, q in c.queue_links}.values(), key=lambda q: (q.lineno, q.col_offset)):
        queue_names[id(q)] = _construct_name(info, sf, names, q)
        _record(doc, lines, queue_names[id(q)], q)
    for name, c in zip(fn_names, ordered):
        _record(doc, lines, name, c.call)
        _function(ctx, doc, info, sf, lines, file_dir, cdk_dir, name, c,
                  tuple((line, queue_names[id(q)], _visibility(info, q)) for line, q in c.queue_links))


def _visibility(info: ModuleInfo, queue: ast.Call) -> float | None | str:
    """The queue's ``visibility_timeout`` in seconds; None when unset (SQS default), "unknown"
    when it cannot be read (a variable, ``**kwargs``)."""
    node = kwarg(queue, "visibility_timeout")
    if node is None:
        return "unknown" if any(k.arg is None for k in queue.keywords) else None
    found = _duration(info, node)
    return found if found is not None else "unknown"


def _construct_name(info: ModuleInfo, sf: SourceFile, names: dict[str, int], call: ast.Call) -> str:
    """The construct id (``Fn`` of ``Function(self, "Fn")``), made unique within the file."""
    cid = literal(call.args[1], info.constants) if len(call.args) > 1 else literal(kwarg(call, "id"), info.constants)
    name = cid if isinstance(cid, str) else f"{sf.path}:{call.lineno}"
    names[name] = names.get(name, 0) + 1
    if names[name] > 1:
        name = f"{name}#{names[name]}"
    return name


def _char_col(lines: list[str], line: int, byte_col: int) -> int:
    if 0 < line <= len(lines):
        return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
    return byte_col + 1


def _record(doc: DeploymentDoc, lines: list[str], name: str, call: ast.Call) -> None:
    doc.locations[(name,)] = doc.value_locations[(name,)] = (call.lineno, _char_col(lines, call.lineno, call.col_offset))
    props: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            continue
        value = literal(kw.value)
        props[kw.arg] = value if value is not MISSING else ast.unparse(kw.value)
        doc.locations[(name, kw.arg)] = (kw.lineno, _char_col(lines, kw.lineno, kw.col_offset))
        doc.value_locations[(name, kw.arg)] = (kw.value.lineno, _char_col(lines, kw.value.lineno, kw.value.col_offset))
    doc.data[name] = props


def _cdk_json_dir(ctx: Context, start: str) -> str | None:
    cur = start
    while True:
        if ctx.is_file(posixpath.join(cur, "cdk.json") if cur else "cdk.json"):
            return cur
        if not cur:
            return None
        cur = posixpath.dirname(cur)


def _runtime(info: ModuleInfo, node: ast.AST | None) -> Any:
    """``Runtime.PYTHON_3_12`` -> "python3.12"; MISSING when unknown."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and node.args:
        value = literal(node.args[0], info.constants)
        return value if isinstance(value, str) else MISSING
    qual = info.qualname(node) or ""
    m = _RUNTIME.match(qual.split(".")[-1])
    if m and ".Runtime." in "." + qual:
        family, major, minor = m.groups()
        return f"{family.lower()}{major}.{minor.lower()}"
    return MISSING


def _duration(info: ModuleInfo, node: ast.AST | None) -> float | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        unit = _DURATION.get(node.func.attr)
        owner = info.qualname(node.func.value) or ""
        value = literal(node.args[0], info.constants)
        if unit and owner.endswith("Duration") and isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value * unit
            return int(seconds) if float(seconds).is_integer() else seconds
    return None


def _path_expr(info: ModuleInfo, node: ast.AST | None, file_dir: str) -> tuple[str | None, str] | None:
    """(anchor, relative path) of a path expression; anchor is a root-relative folder when the
    expression is built from ``__file__``, else None (relative to the CDK working directory)."""
    if node is None:
        return None
    value = literal(node, info.constants)
    if isinstance(value, str):
        return None, value
    if isinstance(node, ast.Call) and info.call_name(node) in ("str", "os.fspath") and node.args:
        return _path_expr(info, node.args[0], file_dir)
    anchor = _file_anchor(info, node, file_dir)
    if anchor is not None:
        return anchor, ""
    if isinstance(node, ast.Call) and info.call_name(node) in ("os.path.join", "posixpath.join") and node.args:
        first = _path_expr(info, node.args[0], file_dir)
        rest = [literal(a, info.constants) for a in node.args[1:]]
        if first is None or not all(isinstance(r, str) for r in rest):
            return None
        return first[0], posixpath.join(first[1], *rest) if first[1] or rest else ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = _path_expr(info, node.left, file_dir)
        right = literal(node.right, info.constants)
        if left is None or not isinstance(right, str):
            return None
        return left[0], posixpath.join(left[1], right) if left[1] else right
    return None


def _file_anchor(info: ModuleInfo, node: ast.AST, file_dir: str) -> str | None:
    """Folder (root-relative) named by dirname(__file__) / Path(__file__).parent chains."""
    ups = 0
    cur = node
    while True:
        if isinstance(cur, ast.Name) and cur.id == "__file__":
            break
        if isinstance(cur, ast.Call) and cur.args and info.call_name(cur) in ("os.path.dirname", "posixpath.dirname"):
            ups += 1
            cur = cur.args[0]
        elif isinstance(cur, ast.Call) and cur.args and info.call_name(cur) in (
            "os.path.abspath", "os.path.realpath", "pathlib.Path", "Path", "str"
        ):
            cur = cur.args[0]
        elif isinstance(cur, ast.Call) and isinstance(cur.func, ast.Attribute) and cur.func.attr in ("resolve", "absolute"):
            cur = cur.func.value
        elif isinstance(cur, ast.Attribute) and cur.attr == "parent":
            ups += 1
            cur = cur.value
        else:
            return None
    if ups == 0:
        return None  # the file itself, not a folder
    folder = file_dir
    for _ in range(ups - 1):
        if not folder:
            return None
        folder = posixpath.dirname(folder)
    return folder


def _function(ctx: Context, doc: DeploymentDoc, info: ModuleInfo, sf: SourceFile, lines: list[str],
              file_dir: str, cdk_dir: str | None, name: str, c: _Construct, queues: tuple = ()) -> None:
    call = c.call
    runtime = _runtime(info, kwarg(call, "runtime"))
    if isinstance(runtime, str) and not is_python_runtime(runtime):
        return
    extra: dict[str, Any] = {
        "default_timeout_s": build.LAMBDA_DEFAULT_TIMEOUT,
        "default_memory_mb": build.LAMBDA_DEFAULT_MEMORY,
        "construct": c.kind,
        "keypath": (name,),
    }
    if queues:
        extra["sqs_queues"] = queues
    tracing = info.qualname(kwarg(call, "tracing")) or ""
    if tracing:
        extra["tracing"] = tracing.split(".")[-1].capitalize()
    path = module = func = None
    inline = False
    if c.kind == "PythonFunction":
        entry = _path_expr(info, kwarg(call, "entry"), file_dir)
        index = literal(kwarg(call, "index"), info.constants) if kwarg(call, "index") is not None else "index.py"
        func = literal(kwarg(call, "handler"), info.constants) if kwarg(call, "handler") is not None else "handler"
        func = func if isinstance(func, str) else None
        if entry is not None and isinstance(index, str):
            module = posixpath.join(entry[1], index[:-3] if index.endswith(".py") else index) if entry[1] else index[:-3]
            path = _resolve(ctx, entry[0], entry[1], index[:-3] if index.endswith(".py") else index, file_dir, cdk_dir)
        else:
            extra["unresolved_code"] = True
    else:
        handler = literal(kwarg(call, "handler"), info.constants)
        if isinstance(handler, str):
            module, func = split_handler(handler)
        code = kwarg(call, "code")
        code_name = (info.call_name(code) or "") if isinstance(code, ast.Call) else ""
        last = code_name.split(".")[-1]
        if last in ("from_inline", "InlineCode"):
            inline = True
            extra["inline"] = True
            arg = code.args[0] if code.args else None
            if arg is not None:
                extra["inline_line"] = arg.lineno
            from sls_lint.inline import virtual_path  # the engine's virtual module of the inline code

            if module == "index" and virtual_path(sf.path, name) in ctx.python_paths:
                path = virtual_path(sf.path, name)
        elif last in ("from_asset", "AssetCode") and isinstance(code, ast.Call) and code.args:
            where = _path_expr(info, code.args[0], file_dir)
            if where is None:
                extra["unresolved_code"] = True
            elif module is not None:
                path = _resolve(ctx, where[0], where[1], module, file_dir, cdk_dir)
        elif code is not None:
            extra["code_location"] = last or "unknown"
            if last in ("from_ecr_image", "from_asset_image"):
                return
    if not is_python_runtime(runtime) and c.kind != "PythonFunction" and path is None and not inline:
        return  # runtime unknown and nothing Python to point at
    memory = literal(kwarg(call, "memory_size"), info.constants)
    concurrency = literal(kwarg(call, "reserved_concurrent_executions"), info.constants)
    ctx.add_function(
        name=name,
        platform="aws-lambda",
        runtime_class="serverless",
        handler_path=path,
        handler_callable=func,
        triggers=c.triggers,
        timeout_s=_duration(info, kwarg(call, "timeout")) or _text(kwarg(call, "timeout")),
        memory_mb=memory if memory is not MISSING else _text(kwarg(call, "memory_size")),
        concurrency=concurrency if concurrency is not MISSING else _text(kwarg(call, "reserved_concurrent_executions")),
        runtime=runtime if isinstance(runtime, str) else None,
        source_path=sf.path,
        source_line=call.lineno,
        handler_module=module,
        extra=extra,
    )


def _text(node: ast.AST | None) -> str | None:
    return ast.unparse(node) if node is not None else None


def _resolve(ctx: Context, anchor: str | None, rel: str, module: str, file_dir: str, cdk_dir: str | None) -> str | None:
    bases = [anchor] if anchor is not None else [d for d in (cdk_dir, file_dir) if d is not None]
    for base in dict.fromkeys(bases):
        folder = posixpath.normpath(posixpath.join(base, rel)) if (base or rel) else ""
        folder = "" if folder == "." else folder
        if folder.startswith("../"):
            continue
        found = ctx.resolve_module(folder, module)
        if found:
            return found
    return None
