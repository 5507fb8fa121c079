"""SLS602 write-outside-tmp, SLS604 background-work-after-return, SLS605 unbounded-presigned-url and
SLS606 request-data-in-global beyond their VALID/INVALID cases: several rules at once, projects
of several modules, platforms, options, messages and the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sls_lint.rule import Case
from ruleharness import run_case

WRANGLER = 'name = "api"\nmain = "handler.py"\ncompatibility_flags = ["python_workers"]\n'
WORKER = "from workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n"


def _found(tmp_path: Path, case: Case, *codes: str):
    result = run_case(tmp_path, case, select=codes)
    return [d for d in result.diagnostics if d.code in codes]


# ---------------------------------------------------------------------------------------- SLS602
def test_sls602_and_sls303_do_not_both_report_an_edge_write(tmp_path):
    code = WORKER + "        with open('visits.log', 'a') as fh:\n            fh.write('x')\n        return Response('ok')\n"
    found = _found(tmp_path, Case(code, files={"wrangler.toml": WRANGLER}), "SLS602", "SLS303")
    assert [d.code for d in found] == ["SLS303"]


def test_sls602_same_write_in_lambda_is_sls602_only(tmp_path):
    code = "def handler(event, context):\n    with open('visits.log', 'a') as fh:\n        fh.write('x')\n"
    found = _found(tmp_path, Case(code), "SLS602", "SLS303")
    assert [(d.code, d.line) for d in found] == [("SLS602", 2)]
    assert "Lambda's file system is read-only except /tmp" in found[0].message


def test_sls602_module_level_write_in_an_imported_module_names_the_chain(tmp_path):
    files = {
        "lib/log.py": "import logging\n\nlogging.getLogger().addHandler(logging.FileHandler('logs/app.log'))\n",
        "handler.py": "from lib import log\n\ndef handler(event, context):\n    return event\n",
    }
    found = _found(tmp_path, Case(files["lib/log.py"], path="lib/log.py", files=files), "SLS602")
    assert len(found) == 1 and found[0].path == "lib/log.py" and found[0].line == 3
    assert "at import, in every cold start of `handler.py:handler` (handler.py → lib/log.py)" in found[0].message


def test_sls602_write_through_a_helper_in_another_module(tmp_path):
    files = {
        "store.py": "import json\n\nDATA_DIR = 'data'\n\ndef save(name, obj):\n    with open(f'{DATA_DIR}/{name}.json', 'w') as fh:\n        json.dump(obj, fh)\n",
        "handler.py": "from store import save\n\ndef handler(event, context):\n    save(event['id'], event)\n",
    }
    found = _found(tmp_path, Case(files["store.py"], path="store.py", files=files), "SLS602")
    assert len(found) == 1 and found[0].line == 6
    assert "`data/…` (relative to the working directory" in found[0].message
    assert "handler → store.save" in found[0].message or "handler → save" in found[0].message


def test_sls602_gcp_function(tmp_path):
    code = ("import functions_framework\n\n@functions_framework.http\ndef hello(request):\n"
            "    with open('counter.txt', 'w') as fh:\n        fh.write('1')\n    return 'ok'\n")
    found = _found(tmp_path, Case(code, path="main.py"), "SLS602")
    assert len(found) == 1 and "Cloud Functions can write only under /tmp" in found[0].message


def test_sls602_paths_the_rule_cannot_resolve_are_not_reported(tmp_path):
    code = ("import os\n\ndef handler(event, context):\n"
            "    base = os.environ.get('OUT_DIR')\n"
            "    with open(os.path.join(base, 'x.txt'), 'w') as fh:\n        fh.write('x')\n"
            "    with open(event['target'], 'w') as fh:\n        fh.write('x')\n"
            "    with open(f\"{context.function_name}.log\", 'a') as fh:\n        fh.write('x')\n")
    assert _found(tmp_path, Case(code), "SLS602") == []


def test_sls602_sqlite_written_through_a_cursor(tmp_path):
    code = ("import sqlite3\n\ndef handler(event, context):\n    conn = sqlite3.connect('cache.db')\n"
            "    cur = conn.cursor()\n    cur.execute('CREATE TABLE IF NOT EXISTS t (x)')\n    return None\n")
    found = _found(tmp_path, Case(code), "SLS602")
    assert [d.line for d in found] == [4]
    readonly = code.replace("'cache.db'", "'file:cache.db?mode=ro', uri=True")
    assert _found(tmp_path, Case(readonly), "SLS602") == []


# ---------------------------------------------------------------------------------------- SLS604
def test_sls604_threads_in_an_edge_function_are_sls301s_business(tmp_path):
    code = "import threading\n" + WORKER + "        threading.Thread(target=print).start()\n        return Response('ok')\n"
    assert _found(tmp_path, Case(code, files={"wrangler.toml": WRANGLER}), "SLS604") == []


def test_sls604_thread_started_in_a_helper_module(tmp_path):
    files = {
        "notify.py": "import threading\n\ndef send_later(msg):\n    t = threading.Thread(target=print, args=(msg,))\n    t.start()\n",
        "handler.py": "from notify import send_later\n\ndef handler(event, context):\n    send_later(event['msg'])\n    return {}\n",
    }
    found = _found(tmp_path, Case(files["notify.py"], path="notify.py", files=files), "SLS604")
    assert [d.line for d in found] == [5] and "never joined" in found[0].message


def test_sls604_task_passed_to_a_list_that_is_gathered_is_fine(tmp_path):
    code = ("import asyncio\n\nasync def one(x):\n    return x\n\nasync def handler(event, context):\n"
            "    pending = []\n    for r in event['Records']:\n        task = asyncio.create_task(one(r))\n        pending.append(task)\n"
            "    return await asyncio.gather(*pending)\n")
    assert _found(tmp_path, Case(code), "SLS604") == []


def test_sls604_module_level_set_gathered_elsewhere_is_fine(tmp_path):
    code = ("import asyncio\n\nPENDING = set()\n\nasync def one(x):\n    return x\n\nasync def drain():\n    await asyncio.gather(*PENDING)\n\n"
            "async def handler(event, context):\n    task = asyncio.create_task(one(event))\n    PENDING.add(task)\n    await drain()\n    return {}\n")
    assert _found(tmp_path, Case(code), "SLS604") == []


# ---------------------------------------------------------------------------------------- SLS605
S3 = "import boto3\n\ns3 = boto3.client('s3')\n\n"


def test_sls605_one_finding_lists_every_problem(tmp_path):
    code = S3 + ("def handler(event, context):\n    name = event['queryStringParameters']['name']\n"
                 "    return s3.generate_presigned_post('b', 'up/' + name, ExpiresIn=30 * 86400)\n")
    found = _found(tmp_path, Case(code), "SLS605")
    assert len(found) == 1
    msg = found[0].message
    assert "beyond the 7-day maximum" in msg and "content-length-range" in msg and "caller's file name (`event['queryStringParameters']['name']`)" in msg


def test_sls605_option_lowers_the_limit_and_bad_option_is_a_usage_error(tmp_path):
    code = S3 + "def handler(event, context):\n    return s3.generate_presigned_url('get_object', Params={'Bucket': 'b', 'Key': 'k'}, ExpiresIn=1800)\n"
    assert _found(tmp_path / "a", Case(code), "SLS605") == []
    found = _found(tmp_path / "b", Case(code, options={"presign-max-seconds": 600}), "SLS605")
    assert len(found) == 1 and "above `presign-max-seconds` (600 s)" in found[0].message
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "handler.py").write_text(code)
    (tmp_path / "c" / "pyproject.toml").write_text('[tool.sls-lint]\npresign-max-seconds = "long"\n')
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "."], cwd=tmp_path / "c", capture_output=True, text=True)
    assert p.returncode == 2 and "presign-max-seconds" in p.stderr and "Traceback" not in p.stderr


def test_sls605_key_from_a_fastapi_route_parameter(tmp_path):
    code = ("import boto3\nfrom fastapi import FastAPI\n\napp = FastAPI()\ns3 = boto3.client('s3')\n\n@app.post('/upload/{filename}')\n"
            "def upload(filename: str):\n    key = f'uploads/{filename}'\n"
            "    return {'url': s3.generate_presigned_url('put_object', Params={'Bucket': 'b', 'Key': key, 'ContentType': 'image/png'}, ExpiresIn=300)}\n")
    found = _found(tmp_path, Case(code, path="api/index.py", files={"vercel.json": "{}"}), "SLS605")
    assert len(found) == 1 and "caller's file name (`filename`)" in found[0].message


# ---------------------------------------------------------------------------------------- SLS606
def test_sls606_json_output_through_the_cli(tmp_path):
    (tmp_path / "handler.py").write_text("SEEN = {}\n\ndef handler(event, context):\n    SEEN[event['id']] = event\n    return len(SEEN)\n")
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--select", "SLS606", "--format", "json", "."], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    diags = json.loads(p.stdout)["diagnostics"]
    assert [(d["code"], d["line"], d["function"]) for d in diags] == [("SLS606", 4, "handler.py:handler")]
    assert diags[0]["fix"] is None


def test_sls606_value_derived_through_locals(tmp_path):
    code = ("LAST = {}\n\ndef handler(event, context):\n    body = event.get('body') or '{}'\n    token = body.strip()\n"
            "    LAST['token'] = token\n    return {}\n")
    found = _found(tmp_path, Case(code), "SLS606")
    assert [d.line for d in found] == [6] and "(`token`)" in found[0].message


def test_sls606_local_shadowing_a_module_container_is_not_reported(tmp_path):
    code = "ITEMS = []\n\ndef handler(event, context):\n    ITEMS = []\n    ITEMS.append(event)\n    return ITEMS\n"
    assert _found(tmp_path, Case(code), "SLS606") == []
    assert [d.line for d in _found(tmp_path, Case(code.replace("    ITEMS = []\n    ITEMS", "    ITEMS")), "SLS606")] == [4]
