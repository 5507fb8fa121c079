"""Functions found by convention, for Python files that no deployment file names.

AWS Lambda (``handler(event, context)``, ``lambda_handler``, Mangum, Chalice), Cloudflare
Python Workers (``WorkerEntrypoint.fetch``, ``on_fetch``), Google Cloud Functions
(``@functions_framework.http`` / ``cloud_event``) and Azure Functions (``func.FunctionApp``
decorators, ``main(req: func.HttpRequest)``). Never for test files, vendored files or CDK apps.
"""
from __future__ import annotations

import ast
import posixpath
import re
from typing import Any

from sls_lint.core import Trigger

from . import build
from .build import Context, is_test_path
from .pyast import ModuleInfo, decorator_calls, positional_params
from .wrangler import entry_callable

AZURE = "azure.functions"
AZURE_TRIGGERS = {
    "route": ("http", "azure", build.LIMIT_AZURE_HTTP),
    "http_trigger": ("http", "azure", build.LIMIT_AZURE_HTTP),
    "queue_trigger": ("queue", "storage-queue", None),
    "service_bus_queue_trigger": ("queue", "service-bus", None),
    "service_bus_topic_trigger": ("queue", "service-bus-topic", None),
    "schedule": ("schedule", None, None),
    "timer_trigger": ("schedule", None, None),
    "blob_trigger": ("other", "blob", None),
    "event_hub_message_trigger": ("other", "event-hub", None),
    "event_grid_trigger": ("other", "event-grid", None),
    "cosmos_db_trigger": ("other", "cosmos-db", None),
}
AZURE_V1_ANNOTATIONS = {
    "HttpRequest": ("http", "azure", build.LIMIT_AZURE_HTTP),
    "QueueMessage": ("queue", "storage-queue", None),
    "ServiceBusMessage": ("queue", "service-bus", None),
    "TimerRequest": ("schedule", None, None),
    "InputStream": ("other", "blob", None),
    "EventHubEvent": ("other", "event-hub", None),
    "EventGridEvent": ("other", "event-grid", None),
}
AZURE_BINDINGS = {
    "httpTrigger": ("http", "azure", build.LIMIT_AZURE_HTTP),
    "queueTrigger": ("queue", "storage-queue", None),
    "serviceBusTrigger": ("queue", "service-bus", None),
    "timerTrigger": ("schedule", None, None),
    "blobTrigger": ("other", "blob", None),
    "eventHubTrigger": ("other", "event-hub", None),
    "eventGridTrigger": ("other", "event-grid", None),
    "cosmosDBTrigger": ("other", "cosmos-db", None),
}
CHALICE_EVENTS = {
    "on_sqs_message": ("sqs", None),
    "on_s3_event": ("s3", None),
    "on_sns_message": ("sns", None),
    "schedule": ("schedule", None),
    "on_cw_event": ("eventbridge", None),
    "on_dynamodb_record": ("dynamodb", None),
    "on_kinesis_record": ("kinesis", None),
    "authorizer": ("other", "authorizer"),
    "on_ws_connect": ("other", "websocket"),
    "on_ws_message": ("other", "websocket"),
    "on_ws_disconnect": ("other", "websocket"),
    "lambda_function": (None, None),
}
GCP_DECORATORS = {
    "functions_framework.http": ("http", "gcp"),
    "functions_framework.cloud_event": ("other", "cloud-event"),
    "functions_framework.typed": ("http", "gcp"),
}
# a module can only match a convention if its text contains one of these (cheap pre-filter
# before the tree is asked for)
_HINTS = ("handler", "on_fetch", "WorkerEntrypoint", "functions_framework", "azure", "Chalice", "chalice", "Mangum")
_HHMMSS = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$")


_HINT_SET = frozenset(_HINTS)


def has_hint(text: str | None) -> bool:
    """Whether :func:`scan` looks into a module with this text (unless a deployment file claims
    it first): one of the hints occurs in it. The engine's forked workers leave such modules to
    the process that builds the project model, which parses them anyway."""
    from ..engine import prefilter_for  # one pass over a text finds every hint (exactly `h in text`); one per process

    return bool(text) and bool(prefilter_for(_HINT_SET)(text))


