"""Fuzz the whole engine with every rule and every fix.

Inputs: programs generated from Python's grammar (hypothesmith), the rules' own VALID/INVALID
cases mutated line by line (so every rule and fixer sees near-misses and broken variants), and
their deployment files mutated (YAML/JSON/TOML with cut lines, stray brackets, anchors, tabs,
wrong types). For each project, ``Linter(...).fix(apply=True, unsafe=True)`` must not raise,
every fixed Python file must parse (deployment files must still load), and a second fix pass
over the fixed files must change nothing.

Fast profile (CI): a few dozen derandomized examples per test. Long profile: set
``SLS_LINT_FUZZ=long`` (or a number of examples, ``SLS_LINT_FUZZ=5000``) for random, much longer
runs.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import hypothesmith  # noqa: E402  (the test extra; a missing install fails loudly, never skips)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sls_lint.config import find_config_file, load_config  # noqa: E402
from sls_lint.engine import Linter  # noqa: E402
from sls_lint.rule import all_options, all_rules  # noqa: E402

_MODE = os.environ.get("SLS_LINT_FUZZ", "")
LONG = bool(_MODE)
EXAMPLES = int(_MODE) if _MODE.isdigit() else (2000 if LONG else 30)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,  # CI: the same examples every run; long runs explore
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def _cases() -> list[tuple[str, str, dict[str, str]]]:
    out = []
    for rule in all_rules():
        mod = sys.modules[rule.__module__]
        for case in list(getattr(mod, "VALID", [])) + list(getattr(mod, "INVALID", [])):
            out.append((case.path, case.code, dict(case.files)))
    out.sort(key=lambda c: (c[0], c[1], sorted(c[2].items())))
    return out


CASES = _cases()
DEPLOY_SUFFIXES = (".yml", ".yaml", ".json", ".jsonc", ".toml")
NOISE = ["", ":", "[", "]", "{", "}", "&a ", "*a", "<<: *a", "!Ref ", "!GetAtt x.", "\t", "'", '"', "#", "- ", "  ", "null",
         "0x1F", "1e309", "-", "=", ",", "\\", "${ssm:x}", "{{resolve:x}}", "\u00e9", "\x00", "\ufeff"]
PY_NOISE = ["", "(", ")", ":", "    ", "\t", "pass", "return", "await x", "yield", "lambda: 0", "import boto3", "#", "'", '"""',
            "requests.get(u)", "boto3.client('s3')", "timeout=None", "**kw", "*", "\\", "async ", "global x", "del x"]


def _mutate(text: str, edits: list[tuple[int, int, int]], noise: list[str]) -> str:
    """Apply line edits: (op, line index, noise index); ops: delete, duplicate, insert noise, cut, dedent."""
    lines = text.splitlines(keepends=True) or [""]
    for op, i, j in edits:
        i %= len(lines)
        piece = noise[j % len(noise)]
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            k = j % (len(lines[i]) + 1)
            lines[i] = lines[i][:k] + piece + lines[i][k:]
        elif op == 3:
            lines[i] = lines[i][: j % (len(lines[i]) + 1)] + "\n"
        else:
            lines[i] = lines[i].lstrip(" ") if lines[i].strip() else lines[i]
        if not lines:
            lines = [""]
    return "".join(lines)


edits_st = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10_000), st.integers(0, 10_000)), max_size=4)


def _load_error(path: str, text: str):
    """The parse error of a deployment file as sls-lint reads it (None: it loads)."""
    if path.endswith((".yml", ".yaml")):
        from sls_lint.project.yamlload import load_yaml

        return load_yaml(text).error
    if path.endswith(".toml"):
        from sls_lint.project.tomlload import load_toml

        return load_toml(text).error
    if path.endswith(".jsonc"):
        from sls_lint.project.jsonload import load_json

        return load_json(text, tolerant=True).error
    if path.endswith(".json"):
        from sls_lint.project.jsonload import load_json

        return load_json(text).error
    return None


def _strict_json_ok(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def run_engine(files: dict[str, str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="sls-fuzz-"))
    try:
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8", errors="surrogatepass")
        (root / "sls-lint.toml").write_text('select = ["ALL"]\n')
        config = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options())
        linter = Linter(config, cwd=str(root))
        first = linter.fix(["."], apply=True, unsafe=True)
        for abs_path, (before, after) in first.fixed_sources.items():
            if abs_path.endswith(".py"):
                ast.parse(after)  # every fixed file parses
            elif abs_path.endswith(DEPLOY_SUFFIXES):
                # a fix never turns a file that loads into one that does not (as sls-lint reads it,
                # and for JSON also as the platform's strict parser reads it)
                if _load_error(abs_path, before) is None:
                    assert _load_error(abs_path, after) is None, (abs_path, after)
                if abs_path.endswith(".json") and _strict_json_ok(before):
                    assert _strict_json_ok(after), (abs_path, after)
        linter.write(first)
        second = Linter(config, cwd=str(root)).fix(["."], apply=True, unsafe=True)
        assert not second.fixed_sources, {p: a for p, (_b, a) in second.fixed_sources.items()}  # fixing twice changes nothing
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _indent_into_handler(code: str) -> str:
    return "import boto3, requests\n\n\ndef handler(event, context):\n" + textwrap.indent(code or "pass\n", "    ") + "\n    return None\n"


@FUZZ
@given(program=hypothesmith.from_grammar(), as_handler=st.booleans())
def test_generated_programs(program, as_handler):
    code = _indent_into_handler(program) if as_handler else program
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        pass  # still a valid input: it must end in SLS001, not a crash
    run_engine({"handler.py": code, "serverless.yml": "service: f\nprovider: {name: aws, runtime: python3.12}\nfunctions:\n  f: {handler: handler.handler}\n"})


@FUZZ
@given(case=st.sampled_from(CASES), edits=edits_st, extra=st.one_of(st.none(), hypothesmith.from_grammar(start="single_input")))
def test_mutated_rule_cases(case, edits, extra):
    path, code, files = case
    code = _mutate(code, edits, PY_NOISE)
    if extra:
        code = code + ("\n" if not code.endswith("\n") else "") + extra
    run_engine({**files, path: code})


@FUZZ
@given(case=st.sampled_from([c for c in CASES if any(k.endswith(DEPLOY_SUFFIXES) for k in c[2])] or CASES), edits=edits_st)
def test_mutated_deployment_files(case, edits):
    path, code, files = case
    files = {k: (_mutate(v, edits, NOISE) if k.endswith(DEPLOY_SUFFIXES) else v) for k, v in files.items()}
    run_engine({**files, path: code})


def test_cases_are_there():
    """The fuzzers have material: rule cases with deployment files exist."""
    assert len(CASES) > 50
    assert any(k.endswith(DEPLOY_SUFFIXES) for _p, _c, files in CASES for k in files)
