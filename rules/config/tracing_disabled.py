"""Function without tracing, observability or log retention turned on.

## What it does
Finds functions whose deployment file leaves tracing unset: AWS X-Ray for serverless.yml
(`tracing: Active` on the function, or `provider.tracing.lambda`), SAM (`Tracing`, `Globals`
included) and CloudFormation templates in YAML or JSON (`TracingConfig.Mode`), and AWS CDK
apps in Python (`tracing=`); Workers Logs and traces for Cloudflare Python Workers
(`[observability]` in wrangler.toml, `"observability"` in wrangler.json(c)). An explicit
choice (`PassThrough`, `Tracing.DISABLED`, `observability.enabled = false`) is respected.

It also finds AWS Lambda functions whose logs are kept forever (the CloudWatch default): no
`logRetentionInDays` on the serverless.yml function, its `provider` or `custom` (the
serverless-plugin-log-retention setting), nor a `<Function>LogGroup` resource with
`RetentionInDays`, nor `disableLogs: true`; in SAM and
CloudFormation no `AWS::Logs::LogGroup` with `RetentionInDays` whose `LogGroupName` refers to
the function (`!Sub /aws/lambda/${Fn}`, `Fn::Join`, the literal `/aws/lambda/<FunctionName>`)
or that its `LoggingConfig.LogGroup` names; in CDK no `log_retention=` or `log_group=`. A
missing tracing setting and a missing retention are two findings.

Vercel has no tracing setting in vercel.json (it is a project setting), so it is not checked.

## Why is this bad?
A function is a short-lived piece of a distributed system: when it is slow or fails, the
cause is usually in a call it made (a database, another service, a cold start). Without
tracing there is no record of where an invocation spent its time, and Cloudflare keeps no
Worker logs at all unless observability is on.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
```

## Use instead
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  logRetentionInDays: 30
  tracing:
    lambda: true
functions:
  create:
    handler: handler.create
```

## Fix safety
The fix turns tracing on for the function (`tracing: Active`, `Tracing: Active`,
`TracingConfig: {Mode: Active}`, `tracing=Tracing.ACTIVE`, `observability.enabled = true`),
keeping the file's comments and layout. It is unsafe: traces and logs are billed, and a plain
CloudFormation function's role also needs the X-Ray write permissions (the Serverless
Framework, SAM and CDK add them).

The log retention fix sets `logRetentionInDays: <default-log-retention-days>` under the
serverless.yml `provider` (functions with their own setting keep it) or
`log_retention=RetentionDays.<...>` on a CDK function (adding the import). It is unsafe: logs
older than that are deleted. SAM and CloudFormation need a new `AWS::Logs::LogGroup`
resource, so the fix is only shown there (display-only).

## Options
- `default-log-retention-days` (default 30): the retention the fix sets; one of the values
  CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
  1827, 2192, 2557, 2922, 3288, 3653).

## References
- [AWS Lambda: tracing with X-Ray](https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)
- [Serverless Framework: tracing](https://www.serverless.com/framework/docs/providers/aws/guide/functions#aws-x-ray-tracing)
- [Amazon CloudWatch Logs: log retention](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention)
- [Cloudflare Workers: observability](https://developers.cloudflare.com/workers/observability/logs/workers-logs/)
"""
from __future__ import annotations

from sls_lint.config import RuleOption
from sls_lint.core import Applicability, FixAvailability, FixIntent, Severity
from sls_lint.project.model import Tagged
from sls_lint.rule import Case, Rule
from sls_lint.rules.config._common import (
    AWS_FORMATS,
    CDK,
    CFN,
    KEYS,
    SAM,
    SERVERLESS,
    WRANGLER,
    cdk_call,
    targets,
)
from sls_lint.rules.config._common import CASE_APP as _APP
from sls_lint.rules.config._common import CASE_SAM as _SAM
from sls_lint.rules.config._common import CASE_SLS as _SLS

# the setting the message names, per format
_SETTING = {
    SERVERLESS: "tracing: Active",
    SAM: "Tracing: Active",
    CFN: "TracingConfig: {Mode: Active}",
    CDK: "tracing=Tracing.ACTIVE",
}
# where a file-wide default lives
_DEFAULT = {SERVERLESS: ("provider", "tracing", "lambda"), SAM: ("Globals", "Function", "Tracing")}
# the retention values CloudWatch accepts and their aws_cdk.aws_logs.RetentionDays members
RETENTION_DAYS = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
    1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}
