"""wrangler.toml / wrangler.json / wrangler.jsonc (Cloudflare Python Workers)."""
from __future__ import annotations

import ast
import posixpath

from sls_lint.core import SourceFile, Trigger

from .build import Context, as_int
from .jsonload import load_json
from .pyast import ModuleInfo
from .tomlload import load_toml


def read(ctx: Context, sf: SourceFile) -> None:
    text, err = ctx.read_text(sf)
    if err:
        ctx.error_doc(sf, "wrangler", err)
        return
    lower = sf.path.lower()
    result = load_toml(text) if lower.endswith(".toml") else load_json(text, tolerant=True)
    doc = ctx.add_doc(sf, "wrangler", result)
    if doc.error or not isinstance(doc.data, dict):
        return
    data = doc.data
    main = data.get("main")
    flags = data.get("compatibility_flags") or []
    if not isinstance(main, str) or not main.strip().lower().endswith(".py"):
        return  # a JavaScript/TypeScript Worker (python_workers without a .py main is not ours)
    base = posixpath.dirname(sf.path)
    rel = posixpath.normpath(posixpath.join(base, main.strip())) if base else posixpath.normpath(main.strip())
    path = rel if not rel.startswith("../") and ctx.is_file(rel) else None
    info = ctx.module(path)
    func = entry_callable(info) if info is not None else None
    loc = doc.locate("main")
    triggers = [Trigger("http", "cloudflare", None, None, loc[0] if loc else None)]
    crons = data.get("triggers", {}).get("crons") if isinstance(data.get("triggers"), dict) else None
    if isinstance(crons, list) and crons:
        cloc = doc.locate("triggers", "crons")
        triggers.append(Trigger("schedule", ", ".join(str(c) for c in crons), None, None,
                                cloc[0] if cloc else None))
    limits = data.get("limits") if isinstance(data.get("limits"), dict) else {}
    name = data.get("name") if isinstance(data.get("name"), str) else posixpath.basename(base) or "worker"
    ctx.add_function(
        name=name,
        platform="cloudflare-workers",
        runtime_class="edge",
        handler_path=path,
        handler_callable=func,
        triggers=triggers,
        source_path=doc.path,
        source_line=loc[0] if loc else None,
        handler_module=main,
        extra={
            "cpu_ms": as_int(limits.get("cpu_ms")),
            "subrequests": as_int(limits.get("subrequests")),
            "python_workers_flag": isinstance(flags, list) and "python_workers" in flags,
            "compatibility_date": data.get("compatibility_date") if isinstance(data.get("compatibility_date"), str) else None,
            "keypath": ("main",),
        },
    )


def entry_callable(info: ModuleInfo) -> str | None:
    """``<Class>.fetch`` for a WorkerEntrypoint subclass with ``fetch``, else ``on_fetch``."""
    fallback = None
    for name, node in info.bindings.items():
        if not isinstance(node, ast.ClassDef):
            continue
        if not any((info.qualname(b) or "").split(".")[-1] == "WorkerEntrypoint" for b in node.bases):
            continue
        methods = {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if "fetch" in methods:
            return f"{name}.fetch"
        if fallback is None and "scheduled" in methods:
            fallback = f"{name}.scheduled"
    if isinstance(info.bindings.get("on_fetch"), (ast.FunctionDef, ast.AsyncFunctionDef)):
        return "on_fetch"
    return fallback
