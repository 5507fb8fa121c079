"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` describes every rule that has a finding (id, name, short and
full description, the rule's documentation page as ``help`` text and markdown, ``helpUri``,
default level); each result has its location (character columns: ``columnKind`` is
``unicodeCodePoints``), a ``partialFingerprints`` entry (the baseline fingerprint: a one-way
hash, never the source) and, where the rule can fix it, ``fixes`` with the exact replacements.
Messages and fix texts go through :func:`redact` so that a credential is never written whole.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import quote

from sls_lint.core import Diagnostic, TextEdit
from sls_lint.reporters import ReportContext, escape_tree, ordered

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# Where each rule's generated page lives (docs/rules/<CODE>.md in the repository); the SARIF
# helpUri and the LSP's codeDescription link here. The one place to change when the repo moves.
DOCS_URL = "https://github.com/sls-lint/sls-lint/blob/main/docs/rules/"
INFORMATION_URI = "https://github.com/sls-lint/sls-lint"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "slsLintFingerprint/v1"

# Credential formats (reference/serverless-facts.md §4): kept to their first four characters.
_SECRETS = re.compile(
    r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"
    r"|gh[pousr]_[A-Za-z0-9_]{36,}|github_pat_\w{82}"
    r"|xox[abposr]-[0-9A-Za-z-]{10,}"
    r"|(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}"
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"
    r"|-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY-----[\s\S]*?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY-----|$)"
)
_URL_PASSWORD = re.compile(r"(://[^{}\s:/@]*:)([^{}\s@/]+)(@)")


def redact(text: str) -> str:
    """``AKIA****************``: credential-shaped substrings keep four characters; a password
    inside a URL (``postgres://u:pw@h``) becomes ``****``."""
    text = _SECRETS.sub(lambda m: m.group(0)[:4] + "*" * min(len(m.group(0)) - 4, 40), text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def rule_url(code: str) -> str:
    return f"{DOCS_URL}{code}.md"


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def rule_descriptor(rule: Any) -> dict[str, Any]:
    from sls_lint.docs import render_rule

    sections = rule.sections()
    markdown = render_rule(rule)
    full = _first_paragraph(sections.get("What it does", "")) or rule.summary
    family = rule.module_name.split(".")[-2] if rule.module_name.count(".") >= 3 else "tool"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": full},
        "help": {"text": re.sub(r"[`*]", "", markdown), "markdown": markdown},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVELS.get(rule.severity.value, "warning")},
        "properties": {"tags": ["serverless", family], "precision": "high", "fix": rule.fix_availability.value},
    }


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": max(line, 1), "startColumn": max(column, 1), "endLine": max(end_line, line, 1), "endColumn": max(end_column, 1)}


def _artifact(path: str) -> dict[str, str]:
    # the file name's own bytes, percent-encoded: a non-UTF-8 name (os.fsdecode's surrogates)
    # gives the URI of the real file (caf%E9.py)
    return {"uri": quote(path.replace(os.sep, "/"), errors="surrogateescape"), "uriBaseId": "%SRCROOT%"}


def _edits(index: int, d: Diagnostic, context: ReportContext) -> list[TextEdit]:
    if index in context.edits:
        return list(context.edits[index])
    source = context.sources.get(d.path)
    if source is None or d.fix is None or d.fix.applicability.value == "display-only":
        return []
    from sls_lint.fixers import FixError, edits_for

    try:
        from sls_lint.secrets import edits_without_secrets

        return edits_without_secrets(edits_for(source, d.fix, path=d.path))  # never print a secret
    except (FixError, ValueError, SyntaxError):
        return []


def result(index: int, d: Diagnostic, rule_index: dict[str, int], context: ReportContext) -> dict[str, Any]:
    from sls_lint.baseline import fingerprint

    out: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVELS.get(d.severity.value, "warning"),
        "message": {"text": redact(d.message)},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(d.path), "region": _region(d.span.line, d.span.column, d.span.end_line, d.span.end_column)}}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d)},
    }
    if d.code in rule_index:
        out["ruleIndex"] = rule_index[d.code]
    if d.function:
        out["properties"] = {"function": d.function}
    if d.fix is not None:
        edits = _edits(index, d, context)
        suffix = {"safe": "", "unsafe": " (unsafe fix: review it)", "display-only": " (suggestion: not applied automatically)"}[d.fix.applicability.value]
        if edits:
            out["fixes"] = [
                {
                    "description": {"text": redact(d.fix.title) + suffix},
                    "artifactChanges": [
                        {
                            "artifactLocation": _artifact(d.path),
                            "replacements": [
                                {"deletedRegion": _region(e.line, e.column, e.end_line, e.end_column), "insertedContent": {"text": redact(e.new_text)}}
                                for e in edits
                            ],
                        }
                    ],
                }
            ]
        out.setdefault("properties", {})["fix"] = {"applicability": d.fix.applicability.value, "title": redact(d.fix.title)}
    return out


def _base_uri() -> str:
    uri = Path(os.getcwd()).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def render(diagnostics: Sequence[Diagnostic], *, context: ReportContext) -> str:
    from sls_lint.rule import all_rules

    by_code = {r.code: r for r in all_rules()}
    codes = sorted({d.code for d in diagnostics} & set(by_code))
    rule_index = {code: i for i, code in enumerate(codes)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "sls-lint",
                "version": context.version,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(by_code[c]) for c in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _base_uri()}},
        "results": [result(i, d, rule_index, context) for i, d in ordered(diagnostics)],
    }
    # texts that quote a non-UTF-8 file name (messages, function names) get ``\\xNN`` escapes
    return json.dumps(escape_tree({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}), indent=2, ensure_ascii=False) + "\n"


def merge(documents: Sequence[dict]) -> dict:
    """One SARIF log from several (e.g. the shards of one run): one run, the union of the rule
    descriptors, every result (``ruleIndex`` renumbered), sorted like a single run's."""
    rules: dict[str, dict] = {}
    results: list[dict] = []
    driver: dict[str, Any] = {}
    base: dict[str, Any] = {}
    for doc in documents:
        for run in doc.get("runs", []):
            d = run.get("tool", {}).get("driver", {})
            driver = driver or {k: v for k, v in d.items() if k != "rules"}
            base = base or run.get("originalUriBaseIds", {})
            for r in d.get("rules", []):
                rules.setdefault(r["id"], r)
            results.extend(run.get("results", []))
    codes = sorted(rules)
    index = {c: i for i, c in enumerate(codes)}

    def key(r: dict) -> tuple:
        loc = r["locations"][0]["physicalLocation"] if r.get("locations") else {}
        reg = loc.get("region", {})
        return (loc.get("artifactLocation", {}).get("uri", ""), reg.get("startLine", 0), reg.get("startColumn", 0), r.get("ruleId", ""))

    out = []
    for r in sorted(results, key=key):
        r = dict(r)
        if r.get("ruleId") in index:
            r["ruleIndex"] = index[r["ruleId"]]
        out.append(r)
    run = {"tool": {"driver": {**driver, "rules": [rules[c] for c in codes]}}, "columnKind": "unicodeCodePoints", "results": out}
    if base:
        run["originalUriBaseIds"] = base
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
