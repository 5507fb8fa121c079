"""set-config-key on YAML, JSON(C) and TOML: only the lines a fix needs change (diffed before
and after, on files with comments, anchors and aliases, flow style, CFN tags and CRLF), the
result means exactly "old data + this key", and fixing twice changes nothing."""
from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from sls_lint.core import Applicability, FixIntent, freeze
from sls_lint.fixers import fix_source, register, register_validator
from sls_lint.fixers.registry import validator_for
from sls_lint.project.jsonload import load_json
from sls_lint.project.tomlload import load_toml
from sls_lint.project.yamlload import load_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "deploy_config"


def intent(path, key, value, *, replace=False, after=()):
    return FixIntent("set-config-key", f"set {key}", Applicability.SAFE, None,
                     freeze({"path": list(path), "key": key, "value": json.dumps(value), "replace": replace,
                             "after": list(after)}))


def apply(text: str, name: str, *intents: FixIntent) -> str:
    new, applied, failed = fix_source(text, list(intents), path=name)
    assert not failed, failed
    assert len(applied) == len(intents)
    return new


def changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines), line breaks included."""
    removed, added = [], []
    for line in difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def idempotent(text: str, name: str, *intents: FixIntent) -> None:
    again, applied, failed = fix_source(text, list(intents), path=name)
    assert again == text and not applied
    assert all("changes nothing" in reason for _i, reason in failed)


SLS = (FIXTURES / "sls" / "serverless.yml").read_text(encoding="utf-8")


# -- YAML ---------------------------------------------------------------------------------------
def test_yaml_block_insert_touches_one_line_and_keeps_everything_else():
    new = apply(SLS, "serverless.yml", intent(("functions", "createOrder"), "timeout", 10, after=("handler",)))
    removed, added = changes(SLS, new)
    assert removed == [] and added == ["    timeout: 10\n"]
    assert new.index("timeout: 10") > new.index("# POST /orders")  # after the handler line, its comment kept
    assert load_yaml(new).data["functions"]["createOrder"]["timeout"] == 10
    idempotent(new, "serverless.yml", intent(("functions", "createOrder"), "timeout", 10))


def test_yaml_insert_into_indentless_sequence_item_mapping():
    path = ("functions", "worker", "events", 0, "sqs")
    new = apply(SLS, "serverless.yml", intent(path, "functionResponseType", "ReportBatchItemFailures"))
    assert changes(SLS, new) == ([], ["        functionResponseType: ReportBatchItemFailures\n"])
    assert "batchSize: 10   # max for FIFO\n        functionResponseType" in new


def test_yaml_flow_mapping_replace_and_insert_stay_on_their_line():
    new = apply(SLS, "serverless.yml",
                intent(("functions", "export"), "timeout", 30, replace=True),
                )
    new = apply(new, "serverless.yml", intent(("functions", "export"), "memorySize", 1024))
    removed, added = changes(SLS, new)
    assert removed == ["  export: {handler: src/orders.export, timeout: 120, events: [{httpApi: GET /export}]}\n"]
    assert added == ["  export: {handler: src/orders.export, timeout: 30, events: [{httpApi: GET /export}], memorySize: 1024}\n"]


def test_yaml_merge_key_explicit_value_wins_and_anchor_is_untouched():
    new = apply(SLS, "serverless.yml", intent(("functions", "worker"), "memorySize", 2048, replace=True))
    data = load_yaml(new).data
    assert data["functions"]["worker"]["memorySize"] == 2048
    assert data["functions"]["createOrder"]["memorySize"] == 512  # the anchor still says 512
    assert data["custom"]["defaults"]["memorySize"] == 512


def test_yaml_refuses_to_edit_an_anchor_shared_by_aliases():
    fix = intent(("custom", "defaults"), "timeout", 10)
    new, applied, failed = fix_source(SLS, [fix], path="serverless.yml")
    assert new == SLS and not applied
    assert "anchor, alias or merge" in failed[0][1]
    text = "base: &b\n  a: 1\nfn: *b\n"
    new, applied, failed = fix_source(text, [intent(("fn",), "c", 2)], path="x.yaml")
    assert new == text and "alias" in failed[0][1]


def test_yaml_existing_key_through_merge_is_left_alone():
    text = "d: &d\n  timeout: 5\nf:\n  <<: *d\n  handler: h.f\n"
    new, applied, failed = fix_source(text, [intent(("f",), "timeout", 10)], path="serverless.yml")
    assert new == text and "changes nothing" in failed[0][1]


def test_yaml_crlf_cfn_tags_and_creation_of_missing_mappings():
    text = (FIXTURES / "sam" / "template.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    path = ("Resources", "ApiFunction", "Properties", "Events", "Get", "Properties")
    new = apply(text, "template.yaml",
                intent(("Resources", "ApiFunction", "Properties"), "Tracing", "Active", after=("Handler",)),
                intent(("Resources", "Table", "Properties", "SSESpecification"), "SSEEnabled", True),
                intent(path, "TimeoutInMillis", 10000))
    assert "\n" not in new.replace("\r\n", "")  # every line break is still CRLF
    removed, added = changes(text, new)
    assert removed == ["          Properties: {Path: /orders, Method: get}\r\n"]
    assert added == [
        "      Tracing: Active\r\n",
        "          Properties: {Path: /orders, Method: get, TimeoutInMillis: 10000}\r\n",
        "      SSESpecification:\r\n",
        "        SSEEnabled: true\r\n",
    ]
    data = load_yaml(new).data
    assert data["Outputs"]["Api"]["Value"].tag == "!GetAtt"  # short tags untouched
    assert data["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]["URL"].tag == "!Sub"


def test_yaml_block_scalar_and_trailing_comments_belong_to_what_follows():
    text = "fn:\n  code: |\n    line one\n    line two\n\n  # tuning\n  # timeout: 3\nnext: 1\n"
    new = apply(text, "x.yml", intent(("fn",), "timeout", 10))
    assert new == "fn:\n  code: |\n    line one\n    line two\n  timeout: 10\n\n  # tuning\n  # timeout: 3\nnext: 1\n"
    assert load_yaml(new).data["fn"]["code"] == "line one\nline two\n"


def test_yaml_values_are_quoted_when_yaml_would_read_them_differently():
    new = apply("a:\n  b: 1\n", "x.yml", intent(("a",), "c", "yes"), intent(("a",), "d", "x: y"), intent(("a",), "e", "042"))
    assert load_yaml(new).data["a"] == {"b": 1, "c": "yes", "d": "x: y", "e": "042"}


def test_yaml_no_final_newline_and_unicode_before_the_insertion_point():
    text = "name: café ☕\nfn:\n  handler: h.f"
    new = apply(text, "x.yml", intent(("fn",), "timeout", 5))
    assert new == "name: café ☕\nfn:\n  handler: h.f\n  timeout: 5"


# -- JSON / JSONC ---------------------------------------------------------------------------------
def test_json_tabs_and_nested_object_keep_indentation():
    text = (FIXTURES / "vercel" / "vercel.json").read_text(encoding="utf-8")
    new = apply(text, "vercel.json", intent(("functions", "api/index.py"), "maxDuration", 30))
    removed, added = changes(text, new)
    assert removed == ["\t\t\t\"memory\": 1024\n"]
    assert added == ["\t\t\t\"memory\": 1024,\n", "\t\t\t\"maxDuration\": 30\n"]
    idempotent(new, "vercel.json", intent(("functions", "api/index.py"), "maxDuration", 30))


def test_json_four_space_cfn_template_and_new_nested_object():
    text = (FIXTURES / "cfn_json" / "template.json").read_text(encoding="utf-8")
    props = ("Resources", "Thumbs", "Properties")
    new = apply(text, "template.json", intent(props, "Timeout", 10, after=("Handler",)),
                intent(props + ("TracingConfig",), "Mode", "Active"))
    removed, added = changes(text, new)
    assert removed == ['                "Role": {"Fn::GetAtt": ["Role", "Arn"]}\n']
    assert added == ['                "Timeout": 10,\n', '                "Role": {"Fn::GetAtt": ["Role", "Arn"]},\n',
                     '                "TracingConfig": {"Mode": "Active"}\n']
    assert load_json(new).data["Resources"]["Thumbs"]["Properties"]["TracingConfig"] == {"Mode": "Active"}


def test_jsonc_comments_and_trailing_commas_kept():
    text = (FIXTURES / "wrangler_jsonc" / "wrangler.jsonc").read_text(encoding="utf-8")
    new = apply(text, "wrangler.jsonc", intent(("observability",), "enabled", True))
    assert changes(text, new) == ([], ['  "observability": {"enabled": true},\n'])
    assert "// Python Worker" in new and "/* entry */" in new
    again = apply(new, "wrangler.jsonc", intent(("observability",), "head_sampling_rate", 1))
    assert load_json(again, tolerant=True).data["observability"] == {"enabled": True, "head_sampling_rate": 1}


def test_json_crlf_and_line_comment_after_the_last_member():
    text = '{\r\n  "a": 1 // one\r\n}\r\n'
    new = apply(text, "wrangler.json", intent((), "b", 2))
    assert new == '{\r\n  "a": 1, // one\r\n  "b": 2\r\n}\r\n'


# -- TOML -------------------------------------------------------------------------------------------
def test_toml_new_table_keeps_comments_and_crlf():
    text = (FIXTURES / "wrangler_toml" / "wrangler.toml").read_text(encoding="utf-8")
    for nl in ("\n", "\r\n"):
        src = text.replace("\n", nl)
        new = apply(src, "wrangler.toml", intent(("observability",), "enabled", True))
        assert new.startswith(src)  # nothing before the new table changed
        assert new[len(src):] == f"{nl}[observability]{nl}enabled = true{nl}"
        assert load_toml(new).data["observability"] == {"enabled": True}
        idempotent(new, "wrangler.toml", intent(("observability",), "enabled", True))


def test_toml_key_in_existing_table():
    text = '[vars]  # plain vars\nMODE = "x"\n\n[limits]\ncpu_ms = 50\n'
    new = apply(text, "wrangler.toml", intent(("vars",), "LEVEL", "debug"))
    assert new == '[vars]  # plain vars\nMODE = "x"\nLEVEL = "debug"\n\n[limits]\ncpu_ms = 50\n'


# -- safety nets ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,good,bad", [
    ("serverless.yml", "a: 1\n", "a: [1\n"),
    ("template.yaml", "a: !Ref B\n", "a: : :\n"),
    ("vercel.json", '{"a": 1}', '{"a": 1,}'),
    ("wrangler.jsonc", '{"a": 1, // c\n}', '{"a": 1 "b": 2}'),
    ("wrangler.toml", "a = 1\n", "a = \n"),
])
def test_validators_reject_broken_results(name, good, bad):
    check = validator_for(name)
    assert check is not None
    assert check(good, good) is None
    assert check(bad, good)
    assert check(bad, bad) is None  # it was broken before: not the fix's fault


def test_a_fix_that_breaks_the_file_is_dropped():
    @register("test-break-yaml", suffixes=(".yml",))
    def _break(source, _intent):
        return source + "oops: [\n"

    text = "a: 1\n"
    fix = FixIntent("test-break-yaml", "break", Applicability.SAFE)
    new, applied, failed = fix_source(text, [fix], path="serverless.yml")
    assert new == text and not applied
    assert "does not parse" in failed[0][1]


def test_bad_params_and_unparseable_files_give_clear_reasons():
    bad = FixIntent("set-config-key", "x", Applicability.SAFE, None, (("key", "k"), ("path", ()), ("value", "{nope")))
    _new, _applied, failed = fix_source("a: 1\n", [bad], path="x.yml")
    assert "not JSON" in failed[0][1]
    _new, _applied, failed = fix_source("a: [\n", [intent((), "k", 1)], path="x.yml")
    assert "cannot be parsed" in failed[0][1]
    _new, _applied, failed = fix_source("a: 1\n", [intent(("a",), "k", 1)], path="x.yml")
    assert "not a mapping" in failed[0][1]
    _new, _applied, failed = fix_source("[1, 2]", [intent((), "k", 1)], path="x.json")
    assert "not an object" in failed[0][1]
