"""Secret detection, precedence and redaction (sls_lint.secrets), and proof through the real CLI
that no secret value appears whole in any output: text (with excerpts and --show-fixes), JSON,
GitHub annotations, SARIF/JUnit when available, and --diff of an unrelated fix.

Credential-shaped values are assembled at run time so that this repository holds none.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sls_lint import secrets as S

AKIA = "AKIA" + "Z3MHQWERTYUIOP2K"
AWS_SECRET = "Zx9kLm2Qw8Rt5Yp1" + "Vb7Nc3Hj6Gf4Ds0Aa2Ss8Dd9"
GHP = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
STRIPE = "sk_" + "live_Q2w9Er7Ty4Ui1Op6As3Df8Gh"  # not the docs' example key (rule help is in SARIF)
PASSWORD = "Tr0ub4dor" + "&3xQ"
DB_PASSWORD = "N0tS0" + "S3cretPw"
VERCEL_KEY = "q8Lm2Zt7" + "Rv4Kx9Wp1Hs6"
WORKER_TOKEN = "a8f5f167f44f4964" + "e6c998dee827110c"
SECRETS = (AKIA, AWS_SECRET, GHP, STRIPE, PASSWORD, DB_PASSWORD, VERCEL_KEY, WORKER_TOKEN)


# --------------------------------------------------------------------------- detection
@pytest.mark.parametrize(
    "value,name,rule",
    [
        (AKIA, None, "SLS401"),
        (GHP, None, "SLS401"),
        (STRIPE, None, "SLS401"),
        (AWS_SECRET, "aws_secret_access_key", "SLS401"),
        (f"postgresql://app:{DB_PASSWORD}@db.prod.internal/x", None, "SLS403"),
        (PASSWORD, "db_password", "SLS402"),
        (WORKER_TOKEN, "apiToken", "SLS402"),
        ("Bearer " + WORKER_TOKEN, "Authorization", "SLS402"),
    ],
)
def test_detects(value, name, rule):
    found = S.candidates(value, name)
    assert found and found[0].rule == rule


@pytest.mark.parametrize(
    "value,name",
    [
        ("AKIAIOSFODNN7EXAMPLE", None),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key"),
        ("AKIA" + "A" * 16, None),
        ("AKIA" + "ABCDEFGHIJKLMNOP", None),  # an alphabet run, not a key
        (AWS_SECRET, "some_value"),  # 40 characters without an AWS secret-key name
        ("${STRIPE_KEY}", "stripe_key"),
        ("{{ secrets.TOKEN }}", "token"),
        ("DB_PASSWORD", "password"),
        ("prod/db/password", "secret"),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", "db_secret"),
        ("https://auth.example.com/token", "token"),
        ("x-api-key", "api_key_header"),
        ("x-api-key", "api_key"),
        ("", "password"),
        ("changeme", "password"),
        ("<password>", "password"),
        ("Enter your password", "password"),
        (PASSWORD, "password_field"),
        (PASSWORD, "secret_name"),
        (PASSWORD, "max_tokens"),
        ("postgresql://app:${DB_PASSWORD}@db/x", None),
        ("postgresql://postgres:postgres@localhost:5432/x", None),
        ("postgresql://app:password@db.prod.internal/x", None),
    ],
)
def test_not_secrets(value, name):
    assert S.candidates(value, name) == []


def test_entropy_gates_known_formats():
    low = "ghp_" + "a" * 18 + "b" * 18
    assert S.find_formats(low) == []
    assert S.shannon_entropy("aaaa") == 0.0
    assert S.shannon_entropy("abcd") == 2.0


def test_precedence_one_rule_per_secret():
    found = S.candidates(f"postgresql://app:{DB_PASSWORD}@db.prod.internal/x", "db_password")
    assert [f.rule for f in found] == ["SLS403"]  # a URL under a credential name is SLS403's only
    both = S.candidates(AKIA, "password")
    assert [f.rule for f in both] == ["SLS401", "SLS402"]
    assert S.choose(both, lambda c: True)[0] == "SLS401"
    assert S.choose(both, lambda c: c != "SLS401")[0] == "SLS402"  # the next enabled rule takes it
    assert S.choose(both, lambda c: True, claim="SLS404")[0] == "SLS404"
    assert S.choose(both, lambda c: c != "SLS404", claim="SLS404")[0] == "SLS401"
    assert S.PRECEDENCE.index("SLS401") < S.PRECEDENCE.index("SLS403") < S.PRECEDENCE.index("SLS402")


def test_redaction_keeps_only_a_non_secret_prefix():
    f = S.candidates(AKIA)[0]
    assert S.display(AKIA, f) == "AKIA****************"
    g = S.candidates(PASSWORD, "password")[0]
    assert S.display(PASSWORD, g) == "********"  # neither a prefix nor the length of a password
    url = f"mysql://svc:{DB_PASSWORD}@db.prod.internal:3306/app"
    u = S.candidates(url)[0]
    assert S.display(url, u) == "mysql://svc:********@db.prod.internal:3306"


def test_fingerprint_is_a_digest_not_the_secret():
    fp = S.fingerprint(AKIA)
    assert fp.startswith("sha256:") and len(fp) == 7 + 64 and AKIA not in fp
    assert fp == S.fingerprint(AKIA) != S.fingerprint(GHP)


@pytest.mark.parametrize(
    "line",
    [
        f'KEY = "{AKIA}"',
        f"    password='{PASSWORD}'  # keep",
        f"  DB_PASSWORD: {PASSWORD}",
        f'{{"OPENAI_API_KEY": "{VERCEL_KEY}"}}',
        f'API_TOKEN = "{WORKER_TOKEN}"',
        f'url = "postgresql://app:{DB_PASSWORD}@db.prod.internal/x"',
        f'client(aws_access_key_id="{AKIA}", aws_secret_access_key="{AWS_SECRET}")',
        f'headers = {{"Authorization": "Bearer {WORKER_TOKEN}"}}',
        f"-    token = '{GHP}'",
    ],
)
def test_redact_text_masks_and_keeps_length(line):
    out = S.redact_text(line)
    assert len(out) == len(line)
    for s in SECRETS:
        assert s not in out


def test_redact_text_leaves_ordinary_code_alone():
    code = 'import os\n\ntoken = os.environ["TOKEN"]\nurl = "https://example.com/a?b=1"\npassword = get_password()\n'
    assert S.redact_text(code) == code


# --------------------------------------------------------------------------- the real CLI
HANDLER = f'''import os

import boto3
import requests

API_TOKEN = "{WORKER_TOKEN}"
GITHUB = "{GHP}"


def handler(event, context):
    s3 = boto3.client("s3", aws_access_key_id="{AKIA}", aws_secret_access_key="{AWS_SECRET}")
    db_password = "{PASSWORD}"
    conn_url = "postgresql://app:{DB_PASSWORD}@db.prod.internal:5432/orders"
    r = requests.get("https://api.example.com/items")
    return r.json(), s3, db_password, conn_url
'''
SERVERLESS = f"""service: shop
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_API_KEY: {STRIPE}
    TABLE: orders
