"""Renderers for ``sls-lint advise``: text (terminal), markdown and HTML (for people: a summary
table first, then one section per function; the HTML draws a bar of cold-start cost per
function with inline CSS and escapes every value), JSON (for tools; schema in docs/advise.md and
:data:`SCHEMA_VERSION`)."""
from __future__ import annotations

import html
import json
from typing import Any

from .model import AdviceReport, ColdStart, Evidence, FunctionAdvice, Location, Plan, Step

SCHEMA_VERSION = "1"


def _num(v: float | int | None, unit: str = "") -> str:
    if v is None:
        return "-"
    text = str(int(v)) if float(v).is_integer() else f"{v:g}"
    return text + unit


def _cold(c: ColdStart | None) -> str:
    return "-" if c is None else f"{_num(c.total_ms)} ms"


def _top(c: ColdStart | None, n: int = 3) -> str:
    if c is None or not c.contributors:
        return ""
    return ", ".join(f"{x.module} {_num(x.ms)} ms" for x in c.contributors[:n])


# --------------------------------------------------------------------------- JSON
def _loc(loc: Location | None) -> dict[str, Any] | None:
    return None if loc is None else {"path": loc.path, "line": loc.line}


def _evidence(e: Evidence) -> dict[str, Any]:
    return {
        "kind": e.kind, "summary": e.summary, "location": _loc(e.location), "code": e.code, "subject": e.subject,
        "points_to": e.points_to, "blocks": list(e.blocks), "mechanical": e.mechanical,
    }


def _step(s: Step) -> dict[str, Any]:
    return {"category": s.category, "action": s.action, "text": s.text, "location": _loc(s.location), "code": s.code, "auto_fix": s.auto_fix}


def _plan(p: Plan) -> dict[str, Any]:
    return {
        "kind": p.kind, "function": p.function, "reason": p.reason, "code": p.code, "steps": list(p.steps),
        "files": [{"path": f.path, "purpose": f.purpose, "language": f.language, "content": f.content} for f in p.files],
    }


def _function(f: FunctionAdvice) -> dict[str, Any]:
    cold = None
    if f.cold_start is not None:
        c = f.cold_start
        cold = {
            "total_ms": c.total_ms, "source": c.source, "note": c.note, "unmeasured": list(c.unmeasured),
            "contributors": [{"module": x.module, "ms": x.ms, "location": _loc(x.location)} for x in c.contributors],
        }
    return {
        "name": f.name, "platform": f.platform, "runtime_class": f.runtime_class, "handler": f.handler,
        "triggers": list(f.triggers), "timeout_s": f.timeout_s, "memory_mb": f.memory_mb, "concurrency": f.concurrency,
        "cold_start": cold, "verdict": f.verdict, "reason": f.reason,
        "evidence": [_evidence(e) for e in f.evidence], "deciding_evidence": list(f.deciding),
        "steps": [_step(s) for s in f.steps], "plans": [_plan(p) for p in f.plans],
    }


def to_dict(report: AdviceReport) -> dict[str, Any]:
    counts = {v: 0 for v in ("edge", "serverless", "server", "unknown")}
    for f in report.functions:
        counts[f.verdict] = counts.get(f.verdict, 0) + 1
    return {
        "version": report.version,
        "schema": SCHEMA_VERSION,
        "target": report.target,
        "summary": counts,
        "functions": [_function(f) for f in report.functions],
        "fix_commands": [{"codes": list(c.codes), "command": c.command, "unsafe": c.unsafe} for c in report.fix_commands],
        "rules": list(report.rules),
        "errors": list(report.errors),
    }


