"""Shared helpers of the deployment-configuration rules (SLS7xx) and SLS003: which format a
function comes from, where its settings live, spans of keys and values, and fix intents."""
from __future__ import annotations

import ast
import json
import re
from typing import Any, Iterator

from sls_lint.core import Applicability, FixIntent, Function, Span, freeze

# formats
SERVERLESS, SAM, CFN, CDK, VERCEL, WRANGLER = "serverless", "sam", "cloudformation", "cdk", "vercel", "wrangler"

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
}

VERCEL_PLAN_MAX = {"hobby": 300, "pro": 800, "enterprise": 800}
VERCEL_DEFAULT_DURATION = 300
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

    @property
    def label(self) -> str:
        return f"`{self.fn.name}`"


def doc_lines(ctx, path: str) -> list[str]:
    """The lines of a deployment file, split once per run (large templates have many functions)."""
    cache = getattr(ctx, "_sls_config_lines", None)
    if cache is None:
        cache = {}
        try:
            setattr(ctx, "_sls_config_lines", cache)
        except AttributeError:  # pragma: no cover - a context without a __dict__
            pass
    if path not in cache:
        cache[path] = (ctx.sources.text(path) or "").splitlines()
    return cache[path]


def line_index(ctx, doc, prefix: tuple) -> dict[int, Any]:
    """{line: key} of the entries of the mapping at ``prefix`` (cached per run)."""
    cache = getattr(ctx, "_sls_config_index", None)
    if cache is None:
        cache = {}
        try:
            setattr(ctx, "_sls_config_index", cache)
        except AttributeError:  # pragma: no cover
            pass
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
