"""SQS queue whose visibility timeout is shorter than six times its consumer's timeout.

## What it does
Finds SQS queues declared in the same deployment file as the function that consumes them
(serverless.yml `resources.Resources`, SAM and CloudFormation templates in YAML or JSON)
whose `VisibilityTimeout` (30 s when unset) is below six times the consuming function's
timeout (its configured value, or the platform default). The queue is matched through the
event source's `!GetAtt Queue.Arn` / `!Ref` / `Fn::GetAtt`; queues given as a literal ARN or
an import are not checked.

AWS CDK apps in Python are checked too: an `sqs.Queue(self, "Q", visibility_timeout=...)`
construct (30 s when unset) consumed through `fn.add_event_source(SqsEventSource(queue))` or
`events=[SqsEventSource(queue)]`, with the queue held in a variable or `self.` attribute of the
same file. Imported queues (`Queue.from_queue_arn`) and visibility timeouts that are not a
literal `Duration` are not checked. Vercel and Cloudflare have no SQS event sources.

## Why is this bad?
A message a function is working on becomes visible again when the visibility timeout runs
out, and Lambda's poller hands it to a second invocation: the work runs twice. AWS asks for at
least six times the function timeout so that retries of throttled batches fit as well; when
the function timeout is above the visibility timeout, Lambda refuses to create the event
source mapping at all.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  worker:
    handler: handler.process
    timeout: 60
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
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
    timeout: 60
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 360
```

## Fix safety
No automatic fix: the finding says the smallest visibility timeout that fits (display-only).
Raising it also delays the retry of a message whose processing failed.

## Options
None.

## References
- [AWS Lambda with Amazon SQS: queue configuration](https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-queueconfig)
- [AWS::SQS::Queue VisibilityTimeout](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html)
"""
from __future__ import annotations

from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import CASE_APP as _APP
from sls_lint.rules.config._common import CASE_SLS as _SLS
from sls_lint.rules.config._common import (
    CDK,
    CFN,
    SAM,
    SERVERLESS,
    number,
    queue_id,
    seconds,
    targets,
    whole,
)

DEFAULT_VISIBILITY = 30
FACTOR = 6


class QueueVisibilityTooShort(Rule):
    code = "SLS705"
    name = "queue-visibility-too-short"
    summary = "SQS queue whose visibility timeout is shorter than six times its consumer's timeout"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS
    fix_safety = Applicability.DISPLAY_ONLY
    file_kinds = ("serverless", "cloudformation", "cdk")

    def check_project(self, ctx) -> None:
        worst: dict[tuple[str, str], tuple] = {}
        for t in targets(ctx, (SERVERLESS, SAM, CFN, CDK)):
            fn = t.fn
            if fn.get("timeout_expr") is not None:
                continue
            timeout = fn.timeout_s if fn.timeout_s is not None else fn.get("default_timeout_s")
            if timeout is None:
                continue
            if t.fmt == CDK:
                self._cdk(t, timeout, worst)
                continue
            base = t.resources_path
            for trig in fn.triggers:
                qid = queue_id(trig.detail) if trig.kind == "sqs" else None
                res = t.doc.get(*base, qid) if qid else None
                if not isinstance(res, dict) or res.get("Type") != "AWS::SQS::Queue":
                    continue
                props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
                raw = props.get("VisibilityTimeout")
                visibility = DEFAULT_VISIBILITY if raw is None else number(raw)
                if visibility is None or visibility >= FACTOR * timeout:
                    continue
                key = (t.doc.path, qid)
                if key not in worst or timeout > worst[key][1]:
                    worst[key] = (t, timeout, visibility, raw is None, base, qid)
        for (_path, qid), (t, timeout, visibility, default, base, _q) in sorted(worst.items(), key=lambda kv: kv[0]):
            if t.fmt == CDK:
                span = (t.key_span(qid, "visibility_timeout") if not default else None) or t.key_span(qid)
                setting = "visibility_timeout"
            else:
                span = (t.key_span(*base, qid, "Properties", "VisibilityTimeout") if not default else None) or t.key_span(*base, qid)
                setting = "VisibilityTimeout"
            if span is None:
                continue
            need = whole(FACTOR * timeout)
            msg = (f"Queue `{qid}` has a visibility timeout of {seconds(visibility)}{' (the default)' if default else ''}, "
                   f"below 6 × the {seconds(timeout)} timeout of its consumer {t.label}: messages still being processed "
                   "reappear and run twice")
            if visibility < timeout:
                msg += "; Lambda refuses an event source whose function timeout exceeds it"
            t.report(span, msg, FixIntent("display-only", f"Set {setting} to at least {need}", Applicability.DISPLAY_ONLY))

    @staticmethod
    def _cdk(t, timeout: float, worst: dict) -> None:
        """CDK: the queues the project model links to the function's SqsEventSource calls."""
        for link in t.fn.get("sqs_queues") or ():
            _line, qid, visibility = link
            if visibility == "unknown":
                continue
            default = visibility is None
            value = DEFAULT_VISIBILITY if default else number(visibility)
            if value is None or value >= FACTOR * timeout:
                continue
            key = (t.doc.path, qid)
            if key not in worst or timeout > worst[key][1]:
                worst[key] = (t, timeout, value, default, (), qid)