def render_json(report: AdviceReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- text
def render_text(report: AdviceReport) -> str:
    if not report.functions:
        return "No functions found.\n"
    rows = [("FUNCTION", "PLATFORM", "NOW", "VERDICT", "COLD START", "TOP IMPORTS")]
    for f in report.functions:
        rows.append((f.name, f.platform, f.runtime_class, f.verdict, _cold(f.cold_start), _top(f.cold_start, 2) or "-"))
    w = [max(len(r[i]) for r in rows) for i in range(5)]
    out = ["  ".join(f"{r[i]:<{w[i]}}" for i in range(5)) + "  " + r[5] for r in rows]
    for f in report.functions:
        out.append("")
        out.append(f"{f.name} ({f.platform}, {f.runtime_class}) -> {f.verdict}")
        out.append(f"  why: {f.reason}")
        out.append(f"  handler: {f.handler or '-'}; triggers: {', '.join(f.triggers) or '-'}; timeout {_num(f.timeout_s, ' s')}, memory {_num(f.memory_mb, ' MB')}, concurrency {_num(f.concurrency)}")
        if f.cold_start is not None:
            top = _top(f.cold_start)
            out.append(f"  cold start: ~{_cold(f.cold_start)}" + (f" ({top})" if top else ""))
        for i, e in enumerate(f.evidence):
            mark = "*" if i in f.deciding else "-"
            where = f" [{e.location.label()}]" if e.location else ""
            out.append(f"    {mark} {e.summary}{where}")
        if report.target is not None:
            blockers = [s for s in f.steps if s.category == "blocker"]
            rec = [s for s in f.steps if s.category != "blocker"]
            out.append(f"  to {report.target}: {len(blockers)} blocker{'s' if len(blockers) != 1 else ''}" + (f", {len(rec)} recommended" if rec else ""))
            for s in blockers + rec:
                fix = f" [auto-fix: {s.auto_fix}]" if s.auto_fix else ""
                out.append(f"    {'!' if s.category == 'blocker' else '~'} {s.text}{fix}")
        for p in f.plans:
            out.append(f"  plan ({p.kind}): {p.reason}")
            for file in p.files:
                out.append(f"    + {file.path}: {file.purpose}")
            for st in p.steps:
                out.append(f"    > {st}")
    if report.fix_commands:
        out.append("")
        out.append("Apply the automatic fixes:")
        for c in report.fix_commands:
            out.append(f"  {c.command}")
    if any(f.plans for f in report.functions):
        out.append("")
        out.append("Plan files are shown with --format markdown, html or json.")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- markdown
def _md(text: Any) -> str:
    """Escape table-breaking and markup characters in a cell or inline text."""
    s = str(text)
    for ch in ("\\", "|", "<", ">", "*", "_", "[", "]"):
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", " ")


def _fence(content: str) -> str:
    ticks = "```"
    while ticks in content:
        ticks += "`"
    return ticks


def render_markdown(report: AdviceReport) -> str:
    out = ["# sls-lint advise", ""]
    if report.target:
        out.append(f"Target: **{report.target}**")
        out.append("")
    out.append("| function | platform | now | verdict | cold start | top imports |")
    out.append("|---|---|---|---|---|---|")
    for f in report.functions:
        out.append(f"| {_md(f.name)} | {_md(f.platform)} | {f.runtime_class} | **{f.verdict}** | {_cold(f.cold_start)} | {_md(_top(f.cold_start) or '-')} |")
    if not report.functions:
        out.append("| (no functions found) | | | | | |")
    for f in report.functions:
        out += ["", f"## {_md(f.name)}", ""]
        out.append(f"- verdict: **{f.verdict}**: {_md(f.reason)}")
        out.append(f"- platform: {_md(f.platform)} ({f.runtime_class}); handler: {_md(f.handler or '-')}")
        out.append(f"- triggers: {_md(', '.join(f.triggers) or '-')}; timeout {_num(f.timeout_s, ' s')}, memory {_num(f.memory_mb, ' MB')}, concurrency {_num(f.concurrency)}")
        if f.cold_start is not None:
            out.append(f"- cold start: ~{_cold(f.cold_start)} ({_md(_top(f.cold_start, 5) or 'no measured imports')})")
        if f.evidence:
            out += ["", "Evidence (deciding items in bold):", ""]
            for i, e in enumerate(f.evidence):
                text = _md(e.summary) + (f" ({_md(e.location.label())})" if e.location else "")
                out.append(f"- **{text}**" if i in f.deciding else f"- {text}")
        if report.target is not None:
            out += ["", f"Steps to {report.target}:", ""]
            if not f.steps:
                out.append("- nothing blocks the move")
            for s in f.steps:
                fix = f" (auto-fix: {s.auto_fix})" if s.auto_fix else ""
                out.append(f"- [{s.category}] {_md(s.text)}{fix}")
        for p in f.plans:
            out += ["", f"### Plan: {p.kind}", "", _md(p.reason), ""]
            for st in p.steps:
                out.append(f"1. {_md(st)}")
            for file in p.files:
                fence = _fence(file.content)
                out += ["", f"`{file.path}`: {_md(file.purpose)}", "", f"{fence}{file.language}", file.content.rstrip("\n"), fence]
    if report.fix_commands:
        out += ["", "## Automatic fixes", ""]
        for c in report.fix_commands:
            out.append(f"    {c.command}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- HTML
_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:70rem}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    ".bar{background:#eaeef2;width:12rem;height:.8rem;display:inline-block;vertical-align:middle}"
    ".fill{background:#cf6f1b;height:100%}.v-edge{color:#1a7f37}.v-serverless{color:#0969da}.v-server{color:#8250df}.v-unknown{color:#57606a}"
    "pre{background:#f6f8fa;padding:.6rem;overflow:auto}.blocker{color:#cf222e}.deciding{font-weight:bold}"
)


