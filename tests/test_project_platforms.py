"""The project model, one fixture project per platform: exact Function fields."""
from __future__ import annotations

from sls_lint.core import Function, Trigger, freeze
from test_project_support import by_name, load

REST = Trigger("http", "api-gateway-rest", 29, None, None)


def fn(**kw) -> Function:
    kw["extra"] = freeze(kw.get("extra", {}))
    kw["triggers"] = tuple(kw.get("triggers", ()))
    return Function(**kw)


# -- Serverless Framework ----------------------------------------------------------------------
def test_serverless_framework_functions():
    project = load("serverless_framework")
    fns = by_name(project)
    assert list(fns) == ["getUser", "listUsers", "processQueue", "nightly", "missing", "src/util.py:handler"]
    sls_extra = {"default_timeout_s": 6, "default_memory_mb": 1024, "tracing": True}
    assert fns["getUser"] == fn(
        name="getUser", platform="aws-lambda", runtime_class="serverless",
        handler_path="src/handlers/users.py", handler_callable="get", handler_line=10,
        triggers=[Trigger("http", "api-gateway-rest", 29, None, 27)],
        timeout_s=20, memory_mb=512, concurrency=5, runtime="python3.12",
        source_path="serverless.yml", source_line=22, handler_module="src/handlers/users",
        extra={**sls_extra, "keypath": ("functions", "getUser")},
    )
    assert fns["listUsers"] == fn(
        name="listUsers", platform="aws-lambda", runtime_class="serverless",
        handler_path="src/handlers/users.py", handler_callable="list_users", handler_line=18,
        triggers=[Trigger("http", "http-api", 30, None, 33)],
        timeout_s=10, memory_mb=512, concurrency=None, runtime="python3.12",
        source_path="serverless.yml", source_line=30, handler_module="src/handlers/users",
        extra={**sls_extra, "keypath": ("functions", "listUsers")},
    )
    q = fns["processQueue"]
    assert (q.timeout_s, q.memory_mb) == (20, 1024)  # ${self:custom.workerTimeout} -> apiTimeout -> 20
    assert q.triggers == (
        Trigger("sqs", "!GetAtt UsersQueue.Arn", None, True, 39),
        Trigger("dynamodb", "arn:aws:dynamodb:eu-west-1:123456789012:table/users/stream/2024-01-01T00:00:00.000",
                None, False, 44),
    )
    assert (q.handler_path, q.handler_callable, q.handler_line) == ("src/workers/queue.py", "handler", 9)


def test_serverless_unresolvable_timeout_and_other_events():
    fns = by_name(load("serverless_framework"))
    nightly = fns["nightly"]
    assert nightly.timeout_s is None  # ${ssm:...} stays unresolved
    assert nightly.get("timeout_expr") == "${ssm:/users/nightly-timeout}"
    assert nightly.get("default_timeout_s") == 6
    assert [(t.kind, t.detail) for t in nightly.triggers] == [
        ("schedule", "rate(1 day)"), ("s3", "uploads-bucket"), ("sns", "user-events"),
        ("eventbridge", None), ("http", "function-url"),
    ]
    assert nightly.http_limit_s is None


def test_serverless_missing_module_and_non_python():
    fns = by_name(load("serverless_framework"))
    missing = fns["missing"]
    assert missing.handler_path is None and missing.handler_module == "src/handlers/gone"
    assert missing.handler_callable == "handler" and missing.handler_line is None
    assert "nodeThing" not in fns  # nodejs runtime yields nothing


def test_serverless_convention_fills_in_unnamed_files_but_not_tests():
    project = load("serverless_framework")
    util = by_name(project)["src/util.py:handler"]
    assert util.source_path is None and util.get("convention") is True
    assert util.get("default_timeout_s") == 3
    assert not project.functions_for("tests/fakes.py")
    assert [f.name for f in project.functions_for("src/handlers/users.py")] == ["getUser", "listUsers"]


def test_serverless_doc_locate():
    doc = load("serverless_framework").docs[0]
    assert doc.kind == "serverless" and doc.error is None
    assert doc.locate("functions", "getUser", "timeout") == (24, 5)
    assert doc.locate("provider", "timeout") == (15, 3)
    assert doc.locate("functions", "processQueue", "events", 0) == (39, 9)
    assert doc.locate("functions", "nope") is None
    assert doc.get("custom", "apiTimeout") == 20


