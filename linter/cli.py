"""The command line: a thin shell over :class:`sls_lint.engine.Linter`.

Exit codes: 0 nothing left to report; 1 findings remain; 2 usage, configuration or internal
error. ``sls-lint [PATHS]`` and ``sls-lint --fix`` are shortcuts for ``sls-lint check``.
"""
from __future__ import annotations

if __name__ == "__main__":  # `python -m sls_lint.cli`: never import the project's click.py & co (see __main__.py)
    from sls_lint.__main__ import drop_cwd_entry

    drop_cwd_entry()

import json
import os
import sys
from typing import Sequence

import click

from . import __version__

COMMANDS = ("check", "functions", "rule", "rules", "advise", "lsp", "clean", "merge")


class DefaultToCheck(click.Group):
    """Route ``sls-lint [OPTIONS] [PATHS]`` to ``check``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


class UsageError(Exception):
    pass


def _fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    click.echo(f"sls-lint: error: {message}", err=True)
    sys.exit(2)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip().upper() for x in v.split(",") if x.strip())
    return tuple(out)


def _load_config(config_path: str | None, start: str, overrides: dict) -> "Config":  # type: ignore[name-defined]
    from .config import ConfigError, find_config_file, load_config
    from .ruleindex import indexed_options  # the rules' options without importing every rule

    try:
        path = config_path or find_config_file(start)
        return load_config(path, start=start, rule_options=indexed_options(), overrides=overrides)
    except ConfigError as exc:
        _fail(str(exc))


@click.group(cls=DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sls-lint")
def cli() -> None:
    """sls-lint: find what makes serverless and edge functions slow, fragile, costly or insecure."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix or --diff).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="Include fix edits in the output.")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (SLS2, SLS201).")