def _h(v: Any) -> str:
    return html.escape(str(v), quote=True)


def render_html(report: AdviceReport) -> str:
    peak = max([f.cold_start.total_ms for f in report.functions if f.cold_start] + [1.0])
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>sls-lint advise</title>', f"<style>{_CSS}</style></head><body>", "<h1>sls-lint advise</h1>"]
    if report.target:
        out.append(f"<p>Target: <strong>{_h(report.target)}</strong></p>")
    out.append("<table><thead><tr><th>function</th><th>platform</th><th>now</th><th>verdict</th><th>cold start</th></tr></thead><tbody>")
    for i, f in enumerate(report.functions):
        ms = f.cold_start.total_ms if f.cold_start else 0.0
        pct = 0 if not f.cold_start else max(1, round(100 * ms / peak))
        bar = f'<span class="bar" title="{_h(_top(f.cold_start) or "")}"><span class="fill" style="display:block;width:{pct}%"></span></span> {_h(_cold(f.cold_start))}'
        out.append(
            f'<tr><td><a href="#fn-{i}">{_h(f.name)}</a></td><td>{_h(f.platform)}</td><td>{_h(f.runtime_class)}</td>'
            f'<td class="v-{_h(f.verdict)}"><strong>{_h(f.verdict)}</strong></td><td>{bar}</td></tr>'
        )
    if not report.functions:
        out.append('<tr><td colspan="5">No functions found.</td></tr>')
    out.append("</tbody></table>")
    for i, f in enumerate(report.functions):
        out.append(f'<section id="fn-{i}"><h2>{_h(f.name)}</h2>')
        out.append(f'<p>Verdict: <strong class="v-{_h(f.verdict)}">{_h(f.verdict)}</strong>: {_h(f.reason)}</p>')
        out.append("<ul>")
        out.append(f"<li>platform {_h(f.platform)} ({_h(f.runtime_class)}), handler <code>{_h(f.handler or '-')}</code></li>")
        out.append(f"<li>triggers: {_h(', '.join(f.triggers) or '-')}; timeout {_h(_num(f.timeout_s, ' s'))}, memory {_h(_num(f.memory_mb, ' MB'))}, concurrency {_h(_num(f.concurrency))}</li>")
        if f.cold_start is not None:
            out.append(f"<li>cold start ~{_h(_cold(f.cold_start))}: {_h(_top(f.cold_start, 5) or 'no measured imports')}</li>")
        out.append("</ul>")
        if f.evidence:
            out.append("<h3>Evidence</h3><ul>")
            for j, e in enumerate(f.evidence):
                where = f" <code>{_h(e.location.label())}</code>" if e.location else ""
                cls = ' class="deciding"' if j in f.deciding else ""
                out.append(f"<li{cls}>{_h(e.summary)}{where}</li>")
            out.append("</ul>")
        if report.target is not None:
            out.append(f"<h3>Steps to {_h(report.target)}</h3><ul>")
            if not f.steps:
                out.append("<li>nothing blocks the move</li>")
            for s in f.steps:
                fix = f" <em>(auto-fix: {_h(s.auto_fix)})</em>" if s.auto_fix else ""
                out.append(f'<li class="{_h(s.category)}">[{_h(s.category)}] {_h(s.text)}{fix}</li>')
            out.append("</ul>")
        for p in f.plans:
            out.append(f"<h3>Plan: {_h(p.kind)}</h3><p>{_h(p.reason)}</p><ol>")
            out.extend(f"<li>{_h(st)}</li>" for st in p.steps)
            out.append("</ol>")
            for file in p.files:
                out.append(f"<p><code>{_h(file.path)}</code>: {_h(file.purpose)}</p><pre><code>{_h(file.content)}</code></pre>")
        out.append("</section>")
    if report.fix_commands:
        out.append("<h2>Automatic fixes</h2><ul>")
        out.extend(f"<li><code>{_h(c.command)}</code></li>" for c in report.fix_commands)
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json, "html": render_html}


def render(report: AdviceReport, fmt: str) -> str:
    return RENDERERS[fmt](report)
