"""The project model: every deployable function of a project, from deployment files and conventions.

Public API::

    build_project(root, files, trees) -> Project
    Project(root, functions, docs).functions_for(handler_path)
    DeploymentDoc(path, kind, data, error).locate(*keypath)

One module per format (serverless, cloudformation, cdk, vercel, wrangler) plus conventions;
YAML/JSON/TOML loaders keep a position for every key. User code is never imported or run:
Python files are read from the ``ast`` trees the caller already built.
"""
from __future__ import annotations

import ast
from typing import Mapping

from sls_lint.core import SourceFile

from .build import Context
from .model import DeploymentDoc, Project, Tagged

__all__ = ["DeploymentDoc", "Project", "Tagged", "build_project"]


def build_project(root: str, files: list[SourceFile], trees: Mapping[str, ast.Module]) -> Project:
    """Read every deployment file once and list the project's functions.

    Deployment files come first (they name handlers explicitly); conventions then fill in for
    Python files that no deployment file names. Never raises for malformed input: a file that
    cannot be parsed yields a :class:`DeploymentDoc` with ``error`` set.
    """
    from . import cdk, cloudformation, conventions, serverless, vercel, wrangler

    ctx = Context(root, files, trees)
    readers = {
        "serverless": serverless.read,
        "cloudformation": cloudformation.read,
        "wrangler": wrangler.read,
    }
    vercel_files = []
    for sf in ctx.files:
        if sf.kind in readers:
            readers[sf.kind](ctx, sf)
        elif sf.kind == "vercel":
            vercel_files.append(sf)
        elif sf.kind in ("python", "cdk") and "aws_cdk" in ctx.source_text(sf.path):
            info = ctx.module(sf.path)
            if info is not None and info.imports_module("aws_cdk"):
                ctx.cdk_apps.add(sf.path)
                cdk.read(ctx, sf, info)
    for sf in vercel_files:
        vercel.read(ctx, sf)
    vercel.zero_config(ctx, has_config=bool(vercel_files))
    conventions.scan(ctx)
    return Project(root=ctx.root, functions=ctx.functions, docs=ctx.docs)
