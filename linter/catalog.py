"""Shared call catalogs (qualified names), so that every rule and the advisor agree on what an
expensive client, an HTTP call or a database connect is. Facts: shared/reference/serverless-facts.md
sections 1.3 and 2.1.
"""
from __future__ import annotations

import ast

# Aliases: a qualified name as it may be written -> the canonical name used in the catalogs.
ALIASES = {
    "boto3.session.Session": "boto3.Session",
    "botocore.session.Session": "botocore.session.get_session",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.StrictRedis",
    "redis.StrictRedis.from_url": "redis.from_url",
    "redis.Redis.from_url": "redis.from_url",
    "redis.asyncio.Redis.from_url": "redis.asyncio.from_url",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "requests.sessions.Session": "requests.Session",
    "requests.session": "requests.Session",
    "httpx._client.Client": "httpx.Client",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "sqlalchemy.engine.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": "sqlalchemy.ext.asyncio.create_async_engine",
    "pymysql.connections.Connection": "pymysql.Connection",
    "mysql.connector.connection.MySQLConnection": "mysql.connector.connect",
    "elasticsearch.client.Elasticsearch": "elasticsearch.Elasticsearch",
    "openai.Client": "openai.OpenAI",
    "anthropic.Client": "anthropic.Anthropic",
    "google.cloud.storage.client.Client": "google.cloud.storage.Client",
    "google.genai.client.Client": "google.genai.Client",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "psycopg2.pool.SimpleConnectionPool": "psycopg2.pool.SimpleConnectionPool",
    "requests.api.get": "requests.get",
    "requests.api.post": "requests.post",
    "requests.api.put": "requests.put",
    "requests.api.patch": "requests.patch",
    "requests.api.delete": "requests.delete",
    "requests.api.head": "requests.head",
    "requests.api.options": "requests.options",
    "requests.api.request": "requests.request",
    "aws_lambda_powertools.logging.Logger": "aws_lambda_powertools.Logger",
    "aws_lambda_powertools.logging.logger.Logger": "aws_lambda_powertools.Logger",
    "aws_lambda_powertools.tracing.Tracer": "aws_lambda_powertools.Tracer",
    "aws_lambda_powertools.metrics.Metrics": "aws_lambda_powertools.Metrics",
}


def canonical(name: str | None) -> str | None:
    if name is None:
        return None
    if name in ALIASES:
        return ALIASES[name]
    # methods on aliased receivers: "requests.sessions.Session.get" -> "requests.Session.get"
    head, _, tail = name.rpartition(".")
    if head in ALIASES:
        return f"{ALIASES[head]}.{tail}"
    return name


