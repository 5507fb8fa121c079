"""The migration advisor: verdicts on fixture projects of every platform (through the real CLI),
JSON shape, HTML escaping, and generated plan skeletons that pass `sls-lint check`."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sls_lint.advise import advise
from sls_lint.advise.model import AdviceReport, ColdStart, Evidence, FunctionAdvice, Location, Plan, PlanFile, Step
from sls_lint.advise.report import SCHEMA_VERSION, render_html, render_json, render_markdown, to_dict
from sls_lint.config import load_config
from sls_lint.rule import all_options

FIXTURES = Path(__file__).parent / "fixtures" / "advise"
EXE = [sys.executable, "-m", "sls_lint.cli"]


def run_cli(args, cwd):
    return subprocess.run([*EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def advise_json(project: str, target: str | None = None) -> dict:
    args = ["advise", "--format", "json"] + (["--target", target] if target else [])
    proc = run_cli(args, FIXTURES / project)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def by_name(payload: dict) -> dict[str, dict]:
    return {f["name"]: f for f in payload["functions"]}


# ------------------------------------------------------------------ verdicts per platform
@pytest.mark.parametrize(
    "project, expected",
    [
        ("lambda_sls", {"ping": "edge", "orders": "serverless", "worker": "serverless"}),
        ("sam", {"QuoteFunction": "edge", "TranscodeFunction": "server"}),
        ("vercel_fastapi", {"/api/hello": "edge", "/api/chat": "server"}),
        ("cloudflare", {"edge-greeter": "edge"}),
        ("cloudflare_socket", {"edge-db": "serverless"}),
        ("gcp", {"main.py:greet": "serverless", "main.py:on_upload": "serverless"}),
        ("azure", {"function_app.py:users": "serverless", "function_app.py:process_order": "serverless"}),
        ("server_jobs", {"follower": "server", "connect": "serverless"}),
    ],
)
def test_verdicts(project, expected):
    fns = by_name(advise_json(project))
    assert {n: f["verdict"] for n, f in fns.items()} == expected


def test_evidence_names_what_decided():
    fns = by_name(advise_json("lambda_sls"))
    orders = fns["orders"]
    deciding = [orders["evidence"][i] for i in orders["deciding_evidence"]]
    assert any(e["kind"] == "database" and e["subject"] == "psycopg2.connect" for e in deciding)
    assert any(e["kind"] == "socket-driver" and e["location"] == {"path": "src/orders.py", "line": 4} for e in deciding)
    worker = fns["worker"]
    assert any(e["kind"] == "trigger" and e["subject"] == "sqs" for e in (worker["evidence"][i] for i in worker["deciding_evidence"]))
    assert fns["ping"]["reason"].startswith("lightweight request-path work")


def test_server_evidence():
    sam = by_name(advise_json("sam"))["TranscodeFunction"]
    assert any(e["kind"] == "cpu-heavy" and e["subject"] == "ffmpeg" for e in sam["evidence"])
    chat = by_name(advise_json("vercel_fastapi"))["/api/chat"]
    assert {e["kind"] for e in chat["evidence"]} >= {"websocket-server"}
    follower = by_name(advise_json("server_jobs"))["follower"]
    kinds = {e["kind"] for e in follower["evidence"]}
    assert {"websocket", "persistent-loop", "persistent-connection"} <= kinds


def test_timeout_past_platform_maximum_is_server(tmp_path):
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  long:\n    handler: job.handler\n    timeout: 1800\n    events:\n      - schedule: rate(1 hour)\n"
    )
    (tmp_path / "job.py").write_text("def handler(event, context):\n    return 1\n")
    payload = json.loads(run_cli(["advise", "--format", "json"], tmp_path).stdout)
    fn = payload["functions"][0]
    assert fn["verdict"] == "server"
    assert any(e["kind"] == "config" and e["subject"] == "timeout=1800" for e in fn["evidence"])


def test_cold_start_contributors():
    fns = by_name(advise_json("azure"))
    cold = fns["function_app.py:users"]["cold_start"]
    assert cold["contributors"][0]["module"] == "pymongo"
    assert cold["total_ms"] >= cold["contributors"][0]["ms"] > 0


def test_lazy_import_is_not_cold_start(tmp_path):
    (tmp_path / "handler.py").write_text(
        "def handler(event, context):\n    import pandas\n    return pandas.__name__\n"
    )
    payload = json.loads(run_cli(["advise", "--format", "json"], tmp_path).stdout)
    fn = payload["functions"][0]
    assert fn["cold_start"]["total_ms"] == 0
    assert not any(e["kind"] == "heavy-import" for e in fn["evidence"])


# ------------------------------------------------------------------ targets and blockers
def test_target_edge_blockers_are_concrete():
    fns = by_name(advise_json("cloudflare_socket", "edge"))
    steps = fns["edge-db"]["steps"]
    blockers = [s for s in steps if s["category"] == "blocker"]
    assert any("psycopg2" in s["text"] and "Hyperdrive" in s["text"] and s["location"] == {"path": "src/entry.py", "line": 1} for s in blockers)
    # already on the edge: no entry-point rewrite
    assert not any(s["action"] == "rewrite-entrypoint" for s in steps)


def test_target_edge_from_lambda_includes_entrypoint_and_mechanical_rewrite():
    quote = by_name(advise_json("sam", "edge"))["QuoteFunction"]
    actions = [s["action"] for s in quote["steps"]]
    assert "rewrite-entrypoint" in actions and "set-config" in actions
    assert any(s["action"] == "replace-call" and "requests.get" in s["text"] and "fetch" in s["text"] for s in quote["steps"])


def test_target_serverless_from_server():
    follower = by_name(advise_json("server_jobs", "serverless"))["follower"]
    texts = [s["text"] for s in follower["steps"] if s["category"] == "blocker"]
    assert any("endless loop" in t for t in texts)


def test_fix_command_lists_auto_fixable_codes(tmp_path):
    (tmp_path / "handler.py").write_text(
        "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"
    )
    payload = json.loads(run_cli(["advise", "--format", "json", "--target", "serverless", "."], tmp_path).stdout)
    fn = payload["functions"][0]
    step = next(s for s in fn["steps"] if s["code"] == "SLS101")
    assert step["auto_fix"] == "safe"
    safe = [c for c in payload["fix_commands"] if not c["unsafe"]]
    assert safe and "SLS101" in safe[0]["codes"] and safe[0]["command"].startswith("sls-lint check --fix --select ")
    # the command does what it says
    cmd = safe[0]["command"].split()[1:]
    assert run_cli(cmd, tmp_path).returncode in (0, 1)
    assert "s3 = boto3.client('s3')\n\ndef handler" in (tmp_path / "handler.py").read_text()


# ------------------------------------------------------------------ plans
def _plans(project_files: dict[str, str], tmp_path: Path) -> list[dict]:
    for rel, text in project_files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    payload = json.loads(run_cli(["advise", "--format", "json"], tmp_path).stdout)
    return [p for f in payload["functions"] for p in f["plans"]]


UPLOAD_LAMBDA = {
    "serverless.yml": "service: media\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  resizeUpload:\n    handler: src/uploads.resize\n    events:\n      - http:\n          path: /uploads\n          method: post\n",
    "src/uploads.py": "import base64\nimport io\n\nfrom PIL import Image\n\n\ndef resize(event, context):\n    image = Image.open(io.BytesIO(base64.b64decode(event['body'])))\n    image.thumbnail((64, 64))\n    return {'statusCode': 201}\n",
}
POLL_LAMBDA = {
    "serverless.yml": "service: jobs\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  waitReport:\n    handler: src/report.handler\n    events:\n      - httpApi:\n          path: /report\n          method: post\n",
    "src/report.py": "import time\n\n\ndef handler(event, context):\n    time.sleep(5)\n    return {'statusCode': 200}\n",
}
UPLOAD_GCP = {"main.py": "import functions_framework\nfrom PIL import Image\n\n\n@functions_framework.http\ndef upload(request):\n    image = Image.open(request.files['file'])\n    return str(image.size)\n"}
POLL_AZURE = {
    "host.json": "{\"version\": \"2.0\"}",
    "function_app.py": "import time\n\nimport azure.functions as func\n\napp = func.FunctionApp()\n\n\n@app.route(route='wait')\ndef wait(req: func.HttpRequest) -> func.HttpResponse:\n    time.sleep(3)\n    return func.HttpResponse('done')\n",
}
UPLOAD_VERCEL = {
    "vercel.json": "{}",
    "api/upload.py": "from fastapi import FastAPI, UploadFile\nimport pandas\n\napp = FastAPI()\n\n\n@app.post('/api/upload')\nasync def upload(file: UploadFile):\n    frame = pandas.read_csv(file.file)\n    return {'rows': len(frame)}\n",
}


@pytest.mark.parametrize(
    "files, kind",
    [(UPLOAD_LAMBDA, "presigned-upload"), (POLL_LAMBDA, "queue-offload"), (UPLOAD_GCP, "presigned-upload"), (POLL_AZURE, "queue-offload"), (UPLOAD_VERCEL, "presigned-upload")],
    ids=["lambda-upload", "lambda-poll", "gcp-upload", "azure-poll", "vercel-upload"],
)
def test_plan_skeletons_parse_and_pass_check(files, kind, tmp_path):
    plans = _plans(files, tmp_path / "project")
    assert [p["kind"] for p in plans] == [kind]
    plan = plans[0]
    assert plan["files"] and plan["steps"]
    out = tmp_path / "generated"
    for f in plan["files"]:
        if f["language"] == "python":
            ast.parse(f["content"])
        name = f["path"]
        if f["language"] == "yaml":
            name = str(Path(name).parent / "serverless.yml")  # the fragment as the project's deployment file
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f["content"])
    if (files.get("host.json")):
        (out / "host.json").write_text(files["host.json"])
    proc = run_cli(["check", "--format", "json", "."], out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["diagnostics"] == []
    # the check really runs on the skeletons: a missing timeout in one of them is found
    py = next(out.rglob("*.py"))
    py.write_text(py.read_text() + "\n\nimport requests\n\n\ndef handler(event, context):\n    return requests.get('https://example.com').text\n")
    assert run_cli(["check", "--format", "json", "."], out).returncode == 1


def test_upload_plan_names_the_processing(tmp_path):
    plan = _plans(UPLOAD_LAMBDA, tmp_path)[0]
    consumer = next(f for f in plan["files"] if "process_upload" in f["path"])
    assert "PIL.Image.open" in consumer["content"]
    yaml = next(f for f in plan["files"] if f["language"] == "yaml")
    assert "handler: src/resize_upload_process_upload.handler" in yaml["content"]


def test_no_upload_plan_for_storage_triggered_processing(tmp_path):
    files = {
        "serverless.yml": "service: media\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  thumbs:\n    handler: thumbs.handler\n    events:\n      - s3: uploads\n",
        "thumbs.py": "import base64\nimport io\n\nfrom PIL import Image\n\n\ndef handler(event, context):\n    for record in event['Records']:\n        Image.open(io.BytesIO(base64.b64decode(record['body'])))\n",
    }
    assert _plans(files, tmp_path) == []


# ------------------------------------------------------------------ reports
def _sample_report() -> AdviceReport:
    evil = "<script>alert('x')</script> & \"q\""
    fn = FunctionAdvice(
        name=evil, platform="aws-lambda", runtime_class="serverless", handler=f"{evil}.py:handler", triggers=(evil,),
        timeout_s=10, memory_mb=None, concurrency=None,
        cold_start=ColdStart(120.0, (), ("<img src=x onerror=alert(1)>",)), verdict="serverless", reason=evil,
        evidence=(Evidence("finding", evil, Location(f"{evil}.py", 3), code="SLS101"),), deciding=(0,),
        steps=(Step("blocker", "replace-call", evil, Location("a.py", 1), "SLS302", "unsafe"),),
        plans=(Plan("presigned-upload", evil, evil, "SLS601", (PlanFile(f"{evil}.py", evil, "python", "x = '</pre><script>'\n```\n"),), (evil,)),),
    )
    return AdviceReport("0.0.0", "edge", (fn,))


def test_html_escapes_everything():
    page = render_html(_sample_report())
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;" in page
    assert "</pre><script>" not in page
    assert 'class="bar"' in page and "width:100%" in page


def test_html_bar_scales_with_cost():
    base = _sample_report().functions[0]
    small = FunctionAdvice(**{**base.__dict__, "name": "small", "cold_start": ColdStart(30.0)})
    big = FunctionAdvice(**{**base.__dict__, "name": "big", "cold_start": ColdStart(300.0)})
    page = render_html(AdviceReport("0", None, (small, big)))
    assert "width:10%" in page and "width:100%" in page


def test_markdown_summary_first_and_fences_hold():
    md = render_markdown(_sample_report())
    lines = md.splitlines()
    table = next(i for i, l in enumerate(lines) if l.startswith("| function"))
    section = next(i for i, l in enumerate(lines) if l.startswith("## "))
    assert table < section
    row = lines[table + 2]
    assert row.count("|") - row.count("\\|") == 7  # six cells, escaped pipes do not split
    assert "````python" in md  # the content holds ``` so the fence is longer


EXPECTED_KEYS = {
    "top": {"version", "schema", "target", "summary", "functions", "fix_commands", "rules", "errors"},
    "function": {"name", "platform", "runtime_class", "handler", "triggers", "timeout_s", "memory_mb", "concurrency", "cold_start", "verdict", "reason", "evidence", "deciding_evidence", "steps", "plans"},
    "cold_start": {"total_ms", "source", "note", "unmeasured", "contributors"},
    "evidence": {"kind", "summary", "location", "code", "subject", "points_to", "blocks", "mechanical"},
    "step": {"category", "action", "text", "location", "code", "auto_fix"},
    "plan": {"kind", "function", "reason", "code", "steps", "files"},
    "file": {"path", "purpose", "language", "content"},
}


def test_json_shape_is_stable():
    payload = advise_json("lambda_sls", "edge")
    assert set(payload) == EXPECTED_KEYS["top"] and payload["schema"] == SCHEMA_VERSION
    assert set(payload["summary"]) == {"edge", "serverless", "server", "unknown"}
    for fn in payload["functions"]:
        assert set(fn) == EXPECTED_KEYS["function"]
        assert fn["verdict"] in ("edge", "serverless", "server", "unknown")
        assert set(fn["cold_start"]) == EXPECTED_KEYS["cold_start"]
        for e in fn["evidence"]:
            assert set(e) == EXPECTED_KEYS["evidence"]
        for s in fn["steps"]:
            assert set(s) == EXPECTED_KEYS["step"] and s["category"] in ("blocker", "recommended")
        for p in fn["plans"]:
            assert set(p) == EXPECTED_KEYS["plan"]
            for f in p["files"]:
                assert set(f) == EXPECTED_KEYS["file"]
    # the CLI prints exactly what the library renders (the rule list is left out: this process
    # caches the rule registry while rule modules may be added to the checkout)
    config = load_config(None, start=str(FIXTURES / "lambda_sls"), rule_options=all_options(), overrides={})
    library = json.loads(render_json(advise(["."], config, cwd=str(FIXTURES / "lambda_sls"), target="edge")))
    assert {k: v for k, v in payload.items() if k != "rules"} == {k: v for k, v in library.items() if k != "rules"}


def test_docs_describe_every_json_key():
    doc = (Path(__file__).parent.parent / "docs" / "advise.md").read_text()
    for keys in EXPECTED_KEYS.values():
        for k in keys:
            assert f"`{k}`" in doc, k


# ------------------------------------------------------------------ CLI
@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_cli_formats(fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    proc = run_cli(["advise", "--format", fmt, "--target", "serverless", "-o", str(out)], FIXTURES / "lambda_sls")
    assert proc.returncode == 0, proc.stderr
    assert "orders" in out.read_text()


def test_cli_bad_input():
    proc = run_cli(["advise", "does-not-exist"], FIXTURES / "lambda_sls")
    assert proc.returncode == 2 and "path does not exist" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(["advise", "--target", "moon"], FIXTURES / "lambda_sls")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_only_functions_under_the_given_paths():
    proc = run_cli(["advise", "--format", "json", "tests/fixtures/advise/sam"], Path(__file__).parent.parent)
    names = {f["name"] for f in json.loads(proc.stdout)["functions"]}
    assert names == {"QuoteFunction", "TranscodeFunction"}
