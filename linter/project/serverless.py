"""serverless.yml / serverless.yaml (Serverless Framework, provider aws)."""
from __future__ import annotations

import posixpath
import re
from typing import Any

from sls_lint.core import SourceFile, Trigger

from . import build
from .build import Context, is_python_runtime, ref_text, split_handler
from .model import DeploymentDoc
from .yamlload import load_yaml

_SELF_REF = re.compile(r"^\$\{self:([^,}]+?)\s*(?:,\s*(.+?))?\s*\}$")
_MAX_REF_DEPTH = 8

_QUEUE_EVENTS = {"msk", "kafka", "activemq", "rabbitmq"}


class SelfResolver:
    """Resolve whole-string ``${self:a.b.c}`` references to literals of the same file."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def __call__(self, value: Any, depth: int = 0) -> Any:
        if not isinstance(value, str) or depth > _MAX_REF_DEPTH:
            return value
        m = _SELF_REF.match(value.strip())
        if not m:
            return value
        found, target = self._lookup(m.group(1))
        if found and not isinstance(target, (dict, list)):
            resolved = self(target, depth + 1)
            if not (isinstance(resolved, str) and "${" in resolved):
                return resolved
            return value
        fallback = m.group(2)
        if not found and fallback is not None:
            fb = fallback.strip()
            if len(fb) >= 2 and fb[0] == fb[-1] and fb[0] in "'\"":
                return fb[1:-1]
            if re.fullmatch(r"-?\d+(\.\d+)?", fb):
                return float(fb) if "." in fb else int(fb)
        return value

    def _lookup(self, dotted: str) -> tuple[bool, Any]:
        cur: Any = self.data
        for part in dotted.strip().split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
                cur = cur[int(part)]
            else:
                return False, None
        return True, cur


def read(ctx: Context, sf: SourceFile) -> None:
    text, err = ctx.read_text(sf)
    if err:
        ctx.error_doc(sf, "serverless", err)
        return
    doc = ctx.add_doc(sf, "serverless", load_yaml(text))
    if doc.error or not isinstance(doc.data, dict):
        return
    data = doc.data
    provider = data.get("provider") if isinstance(data.get("provider"), dict) else {}
    if provider.get("name") not in (None, "aws"):
        return
    resolve = SelfResolver(data)
    functions = data.get("functions")
    entries: list[tuple[tuple, str, Any]] = []
    if isinstance(functions, dict):
        entries = [(("functions", name), name, fdef) for name, fdef in functions.items()]
    elif isinstance(functions, list):  # old style: a list of one-key mappings
        for i, item in enumerate(functions):
            if isinstance(item, dict):
                entries += [(("functions", i, name), name, fdef) for name, fdef in item.items()]
    base_dir = posixpath.dirname(sf.path)
    for keypath, name, fdef in entries:
        if isinstance(fdef, dict):
            _function(ctx, doc, resolve, provider, base_dir, keypath, str(name), fdef)


def _function(ctx: Context, doc: DeploymentDoc, resolve: SelfResolver, provider: dict,
              base_dir: str, keypath: tuple, name: str, fdef: dict) -> None:
    def setting(key: str, provider_key: str | None = None) -> Any:
        if key in fdef:
            return resolve(fdef[key])
        return resolve(provider.get(provider_key or key))

    handler = resolve(fdef.get("handler"))
    if not isinstance(handler, str) or not handler.strip():
        return  # container image functions have no handler file
    runtime = setting("runtime")
    if isinstance(runtime, str) and "${" not in runtime and not is_python_runtime(runtime):
        return
    module, func = split_handler(handler)
    code_dir = base_dir
    module_dir = resolve(fdef.get("module"))  # serverless-python-requirements' per-module packaging
    if isinstance(module_dir, str) and module_dir not in ("", "."):
        code_dir = posixpath.join(base_dir, module_dir) if base_dir else module_dir
    path = ctx.resolve_module(code_dir, module)
    if path is None and module.rsplit("/", 1)[-1] == "wsgi_handler":
        # serverless-wsgi writes wsgi_handler.py at package time; the app is `custom.wsgi.app`
        custom = resolve.data.get("custom")
        wsgi = custom.get("wsgi") if isinstance(custom, dict) else None
        wsgi_app = resolve(wsgi.get("app")) if isinstance(wsgi, dict) else None
        if isinstance(wsgi_app, str) and "." in wsgi_app:
            app_module, app_var = split_handler(wsgi_app)
            app_path = ctx.resolve_module(code_dir, app_module)
            if app_path is not None and app_var:
                path, func = app_path, app_var
    if path is None and not is_python_runtime(runtime):
        return  # runtime unknown and no Python file: not ours to claim
    triggers = _events(doc, resolve, keypath, fdef)
    url = fdef.get("url")
    if url:
        loc = doc.locate(*keypath, "url")
        triggers.append(Trigger("http", "function-url", None, None, loc[0] if loc else None))
    tracing = fdef.get("tracing")
    if tracing is None and isinstance(provider.get("tracing"), dict):
        tracing = provider["tracing"].get("lambda")
    loc = doc.locate(*keypath)
    ctx.add_function(
        name=name,
        platform="aws-lambda",
        runtime_class="serverless",
        handler_path=path,
        handler_callable=func,
        triggers=triggers,
        timeout_s=setting("timeout"),
        memory_mb=setting("memorySize"),
        concurrency=setting("reservedConcurrency"),
        runtime=runtime if isinstance(runtime, str) else None,
        source_path=doc.path,
        source_line=loc[0] if loc else None,
        handler_module=module,
        extra={
            "default_timeout_s": build.SLS_DEFAULT_TIMEOUT,
            "default_memory_mb": build.SLS_DEFAULT_MEMORY,
            "tracing": resolve(tracing) if isinstance(resolve(tracing), (str, bool)) else None,
            "provisioned_concurrency": build.as_int(resolve(fdef.get("provisionedConcurrency"))),
            "ephemeral_storage_mb": build.as_int(setting("ephemeralStorageSize")),
            "log_retention_days": build.as_int(setting("logRetentionInDays")),
            "keypath": keypath,
        },
    )


def _events(doc: DeploymentDoc, resolve: SelfResolver, keypath: tuple, fdef: dict) -> list[Trigger]:
    events = fdef.get("events")
    out: list[Trigger] = []
    if not isinstance(events, list):
        return out
    resources = doc.get("resources", "Resources", default={})
    for i, event in enumerate(events):
        if not isinstance(event, dict) or len(event) != 1:
            continue
        (etype, conf), = event.items()
        loc = doc.locate(*keypath, "events", i)
        line = loc[0] if loc else None
        conf = resolve(conf)
        cfg = conf if isinstance(conf, dict) else {}
        partial = None
        if isinstance(conf, dict):
            partial = resolve(cfg.get("functionResponseType")) == "ReportBatchItemFailures"
        elif conf is not None:
            partial = False
        if etype == "http":
            out.append(Trigger("http", "api-gateway-rest", build.LIMIT_API_GATEWAY_REST, None, line))
        elif etype == "httpApi":
            out.append(Trigger("http", "http-api", build.LIMIT_HTTP_API, None, line))
        elif etype == "alb":
            out.append(Trigger("http", "alb", None, None, line))
        elif etype == "websocket":
            out.append(Trigger("other", "websocket", None, None, line))
        elif etype == "sqs":
            arn = conf if not isinstance(conf, dict) else cfg.get("arn", cfg.get("queue"))
            out.append(Trigger("sqs", ref_text(resolve(arn)), None, partial, line))
        elif etype == "stream":
            arn = conf if not isinstance(conf, dict) else cfg.get("arn")
            kind = _stream_kind(resolve(cfg.get("type")), arn, resources)
            out.append(Trigger(kind, ref_text(resolve(arn)), None, partial, line))
        elif etype == "s3":
            bucket = conf if not isinstance(conf, dict) else cfg.get("bucket")
            out.append(Trigger("s3", ref_text(resolve(bucket)), None, None, line))
        elif etype == "schedule":
            rate = conf if not isinstance(conf, dict) else cfg.get("rate")
            if isinstance(rate, list):
                rate = ", ".join(str(r) for r in rate)
            out.append(Trigger("schedule", ref_text(resolve(rate)), None, None, line))
        elif etype == "sns":
            topic = conf if not isinstance(conf, dict) else cfg.get("arn", cfg.get("topicName"))
            out.append(Trigger("sns", ref_text(resolve(topic)), None, None, line))
        elif etype in ("eventBridge", "cloudwatchEvent"):
            if cfg.get("schedule"):
                out.append(Trigger("schedule", ref_text(resolve(cfg["schedule"])), None, None, line))
            else:
                out.append(Trigger("eventbridge", ref_text(resolve(cfg.get("eventBus"))), None, None, line))
        elif etype in _QUEUE_EVENTS:
            out.append(Trigger("queue", etype, None, None, line))
        else:
            out.append(Trigger("other", str(etype), None, None, line))
    return out


def _stream_kind(stype: Any, arn: Any, resources: Any) -> str:
    if stype in ("dynamodb", "kinesis"):
        return stype
    text = ref_text(arn) or ""
    if ":dynamodb:" in text or "StreamArn" in text:
        return "dynamodb"
    if ":kinesis:" in text:
        return "kinesis"
    if isinstance(resources, dict):
        for logical, res in resources.items():
            if isinstance(res, dict) and str(logical) in text:
                rtype = res.get("Type")
                if rtype == "AWS::DynamoDB::Table":
                    return "dynamodb"
                if rtype == "AWS::Kinesis::Stream":
                    return "kinesis"
    return "other"
