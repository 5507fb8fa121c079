"""Every rule's VALID and INVALID cases, its docstring sections, and its Example/Use instead."""
from __future__ import annotations

import ast

import pytest

from sls_lint.rule import DOC_SECTIONS, Case, all_rules, code_blocks
from ruleharness import run_case

RULES = all_rules()
VALID = [pytest.param(r, c, id=f"{r.code}-valid-{i}") for r in RULES for i, c in enumerate(r.valid)]
INVALID = [pytest.param(r, c, id=f"{r.code}-invalid-{i}") for r in RULES for i, c in enumerate(r.invalid)]


def _mine(result, rule, path):
    return [d for d in result.diagnostics if d.code == rule.code and d.path == path]


@pytest.mark.parametrize("rule,case", VALID)
def test_valid(tmp_path, rule, case):
    result = run_case(tmp_path, case, select=(rule.code,))
    found = [d for d in result.diagnostics if d.code == rule.code]
    assert not found, [f"{d.path}:{d.line} {d.message}" for d in found]


@pytest.mark.parametrize("rule,case", INVALID)
def test_invalid(tmp_path, rule, case):
    result = run_case(tmp_path, case, select=(rule.code,))
    found = _mine(result, rule, case.path)
    if case.count is not None:
        assert len(found) == case.count, [f"{d.path}:{d.line} {d.message}" for d in result.diagnostics]
    else:
        assert found, f"{rule.code} did not trigger; got {[(d.code, d.path, d.line) for d in result.diagnostics]}"
    if case.line is not None and found:
        assert found[0].line == case.line, [f"{d.line}: {d.message}" for d in found]
    if case.message is not None:
        for d in found:
            assert case.message in d.message, d.message


FIXED = [pytest.param(r, c, id=f"{r.code}-fix-{i}") for r in RULES for i, c in enumerate(r.invalid) if c.fixed is not None]


@pytest.mark.parametrize("rule,case", FIXED)
def test_fix(tmp_path, rule, case):
    result = run_case(tmp_path, case, fix=True, select=(rule.code,))
    target = str(tmp_path / case.path)
    after = result.fixed_sources.get(target, (case.code, case.code))[1]
    assert after == case.fixed
    if case.path.endswith(".py"):
        ast.parse(after)
    else:  # deployment files: the format's own validator (fixers register one per suffix)
        from sls_lint.fixers import validator_for

        check = validator_for(case.path)
        assert check is None or check(after, case.code) is None
    # fixing twice changes nothing
    (tmp_path / case.path).write_text(after, encoding="utf-8")
    again = run_case(tmp_path, Case(after, path=case.path, files=case.files, options=case.options, unsafe=case.unsafe), fix=True, select=(rule.code,))
    assert target not in again.fixed_sources


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_docs_sections(rule):
    sections = rule.sections()
    assert list(sections) == list(DOC_SECTIONS), f"{rule.code} sections: {list(sections)}"
    assert rule.valid and rule.invalid, f"{rule.code} needs VALID and INVALID cases"


def _block_files(section: str) -> dict[str, str]:
    """Later code blocks of a section whose first line is ``# file: <path>`` are extra files of
    the example project (e.g. the handler module a deployment-file example names)."""
    out = {}
    for block in code_blocks(section)[1:]:
        first, _, rest = block.partition("\n")
        if first.startswith("# file: "):
            out[first[len("# file: "):].strip()] = rest
    return out


@pytest.mark.parametrize("rule", [r for r in RULES if r.code not in ("SLS001",)], ids=lambda r: r.code)
def test_docs_examples(tmp_path, rule):
    sections = rule.sections()
    bad = code_blocks(sections["Example"])
    good = code_blocks(sections["Use instead"])
    assert bad and good
    lang = "yaml" if "```yaml" in sections["Example"] else "python"
    path = {"python": "handler.py", "yaml": "serverless.yml"}[lang]
    r1 = run_case(tmp_path / "bad", Case(bad[0], path=path, files=_block_files(sections["Example"])))
    assert any(d.code == rule.code for d in r1.diagnostics), f"Example does not trigger {rule.code}"
    r2 = run_case(tmp_path / "good", Case(good[0], path=path, files=_block_files(sections["Use instead"])))
    assert not any(d.code == rule.code for d in r2.diagnostics), f"Use instead triggers {rule.code}"
