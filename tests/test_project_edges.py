"""Project-model edge cases: precision (never invent functions), resolution rules, conventions."""
from __future__ import annotations

import json

from sls_lint.core import Trigger
from sls_lint.project.render import render_table, to_json
from test_project_loaders import write
from test_project_support import by_name, load

LAMBDA = "def handler(event, context):\n    return event\n"


def test_convention_skips_test_files_and_cdk_apps(tmp_path):
    project = write(tmp_path, {
        "test_handler.py": LAMBDA,
        "handler_test.py": LAMBDA,
        "conftest.py": LAMBDA,
        "test/unit/fn.py": LAMBDA,
        "infra/app.py": "import aws_cdk as cdk\n\n" + LAMBDA,
        "svc/fn.py": LAMBDA,
    })
    assert [f.name for f in project.functions] == ["svc/fn.py:handler"]


def test_serverless_self_references(tmp_path):
    project = write(tmp_path, {
        "serverless.yml": (
            "custom:\n  t: ${self:custom.u}\n  u: ${self:custom.t}\n  mem: 768\n"
            "provider:\n  name: aws\n  runtime: python3.12\n  memorySize: ${self:custom.mem}\n"
            "functions:\n"
            "  loop:\n    handler: fn.handler\n    timeout: ${self:custom.t}\n"
            "  fallback:\n    handler: fn.handler\n    timeout: ${self:custom.nope, 12}\n"
            "  opt:\n    handler: fn.handler\n    timeout: ${opt:timeout, 30}\n"
        ),
        "fn.py": LAMBDA,
    })
    fns = by_name(project)
    assert fns["loop"].timeout_s is None and fns["loop"].get("timeout_expr") == "${self:custom.t}"
    assert fns["fallback"].timeout_s == 12
    assert fns["opt"].timeout_s is None  # ${opt:...} stays unresolved
    assert fns["loop"].memory_mb == 768


def test_serverless_runtime_unknown_needs_a_python_file(tmp_path):
    project = write(tmp_path, {
        "serverless.yml": "service: s\nfunctions:\n  py:\n    handler: a.main\n  js:\n    handler: b.main\n",
        "a.py": "def main(event, context):\n    return 1\n",
        "b.js": "exports.main = async () => 1;\n",
    })
    assert [(f.name, f.runtime, f.handler_path) for f in project.functions] == [("py", None, "a.py")]


def test_serverless_other_provider_and_list_style(tmp_path):
    gcp = write(tmp_path / "g", {"serverless.yml": "provider:\n  name: google\n  runtime: python39\nfunctions:\n  f:\n    handler: main.f\n", "main.py": LAMBDA})
    assert [f.name for f in gcp.functions] == ["main.py:handler"]  # only the convention
    old = write(tmp_path / "o", {
        "serverless.yml": "provider:\n  name: aws\n  runtime: python3.9\nfunctions:\n  - one:\n      handler: h.handler\n      module: svc\n",
        "svc/h.py": LAMBDA,
    })
    (f,) = old.functions
    assert (f.name, f.handler_path, f.source_line) == ("one", "svc/h.py", 5)


def test_serverless_yaml_merge_keys(tmp_path):
    project = write(tmp_path, {
        "serverless.yaml": (
            "x-defaults: &defaults\n  timeout: 14\n  memorySize: 640\n"
            "provider: {name: aws, runtime: python3.12}\n"
            "functions:\n  a:\n    <<: *defaults\n    handler: h.handler\n    memorySize: 128\n"
        ),
        "h.py": LAMBDA,
    })
    (f,) = project.functions
    assert (f.timeout_s, f.memory_mb) == (14, 128)