functions:
  api:
    handler: handler.handler
    timeout: 10
"""
VERCEL = json.dumps({"env": {"OPENAI_API_KEY": VERCEL_KEY}})
WRANGLER = f'name = "w"\nmain = "worker.py"\n\n[vars]\nAPI_TOKEN = "{WORKER_TOKEN}"\n'


@pytest.fixture()
def leaky(tmp_path):
    (tmp_path / "handler.py").write_text(HANDLER)
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    (tmp_path / "vercel.json").write_text(VERCEL)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "index.py").write_text("def handler(request):\n    return 1\n")
    (tmp_path / "wrangler.toml").write_text(WRANGLER)
    (tmp_path / "worker.py").write_text("def on_fetch(request, env):\n    return 1\n")
    return tmp_path


def cli(args, cwd):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sls_lint.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def assert_no_secret(text: str) -> None:
    for s in SECRETS:
        assert s not in text, f"secret {s[:4]}… printed whole"


def test_findings_are_complete_and_redacted(leaky):
    p = cli(["check", "--select", "SLS4", "--format", "json", "."], leaky)
    assert_no_secret(p.stdout + p.stderr)
    found = sorted((d["code"], d["path"], d["line"]) for d in json.loads(p.stdout)["diagnostics"])
    assert found == [
        ("SLS401", "handler.py", 7),
        ("SLS402", "handler.py", 6),
        ("SLS402", "handler.py", 12),
        ("SLS403", "handler.py", 13),
        ("SLS404", "serverless.yml", 6),
        ("SLS404", "vercel.json", 1),
        ("SLS404", "wrangler.toml", 5),
        ("SLS405", "handler.py", 11),
    ]
    messages = " ".join(d["message"] for d in json.loads(p.stdout)["diagnostics"])
    assert "AKIA****************" in messages and "sk_live_****************" in messages and "ghp_****************" in messages


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_no_secret_in_any_output_format(leaky, fmt):
    p = cli(["check", "--select", "ALL", "--show-fixes", "--format", fmt, "."], leaky)
    if p.returncode == 2 and "not available" in p.stderr:
        pytest.skip(f"--format {fmt} is not available in this build")
    assert p.returncode == 1, p.stderr
    assert p.stdout.strip()
    assert_no_secret(p.stdout + p.stderr)


def test_text_excerpt_shows_the_line_masked(leaky):
    p = cli(["check", "--select", "SLS401", "."], leaky)
    assert 'GITHUB = "ghp_' + "*" * 36 + '"' in p.stdout
    assert_no_secret(p.stdout)


def test_diff_of_an_unrelated_fix_masks_nearby_secrets(leaky):
    # SLS201's fix changes line 14; the diff's context lines are the secret lines around it
    p = cli(["check", "--select", "SLS201", "--diff", "--unsafe-fixes", "."], leaky)
    assert p.returncode == 1, p.stderr
    assert "timeout=9" in p.stdout and "db_password = " in p.stdout and "conn_url = " in p.stdout
    assert_no_secret(p.stdout + p.stderr)


def test_diff_of_the_secret_fixes_masks_the_removed_lines(leaky):
    p = cli(["check", "--select", "SLS4", "--diff", "--unsafe-fixes", "."], leaky)
    assert p.returncode == 1, p.stderr
    assert '+    db_password = os.environ["DB_PASSWORD"]' in p.stdout
    assert '+API_TOKEN = os.environ["API_TOKEN"]' in p.stdout
    assert '+    conn_url = os.environ["CONN_URL"]' in p.stdout
    assert '+    s3 = boto3.client("s3")' in p.stdout
    assert_no_secret(p.stdout + p.stderr)


def test_fixing_secrets_writes_env_lookups_and_is_idempotent(leaky):
    p = cli(["check", "--select", "SLS401,SLS402,SLS403,SLS405", "--fix", "--unsafe-fixes", "."], leaky)
    assert_no_secret(p.stdout + p.stderr)
    fixed = (leaky / "handler.py").read_text()
    compile(fixed, "handler.py", "exec")
    for s in (AKIA, AWS_SECRET, GHP, PASSWORD, DB_PASSWORD, WORKER_TOKEN):
        assert s not in fixed
    assert 'GITHUB = os.environ["GITHUB_TOKEN"]' in fixed  # NAME from the credential kind
    again = cli(["check", "--select", "SLS401,SLS402,SLS403,SLS405", "--diff", "--unsafe-fixes", "."], leaky)
    assert again.stdout == "", again.stdout


def test_suppression_comment_in_yaml_and_python(leaky):
    text = SERVERLESS.replace(f"STRIPE_API_KEY: {STRIPE}", f"STRIPE_API_KEY: {STRIPE}  # sls-lint: ignore[SLS404]")
    (leaky / "serverless.yml").write_text(text)
    (leaky / "handler.py").write_text(HANDLER.replace(f'GITHUB = "{GHP}"', f'GITHUB = "{GHP}"  # noqa: SLS401'))
    p = cli(["check", "--select", "SLS4", "--format", "json", "."], leaky)
    found = {(d["code"], d["path"]) for d in json.loads(p.stdout)["diagnostics"]}
    assert ("SLS404", "serverless.yml") not in found and ("SLS401", "handler.py") not in found


def test_redaction_of_a_repeated_excerpt_line_is_computed_once():
    """A report shows the same source line for every finding on it (and the same lines across
    runs in one process): redact_text is a pure function, memoised."""
    line = f'client = connect(password="{PASSWORD}", host="db")'
    S.redact_text.cache_clear()
    first = S.redact_text(line)
    assert PASSWORD not in first and len(first) == len(line)
    for _ in range(5):
        assert S.redact_text(line) == first
    info = S.redact_text.cache_info()
    assert (info.misses, info.hits) == (1, 5)
