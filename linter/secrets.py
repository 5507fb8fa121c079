"""Secret detection and redaction, shared by the SLS4xx rules and every output that shows source.

Precision first: a value is a secret only when it has the shape of a known credential format
(with an entropy check and allow-lists for documentation examples, templates and placeholders),
an inline URL password, or a non-placeholder literal given to a credential-named target.

Nothing here ever returns a secret value for display: :func:`redact` keeps a short non-secret
prefix and masks the rest, :func:`fingerprint` is a SHA-256 digest, and :func:`redact_text`
masks secrets in any source text (excerpts, diffs) while keeping its length, so that columns of
the text stay valid.

Precedence: one finding per secret. :data:`PRECEDENCE` orders the rules that may see the same
literal; :func:`owner` picks the first one that is enabled for the file.
"""
from __future__ import annotations

import ast
import base64
import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .astindex import _speedups, long_strings, nodes_of

# The rules that may see the same secret, most specific first.
PRECEDENCE = ("SLS405", "SLS404", "SLS401", "SLS403", "SLS402")

MASK = "*"
MAX_MASK = 16


# --------------------------------------------------------------------------- basics
def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def fingerprint(value: str) -> str:
    """A stable digest for baselines; the secret itself never leaves this module."""
    return "sha256:" + hashlib.sha256(("sls-lint-secret\x00" + value).encode("utf-8", "surrogatepass")).hexdigest()


def redact(value: str, keep: int = 0) -> str:
    """``AKIA****************``: the first ``keep`` characters (a non-secret prefix), then a mask
    as long as the rest, capped at 16 characters."""
    keep = max(0, min(keep, len(value) // 2 if len(value) < 8 else keep))
    rest = len(value) - keep
    return value[:keep] + MASK * min(max(rest, 1), MAX_MASK)


def generic_keep(value: str) -> int:
    """How much of a secret of unknown format may be shown: nothing for short values."""
    return 0 if len(value) < 12 else 2


# --------------------------------------------------------------------------- placeholders
_TEMPLATE = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}|<[^<>\s]{1,60}>|%\([^)]*\)[sd]|\$[A-Z_][A-Z0-9_]*\b|\{[A-Za-z_][\w.]*\}|\{\}|%s")
_PLACEHOLDER_WORDS = (
    "example", "changeme", "change_me", "change-me", "placeholder", "your_", "your-", "yourkey", "dummy",
    "fake", "redacted", "replace_me", "replaceme", "insert_", "todo", "fixme", "sample", "notreal", "not_real",
    "not-a-real", "xxxx", "****", "....", "<",
)
_PLACEHOLDER_VALUES = frozenset(
    {
        "password", "passwd", "pass", "pwd", "secret", "token", "apikey", "api_key", "api-key", "key", "none", "null",
        "true", "false", "undefined", "nil", "test", "testing", "admin", "root", "user", "username", "default",
        "string", "str", "value", "n/a", "na", "tbd", "unknown", "empty", "hidden", "masked", "secret_key",
        "access_key", "private_key", "client_secret", "auth_token", "access_token", "foobar", "foo", "bar", "baz",
        "qwerty", "abc123", "123456", "12345678", "letmein", "mypassword", "mysecret", "secretkey", "password123",
    }
)
_SAME_CHAR = re.compile(r"^(.)\1{3,}$")
_SEQUENTIAL = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "1234567890")


def is_template(value: str) -> bool:
    return bool(_TEMPLATE.search(value))


def is_placeholder(value: str) -> bool:
    """Obvious non-secrets: empty, templates (``${X}``, ``{{ x }}``, ``<x>``, ``%(x)s``), words
    like ``changeme``/``example``, masks (``****``, ``xxxx``) and single repeated characters."""
    v = value.strip()
    if not v:
        return True
    low = v.lower()
    if low in _PLACEHOLDER_VALUES or is_template(v):
        return True
    if any(w in low for w in _PLACEHOLDER_WORDS):
        return True
    if _SAME_CHAR.match(v) or set(low) <= set("x*.-_# 0"):
        return True
    core = re.sub(r"[^a-z0-9]", "", low)
    if len(core) >= 6 and any(core in s or s.startswith(core) for s in _SEQUENTIAL):
        return True
    return False


# --------------------------------------------------------------------------- known formats
@dataclass(frozen=True)
class Format:
    kind: str  # human label, used in messages
    env: str  # the environment variable name a fix suggests when the target gives none
    pattern: re.Pattern
    keep: int  # characters of the match that are a non-secret prefix
    min_entropy: float = 0.0
    random_group: int = 0  # the group whose entropy is checked (0: the whole match)
    check: Callable[[str], bool] | None = None


