"""AWS SAM and CloudFormation templates (YAML with short-form tags, or JSON)."""
from __future__ import annotations

import posixpath
import re
from typing import Any

from sls_lint.core import SourceFile, Trigger

from . import build
from .build import Context, is_python_runtime, ref_text, split_handler
from .jsonload import load_json
from .model import DeploymentDoc, Tagged
from .yamlload import load_yaml

_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
_MAX_REF_NODES = 10_000

SAM_FUNCTION = "AWS::Serverless::Function"
CFN_FUNCTION = "AWS::Lambda::Function"


def load_template(text: str, path: str):
    if path.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith("{"):
        return load_json(text)
    return load_yaml(text)


def read(ctx: Context, sf: SourceFile) -> None:
    text, err = ctx.read_text(sf)
    if err:
        ctx.error_doc(sf, "cloudformation", err)
        return
    doc = ctx.add_doc(sf, "cloudformation", load_template(text, sf.path))
    if doc.error or not isinstance(doc.data, dict):
        return
    resources = doc.data.get("Resources")
    if not isinstance(resources, dict):
        return
    lines = text.splitlines()
    base_dir = posixpath.dirname(sf.path)
    globals_fn = doc.get("Globals", "Function", default={})
    globals_fn = globals_fn if isinstance(globals_fn, dict) else {}
    specs: dict[str, dict] = {}
    for logical, res in resources.items():
        if not isinstance(res, dict):
            continue
        rtype = res.get("Type")
        props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
        if rtype == SAM_FUNCTION:
            spec = _sam_function(ctx, doc, lines, base_dir, str(logical), {**globals_fn, **props}, props)
        elif rtype == CFN_FUNCTION:
            spec = _cfn_function(ctx, doc, lines, base_dir, str(logical), props)
        else:
            continue
        if spec is not None:
            specs[str(logical)] = spec
    if specs:
        _wire_resources(doc, resources, specs)
    for spec in specs.values():
        ctx.add_function(**spec)


def _common(doc: DeploymentDoc, logical: str, props: dict, runtime: Any) -> dict:
    loc = doc.locate("Resources", logical)
    return {
        "name": logical,
        "platform": "aws-lambda",
        "runtime_class": "serverless",
        "timeout_s": props.get("Timeout"),
        "memory_mb": props.get("MemorySize"),
        "concurrency": props.get("ReservedConcurrentExecutions"),
        "runtime": runtime if isinstance(runtime, str) else None,
        "source_path": doc.path,
        "source_line": loc[0] if loc else None,
        "triggers": [],
    }


