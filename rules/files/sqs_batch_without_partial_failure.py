"""SQS batch handler without partial batch failure reporting.

## What it does
Finds SQS-triggered handlers that process the batch's `Records` but never return
`batchItemFailures` on any path, and handlers that do return `batchItemFailures` while the
trigger in the deployment file lacks `ReportBatchItemFailures` (`functionResponseType` in
serverless.yml, `FunctionResponseTypes` in SAM/CloudFormation, `report_batch_item_failures` in
the CDK), so Lambda ignores the response.

Not reported: a handler with a return path that returns a dict (or a variable holding a dict)
with a `batchItemFailures` key, or that returns Powertools' `process_partial_response(...)` /
`processor.response()`, or is decorated with Powertools' `batch_processor`. When no deployment
file says the trigger, a handler shaped like an SQS consumer (it loops over `event["Records"]`
and reads each record's `"body"`) counts as one.

## Why is this bad?
Without a partial batch response, one bad message makes the whole invocation fail, so the
messages that were processed come back and are processed again (duplicates), or, when the
error is swallowed, the failed message is deleted and lost. With `batchItemFailures`, only the
failed messages return to the queue.

## Example
```python
import json

def handler(event, context):
    for record in event["Records"]:
        save(json.loads(record["body"]))

def save(order):
    return order
```

## Use instead
```python
import json

def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            save(json.loads(record["body"]))
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}

def save(order):
    return order
```

## Fix safety
No automatic fix: which errors fail an item is the handler's decision.

## Options
None.

## References
- [Handling errors for an SQS event source in Lambda](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)
- [Powertools batch processing](https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import walk_list

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule

POWERTOOLS_CALLS = ("process_partial_response", "async_process_partial_response")
POWERTOOLS_DECORATORS = ("batch_processor", "async_batch_processor", "sqs_batch_processor")


class SqsBatchWithoutPartialFailure(Rule):
    code = "SLS607"
    name = "sqs-batch-without-partial-failure"
    summary = "SQS batch handler without partial batch failure reporting"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("Records", "batch")

    def visit_Module(self, node: ast.Module, ctx) -> None:
        model = ctx.model
        for fn in ctx.functions_here:
            info = model.by_qualname.get(fn.handler_callable or "")
            if info is None:
                continue
            sqs = [t for t in fn.triggers if t.kind == "sqs"]
            if fn.triggers and not sqs:
                continue
            if not sqs and not (fn.platform == "aws-lambda" and _sqs_shaped(info)):
                continue
            reports = _reports_failures(model, info)
            span = _def_span(ctx, info)
            if not reports:
                if "Records" not in model.node_text(info.node) and not _uses_powertools(model, info):
                    continue
                ctx.report(span, f"SQS handler `{fn.name}` processes a batch but never returns `batchItemFailures`: one failing message retries (or loses) the whole batch; "
                           "return {\"batchItemFailures\": [{\"itemIdentifier\": record[\"messageId\"]}, ...]} (or use Powertools' process_partial_response) "
                           "and enable ReportBatchItemFailures on the trigger", function=fn.name)
            elif sqs and all(t.partial_batch is False for t in sqs):
                where = f" ({fn.source_path}:{sqs[0].line})" if fn.source_path and sqs[0].line else ""
                ctx.report(span, f"`{fn.name}` returns `batchItemFailures`, but its SQS trigger{where} does not enable ReportBatchItemFailures, so Lambda ignores the response "
                           "and retries or deletes the whole batch; set functionResponseType: ReportBatchItemFailures", function=fn.name)


def _def_span(ctx, info):
    from sls_lint.core import Span

    node = info.node
    text = ctx.model.lines[node.lineno - 1]
    return Span(node.lineno, node.col_offset + 1, node.lineno, max(node.col_offset + 2, len(text) + 1))


def _sqs_shaped(info) -> bool:
    """Loops over ``<param>["Records"]`` and reads ``<record>["body"]``."""
    args = info.node.args.posonlyargs + info.node.args.args
    if not args:
        return False
    event = args[0].arg
    for n in walk_list(info.node):
        if isinstance(n, (ast.For, ast.comprehension)) and isinstance(n.iter, ast.Subscript):
            it = n.iter
            if isinstance(it.value, ast.Name) and it.value.id == event and isinstance(it.slice, ast.Constant) and it.slice.value == "Records" and isinstance(n.target, ast.Name):
                rec = n.target.id
                for m in walk_list(info.node):
                    if isinstance(m, ast.Subscript) and isinstance(m.value, ast.Name) and m.value.id == rec and isinstance(m.slice, ast.Constant) and m.slice.value == "body":
                        return True
    return False


def _uses_powertools(model, info) -> bool:
    return any(d.split(".")[-1] in POWERTOOLS_DECORATORS for d in info.decorators)


def _has_key(node: ast.AST, model, scope, depth: int = 0) -> bool:
    if depth > 4 or node is None:
        return False
    if isinstance(node, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value == "batchItemFailures" for k in node.keys)
    if isinstance(node, ast.Call):
        name = model.call_name(node) or ""
        if name.split(".")[-1] in POWERTOOLS_CALLS:
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr == "response":
            return True  # Powertools processor.response()
        if name == "dict" and any(k.arg == "batchItemFailures" for k in node.keywords):
            return True
    if isinstance(node, ast.Name):
        sv = model.single_value(node.id, scope)
        if sv is not None:
            return _has_key(sv[0], model, sv[1], depth + 1)
        # any assignment of a dict with the key to this name
        for n in walk_list(scope.node):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets) and _has_key(n.value, model, scope, depth + 1):
                return True
    return False


def _reports_failures(model, info) -> bool:
    if _uses_powertools(model, info):
        return True
    for n in walk_list(info.node):
        if isinstance(n, ast.Return) and n.value is not None and model.enclosing_function(n) is info:
            if _has_key(n.value, model, info.scope):
                return True
    return False


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  worker:\n    handler: handler.handler\n    events:\n"
_LOOP = "import json\n\ndef handler(event, context):\n    for record in event['Records']:\n        json.loads(record['body'])\n"
_PARTIAL = "def handler(event, context):\n    failed = []\n    for record in event['Records']:\n        if not record['body']:\n            failed.append({'itemIdentifier': record['messageId']})\n    return {'batchItemFailures': failed}\n"

VALID = [
    Case(_PARTIAL, files={"serverless.yml": _SLS + "      - sqs:\n          arn: arn:aws:sqs:eu-west-1:1:q\n          functionResponseType: ReportBatchItemFailures\n"}),
    Case("from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response\n\nprocessor = BatchProcessor(event_type=EventType.SQS)\n\ndef record_handler(record):\n    return record.body\n\ndef handler(event, context):\n    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)\n",
         files={"serverless.yml": _SLS + "      - sqs:\n          arn: arn:aws:sqs:eu-west-1:1:q\n          functionResponseType: ReportBatchItemFailures\n"}),
    Case(_LOOP, files={"serverless.yml": _SLS + "      - s3: bucket\n"}, note="not SQS"),
    Case("def handler(event, context):\n    response = {'batchItemFailures': []}\n    for record in event['Records']:\n        if not record['body']:\n            response['batchItemFailures'].append({'itemIdentifier': record['messageId']})\n    return response\n", note="returned through a variable"),
    Case("def handler(event, context):\n    for record in event['Records']:\n        print(record['Sns']['Message'])\n", note="SNS-shaped, trigger unknown"),
]

INVALID = [
    Case(_LOOP, files={"serverless.yml": _SLS + "      - sqs: arn:aws:sqs:eu-west-1:1:q\n"}, line=3, message="never returns `batchItemFailures`"),
    Case(_LOOP, line=3, note="trigger unknown, SQS-shaped"),
    Case(_PARTIAL, files={"serverless.yml": _SLS + "      - sqs: arn:aws:sqs:eu-west-1:1:q\n"}, line=1, message="does not enable ReportBatchItemFailures"),
    Case("def handler(event, context):\n    for record in event['Records']:\n        if record['body'] == 'bad':\n            return {'statusCode': 500}\n    return {'statusCode': 200}\n",
         files={"serverless.yml": _SLS + "      - sqs:\n          arn: arn:aws:sqs:eu-west-1:1:q\n          functionResponseType: ReportBatchItemFailures\n"}, line=1),
]