@click.option("--extend-select", multiple=True, help="Codes or prefixes to enable on top of the config.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--exclude", multiple=True, help="Gitignore-style patterns to exclude (replaces the config's).")
@click.option("--extend-exclude", multiple=True, help="Gitignore-style patterns to exclude on top of the config's.")
@click.option("--include-vendored", is_flag=True, default=None, help="Also check vendored dependency trees.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif", "junit"]), default="text", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (pyproject.toml or sls-lint.toml).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("--stdin-filename", type=click.Path(), help="Read the source from stdin, as this file.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: when a terminal).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the config's `jobs`, else one per CPU).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), help="Report and fail only on findings not recorded in this baseline file.")
@click.option("--write-baseline", is_flag=True, help="Record every current finding in the --baseline file and exit 0.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Lowest severity that makes the run exit 1 (default: the config's `fail-on`, else info).")
@click.option("--diff-base", metavar="REV", help="Check only files changed since git revision REV (and the files they affect).")
@click.option("--shard", metavar="K/N", help="Check only shard K of N (1-based; stable across machines). Merge the shards' JSON or SARIF afterwards.")
def check(paths, fix, unsafe_fixes, diff, show_fixes, select, extend_select, ignore, exclude, extend_exclude, include_vendored, fmt, output_file, config_path, no_cache, exit_zero, statistics, stdin_filename, color, jobs, baseline_path, write_baseline, fail_on, diff_base, shard) -> None:
    """Check PATHS (default: the current folder) and report findings."""
    args = dict(locals())
    if _PROCESS_ENTRY:
        _one_shot()
    try:
        code = _check(**args)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # never a traceback for users
        if os.environ.get("SLS_LINT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set SLS_LINT_DEBUG=1 for the traceback)")
    _finish(code)


def _finish(code: int) -> "NoReturn":  # type: ignore[name-defined]
    """End ``check`` with ``code``. In the console script the output is flushed and the process
    leaves with ``os._exit``: after a large run the interpreter's teardown (clearing the modules,
    releasing what they still reach) and waiting for the finished workers to go cost tens of
    milliseconds, and nothing is left to do (the cache, the fixed files and the report are
    written, the workers have delivered everything; they are waited for here, having ended while
    the report was written). A library caller (or click's test runner) gets the usual
    ``SystemExit``."""
    if not _PROCESS_ENTRY:
        sys.exit(code)
    engine = sys.modules.get("sls_lint.engine")
    if engine is not None:
        engine.reap_workers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader is gone (`sls-lint | head`): nothing more to tell it
            pass
        except (OSError, ValueError) as exc:  # a full disk, a closed stream: the report is incomplete
            if stream is sys.stdout:
                try:
                    os.write(2, f"sls-lint: error: cannot write the report: {exc}\n".encode(errors="replace"))
                except OSError:
                    pass
                code = 2
    os._exit(code)


def _check(paths, fix, unsafe_fixes, diff, show_fixes, select, extend_select, ignore, exclude, extend_exclude, include_vendored, fmt, output_file, config_path, no_cache, exit_zero, statistics, stdin_filename, color, jobs=None, baseline_path=None, write_baseline=False, fail_on=None, diff_base=None, shard=None) -> int:
    from .core import Severity
    from .engine import Linter
    from .reporters import ReportContext, get_reporter

    overrides: dict = {}
    if select:
        overrides["select"] = list(_split(select))
    if extend_select:
        overrides["extend-select"] = list(_split(extend_select))
    if ignore:
        overrides["ignore"] = list(_split(ignore))
    if exclude:
        overrides["exclude"] = list(exclude)
    if extend_exclude:
        overrides["extend-exclude"] = list(extend_exclude)
    if include_vendored:
        overrides["include-vendored"] = True
    cwd = os.getcwd()
    for p in paths:
        if not os.path.exists(p):
            _fail(f"path does not exist: {p}")
    start = os.path.dirname(os.path.abspath(stdin_filename)) if stdin_filename else os.path.abspath(paths[0] if paths else cwd)
    if os.path.isfile(start):
        start = os.path.dirname(start)
    if write_baseline and not baseline_path:
        _fail("--write-baseline needs --baseline FILE (where to write it)")
    if write_baseline and (diff_base or shard or stdin_filename):
        _fail("--write-baseline records the findings of the whole project: it cannot be combined with --diff-base, --shard or --stdin-filename")
    shard_pair = _parse_shard(shard) if shard else None
    config = _load_config(config_path, start, overrides)
    linter = Linter(config, cwd=cwd, cache=not no_cache and not stdin_filename, jobs=jobs or config.jobs or os.cpu_count() or 1)
    overlay = None
    if stdin_filename:
        overlay = {stdin_filename: sys.stdin.read()}
    changed = _changed_since(diff_base, start, config) if diff_base else None
    apply = fix or diff
    exit_code_floor = 0  # 1 when a fix could not be written (its findings remain on disk)
    result = linter.fix(paths, overlay=overlay, stdin_path=stdin_filename, apply=apply, unsafe=unsafe_fixes, changed=changed, shard=shard_pair)
    reported = {d.message for d in result.diagnostics if d.code == "SLS001"}
    for err in result.errors:
        if err in reported:
            continue  # an unreadable file is already an SLS001 finding (same text): report it once
        click.echo(f"sls-lint: warning: {err}", err=True)
    for msg in result.fixes_failed:
        click.echo(f"sls-lint: warning: {msg}", err=True)
    if diff:
        import difflib

        out = []
        for abs_path, (before, after) in sorted(result.fixed_sources.items()):
            rel = os.path.relpath(abs_path, cwd).replace(os.sep, "/")
            out.extend(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{rel}", f"b/{rel}"))
        from .secrets import redact_text

        text = redact_text("".join(out))  # a diff shows context lines: never print a secret whole
        if text and not text.endswith("\n"):
            text += "\n"
        click.echo(text, nl=False)
        # --diff: exit 1 when there is something to fix (like Ruff)
        return 0 if exit_zero or not result.fixed_sources else 1
    if fix and result.fixed_sources:
        if stdin_filename:
            # with stdin, the fixed source goes to stdout and the report to stderr
            (_before, after), = result.fixed_sources.values()
            click.echo(after, nl=False)
        else:
            written = set(linter.write(result))
            for abs_path in sorted(set(result.fixed_sources) - written):
                # the user saved it meanwhile: left as saved, so its findings remain (exit 1)
                click.echo(f"sls-lint: warning: {os.path.relpath(abs_path, cwd)} changed while sls-lint was fixing it; not written", err=True)
                exit_code_floor = 1
    diagnostics = result.diagnostics
    if baseline_path:
        from .baseline import Baseline, BaselineError

        if write_baseline:
            Baseline.from_diagnostics(baseline_path, diagnostics, cwd).write()
            click.echo(f"sls-lint: wrote {len(diagnostics)} finding{'' if len(diagnostics) == 1 else 's'} to baseline {baseline_path}", err=True)
            return 0
        try:
            comparison = Baseline.load(baseline_path).compare(diagnostics, cwd, result.checked)
        except BaselineError as exc:
            _fail(str(exc))
        diagnostics = comparison.new
        if comparison.stale:
            n = sum(e.count for e in comparison.stale)
            click.echo(f"sls-lint: baseline: {n} recorded finding{'' if n == 1 else 's'} no longer found (fixed or moved); refresh {baseline_path} with --write-baseline:", err=True)
            for e in comparison.stale:
                click.echo(f"  {e.path}: {e.code} {e.message}" + (f" (x{e.count})" if e.count > 1 else ""), err=True)
    fixable = sum(1 for d in diagnostics if d.fix and d.fix.applicability.value == "safe")
    unsafe_fixable = sum(1 for d in diagnostics if d.fix and d.fix.applicability.value == "unsafe")
    edits = {}
    if show_fixes:
        edits = _edits_for(diagnostics, result.sources)
    if color is None:
        color = output_file is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    ctx = ReportContext(
        version=__version__,
        sources=result.sources,
        fixed=result.fixes_applied,
        fixable=fixable,
        unsafe_fixable=unsafe_fixable,
        show_fixes=show_fixes,
        edits=edits,
        color=bool(color),
        statistics=statistics,
        stats=result.stats,
    )
    try:
        report = get_reporter(fmt)(diagnostics, context=ctx)
    except KeyError:
        _fail(f"output format {fmt!r} is not available yet")
    if output_file:
        with open(output_file, "w", encoding="utf-8") as fh:
            fh.write(report)
    elif report:
        stream_err = bool(stdin_filename and fix)
        click.echo(report, nl=not report.endswith("\n"), err=stream_err)
    threshold = Severity(fail_on or config.fail_on or "info").rank
    if exit_zero or not (any(d.severity.rank >= threshold for d in diagnostics) or exit_code_floor):
        return 0
    return 1


def _parse_shard(text: str) -> tuple[int, int]:
    k, sep, n = text.partition("/")
    try:
        pair = (int(k), int(n))
    except ValueError:
        pair = (0, 0)
    if not sep or pair[1] < 1 or not 1 <= pair[0] <= pair[1]:
        _fail(f"--shard wants K/N with 1 <= K <= N (like 2/4), not {text!r}")
    return pair


def _changed_since(rev: str, start: str, config) -> list[str] | None:
    """Absolute paths of the files changed since ``rev`` (committed, staged, unstaged and
    untracked); None (check everything) when a configuration file changed."""
    import subprocess

    def git(*args: str, cwd: str = start) -> str:
        try:
            p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _fail(f"--diff-base needs git: {exc}")
        if p.returncode != 0:
            _fail(f"--diff-base {rev}: git {' '.join(args[:2])} failed: {p.stderr.strip() or p.stdout.strip()}")
        return p.stdout

    top = git("rev-parse", "--show-toplevel").strip()
    try:
        ok = subprocess.run(["git", "rev-parse", "--verify", "--quiet", rev + "^{commit}"], cwd=start, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        _fail(f"--diff-base: {rev!r} is not a commit in {top} (fetch it first, e.g. `git fetch origin main`, or use a full clone)")
    base = rev
    try:
        mb = subprocess.run(["git", "merge-base", rev, "HEAD"], cwd=start, capture_output=True, text=True, timeout=120)
        if mb.returncode == 0 and mb.stdout.strip():
            base = mb.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    names = git("diff", "--name-only", "-z", "--no-renames", base, "--").split("\0")
    names += git("ls-files", "--others", "--exclude-standard", "-z", cwd=top).split("\0")
    paths = {os.path.normpath(os.path.join(top, n)) for n in names if n}
    config_files = {os.path.normpath(p) for p in (config.sources or ((config.path,) if config.path else ()))}
    if paths & config_files:
        return None
    return sorted(paths)


def _edits_for(diagnostics, sources) -> dict:
    from sls_lint.fixers import FixError, edits_for

    out = {}
    for i, d in enumerate(diagnostics):
        if d.fix is None or d.fix.applicability.value == "display-only":
            continue
        text = sources.get(d.path)
        if text is None:
            continue
        try:
            from .secrets import edits_without_secrets

            out[i] = edits_without_secrets(edits_for(text, d.fix, path=d.path))  # never print a secret
        except FixError:
            continue
    return out


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def functions(paths, fmt, config_path) -> None:
    """List the project's functions: platform, runtime class, triggers, limits and handler."""
    from .engine import Linter
    from .project.render import render_table, to_json

    start = os.path.abspath(paths[0] if paths else os.getcwd())
    if os.path.isfile(start):
        start = os.path.dirname(start)
    config = _load_config(config_path, start, {})
    try:
        fns = Linter(config).functions(paths)
    except Exception as exc:  # pragma: no cover - defensive
        if os.environ.get("SLS_LINT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc}")
    if fmt == "json":
        click.echo(json.dumps({"version": __version__, "functions": to_json(fns)}, indent=2))
    else:
        click.echo(render_table(fns) if fns else "No functions found.")


@cli.command()
@click.argument("code")
def rule(code) -> None:
    """Show the documentation of one rule (by code or name)."""
    from .docs import render_rule
    from .rule import rule_by_code

    r = rule_by_code(code)
    if r is None:
        _fail(f"unknown rule {code!r}; `sls-lint rules` lists them")
    click.echo(render_rule(r))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(fmt) -> None:
    """List every rule."""
    from .rule import all_rules

    rows = [(r.code, r.name, r.severity.value, r.fix_availability.value, r.fix_safety.value, r.summary) for r in all_rules()]
    if fmt == "json":
        click.echo(json.dumps([dict(zip(("code", "name", "severity", "fix", "fix_safety", "summary"), row)) for row in rows], indent=2))
        return
    w = [max(len(str(row[i])) for row in rows) for i in range(5)]
    click.echo(f"{'code':<{w[0]}}  {'name':<{w[1]}}  {'severity':<{w[2]}}  {'fix':<{w[3]}}  summary")
    for row in rows:
        fixinfo = row[3] if row[3] == "never" else f"{row[3]}"
        click.echo(f"{row[0]:<{w[0]}}  {row[1]:<{w[1]}}  {row[2]:<{w[2]}}  {fixinfo:<{w[3]}}  {row[5]}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--target", type=click.Choice(["edge", "serverless", "server"]), help="List what blocks moving each function there.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (pyproject.toml or sls-lint.toml).")
def advise(paths, target, fmt, output_file, config_path) -> None:
    """Where each function should run (edge, serverless, server), and what blocks the move."""
    from .advise import advise as run_advice
    from .advise.report import render

    for p in paths:
        if not os.path.exists(p):
            _fail(f"path does not exist: {p}")
    start = os.path.abspath(paths[0] if paths else os.getcwd())
    if os.path.isfile(start):
        start = os.path.dirname(start)
    config = _load_config(config_path, start, {})
    try:
        text = render(run_advice(paths, config, cwd=os.getcwd(), target=target), fmt)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # never a traceback for users
        if os.environ.get("SLS_LINT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set SLS_LINT_DEBUG=1 for the traceback)")
    if output_file:
        with open(output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (pyproject.toml or sls-lint.toml).")
def clean(paths, config_path) -> None:
    """Remove the result cache (the `cache-dir` folder, default .sls-lint-cache)."""
    from .cache import clean as remove_cache
    from .engine import Linter

    start = os.path.abspath(paths[0] if paths else os.getcwd())
    if os.path.isfile(start):
        start = os.path.dirname(start)
    config = _load_config(config_path, start, {})
    folder = Linter(config, cwd=start).cache_dir()
    try:
        removed = remove_cache(folder)
    except OSError as exc:
        _fail(str(exc))
    click.echo(f"Removed {folder}" if removed else f"No cache at {folder}")


@cli.command()
@click.option("--stdio", "mode", flag_value="stdio", default=True, help="Talk over stdin/stdout (the default).")
@click.option("--tcp", "mode", flag_value="tcp", help="Listen on a TCP port instead.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on with --tcp.")
@click.option("--port", default=2087, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on with --tcp.")
def lsp(mode, host, port) -> None:
    """Run the language server (diagnostics, fixes, suppressions, rule docs on hover)."""
    try:
        from .lsp import serve
    except ImportError as exc:  # pragma: no cover - pygls is a dependency
        _fail(f"the language server needs pygls: {exc}")
    serve(mode, host, port)


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "sarif"]), required=True, help="The format of the reports (all alike).")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the merged report to this file.")
def merge(reports, fmt, output_file) -> None:
    """Merge the JSON or SARIF reports of `check --shard K/N` runs into one report."""
    docs = []
    for path in reports:
        try:
            with open(path, encoding="utf-8") as fh:
                docs.append(json.load(fh))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {path}: {exc}")
    if fmt == "sarif":
        from .reporters.sarif import merge as merge_sarif

        if not all(isinstance(d, dict) and d.get("version") == "2.1.0" for d in docs):
            _fail("every report must be SARIF 2.1.0 (sls-lint check --format sarif)")
        merged = merge_sarif(docs)
    else:
        if not all(isinstance(d, dict) and isinstance(d.get("diagnostics"), list) for d in docs):
            _fail("every report must be sls-lint JSON (sls-lint check --format json)")
        diags = [x for d in docs for x in d["diagnostics"]]
        diags.sort(key=lambda x: (x["path"], x["line"], x["column"], x["code"]))
        merged = {"version": docs[0].get("version", __version__), "diagnostics": diags}
    text = json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    if output_file:
        with open(output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


def _one_shot() -> None:
    from .engine import one_shot_process

    one_shot_process()


_PROCESS_ENTRY = False  # True when the console script (or python -m) runs: one command, then exit


def main() -> None:
    global _PROCESS_ENTRY
    _PROCESS_ENTRY = True
    cli(prog_name="sls-lint")


if __name__ == "__main__":  # pragma: no cover
    main()
