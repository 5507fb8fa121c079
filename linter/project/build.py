"""Shared state and helpers for the per-format readers."""
from __future__ import annotations

import ast
import json
import os
import posixpath
from typing import Any, Mapping

from sls_lint.core import Function, SourceFile, Trigger, freeze

from .model import DeploymentDoc, Tagged
from .pyast import ModuleInfo
from .yamlload import LoadResult

# platform facts (reference/serverless-facts.md §2.2)
LIMIT_API_GATEWAY_REST = 29
LIMIT_HTTP_API = 30
LIMIT_AZURE_HTTP = 230
LAMBDA_DEFAULT_TIMEOUT = 3
LAMBDA_DEFAULT_MEMORY = 128
SLS_DEFAULT_TIMEOUT = 6
SLS_DEFAULT_MEMORY = 1024

TEST_DIRS = {"tests", "test", "testing"}


class Context:
    """Everything the readers share while one project is built."""

    def __init__(self, root: str, files: list[SourceFile], trees: Mapping[str, ast.Module]):
        self.root = os.path.abspath(root)
        self.files = sorted(files, key=lambda f: f.path)
        self.trees = trees
        # never iterate ``trees``: callers may pass a lazy mapping that parses on access
        self.python_paths = {f.path for f in files if f.kind in ("python", "cdk")}
        self.sorted_python_paths = sorted(self.python_paths)  # for the readers that walk them in order
        self.vendored = {f.path for f in files if f.vendored}
        self._abs = {f.path: f.abs_path for f in files}
        self.docs: list[DeploymentDoc] = []
        self.functions: list[Function] = []
        self.claimed: set[str] = set()  # handler files named by a deployment file
        self.cdk_apps: set[str] = set()
        self._infos: dict[str, ModuleInfo | None] = {}

    # -- files --------------------------------------------------------------------------------
    def read_text(self, sf: SourceFile) -> tuple[str | None, tuple[int, int, str] | None]:
        overlay = getattr(self.trees, "overlay_text", None)  # fix rounds, stdin, editor buffers
        if callable(overlay):
            text = overlay(sf.path)
            if isinstance(text, str):
                return text, None
        try:
            with open(sf.abs_path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            return None, (1, 1, f"cannot read file: {exc.strerror or exc}")
        try:
            return raw.decode("utf-8-sig"), None
        except UnicodeDecodeError as exc:
            return None, (1, 1, f"file is not valid UTF-8 (byte {exc.start})")

    def add_doc(self, sf: SourceFile, kind: str, result: LoadResult) -> DeploymentDoc:
        doc = DeploymentDoc(
            path=sf.path,
            kind=kind,
            data=result.data,
            error=result.error,
            locations=result.locations,
            value_locations=result.value_locations,
        )
        self.docs.append(doc)
        return doc

    def error_doc(self, sf: SourceFile, kind: str, error: tuple[int, int, str]) -> DeploymentDoc:
        doc = DeploymentDoc(path=sf.path, kind=kind, data=None, error=error)
        self.docs.append(doc)
        return doc

    def abs(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel else self.root

    def is_file(self, rel: str) -> bool:
        if rel in self.python_paths:
            return True
        if not rel or rel.startswith("../") or rel == "..":
            return False
        path = self.abs(rel)
        return os.path.isfile(path) and not os.path.islink(path)

    def is_dir(self, rel: str) -> bool:
        if rel.startswith("../") or rel == "..":
            return False
        return os.path.isdir(self.abs(rel))

    def read_json_file(self, rel: str) -> Any:
        """A small JSON side file (host.json, .chalice/config.json, cdk.json) or None."""
        if rel.startswith("../"):
            return None
        try:
            with open(self.abs(rel), encoding="utf-8-sig") as fh:
                if os.fstat(fh.fileno()).st_size > 1_000_000:
                    return None
                return json.load(fh)
        except (OSError, ValueError, RecursionError):
            return None

    def source_text(self, path: str) -> str:
        """The text of a discovered Python file, for cheap checks before asking for its tree."""
        getter = getattr(self.trees, "text", None)
        if callable(getter):
            try:
                text = getter(path)
                if isinstance(text, str):
                    return text
            except Exception:  # pragma: no cover - a foreign mapping's text() failing
                pass
        abs_path = self._abs.get(path) or self.abs(path)
        try:
            with open(abs_path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def module(self, path: str | None) -> ModuleInfo | None:
        if path is None:
            return None
        if path not in self._infos:
            try:
                tree = self.trees[path] if path in self.trees else None
            except KeyError:
                tree = None
            info = None
            if isinstance(tree, ast.Module):
                # a pure function of (path, tree): kept on the tree, so a tree reused by a later
                # analysis (the LSP's parse memo) comes with it
                info = tree.__dict__.get("_sls_info")
                if info is None or info.path != path:
                    info = tree.__dict__["_sls_info"] = ModuleInfo(path, tree)
            self._infos[path] = info
        return self._infos[path]

    def resolve_module(self, base_dir: str, module: str) -> str | None:
        """Root-relative path of ``module`` (``src/handlers/users`` or ``pkg.mod``) or None."""
        module = module.strip().replace("\\", "/")
        while module.startswith("./"):
            module = module[2:]
        head, _, tail = module.rpartition("/")
        rel_module = posixpath.join(head, tail.replace(".", "/")) if head else tail.replace(".", "/")
        for candidate in (rel_module + ".py", rel_module + "/__init__.py"):
            rel = posixpath.normpath(posixpath.join(base_dir, candidate)) if base_dir else posixpath.normpath(candidate)
            if rel.startswith("../") or rel.startswith("/"):
                return None
            if self.is_file(rel):
                return rel
        return None

    # -- functions ----------------------------------------------------------------------------
    def add_function(
        self,
        *,
        name: str,
        platform: str,
        runtime_class: str,
        handler_path: str | None,
        handler_callable: str | None,
        triggers: list[Trigger] | tuple[Trigger, ...] = (),
        timeout_s: Any = None,
        memory_mb: Any = None,
        concurrency: Any = None,
        runtime: str | None = None,
        source_path: str | None = None,
        source_line: int | None = None,
        handler_module: str | None = None,
        extra: dict[str, Any] | None = None,
        claim: bool = True,
    ) -> Function:
        extra = dict(extra or {})
        # a value that is set but not a literal (${ssm:...}, !Ref Param, a variable) is not
        # "unset": keep its text so rules do not report a missing setting
        for key, value in (("timeout_expr", timeout_s), ("memory_expr", memory_mb),
                           ("concurrency_expr", concurrency)):
            if value is not None and as_number(value) is None:
                extra[key] = ref_text(value)
        handler_line = None
        info = self.module(handler_path)
        if info is not None:
            handler_line = info.line_of(handler_callable)
            for key, value in info.app_facts(handler_callable):
                extra.setdefault(key, value)
        fn = Function(
            name=name,
            platform=platform,
            runtime_class=runtime_class,
            handler_path=handler_path,
            handler_callable=handler_callable,
            handler_line=handler_line,
            triggers=tuple(triggers),
            timeout_s=as_number(timeout_s),
            memory_mb=as_int(memory_mb),
            concurrency=as_int(concurrency),
            runtime=runtime if isinstance(runtime, str) else None,
            source_path=source_path,
            source_line=source_line,
            handler_module=handler_module,
            extra=freeze({k: v for k, v in extra.items() if v is not None}),
        )
        self.functions.append(fn)
        if claim and handler_path:
            self.claimed.add(handler_path)
        return fn


def as_number(value: Any) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return None
    return None


def as_int(value: Any) -> int | None:
    num = as_number(value)
    if num is None:
        return None
    return int(num) if float(num).is_integer() else None


def split_handler(handler: str) -> tuple[str, str | None]:
    """``src/handlers/users.get`` -> (``src/handlers/users``, ``get``)."""
    head, _, tail = handler.strip().rpartition("/")
    module, dot, func = tail.rpartition(".")
    if not dot:
        return handler.strip(), None
    return (f"{head}/{module}" if head else module), func


def is_python_runtime(runtime: Any) -> bool:
    return isinstance(runtime, str) and runtime.strip().lower().startswith("python")


def ref_text(value: Any) -> str | None:
    """A short readable form of a reference as written (ARN string, !GetAtt, Fn::GetAtt...)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Tagged):
        inner = value.value
        if isinstance(inner, list):
            inner = ".".join(str(x) for x in inner) if value.name == "GetAtt" else json.dumps(inner, default=str)
        elif isinstance(inner, dict):
            inner = json.dumps(inner, default=str, sort_keys=True)
        return f"{value.tag} {inner}"
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Fn::GetAtt" and isinstance(inner, list):
            return f"!GetAtt {'.'.join(str(x) for x in inner)}"
        if key == "Ref":
            return f"!Ref {inner}"
        if key.startswith("Fn::"):
            return f"!{key[4:]} {json.dumps(inner, default=_default, sort_keys=True)}"
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, default=_default, sort_keys=True)


def _default(obj: Any) -> Any:
    if isinstance(obj, Tagged):
        return {obj.tag: obj.value}
    return str(obj)


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if any(p in TEST_DIRS for p in parts[:-1]):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
