"""sls-lint benchmark: the ast.parse floor, sls-lint cold/warm, and peers on the rules they share.

Run it with the project's interpreter (sls-lint is taken from the same venv)::

    .venv/bin/python bench/run.py                    # 3,000 generated files, scaling 1x/4x/16x, peers
    .venv/bin/python bench/run.py --files 500 --repeat 3 --scaling 100
    .venv/bin/python bench/run.py --dir ~/src/my-service --no-scaling
    .venv/bin/python bench/run.py --no-peers --quick

Every number is a separate process measured from the outside (wall clock, and peak RSS from GNU
time `%M`: the largest single process of the tree, children included), so interpreter start
and imports count for every tool alike. Each case runs ``--repeat`` times (fewer when one run
takes longer than ``--budget`` / repeat seconds) and the median is reported. Peers live in a
separate venv (bench/.venv, created on first use; never project dependencies); a peer that cannot
be installed or run is reported as unavailable. The table is printed and the JSON written to
bench/results/latest.json (atomically).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

PEERS_VENV = HERE / ".venv"
PEER_PACKAGES = ("ruff", "bandit", "fixit", "pythaw")
RUFF_RULES = "S105,S106,S107,S113"  # hard-coded passwords (SLS402), requests without timeout (SLS201)
BANDIT_TESTS = "B105,B106,B107,B113"
SHARED_SLS = ("SLS101", "SLS201", "SLS402")  # the sls-lint rules the peers also have (where they exist)
CPUS = os.cpu_count() or 1

# the floor: read, decode and ast.parse every file of a list, in N processes
FLOOR_SCRIPT = r"""
import ast, sys, warnings
from multiprocessing import Pool
warnings.simplefilter("ignore")
def parse(path):
    try:
        with open(path, "rb") as fh:
            ast.parse(fh.read(), filename=path)
        return 0
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 1
if __name__ == "__main__":
    paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
    n = int(sys.argv[2])
    if n == 1:
        bad = sum(map(parse, paths))
    else:
        with Pool(n) as pool:
            bad = sum(pool.imap_unordered(parse, paths, chunksize=max(1, len(paths) // (n * 8))))
    print(bad)
"""


@dataclass
class Measure:
    case: str
    tool: str
    files: int
    runs: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    status: str = "ok"  # ok | unavailable | failed | skipped
    note: str = ""
    floor: float | None = None  # the floor's median for the same files and process count

    @property
    def wall(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def peak_mb(self) -> float | None:
        return max(self.rss_mb) if self.rss_mb else None

    def to_json(self) -> dict:
        d = asdict(self)
        d["wall_s"] = self.wall
        d["files_per_s"] = (self.files / self.wall) if self.wall else None
        d["peak_rss_mb"] = self.peak_mb
        d["x_floor"] = (self.wall / self.floor) if (self.wall and self.floor) else None
        return d


TIME_BIN = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run_once(argv: list[str], cwd: str, env: dict | None = None, timeout: float = 1800) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, stderr tail) of one process tree.

    Peak RSS comes from GNU time (``%M``: the largest process of the tree) when /usr/bin/time
    exists: measured straight from this process, a child started by fork/vfork inherits the
    harness's own high-water mark, so every tool would show at least the harness's RSS.
    """
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        full = [TIME_BIN, "-q", "-f", "%M", "-o", rss_file.name, *argv] if TIME_BIN else argv
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        wall = time.perf_counter() - t0
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
        rss_kb = 0.0
        if TIME_BIN:
            text = rss_file.read().strip().splitlines()
            if text and text[-1].strip().isdigit():
                rss_kb = float(text[-1])
        else:
            rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, rss_kb / 1024.0, proc.returncode, tail


def measure(case: str, tool: str, argv: list[str], cwd: str, files: int, *, repeat: int, budget: float,
            ok_codes=(0, 1), env: dict | None = None, before=None, note: str = "") -> Measure:
    m = Measure(case, tool, files, note=note)
    target = repeat
    for i in range(repeat):
        if i >= target:
            break
        if before:
            before()
        wall, rss, rc, tail = run_once(argv, cwd, env)
        if rc not in ok_codes:
            m.status = "failed"
            m.note = (note + "; " if note else "") + f"exit {rc}: {tail.strip().splitlines()[-1] if tail.strip() else ''}"
            return m
        m.runs.append(round(wall, 4))
        m.rss_mb.append(round(rss, 1))
        if i == 0 and wall * repeat > budget:
            target = max(1, min(repeat, int(budget // max(wall, 1e-9))))
    return m


# --------------------------------------------------------------------------- set-up
def python_files(root: str) -> list[str]:
    """The Python files sls-lint checks under root (its own discovery, default settings)."""
    from sls_lint.config import find_config_file, load_config
    from sls_lint.discovery import discover
    from sls_lint.rule import all_options

    config = load_config(find_config_file(root), start=root, rule_options=all_options())
    d = discover([root], config, root=root)
    return [f.abs_path for f in d.files if f.kind == "python"]


def sls_lint_bin() -> str:
    cand = Path(sys.executable).parent / "sls-lint"
    return str(cand) if cand.exists() else (shutil.which("sls-lint") or "sls-lint")


def sls_features(sls: str) -> dict:
    out = subprocess.run([sls, "check", "--help"], capture_output=True, text=True).stdout
    version = subprocess.run([sls, "--version"], capture_output=True, text=True).stdout.strip()
    return {"jobs": "--jobs" in out, "no_cache": "--no-cache" in out, "version": version}


def ensure_peers(install: bool) -> dict[str, str | None]:
    """Executable path per peer (None: unavailable), creating bench/.venv when asked."""
    bindir = PEERS_VENV / "bin"
    if install and not (bindir / "python").exists():
        print(f"creating {PEERS_VENV} for the peers ({', '.join(PEER_PACKAGES)}) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=False)
    if install and (bindir / "python").exists():
        missing = [p for p in PEER_PACKAGES if not (bindir / p).exists()]
        for pkg in missing:  # one at a time: one failing peer must not block the others
            subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", pkg], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {p: (str(bindir / p) if (bindir / p).exists() else None) for p in PEER_PACKAGES}


# --------------------------------------------------------------------------- cases
def bench_tree(root: str, label: str, args, sls: str, feats: dict, peers: dict) -> list[Measure]:
    files = python_files(root)
    n = len(files)
    listing = Path(tempfile.mkdtemp(prefix="sls-bench-")) / "files.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    R, B = args.repeat, args.budget
    out: list[Measure] = []
    floors: dict[int, float] = {}
    for procs in sorted({1, 2, CPUS}):
        m = measure(label, f"ast.parse floor, {procs} proc", [sys.executable, "-c", FLOOR_SCRIPT, str(listing), str(procs)],
                    root, n, repeat=R, budget=B, ok_codes=(0,))
        floors[procs] = m.wall or 0
        out.append(m)
    env = dict(os.environ, NO_COLOR="1")
    base = [sls, "check", ".", "--exit-zero", "--select", "ALL"]
    if feats["jobs"]:
        for jobs in sorted({1, CPUS}):
            m = measure(label, f"sls-lint cold, --jobs {jobs}", base + ["--no-cache", "--jobs", str(jobs)], root, n, repeat=R, budget=B, env=env)
            m.floor = floors.get(jobs)
            out.append(m)
    else:
        m = measure(label, "sls-lint cold, 1 proc", base + (["--no-cache"] if feats["no_cache"] else []), root, n,
                    repeat=R, budget=B, env=env, note="no --jobs option yet: one process")
        m.floor = floors[1]
        out.append(m)
    # warm: prime once, then rerun unchanged; detect whether a cache was written anywhere we can see
    cache_home = tempfile.mkdtemp(prefix="sls-bench-cache-")
    wenv = dict(env, XDG_CACHE_HOME=cache_home)
    before = set(os.listdir(root))
    run_once(base, root, wenv)
    created = sorted(set(os.listdir(root)) - before) + (["$XDG_CACHE_HOME"] if os.listdir(cache_home) else [])
    m = measure(label, "sls-lint warm (2nd run)", base, root, n, repeat=R, budget=B, env=wenv,
                note=("cache: " + ", ".join(created)) if created else "no cache written: a rerun re-analyses everything")
    m.floor = floors.get(CPUS if feats["jobs"] else 1)
    out.append(m)
    for p in created:
        if p != "$XDG_CACHE_HOME":
            shutil.rmtree(os.path.join(root, p), ignore_errors=True)
    shutil.rmtree(cache_home, ignore_errors=True)
    shared = ",".join(SHARED_SLS)
    m = measure(label, f"sls-lint cold, shared rules ({shared})", [sls, "check", ".", "--exit-zero", "--select", shared]
                + (["--no-cache"] if feats["no_cache"] else []), root, n, repeat=R, budget=B, env=env)
    m.floor = floors[1]
    out.append(m)
    if args.no_peers:
        return out
    # peers
    if peers.get("ruff"):
        ruff = peers["ruff"]
        out.append(measure(label, f"ruff {RUFF_RULES} cold", [ruff, "check", "--no-cache", "--isolated", "--select", RUFF_RULES, "--exit-zero", "."],
                           root, n, repeat=R, budget=B, note=f"{CPUS} threads"))
        rcache = tempfile.mkdtemp(prefix="sls-bench-ruff-")
        argv = [ruff, "check", "--isolated", "--cache-dir", rcache, "--select", RUFF_RULES, "--exit-zero", "."]
        run_once(argv, root)
        out.append(measure(label, f"ruff {RUFF_RULES} cached", argv, root, n, repeat=R, budget=B))
        shutil.rmtree(rcache, ignore_errors=True)
    else:
        out.append(Measure(label, "ruff", n, status="unavailable"))
    if peers.get("bandit"):
        out.append(measure(label, f"bandit {BANDIT_TESTS}", [peers["bandit"], "-r", ".", "-t", BANDIT_TESTS, "-q", "-f", "json", "-o", os.devnull],
                           root, n, repeat=R, budget=B, note="one process"))
    else:
        out.append(Measure(label, "bandit", n, status="unavailable"))
    if peers.get("pythaw"):
        out.append(measure(label, "pythaw (clients in handlers ~ SLS101)", [peers["pythaw"], "check", "."], root, n, repeat=R, budget=B))
    else:
        out.append(Measure(label, "pythaw", n, status="unavailable"))
    if peers.get("fixit"):
        # Fixit builds libcst trees with full metadata: ~5 files/s here, so it gets a sample
        sample = files[: min(n, args.fixit_files)]
        out.append(measure(label, "fixit lint (built-in rules; none shared)", [peers["fixit"], "lint", *sample], root, len(sample),
                           repeat=R, budget=B, note=f"first {len(sample)} files only; libcst trees, its default rule set" if len(sample) < n else "libcst trees, its default rule set"))
    else:
        out.append(Measure(label, "fixit", n, status="unavailable"))
    for m in out:
        if m.tool.startswith(("ruff", "bandit", "pythaw", "fixit")):
            if m.files == n:
                m.floor = floors.get(CPUS if m.tool.startswith(("ruff", "fixit")) else 1)
    return out


def bench_scaling(base: int, args, sls: str, feats: dict, work: Path) -> list[Measure]:
    out: list[Measure] = []
    for mult in (1, 4, 16):
        d = work / f"scale-{mult}x"
        if not d.exists():
            corpus.generate(d, base * mult, seed=args.seed)
        files = python_files(str(d))
        listing = d.parent / f"scale-{mult}x.txt"
        listing.write_text("\n".join(files), encoding="utf-8")
        label = f"scaling {mult}x"
        f = measure(label, f"ast.parse floor, {CPUS} proc", [sys.executable, "-c", FLOOR_SCRIPT, str(listing), str(CPUS)], str(d), len(files),
                    repeat=args.repeat, budget=args.budget, ok_codes=(0,))
        argv = [sls, "check", ".", "--exit-zero", "--select", "ALL"] + (["--no-cache"] if feats["no_cache"] else [])
        if feats["jobs"]:
            argv += ["--jobs", str(CPUS)]
        m = measure(label, "sls-lint cold" + (f", --jobs {CPUS}" if feats["jobs"] else ", 1 proc"), argv, str(d), len(files),
                    repeat=args.repeat, budget=args.budget, env=dict(os.environ, NO_COLOR="1"))
        m.floor = f.wall
        out += [f, m]
    return out


def bench_single(args, sls: str, feats: dict, peers: dict, work: Path) -> list[Measure]:
    d = work / "single"
    d.mkdir(parents=True, exist_ok=True)
    path = d / "handler.py"
    corpus.single_file(path, 1000, seed=args.seed)
    lines = path.read_text().count("\n")
    label = f"one {lines}-line file"
    R = max(args.repeat, 10)
    out = [
        measure(label, "python -c pass (interpreter start)", [sys.executable, "-c", "pass"], str(d), 1, repeat=R, budget=args.budget, ok_codes=(0,)),
        measure(label, "python -c 'ast.parse(file)'", [sys.executable, "-c", "import ast,sys;ast.parse(open('handler.py','rb').read())"], str(d), 1,
                repeat=R, budget=args.budget, ok_codes=(0,)),
        measure(label, "sls-lint --version", [sls, "--version"], str(d), 1, repeat=R, budget=args.budget, ok_codes=(0,)),
        measure(label, "sls-lint check handler.py" + (" --no-cache" if feats["no_cache"] else ""),
                [sls, "check", "handler.py", "--select", "ALL"] + (["--no-cache"] if feats["no_cache"] else []), str(d), 1,
                repeat=R, budget=args.budget, env=dict(os.environ, NO_COLOR="1")),
    ]
    if peers.get("ruff") and not args.no_peers:
        out.append(measure(label, f"ruff {RUFF_RULES} handler.py", [peers["ruff"], "check", "--no-cache", "--isolated", "--select", RUFF_RULES, "handler.py"],
                           str(d), 1, repeat=R, budget=args.budget))
    out[3].floor = out[1].wall
    return out


# --------------------------------------------------------------------------- report
def table(rows: list[Measure]) -> str:
    head = ("case", "tool", "files", "runs", "wall s", "files/s", "x floor", "peak MB", "note")
    body = []
    for m in rows:
        w = m.wall
        body.append((
            m.case, m.tool, str(m.files), str(len(m.runs)),
            f"{w:.3f}" if w is not None else m.status,
            f"{m.files / w:,.0f}" if w else "-",
            f"{w / m.floor:.2f}" if (w and m.floor) else "-",
            f"{m.peak_mb:.0f}" if m.peak_mb else "-",
            m.note if m.status == "ok" else f"{m.status}: {m.note}".rstrip(": "),
        ))
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    fmt = lambda r: "| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |"  # noqa: E731
    return "\n".join([fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in body])


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def bytecode_env() -> None:
    """Measure what users run: installed packages have their bytecode compiled. A shell with
    PYTHONDONTWRITEBYTECODE=1 (or a read-only checkout) would make every measured process
    recompile sls-lint and its dependencies from source (~0.2 s a process); bytecode goes to a
    cache folder outside the tree (PYTHONPYCACHEPREFIX), compiled once here."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "sls-bench-pycache"))
    import sysconfig

    import sls_lint

    dirs = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"], *sls_lint.__path__}
    for sub in ("rules", "fixers"):
        dirs.update(__import__(f"sls_lint.{sub}", fromlist=["x"]).__path__)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *sorted(dirs)], env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=3000, help="Python files in the generated corpus (default 3000)")
    ap.add_argument("--dir", help="benchmark this folder instead of a generated corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="runs per case; the median is reported (default 5)")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per case before fewer runs are taken (default 60)")
    ap.add_argument("--scaling", type=int, default=200, help="base size for the 1x/4x/16x runs (default 200)")
    ap.add_argument("--no-scaling", action="store_true")
    ap.add_argument("--no-peers", action="store_true", help="skip Ruff, Bandit, pythaw and Fixit")
    ap.add_argument("--no-install", action="store_true", help="do not create bench/.venv; use the peers already there")
    ap.add_argument("--quick", action="store_true", help="300 files, 3 runs, scaling base 50")
    ap.add_argument("--fixit-files", type=int, default=100, help="Fixit is measured on the first N files only (default 100)")
    ap.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    ap.add_argument("--keep", help="keep the generated corpora in this folder")
    args = ap.parse_args(argv)
    if args.quick:
        args.files, args.repeat, args.scaling = 300, 3, 50
    bytecode_env()
    sls = sls_lint_bin()
    feats = sls_features(sls)
    peers = {} if args.no_peers else ensure_peers(not args.no_install)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sls-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Measure] = []
    info: dict = {}
    try:
        if args.dir:
            root = os.path.abspath(args.dir)
            label = os.path.basename(root.rstrip("/")) or root
            info = {"dir": root}
        else:
            root = str(work / f"corpus-{args.files}")
            if not os.path.exists(root):
                info = corpus.generate(root, args.files, seed=args.seed)
            label = f"corpus {args.files}"
        rows += bench_tree(root, label, args, sls, feats, peers)
        print(table(rows), flush=True)
        if not args.no_scaling:
            rows += bench_scaling(args.scaling, args, sls, feats, work)
        rows += bench_single(args, sls, feats, peers, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    data = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": CPUS, "python": platform.python_version(), "platform": platform.platform(), "processor": platform.processor()},
        "sls_lint": feats,
        "peers": {k: bool(v) for k, v in peers.items()},
        "corpus": info,
        "args": vars(args),
        "results": [m.to_json() for m in rows],
    }
    write_json(Path(args.out), data)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
