"""The cross-module call graph: name resolution (functions, classes, methods of instances,
inherited methods, module-level instances here and imported) and per-invocation reachability."""
from __future__ import annotations

import ast
import textwrap

import pytest

from sls_lint.callgraph import ProjectIndex
from sls_lint.core import Function
from sls_lint.semantic import ModuleModel


def _index(files: dict[str, str]) -> ProjectIndex:
    sources = {p: textwrap.dedent(t) for p, t in files.items()}

    def load(path: str) -> ModuleModel | None:
        text = sources.get(path)
        return ModuleModel(path, text, ast.parse(text)) if text is not None else None

    return ProjectIndex(list(sources), load)


def _fn(path: str = "handler.py", callable_: str = "handler", name: str = "api") -> Function:
    return Function(name, "aws-lambda", "serverless", path, callable_)


def _reached(files: dict[str, str], fn: Function | None = None) -> dict[tuple[str, str], tuple[str, ...]]:
    index = _index(files)
    return {k: r.chain for k, r in index.reachability([fn or _fn()]).items()}


DB = """
import psycopg2

class Base:
    def inherited(self):
        return psycopg2.connect("a")

class Repo(Base):
    def connect(self):
        return psycopg2.connect("x")

    def other(self):
        return psycopg2.connect("y")

repo = Repo()
"""


@pytest.mark.parametrize(
    "body,expected",
    [
        ("Repo().connect()", ("db.py", "Repo.connect")),
        ("r = Repo()\n    r.other()", ("db.py", "Repo.other")),
        ("repo.connect()", ("db.py", "Repo.connect")),
        ("db.repo.other()", ("db.py", "Repo.other")),
        ("Repo().inherited()", ("db.py", "Base.inherited")),
        ("repo.inherited()", ("db.py", "Base.inherited")),
    ],
    ids=["fresh-instance", "local-instance", "imported-module-instance", "module-attr-instance", "inherited", "inherited-on-module-instance"],
)
def test_instance_methods_resolve_across_modules(body, expected):
    handler = f"import db\nfrom db import Repo, repo\n\ndef handler(event, context):\n    {body}\n"
    reached = _reached({"handler.py": handler, "db.py": DB})
    assert expected in reached
    assert reached[expected][0] == "handler"


def test_only_the_called_method_is_reached():
    handler = "from db import Repo\n\ndef handler(event, context):\n    return Repo().connect()\n"
    reached = _reached({"handler.py": handler, "db.py": DB})
    assert ("db.py", "Repo.connect") in reached
    assert ("db.py", "Repo.other") not in reached
    assert ("db.py", "Base.inherited") not in reached


def test_module_level_instance_in_the_handler_module():
    code = """
    import boto3

    class Store:
        def client(self):
            return boto3.client("s3")

    store = Store()

    def handler(event, context):
        return store.client()
    """
    reached = _reached({"handler.py": code})
    assert reached[("handler.py", "Store.client")] == ("handler", "Store.client")


def test_self_attribute_instance():
    code = """
    from db import Repo

    class Service:
        def __init__(self):
            self.repo = Repo()

        def run(self):
            return self.repo.other()

    def handler(event, context):
        return Service().run()
    """
    reached = _reached({"handler.py": code, "db.py": DB})
    assert reached[("db.py", "Repo.other")] == ("handler", "Service.run", "Repo.other")
    assert ("handler.py", "Service.__init__") in reached


def test_self_attribute_rebound_twice_is_unknown():
    code = """
    from db import Repo, Base

    class Service:
        def __init__(self, flag):
            self.repo = Repo()
            if flag:
                self.repo = Base()

        def run(self):
            return self.repo.other()

    def handler(event, context):
        return Service(event).run()
    """
    reached = _reached({"handler.py": code, "db.py": DB})
    assert ("db.py", "Repo.other") not in reached


def test_instance_rebound_or_from_a_function_does_not_resolve():
    code = """
    from db import Repo

    def make():
        return Repo()

    repo = Repo()
    repo = make()

    def handler(event, context):
        make().connect()
        return repo.other()
    """
    reached = _reached({"handler.py": code, "db.py": DB})
    assert ("db.py", "Repo.connect") not in reached
    assert ("db.py", "Repo.other") not in reached
    assert ("handler.py", "make") in reached


def test_inherited_init_and_cycles():
    code = """
    import boto3

    class A:
        def __init__(self):
            self.c = boto3.client("s3")

    class B(A):
        pass

    class C(D):
        pass

    class D(C):
        pass

    def handler(event, context):
        B()
        C().missing()
        return 1
    """
    reached = _reached({"handler.py": code})
    assert reached[("handler.py", "A.__init__")] == ("handler", "A.__init__")


def test_cached_factory_returning_an_instance_is_not_entered():
    code = """
    import functools
    from db import Repo

    @functools.cache
    def get_repo():
        return Repo()

    def handler(event, context):
        return get_repo()
    """
    reached = _reached({"handler.py": code, "db.py": DB})
    assert ("handler.py", "get_repo") not in reached
    assert ("db.py", "Repo.connect") not in reached


def test_package_reexport_of_a_module_instance():
    files = {
        "handler.py": "from lib import repo\n\ndef handler(event, context):\n    return repo.connect()\n",
        "lib/__init__.py": "from .db import repo\n",
        "lib/db.py": DB,
    }
    reached = _reached(files)
    assert ("lib/db.py", "Repo.connect") in reached


def test_summary_records_bases_and_instances():
    index = _index({"db.py": DB, "handler.py": "def handler(event, context):\n    return 1\n"})
    s = index.summary("db.py")
    assert s.bases["Repo"] == ["db.Base"]
    assert s.instances["repo"] == "db.Repo"
