"""Shared helpers of the deployment-configuration rules (SLS7xx) and SLS003: which format a
function comes from, where its settings live, spans of keys and values, and fix intents."""
from __future__ import annotations

import ast
import json
import re
from typing import Any, Iterator

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixIntent, Function, Span, freeze

# formats
SERVERLESS, SAM, CFN, CDK, VERCEL, WRANGLER = "serverless", "sam", "cloudformation", "cdk", "vercel", "wrangler"
AWS_FORMATS = (SERVERLESS, SAM, CFN, CDK)

# the key that holds a setting, per format
KEYS = {
    "timeout": {SERVERLESS: "timeout", SAM: "Timeout", CFN: "Timeout", CDK: "timeout"},
    "memory": {SERVERLESS: "memorySize", SAM: "MemorySize", CFN: "MemorySize", CDK: "memory_size"},
    "concurrency": {
        SERVERLESS: "reservedConcurrency",
        SAM: "ReservedConcurrentExecutions",
        CFN: "ReservedConcurrentExecutions",
        CDK: "reserved_concurrent_executions",
    },
    "tracing": {SERVERLESS: "tracing", SAM: "Tracing", CFN: "TracingConfig", CDK: "tracing"},
}

# the Function field holding a setting's value, and the one holding it when it is an expression
# (a variable, a parameter, a Python name) that counts as set but cannot be read
_FIELDS = {
    "timeout": ("timeout_s", "timeout_expr"),
    "memory": ("memory_mb", "memory_expr"),
    "concurrency": ("concurrency", "concurrency_expr"),
}

VERCEL_PLAN_MAX = {"hobby": 300, "pro": 800, "enterprise": 800}
VERCEL_DEFAULT_DURATION = 300
HTTP_API_LIMIT = 30

# options shared by SLS702 and SLS703
OPT_HTTP = RuleOption("max-http-timeout", "number", 29, "Seconds an API Gateway REST API waits for its integration (29 unless raised).")
OPT_PLAN = RuleOption("vercel-plan", "string", "pro", "Vercel plan whose maximum function duration applies.",
                      enum=("hobby", "pro", "enterprise"))
_REF = re.compile(r"^!(?:GetAtt|Ref)\s+([A-Za-z0-9]+)")


class Target:
    """One function of a deployment file, with what the rules need to report and fix it."""

    def __init__(self, ctx, fn: Function, doc, fmt: str) -> None:
        self.ctx = ctx
        self.fn = fn
        self.doc = doc
        self.fmt = fmt
        self.keypath: tuple = tuple(fn.get("keypath") or ())
        self._lines: list[str] | None = None

    # -- where settings live ------------------------------------------------------------------
    @property
    def settings_path(self) -> tuple:
        """Key path of the mapping holding the function's own settings (YAML/JSON formats)."""
        if self.fmt in (SAM, CFN):
            return self.keypath + ("Properties",)
        return self.keypath

    def own(self, key: str) -> Any:
        """The function's own value of ``key`` (not provider / Globals defaults)."""
        if self.fmt == CDK:
            return self.doc.get(self.keypath[0], key) if self.keypath else None
        return self.doc.get(*self.settings_path, key)

    def has_own(self, key: str) -> bool:
        if self.fmt == CDK:
            return bool(self.keypath) and (self.keypath[0], key) in self.doc.locations
        return self.doc.locate(*self.settings_path, key) is not None

    @property
    def resources_path(self) -> tuple:
        """Key path of the template's ``Resources`` (serverless.yml: under ``resources``)."""
        return ("resources", "Resources") if self.fmt == SERVERLESS else ("Resources",)

    # -- spans ----------------------------------------------------------------------------------
    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = doc_lines(self.ctx, self.doc.path)
        return self._lines

    def function_span(self) -> Span | None:
        if self.fmt == CDK:
            found = cdk_call(self.ctx, self)
            return found[1] if found else None
        if not self.keypath:
            return None
        loc = self.doc.locate(*self.keypath)
        return token_span(self.lines, loc, key=True) if loc else None

    def key_span(self, *keypath: Any) -> Span | None:
        loc = self.doc.locate(*keypath)
        if loc is None:
            return None
        if self.fmt == CDK:
            return Span(loc[0], loc[1], loc[0], loc[1] + len(str(keypath[-1])))
        return token_span(self.lines, loc, key=True)

    def value_span(self, *keypath: Any) -> Span | None:
        loc = self.doc.locate_value(*keypath)
        return token_span(self.lines, loc, key=False) if loc else None

    def setting_span(self, key: str) -> Span | None:
        """The function's own ``key`` if it has one, else the function itself."""
        if self.fmt == CDK:
            path = (self.keypath[0], key) if self.keypath else None
        else:
            path = self.settings_path + (key,)
        span = self.key_span(*path) if path and self.doc.locate(*path) else None
        return span or self.function_span()

    # -- fixes ----------------------------------------------------------------------------------
    def set_key(self, key: str, value: Any, title: str, applicability: Applicability, *,
                replace: bool = False, path: tuple | None = None, after: tuple = ()) -> FixIntent:
        return FixIntent(
            "set-config-key",
            title,
            applicability,
            None,
            freeze({
                "path": list(self.settings_path if path is None else path),
                "key": key,
                "value": json.dumps(value),
                "replace": replace,
                "after": list(after),
            }),
        )

    def own_setting_fix(self, key: str, value: Any, applicability: Applicability, *,
                        cdk: tuple[str, tuple] | None = None, at: Span | None = None,
                        replace: bool = False) -> FixIntent | None:
        """The fix that gives the function its own ``key``: in YAML/JSON ``key: value`` next to
        the handler; in CDK the keyword ``key=<code>`` on the construct call (``at``, by default
        the function's span), where ``cdk`` is (code, imports), None when it cannot be written."""
        if self.fmt == CDK:
            span = at if at is not None else self.function_span()
            if cdk is None or span is None:
                return None
            code, imports = cdk
            verb = "Set" if replace else "Add"
            return add_keyword(span, key, code, imports, f"{verb} {key}={code}", applicability, replace=replace)
        return self.set_key(key, value, f"Set {key}: {value}", applicability, replace=replace,
                            after=("handler",) if self.fmt == SERVERLESS else ("Handler",))

    def cdk_expr(self, qualified: str, module: str, name: str) -> tuple[str, tuple] | None:
        """(expression, imports) naming ``qualified`` in a CDK app (see ``cdk_expr``); None
        for other formats."""
        return cdk_expr(self.ctx, self.doc.path, qualified, module, name) if self.fmt == CDK else None

    def cdk_seconds(self, value: Any) -> tuple[str, tuple] | None:
        """(``Duration.seconds(value)``, imports) in a CDK app; None for other formats."""
        named = self.cdk_expr("aws_cdk.Duration", "aws_cdk", "Duration")
        return (f"{named[0]}.seconds({value})", named[1]) if named is not None else None

    def report(self, span: Span, message: str, fix: FixIntent | None = None) -> None:
        self.ctx.report(self.doc.path, span, message, fix=fix, function=self.fn.name)

    @property
    def label(self) -> str:
        return f"`{self.fn.name}`"