# kind -> qualified constructors. Kinds appear in messages and in the advisor.
_CLIENTS: dict[str, tuple[str, ...]] = {
    "AWS SDK client": (
        "boto3.client", "boto3.resource", "boto3.Session", "boto3.Session.client", "boto3.Session.resource",
        "botocore.session.get_session", "botocore.session.get_session.create_client",
        "aiobotocore.session.get_session", "aiobotocore.session.get_session.create_client",
        "aioboto3.Session",
    ),
    "PostgreSQL connection": (
        "psycopg2.connect", "psycopg2.pool.SimpleConnectionPool", "psycopg2.pool.ThreadedConnectionPool",
        "psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
        "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool",
        "asyncpg.connect", "asyncpg.create_pool", "pg8000.connect", "pg8000.native.Connection", "pg8000.dbapi.connect",
    ),
    "MySQL connection": (
        "pymysql.connect", "pymysql.Connection", "pymysql.Connect", "MySQLdb.connect", "MySQLdb.Connect",
        "mysql.connector.connect", "mysql.connector.pooling.MySQLConnectionPool", "aiomysql.connect", "aiomysql.create_pool",
    ),
    "SQLAlchemy engine": (
        "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
    ),
    "MongoDB client": (
        "pymongo.MongoClient", "pymongo.AsyncMongoClient", "motor.motor_asyncio.AsyncIOMotorClient", "mongoengine.connect",
    ),
    "Redis client": (
        "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.ConnectionPool", "redis.asyncio.Redis",
        "redis.asyncio.from_url", "redis.cluster.RedisCluster", "redis.asyncio.StrictRedis",
    ),
    "search client": (
        "elasticsearch.Elasticsearch", "elasticsearch.AsyncElasticsearch", "opensearchpy.OpenSearch", "opensearchpy.AsyncOpenSearch",
    ),
    "HTTP connection pool": (
        "requests.Session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager", "urllib3.HTTPConnectionPool",
    ),
    "Google Cloud client": (
        "google.cloud.storage.Client", "google.cloud.firestore.Client", "google.cloud.firestore.AsyncClient",
        "google.cloud.bigquery.Client", "google.cloud.pubsub_v1.PublisherClient", "google.cloud.pubsub_v1.SubscriberClient",
        "google.cloud.pubsub.PublisherClient", "google.cloud.pubsub.SubscriberClient",
        "google.cloud.secretmanager.SecretManagerServiceClient", "google.cloud.datastore.Client", "google.cloud.spanner.Client",
    ),
    "Azure SDK client": (
        "azure.storage.blob.BlobServiceClient", "azure.storage.blob.BlobServiceClient.from_connection_string",
        "azure.storage.blob.ContainerClient", "azure.storage.blob.ContainerClient.from_connection_string",
        "azure.storage.blob.BlobClient", "azure.storage.blob.BlobClient.from_connection_string",
        "azure.cosmos.CosmosClient", "azure.servicebus.ServiceBusClient", "azure.servicebus.ServiceBusClient.from_connection_string",
        "azure.eventhub.EventHubProducerClient", "azure.eventhub.EventHubProducerClient.from_connection_string",
        "azure.keyvault.secrets.SecretClient", "azure.identity.DefaultAzureCredential",
    ),
    "LLM API client": (
        "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI",
        "anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.AnthropicBedrock", "anthropic.AsyncAnthropicBedrock",
        "google.genai.Client", "cohere.Client", "cohere.ClientV2", "mistralai.Mistral",
    ),
    "ORM or database client": (
        "prisma.Prisma", "peewee.PostgresqlDatabase", "peewee.MySQLDatabase", "tortoise.Tortoise.init", "stripe.StripeClient",
    ),
    "Powertools utility": (
        "aws_lambda_powertools.Logger", "aws_lambda_powertools.Tracer", "aws_lambda_powertools.Metrics",
        "aws_lambda_powertools.utilities.parameters.SSMProvider", "aws_lambda_powertools.utilities.parameters.SecretsProvider",
        "aws_lambda_powertools.utilities.parameters.DynamoDBProvider", "aws_lambda_powertools.utilities.parameters.AppConfigProvider",
    ),
}

CLIENT_CONSTRUCTORS: dict[str, str] = {name: kind for kind, names in _CLIENTS.items() for name in names}
# constructors whose result's methods also create clients (the method on a per-invocation
# receiver is reported through the receiver, not twice)
CLIENT_FACTORY_RECEIVERS = frozenset({"boto3.Session", "botocore.session.get_session", "aiobotocore.session.get_session"})


def client_kind(qualname: str | None) -> str | None:
    return CLIENT_CONSTRUCTORS.get(canonical(qualname) or "")


# --------------------------------------------------------------------------- HTTP calls
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

# qualified name -> (positional index of timeout or None, library label)
HTTP_CALLS: dict[str, tuple[int | None, str]] = {}
for _verb in HTTP_VERBS:
    HTTP_CALLS[f"requests.{_verb}"] = (None, "requests")
    HTTP_CALLS[f"requests.Session.{_verb}"] = (None, "requests")