_H = {"handler.py": "def process(event, context):\n    return {}\n"}


def _sls(timeout: str, queue_props: str, arn: str = "!GetAtt Jobs.Arn") -> str:
    return (_SLS + f"functions:\n  worker:\n    handler: handler.process\n{timeout}    events:\n      - sqs:\n"
            f"          arn: {arn}\nresources:\n  Resources:\n    Jobs:\n      Type: AWS::SQS::Queue\n{queue_props}")


_SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Jobs:\n    Type: AWS::SQS::Queue\n{props}"
    "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
    "{timeout}      Events:\n        Q:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Jobs.Arn\n"
)

_CDK = (
    "from aws_cdk import Duration, Stack, aws_lambda as lambda_, aws_sqs as sqs\n"
    "from aws_cdk.aws_lambda_event_sources import SqsEventSource\n\n\nclass S(Stack):\n"
    "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
    "        queue = {queue}\n"
    "        fn = lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\",\n"
    "                              code=lambda_.Code.from_asset(\"src\"){timeout})\n"
    "        fn.add_event_source(SqsEventSource(queue))\n"
)
_SRC = {"src/app.py": "def handler(event, context):\n    return {}\n"}


def _cdk(queue: str, timeout: str = ", timeout=Duration.seconds(60)") -> str:
    return _CDK.format(queue=queue, timeout=timeout)


VALID = [
    Case(_cdk('sqs.Queue(self, "Q", visibility_timeout=Duration.minutes(6))'), path="stack.py", files=_SRC,
         note="CDK: 6 minutes = 6 × 60 s"),
    Case(_cdk('sqs.Queue(self, "Q")', timeout=""), path="stack.py", files=_SRC,
         note="CDK default timeout 3 s × 6 = 18 s <= the default 30 s"),
    Case(_cdk('sqs.Queue(self, "Q", visibility_timeout=vis)'), path="stack.py", files=_SRC, note="a variable: unknown"),
    Case(_cdk('sqs.Queue(self, "Q", **props)'), path="stack.py", files=_SRC, note="**kwargs may set it"),
    Case(_cdk('sqs.Queue.from_queue_arn(self, "Q", "arn:aws:sqs:us-east-1:1:jobs")'), path="stack.py", files=_SRC,
         note="an imported queue: its settings live elsewhere"),
    Case(_cdk('sqs.Queue(self, "Q")', timeout=", timeout=Duration.seconds(t)"), path="stack.py", files=_SRC,
         note="unknown function timeout"),
    Case(_sls("    timeout: 60\n", "      Properties:\n        VisibilityTimeout: 360\n"), path="serverless.yml", files=_H),
    Case(_sls("    timeout: 5\n", ""), path="serverless.yml", files=_H, note="5 s × 6 = 30 s: the default visibility is enough"),
    Case(_sls("    timeout: 60\n", "      Properties:\n        VisibilityTimeout: !Ref Vis\n"), path="serverless.yml", files=_H,
         note="a parameter: unknown"),
    Case(_sls("    timeout: 60\n", "", arn="arn:aws:sqs:us-east-1:123456789012:jobs"), path="serverless.yml", files=_H,
         note="a queue outside this file"),
    Case(_SAM.format(props="", timeout=""), path="template.yaml", files=_APP, note="SAM default 3 s × 6 = 18 s <= 30 s"),
    Case(_sls("    timeout: ${ssm:/t}\n", ""), path="serverless.yml", files=_H, note="unknown timeout"),
]

INVALID = [
    Case(_cdk('sqs.Queue(self, "Q", visibility_timeout=Duration.seconds(120))'), path="stack.py", files=_SRC, line=8,
         count=1, message="120 s, below 6 × the 60 s timeout", note="CDK: the span is the visibility_timeout keyword"),
    Case(_cdk('sqs.Queue(self, "Q")'), path="stack.py", files=_SRC, line=8, count=1, message="(the default)"),
    Case(_CDK.format(queue='sqs.Queue(self, "Q", visibility_timeout=Duration.seconds(50))', timeout=", timeout=Duration.seconds(60)").replace(
        "        fn.add_event_source(SqsEventSource(queue))\n", "").replace(
        'code=lambda_.Code.from_asset("src")', 'code=lambda_.Code.from_asset("src"), events=[SqsEventSource(queue)]'),
         path="stack.py", files=_SRC, line=8, count=1, message="refuses", note="events=[...] on the construct"),
    Case(_sls("    timeout: 60\n", ""), path="serverless.yml", files=_H, line=14, count=1, message="(the default)"),
    Case(_sls("    timeout: 20\n", "      Properties:\n        VisibilityTimeout: 60  # one minute\n"), path="serverless.yml",
         files=_H, line=17, message="6 ×"),
    Case(_SAM.format(props="    Properties: {VisibilityTimeout: 10}\n", timeout="      Timeout: 15\n"), path="template.yaml",
         files=_APP, line=5, message="refuses"),
    Case(_sls("", ""), path="serverless.yml", files=_H, line=13, note="serverless.yml default timeout 6 s × 6 = 36 s > 30 s"),
]