def _run_cache(ctx, name: str) -> dict:
    """A dict kept on the run's context (a fresh one when the context cannot hold it)."""
    cache = getattr(ctx, name, None)
    if cache is None:
        cache = {}
        try:
            setattr(ctx, name, cache)
        except AttributeError:  # pragma: no cover - a context without a __dict__
            pass
    return cache


def doc_lines(ctx, path: str) -> list[str]:
    """The lines of a deployment file, split once per run (large templates have many functions)."""
    cache = _run_cache(ctx, "_sls_config_lines")
    if path not in cache:
        cache[path] = (ctx.sources.text(path) or "").splitlines()
    return cache[path]


def line_index(ctx, doc, prefix: tuple) -> dict[int, Any]:
    """{line: key} of the entries of the mapping at ``prefix`` (cached per run)."""
    cache = _run_cache(ctx, "_sls_config_index")
    key = (doc.path, prefix)
    if key not in cache:
        out: dict[int, Any] = {}
        mapping = doc.get(*prefix)
        for name in (mapping if isinstance(mapping, dict) else ()):
            loc = doc.locate(*prefix, name)
            if loc:
                out.setdefault(loc[0], name)
        cache[key] = out
    return cache[key]


def fmt_of(fn: Function, doc) -> str | None:
    if doc is None:
        return None
    if doc.kind == "cloudformation":
        return SAM if fn.get("sam") else CFN
    return doc.kind if doc.kind in (SERVERLESS, CDK, VERCEL, WRANGLER) else None


def targets(ctx, formats: tuple[str, ...], platform: str | None = "aws-lambda") -> Iterator[Target]:
    """The functions declared in checked deployment files of the given formats."""
    docs = {d.path: d for d in ctx.project.docs if d.error is None}
    for fn in ctx.project.functions:
        if fn.source_path is None or not ctx.checked(fn.source_path):
            continue
        if platform is not None and fn.platform != platform:
            continue
        doc = docs.get(fn.source_path)
        fmt = fmt_of(fn, doc)
        if fmt in formats:
            yield Target(ctx, fn, doc, fmt)


def unset(ctx, setting: str) -> Iterator[tuple[Target, Span]]:
    """The AWS functions (serverless.yml, SAM/CloudFormation, CDK) that give ``setting``
    (``timeout``, ``memory``, ``concurrency``) no value at all, with their span: a value given
    through a variable or parameter counts as set."""
    value_field, expr_field = _FIELDS[setting]
    for t in targets(ctx, AWS_FORMATS):
        if getattr(t.fn, value_field) is not None or t.fn.get(expr_field) is not None:
            continue
        span = t.function_span()
        if span is not None:
            yield t, span


def http_limit(fn, max_http: float) -> tuple[float | None, str | None]:
    """The tightest limit of the function's API Gateway triggers and its name."""
    best: tuple[float | None, str | None] = (None, None)
    for t in fn.triggers:
        if t.kind != "http":
            continue
        if t.detail == "api-gateway-rest":
            limit, name = float(max_http), "API Gateway REST API"
        elif t.detail == "http-api":
            limit, name = float(HTTP_API_LIMIT), "API Gateway HTTP API"
        else:
            continue
        if best[0] is None or limit < best[0]:
            best = (limit, name)
    return best