HTTP_CALLS.update(
    {
        "urllib.request.urlopen": (2, "urllib.request"),
        "http.client.HTTPConnection": (2, "http.client"),
        "http.client.HTTPSConnection": (2, "http.client"),
        "socket.create_connection": (1, "socket"),
        "smtplib.SMTP": (3, "smtplib"),
        "smtplib.SMTP_SSL": (3, "smtplib"),
        "smtplib.LMTP": (None, "smtplib"),
        "ftplib.FTP": (4, "ftplib"),
        "ftplib.FTP_TLS": (None, "ftplib"),
        "imaplib.IMAP4": (2, "imaplib"),
        "imaplib.IMAP4_SSL": (None, "imaplib"),
        "poplib.POP3": (2, "poplib"),
        "urllib3.request": (None, "urllib3"),
        "aiohttp.request": (None, "aiohttp"),
    }
)
# methods on pools/sessions whose constructor may carry the timeout instead
POOL_METHODS: dict[str, tuple[str, ...]] = {
    "urllib3.PoolManager": ("request", "urlopen", "request_encode_url", "request_encode_body"),
    "urllib3.HTTPConnectionPool": ("request", "urlopen"),
    "aiohttp.ClientSession": HTTP_VERBS + ("ws_connect",),
}
# httpx: bounded by default (5 s); only an explicit timeout=None is a finding
HTTPX_CALLS = frozenset(
    [f"httpx.{v}" for v in HTTP_VERBS + ("stream",)]
    + [f"httpx.Client.{v}" for v in HTTP_VERBS + ("stream", "send")]
    + [f"httpx.AsyncClient.{v}" for v in HTTP_VERBS + ("stream", "send")]
    + ["httpx.Client", "httpx.AsyncClient"]
)
# fetch in Python Workers / Pyodide: bounded with signal=AbortSignal.timeout(ms)
FETCH_CALLS = frozenset({"pyodide.http.pyfetch", "js.fetch", "workers.fetch"})


# --------------------------------------------------------------------------- SDK clients
# boto3/botocore constructors that take `config=botocore.config.Config(...)`
# (defaults: connect_timeout=60, read_timeout=60, legacy retries = 5 attempts; facts §2.1)
BOTO_CLIENT_CALLS = frozenset(
    {
        "boto3.client", "boto3.resource", "boto3.Session.client", "boto3.Session.resource",
        "botocore.session.get_session.create_client", "aiobotocore.session.get_session.create_client",
        "aioboto3.Session.client", "aioboto3.Session.resource",
    }
)
BOTO_CONFIG = "botocore.config.Config"
BOTO_DEFAULTS = {"connect_timeout": 60.0, "read_timeout": 60.0, "max_attempts": 5}
# LLM SDK clients: `timeout=` defaults to httpx.Timeout(connect=5, read=600, ...)
LLM_TIMEOUT_CLIENTS = frozenset(
    {
        "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI",
        "anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.AnthropicBedrock", "anthropic.AsyncAnthropicBedrock",
    }
)
LLM_DEFAULT_READ_TIMEOUT = 600.0

# --------------------------------------------------------------------------- DB connect timeouts
# One bound a database/cache connect should carry. params: keywords any of which sets it (the
# first is the one a fix adds); scale: seconds per unit (0.001 for milliseconds); default_s: the
# library's value when omitted (None: waits forever); dsn_keys: names that set it inside a
# DSN/URL string; position: positional index of the parameter, if any.
DbTimeout = tuple  # (label, params, scale, default_s, dsn_keys, position)