def _jwt_ok(token: str) -> bool:
    """A JWT whose header decodes to JSON with an ``alg`` other than ``none`` and that has a signature."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[2]) < 16:
        return False
    try:
        raw = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(raw.encode()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and str(header.get("alg", "")).lower() not in ("", "none")


_B = r"(?<![A-Za-z0-9_])"  # left boundary
_E = r"(?![A-Za-z0-9_])"  # right boundary

FORMATS: tuple[Format, ...] = (
    Format("AWS access key ID", "AWS_ACCESS_KEY_ID", re.compile(_B + r"((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])([A-Z2-7]{16}))" + _E), 4, 3.0, 2),
    Format("Amazon Bedrock API key", "AWS_BEARER_TOKEN_BEDROCK", re.compile(_B + r"(ABSK([A-Za-z0-9+/]{109,269}={0,2}))"), 4, 4.0, 2),
    Format("GitHub token", "GITHUB_TOKEN", re.compile(_B + r"((?:ghp|gho|ghu|ghs|ghr)_([A-Za-z0-9]{36}))" + _E), 4, 3.5, 2),
    Format("GitHub token", "GITHUB_TOKEN", re.compile(_B + r"(github_pat_([A-Za-z0-9_]{82}))" + _E), 11, 3.5, 2),
    Format("Slack token", "SLACK_TOKEN", re.compile(_B + r"(xox[baprse]-((?:[0-9]{6,13}-){1,3}[A-Za-z0-9-]{8,64}))" + _E), 5, 3.0, 2),
    Format("Slack app token", "SLACK_APP_TOKEN", re.compile(_B + r"(xapp-[0-9]-([A-Z0-9]{8,}-[0-9]{6,}-[a-f0-9]{32,}))" + _E), 5, 3.0, 2),
    Format("Slack webhook URL", "SLACK_WEBHOOK_URL", re.compile(r"(https?://hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/]{40,60}))"), 31, 3.5, 2),
    Format("Stripe key", "STRIPE_API_KEY", re.compile(_B + r"((?:sk|rk)_(?:live|test|prod)_([A-Za-z0-9]{16,99}))" + _E), 8, 3.0, 2),
    Format("Google API key", "GOOGLE_API_KEY", re.compile(_B + r"(AIza([A-Za-z0-9_-]{35}))" + _E), 4, 3.5, 2),
    Format("OpenAI API key", "OPENAI_API_KEY", re.compile(_B + r"(sk-(?:(?:proj|svcacct|admin)-)?([A-Za-z0-9_-]{20,80}T3BlbkFJ[A-Za-z0-9_-]{20,80}))" + _E), 3, 3.5, 2),
    Format("Anthropic API key", "ANTHROPIC_API_KEY", re.compile(_B + r"(sk-ant-(?:api03|admin01)-([A-Za-z0-9_-]{93}AA))" + _E), 7, 3.5, 2),
    Format("SendGrid API key", "SENDGRID_API_KEY", re.compile(_B + r"(SG\.([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}))" + _E), 3, 3.5, 2),
    Format("Twilio API key", "TWILIO_API_KEY", re.compile(_B + r"(SK([0-9a-f]{32}))" + _E), 2, 3.0, 2),
    Format("npm token", "NPM_TOKEN", re.compile(_B + r"(npm_([A-Za-z0-9]{36}))" + _E), 4, 3.5, 2),
    Format("PyPI token", "PYPI_TOKEN", re.compile(_B + r"(pypi-AgEIcHlwaS5vcmc([A-Za-z0-9_-]{50,1000}))"), 5, 3.5, 2),
    Format("Hugging Face token", "HF_TOKEN", re.compile(_B + r"(hf_([A-Za-z]{34}))" + _E), 3, 3.5, 2),
    Format("Databricks token", "DATABRICKS_TOKEN", re.compile(_B + r"(dapi([a-f0-9]{32}))(?:-\d)?" + _E), 4, 3.0, 2),
    Format(
        "private key", "PRIVATE_KEY",
        re.compile(r"(-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:\\[nr]|\s)*([A-Za-z0-9+/=:\- \\\r\n]{64,}?)(?:\\[nr]|\s)*-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)"),
        0, 4.0, 2,
    ),
    Format("JSON Web Token", "JWT", re.compile(_B + r"(eyJ[A-Za-z0-9_-]{12,}\.eyJ[A-Za-z0-9_-]{12,}\.([A-Za-z0-9_-]{16,}))" + _E), 3, 3.0, 2, _jwt_ok),
)

# Every FORMATS pattern matches only text that holds one of these literals (its fixed prefix):
# text without any of them cannot match a format, so find_formats skips the 19 searches.
_FORMAT_HINT = re.compile(
    r"AKIA|ASIA|ABIA|ACCA|A3T|ABSK|gh[pousr]_|github_pat_|xox|xapp-|hooks\.slack\.com|[sr]k_|AIza|sk-|SG\.|SK|npm_|pypi-|hf_|dapi"
    r"|PRIVATE KEY|eyJ"
)
# the same literals spelled out, for the extension's one-pass search (a test keeps both equal)
_HINT_LITERALS = (
    "AKIA", "ASIA", "ABIA", "ACCA", "A3T", "ABSK", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "xapp-",
    "hooks.slack.com", "sk_", "rk_", "AIza", "sk-", "SG.", "SK", "npm_", "pypi-", "hf_", "dapi", "PRIVATE KEY", "eyJ",
)
_HINT_MATCHER = _speedups.token_matcher(_HINT_LITERALS) if _speedups is not None else None


def has_format_hint(text: str) -> bool:
    """Whether ``text`` holds one of ``_FORMAT_HINT``'s literals (``_FORMAT_HINT.search``)."""
    if _HINT_MATCHER is not None and _speedups is not None:
        return bool(_speedups.find_tokens(_HINT_MATCHER, text))
    return _FORMAT_HINT.search(text) is not None

