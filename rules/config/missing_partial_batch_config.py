"""SQS event source without partial batch responses.

## What it does
Finds SQS event sources that do not turn on partial batch responses: serverless.yml `sqs`
events without `functionResponseType: ReportBatchItemFailures`, SAM `SQS` events and
CloudFormation `AWS::Lambda::EventSourceMapping` resources (YAML or JSON) without
`FunctionResponseTypes: [ReportBatchItemFailures]`, and AWS CDK `SqsEventSource(...)` /
`add_event_source_mapping(...)` without `report_batch_item_failures=True`. When the handler
already returns `batchItemFailures`, the message says that they are being ignored.

Vercel and Cloudflare Workers have no SQS event sources.

## Why is this bad?
Without the setting, one message that fails makes the whole batch fail: every message of it,
including those already processed successfully, comes back and runs again, and a message
that always fails blocks its batch-mates until it reaches the dead-letter queue. A handler
that returns `{"batchItemFailures": [...]}` is silently ignored until the event source says
`ReportBatchItemFailures`.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  worker:
    handler: handler.process
    events:
      - sqs:
          arn: arn:aws:sqs:us-east-1:123456789012:jobs
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  worker:
    handler: handler.process
    events:
      - sqs:
          arn: arn:aws:sqs:us-east-1:123456789012:jobs
          functionResponseType: ReportBatchItemFailures
```

## Fix safety
The fix inserts the setting, and is offered only when the handler's module returns
`batchItemFailures` (or uses Powertools' batch processor); otherwise the handler must change
first (see SLS607). A serverless.yml event written as `- sqs: <arn>` becomes the block mapping
`sqs:` / `arn: <arn>` / `functionResponseType: ReportBatchItemFailures`, the ARN and its comment
kept as written (a flow-style event is left alone). It is unsafe: Lambda then retries only the messages the handler lists, and
treats a response it cannot read as a failure of the whole batch.

## Options
None.

## References
- [AWS Lambda: reporting batch item failures for SQS](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)
- [Serverless Framework: SQS events](https://www.serverless.com/framework/docs/providers/aws/events/sqs)
- [Powertools for AWS Lambda (Python): batch processing](https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/)
"""
from __future__ import annotations

import ast
import json

from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity, freeze
from sls_lint.project.model import Tagged
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import (
    CDK,
    CFN,
    SAM,
    SERVERLESS,
    add_keyword,
    line_index,
    targets,
)

_RETURNS_FAILURES = ("batchItemFailures", "process_partial_response", "BatchProcessor", "batch_processor")
_TITLE = "Turn on ReportBatchItemFailures"