_PG = (("connect", ("connect_timeout",), 1.0, None, ("connect_timeout",), None),)
_REDIS = (
    ("connect", ("socket_connect_timeout",), 1.0, "redis", ("socket_connect_timeout",), None),
    ("socket", ("socket_timeout",), 1.0, "redis", ("socket_timeout",), None),
)
_MONGO = (("server selection", ("serverSelectionTimeoutMS", "timeoutMS"), 0.001, 30.0, ("serverSelectionTimeoutMS", "timeoutMS"), None),)
DB_CONNECT_TIMEOUTS: dict[str, tuple[DbTimeout, ...]] = {
    "psycopg2.connect": _PG,
    "psycopg.connect": _PG,
    "psycopg.Connection.connect": _PG,
    "psycopg.AsyncConnection.connect": _PG,
    "pg8000.connect": (("connect", ("timeout",), 1.0, None, (), None),),
    "pg8000.dbapi.connect": (("connect", ("timeout",), 1.0, None, (), None),),
    "pg8000.native.Connection": (("connect", ("timeout",), 1.0, None, (), None),),
    "asyncpg.connect": (("connect", ("timeout",), 1.0, 60.0, (), None),),
    "asyncpg.create_pool": (("connect", ("timeout",), 1.0, 60.0, (), None),),
    "pymysql.connect": (("read", ("read_timeout",), 1.0, None, (), None), ("connect", ("connect_timeout",), 1.0, 10.0, (), None)),
    "pymysql.Connection": (("read", ("read_timeout",), 1.0, None, (), None), ("connect", ("connect_timeout",), 1.0, 10.0, (), None)),
    "pymysql.Connect": (("read", ("read_timeout",), 1.0, None, (), None), ("connect", ("connect_timeout",), 1.0, 10.0, (), None)),
    "MySQLdb.connect": (("connect", ("connect_timeout",), 1.0, None, (), None),),
    "MySQLdb.Connect": (("connect", ("connect_timeout",), 1.0, None, (), None),),
    "mysql.connector.connect": (("connect", ("connection_timeout", "connect_timeout"), 1.0, None, (), None),),
    "aiomysql.connect": (("connect", ("connect_timeout",), 1.0, 60.0, (), None),),
    "redis.Redis": _REDIS,
    "redis.StrictRedis": _REDIS,
    "redis.from_url": _REDIS,
    "redis.asyncio.Redis": _REDIS,
    "redis.asyncio.StrictRedis": _REDIS,
    "redis.asyncio.from_url": _REDIS,
    "redis.ConnectionPool": _REDIS,
    "redis.cluster.RedisCluster": _REDIS,
    "pymongo.MongoClient": _MONGO,
    "pymongo.AsyncMongoClient": _MONGO,
    "motor.motor_asyncio.AsyncIOMotorClient": _MONGO,
}
# redis-py: socket timeouts default to None before 8.0 and to 5 s from 8.0 (facts §2.1)
REDIS_TIMEOUT_DEFAULT_FROM = (8, 5.0)
# keywords that carry a DSN/URL string (besides the first positional argument)
DSN_KEYWORDS = ("dsn", "conninfo", "url", "host")

# --------------------------------------------------------------------------- closing clients
# methods that close a client/connection/pool, so the next warm invocation reconnects
CLOSE_METHODS = frozenset({"close", "aclose", "disconnect", "dispose", "closeall", "terminate"})
# constructors whose object closes itself at the end of a `with` block (read from each
# library's __exit__): psycopg 3 connections close, psycopg2 connections only end the transaction
WITH_CLOSES = frozenset(
    {
        "psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
        "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool",
        "pymysql.connect", "pymysql.Connection", "pymysql.Connect", "mysql.connector.connect",
        "pg8000.connect", "pg8000.dbapi.connect", "pg8000.native.Connection", "asyncpg.create_pool",
        "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.asyncio.Redis", "redis.asyncio.from_url",
        "pymongo.MongoClient", "pymongo.AsyncMongoClient",
        "requests.Session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager",
        "openai.OpenAI", "openai.AsyncOpenAI", "anthropic.Anthropic", "anthropic.AsyncAnthropic",
    }
)
WITH_KEEPS_OPEN = frozenset({"psycopg2.connect", "sqlite3.connect"})  # `with conn:` ends a transaction only

