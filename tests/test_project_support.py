"""Helpers for the project-model tests: build `files` and `trees` for a fixture folder the way
discovery would (a small stand-in; the real discovery lives elsewhere)."""
from __future__ import annotations

import ast
import os
import re

from sls_lint.core import SourceFile
from sls_lint.project import build_project

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "projects")

_CFN_MARKERS = re.compile(r"AWSTemplateFormatVersion|AWS::Serverless-2016-10-31|Type['\"]?\s*:\s*['\"]?AWS::")


def classify(rel: str, abs_path: str) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        return "python"
    if name in ("serverless.yml", "serverless.yaml"):
        return "serverless"
    if name in ("vercel.json",):
        return "vercel"
    if name in ("wrangler.toml", "wrangler.json", "wrangler.jsonc"):
        return "wrangler"
    if name in ("template.yaml", "template.yml", "template.json"):
        return "cloudformation"
    if name.endswith((".yaml", ".yml", ".json", ".template")):
        with open(abs_path, encoding="utf-8", errors="replace") as fh:
            if _CFN_MARKERS.search(fh.read(200_000)):
                return "cloudformation"
    return None


def discover(root: str) -> tuple[list[SourceFile], dict[str, ast.Module]]:
    files: list[SourceFile] = []
    trees: dict[str, ast.Module] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "node_modules"))
        for fname in sorted(filenames):
            abs_path = os.path.join(dirpath, fname)
            rel = os.path.relpath(abs_path, root).replace(os.sep, "/")
            kind = classify(rel, abs_path)
            if kind is None:
                continue
            files.append(SourceFile(rel, abs_path, kind))
            if kind == "python":
                with open(abs_path, "rb") as fh:
                    try:
                        trees[rel] = ast.parse(fh.read(), filename=rel)
                    except SyntaxError:
                        pass
    return files, trees


def load(root: str):
    if not os.path.isabs(root):
        root = os.path.join(FIXTURES, root)
    files, trees = discover(root)
    return build_project(root, files, trees)


def by_name(project):
    return {f.name: f for f in project.functions}