_RETENTION_SETTING = {
    SERVERLESS: "logRetentionInDays",
    SAM: "an AWS::Logs::LogGroup with RetentionInDays",
    CFN: "an AWS::Logs::LogGroup with RetentionInDays",
    CDK: "log_retention=",
}
_LOG_GROUP = "AWS::Logs::LogGroup"


class TracingDisabled(Rule):
    code = "SLS707"
    name = "tracing-disabled"
    summary = "Function without tracing, observability or log retention turned on"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = Applicability.UNSAFE
    file_kinds = ("serverless", "cloudformation", "cdk", "wrangler")
    options = (
        RuleOption("default-log-retention-days", "integer", 30,
                   "Days of CloudWatch log retention the fix sets (a value CloudWatch accepts).",
                   enum=tuple(RETENTION_DAYS)),
    )

    def check_project(self, ctx) -> None:
        unsafe = Applicability.UNSAFE
        days = ctx.option("default-log-retention-days")
        self._groups: dict[str, dict] = {}  # per template: its log groups (large templates have many functions)
        for t in targets(ctx, AWS_FORMATS):
            self._tracing(t, unsafe)
            self._retention(t, days)
        for t in targets(ctx, (WRANGLER,), platform="cloudflare-workers"):
            if not isinstance(t.doc.data, dict) or "observability" in t.doc.data:
                continue
            span = t.key_span("main")
            if span is None:
                continue
            fix = t.set_key("enabled", True, "Turn on observability", unsafe, path=("observability",))
            t.report(span, f"Worker {t.label} has no `observability` settings: Cloudflare keeps no logs or traces of it",
                     fix)

    def _tracing(self, t, unsafe: Applicability) -> None:
        if t.fn.get("tracing") is not None or self._explicit(t):
            return
        span = t.function_span()
        if span is None:
            return
        if t.fmt == CFN:
            fix = t.set_key("Mode", "Active", "Set TracingConfig.Mode: Active", unsafe,
                            path=t.settings_path + ("TracingConfig",))
        else:
            tracing = t.cdk_expr("aws_cdk.aws_lambda.Tracing.ACTIVE", "aws_cdk.aws_lambda", "Tracing")
            fix = t.own_setting_fix(KEYS["tracing"][t.fmt], "Active", unsafe, cdk=tracing, at=span)
        t.report(span, f"Function {t.label} has no active X-Ray tracing (`{_SETTING[t.fmt]}`): slow or failing "
                       "calls inside it leave no trace", fix)

    # -- log retention --------------------------------------------------------------------------
    def _retention(self, t, days) -> None:
        if self._has_retention(t):
            return
        span = t.function_span()
        if span is None:
            return
        member = RETENTION_DAYS.get(days) if isinstance(days, int) and not isinstance(days, bool) else None
        fix = None
        if t.fmt == SERVERLESS and member is not None and isinstance(t.doc.get("provider"), dict):
            fix = t.set_key("logRetentionInDays", days, f"Set provider.logRetentionInDays: {days}",
                            Applicability.UNSAFE, path=("provider",))
        elif t.fmt == CDK and member is not None:
            named = t.cdk_expr(f"aws_cdk.aws_logs.RetentionDays.{member}", "aws_cdk.aws_logs", "RetentionDays")
            fix = t.own_setting_fix("log_retention", days, Applicability.UNSAFE, cdk=named, at=span)
        elif t.fmt in (SAM, CFN) and member is not None:
            fix = FixIntent("display-only", f"Add an {_LOG_GROUP} with LogGroupName: !Sub /aws/lambda/${{{t.keypath[-1]}}} "
                                            f"and RetentionInDays: {days}", Applicability.DISPLAY_ONLY)
        t.report(span, f"Function {t.label} has no log retention ({_RETENTION_SETTING[t.fmt]}): CloudWatch keeps "
                       "its logs forever and bills their storage", fix)

    def _has_retention(self, t) -> bool:
        doc = t.doc
        if t.fmt == SERVERLESS:
            if t.has_own("logRetentionInDays") or doc.locate("provider", "logRetentionInDays") is not None:
                return True
            if doc.locate("custom", "logRetentionInDays") is not None:
                return True  # serverless-plugin-log-retention
            if t.own("disableLogs") is True:
                return True  # no log group at all
            name = str(t.keypath[-1])
            logical = (name[:1].upper() + name[1:]).replace("-", "Dash").replace("_", "Underscore") + "LogGroup"
            res = doc.get("resources", "Resources", logical)
            props = res.get("Properties") if isinstance(res, dict) else None
            return isinstance(props, dict) and "RetentionInDays" in props
        if t.fmt == CDK:
            found = cdk_call(t.ctx, t)
            if found is None or any(k.arg is None for k in found[0].keywords):
                return True  # unknown (**kwargs): may set it
            return t.has_own("log_retention") or t.has_own("log_group")
        # SAM / CloudFormation
        resources = doc.get("Resources")
        if not isinstance(resources, dict):
            return True
        fid = t.keypath[-1]
        fn_name = t.own("FunctionName")
        if doc.path not in self._groups:
            self._groups[doc.path] = {rid: r for rid, r in resources.items()
                                      if isinstance(r, dict) and r.get("Type") == _LOG_GROUP}
        groups = self._groups[doc.path]
        target = _log_group_ref(t.own("LoggingConfig"))
        if target is None and t.fmt == SAM:
            target = _log_group_ref(doc.get("Globals", "Function", "LoggingConfig"))
        if target is not None:
            if isinstance(target, tuple):  # a reference to a resource
                group = groups.get(target[0])
                return group is None or _retained(group)  # not a log group of this file: unknown
            matching = [g for g in groups.values() if _props(g).get("LogGroupName") == target]
            return not matching or any(_retained(g) for g in matching)  # a group made elsewhere: unknown
        for group in groups.values():
            name = _props(group).get("LogGroupName")
            if _names_function(name, fid, fn_name) and _retained(group):
                return True
        return False

    @staticmethod
    def _explicit(t) -> bool:
        """A tracing key written but not readable as a mode (a variable, a parameter, CDK
        ``**kwargs``)."""
        if t.fmt == CDK:
            found = cdk_call(t.ctx, t)
            if found is not None and any(k.arg is None for k in found[0].keywords):
                return True  # **kwargs may set it
        default = _DEFAULT.get(t.fmt)
        return t.has_own(KEYS["tracing"][t.fmt]) or (default is not None and t.doc.locate(*default) is not None)