def scan(ctx: Context) -> None:
    for path in ctx.sorted_python_paths:
        if path in ctx.claimed or path in ctx.cdk_apps or path in ctx.vendored or is_test_path(path):
            continue
        text = ctx.source_text(path)
        if not has_hint(text):
            continue
        info = ctx.module(path)
        if info is None:
            continue
        before = len(ctx.functions)
        _chalice(ctx, info)
        _azure(ctx, info)
        _gcp(ctx, info)
        _cloudflare(ctx, info)
        if len(ctx.functions) == before:
            _aws(ctx, info)


def _add(ctx: Context, info: ModuleInfo, callable_name: str, platform: str, runtime_class: str,
         triggers: list[Trigger], extra: dict | None = None, **kw: Any) -> None:
    ctx.add_function(
        name=f"{info.path}:{callable_name}",
        platform=platform,
        runtime_class=runtime_class,
        handler_path=info.path,
        handler_callable=callable_name,
        triggers=triggers,
        extra={"convention": True, **(extra or {})},
        claim=False,
        **kw,
    )


def _defs(info: ModuleInfo):
    for name, node in info.bindings.items():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield name, node


# -- AWS Lambda ---------------------------------------------------------------------------------
def _aws(ctx: Context, info: ModuleInfo) -> None:
    lambda_extra = {"default_timeout_s": build.LAMBDA_DEFAULT_TIMEOUT,
                    "default_memory_mb": build.LAMBDA_DEFAULT_MEMORY}
    for name in ("handler", "lambda_handler"):
        node = info.bindings.get(name)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _lambda_signature(node):
            facts = dict(info.app_facts(name))
            triggers = [Trigger("http")] if "wraps_app" in facts else []
            _add(ctx, info, name, "aws-lambda", "serverless", triggers, lambda_extra)
    for name, node in info.bindings.items():
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and info.call_name(node.value) in (
            "mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler"
        ):
            _add(ctx, info, name, "aws-lambda", "serverless", [Trigger("http")], lambda_extra)


def _lambda_signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    params = positional_params(node)
    required = len(params) - len(node.args.defaults)
    return len(params) == 2 and required >= 1 and params[0].arg not in ("self", "cls")


# -- Chalice -----------------------------------------------------------------------------------
def _chalice(ctx: Context, info: ModuleInfo) -> None:
    apps = [name for name, node in info.bindings.items()
            if isinstance(node, ast.Assign) and info.call_name(node.value) in ("chalice.Chalice", "chalice.app.Chalice")]
    if not apps:
        return
    config = _chalice_config(ctx, info.path)
    base = {"default_timeout_s": 60, "default_memory_mb": 128, "framework": "chalice"}

    def settings(fn_name: str) -> dict:
        per_fn = config.get("lambda_functions", {}).get(fn_name, {}) if isinstance(config.get("lambda_functions"), dict) else {}
        per_fn = per_fn if isinstance(per_fn, dict) else {}
        merged = {**config, **per_fn}
        return {"timeout_s": merged.get("lambda_timeout"), "memory_mb": merged.get("lambda_memory_size"),
                "concurrency": merged.get("reserved_concurrency")}

    for app in apps:
        has_routes = False
        for name, node in _defs(info):
            for callee, call in decorator_calls(node):
                if not (isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id == app):
                    continue
                if callee.attr == "route":
                    has_routes = True
                elif callee.attr in CHALICE_EVENTS:
                    kind, detail = CHALICE_EVENTS[callee.attr]
                    if detail is None and call is not None and (call.args or call.keywords):
                        node0 = call.args[0] if call.args else call.keywords[0].value
                        detail = node0.value if isinstance(node0, ast.Constant) and isinstance(node0.value, str) else ast.unparse(node0)
                    triggers = [Trigger(kind, detail, None, None, None)] if kind else []
                    _add(ctx, info, name, "aws-lambda", "serverless", triggers, base, **settings(name))
        if has_routes:
            _add(ctx, info, app, "aws-lambda", "serverless",
                 [Trigger("http", "api-gateway-rest", build.LIMIT_API_GATEWAY_REST)],
                 {**base, "app": app}, **settings("api_handler"))


def _chalice_config(ctx: Context, path: str) -> dict:
    folder = posixpath.dirname(path)
    data = ctx.read_json_file(posixpath.join(folder, ".chalice/config.json") if folder else ".chalice/config.json")
    return data if isinstance(data, dict) else {}