# Documentation keys that are published on purpose (AWS, Stripe, jwt.io examples).
DOC_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    }
)


@dataclass(frozen=True)
class Found:
    """A secret inside a string: ``start``/``end`` offsets of the secret in that string."""

    kind: str
    start: int
    end: int
    keep: int  # non-secret prefix length of the secret
    env: str  # suggested environment variable name
    rule: str  # SLS401 (format), SLS403 (URL password), SLS402 (credential-named target)


def _allowed(secret: str, random_part: str) -> bool:
    if secret in DOC_EXAMPLES or random_part in DOC_EXAMPLES:
        return True
    if secret.upper().endswith("EXAMPLE") or "EXAMPLE" in random_part.upper():
        return True
    low = random_part.lower()
    if len(low) >= 8 and any(low in s for s in ("abcdefghijklmnopqrstuvwxyz", "0123456789", "zyxwvutsrqponmlkjihgfedcba")):
        return True
    if any(w in low for w in ("xxxx", "example", "placeholder", "dummy", "fake", "redacted", "0000000000")):
        return True
    return bool(_SAME_CHAR.match(random_part))


def find_formats(text: str) -> list[Found]:
    """Known credential formats in ``text`` (entropy-checked, allow-listed)."""
    out: list[Found] = []
    if len(text) < 16 or not has_format_hint(text):
        return out
    for fmt in FORMATS:
        for m in fmt.pattern.finditer(text):
            secret = m.group(1)
            random_part = m.group(fmt.random_group) if fmt.random_group else secret
            if _allowed(secret, random_part) or is_template(secret):
                continue
            if shannon_entropy(random_part) < fmt.min_entropy:
                continue
            if fmt.check is not None and not fmt.check(secret):
                continue
            if any(f.start <= m.start(1) < f.end for f in out):
                continue
            out.append(Found(fmt.kind, m.start(1), m.end(1), fmt.keep, fmt.env, "SLS401"))
    return sorted(out, key=lambda f: f.start)


_AWS_SECRET = re.compile(r"^[A-Za-z0-9/+]{40}$")


def aws_secret_key(value: str, context: str) -> Found | None:
    """A 40-character AWS secret access key, recognised only next to an AWS secret-key name."""
    words = name_words(context)
    if not ("secret" in words and ("aws" in words or "access" in words)) or not _AWS_SECRET.match(value):
        return None
    if _allowed(value, value) or shannon_entropy(value) < 4.0 or not (re.search(r"[0-9]", value) and re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)):
        return None
    return Found("AWS secret access key", 0, len(value), 0, "AWS_SECRET_ACCESS_KEY", "SLS401")


