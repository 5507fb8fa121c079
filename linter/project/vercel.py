"""vercel.json and the ``api/`` directory convention (Vercel Python runtime)."""
from __future__ import annotations

import ast
import bisect
import posixpath
import re
from functools import lru_cache
from typing import Any

from sls_lint.core import SourceFile, Trigger

from .build import Context
from .jsonload import load_json
from .model import DeploymentDoc

ENTRYPOINT_NAMES = ("app.py", "index.py", "server.py", "main.py", "wsgi.py", "asgi.py")


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern:
    """minimatch-style glob (``**``, ``*``, ``?``, ``{a,b}``) to a regex over posix paths."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.lstrip("/")
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            out.append("(?:" + "|".join(re.escape(x) for x in pattern[i + 1:end].split(",")) + ")")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def _under(base: str, path: str) -> str | None:
    """``path`` relative to folder ``base`` (both root-relative), or None when outside."""
    if not base:
        return path
    return path[len(base) + 1:] if path.startswith(base + "/") else None


def _api_files(ctx: Context, base: str) -> list[str]:
    prefix = f"{base}/api/" if base else "api/"
    ordered = ctx.sorted_python_paths
    out = []
    for path in ordered[bisect.bisect_left(ordered, prefix):]:
        if not path.startswith(prefix):
            break  # sorted: the paths with the prefix are consecutive
        if any(seg.startswith(("_", ".")) for seg in path[len(prefix):].split("/")):
            continue
        out.append(path)
    return [p for p in out if p not in ctx.vendored]


def _entry_callable(ctx: Context, path: str) -> tuple[str | None, dict]:
    info = ctx.module(path)
    if info is None:
        return None, {}
    handler = info.bindings.get("handler")
    if isinstance(handler, ast.ClassDef) and any(
        (b or "").endswith("BaseHTTPRequestHandler") for b in (info.qualname(x) for x in handler.bases)
    ):
        return "handler", {"handler_kind": "http.server"}
    if "app" in info.bindings:
        return "app", {"app": "app"}
    if "handler" in info.bindings:
        return "handler", {}
    return None, {}


def _route(rel: str) -> str:
    route = "/" + rel[:-3] if rel.endswith(".py") else "/" + rel
    if route.endswith("/index"):
        route = route[: -len("/index")] or "/"
    return route


def _match(functions: Any, rel: str) -> str | None:
    if not isinstance(functions, dict):
        return None
    for pattern in functions:  # Vercel uses the first pattern that matches
        if isinstance(pattern, str) and (pattern == rel or glob_regex(pattern).match(rel)):
            return pattern
    return None


def _add(ctx: Context, doc: DeploymentDoc | None, base: str, path: str, name: str,
         settings: dict, pattern: str | None, keyroot: str, extra: dict,
         source_line: int | None = None) -> None:
    func, facts = _entry_callable(ctx, path)
    extra = {**facts, **extra}
    limit = settings.get("maxDuration") if isinstance(settings.get("maxDuration"), (int, float)) else None
    line = None
    if doc is not None and pattern is not None:
        loc = doc.locate(keyroot, pattern) if keyroot == "functions" else None
        line = loc[0] if loc else None
        extra["keypath"] = (keyroot, pattern)
        extra["pattern"] = pattern
    ctx.add_function(
        name=name,
        platform="vercel",
        runtime_class="serverless",
        handler_path=path,
        handler_callable=func,
        triggers=[Trigger("http", "vercel", limit, None, line)],
        timeout_s=limit,
        memory_mb=settings.get("memory"),
        runtime=settings.get("runtime") if isinstance(settings.get("runtime"), str) else None,
        source_path=doc.path if doc is not None else None,
        source_line=line if source_line is None else source_line,
        handler_module=_under(base, path),
        extra=extra,
    )


def read(ctx: Context, sf: SourceFile) -> None:
    text, err = ctx.read_text(sf)
    if err:
        ctx.error_doc(sf, "vercel", err)
        return
    doc = ctx.add_doc(sf, "vercel", load_json(text))
    if doc.error or not isinstance(doc.data, dict):
        return
    base = posixpath.dirname(sf.path)
    functions = doc.data.get("functions")
    builds = doc.data.get("builds")
    if isinstance(builds, list) and builds:  # legacy builds: only what they list is deployed
        for i, b in enumerate(builds):
            if not isinstance(b, dict) or "python" not in str(b.get("use", "")):
                continue
            src = b.get("src")
            if not isinstance(src, str):
                continue
            cfg = b.get("config") if isinstance(b.get("config"), dict) else {}
            loc = doc.locate("builds", i)
            for path in ctx.sorted_python_paths:
                rel = _under(base, path)
                if rel is not None and glob_regex(src).match(rel):
                    settings = {"maxDuration": cfg.get("maxDuration"), "memory": cfg.get("memory")}
                    _add(ctx, doc, base, path, _route(rel), settings, None, "builds",
                         {"vercel_config": True, "keypath": ("builds", i), "pattern": src},
                         source_line=loc[0] if loc else None)
        return
    api = _api_files(ctx, base)
    candidates = [(p, _route(_under(base, p) or p)) for p in api]
    if not api:
        for folder in ("", "src"):
            for entry in ENTRYPOINT_NAMES:
                rel = posixpath.join(folder, entry) if folder else entry
                path = posixpath.join(base, rel) if base else rel
                info = ctx.module(path)
                if info is not None and "app" in info.bindings:
                    candidates = [(path, "/")]
                    break
            if candidates:
                break
    for path, name in candidates:
        rel = _under(base, path) or path
        pattern = _match(functions, rel)
        settings = functions.get(pattern, {}) if pattern is not None else {}
        settings = settings if isinstance(settings, dict) else {}
        _add(ctx, doc, base, path, name, settings, pattern, "functions", {"vercel_config": True})


def zero_config(ctx: Context, has_config: bool) -> None:
    """Without vercel.json, a root ``api/`` file is a Vercel function only when it defines the
    runtime's entry point unambiguously (a BaseHTTPRequestHandler ``handler`` or an ASGI/WSGI
    ``app``) and no other platform's convention applies."""
    if has_config:
        return
    for path in _api_files(ctx, ""):
        if path in ctx.claimed:
            continue
        info = ctx.module(path)
        if info is None:
            continue
        func, facts = _entry_callable(ctx, path)
        if func == "handler" and facts.get("handler_kind") != "http.server":
            continue
        if func == "app" and (not info.is_app_object("app") or _lambda_markers(info)):
            continue
        if func is None:
            continue
        _add(ctx, None, "", path, _route(path), {}, None, "functions", {"vercel_config": False})


def _lambda_markers(info) -> bool:
    return "lambda_handler" in info.bindings or any(
        isinstance(s, ast.Assign) and info.call_name(s.value) in ("mangum.Mangum", "mangum.adapter.Mangum")
        for s in info.bindings.values()
    ) or isinstance(info.bindings.get("handler"), (ast.FunctionDef, ast.AsyncFunctionDef))
