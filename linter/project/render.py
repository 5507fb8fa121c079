"""Rendering of the project model for ``sls-lint functions [PATH] [--format json]``."""
from __future__ import annotations

from typing import Any, Iterable

from sls_lint.core import Function, Trigger

COLUMNS = ("NAME", "PLATFORM", "CLASS", "TRIGGERS", "TIMEOUT", "MEMORY", "CONCURRENCY", "HANDLER")


def _num(value: float | int | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def trigger_label(t: Trigger) -> str:
    label = t.kind
    if t.kind == "http" and t.detail:
        label += f":{t.detail}"
    if t.limit_s is not None:
        label += f"({_num(t.limit_s)}s)"
    if t.partial_batch:
        label += "+partial"
    return label


def handler_label(fn: Function) -> str:
    if fn.handler_path is None:
        if fn.get("inline"):
            return f"<inline in {fn.source_path}>"
        return f"<not found: {fn.handler_module or '?'}>"
    parts = [fn.handler_path, fn.handler_callable or "?"]
    if fn.handler_line is not None:
        parts.append(str(fn.handler_line))
    return ":".join(parts)


def _row(fn: Function) -> list[str]:
    timeout = _num(fn.timeout_s) + "s" if fn.timeout_s is not None else "-"
    default = fn.get("default_timeout_s")
    if fn.timeout_s is None and default is not None:
        timeout = f"({_num(default)}s)"
    return [
        fn.name,
        fn.platform,
        fn.runtime_class,
        ", ".join(dict.fromkeys(trigger_label(t) for t in fn.triggers)) or "-",
        timeout,
        f"{fn.memory_mb}MB" if fn.memory_mb is not None else "-",
        str(fn.concurrency) if fn.concurrency is not None else "-",
        handler_label(fn),
    ]


def render_table(functions: Iterable[Function]) -> str:
    """An aligned text table; a timeout in parentheses is the platform default that applies."""
    rows = [list(COLUMNS)] + [_row(fn) for fn in functions]
    if len(rows) == 1:
        return "No functions found.\n"
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def to_json(functions: Iterable[Function]) -> list[dict[str, Any]]:
    """JSON-ready dicts with stable keys (see DESIGN.md, ``sls-lint functions --format json``)."""
    out = []
    for fn in functions:
        out.append({
            "name": fn.name,
            "platform": fn.platform,
            "runtime_class": fn.runtime_class,
            "triggers": [
                {"kind": t.kind, "detail": t.detail, "limit_s": t.limit_s, "partial_batch": t.partial_batch}
                for t in fn.triggers
            ],
            "timeout_s": fn.timeout_s,
            "memory_mb": fn.memory_mb,
            "concurrency": fn.concurrency,
            "runtime": fn.runtime,
            "handler": {
                "path": fn.handler_path,
                "callable": fn.handler_callable,
                "line": fn.handler_line,
                "module": fn.handler_module,
            },
            "source": {"path": fn.source_path, "line": fn.source_line} if fn.source_path else None,
        })
    return out