def test_sam_unknown_runtime_and_esm(tmp_path):
    project = write(tmp_path, {
        "template.yaml": (
            "Transform: AWS::Serverless-2016-10-31\n"
            "Parameters:\n  Rt: {Type: String}\n"
            "Resources:\n"
            "  Fn:\n    Type: AWS::Serverless::Function\n"
            "    Properties:\n      Runtime: !Ref Rt\n      CodeUri: src\n      Handler: app.handler\n      Timeout: !Ref T\n"
            "  Ghost:\n    Type: AWS::Serverless::Function\n"
            "    Properties:\n      Runtime: !Ref Rt\n      CodeUri: src\n      Handler: nothere.handler\n"
            "  Q:\n    Type: AWS::SQS::Queue\n"
            "  Map:\n    Type: AWS::Lambda::EventSourceMapping\n"
            "    Properties:\n      FunctionName: !GetAtt Fn.Arn\n      EventSourceArn: !GetAtt Q.Arn\n"
            "      FunctionResponseTypes: [ReportBatchItemFailures]\n"
            "  Method:\n    Type: AWS::ApiGateway::Method\n"
            "    Properties:\n      Integration:\n        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations'\n"
        ),
        "src/app.py": LAMBDA,
    })
    (fn,) = project.functions
    assert fn.name == "Fn" and fn.runtime is None and fn.handler_path == "src/app.py"
    assert fn.timeout_s is None and fn.get("timeout_expr") == "!Ref T"
    assert fn.triggers == (
        Trigger("sqs", "!GetAtt Q.Arn", None, True, 20),
        Trigger("http", "api-gateway-rest", 29, None, 26),
    )


def test_cloudformation_yaml_nodejs_only_yields_nothing(tmp_path):
    project = write(tmp_path, {
        "template.yml": (
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
            "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: nodejs20.x\n"
            "      Handler: index.handler\n      Code: {ZipFile: 'exports.handler = async () => 1'}\n"
        ),
        "index.py": "x = 1\n",
    })
    assert project.functions == []
    assert project.docs[0].error is None


def test_vercel_builds_and_framework_entrypoint(tmp_path):
    flask = "from flask import Flask\n\napp = Flask(__name__)\n"
    legacy = write(tmp_path / "legacy", {
        "vercel.json": json.dumps({"builds": [{"src": "app.py", "use": "@vercel/python", "config": {"maxDuration": 20}}],
                                   "routes": [{"src": "/(.*)", "dest": "app.py"}]}),
        "app.py": flask,
        "other.py": flask,
    })
    (f,) = legacy.functions
    assert (f.name, f.handler_path, f.handler_callable, f.timeout_s) == ("/app", "app.py", "app", 20)
    assert f.get("app") == "app" and f.get("framework") == "flask" and f.source_line == 1
    entry = write(tmp_path / "entry", {"vercel.json": "{}", "src/main.py": flask, "src/util.py": flask})
    (f,) = entry.functions
    assert (f.name, f.handler_path, f.handler_callable, f.handler_line) == ("/", "src/main.py", "app", 3)
    assert f.triggers == (Trigger("http", "vercel", None, None, None),)


def test_vercel_api_without_config(tmp_path):
    project = write(tmp_path, {
        "api/hello.py": "from http.server import BaseHTTPRequestHandler\n\nclass handler(BaseHTTPRequestHandler):\n    pass\n",
        "api/helpers.py": "def add(a, b):\n    return a + b\n",
        "api/_private.py": "from http.server import BaseHTTPRequestHandler\n\nclass handler(BaseHTTPRequestHandler):\n    pass\n",
    })
    (f,) = project.functions
    assert (f.name, f.platform, f.handler_callable, f.source_path) == ("/api/hello", "vercel", "handler", None)
    assert f.get("vercel_config") is False


def test_wrangler_js_main_and_missing_module(tmp_path):
    js = write(tmp_path / "js", {"wrangler.toml": 'name = "js"\nmain = "src/index.ts"\n', "src/x.py": "x = 1\n"})
    assert js.functions == [] and js.docs[0].error is None
    missing = write(tmp_path / "m", {"wrangler.json": '{"name": "w", "main": "src/gone.py"}'})
    (f,) = missing.functions
    assert f.handler_path is None and f.handler_callable is None and f.handler_module == "src/gone.py"


def test_cloudflare_convention_needs_worker_imports(tmp_path):
    project = write(tmp_path, {
        "a.py": "async def on_fetch(request):\n    return None\n",
        "b.py": "from workers import WorkerEntrypoint\n\nclass Api(WorkerEntrypoint):\n    async def fetch(self, request):\n        return None\n",
    })
    assert [(f.name, f.runtime_class, f.handler_line) for f in project.functions] == [("b.py:Api.fetch", "edge", 4)]