# -- SAM ---------------------------------------------------------------------------------------
def test_sam_functions():
    fns = by_name(load("sam"))
    assert list(fns) == ["HelloWorldFunction", "OrdersApiFunction", "OrdersWorkerFunction", "InlineFunction"]
    sam_extra = {"default_timeout_s": 3, "default_memory_mb": 128, "tracing": "Active", "sam": True}
    assert fns["HelloWorldFunction"] == fn(
        name="HelloWorldFunction", platform="aws-lambda", runtime_class="serverless",
        handler_path="hello_world/app.py", handler_callable="lambda_handler", handler_line=4,
        triggers=[Trigger("http", "api-gateway-rest", 29, None, 29)],
        timeout_s=15, memory_mb=256, concurrency=None, runtime="python3.11",
        source_path="template.yaml", source_line=23, handler_module="app",
        extra={**sam_extra, "keypath": ("Resources", "HelloWorldFunction")},
    )
    api = fns["OrdersApiFunction"]
    assert (api.handler_path, api.handler_callable, api.handler_module) == (
        "orders/handlers/api.py", "handler", "handlers.api")
    assert (api.timeout_s, api.memory_mb, api.concurrency) == (25, 256, 10)
    assert [(t.kind, t.detail, t.limit_s) for t in api.triggers] == [
        ("http", "http-api", 30), ("http", "function-url", None)]
    assert api.http_limit_s == 30 and api.budget_s == 25
    worker = fns["OrdersWorkerFunction"]
    assert worker.triggers == (
        Trigger("sqs", "!GetAtt OrdersQueue.Arn", None, True, 58),
        Trigger("schedule", "cron(0 3 * * ? *)", None, None, 65),
        Trigger("dynamodb", "!GetAtt OrdersTable.StreamArn", None, False, 69),
    )
    assert (worker.memory_mb, worker.handler_line) == (1024, 10)


def test_sam_inline_code_and_non_python():
    fns = by_name(load("sam"))
    inline = fns["InlineFunction"]
    assert inline.handler_path is None and inline.get("inline") is True
    assert inline.get("inline_line") == 80  # first line of the code block
    assert inline.runtime == "python3.11"  # from Globals
    assert "NodeFunction" not in fns


def test_sam_doc_keeps_tags_inert():
    from sls_lint.project import Tagged

    doc = load("sam").docs[0]
    assert doc.get("Resources", "OrdersTable", "Properties", "TableName") == Tagged("!Sub", "orders-${Stage}")
    assert doc.get("Resources", "OrdersQueue", "Properties", "VisibilityTimeout") == Tagged("!If", ["IsProd", 180, 60])
    assert doc.locate("Resources", "OrdersApiFunction", "Properties", "Timeout") == (40, 7)


# -- CloudFormation JSON -----------------------------------------------------------------------
def test_cloudformation_json_functions():
    project = load("cloudformation_json")
    fns = by_name(project)
    assert list(fns) == ["ThumbnailFunction", "PingFunction"]
    assert fns["ThumbnailFunction"] == fn(
        name="ThumbnailFunction", platform="aws-lambda", runtime_class="serverless",
        handler_path="src/thumbs.py", handler_callable="handler", handler_line=9,
        triggers=[Trigger("sqs", "!GetAtt ThumbnailQueue.Arn", None, False, 17)],
        timeout_s=60, memory_mb=2048, concurrency=3, runtime="python3.12",
        source_path="template.json", source_line=5, handler_module="thumbs",
        extra={"default_timeout_s": 3, "default_memory_mb": 128, "keypath": ("Resources", "ThumbnailFunction")},
    )
    ping = fns["PingFunction"]
    assert ping.handler_path is None and ping.get("inline") is True
    assert [(t.kind, t.detail) for t in ping.triggers] == [("http", "function-url"), ("schedule", "rate(5 minutes)")]
    assert ping.timeout_s is None and ping.get("default_timeout_s") == 3
    doc = project.docs[0]
    assert doc.locate("Resources", "ThumbnailFunction", "Properties", "Timeout") == (11, 9)