def vercel_plan(ctx) -> tuple[str, int]:
    """The ``vercel-plan`` option and that plan's maximum duration (Pro's for an unknown plan)."""
    plan = str(ctx.option("vercel-plan")).lower()
    return plan, VERCEL_PLAN_MAX.get(plan, VERCEL_PLAN_MAX["pro"])


def token_span(lines: list[str], loc: tuple[int, int], *, key: bool) -> Span:
    """The span of the key or scalar that starts at ``loc`` (1-based line and column)."""
    line, col = loc
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    i = col - 1
    if i >= len(text):
        return Span(line, col, line, col + 1)
    ch = text[i]
    if ch in "'\"":
        j = i + 1
        while j < len(text):
            if text[j] == "\\" and ch == '"':
                j += 2
                continue
            if text[j] == ch:
                break
            j += 1
        return Span(line, col, line, min(j, len(text) - 1) + 2)
    j = i
    while j < len(text):
        c = text[j]
        if c == "#" and j > i and text[j - 1] in " \t":
            break
        if key and c == ":" and (j + 1 == len(text) or text[j + 1] in " \t"):
            break
        if c in ",}]":
            break
        j += 1
    end = len(text[:j].rstrip()) + 1
    return Span(line, col, line, max(end, col + 1))


def queue_id(detail: str | None) -> str | None:
    """The logical id of the queue an event source refers to (``!GetAtt Q.Arn`` -> ``Q``)."""
    m = _REF.match(detail or "")
    return m.group(1) if m else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip()) if "." in value else int(value.strip())
        except ValueError:
            return None
    return None


def seconds(value: float) -> str:
    return f"{int(value)} s" if float(value).is_integer() else f"{value:g} s"


def whole(value: float) -> int | float:
    """``value`` as an int when it is whole (60.0 -> 60), for messages and inserted values."""
    return int(value) if float(value).is_integer() else value


# -- fixtures shared by the rules' cases ------------------------------------------------------
CASE_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
CASE_SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
)
CASE_APP = {"app.py": "def handler(event, context):\n    return {}\n"}


# -- CDK --------------------------------------------------------------------------------------
def cdk_call(ctx, target: Target) -> tuple[ast.Call, Span] | None:
    """The construct call of a CDK function and its span."""
    if not target.keypath:
        return None
    loc = target.doc.locate(target.keypath[0])
    return call_at(ctx, target.doc.path, loc) if loc else None


def call_at(ctx, path: str, loc: tuple[int, int], name_suffix: str | None = None) -> tuple[ast.Call, Span] | None:
    from sls_lint.engine import node_span

    model = ctx.index.model(path)
    if model is None:
        return None
    line, col = loc
    for node in ast.walk(model.tree):
        if isinstance(node, ast.Call) and node.lineno == line:
            span = node_span(model, node)
            if span.column != col and name_suffix is None:
                continue
            if name_suffix is not None and not (model.call_name(node) or "").endswith(name_suffix):
                continue
            return node, span
    return None


def cdk_name(model, qualified: str) -> str | None:
    """An expression that names ``qualified`` (``aws_cdk.Duration``) through the module's own
    top-level imports (``Duration``, ``cdk.Duration``, ``core.Duration``...), or None."""
    found: list[str] = []
    for stmt in model.tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for alias in stmt.names:
                full = f"{stmt.module}.{alias.name}"
                local = alias.asname or alias.name
                if qualified == full:
                    found.append(local)
                elif qualified.startswith(full + "."):
                    found.append(local + qualified[len(full):])
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname and qualified.startswith(alias.name + "."):
                    found.append(alias.asname + qualified[len(alias.name):])
                elif not alias.asname and qualified.startswith(alias.name + "."):
                    found.append(qualified)
    return min(found, key=len) if found else None


def cdk_expr(ctx, path: str, qualified: str, module: str, name: str) -> tuple[str, tuple] | None:
    """(expression, imports) naming ``qualified``: through an existing import, else by adding
    ``from module import name`` when that name is free at module scope; None when neither."""
    model = ctx.index.model(path)
    if model is None:
        return None
    local = cdk_name(model, qualified)
    if local is not None:
        return local, ()
    head = qualified[len(module) + 1:] if qualified.startswith(module + ".") else None
    if head is None or not head.startswith(name):
        return None
    if model.module_scope.binds(name):
        return None
    return head, ((module, name),)


def add_keyword(span: Span, keyword: str, value: str, imports: tuple, title: str,
                applicability: Applicability, replace: bool = False) -> FixIntent:
    params: dict[str, Any] = {"keyword": keyword, "value": value, "replace": replace}
    if imports:
        params["imports"] = [list(i) for i in imports]
    frozen = tuple((k, tuple(tuple(i) for i in v) if k == "imports" else v) for k, v in sorted(params.items()))
    return FixIntent("add-keyword", title, applicability, span, frozen)