# -- Azure Functions ---------------------------------------------------------------------------
def _azure(ctx: Context, info: ModuleInfo) -> None:
    if not info.imports_module(AZURE):
        return
    timeout = _azure_timeout(ctx, info.path)
    extra = {"default_timeout_s": 300}
    apps = {}
    for name, node in info.bindings.items():
        if isinstance(node, ast.Assign):
            kind = info.call_name(node.value)
            if kind in (f"{AZURE}.FunctionApp", f"{AZURE}.Blueprint"):
                apps[name] = kind
            elif kind in (f"{AZURE}.AsgiFunctionApp", f"{AZURE}.WsgiFunctionApp"):
                inner = next((k.value for k in node.value.keywords if k.arg == "app"), None)
                inner = inner or (node.value.args[0] if node.value.args else None)
                wrapped = inner.id if isinstance(inner, ast.Name) else None
                _add(ctx, info, name, "azure-functions", "serverless",
                     [Trigger("http", "azure", build.LIMIT_AZURE_HTTP)],
                     {**extra, "app": wrapped, "wraps_app": wrapped}, timeout_s=timeout)
    for name, node in _defs(info):
        triggers = []
        for callee, _call in decorator_calls(node):
            if (isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name)
                    and callee.value.id in apps and callee.attr in AZURE_TRIGGERS):
                kind, detail, limit = AZURE_TRIGGERS[callee.attr]
                triggers.append(Trigger(kind, detail, limit, None, None))
        if triggers:
            _add(ctx, info, name, "azure-functions", "serverless", triggers, extra, timeout_s=timeout)
    # v1 programming model: <FunctionName>/__init__.py with def main(...) and function.json
    main = info.bindings.get("main")
    if not apps and isinstance(main, (ast.FunctionDef, ast.AsyncFunctionDef)):
        triggers = _function_json_triggers(ctx, info.path)
        if triggers is None:
            params = positional_params(main)
            ann = (info.qualname(params[0].annotation) or "") if params and params[0].annotation else ""
            t = AZURE_V1_ANNOTATIONS.get(ann.split(".")[-1]) if ann.startswith(AZURE) else None
            triggers = [Trigger(t[0], t[1], t[2])] if t else None
        if triggers:
            _add(ctx, info, "main", "azure-functions", "serverless", triggers, extra, timeout_s=timeout)


def _function_json_triggers(ctx: Context, path: str) -> list[Trigger] | None:
    folder = posixpath.dirname(path)
    data = ctx.read_json_file(posixpath.join(folder, "function.json") if folder else "function.json")
    if not isinstance(data, dict) or not isinstance(data.get("bindings"), list):
        return None
    out = []
    for b in data["bindings"]:
        if isinstance(b, dict) and b.get("direction") == "in" and b.get("type") in AZURE_BINDINGS:
            kind, detail, limit = AZURE_BINDINGS[b["type"]]
            out.append(Trigger(kind, detail, limit))
    return out


def _azure_timeout(ctx: Context, path: str) -> int | None:
    folder = posixpath.dirname(path)
    while True:
        data = ctx.read_json_file(posixpath.join(folder, "host.json") if folder else "host.json")
        if isinstance(data, dict):
            value = data.get("functionTimeout")
            m = _HHMMSS.match(value.strip()) if isinstance(value, str) else None
            if m:
                days, h, mi, s = (int(g) if g else 0 for g in m.groups())
                return days * 86400 + h * 3600 + mi * 60 + s
            return None
        if not folder:
            return None
        folder = posixpath.dirname(folder)


# -- Google Cloud Functions ----------------------------------------------------------------------
def _gcp(ctx: Context, info: ModuleInfo) -> None:
    if not info.imports_module("functions_framework"):
        return
    for name, node in _defs(info):
        for callee, _call in decorator_calls(node):
            found = GCP_DECORATORS.get(info.qualname(callee) or "")
            if found:
                _add(ctx, info, name, "gcp-functions", "serverless", [Trigger(found[0], found[1])],
                     {"default_timeout_s": 60})
                break


# -- Cloudflare Python Workers -------------------------------------------------------------------
def _cloudflare(ctx: Context, info: ModuleInfo) -> None:
    func = entry_callable(info)
    if func is None or func.endswith(".scheduled"):
        return
    if func == "on_fetch" and not any(info.imports_module(m) for m in ("js", "workers", "pyodide")):
        return
    _add(ctx, info, func, "cloudflare-workers", "edge", [Trigger("http", "cloudflare")])
