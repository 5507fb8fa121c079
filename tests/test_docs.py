"""docs/rules/ is generated from the rule modules; this fails when a page is stale."""
from pathlib import Path

from sls_lint.docs import expected_pages

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_rule_docs_are_current():
    pages = expected_pages()
    stale = [name for name, text in pages.items() if not (DOCS / name).exists() or (DOCS / name).read_text(encoding="utf-8") != text]
    extra = [p.name for p in DOCS.glob("*.md") if p.name not in pages]
    assert not stale and not extra, f"run `python -m sls_lint.docs` (stale: {stale}, extra: {extra})"