# --------------------------------------------------------------------------- pools
SQLALCHEMY_ENGINES = frozenset({"sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine"})
# DB-API pools: constructor -> (keyword, positional index, default) of the number of
# connections opened eagerly
EAGER_POOLS: dict[str, tuple[str, int | None, int]] = {
    "psycopg2.pool.SimpleConnectionPool": ("minconn", 0, 0),
    "psycopg2.pool.ThreadedConnectionPool": ("minconn", 0, 0),
    "psycopg_pool.ConnectionPool": ("min_size", None, 4),
    "psycopg_pool.AsyncConnectionPool": ("min_size", None, 4),
    "asyncpg.create_pool": ("min_size", None, 10),
    "mysql.connector.pooling.MySQLConnectionPool": ("pool_size", 0, 5),
    "aiomysql.create_pool": ("minsize", None, 1),
}

# --------------------------------------------------------------------------- filesystem writes
# Calls that write to (or change) the filesystem -> index of the positional argument naming the
# path they write (SLS303 edge-filesystem-write, SLS602 write-outside-tmp).
FILE_WRITE_CALLS: dict[str, int] = {
    "os.makedirs": 0, "os.mkdir": 0, "os.remove": 0, "os.unlink": 0, "os.rename": 1, "os.replace": 1, "os.rmdir": 0,
    "os.removedirs": 0, "os.symlink": 1, "os.link": 1, "os.truncate": 0, "os.chmod": 0, "os.utime": 0,
    "shutil.copy": 1, "shutil.copy2": 1, "shutil.copyfile": 1, "shutil.copytree": 1, "shutil.move": 1, "shutil.rmtree": 0,
    "shutil.make_archive": 0, "logging.FileHandler": 0, "logging.handlers.RotatingFileHandler": 0,
    "logging.handlers.TimedRotatingFileHandler": 0, "logging.handlers.WatchedFileHandler": 0, "sqlite3.connect": 0,
    "dbm.open": 0, "shelve.open": 0,
}
# keyword naming the written path, where the call has one
FILE_WRITE_KEYWORDS: dict[str, str] = {
    "os.makedirs": "name", "os.mkdir": "path", "sqlite3.connect": "database", "logging.FileHandler": "filename",
    "logging.handlers.RotatingFileHandler": "filename", "logging.handlers.TimedRotatingFileHandler": "filename",
    "logging.handlers.WatchedFileHandler": "filename", "shutil.copy": "dst", "shutil.copy2": "dst",
    "shutil.copyfile": "dst", "shutil.copytree": "dst", "shutil.move": "dst", "shelve.open": "filename", "dbm.open": "file",
}
OPEN_CALLS = frozenset({"open", "io.open", "codecs.open"})
# pathlib.Path methods that write
PATH_WRITE_METHODS = frozenset({"write_text", "write_bytes", "touch", "mkdir", "unlink", "rename", "replace", "rmdir", "symlink_to", "hardlink_to", "chmod"})
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.PurePath", "pathlib.PurePosixPath"})
# Path methods/properties that return another Path
PATH_CHAIN = frozenset({"parent", "with_suffix", "with_name", "with_stem", "joinpath", "resolve", "absolute", "expanduser"})


def is_write_mode(node) -> bool:
    """A literal ``open()`` mode that writes, appends, creates or updates."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c in node.value for c in "wax+")


def is_path_expr(model, expr, depth: int = 0) -> bool:
    """``expr`` certainly evaluates to a ``pathlib`` path: ``Path(...)``, ``p / "x"``, ``p.parent``,
    ``p.with_suffix(...)``, or a name bound once to one of those."""
    if depth > 6:
        return False
    if isinstance(expr, ast.Call):
        if model.call_name(expr) in PATH_TYPES:
            return True
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in PATH_CHAIN:
            return is_path_expr(model, expr.func.value, depth + 1)
        return False
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        return is_path_expr(model, expr.left, depth + 1)
    if isinstance(expr, ast.Attribute) and expr.attr in PATH_CHAIN:
        return is_path_expr(model, expr.value, depth + 1)
    if isinstance(expr, ast.Name):
        sv = model.single_value(expr.id, model.scope_at(expr))
        return sv is not None and is_path_expr(model, sv[0], depth + 1)
    return False
