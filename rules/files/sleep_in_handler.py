"""Sleeping or polling inside a function invocation.

## What it does
Finds `time.sleep(...)`, `await asyncio.sleep(n)` with `n > 0`, and boto3 waiters
(`client.get_waiter(...).wait(...)`) in code that runs per invocation: the handler and every
function it calls, in any module of the project.

## Why is this bad?
A function is billed for wall-clock time, including time spent asleep, and the wait counts
against its timeout and, for HTTP functions, against the 29-30 s API Gateway limit. A boto3
waiter polls every few seconds for up to minutes (`function_active`: 5 s x 60 attempts). Rate
limiting, retries and waiting for a resource belong to the platform: SQS delays and visibility
timeouts, Step Functions `Wait` states, EventBridge schedules, or durable-function waits.

## Example
```python
import time

def handler(event, context):
    for record in event["Records"]:
        send(record)
        time.sleep(1)

def send(record):
    return record
```

## Use instead
```python
def handler(event, context):
    for record in event["Records"]:
        send(record)

def send(record):
    return record
```

## Fix safety
No automatic fix: removing a wait changes behaviour.

## Options
None.

## References
- [AWS Durable Functions: pause and resume](https://aws.github.io/aws-durable-execution-docs/patterns/best-practices/pause-resume/)
- [Step Functions Wait state](https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html)
- [boto3 waiters](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#waiters)
"""
from __future__ import annotations

import ast

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule


class SleepInHandler(Rule):
    code = "SLS603"
    name = "sleep-in-handler"
    summary = "Sleeping or polling inside a function invocation"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("sleep", "waiter")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        qual = model.call_name(node) or ""
        if qual == "time.sleep":
            what = f"`{model.node_text(node)}`"
        elif qual in ("asyncio.sleep", "trio.sleep", "anyio.sleep"):
            arg = node.args[0] if node.args else None
            if arg is None or (isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and arg.value <= 0):
                return
            what = f"`{model.node_text(node)}`"
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "wait" and _is_waiter(model, node.func.value):
            what = "a boto3 waiter"
        else:
            return
        reach = ctx.reach_of(node)
        if reach is None:
            return
        chain = " → ".join(reach.chain)
        ctx.report(
            node,
            f"{what} runs on every invocation of `{reach.function.name}` ({chain}): the function is billed while it waits and the wait counts against its timeout; "
            "use the platform's delays, retries or Step Functions Wait states instead",
        )


def _is_waiter(model, recv: ast.AST) -> bool:
    if isinstance(recv, ast.Call) and isinstance(recv.func, ast.Attribute) and recv.func.attr == "get_waiter":
        return True
    if isinstance(recv, ast.Name):
        sv = model.single_value(recv.id, model.scope_at(recv))
        if sv is not None and isinstance(sv[0], ast.Call):
            return _is_waiter(model, sv[0])
    return False


VALID = [
    Case("import time\n\ndef backfill():\n    time.sleep(1)\n", note="not reached from a handler"),
    Case("import asyncio\n\nasync def handler(event, context):\n    await asyncio.sleep(0)\n    return event\n", note="sleep(0) yields"),
    Case("import time\n\ndef handler(event, context):\n    start = time.time()\n    return {'t': start}\n"),
    Case("class Waiter:\n    def wait(self):\n        return 1\n\ndef handler(event, context):\n    return Waiter().wait()\n", note="not a boto3 waiter"),
]

INVALID = [
    Case("import time\n\ndef handler(event, context):\n    for r in event['Records']:\n        time.sleep(1)\n", line=5, message="every invocation of `handler.py:handler`"),
    Case("from time import sleep\n\ndef poll(job):\n    while not job.done():\n        sleep(5)\n\ndef handler(event, context):\n    poll(event['job'])\n", line=5, message="handler → poll"),
    Case("import boto3\n\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n    waiter = lam.get_waiter('function_active')\n    waiter.wait(FunctionName=event['name'])\n", line=7, message="boto3 waiter"),
    Case("import asyncio\n\nasync def handler(event, context):\n    await asyncio.sleep(2)\n    return event\n", line=4),
]
