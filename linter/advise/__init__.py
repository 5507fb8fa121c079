"""The migration advisor behind ``sls-lint advise``: a thin shell over the engine.

:func:`advise` runs the :class:`~sls_lint.engine.Linter` once (no fixes applied), then for every
function of the project model gathers direct evidence from the semantic model
(:mod:`.evidence`), the findings that concern it, its estimated cold-start import cost
(:mod:`.coldstart`), decides a verdict (:mod:`.decide`), and with a target lists the steps and
the plans for work no fix can do (:mod:`.plans`). :mod:`.report` renders text, markdown, JSON
and HTML.
"""
from __future__ import annotations

import os
from typing import Sequence

from sls_lint import __version__
from sls_lint.core import Diagnostic, Function

from .coldstart import run_estimator
from .decide import decide, finding_evidence, steps_for
from .evidence import collect
from .model import TARGETS, AdviceReport, Evidence, FixCommand, FunctionAdvice, Location

__all__ = ["advise", "TARGETS", "AdviceReport"]


def _handler_label(fn: Function, display) -> str | None:
    if fn.handler_path is None:
        return None
    parts = [display(fn.handler_path), fn.handler_callable or "?"]
    if fn.handler_line is not None:
        parts.append(str(fn.handler_line))
    return ":".join(parts)


def _trigger_labels(fn: Function) -> tuple[str, ...]:
    from sls_lint.project.render import trigger_label

    return tuple(dict.fromkeys(trigger_label(t) for t in fn.triggers))


def _function_ranges(index, path: str) -> list[tuple[int, int]]:
    model = index.model(path) if index is not None else None
    if model is None:
        return []
    return [(info.node.lineno, info.node.end_lineno or info.node.lineno) for info in model.functions.values()]


def _selected(fn: Function, paths: Sequence[str], linter, root: str) -> bool:
    """Only the functions whose handler or deployment file is under the given paths."""
    if not paths:
        return True
    wanted = [os.path.abspath(os.path.join(linter.cwd, p)) for p in paths]
    for rel in (fn.handler_path, fn.source_path):
        if rel is None:
            continue
        full = os.path.abspath(os.path.join(root, *rel.split("/")))
        if any(full == w or full.startswith(w.rstrip(os.sep) + os.sep) for w in wanted):
            return True
    return False


def _findings_for(fn: Function, diagnostics: list[Diagnostic], facts, index, display) -> list[Diagnostic]:
    """Findings that concern ``fn``: attributed to it in one of its own files (names repeat
    across projects), or inside code it runs (its reached functions, or the module scope of a
    module it imports)."""
    by_display = {display(p): p for p in facts.modules}
    own_files = set(by_display) | ({display(fn.source_path)} if fn.source_path else set())
    out = []
    for d in diagnostics:
        if d.function == fn.name and d.path in own_files:
            out.append(d)
            continue
        path = by_display.get(d.path)
        if path is None:
            continue
        line = d.line
        if any(a <= line <= b for a, b in facts.reached.get(path, [])):
            out.append(d)
        elif not any(a <= line <= b for a, b in _function_ranges(index, path)):
            out.append(d)  # module scope: runs at every cold start
    return out


def advise(paths: Sequence[str], config, *, cwd: str | None = None, target: str | None = None) -> AdviceReport:
    from sls_lint.engine import Linter
    from sls_lint.rule import all_rules

    from .plans import plans_for

    if target is not None and target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    linter = Linter(config, cwd=cwd)
    result = linter.fix(list(paths), apply=False)
    root = getattr(result, "root", "") or getattr(linter, "_last_root", linter.cwd)
    index = getattr(result, "index", None)

    def display(path: str) -> str:
        return linter.display(root, path)

    functions = [fn for fn in result.functions if _selected(fn, paths, linter, root)]
    cold_model = run_estimator(index, result.functions, config) if index is not None else None
    service = os.path.basename(os.path.abspath(os.path.join(linter.cwd, paths[0]))) if paths else os.path.basename(linter.cwd)
    advices: list[FunctionAdvice] = []
    fix_codes: dict[str, set[str]] = {"safe": set(), "unsafe": set()}
    for fn in sorted(functions, key=lambda f: (f.name, f.handler_path or "")):
        facts = collect(fn, index, display)
        findings = _findings_for(fn, result.diagnostics, facts, index, display)
        evidence: list[Evidence] = list(facts.evidence)
        direct = {(e.location, e.code) for e in evidence if e.code}
        for d in findings:
            if (Location(d.path, d.line), d.code) not in direct:
                evidence.append(finding_evidence(d))
        analysed = facts.analysed and not any(d.code == "SLS003" for d in findings)
        cold = cold_model(fn, facts.imports, display) if facts.analysed and cold_model is not None else None
        verdict, reason, deciding = decide(fn, evidence, analysed, cold.total_ms if cold else None)
        plans = plans_for(fn, evidence, display, service) if facts.analysed else []
        steps = ()
        if target is not None:
            steps = tuple(steps_for(fn, target, evidence, findings, bool(plans)))
            for s in steps:
                if s.auto_fix and s.code:
                    fix_codes[s.auto_fix].add(s.code)
        advices.append(
            FunctionAdvice(
                name=fn.name,
                platform=fn.platform,
                runtime_class=fn.runtime_class,
                handler=_handler_label(fn, display),
                triggers=_trigger_labels(fn),
                timeout_s=fn.timeout_s,
                memory_mb=fn.memory_mb,
                concurrency=fn.concurrency,
                cold_start=cold,
                verdict=verdict,
                reason=reason,
                evidence=tuple(evidence),
                deciding=deciding,
                steps=steps,
                plans=tuple(plans),
            )
        )
    commands = []
    shown = " ".join(_quote(p) for p in paths) if paths else "."
    if fix_codes["safe"]:
        codes = tuple(sorted(fix_codes["safe"]))
        commands.append(FixCommand(codes, f"sls-lint check --fix --select {','.join(codes)} {shown}"))
    if fix_codes["unsafe"]:
        codes = tuple(sorted(fix_codes["safe"] | fix_codes["unsafe"]))
        commands.append(FixCommand(codes, f"sls-lint check --fix --unsafe-fixes --select {','.join(codes)} {shown}", unsafe=True))
    ran = tuple(r.code for r in all_rules() if config.is_enabled(r.code))
    return AdviceReport(__version__, target, tuple(advices), tuple(commands), tuple(result.errors), ran)


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)