def _props(resource: dict) -> dict:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _retained(group: dict) -> bool:
    return "RetentionInDays" in _props(group)


def _log_group_ref(logging) -> tuple | str | None:
    """What ``LoggingConfig.LogGroup`` names: (logical id,) for ``!Ref LG``, a name as written
    (a string, or an unreadable intrinsic), None when unset."""
    group = logging.get("LogGroup") if isinstance(logging, dict) else None
    if group is None:
        return None
    if isinstance(group, Tagged) and group.name == "Ref" and isinstance(group.value, str):
        return (group.value,)
    if isinstance(group, dict) and set(group) == {"Ref"} and isinstance(group["Ref"], str):
        return (group["Ref"],)
    return group if isinstance(group, str) else ("",)  # ("",): no group of this file


def _names_function(name, fid: str, fn_name) -> bool:
    """A LogGroupName that is the function's: ``!Sub /aws/lambda/${Fn}``, a ``Fn::Join`` of
    ``/aws/lambda/`` and ``!Ref Fn``, or ``/aws/lambda/<FunctionName>``."""
    if isinstance(name, str):
        return isinstance(fn_name, str) and name == f"/aws/lambda/{fn_name}"
    sub = name.value if isinstance(name, Tagged) and name.name == "Sub" else (
        name.get("Fn::Sub") if isinstance(name, dict) and set(name) == {"Fn::Sub"} else None)
    if isinstance(sub, list) and sub:
        sub = sub[0]
    if isinstance(sub, str):
        return sub.startswith("/aws/lambda/") and f"${{{fid}}}" in sub
    join = name.value if isinstance(name, Tagged) and name.name == "Join" else (
        name.get("Fn::Join") if isinstance(name, dict) and set(name) == {"Fn::Join"} else None)
    if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
        parts = join[1]
        text = "".join(p for p in parts if isinstance(p, str))
        refs = any((isinstance(p, Tagged) and p.name == "Ref" and p.value == fid)
                   or (isinstance(p, dict) and p.get("Ref") == fid) for p in parts)
        return text.startswith("/aws/lambda/") and refs
    return False