# --------------------------------------------------------------------------- URLs
_URL_PASSWORD = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,30})://([^\s:/?#@{}\"'<>]*):([^\s/?#@{}\"'<>]+)@([^\s/?#\"'<>]+)")
_LOCAL_HOSTS = re.compile(r"^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|::1|host\.docker\.internal|(?:[\w-]+\.)*(?:example|invalid|test|localhost)(?:\.(?:com|org|net))?)(?::\d+)?$", re.I)
URL_SCHEME_ENV = {
    "postgres": "DATABASE_URL", "postgresql": "DATABASE_URL", "mysql": "DATABASE_URL", "mariadb": "DATABASE_URL",
    "mssql": "DATABASE_URL", "oracle": "DATABASE_URL", "cockroachdb": "DATABASE_URL",
    "redis": "REDIS_URL", "rediss": "REDIS_URL", "mongodb": "MONGODB_URI", "mongodb+srv": "MONGODB_URI",
    "amqp": "BROKER_URL", "amqps": "BROKER_URL", "kafka": "KAFKA_URL", "nats": "NATS_URL",
    "ftp": "FTP_URL", "sftp": "SFTP_URL", "smtp": "SMTP_URL", "smtps": "SMTP_URL",
}


def url_passwords(text: str) -> list[Found]:
    """Inline passwords in URLs (``postgres://user:pass@host/db``); placeholders, templates and
    local development hosts are not secrets."""
    out: list[Found] = []
    if "://" not in text or "@" not in text:  # both in every match: most texts skip the search
        return out
    for m in _URL_PASSWORD.finditer(text):
        scheme, user, password, host = m.group(1).lower(), m.group(2), m.group(3), m.group(4)
        if "$" in password or "%(" in password or is_placeholder(password) or password.lower() in ("pass", "pw", "passw0rd", user.lower() if user and host and _LOCAL_HOSTS.match(host) else "\x00"):
            continue
        if _LOCAL_HOSTS.match(host):
            continue
        base = scheme.split("+")[0]
        env = URL_SCHEME_ENV.get(scheme) or URL_SCHEME_ENV.get(base) or f"{re.sub(r'[^A-Z0-9]', '_', base.upper())}_URL"
        out.append(Found("URL with an inline password", m.start(3), m.end(3), 0, env, "SLS403"))
    return out


def redact_url(text: str, found: Found) -> str:
    """The URL of a SLS403 finding with the password masked (user and host are not secret)."""
    m = None
    for cand in _URL_PASSWORD.finditer(text):
        if cand.start(3) == found.start:
            m = cand
            break
    if m is None:
        return redact(text, 0)
    url = text[m.start(): m.end()]
    rel = found.start - m.start()
    return url[:rel] + MASK * 8 + url[rel + found.end - found.start:]


# --------------------------------------------------------------------------- credential names
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
CREDENTIAL_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials", "contrasena", "contraseña", "passwort", "senha"})
KEY_QUALIFIERS = frozenset({"api", "access", "secret", "private", "auth", "client", "signing", "encryption", "master", "account", "service", "app", "license", "subscription", "webhook", "db", "database", "priv", "shared", "hmac", "session", "jwt"})
PASS_QUALIFIERS = frozenset({"db", "database", "user", "admin", "root", "smtp", "mail", "email", "key", "redis", "mysql", "postgres", "pg", "ftp", "ldap", "login", "app", "api", "basic", "rabbit", "rabbitmq", "amqp", "mongo", "mongodb", "proxy", "sql"})
# last words that make a credential-looking name mean something else (a secret's name, an id, a URL, ...)
NOT_SECRET_TAILS = frozenset(
    {
        "name", "names", "arn", "id", "ids", "url", "uri", "endpoint", "field", "fields", "header", "headers", "param",
        "params", "path", "file", "filename", "env", "var", "variable", "length", "len", "type", "types", "prefix",
        "suffix", "policy", "hash", "hashed", "salt", "expiry", "expires", "expiration", "ttl", "hint", "label",
        "regex", "pattern", "placeholder", "prompt", "min", "max", "count", "limit", "version", "location", "ref",
        "reference", "provider", "manager", "store", "client", "keyword", "location", "scope", "scopes", "usage",
        "mode", "format", "encoding", "validator", "validation", "required", "enabled", "attr", "attribute", "key_name",
        "column", "col", "table", "bucket", "parameter", "region", "source", "class", "kind", "method", "status",
        "error", "message", "msg", "text", "description", "desc", "help", "title", "template", "template_id", "input",
        "widget", "form", "confirm", "confirmation", "reset", "changed", "updated", "created", "at", "age", "lifetime",
        "timeout", "id_key", "tokens", "index", "idx", "position", "pos", "start", "end", "size", "bits", "rotation",
        "id_list", "list", "dict", "map", "cache", "path_prefix", "secret_name", "type_hint",
    }
)


def name_words(name: str) -> list[str]:
    """``awsSecretAccessKey`` / ``AWS_SECRET_ACCESS_KEY`` / ``x-api-key`` -> words, lower case."""
    name = _CAMEL.sub("_", name)
    return [w for w in re.split(r"[^0-9A-Za-zñ]+", name.lower()) if w]