def test_cdk_import_styles_and_cdk_json_folder(tmp_path):
    stack = (
        "from aws_cdk import Stack, Duration\n"
        "import aws_cdk.aws_lambda as _lambda\n"
        "from aws_cdk.aws_lambda import Function, Runtime, Code\n\n"
        "class S(Stack):\n"
        "    def __init__(self, scope, cid):\n"
        "        super().__init__(scope, cid)\n"
        "        Function(self, 'A', runtime=Runtime.PYTHON_3_12, handler='a.handler', code=Code.from_asset('functions'),\n"
        "                 timeout=Duration.minutes(2), memory_size=MEM)\n"
        "        _lambda.Function(self, 'B', runtime=_lambda.Runtime('python3.13'), handler='b.main',\n"
        "                         code=_lambda.Code.from_asset('../functions'))\n"
        "        _lambda.Function(self, 'C', runtime=_lambda.Runtime.PYTHON_3_12, handler='c.handler',\n"
        "                         code=_lambda.Code.from_bucket(bucket, 'c.zip'))\n"
    )
    project = write(tmp_path, {
        "cdk.json": '{"app": "python3 infra/app.py"}',
        "infra/app.py": "import aws_cdk as cdk\nfrom stack import S\napp = cdk.App()\n",
        "infra/stack.py": stack,
        "functions/a.py": LAMBDA,
        "functions/b.py": "def main(event, context):\n    return 1\n",
    })
    fns = by_name(project)
    assert fns["A"].handler_path == "functions/a.py"  # relative to the cdk.json folder
    assert (fns["A"].timeout_s, fns["A"].memory_mb, fns["A"].get("memory_expr")) == (120, None, "MEM")
    assert fns["B"].handler_path == "functions/b.py" and fns["B"].runtime == "python3.13"  # file-relative
    assert fns["C"].handler_path is None and fns["C"].get("code_location") == "from_bucket"
    # handler files named by the CDK app are not convention functions a second time
    assert [f.name for f in project.functions_for("functions/a.py")] == ["A"]


def test_render_table_and_json():
    project = load("serverless_framework")
    table = render_table(project.functions)
    lines = table.splitlines()
    assert lines[0].split() == ["NAME", "PLATFORM", "CLASS", "TRIGGERS", "TIMEOUT", "MEMORY", "CONCURRENCY", "HANDLER"]
    assert lines[1].split() == ["getUser", "aws-lambda", "serverless", "http:api-gateway-rest(29s)", "20s",
                                "512MB", "5", "src/handlers/users.py:get:10"]
    handler_col = lines[0].index("HANDLER")
    assert all(line[handler_col - 2:handler_col] == "  " for line in lines[1:])
    assert "(6s)" in table  # default that applies, in parentheses
    assert "<not found: src/handlers/gone>" in table
    assert render_table([]) == "No functions found.\n"
    data = to_json(project.functions)
    json.dumps(data)
    first = data[0]
    assert list(first) == ["name", "platform", "runtime_class", "triggers", "timeout_s", "memory_mb",
                           "concurrency", "runtime", "handler", "source"]
    assert first["triggers"] == [{"kind": "http", "detail": "api-gateway-rest", "limit_s": 29, "partial_batch": None}]
    assert first["handler"] == {"path": "src/handlers/users.py", "callable": "get", "line": 10,
                                "module": "src/handlers/users"}
    assert first["source"] == {"path": "serverless.yml", "line": 22}
    assert data[-1]["source"] is None  # the convention function


def test_trees_are_only_asked_for_files_that_can_matter(tmp_path):
    """A lazy ``trees`` mapping (as the engine passes) is never iterated, and a module with no
    hint of any convention or CDK import is never asked for."""
    import ast
    from collections.abc import Mapping

    from sls_lint.project import build_project
    from test_project_support import discover

    (tmp_path / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "fn.py").write_text(LAMBDA)
    files, trees = discover(str(tmp_path))
    asked: list[str] = []

    class Lazy(Mapping):
        def __getitem__(self, key):
            asked.append(key)
            return trees[key]

        def __iter__(self):
            raise AssertionError("trees must not be iterated")

        def __len__(self):
            return len(trees)

        def __contains__(self, key):
            return key in trees

    project = build_project(str(tmp_path), files, Lazy())
    assert [f.name for f in project.functions] == ["fn.py:handler"]
    assert asked == ["fn.py"]
    assert isinstance(trees["plain.py"], ast.Module)