# -- CDK ---------------------------------------------------------------------------------------
def test_cdk_functions():
    project = load("cdk_python")
    fns = by_name(project)
    assert list(fns) == ["OrdersApi", "OrdersWorker", "NightlyReport", "PingHttp"]
    cdk_extra = {"default_timeout_s": 3, "default_memory_mb": 128, "construct": "Function"}
    assert fns["OrdersApi"] == fn(
        name="OrdersApi", platform="aws-lambda", runtime_class="serverless",
        handler_path="lambda/orders/api.py", handler_callable="handler", handler_line=4,
        triggers=[Trigger("http", "api-gateway-rest", 29, None, 35)],
        timeout_s=20, memory_mb=512, concurrency=20, runtime="python3.12",
        source_path="stacks/orders_stack.py", source_line=24, handler_module="api",
        extra={**cdk_extra, "keypath": ("OrdersApi",), "tracing": "Active"},
    )
    worker = fns["OrdersWorker"]
    assert worker.handler_path == "lambda/orders/worker.py"  # os.path.join(dirname(__file__), "..", ...)
    assert worker.timeout_s == 60
    assert worker.triggers == (Trigger("sqs", "queue", None, True, 45),)
    report = fns["NightlyReport"]
    assert (report.handler_path, report.handler_callable, report.handler_line) == (
        "lambda/report/report.py", "handler", 4)
    assert report.get("construct") == "PythonFunction"
    assert [t.kind for t in report.triggers] == ["schedule"]
    ping = fns["PingHttp"]
    assert ping.handler_path is None and ping.get("inline") is True and ping.get("inline_line") == 66
    assert ping.triggers == (Trigger("http", "http-api", 30, None, 69),)
    assert "NodeThing" not in fns
    # the CDK app entry file is neither a function nor a doc; the stack file is a cdk doc
    assert [(d.path, d.kind) for d in project.docs] == [("stacks/orders_stack.py", "cdk")]
    doc = project.docs[0]
    assert doc.locate("OrdersApi") == (24, 26)
    assert doc.locate("OrdersApi", "timeout") == (30, 13)
    assert doc.get("OrdersApi", "memory_size") == 512
    assert doc.get("OrdersWorker", "timeout") == "Duration.minutes(1)"


# -- Vercel ------------------------------------------------------------------------------------
def test_vercel_functions():
    fns = by_name(load("vercel"))
    assert list(fns) == ["/api", "/api/users/profile"]
    assert fns["/api"] == fn(
        name="/api", platform="vercel", runtime_class="serverless",
        handler_path="api/index.py", handler_callable="handler", handler_line=4,
        triggers=[Trigger("http", "vercel", 10, None, 8)],
        timeout_s=10, memory_mb=None, source_path="vercel.json", source_line=8,
        handler_module="api/index.py",
        extra={"handler_kind": "http.server", "vercel_config": True,
               "keypath": ("functions", "api/**/*.py"), "pattern": "api/**/*.py"},
    )
    profile = fns["/api/users/profile"]
    assert profile.handler_callable == "app" and profile.handler_line == 5
    assert profile.get("app") == "app" and profile.get("framework") == "fastapi"
    assert profile.triggers == (Trigger("http", "vercel", 30, None, 4),)  # first matching glob wins
    assert profile.memory_mb == 1024


# -- Cloudflare --------------------------------------------------------------------------------
def test_cloudflare_wrangler_toml():
    project = load("cloudflare_wrangler_toml")
    fns = by_name(project)
    assert list(fns) == ["hello-python-worker"]
    assert fns["hello-python-worker"] == fn(
        name="hello-python-worker", platform="cloudflare-workers", runtime_class="edge",
        handler_path="src/entry.py", handler_callable="Default.fetch", handler_line=5,
        triggers=[Trigger("http", "cloudflare", None, None, 3), Trigger("schedule", "*/30 * * * *", None, None, 14)],
        source_path="wrangler.toml", source_line=3, handler_module="src/entry.py",
        extra={"cpu_ms": 50, "python_workers_flag": True, "compatibility_date": "2024-03-20", "keypath": ("main",)},
    )
    doc = project.docs[0]
    assert doc.locate("limits", "cpu_ms") == (11, 1)
    assert doc.locate("limits") == (10, 1)


def test_cloudflare_wrangler_jsonc():
    project = load("cloudflare_wrangler_jsonc")
    fns = by_name(project)
    worker = fns["python-fetch-worker"]
    assert (worker.platform, worker.runtime_class) == ("cloudflare-workers", "edge")
    assert (worker.handler_path, worker.handler_callable, worker.handler_line) == ("src/worker.py", "on_fetch", 4)
    assert worker.triggers == (Trigger("http", "cloudflare", None, None, 8),)
    doc = project.docs[0]
    assert doc.error is None
    assert doc.get("vars", "GREETING") == "hi // not a comment"
    assert doc.locate("compatibility_flags", 0) == (11, 5)