@functools.lru_cache(maxsize=16384)
def credential_kind(name: str | None) -> str | None:
    """What kind of credential a target name holds (``password``, ``token``, ``api key``, ...),
    judged by its last words; None when it is not credential-named (``token_url``,
    ``secret_name``, ``password_field``, ``max_tokens``)."""
    if not name:
        return None
    words = name_words(name)
    if not words or words[-1] in NOT_SECRET_TAILS:
        return None
    last = words[-1]
    prev = words[-2] if len(words) > 1 else ""
    if last in ("password", "passwd", "pwd", "passphrase", "contrasena", "contraseña", "passwort", "senha"):
        return "password"
    if last == "pass" and prev in PASS_QUALIFIERS:
        return "password"
    if last in ("secret", "secrets"):
        return "secret"
    if last == "token" or (last == "tokens" and False):
        return "token"
    if last == "apikey" or (last == "key" and prev in KEY_QUALIFIERS):
        return "key"
    if last == "key" and len(words) >= 3 and words[-3] in ("aws", "api") and prev in ("access", "secret"):
        return "key"
    if last in ("credential", "credentials", "creds") and len(words) > 1:
        return "credential"
    if last == "authorization" or (last == "auth" and prev in ("basic", "http", "proxy", "bearer")):
        return "authorization"
    return None


_IDENTIFIER_LIKE = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}|[a-z]+(?:[_-][a-z]+)+|[a-z]+(?:\.[a-z_]+)+|[a-z]+(?:[A-Z][a-z]+)+)$")
_AUTH_SCHEME = re.compile(r"^(?:Bearer|Basic|Token|Bot|ApiKey|Digest)\s+(\S{8,})$", re.I)
_REFERENCE = re.compile(r"^(?:arn:|ssm:|secretsmanager:|projects/[^/]+/secrets/|https?://[^@\s]*$|/[\w./-]+$|[\w.-]+/[\w./-]+$|@[\w-]+$|\{\{resolve:|\$\{|vault:|kv:|env:|file:)", re.I)


def literal_secret(value: str, name: str | None) -> Found | None:
    """The secret inside a literal given to a credential-named target, or None.

    Not secrets: a secret's *name* (``prod/db/password``, ``DB_PASSWORD``), ARNs and other
    references, URLs without credentials, field/header names (``x-api-key``, ``user.password``),
    sentences, templates and placeholders, and values too short to be a credential.
    """
    kind = credential_kind(name)
    if kind is None:
        return None
    v = value.strip()
    if not v or "\n" in v or is_placeholder(v) or _REFERENCE.match(v):
        return None
    if kind == "authorization":
        m = _AUTH_SCHEME.match(v)
        if not m or is_placeholder(m.group(1)):
            return None
        start = value.index(m.group(1))
        return Found("authorization header value", start, start + len(m.group(1)), 0, _env_from_name(name) or "AUTH_TOKEN", "SLS402")
    if re.search(r"\s", v) or "://" in v:
        return None
    if _IDENTIFIER_LIKE.match(v) or v.lower() in name_words(name or "") or v.lower() == (name or "").lower():
        return None
    min_len = 6 if kind == "password" else 8
    if len(v) < min_len:
        return None
    if kind != "password" and shannon_entropy(v) < 2.5:
        return None
    start = value.index(v)
    return Found(kind, start, start + len(v), 0, _env_from_name(name) or "SECRET", "SLS402")


def _env_from_name(name: str | None) -> str | None:
    if not name:
        return None
    words = name_words(name)
    env = "_".join(w.upper() for w in words if w.isascii())
    env = re.sub(r"[^A-Z0-9_]", "", env)
    if not env or env[0].isdigit():
        return None
    return env


env_name = _env_from_name


# --------------------------------------------------------------------------- one literal
def candidates(value: str, name: str | None = None) -> list[Found]:
    """Every rule's view of one string literal given to target ``name`` (None: no target), at
    most one per rule, in precedence order: known format (SLS401), URL password (SLS403),
    credential-named target (SLS402)."""
    if len(value) > 512:  # long texts (embedded data, templates) are rare: not kept alive in the memo
        return _find_candidates(value, name)
    return list(_candidates(value, name))


@functools.lru_cache(maxsize=1 << 16)
def _candidates(value: str, name: str | None) -> tuple[Found, ...]:
    """:func:`candidates`, remembered: a pure function of its arguments, and literals recur
    (keys, log messages, content types: 60% of the string literals of a 3,000-file corpus
    repeat an earlier (value, target) pair)."""
    return tuple(_find_candidates(value, name))


