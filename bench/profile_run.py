"""Profile one cold sls-lint run in-process (cProfile, or pyinstrument with --pyinstrument).

    .venv/bin/python bench/profile_run.py                 # a generated 3,000-file corpus
    .venv/bin/python bench/profile_run.py --dir PATH --sort cumulative --top 50
    .venv/bin/python bench/profile_run.py --pyinstrument  # needs pyinstrument in this venv

The run is ``sls-lint check . --no-cache --select ALL --exit-zero --jobs 1`` with the report sent to
/dev/null; the stats are saved to bench/results/profile.pstats (git-ignored *.pstats is not
needed: the file is small and overwritten each time).
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402


def run_cli(root: str) -> None:
    from sls_lint.cli import cli

    args = ["check", ".", "--no-cache", "--select", "ALL", "--exit-zero", "--output-file", os.devnull]
    if "jobs" in {p.name for p in cli.commands["check"].params}:
        args += ["--jobs", "1"]  # worker processes would hide their time from the profiler
    old = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            cli.main(args, prog_name="sls-lint", standalone_mode=False)
    except SystemExit:
        pass
    finally:
        os.chdir(old)


def main() -> int:
    ap = argparse.ArgumentParser(description="profile one cold sls-lint run")
    ap.add_argument("--dir")
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--pyinstrument", action="store_true")
    args = ap.parse_args()
    root = args.dir
    if root is None:
        root = os.path.join(tempfile.gettempdir(), f"sls-bench-profile-{args.files}-{args.seed}")
        if not os.path.exists(root):
            corpus.generate(root, args.files, seed=args.seed)
    root = os.path.abspath(root)
    import sls_lint.engine  # noqa: F401  imports are not what we profile here
    if args.pyinstrument:
        from pyinstrument import Profiler

        prof = Profiler()
        prof.start()
        run_cli(root)
        prof.stop()
        print(prof.output_text(unicode=False, color=False, show_all=False))
        return 0
    prof = cProfile.Profile()
    prof.enable()
    run_cli(root)
    prof.disable()
    out = HERE / "results" / "profile.pstats"
    out.parent.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(out)
    stats = pstats.Stats(prof)
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
