"""SLS103's pooler-bypass part: evidence of a configured RDS Proxy from CDK and from the code
base, host classification, and no credentials in messages or fingerprints."""
from __future__ import annotations

import pytest

from sls_lint.rule import Case
from sls_lint.rules.clients.unpooled_database_engine import _classify
from ruleharness import run_case

CLUSTER = "orders.cluster-c9akciq32ab.us-east-1.rds.amazonaws.com"
HANDLER = f"import psycopg\n\nHOST = '{CLUSTER}'\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, connect_timeout=5)\n"


def _found(tmp_path, case):
    return [d for d in run_case(tmp_path, case, select=("SLS103",)).diagnostics if d.code == "SLS103"]


CDK_APP = """from aws_cdk import App, Stack, aws_lambda as lambda_, aws_rds as rds


class Db(Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        fn = lambda_.Function(self, "Api", runtime=lambda_.Runtime.PYTHON_3_12, handler="handler.handler", code=lambda_.Code.from_asset("."))
        proxy = rds.DatabaseProxy(self, "Proxy", proxy_target=None, secrets=[], vpc=None)
"""


def test_cdk_database_proxy_is_evidence(tmp_path):
    found = _found(tmp_path, Case(HANDLER, files={"app.py": CDK_APP}))
    assert len(found) == 1 and found[0].line == 3
    assert "CDK `DatabaseProxy` at app.py:8" in found[0].message


def test_add_proxy_is_evidence(tmp_path):
    app = CDK_APP.replace("proxy = rds.DatabaseProxy(self, \"Proxy\", proxy_target=None, secrets=[], vpc=None)", "cluster = rds.DatabaseCluster(self, \"C\", engine=None)\n        cluster.add_proxy(\"Proxy\", secrets=[], vpc=None)")
    found = _found(tmp_path, Case(HANDLER, files={"app.py": app}))
    assert len(found) == 1 and "CDK `add_proxy` at app.py:9" in found[0].message


def test_proxy_host_elsewhere_in_code_is_evidence(tmp_path):
    other = "READER = 'orders-ro.endpoint.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com'\n"
    found = _found(tmp_path, Case(HANDLER, files={"reports/config.py": other}))
    assert len(found) == 1
    assert "proxy endpoint `orders-ro.endpoint.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com` used at reports/config.py:1" in found[0].message
    assert "connect to `orders-ro.endpoint.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com` instead" in found[0].message


def test_proxy_host_only_in_tests_is_not_evidence(tmp_path):
    other = "PROXY = 'orders.proxy-c9akciq32ab.us-east-1.rds.amazonaws.com'\n"
    assert _found(tmp_path, Case(HANDLER, files={"tests/test_conf.py": other})) == []


def test_no_password_in_message_or_fingerprint(tmp_path):
    code = "import psycopg\n\nURL = 'postgresql://postgres:Zq8-very-Secret-pw@db.abcdefghijklmnop.supabase.co/postgres'\n\ndef handler(event, context):\n    return psycopg.connect(URL)\n"
    found = _found(tmp_path, Case(code))
    assert len(found) == 1
    assert "Zq8-very-Secret-pw" not in found[0].message
    assert "Zq8-very-Secret-pw" not in found[0].fingerprint_source
    assert "`db.abcdefghijklmnop.supabase.co` is the Supabase direct connection" in found[0].message


def test_supabase_transaction_port_elsewhere_in_module(tmp_path):
    code = "import psycopg\n\nHOST = 'db.abcdefghijklmnop.supabase.co'\n\ndef handler(event, context):\n    return psycopg.connect(host=HOST, port=6543)\n"
    assert _found(tmp_path, Case(code)) == []


@pytest.mark.parametrize(
    "host,port,expected",
    [
        ("orders.cluster-abc123.us-east-1.rds.amazonaws.com", None, ("rds", "Aurora cluster endpoint")),
        ("orders.cluster-ro-abc123.us-east-1.rds.amazonaws.com", None, ("rds", "Aurora reader endpoint")),
        ("adhoc.cluster-custom-abc123.us-east-1.rds.amazonaws.com", None, ("rds", "Aurora custom endpoint")),
        ("mydb.abc123.eu-west-1.rds.amazonaws.com", "5432", ("rds", "DB instance endpoint")),
        ("mydb.abc123.cn-north-1.rds.amazonaws.com.cn", None, ("rds", "DB instance endpoint")),
        ("orders.proxy-abc123.us-east-1.rds.amazonaws.com", None, None),
        ("ro.endpoint.proxy-abc123.us-east-1.rds.amazonaws.com", None, None),
        ("rds.amazonaws.com", None, None),
        ("db.abcdefghijklmnop.supabase.co", "5432", ("supabase", "Supabase direct connection")),
        ("db.abcdefghijklmnop.supabase.co", "6543", None),
        ("abcdefghijklmnop.supabase.co", None, None),
        ("aws-0-us-east-1.pooler.supabase.com", "5432", None),
        ("ep-cool-darkness-123456.us-east-2.aws.neon.tech", None, ("neon", "Neon direct (unpooled) endpoint")),
        ("ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech", None, None),
        ("console.neon.tech", None, None),
    ],
)
def test_classify(host, port, expected):
    assert _classify(host, port, "") == expected