def _find_candidates(value: str, name: str | None) -> list[Found]:
    if len(value) > 20000:
        value = value[:20000]
    out: list[Found] = []
    formats = find_formats(value)
    if formats:
        out.append(formats[0])
    elif name and value.strip() == value:
        aws = aws_secret_key(value, name)
        if aws is not None:
            out.append(aws)
    urls = url_passwords(value)
    if urls:
        out.append(urls[0])
    named = literal_secret(value, name)
    if named is not None and not (out and "://" in value):
        out.append(named)
    return out


def choose(found: list[Found], enabled: Callable[[str], bool], claim: str | None = None) -> tuple[str, Found] | None:
    """One finding per secret: ``(rule code, what it found)``. ``claim`` (SLS404 for a literal in a
    deployment environment, SLS405 for a boto3 credential argument) wins when enabled; otherwise
    the first enabled rule in :data:`PRECEDENCE` that sees the literal."""
    if not found:
        return None
    if claim is not None and enabled(claim):
        return claim, found[0]
    for code in PRECEDENCE:
        for f in found:
            if f.rule == code and enabled(code):
                return code, f
    return None


def display(value: str, found: Found) -> str:
    """The redacted form of the secret for messages."""
    secret = value[found.start: found.end]
    if found.rule == "SLS403":
        return redact_url(value, found)
    if found.rule != "SLS401":
        return MASK * 8  # no prefix and no length for secrets of unknown format
    return redact(secret, found.keep)


def secret_of(value: str, found: Found) -> str:
    return value[found.start: found.end]


# --------------------------------------------------------------------------- redacting text
_ASSIGNED = re.compile(
    r"""(?P<name>[A-Za-z_][\w.\-]*)(?P<q0>["']?)\s*(?:==|=|:|=>)\s*[bBrRuU]{0,2}(?P<q>["'`]?)(?P<val>[^"'`\s,;#)}\]]+(?:[ ][^"'`\s,;#)}\]]+)*)"""
)


def _mask(chars: list[str], start: int, end: int, keep: int = 0) -> None:
    for i in range(start + keep, end):
        if chars[i] not in "\r\n":
            chars[i] = MASK


def _assignments(text: str):
    """Every ``name = value`` / ``name: value`` / ``name=value`` of ``text``, nested ones too: the
    search resumes at each value, so ``client = connect(password="...")`` yields ``client``'s
    assignment and then ``password``'s (a plain finditer consumed the second in the first)."""
    pos = 0
    search = _ASSIGNED.search
    while True:
        m = search(text, pos)
        if m is None:
            return
        yield m
        pos = m.start("val")


@functools.lru_cache(maxsize=8192)  # pure; a report asks for the same excerpt lines again and again
def redact_text(text: str) -> str:
    """Mask every secret-looking value in ``text`` (a source excerpt, a diff): known formats, URL
    passwords and values given to credential-named keys. The length of the text is kept, so that
    columns stay valid; masking too much is harmless here, masking too little is not."""
    if not text:
        return text
    chars = list(text)
    for f in find_formats(text):
        _mask(chars, f.start, f.end, f.keep)
    for m in _URL_PASSWORD.finditer(text):
        if not is_template(m.group(3)):
            _mask(chars, m.start(3), m.end(3))
    for m in _assignments(text):
        name, val = m.group("name"), m.group("val")
        kind = credential_kind(name.rsplit(".", 1)[-1])
        if kind is None:
            continue
        if m.group("q") == "" and (val.startswith(("os.", "env", "None", "getenv", "self.", "!", "${", "{{")) or not val or val[0].isdigit() and len(val) < 6):
            continue
        if is_template(val) or not val.strip():
            continue
        if kind == "authorization":
            am = re.match(r"(?i)(?:Bearer|Basic|Token|Bot|ApiKey|Digest)\s+", val)
            off = am.end() if am else 0
            _mask(chars, m.start("val") + off, m.end("val"))
            continue
        if _REFERENCE.match(val) or (m.group("q") == "" and re.match(r"^[A-Za-z_][\w.]*(\(|\[)?$", val) and not re.search(r"\d", val)):
            continue
        _mask(chars, m.start("val"), m.end("val"))
    # AWS secret keys next to an AWS name on the same line
    for m in re.finditer(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])", text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if aws_secret_key(m.group(1), text[line_start: m.start()]) is not None:
            _mask(chars, m.start(1), m.end(1))
    return "".join(chars)


def redact_lines(lines: Iterable[str]) -> list[str]:
    return [redact_text(line) for line in lines]


