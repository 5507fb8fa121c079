"""--format sarif: valid SARIF 2.1.0 (checked against the official JSON Schema), rule metadata and
help from the rule docs, fix replacements that really fix the file, and no secret written whole."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sls_lint.core import Diagnostic, Severity, Span
from sls_lint.docs import render_rule
from sls_lint.reporters import ReportContext
from sls_lint.reporters.sarif import DOCS_URL, redact, render
from sls_lint.rule import rule_by_code

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO.parent / "shared" / "testdata" / "sarif-schema-2.1.0.json"
BAD = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"
CLIENT = "import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"


def sarif_of(tmp_path, *extra) -> dict:
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--format", "sarif", *extra, "."], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    return json.loads(p.stdout)


@pytest.fixture
def validator():
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF 2.1.0 schema not found at {SCHEMA} (it lives in the shared folder beside the repository)")
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def test_valid_against_schema_with_rules_help_and_fixes(tmp_path, validator):
    (tmp_path / "handler.py").write_text(BAD)
    (tmp_path / "other.py").write_text(CLIENT)
    data = sarif_of(tmp_path)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert data["version"] == "2.1.0"
    (run,) = data["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"SLS101", "SLS201"} <= set(rules)
    r201 = rules["SLS201"]
    assert r201["name"] == "http-call-without-timeout"
    assert r201["help"]["markdown"] == render_rule(rule_by_code("SLS201"))
    assert r201["helpUri"] == DOCS_URL + "SLS201.md"
    assert r201["fullDescription"]["text"] and r201["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = {r["ruleId"]: r for r in run["results"]}
    res = results["SLS201"]
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "SLS201"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "handler.py"
    assert loc["region"]["startLine"] == 5 and loc["region"]["startColumn"] == 12
    assert len(res["partialFingerprints"]["slsLintFingerprint/v1"]) == 64
    # the fix's replacements, applied, give the fixed file
    (fix,) = res["fixes"]
    assert "unsafe" in fix["description"]["text"]
    (change,) = fix["artifactChanges"]
    text = BAD
    lines = text.splitlines(True)
    for rep in sorted(change["replacements"], key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]), reverse=True):
        reg = rep["deletedRegion"]
        off = lambda line, col: sum(len(x) for x in lines[: line - 1]) + col - 1  # noqa: E731
        text = text[: off(reg["startLine"], reg["startColumn"])] + rep["insertedContent"]["text"] + text[off(reg["endLine"], reg["endColumn"]) :]
    assert "timeout=10" in text and compile(text, "h", "exec")


def test_empty_run_is_valid(tmp_path, validator):
    (tmp_path / "ok.py").write_text("x = 1\n")
    p = subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--no-cache", "--format", "sarif", "."], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert not list(validator.iter_errors(data))
    assert data["runs"][0]["results"] == [] and data["runs"][0]["tool"]["driver"]["rules"] == []


def test_secrets_are_redacted_and_fingerprint_source_never_written(validator):
    key = "AKIA" + "ABCDEFGHIJKLMNOP"
    db = "postgres://app:hunter2hunter2@db.example.com/orders"
    d = Diagnostic("SLS201", "http-call-without-timeout", Severity.ERROR, "h.py", Span(1, 1, 1, 5), f"hard-coded {key} and {db}", fingerprint_source=f"KEY = '{key}'")
    out = render([d], context=ReportContext(version="0", sources={}))
    assert key not in out and "hunter2hunter2" not in out and "KEY = " not in out
    assert "AKIA****************" in out and "postgres://app:****@db.example.com" in out
    assert not list(validator.iter_errors(json.loads(out)))


def test_redact_keeps_ordinary_text():
    assert redact("requests.get without timeout") == "requests.get without timeout"
    assert redact("see https://example.com/a:b@c") == "see https://example.com/a:b@c"  # no userinfo
