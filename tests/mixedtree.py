"""A mixed project tree for whole-engine equivalence tests: the fixture projects, the demo app
and a generated corpus (bench/corpus.py), linted with every rule."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mixed_tree(dest: Path, seed: int, files: int = 120) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import corpus
    finally:
        sys.path.remove(str(ROOT / "bench"))
    root = dest / "tree"
    shutil.copytree(ROOT / "tests" / "fixtures" / "projects", root / "projects")
    shutil.copytree(ROOT / "examples" / "orders-service", root / "orders-service")
    corpus.generate(str(root / "corpus"), files, seed)
    return root


def lint_tree(root: Path) -> list[tuple]:
    """(path, code, span, message, fix) of every finding, every rule selected."""
    from sls_lint import engine
    from sls_lint.config import load_config
    from sls_lint.rule import all_options

    cfg = load_config(None, start=str(root), rule_options=all_options(), overrides={"select": ["ALL"]})
    return [(d.path, d.code, d.span, d.message, d.fix) for d in engine.Linter(cfg, cwd=str(root)).lint([str(root)]).diagnostics]