def _sam_function(ctx: Context, doc: DeploymentDoc, lines: list[str], base_dir: str,
                  logical: str, props: dict, own: dict) -> dict | None:
    if props.get("PackageType") == "Image" or "ImageUri" in own:
        return None
    runtime = props.get("Runtime")
    if isinstance(runtime, str) and not is_python_runtime(runtime):
        return None
    handler = props.get("Handler")
    spec = _common(doc, logical, props, runtime)
    extra: dict[str, Any] = {
        "default_timeout_s": build.LAMBDA_DEFAULT_TIMEOUT,
        "default_memory_mb": build.LAMBDA_DEFAULT_MEMORY,
        "tracing": props.get("Tracing") if isinstance(props.get("Tracing"), str) else None,
        "provisioned_concurrency": build.as_int(
            _dig(props, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions")),
        "ephemeral_storage_mb": build.as_int(_dig(props, "EphemeralStorage", "Size")),
        "keypath": ("Resources", logical),
        "sam": True,
    }
    path = module = func = None
    if isinstance(handler, str):
        module, func = split_handler(handler)
    if "InlineCode" in own:
        extra["inline"] = True
        extra["inline_line"] = _inline_line(doc, lines, ("Resources", logical, "Properties", "InlineCode"))
        path = _inline_module(ctx, doc, logical, module)
    elif module is not None:
        code_uri = props.get("CodeUri", ".")
        if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
            path = ctx.resolve_module(posixpath.join(base_dir, code_uri) if base_dir else code_uri, module)
        else:
            extra["code_location"] = "s3"
    if module is None and "InlineCode" not in own:
        return None
    if not is_python_runtime(runtime) and path is None and "InlineCode" not in own:
        return None
    spec.update(handler_path=path, handler_callable=func, handler_module=module, extra=extra)
    spec["triggers"] = _sam_events(doc, logical, props)
    if props.get("FunctionUrlConfig"):
        loc = doc.locate("Resources", logical, "Properties", "FunctionUrlConfig")
        spec["triggers"].append(Trigger("http", "function-url", None, None, loc[0] if loc else None))
    return spec


def _cfn_function(ctx: Context, doc: DeploymentDoc, lines: list[str], base_dir: str,
                  logical: str, props: dict) -> dict | None:
    if props.get("PackageType") == "Image":
        return None
    runtime = props.get("Runtime")
    if isinstance(runtime, str) and not is_python_runtime(runtime):
        return None
    handler = props.get("Handler")
    if not isinstance(handler, str):
        return None
    module, func = split_handler(handler)
    code = props.get("Code")
    extra: dict[str, Any] = {
        "default_timeout_s": build.LAMBDA_DEFAULT_TIMEOUT,
        "default_memory_mb": build.LAMBDA_DEFAULT_MEMORY,
        "tracing": _dig(props, "TracingConfig", "Mode") if isinstance(_dig(props, "TracingConfig", "Mode"), str) else None,
        "ephemeral_storage_mb": build.as_int(_dig(props, "EphemeralStorage", "Size")),
        "keypath": ("Resources", logical),
    }
    path = None
    if isinstance(code, dict) and "ZipFile" in code:
        extra["inline"] = True
        extra["inline_line"] = _inline_line(doc, lines, ("Resources", logical, "Properties", "Code", "ZipFile"))
        path = _inline_module(ctx, doc, logical, module)
    elif isinstance(code, str) and not code.startswith("s3://"):
        # a local path, as `aws cloudformation package` / `sam deploy` accept
        path = ctx.resolve_module(posixpath.join(base_dir, code) if base_dir else code, module)
    else:
        extra["code_location"] = "s3"
    if not is_python_runtime(runtime) and path is None and not extra.get("inline"):
        return None
    spec = _common(doc, logical, props, runtime)
    spec.update(handler_path=path, handler_callable=func, handler_module=module, extra=extra)
    return spec


def _inline_module(ctx: Context, doc: DeploymentDoc, logical: str, module: str | None) -> str | None:
    """The virtual module of inline code (sls_lint.inline), when the engine made one and the
    handler names Lambda's ``index`` module."""
    from sls_lint.inline import virtual_path

    vpath = virtual_path(doc.path, str(logical))
    return vpath if module == "index" and vpath in ctx.python_paths else None


def _inline_line(doc: DeploymentDoc, lines: list[str], keypath: tuple) -> int | None:
    loc = doc.locate_value(*keypath)
    if loc is None:
        return None
    line, col = loc
    rest = lines[line - 1][col - 1:] if 0 < line <= len(lines) else ""
    if rest.startswith("!"):  # !Sub | ...
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    return line + 1 if rest[:1] in ("|", ">") else line


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _partial(props: dict) -> bool:
    types = props.get("FunctionResponseTypes")
    return isinstance(types, list) and "ReportBatchItemFailures" in types


_SAM_EVENT_KINDS = {
    "SQS": ("sqs", "Queue"),
    "S3": ("s3", "Bucket"),
    "SNS": ("sns", "Topic"),
    "DynamoDB": ("dynamodb", "Stream"),
    "Kinesis": ("kinesis", "Stream"),
    "Schedule": ("schedule", "Schedule"),
    "ScheduleV2": ("schedule", "ScheduleExpression"),
    "EventBridgeRule": ("eventbridge", "EventBusName"),
    "CloudWatchEvent": ("eventbridge", "EventBusName"),
    "MSK": ("queue", "Stream"),
    "MQ": ("queue", "Broker"),
    "SelfManagedKafka": ("queue", "Topics"),
}


def _sam_events(doc: DeploymentDoc, logical: str, props: dict) -> list[Trigger]:
    events = props.get("Events")
    out: list[Trigger] = []
    if not isinstance(events, dict):
        return out
    for ev_name, ev in events.items():
        if not isinstance(ev, dict):
            continue
        etype = ev.get("Type")
        eprops = ev.get("Properties") if isinstance(ev.get("Properties"), dict) else {}
        loc = doc.locate("Resources", logical, "Properties", "Events", ev_name)
        line = loc[0] if loc else None
        if etype == "Api":
            out.append(Trigger("http", "api-gateway-rest", build.LIMIT_API_GATEWAY_REST, None, line))
        elif etype == "HttpApi":
            out.append(Trigger("http", "http-api", build.LIMIT_HTTP_API, None, line))
        elif etype in _SAM_EVENT_KINDS:
            kind, key = _SAM_EVENT_KINDS[etype]
            partial = _partial(eprops) if kind in ("sqs", "dynamodb", "kinesis") else None
            detail = ref_text(eprops.get(key)) if kind != "queue" else etype
            out.append(Trigger(kind, detail, None, partial, line))
        else:
            out.append(Trigger("other", str(etype), None, None, line))
    return out


def refs_in(value: Any) -> set[str]:
    """Logical ids referenced by Ref / GetAtt / Sub (short or long form) inside ``value``."""
    found: set[str] = set()
    stack, seen = [value], 0
    while stack and seen < _MAX_REF_NODES:
        v = stack.pop()
        seen += 1
        if isinstance(v, Tagged):
            if v.name == "Ref" and isinstance(v.value, str):
                found.add(v.value)
            elif v.name == "GetAtt":
                _getatt(v.value, found)
            elif v.name == "Sub":
                _sub(v.value, found, stack)
            else:
                stack.append(v.value)
        elif isinstance(v, dict):
            if len(v) == 1:
                (k, inner), = v.items()
                if k == "Ref" and isinstance(inner, str):
                    found.add(inner)
                    continue
                if k == "Fn::GetAtt":
                    _getatt(inner, found)
                    continue
                if k == "Fn::Sub":
                    _sub(inner, found, stack)
                    continue
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return found


def _getatt(inner: Any, found: set[str]) -> None:
    if isinstance(inner, str):
        found.add(inner.split(".")[0])
    elif isinstance(inner, list) and inner and isinstance(inner[0], str):
        found.add(inner[0])


def _sub(inner: Any, found: set[str], stack: list) -> None:
    if isinstance(inner, list) and inner:
        if isinstance(inner[0], str):
            found.update(_SUB_REF.findall(inner[0]))
        stack.extend(inner[1:])
    elif isinstance(inner, str):
        found.update(_SUB_REF.findall(inner))


def _target(value: Any, specs: dict[str, dict], names: dict[str, str]) -> list[str]:
    ids = [r for r in refs_in(value) if r in specs]
    if isinstance(value, str) and value in specs:
        ids.append(value)
    if isinstance(value, str) and value in names:
        ids.append(names[value])
    return list(dict.fromkeys(ids))


def _wire_resources(doc: DeploymentDoc, resources: dict, specs: dict[str, dict]) -> None:
    """Triggers declared as separate resources (EventSourceMapping, API GW, rules, URLs...)."""
    names = {}
    for logical in specs:
        props = doc.get("Resources", logical, "Properties", default={})
        if isinstance(props, dict) and isinstance(props.get("FunctionName"), str):
            names[props["FunctionName"]] = logical

    def add(value: Any, trigger_for) -> None:
        for fid in _target(value, specs, names):
            specs[fid]["triggers"].append(trigger_for(fid))

    def rtype_of(value: Any) -> str | None:
        for ref in refs_in(value):
            res = resources.get(ref)
            if isinstance(res, dict):
                return res.get("Type")
        return None

    for logical, res in resources.items():
        if not isinstance(res, dict) or str(logical) in specs:
            continue
        rtype = res.get("Type")
        props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
        loc = doc.locate("Resources", logical)
        line = loc[0] if loc else None
        if rtype == "AWS::Lambda::EventSourceMapping":
            source = props.get("EventSourceArn")
            text = ref_text(source) or ""
            stype = rtype_of(source)
            if stype == "AWS::SQS::Queue" or ":sqs:" in text:
                kind = "sqs"
            elif stype == "AWS::DynamoDB::Table" or ":dynamodb:" in text or "StreamArn" in text:
                kind = "dynamodb"
            elif stype == "AWS::Kinesis::Stream" or ":kinesis:" in text:
                kind = "kinesis"
            else:
                kind = "queue" if ("SelfManagedEventSource" in props or ":kafka:" in text or ":mq:" in text) else "other"
            partial = _partial(props) if kind in ("sqs", "dynamodb", "kinesis") else None
            add(props.get("FunctionName"),
                lambda fid, k=kind, t=text, p=partial: Trigger(k, t or None, None, p, line))
        elif rtype == "AWS::Lambda::Url":
            add(props.get("TargetFunctionArn"), lambda fid: Trigger("http", "function-url", None, None, line))
        elif rtype == "AWS::ApiGateway::Method":
            add(_dig(props, "Integration", "Uri"),
                lambda fid: Trigger("http", "api-gateway-rest", build.LIMIT_API_GATEWAY_REST, None, line))
        elif rtype == "AWS::ApiGatewayV2::Integration":
            api = resources.get(next(iter(refs_in(props.get("ApiId"))), None) or "", {})
            proto = _dig(api, "Properties", "ProtocolType") if isinstance(api, dict) else None
            if proto == "WEBSOCKET":
                trig = lambda fid: Trigger("other", "websocket", None, None, line)  # noqa: E731
            else:
                trig = lambda fid: Trigger("http", "http-api", build.LIMIT_HTTP_API, None, line)  # noqa: E731
            add(props.get("IntegrationUri"), trig)
        elif rtype == "AWS::Events::Rule":
            kind = "schedule" if props.get("ScheduleExpression") else "eventbridge"
            detail = ref_text(props.get("ScheduleExpression")) if kind == "schedule" else None
            for target in props.get("Targets") or []:
                if isinstance(target, dict):
                    add(target.get("Arn"), lambda fid, k=kind, d=detail: Trigger(k, d, None, None, line))
        elif rtype == "AWS::Scheduler::Schedule":
            detail = ref_text(props.get("ScheduleExpression"))
            add(_dig(props, "Target", "Arn"), lambda fid: Trigger("schedule", detail, None, None, line))
        elif rtype == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            topic = ref_text(props.get("TopicArn"))
            add(props.get("Endpoint"), lambda fid: Trigger("sns", topic, None, None, line))
        elif rtype == "AWS::SNS::Topic":
            for sub in props.get("Subscription") or []:
                if isinstance(sub, dict) and sub.get("Protocol") == "lambda":
                    add(sub.get("Endpoint"), lambda fid: Trigger("sns", str(logical), None, None, line))
        elif rtype == "AWS::S3::Bucket":
            confs = _dig(props, "NotificationConfiguration", "LambdaConfigurations") or []
            for conf in confs if isinstance(confs, list) else []:
                if isinstance(conf, dict):
                    add(conf.get("Function"), lambda fid: Trigger("s3", str(logical), None, None, line))
        elif rtype == "AWS::ElasticLoadBalancingV2::TargetGroup" and props.get("TargetType") == "lambda":
            for target in props.get("Targets") or []:
                if isinstance(target, dict):
                    add(target.get("Id"), lambda fid: Trigger("http", "alb", None, None, line))
