"""The whole event, request or headers written to the logs.

## What it does
Finds `print(...)`, `logging` / logger calls (`logger.info`, Powertools `Logger`, ...) and
`sys.stdout.write` that log the whole event, request or headers object of a function: as the
argument itself, through `json.dumps(...)`, `str(...)` / `repr(...)`, an f-string or `%`
formatting argument, in code that runs per invocation. `os.environ` logged whole is reported
too. Logging one field of the event (`event["id"]`) is fine.

## Why is this bad?
Events carry what callers send: `Authorization` headers, cookies, API keys in query strings,
personal data in bodies. Logged verbatim, they end up in CloudWatch or another log store with
a wider audience and a longer life than the request. AWS advises not storing events or user
data, and Powertools leaves event logging off by default for that reason.

## Example
```python
import json

def handler(event, context):
    print(json.dumps(event))
    return {"statusCode": 200}
```

## Use instead
```python
def handler(event, context):
    print({"path": event.get("rawPath"), "request_id": context.aws_request_id})
    return {"statusCode": 200}
```

## Fix safety
No automatic fix: which fields are safe to log is a decision for the code's owner.

## Options
None.

## References
- [AWS Lambda best practices](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
- [Powertools Logger: log incoming event](https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#log-incoming-event)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import walk_list

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.files._shared import request_params

PRINT_CALLS = ("print", "sys.stdout.write", "sys.stderr.write", "pprint.pprint")
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"})
LOGGER_TYPES = ("logging.getLogger", "logging.Logger", "aws_lambda_powertools.Logger", "aws_lambda_powertools.logging.Logger",
                "aws_lambda_powertools.logging.logger.Logger", "structlog.get_logger", "structlog.getLogger", "loguru.logger")
LOGGER_NAMES = frozenset({"logger", "log", "LOGGER", "LOG", "_logger", "_log", "logging"})
WRAPPERS = frozenset({"json.dumps", "str", "repr", "pprint.pformat", "simplejson.dumps", "orjson.dumps"})
HEADER_KEYS = frozenset({"headers", "multiValueHeaders", "cookies"})


class EventLoggedVerbatim(Rule):
    code = "SLS608"
    call_names = frozenset(PRINT_CALLS)  # what _is_log_call accepts: these, or a log method
    call_attrs = LOG_METHODS
    name = "event-logged-verbatim"
    summary = "Whole event, request or headers written to the logs"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("print", "log", "stdout")

    def begin_module(self, ctx) -> None:
        self._headers: dict[tuple[int, frozenset[str]], set[str]] = {}  # one walk per function and params

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        if not _is_log_call(model, node):
            return
        reach = ctx.reach_of(node)
        if reach is None:
            return
        info = model.enclosing_function(node)
        params = request_params(ctx, info, reach)
        memo = (id(info.node), frozenset(params))
        headers = self._headers.get(memo)
        if headers is None:
            headers = self._headers[memo] = _header_locals(info, params)
        args = list(node.args) + [k.value for k in node.keywords if k.arg in (None, "msg", "extra")]
        for arg in args:
            what = _whole(model, arg, params, headers)
            if what:
                ctx.report(node, f"`{model.node_text(node)[:80]}` logs {what} verbatim on every invocation of `{reach.function.name}`; events carry authorization headers, cookies and personal data: log only the fields you need")
                return


def _is_log_call(model, node: ast.Call) -> bool:
    qual = model.call_name(node) or ""
    if qual in PRINT_CALLS:
        return True
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
        return False
    if qual.startswith("logging.") or any(qual.startswith(t + ".") for t in LOGGER_TYPES):
        return True
    recv = func.value
    if isinstance(recv, ast.Name) and recv.id in LOGGER_NAMES:
        return True
    return isinstance(recv, ast.Attribute) and recv.attr in ("logger", "log")


def _header_locals(info, params: set[str]) -> set[str]:
    out = set()
    for n in walk_list(info.node):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and _headers_of(n.value, params):
            out.add(n.targets[0].id)
    return out


def _headers_of(node: ast.AST, params: set[str]) -> bool:
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in params:
        return isinstance(node.slice, ast.Constant) and node.slice.value in HEADER_KEYS
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in params:
        return node.attr in HEADER_KEYS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and isinstance(node.func.value, ast.Name) and node.func.value.id in params:
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value in HEADER_KEYS
    return False


def _whole(model, arg: ast.AST, params: set[str], headers: set[str]) -> str | None:
    if isinstance(arg, ast.Name):
        if arg.id in params:
            return f"the whole `{arg.id}`"
        if arg.id in headers:
            return f"all headers (`{arg.id}`)"
        return None
    if _headers_of(arg, params):
        return f"all headers (`{model.node_text(arg)}`)"
    if (model.qualified_name(arg) or "") == "os.environ" or (model.qualified_name(arg) or "") == "flask.request.headers":
        return f"`{model.node_text(arg)}`"
    if isinstance(arg, ast.Call) and (model.call_name(arg) or "") in WRAPPERS and arg.args:
        return _whole(model, arg.args[0], params, headers)
    if isinstance(arg, ast.JoinedStr):
        for v in arg.values:
            if isinstance(v, ast.FormattedValue):
                found = _whole(model, v.value, params, headers)
                if found:
                    return found
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
        parts = arg.right.elts if isinstance(arg.right, ast.Tuple) else [arg.right]
        for p in parts:
            found = _whole(model, p, params, headers)
            if found:
                return found
    return None


VALID = [
    Case("def handler(event, context):\n    print(event['id'])\n    return event\n", note="a field"),
    Case("import logging\nlogger = logging.getLogger()\n\ndef handler(event, context):\n    logger.info('order %s', event.get('id'))\n    logger.info(f\"path={event['rawPath']}\")\n"),
    Case("import json\n\ndef handler(event, context):\n    return {'body': json.dumps(event)}\n", note="returned, not logged"),
    Case("def debug(event):\n    print(event)\n", note="no handler reaches it"),
    Case("def handler(event, context):\n    print(len(event))\n    print(event['headers']['user-agent'])\n"),
]

INVALID = [
    Case("def handler(event, context):\n    print(event)\n", line=2, message="the whole `event`"),
    Case("import json, logging\nlogger = logging.getLogger(__name__)\n\ndef handler(event, context):\n    logger.info(json.dumps(event))\n", line=5),
    Case("from aws_lambda_powertools import Logger\nlogger = Logger()\n\ndef handler(event, context):\n    logger.debug(f'received {event}')\n", line=5),
    Case("import logging\n\ndef handler(event, context):\n    headers = event['headers']\n    logging.info('headers: %s' % headers)\n", line=5, message="all headers"),
    Case("def log_it(event):\n    print('event:', event)\n\ndef handler(evt, context):\n    log_it(evt)\n", line=2, note="a helper with an event parameter"),
    Case("import os\n\ndef handler(event, context):\n    print(os.environ)\n", line=4, message="os.environ"),
]
