"""Rule documentation pages, generated from each rule module's docstring and metadata.

``python -m sls_lint.docs`` rewrites docs/rules/; tests/test_docs.py fails when they are stale.
"""
from __future__ import annotations

import os
import sys

from .rule import Rule, all_rules


def render_rule(rule: type[Rule]) -> str:
    lines = rule.doc.splitlines()
    title = lines[0].strip() if lines else rule.name
    body = "\n".join(lines[1:]).strip()
    meta = [
        f"# {rule.code} {rule.name}",
        "",
        f"**{title}**",
        "",
        f"- Severity: {rule.severity.value}",
        f"- Fix: {rule.fix_availability.value}" + ("" if rule.fix_availability.value == "never" else f" ({rule.fix_safety.value})"),
        f"- Files: {', '.join(rule.file_kinds)}",
    ]
    if rule.options:
        meta.append("- Options: " + ", ".join(f"`{o.name}` (default `{o.default}`)" for o in rule.options))
    return "\n".join(meta) + "\n\n" + body.replace("\n## ", "\n## ").strip() + "\n"


def render_index() -> str:
    rows = ["# Rules", "", "| code | name | severity | fix | summary |", "|---|---|---|---|---|"]
    for r in all_rules():
        fix = r.fix_availability.value if r.fix_availability.value == "never" else f"{r.fix_availability.value} ({r.fix_safety.value})"
        rows.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity.value} | {fix} | {r.summary} |")
    return "\n".join(rows) + "\n"


def expected_pages() -> dict[str, str]:
    pages = {f"{r.code}.md": render_rule(r) for r in all_rules()}
    pages["README.md"] = render_index()
    return pages


def write_pages(folder: str) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    changed = []
    pages = expected_pages()
    for name, text in pages.items():
        path = os.path.join(folder, name)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                old = fh.read()
        if old != text:
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            changed.append(name)
    for name in os.listdir(folder):
        if name.endswith(".md") and name not in pages:
            os.remove(os.path.join(folder, name))
            changed.append(name)
    return changed


if __name__ == "__main__":  # pragma: no cover
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "rules")
    for name in write_pages(target):
        print(f"updated {name}")
    from sls_lint.ruleindex import write_index  # the rule facts a run reads without importing the rules

    write_index()