# --------------------------------------------------------------------------- Python code
BOTO3_CREDENTIAL_CALLS = frozenset(
    {
        "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session", "boto3.Session.client",
        "boto3.Session.resource", "boto3.session.Session.client", "boto3.session.Session.resource",
        "aioboto3.Session", "botocore.session.get_session.create_client", "aiobotocore.session.get_session.create_client",
    }
)
AWS_CREDENTIAL_KEYWORDS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
CDK_ENVIRONMENT_CALLS = frozenset(
    {
        "aws_cdk.aws_lambda.Function", "aws_cdk.aws_lambda.SingletonFunction", "aws_cdk.aws_lambda.DockerImageFunction",
        "aws_cdk.aws_lambda_python_alpha.PythonFunction", "aws_cdk.aws_lambda_python.PythonFunction",
        "aws_cdk.aws_lambda.CfnFunction.EnvironmentProperty", "aws_cdk.aws_lambda_nodejs.NodejsFunction",
    }
)
ENV_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop", "os.getenvb"})


@dataclass(frozen=True)
class PySecret:
    """One secret literal in a Python module, decided once for every SLS4xx rule."""

    code: str  # the rule that reports it
    node: object  # the ast.Constant
    found: Found
    value: str
    target: str | None  # the credential-named target, if any
    fixable: bool  # the literal can be replaced by an environment lookup


def _target_name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def literal_context(model, node) -> tuple[str | None, str | None, bool]:
    """(target name, claiming rule, fixable) of a string literal."""
    parent = model.parents.get(node)
    if isinstance(parent, ast.JoinedStr) or isinstance(node.value, bytes):
        return None, None, False
    if isinstance(parent, ast.Expr):  # a docstring or a bare string statement
        return None, None, False
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if isinstance(parent, ast.AnnAssign) and parent.annotation is node:
            return None, None, False
        return _target_name(targets[0]), None, True
    if isinstance(parent, ast.keyword):
        call = model.parents.get(parent)
        claim = None
        if parent.arg in AWS_CREDENTIAL_KEYWORDS and isinstance(call, ast.Call) and model.call_name(call) in BOTO3_CREDENTIAL_CALLS and model.enclosing_function(call) is not None:
            claim = "SLS405"
        return parent.arg, claim, True
    if isinstance(parent, ast.Dict):
        if node in parent.keys:
            return None, None, False
        key = parent.keys[parent.values.index(node)]
        name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        claim = None
        holder = model.parents.get(parent)
        if isinstance(holder, ast.keyword) and holder.arg == "environment":
            call = model.parents.get(holder)
            if isinstance(call, ast.Call) and model.call_name(call) in CDK_ENVIRONMENT_CALLS:
                claim = "SLS404"
        elif isinstance(holder, ast.keyword) and holder.arg == "variables":
            call = model.parents.get(holder)
            if isinstance(call, ast.Call) and model.call_name(call) in CDK_ENVIRONMENT_CALLS:
                claim = "SLS404"
        return name, claim, True
    if isinstance(parent, ast.Compare):
        others = [parent.left, *parent.comparators]
        if len(others) == 2 and all(isinstance(op, (ast.Eq, ast.NotEq)) for op in parent.ops):
            other = others[0] if others[1] is node else others[1]
            return _target_name(other) if not isinstance(other, ast.Constant) else None, None, True
        return None, None, False
    if isinstance(parent, ast.arguments):
        args = parent.posonlyargs + parent.args
        if node in parent.defaults:
            i = len(args) - len(parent.defaults) + parent.defaults.index(node)
            return args[i].arg, None, True
        if node in parent.kw_defaults:
            return parent.kwonlyargs[parent.kw_defaults.index(node)].arg, None, True
        return None, None, False
    if isinstance(parent, ast.Call):
        if node in parent.args and isinstance(parent.func, ast.Attribute) and parent.func.attr == "add_environment" and len(parent.args) > 1 and parent.args[1] is node:
            key = parent.args[0]
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            return name, "SLS404", True
        if model.call_name(parent) in ENV_LOOKUPS:
            return None, None, False  # an environment lookup default
        return None, None, True
    return None, None, parent is not None and not isinstance(parent, (ast.Subscript, ast.Attribute))


_CACHE_ATTR = "_sls_lint_secrets"
TESTS_OPTION = ("secrets-in-tests", "boolean", False, "Also report SLS402, SLS403 and SLS405 in test files (test-paths); SLS401 always checks them.")