class MissingPartialBatchConfig(Rule):
    code = "SLS706"
    name = "missing-partial-batch-config"
    summary = "SQS event source without partial batch responses"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    file_kinds = ("serverless", "cloudformation", "cdk")

    def check_project(self, ctx) -> None:
        for t in targets(ctx, (SERVERLESS, SAM, CFN, CDK)):
            fn = t.fn
            triggers = [tr for tr in fn.triggers if tr.kind == "sqs" and tr.partial_batch is False and tr.line]
            if not triggers:
                continue
            source = ctx.sources.text(fn.handler_path) if fn.handler_path else None
            returns = bool(source) and any(tok in source for tok in _RETURNS_FAILURES)
            for trig in triggers:
                found = self._locate(ctx, t, trig.line, returns)
                if found is None:
                    continue
                span, fix = found
                if returns:
                    msg = (f"The SQS event source of {t.label} lacks ReportBatchItemFailures, so the "
                           "`batchItemFailures` its handler returns are ignored and the whole batch is retried")
                else:
                    msg = (f"The SQS event source of {t.label} lacks ReportBatchItemFailures: one failed message "
                           "retries the whole batch, including the messages already processed")
                t.report(span, msg, fix if returns else None)

    def _locate(self, ctx, t, line: int, returns: bool):
        doc = t.doc
        if t.fmt == SERVERLESS:
            events = t.keypath + ("events",)
            found = doc.get(*events)
            for i, ev in enumerate(found if isinstance(found, list) else []):
                loc = doc.locate(*events, i)
                if not loc or loc[0] != line or not isinstance(ev, dict) or "sqs" not in ev:
                    continue
                conf = ev["sqs"]
                if _is_arn_value(conf):  # `- sqs: arn:...`: becomes `sqs: {arn: ..., functionResponseType: ...}`
                    return t.key_span(*events, i), FixIntent(
                        "wrap-config-scalar", _TITLE, Applicability.UNSAFE, None,
                        freeze({"path": list(events + (i, "sqs")), "key": "arn",
                                "add": json.dumps({"functionResponseType": "ReportBatchItemFailures"})}))
                if isinstance(conf, dict) and any(str(k).startswith(("Fn::", "Ref")) for k in conf):
                    return t.key_span(*events, i), None  # an intrinsic function (`Fn::GetAtt`) as the ARN
                return t.key_span(*events, i), _turn_on(t, conf, "functionResponseType", "ReportBatchItemFailures",
                                                        events + (i, "sqs"))
        elif t.fmt == SAM:
            events = t.keypath + ("Properties", "Events")
            found = doc.get(*events)
            for name, ev in (found.items() if isinstance(found, dict) else ()):
                loc = doc.locate(*events, name)
                if not loc or loc[0] != line:
                    continue
                props = ev.get("Properties") if isinstance(ev, dict) else None
                return t.key_span(*events, name), _turn_on(t, props, "FunctionResponseTypes", ["ReportBatchItemFailures"],
                                                           events + (name, "Properties"))
        elif t.fmt == CFN:
            rid = line_index(ctx, doc, ("Resources",)).get(line)
            res = doc.get("Resources", rid) if rid is not None else None
            if isinstance(res, dict):
                return t.key_span("Resources", rid), _turn_on(t, res.get("Properties"), "FunctionResponseTypes",
                                                              ["ReportBatchItemFailures"], ("Resources", rid, "Properties"))
        elif t.fmt == CDK:
            from sls_lint.engine import node_span

            model = ctx.index.model(doc.path)
            if model is None:
                return None
            for node in ast.walk(model.tree):
                if not isinstance(node, ast.Call) or node.lineno != line:
                    continue
                name = model.call_name(node) or ""
                attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name.endswith("SqsEventSource") or attr == "add_event_source_mapping":
                    span = node_span(model, node)
                    if any(k.arg is None for k in node.keywords):
                        return span, None
                    fix = add_keyword(span, "report_batch_item_failures", "True", (), _TITLE, Applicability.UNSAFE, replace=True)
                    return span, fix
        return None


def _is_arn_value(conf) -> bool:
    """A queue ARN written as a scalar: a string, or a tagged scalar (`!GetAtt Q.Arn`)."""
    return isinstance(conf, str) or (isinstance(conf, Tagged) and isinstance(conf.value, str))


def _turn_on(t, conf, key: str, value, path: tuple):
    """The fix adding ``key: value`` to the event source's settings ``conf`` (at ``path``), when
    they are a mapping without that key; otherwise None."""
    if isinstance(conf, dict) and key not in conf:
        return t.set_key(key, value, _TITLE, Applicability.UNSAFE, path=path)
    return None


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  worker:\n    handler: handler.process\n    events:\n"
_RETURNING = {"handler.py": (
    "def process(event, context):\n    failures = []\n    for record in event[\"Records\"]:\n        pass\n"
    "    return {\"batchItemFailures\": failures}\n")}
_PLAIN = {"handler.py": "def process(event, context):\n    for record in event[\"Records\"]:\n        print(record)\n"}
_SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    "      Runtime: python3.12\n      Handler: app.handler\n      Events:\n        Jobs:\n          Type: SQS\n"
    "          Properties:\n            Queue: arn:aws:sqs:us-east-1:1:jobs\n"
)
_CDK = (
    "from aws_cdk import Stack, aws_lambda as lambda_, aws_sqs as sqs\n"
    "from aws_cdk.aws_lambda_event_sources import SqsEventSource\n\n\nclass S(Stack):\n"
    "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n        queue = sqs.Queue(self, \"Q\")\n"
    "        fn = lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\",\n"
    "                              code=lambda_.Code.from_asset(\"src\"))\n"
    "        fn.add_event_source(SqsEventSource(queue, batch_size=10{}))\n"
)

VALID = [
    Case(_SLS + "      - sqs:\n          arn: arn:aws:sqs:us-east-1:1:jobs\n          functionResponseType: ReportBatchItemFailures\n",
         path="serverless.yml", files=_RETURNING),
    Case(_SLS + "      - stream: arn:aws:kinesis:us-east-1:1:stream/s\n", path="serverless.yml", files=_PLAIN, note="not SQS"),
    Case(_SAM + "            FunctionResponseTypes:\n              - ReportBatchItemFailures\n", path="template.yaml",
         files={"app.py": _RETURNING["handler.py"].replace("process", "handler")}),
    Case(_CDK.format(", report_batch_item_failures=True"), path="stack.py",
         files={"src/app.py": "def handler(event, context):\n    return {}\n"}),
]