# -- GCP / Azure -------------------------------------------------------------------------------
def test_gcp_functions():
    fns = by_name(load("gcp_functions"))
    assert list(fns) == ["main.py:hello_http", "main.py:on_upload"]
    assert fns["main.py:hello_http"] == fn(
        name="main.py:hello_http", platform="gcp-functions", runtime_class="serverless",
        handler_path="main.py", handler_callable="hello_http", handler_line=9,
        triggers=[Trigger("http", "gcp")], extra={"convention": True, "default_timeout_s": 60},
    )
    assert fns["main.py:on_upload"].triggers == (Trigger("other", "cloud-event"),)


def test_azure_functions():
    fns = by_name(load("azure_functions"))
    assert sorted(fns) == ["LegacyHttp/__init__.py:main", "function_app.py:cleanup",
                           "function_app.py:hello", "function_app.py:process_order"]
    assert fns["function_app.py:hello"] == fn(
        name="function_app.py:hello", platform="azure-functions", runtime_class="serverless",
        handler_path="function_app.py", handler_callable="hello", handler_line=9,
        triggers=[Trigger("http", "azure", 230)], timeout_s=600,  # host.json functionTimeout
        extra={"convention": True, "default_timeout_s": 300},
    )
    assert fns["function_app.py:process_order"].triggers == (Trigger("queue", "storage-queue"),)
    assert fns["function_app.py:cleanup"].triggers == (Trigger("schedule"),)
    legacy = fns["LegacyHttp/__init__.py:main"]
    assert legacy.triggers == (Trigger("http", "azure", 230),) and legacy.budget_s == 230


# -- conventions -------------------------------------------------------------------------------
def test_conventions_lambda():
    project = load("conventions_lambda")
    fns = by_name(project)
    assert sorted(fns) == ["functions/notify.py:handler", "functions/resize.py:lambda_handler",
                           "functions/wsgi_app.py:handler"]
    assert fns["functions/resize.py:lambda_handler"] == fn(
        name="functions/resize.py:lambda_handler", platform="aws-lambda", runtime_class="serverless",
        handler_path="functions/resize.py", handler_callable="lambda_handler", handler_line=6,
        extra={"convention": True, "default_timeout_s": 3, "default_memory_mb": 128},
    )
    wsgi = fns["functions/wsgi_app.py:handler"]
    assert wsgi.get("app") == "app" and wsgi.get("wraps_app") == "app" and wsgi.get("framework") == "flask"
    assert wsgi.trigger_kinds == ("http",)
    assert not project.functions_for("lib/tools.py")  # a method and a one-argument function
    assert not project.functions_for("tests/fakes.py")
    assert project.docs == []


def test_chalice():
    fns = by_name(load("chalice"))
    assert sorted(fns) == ["app.py:app", "app.py:handle_sqs_message", "app.py:hourly"]
    api = fns["app.py:app"]
    assert api == fn(
        name="app.py:app", platform="aws-lambda", runtime_class="serverless",
        handler_path="app.py", handler_callable="app", handler_line=5,
        triggers=[Trigger("http", "api-gateway-rest", 29)], timeout_s=30, memory_mb=256,
        extra={"convention": True, "default_timeout_s": 60, "default_memory_mb": 128,
               "framework": "chalice", "app": "app"},
    )
    sqs = fns["app.py:handle_sqs_message"]
    assert (sqs.timeout_s, sqs.memory_mb, sqs.concurrency) == (120, 256, 2)  # .chalice/config.json
    assert sqs.triggers == (Trigger("sqs", "todo-events"),)
    assert fns["app.py:hourly"].trigger_kinds == ("schedule",)


def test_mangum_fastapi():
    project = load("mangum_fastapi")
    fns = by_name(project)
    assert list(fns) == ["app/main.py:handler"]
    assert fns["app/main.py:handler"] == fn(
        name="app/main.py:handler", platform="aws-lambda", runtime_class="serverless",
        handler_path="app/main.py", handler_callable="handler", handler_line=12,
        triggers=[Trigger("http")],
        extra={"convention": True, "default_timeout_s": 3, "default_memory_mb": 128,
               "app": "app", "wraps_app": "app", "framework": "fastapi"},
    )
    assert not project.functions_for("app/server.py")  # a plain server app is not a function
