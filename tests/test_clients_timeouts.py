"""Clients and timeouts families beyond the per-rule cases: the fixture project where handler,
helpers, deployment file and timeout mismatches span files; the constructor catalog against
serverless-facts.md section 1.3; the merge-keywords fixer; version pins for redis-py."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from sls_lint.catalog import client_kind
from sls_lint.config import load_config
from sls_lint.core import Applicability, FixIntent, Span
from sls_lint.engine import Linter
from sls_lint.fixers import fix_source
from sls_lint.rule import all_options
from sls_lint.rules.timeouts._pins import major_bound, pinned_major

FIXTURE = Path(__file__).parent / "fixtures" / "clients_timeouts"


def _lint(root: Path, *, fix: bool = False, unsafe: bool = False, select=("SLS1", "SLS2")):
    config = load_config(None, start=str(root), rule_options=all_options(), overrides={"select": list(select)})
    return Linter(config, cwd=str(root)).fix([str(root)], apply=fix, unsafe=unsafe)


@pytest.fixture()
def project(tmp_path):
    dest = tmp_path / "orders"
    shutil.copytree(FIXTURE, dest)
    return dest


def test_fixture_findings_span_files(project):
    result = _lint(project)
    got = sorted((d.code, d.path, d.line, d.function) for d in result.diagnostics)
    assert got == [
        ("SLS101", "src/lib/repo.py", 9, "api"),
        ("SLS102", "src/handlers/api.py", 9, "api"),
        ("SLS203", "src/lib/clients.py", 6, "api"),
        ("SLS203", "src/lib/http.py", 15, "api"),
        ("SLS203", "src/lib/repo.py", 9, "api"),
    ]
    by_path = {(d.code, d.path): d.message for d in result.diagnostics}
    assert "32 s (2 + 30)" in by_path[("SLS203", "src/lib/clients.py")]
    assert "function `api`, serverless.yml" in by_path[("SLS203", "src/lib/http.py")]
    assert "handler → Repo.connect → psycopg2.connect" in by_path[("SLS101", "src/lib/repo.py")]
    assert "`src/lib/repo.py`, line 4" in by_path[("SLS102", "src/handlers/api.py")]


def test_fixture_functions_and_budgets(project):
    result = _lint(project)
    fns = {f.name: f for f in result.functions}
    assert fns["api"].timeout_s == 10 and fns["api"].http_limit_s == 29
    assert fns["nightly"].timeout_s == 300


def test_fixture_unsafe_fixes_round_trip(project):
    result = _lint(project, fix=True, unsafe=True, select=("SLS102", "SLS203"))
    after = {Path(p).relative_to(project).as_posix(): new for p, (_old, new) in result.fixed_sources.items()}
    assert "read_timeout=7" in after["src/lib/clients.py"]  # 2 + 7 < 10
    assert "timeout=9" in after["src/lib/http.py"]
    assert "connect_timeout=9" in after["src/lib/repo.py"]
    assert "cache.close()" not in after["src/handlers/api.py"]
    for text in after.values():
        ast.parse(text)
    for path, text in after.items():
        (project / path).write_text(text, encoding="utf-8")
    again = _lint(project, fix=True, unsafe=True, select=("SLS102", "SLS203"))
    assert not again.fixed_sources
    assert not [d for d in again.diagnostics if d.code in ("SLS102", "SLS203")]


def test_fixture_budget_follows_the_function(project):
    """`fetch_all` has timeout=60 but only `nightly` (300 s) runs it; calling it from `api`
    makes it a finding for `api`."""
    handler = project / "src/handlers/api.py"
    handler.write_text(handler.read_text().replace("report = http.fetch_report(event[\"id\"])", "report = http.fetch_all()"))
    result = _lint(project, select=("SLS203",))
    lines = {(d.path, d.line, d.function) for d in result.diagnostics}
    assert ("src/lib/http.py", 10, "api") in lines


# serverless-facts.md section 1.3: every expensive constructor of the table, as users write it
SECTION_1_3 = [
    "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session", "boto3.Session.client", "boto3.Session.resource",
    "botocore.session.get_session.create_client", "aiobotocore.session.get_session.create_client", "aioboto3.Session",
    "psycopg2.connect", "psycopg2.pool.SimpleConnectionPool", "psycopg2.pool.ThreadedConnectionPool", "psycopg.connect",
    "psycopg.AsyncConnection.connect", "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool", "asyncpg.connect",
    "asyncpg.create_pool", "pg8000.connect", "pg8000.native.Connection",
    "pymysql.connect", "pymysql.Connection", "MySQLdb.connect", "mysql.connector.connect", "mysql.connector.pooling.MySQLConnectionPool",
    "aiomysql.connect", "aiomysql.create_pool",
    "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
    "pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient", "pymongo.AsyncMongoClient", "mongoengine.connect",
    "redis.Redis", "redis.StrictRedis", "redis.Redis.from_url", "redis.from_url", "redis.ConnectionPool", "redis.asyncio.Redis",
    "redis.asyncio.from_url", "redis.cluster.RedisCluster",
    "elasticsearch.Elasticsearch", "elasticsearch.AsyncElasticsearch", "opensearchpy.OpenSearch", "opensearchpy.AsyncOpenSearch",
    "requests.Session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager", "urllib3.HTTPConnectionPool",
    "google.cloud.storage.Client", "google.cloud.firestore.Client", "google.cloud.firestore.AsyncClient", "google.cloud.bigquery.Client",
    "google.cloud.pubsub_v1.PublisherClient", "google.cloud.pubsub_v1.SubscriberClient", "google.cloud.secretmanager.SecretManagerServiceClient",
    "google.cloud.datastore.Client", "google.cloud.spanner.Client",
    "azure.storage.blob.BlobServiceClient", "azure.storage.blob.BlobServiceClient.from_connection_string", "azure.storage.blob.ContainerClient",
    "azure.storage.blob.BlobClient", "azure.cosmos.CosmosClient", "azure.servicebus.ServiceBusClient", "azure.eventhub.EventHubProducerClient",
    "azure.keyvault.secrets.SecretClient", "azure.identity.DefaultAzureCredential",
    "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.AnthropicBedrock",
    "google.genai.Client", "cohere.Client", "mistralai.Mistral",
    "prisma.Prisma", "peewee.PostgresqlDatabase", "tortoise.Tortoise.init", "stripe.StripeClient",
    "aws_lambda_powertools.Logger", "aws_lambda_powertools.Tracer", "aws_lambda_powertools.Metrics",
    "aws_lambda_powertools.utilities.parameters.SSMProvider", "aws_lambda_powertools.utilities.parameters.SecretsProvider",
]


@pytest.mark.parametrize("name", SECTION_1_3)
def test_catalog_covers_section_1_3(name):
    assert client_kind(name) is not None, name


@pytest.mark.parametrize("name", ["sqlalchemy.orm.sessionmaker", "sqlite3.connect", "json.loads", "boto3.client.get_object"])
def test_catalog_leaves_cheap_or_unrelated_calls_alone(name):
    # sessionmaker is listed in 1.3 as a cheap factory "usually paired with an engine": the
    # engine is what SLS101 reports
    assert client_kind(name) is None


# --------------------------------------------------------------------------- merge-keywords
def _merge(source: str, span: Span, pairs) -> str:
    intent = FixIntent("merge-keywords", "t", Applicability.UNSAFE, span, (("keywords", tuple(pairs)),))
    new, applied, bad = fix_source(source, [intent], path="x.py")
    assert all("changes nothing" in reason for _i, reason in bad), bad
    return new


def test_merge_keywords_adds_only_missing_and_is_idempotent():
    src = "c = Config(read_timeout=5)\n"
    span = Span(1, 5, 1, 27)
    pairs = [("connect_timeout", "2"), ("read_timeout", "9"), ("retries", '{"mode": "standard"}')]
    once = _merge(src, span, pairs)
    assert once == 'c = Config(read_timeout=5, connect_timeout=2, retries={"mode": "standard"})\n'
    span2 = Span(1, 5, 1, len(once.rstrip("\n")) + 1)
    assert _merge(once, span2, pairs) == once


def test_merge_keywords_keeps_multiline_layout():
    src = "c = Config(\n    read_timeout=5,\n)\n"
    out = _merge(src, Span(1, 5, 3, 2), [("connect_timeout", "2")])
    assert out == "c = Config(\n    read_timeout=5,\n    connect_timeout=2,\n)\n"
    ast.parse(out)


def test_merge_keywords_refuses_star_kwargs():
    src = "c = f(**opts)\n"
    intent = FixIntent("merge-keywords", "t", Applicability.UNSAFE, Span(1, 5, 1, 14), (("keywords", (("timeout", "2"),)),))
    new, applied, bad = fix_source(src, [intent], path="x.py")
    assert new == src and bad


# --------------------------------------------------------------------------- pins
@pytest.mark.parametrize(
    "spec,bound",
    [("==4.6.0", (4, 4)), (">=4,<5", (4, 4)), ("<8", (None, 7)), ("<8.1", (None, 8)), ("~=7.2", (7, 7)), (">=5", (5, None)), ("", (None, None))],
)
def test_major_bound(spec, bound):
    assert major_bound(spec) == bound


def test_pinned_major_nearest_file_wins(tmp_path):
    (tmp_path / "requirements.txt").write_text("redis==8.1.0\n")
    sub = tmp_path / "svc" / "api"
    sub.mkdir(parents=True)
    (tmp_path / "svc" / "requirements.txt").write_text("redis-om==0.3\nredis[hiredis]>=4,<5\n")
    assert pinned_major(str(tmp_path), "svc/api", "redis") == (4, 4)
    assert pinned_major(str(tmp_path), "", "redis") == (8, 8)
    assert pinned_major(str(tmp_path), "other", "requests") is None


def test_pinned_major_reads_lock_files(tmp_path):
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "redis"\nversion = "7.4.0"\nsource = { registry = "https://pypi.org/simple" }\n')
    (tmp_path / "requirements.txt").write_text("redis>=4\n")
    assert pinned_major(str(tmp_path), "", "redis") == (7, 7)
