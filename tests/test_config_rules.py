"""Deployment-configuration rules (SLS003, SLS701-707) through the CLI: fixes on every format
change only the lines they must and a second run changes nothing; suppression comments in
YAML/TOML and per-file-ignores for JSON; hostile files end in SLS001 in bounded time and memory."""
from __future__ import annotations

import difflib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "deploy_config"
SLS_LINT = str(Path(sys.executable).with_name("sls-lint"))
SELECT = "SLS003,SLS7"


def run(cwd: Path, *args: str, timeout: float = 120, memory_mb: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([SLS_LINT, "check", ".", "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=env)


def diagnostics(cwd: Path, *args: str) -> list[dict]:
    out = run(cwd, "--format", "json", *args)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["diagnostics"]


def project(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


FIXED = {
    "sls": ("serverless.yml", [
        "  export: {handler: src/orders.export, timeout: 120, events: [{httpApi: GET /export}]}",
    ], [
        "  logRetentionInDays: 30",  # SLS707 log retention, under provider
        "    reservedConcurrency: 10", "    timeout: 10", "    tracing: Active",
        "    reservedConcurrency: 10", "    tracing: Active",
        "        functionResponseType: ReportBatchItemFailures",
        "  export: {handler: src/orders.export, timeout: 30, events: [{httpApi: GET /export}], "
        "reservedConcurrency: 10, memorySize: 1024, tracing: Active}",
    ]),
    "sam": ("template.yaml", [], ["      ReservedConcurrentExecutions: 10", "      Timeout: 10", "      Tracing: Active"]),
    "cfn_json": ("template.json", ['                "Role": {"Fn::GetAtt": ["Role", "Arn"]}'], [
        '                "ReservedConcurrentExecutions": 10,', '                "Timeout": 10,',
        '                "MemorySize": 1024,', '                "Role": {"Fn::GetAtt": ["Role", "Arn"]},',
        '                "TracingConfig": {"Mode": "Active"}',
    ]),
    "cdk": ("stack.py", [], [
        "from aws_cdk import Duration", "from aws_cdk.aws_logs import RetentionDays", "            reserved_concurrent_executions=10,",
        "            timeout=Duration.seconds(10),", "            memory_size=1024,", "            tracing=lambda_.Tracing.ACTIVE,",
        "            log_retention=RetentionDays.ONE_MONTH,",
    ]),
    "vercel": ("vercel.json", ['\t\t\t"memory": 1024'], ['\t\t\t"memory": 1024,', '\t\t\t"maxDuration": 10']),
    "wrangler_toml": ("wrangler.toml", [], ["", "[observability]", "enabled = true"]),
    "wrangler_jsonc": ("wrangler.jsonc", [], ['  "observability": {"enabled": true},']),
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_unsafe_fix_touches_only_the_lines_it_must_and_is_stable(tmp_path, name):
    root = project(tmp_path, name)
    filename, removed, added = FIXED[name]
    before = (root / filename).read_bytes().decode("utf-8")
    first = run(root, "--select", SELECT, "--fix", "--unsafe-fixes")
    assert first.returncode in (0, 1), first.stderr
    assert "Traceback" not in first.stderr
    after = (root / filename).read_bytes().decode("utf-8")
    assert changed_lines(before, after) == (removed, added)
    # a second run finds nothing left to fix and leaves every file as it is
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    second = run(root, "--select", SELECT, "--fix", "--unsafe-fixes")
    assert second.returncode in (0, 1), second.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot
    left = [d["code"] for d in diagnostics(root, "--select", SELECT)]
    # display-only advice stays (SLS707's log retention needs a new LogGroup resource in SAM / CFN)
    assert left == {"sls": ["SLS705"], "sam": ["SLS707"], "cfn_json": ["SLS707"]}.get(name, [])


def test_crlf_files_stay_crlf_through_the_cli(tmp_path):
    root = project(tmp_path, "sam")
    path = root / "template.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    run(root, "--select", SELECT, "--fix", "--unsafe-fixes")
    data = path.read_bytes()
    assert b"Tracing: Active\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


def test_safe_fixes_only_without_unsafe_flag(tmp_path):
    root = project(tmp_path, "sls")
    before = (root / "serverless.yml").read_text(encoding="utf-8")
    run(root, "--select", SELECT, "--fix")
    after = (root / "serverless.yml").read_text(encoding="utf-8")
    # only SLS704's memorySize: 1024 (the Serverless Framework default) is a safe fix here
    assert changed_lines(before, after)[1] == [
        "  export: {handler: src/orders.export, timeout: 120, events: [{httpApi: GET /export}], memorySize: 1024}"]


def test_findings_and_positions_across_formats(tmp_path):
    found = {}
    for name in FIXED:
        for d in diagnostics(project(tmp_path, name), "--select", SELECT):
            found.setdefault(name, []).append((d["code"], d["path"], d["line"], d["function"]))
    assert ("SLS703", "serverless.yml", 31, "export") in found["sls"]
    assert ("SLS706", "serverless.yml", 27, "worker") in found["sls"]
    assert ("SLS705", "serverless.yml", 39, "worker") in found["sls"]
    assert ("SLS701", "stack.py", 9, "Orders") in found["cdk"]
    assert ("SLS707", "wrangler.toml", 3, "edge-api") in found["wrangler_toml"]
    assert ("SLS702", "vercel.json", 4, "/api") in found["vercel"]
    assert not [f for f in sum(found.values(), []) if f[0] == "SLS003"]  # every handler exists


# -- suppressions ---------------------------------------------------------------------------------
def test_yaml_suppression_on_the_key_line(tmp_path):
    root = project(tmp_path, "sls")
    path = root / "serverless.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  createOrder:\n", "  createOrder:  # sls-lint: ignore[SLS701]\n")
                        .replace("  worker:\n", "  worker:  # sls-lint: ignore[SLS704]\n"), encoding="utf-8")
    found = diagnostics(root, "--select", "SLS701,SLS704,SLS002")
    assert ("SLS701", "createOrder") not in [(d["code"], d["function"]) for d in found]
    assert ("SLS701", "worker") in [(d["code"], d["function"]) for d in found]
    # worker's memorySize comes from the merged anchor: no SLS704 there, so that suppression is unused
    assert [(d["code"], d["line"]) for d in found if d["code"] in ("SLS002", "SLS704")] == [("SLS002", 22), ("SLS704", 31)]


def test_toml_suppression_and_file_level_suppression(tmp_path):
    root = project(tmp_path, "wrangler_toml")
    path = root / "wrangler.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('main = "src/entry.py"', 'main = "src/entry.py"  # noqa: SLS707'), encoding="utf-8")
    assert diagnostics(root, "--select", "SLS707,SLS002") == []
    path.write_text("# sls-lint: ignore-file[SLS7]\n" + text, encoding="utf-8")
    assert diagnostics(root, "--select", "SLS707,SLS002") == []


def test_json_findings_through_per_file_ignores(tmp_path):
    root = project(tmp_path, "vercel")
    assert [d["code"] for d in diagnostics(root, "--select", "SLS702")] == ["SLS702"]
    (root / "sls-lint.toml").write_text('[per-file-ignores]\n"vercel.json" = ["SLS702"]\n', encoding="utf-8")
    assert diagnostics(root, "--select", "SLS702") == []
    root = project(tmp_path, "cfn_json")
    (root / "sls-lint.toml").write_text('[per-file-ignores]\n"*.json" = ["SLS701", "SLS702", "SLS704"]\n', encoding="utf-8")
    assert [d["code"] for d in diagnostics(root, "--select", SELECT)] == ["SLS707", "SLS707"]  # tracing, log retention


# -- hostile input ----------------------------------------------------------------------------------
def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\nprovider: {name: aws, runtime: python3.12}\nfunctions: {f: {handler: h.f}}\n"


HOSTILE = {
    "alias-bomb": ("serverless.yml", _alias_bomb(), "alias bomb"),
    "alias-cycle": ("serverless.yml", "a: &a\n  b: *a\n", "refers to itself"),
    "deep-yaml": ("template.yaml", "Resources: " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting"),
    "deep-json": ("template.json", '{"Resources": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "nesting"),
    "deep-jsonc": ("wrangler.jsonc", '{"main": ' + "{\"a\": " * 50_000 + "1" + "}" * 50_000 + "}\n", "nesting"),
    "python-tag": ("serverless.yml", "x: !!python/object/apply:os.system ['touch pwned']\nfunctions: [\n", "invalid YAML"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_sls001_in_bounded_time_and_memory(tmp_path, name):
    filename, text, expected = HOSTILE[name]
    (tmp_path / filename).write_text(text, encoding="utf-8")
    start = time.monotonic()
    out = run(tmp_path, "--format", "json", timeout=60, memory_mb=1024)
    elapsed = time.monotonic() - start
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    found = json.loads(out.stdout)["diagnostics"]
    sls001 = [d for d in found if d["code"] == "SLS001"]
    assert sls001 and expected in sls001[0]["message"], found
    assert elapsed < 60
    assert not (tmp_path / "pwned").exists()


def test_ten_megabyte_template_is_checked_in_bounded_time_and_memory(tmp_path):
    chunk = (
        "  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Timeout: 10\n      MemorySize: 256\n"
        "      ReservedConcurrentExecutions: 2\n      Tracing: Active\n"
        "      Environment:\n        Variables:\n          TABLE: !Ref Table{i}\n          NAME: !Sub '${{AWS::StackName}}-{i}'\n"
        "      Events:\n        Q:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Q{i}.Arn\n"
        "            FunctionResponseTypes: [ReportBatchItemFailures]\n"
    )
    parts, size, i = ["Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    LoggingConfig:\n      LogGroup: !Ref Logs\n"
                      "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 14\n"], 0, 0
    while size < 10_000_000:
        part = chunk.format(i=i)
        parts.append(part)
        size += len(part)
        i += 1
    parts.append("  Broken:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                 "      CodeUri: src/\n      Handler: app.missing\n      Timeout: 10\n      MemorySize: 256\n"
                 "      ReservedConcurrentExecutions: 2\n      Tracing: Active\n")
    (tmp_path / "template.yaml").write_text("".join(parts), encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n", encoding="utf-8")
    start = time.monotonic()
    out = run(tmp_path, "--format", "json", "--select", "SLS001," + SELECT, timeout=240, memory_mb=3072)
    elapsed = time.monotonic() - start
    assert out.returncode == 1, out.stderr[-2000:]
    found = json.loads(out.stdout)["diagnostics"]
    codes = [(d["code"], d["function"]) for d in found]
    if codes == [("SLS001", None)]:  # the engine's size limit: refused with a clear message
        assert "too large" in found[0]["message"]
    else:  # analysed: only the one broken handler among ~26,000 functions
        assert codes == [("SLS003", "Broken")]
    assert elapsed < 240