def python_secrets(ctx) -> list[PySecret]:
    """Every secret literal of the module ``ctx`` visits, each assigned to exactly one rule;
    computed once per module and shared by the SLS4xx rules."""
    model = ctx.model
    cached = getattr(model, _CACHE_ATTR, None)
    if cached is not None and cached[0] is ctx.config:
        return cached[1]
    config = ctx.config
    try:
        in_tests = ctx.is_test_file and not ctx.option("secrets-in-tests")
    except KeyError:
        in_tests = ctx.is_test_file

    def enabled(code: str) -> bool:
        if in_tests and code in ("SLS402", "SLS403", "SLS405"):
            return False
        return config.is_enabled(code) and not config.is_ignored_in(code, ctx.path)

    out: list[PySecret] = []
    parents = model.parents
    for node in long_strings(nodes_of(model, ast.Constant), 6):  # ast.walk order, from the module's shared index
        value = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
        parent = parents.get(node)
        if parent.__class__ is ast.Call and not candidates(value, None):
            # a call's argument has no target name (literal_context gives None, except for the
            # value of CDK's add_environment): with none, a value that holds no candidate is
            # skipped below anyway, so its context (which resolves the call's name) is not needed
            func = parent.func
            if not (func.__class__ is ast.Attribute and func.attr == "add_environment"):
                continue
        name, claim, fixable = literal_context(model, node)
        if claim == "SLS405" and in_tests:
            claim = None
        found = candidates(value, name)
        if not found:
            continue
        chosen = choose(found, enabled, claim)
        if chosen is None:
            continue
        code, f = chosen
        if code == "SLS403":  # the literal must be the URL alone
            whole = fixable and not re.search(r"\s", value) and _URL_PASSWORD.match(value) is not None
        else:
            whole = fixable and value[f.start: f.end] == value.strip()
        out.append(PySecret(code, node, f, value, name, whole))
    setattr(model, _CACHE_ATTR, (config, out))
    return out


STORE_HINTS = {
    "aws-lambda": "SSM Parameter Store or Secrets Manager (referenced from the deployment file, e.g. `${ssm:/path}` or `{{resolve:secretsmanager:name}}`)",
    "cloudflare-workers": "a Worker secret (`wrangler secret put {name}`, read from `self.env.{name}`)",
    "vercel": "the Vercel project's environment variables (`vercel env add {name}`)",
    "gcp-functions": "Secret Manager",
    "azure-functions": "Key Vault (a Key Vault reference in the app settings)",
}


def store_hint(platforms: Iterable[str], name: str) -> str:
    """Where to keep the secret instead, for the platforms the code is deployed to."""
    hints = [STORE_HINTS[p].replace("{name}", name) for p in dict.fromkeys(platforms) if p in STORE_HINTS]
    if not hints:
        hints = [f"your platform's secret store (SSM / Secrets Manager, `wrangler secret put {name}`, Vercel env)"]
    return " or ".join(hints)


def platforms_for(ctx) -> list[str]:
    """Platforms of the functions that run this module (or of the whole project)."""
    here = [f.platform for f in ctx.functions_here]
    if here:
        return here
    return sorted({f.platform for f in ctx.project.functions})


def report_python(rule, ctx, secret: PySecret) -> None:
    """Report one SLS401/402/403 finding with a redacted message and an unsafe env-lookup fix."""
    from sls_lint.core import Applicability, FixIntent

    f = secret.found
    env = env_name(secret.target) if secret.target and f.rule != "SLS401" else None
    env = env or (env_name(secret.target) if secret.target and credential_kind(secret.target) else None) or f.env
    shown = display(secret.value, f)
    where = store_hint(platforms_for(ctx), env)
    fix = None
    node = secret.node
    if secret.fixable:
        found = ctx.model.lookup("os", ctx.model.scope_at(node))
        if found is None or found[0].imports.get("os") == "os":
            fix = FixIntent(
                "replace-node",
                f'Read it from `os.environ["{env}"]` (move the value to {where.split(" (")[0]})',
                Applicability.UNSAFE,
                ctx.span(node),
                (("code", f'os.environ["{env}"]'), ("imports", (("os", None),))),
            )
    target = f" in `{secret.target}`" if secret.target else ""
    ctx.report(
        node,
        f"{f.kind[0].upper() + f.kind[1:]} `{shown}`{target} is hard-coded; move the value to {where} and read it from the environment",
        fix=fix,
        fingerprint=fingerprint(secret_of(secret.value, f)),
    )


def edits_without_secrets(edits):
    """The edits of a fix, or ``[]`` when any edit's new text holds a secret-looking value (a fix
    that moves a line with a secret): outputs never print a secret, and a masked edit would be
    wrong, so such edits are not shown (``--fix`` still applies them)."""
    edits = list(edits)
    if any(redact_text(e.new_text) != e.new_text for e in edits):
        return []
    return edits
