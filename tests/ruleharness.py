"""Run a rule's VALID/INVALID case through the real engine, on a real little project in a
temporary folder (deployment files, helper modules and all)."""
from __future__ import annotations

import os
from pathlib import Path

from sls_lint.config import load_config
from sls_lint.engine import Linter
from sls_lint.rule import Case, all_options


def run_case(tmp: Path, case: Case, *, fix: bool = False, select: tuple[str, ...] = ("SLS",)):
    for rel, text in {**case.files, case.path: case.code}.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    overrides = {"select": list(select), **dict(case.options)}
    config = load_config(None, start=str(tmp), rule_options=all_options(), overrides=overrides)
    linter = Linter(config, cwd=str(tmp))
    result = linter.fix([str(tmp)], apply=fix, unsafe=case.unsafe)
    return result