INVALID = [
    Case(_SLS + "      - sqs:\n          arn: arn:aws:sqs:us-east-1:1:jobs # the queue\n          batchSize: 5\n",
         path="serverless.yml", files=_RETURNING, line=9, count=1, unsafe=True, message="ignored",
         fixed=_SLS + "      - sqs:\n          arn: arn:aws:sqs:us-east-1:1:jobs # the queue\n          batchSize: 5\n"
               "          functionResponseType: ReportBatchItemFailures\n"),
    Case(_SLS + "      - sqs: arn:aws:sqs:us-east-1:1:jobs\n", path="serverless.yml", files=_PLAIN, line=9,
         message="whole batch", note="no fix: the handler does not return batchItemFailures"),
    Case(_SLS + "      - sqs: arn:aws:sqs:us-east-1:1:jobs  # the jobs queue\n      - http: GET /\n", path="serverless.yml",
         files=_RETURNING, line=9, count=1, unsafe=True, message="ignored",
         fixed=_SLS + "      - sqs:\n          arn: arn:aws:sqs:us-east-1:1:jobs  # the jobs queue\n"
               "          functionResponseType: ReportBatchItemFailures\n      - http: GET /\n",
         note="the string form becomes a block mapping; the comment stays on the ARN's line"),
    Case(_SLS + "      - sqs: !GetAtt Jobs.Arn\n", path="serverless.yml", files=_RETURNING, line=9, unsafe=True,
         fixed=_SLS + "      - sqs:\n          arn: !GetAtt Jobs.Arn\n          functionResponseType: ReportBatchItemFailures\n",
         note="a tagged ARN is kept as written"),
    Case(_SLS.replace("  ", "    ").replace("service: s\nprovider:\n    ", "service: s\nprovider:\n    ")
         + "          - sqs: 'arn:aws:sqs:us-east-1:1:jobs'\n", path="serverless.yml", files=_RETURNING, line=9, unsafe=True,
         fixed=_SLS.replace("  ", "    ") + "          - sqs:\n                arn: 'arn:aws:sqs:us-east-1:1:jobs'\n"
               "                functionResponseType: ReportBatchItemFailures\n",
         note="4-space indentation and quotes kept"),
    Case(_SLS + "      - {sqs: arn:aws:sqs:us-east-1:1:jobs}\n", path="serverless.yml", files=_RETURNING, line=9, unsafe=True,
         fixed=_SLS + "      - {sqs: arn:aws:sqs:us-east-1:1:jobs}\n",
         note="flow style: the fixer refuses rather than rewrite the line"),
    Case(_SLS + "      - sqs:\n          Fn::GetAtt: [Jobs, Arn]\n", path="serverless.yml", files=_RETURNING, line=9, unsafe=True,
         fixed=_SLS + "      - sqs:\n          Fn::GetAtt: [Jobs, Arn]\n",
         note="an intrinsic function as the ARN: no key is added inside Fn::GetAtt"),
    Case(_SAM, path="template.yaml", files={"app.py": _RETURNING["handler.py"].replace("process", "handler")}, line=9,
         unsafe=True, fixed=_SAM + "            FunctionResponseTypes: [ReportBatchItemFailures]\n"),
    Case("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
         "      Code: .\n  Map:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: !Ref Fn\n"
         "      EventSourceArn: !GetAtt Q.Arn\n  Q:\n    Type: AWS::SQS::Queue\n", path="template.yaml",
         files={"app.py": "def handler(event, context):\n    return {'batchItemFailures': []}\n"}, line=8, unsafe=True,
         fixed="Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
               "      Code: .\n  Map:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: !Ref Fn\n"
               "      EventSourceArn: !GetAtt Q.Arn\n      FunctionResponseTypes: [ReportBatchItemFailures]\n  Q:\n    Type: AWS::SQS::Queue\n"),
    Case(_CDK.format(""), path="stack.py", line=11, unsafe=True,
         files={"src/app.py": "def handler(event, context):\n    return {\"batchItemFailures\": []}\n"},
         fixed=_CDK.format(", report_batch_item_failures=True")),
]