_H = {"handler.py": "def create(event, context):\n    return {}\n"}
_WORKER = {"src/entry.py": "async def on_fetch(request, env):\n    return None\n"}
_TOML = 'name = "w"  # the worker\nmain = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n\n[vars]\nMODE = "prod"\n'
_KEEP = "  logRetentionInDays: 14\n"  # provider-level retention
_TRACED = "      Tracing: Active\n"
_LG = "  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
_CDK_HEAD = ("from aws_cdk import Stack\nfrom aws_cdk import aws_lambda as lambda_\n\n\nclass S(Stack):\n"
             "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n")
_CDK_FN = ("        lambda_.Function(self, \"Fn\", runtime=lambda_.Runtime.PYTHON_3_12, handler=\"app.handler\", "
           "code=lambda_.Code.from_asset(\"src\"){})\n")
_CDK_SRC = {"src/app.py": _APP["app.py"]}
_ACTIVE = ", tracing=lambda_.Tracing.ACTIVE"

VALID = [
    Case(_SLS + _KEEP + "  tracing:\n    lambda: true\nfunctions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H),
    Case(_SLS + _KEEP + "functions:\n  create:\n    handler: handler.create\n    tracing: PassThrough\n", path="serverless.yml", files=_H,
         note="an explicit choice"),
    Case(_SLS + "  logRetentionInDays: ${param:days}\n  tracing:\n    lambda: ${self:custom.tracing}\nfunctions:\n  create:\n"
         "    handler: handler.create\n", path="serverless.yml", files=_H, note="variables"),
    Case(_SLS + "  tracing:\n    lambda: true\nfunctions:\n  create:\n    handler: handler.create\n    logRetentionInDays: 7\n",
         path="serverless.yml", files=_H, note="the function's own retention"),
    Case(_SLS + "  tracing:\n    lambda: true\nplugins:\n  - serverless-plugin-log-retention\ncustom:\n  logRetentionInDays: 30\n"
         "functions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H,
         note="serverless-plugin-log-retention's setting"),
    Case(_SLS + "  tracing:\n    lambda: true\nfunctions:\n  create:\n    handler: handler.create\n    disableLogs: true\n",
         path="serverless.yml", files=_H, note="no logs, so no log group to retain"),
    Case(_SLS + "  tracing:\n    lambda: true\nfunctions:\n  create-order:\n    handler: handler.create\nresources:\n  Resources:\n"
         "    CreateDashorderLogGroup:\n      Properties:\n        RetentionInDays: 7\n", path="serverless.yml", files=_H,
         note="the Framework's own log group resource, overridden"),
    Case("Globals:\n  Function:\n    Tracing: Active\n" + _SAM + _LG + "      LogGroupName: !Sub /aws/lambda/${Fn}\n"
         "      RetentionInDays: 14\n", path="template.yaml", files=_APP),
    Case(_SAM + "      Tracing: !If [IsProd, Active, PassThrough]\n" + _LG
         + "      LogGroupName: !Join ['', [/aws/lambda/, !Ref Fn]]\n      RetentionInDays: 14\n", path="template.yaml", files=_APP,
         note="Fn::Join of the prefix and the function's name"),
    Case(_SAM + _TRACED + "      LoggingConfig:\n        LogGroup: !Ref Logs\n" + _LG + "      RetentionInDays: 14\n",
         path="template.yaml", files=_APP, note="LoggingConfig pointing at a retained group"),
    Case(_SAM + _TRACED + "      LoggingConfig:\n        LogGroup: shared-logs\n", path="template.yaml", files=_APP,
         note="a log group made elsewhere: unknown"),
    Case(_SAM + _TRACED + "      FunctionName: orders\n" + _LG + "      LogGroupName: /aws/lambda/orders\n      RetentionInDays: 14\n",
         path="template.yaml", files=_APP, note="the literal name"),
    Case(_CDK_HEAD + _CDK_FN.format(_ACTIVE + ", log_retention=logs.RetentionDays.ONE_WEEK"), path="stack.py", files=_CDK_SRC),
    Case(_CDK_HEAD + _CDK_FN.format(_ACTIVE + ", log_group=group"), path="stack.py", files=_CDK_SRC, note="its own log group"),
    Case(_CDK_HEAD + _CDK_FN.format(", **props"), path="stack.py", files=_CDK_SRC, note="**kwargs may set both"),
    Case(_TOML + "\n[observability]\nenabled = false\n", path="wrangler.toml", files=_WORKER, note="explicitly off"),
    Case('{\n  "name": "w",\n  "main": "src/app.js"\n}\n', path="wrangler.jsonc", note="a JavaScript Worker"),
]

INVALID = [
    Case(_SLS + _KEEP + "functions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H, line=7, unsafe=True,
         count=1, message="X-Ray", fixed=_SLS + _KEEP + "functions:\n  create:\n    handler: handler.create\n    tracing: Active\n"),
    Case(_SLS + "  tracing:\n    lambda: true  # traced\nfunctions:\n  create:\n    handler: handler.create\n  other:\n"
         "    handler: handler.create\n    logRetentionInDays: 90\n", path="serverless.yml", files=_H, line=8, count=1, unsafe=True,
         message="no log retention (logRetentionInDays)",
         fixed=_SLS + "  tracing:\n    lambda: true  # traced\n  logRetentionInDays: 30\nfunctions:\n  create:\n"
               "    handler: handler.create\n  other:\n    handler: handler.create\n    logRetentionInDays: 90\n",
         note="under provider: the function with its own retention keeps it"),
    Case(_SLS + "functions:\n  create:\n    handler: handler.create\n", path="serverless.yml", files=_H, line=6, count=2,
         unsafe=True, options={"default-log-retention-days": 14},
         fixed=_SLS + "  logRetentionInDays: 14\nfunctions:\n  create:\n    handler: handler.create\n    tracing: Active\n",
         note="one finding per missing setting"),
    Case(_SAM + _LG + "      LogGroupName: !Sub /aws/lambda/${Fn}\n      RetentionInDays: 14\n", path="template.yaml", files=_APP,
         line=3, count=1, unsafe=True, message="X-Ray",
         fixed=_SAM + _TRACED + _LG + "      LogGroupName: !Sub /aws/lambda/${Fn}\n      RetentionInDays: 14\n"),
    Case(_SAM + _TRACED + _LG + "      LogGroupName: !Sub /aws/lambda/${Fn}\n", path="template.yaml", files=_APP, line=3, count=1,
         message="log retention", note="the function's log group keeps its logs forever"),
    Case(_SAM + _TRACED + _LG + "      LogGroupName: !Sub /aws/lambda/${Other}\n      RetentionInDays: 14\n",
         path="template.yaml", files=_APP, line=3, count=1, message="log retention", note="another function's group"),
    Case(_SAM + _TRACED + "      LoggingConfig:\n        LogGroup: !Ref Logs\n" + _LG + "      LogGroupClass: STANDARD\n",
         path="template.yaml", files=_APP, line=3, count=1, message="log retention", note="LoggingConfig's group has no retention"),
    Case('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", '
         '"Handler": "app.handler", "Code": "."}}, "L": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": '
         '{"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Fn"}]]}, "RetentionInDays": 7}}}}\n', path="template.json", files=_APP,
         line=1, count=1, unsafe=True,
         fixed='{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", '
               '"Handler": "app.handler", "Code": ".", "TracingConfig": {"Mode": "Active"}}}, "L": {"Type": "AWS::Logs::LogGroup", '
               '"Properties": {"LogGroupName": {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Fn"}]]}, "RetentionInDays": 7}}}}\n'),
    Case(_CDK_HEAD + _CDK_FN.format(", log_retention=RetentionDays.ONE_WEEK"), path="stack.py", files=_CDK_SRC, line=8, count=1,
         unsafe=True, fixed=_CDK_HEAD + _CDK_FN.format(", log_retention=RetentionDays.ONE_WEEK" + _ACTIVE)),
    Case(_CDK_HEAD + _CDK_FN.format(_ACTIVE), path="stack.py", files=_CDK_SRC, line=8, count=1, unsafe=True,
         message="log_retention=",
         fixed=_CDK_HEAD.replace("lambda_\n", "lambda_\nfrom aws_cdk.aws_logs import RetentionDays\n", 1)
               + _CDK_FN.format(_ACTIVE + ", log_retention=RetentionDays.ONE_MONTH")),
    Case(_TOML, path="wrangler.toml", files=_WORKER, line=2, unsafe=True,
         fixed=_TOML + "\n[observability]\nenabled = true\n"),
    Case('{\n  // the worker\n  "name": "w",\n  "main": "src/entry.py",\n  "compatibility_flags": ["python_workers"],\n}\n',
         path="wrangler.jsonc", files=_WORKER, line=4, unsafe=True,
         fixed='{\n  // the worker\n  "name": "w",\n  "main": "src/entry.py",\n  "compatibility_flags": ["python_workers"],\n'
               '  "observability": {"enabled": true},\n}\n', note="JSONC comments and trailing commas kept"),
]
