"""ASGI/WSGI apps as handlers: every route function of a deployed app runs per invocation,
wherever the route is declared (decorator, included router/blueprint, add_url_rule,
Starlette Route list, Django urls.py, class-based views, a Worker handing requests to FastAPI).
Checked through the CLI with SLS101 (a per-invocation rule): a client created in a route is
reported with the deployed function's name; the same code outside any route is not."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "real_world"


def run(args, cwd):
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def sls101(name: str, tmp_path: Path) -> set[tuple[str, int, str]]:
    dest = tmp_path / "p"
    shutil.copytree(FIXTURES / name, dest)
    p = run(["check", "--no-cache", "--select", "SLS101", "--format", "json", "."], dest)
    assert p.returncode in (0, 1), p.stderr
    return {(d["path"], d["line"], d["function"]) for d in json.loads(p.stdout)["diagnostics"]}


def functions(name: str) -> list[dict]:
    p = run(["functions", "--format", "json"], FIXTURES / name)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["functions"]


@pytest.mark.parametrize(
    "fixture, expected",
    [
        # Vercel zero-config api/index.py; routers included from other modules
        ("asgi/vercel_fastapi", {("api/routers/items.py", 12, "/api")}),
        # SAM `Handler: main.handler` where `handler = Mangum(app)`; include_router + add_api_route
        ("asgi/mangum_sam", {("app/main.py", 12, "ApiFunction"), ("app/routers/orders.py", 9, "ApiFunction")}),
        # serverless-wsgi: wsgi_handler.handler + custom.wsgi.app; Blueprint + MethodView.as_view
        ("asgi/flask_serverless_wsgi", {("app.py", 13, "api"), ("views/admin.py", 11, "api")}),
        # Django on Vercel: wsgi app -> every urls.py (function views and View.as_view())
        ("asgi/django_vercel", {("polls/views.py", 8, "/mysite/wsgi"), ("polls/views.py", 18, "/mysite/wsgi")}),
        # root main.py on Vercel: Starlette(routes=routes) with the Route list in another module
        ("asgi/starlette_vercel", {("routes.py", 7, "/")}),
        # Cloudflare: Default.fetch hands requests to the FastAPI app (asgi.fetch(app, ...))
        ("cloudflare/fastapi_json", {("src/worker.py", 21, "fastapi-worker")}),
        # Cloudflare: Default.scheduled is an entry point beside Default.fetch
        ("cloudflare/hello_jsonc", {("src/entry.py", 14, "hello-python")}),
    ],
)
def test_route_functions_are_handlers(fixture, expected, tmp_path):
    assert sls101(fixture, tmp_path) == expected


def test_functions_table_names_the_app():
    (fn,) = functions("asgi/flask_serverless_wsgi")
    assert fn["name"] == "api" and fn["handler"]["path"] == "app.py" and fn["handler"]["callable"] == "app"
    (fn,) = functions("asgi/mangum_sam")
    assert fn["handler"]["path"] == "app/main.py" and fn["handler"]["callable"] == "handler"


def _index(tmp_path: Path, files: dict[str, str]):
    from sls_lint.callgraph import ProjectIndex
    from sls_lint.engine import parse_module

    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return ProjectIndex(list(files), lambda p: parse_module(p, files[p]).model)


def test_unincluded_router_and_plain_helpers_are_not_routes(tmp_path):
    index = _index(
        tmp_path,
        {
            "main.py": "from fastapi import FastAPI\nfrom routers import used\napp = FastAPI()\napp.include_router(used.router)\n",
            "routers/__init__.py": "",
            "routers/used.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/')\ndef a():\n    pass\ndef helper():\n    pass\n",
            "routers/unused.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/')\ndef b():\n    pass\n",
        },
    )
    assert index.app_route_keys("main.py", {"app"}) == [("routers/used.py", "a")]


def test_nested_routers_and_reexports(tmp_path):
    index = _index(
        tmp_path,
        {
            "main.py": "from fastapi import FastAPI\nfrom api import api_router\napp = FastAPI()\napp.include_router(api_router, prefix='/v1')\n",
            "api/__init__.py": "from api.base import api_router\n",
            "api/base.py": "from fastapi import APIRouter\nfrom api.endpoints import users\napi_router = APIRouter()\napi_router.include_router(users.router)\n",
            "api/endpoints/__init__.py": "",
            "api/endpoints/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/me')\nasync def me():\n    pass\n",
        },
    )
    assert index.app_route_keys("main.py", {"app"}) == [("api/endpoints/users.py", "me")]


def test_flask_app_factory_and_class_views(tmp_path):
    index = _index(
        tmp_path,
        {
            "app.py": (
                "from flask import Flask\nfrom flask.views import MethodView\nfrom bp import bp\n"
                "class Items(MethodView):\n    def get(self):\n        pass\n    def post(self):\n        pass\n    def _private(self):\n        pass\n"
                "app = Flask(__name__)\napp.register_blueprint(bp)\napp.add_url_rule('/items', view_func=Items.as_view('items'))\n"
            ),
            "bp.py": "from flask import Blueprint\nbp = Blueprint('bp', __name__)\n@bp.route('/x')\ndef x():\n    pass\n",
        },
    )
    assert sorted(index.app_route_keys("app.py", {"app"})) == [("app.py", "Items.get"), ("app.py", "Items.post"), ("bp.py", "x")]


def test_a_cycle_of_routers_terminates(tmp_path):
    index = _index(
        tmp_path,
        {
            "a.py": "from fastapi import APIRouter\nimport b\nrouter = APIRouter()\nrouter.include_router(b.router)\n@router.get('/')\ndef ra():\n    pass\n",
            "b.py": "from fastapi import APIRouter\nimport a\nrouter = APIRouter()\nrouter.include_router(a.router)\n",
        },
    )
    assert index.app_route_keys("a.py", {"router"}) == [("a.py", "ra")]


def test_a_local_variable_shadowing_the_app_is_not_serving_it(tmp_path):
    from sls_lint.core import Function

    index = _index(
        tmp_path,
        {
            "handler.py": (
                "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef root():\n    pass\n"
                "def handler(event, context):\n    app = event['app']\n    return process(app)\n"
            ),
        },
    )
    fn = Function("h", "aws-lambda", "serverless", "handler.py", "handler")
    assert index.handler_keys(fn) == [("handler.py", "handler")]
