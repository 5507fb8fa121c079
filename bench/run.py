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
import threading
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
    extra: dict = field(default_factory=dict)  # case-specific figures (the LSP case: p90, debounce, ...)

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
        # a blocking wait (waitpid): Popen.wait(timeout=...) polls with sleeps that grow to 50 ms,
        # which rounded every wall time over ~0.1 s up to the next 50 ms step; the timeout kills
        # from a timer thread instead
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
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


# --------------------------------------------------------------------------- the editor case (LSP)
class LspSession:
    """``sls-lint lsp`` as a real subprocess, spoken to over stdio (JSON-RPC, Content-Length
    framing). A reader thread stamps every message with its arrival time (perf_counter), so a
    latency is: right before the notification is written -> the matching message fully read."""

    def __init__(self, argv: list[str], cwd: str, env: dict | None = None):
        import queue
        import threading

        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err)
        self.inbox: "queue.Queue[tuple[float, dict]]" = queue.Queue()
        self._id = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._pump, daemon=True).start()

    def _read(self) -> dict | None:
        out = self.proc.stdout
        length = None
        while True:
            line = out.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            k, _, v = line.decode("ascii").partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
        return json.loads(out.read(length or 0))

    def _pump(self) -> None:
        while True:
            try:
                msg = self._read()
            except (OSError, ValueError):
                msg = None
            now = time.perf_counter()
            if msg is None:
                self.inbox.put((now, {"method": "$eof"}))
                return
            if "id" in msg and "method" in msg:  # a request from the server (registerCapability, ...)
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            self.inbox.put((now, msg))

    def send(self, msg: dict) -> float:
        body = json.dumps(msg).encode()
        with self._lock:
            t = time.perf_counter()
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()
        return t

    def notify(self, method: str, params) -> float:
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params, timeout: float = 60) -> tuple[float, dict]:
        self._id += 1
        rid = self._id
        t0 = self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        t1, msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return t1 - t0, msg.get("result")

    def wait(self, match, timeout: float = 60) -> tuple[float, dict]:
        import queue

        end = time.monotonic() + timeout
        while True:
            try:
                t, msg = self.inbox.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise TimeoutError("no answer from the language server") from None
            if msg.get("method") == "$eof":
                self._err.seek(0)
                tail = self._err.read()[-400:].decode("utf-8", "replace").strip()
                raise RuntimeError(f"the language server exited ({tail.splitlines()[-1] if tail else 'no stderr'})")
            if msg.get("method") == "window/showMessage" and msg["params"].get("type") == 1:
                raise RuntimeError(msg["params"]["message"])
            if match(msg):
                return t, msg

    def diagnostics(self, uri: str, version: int, timeout: float = 60) -> tuple[float, list[dict]]:
        """The publishDiagnostics of ``uri`` for exactly ``version`` (older ones are skipped)."""
        def match(m):
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            v = m["params"].get("version")
            return v is None or v == version
        t, msg = self.wait(match, timeout)
        return t, msg["params"]["diagnostics"]

    def peak_mb(self) -> float | None:
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024.0
        except OSError:
            pass
        return None

    def cpu_s(self) -> float | None:
        """CPU seconds (user + system) the server process has used so far (Linux /proc)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self._err.close()


def lsp_project(d: Path, seed: int) -> tuple[Path, int]:
    """A small realistic Serverless Framework service around the 987-line handler of the "one
    file" case (src/handlers/orders.py, declared in serverless.yml): three more handlers, eight
    helper modules, tests. Returns (handler path, Python files)."""
    import random

    rng = random.Random(seed)
    handlers = [("orders", "handler")] + [(f"{corpus._name(rng, 1)}_{i}", "handler") for i in range(1, 4)]
    files: dict[str, str] = {"src/handlers/__init__.py": ""}
    for mod, fn in handlers[1:]:
        files[f"src/handlers/{mod}.py"] = corpus.handler_module(rng, fn, target_lines=corpus._size(rng))
    for i in range(8):
        files[f"src/lib/{corpus._name(rng, 1)}_{i}.py"] = corpus.helper_module(rng, corpus._size(rng))
    for i in range(3):
        mod, fn = handlers[i]
        files[f"tests/test_{mod}_{i}.py"] = corpus.test_module(rng, mod, fn)
    name, text = corpus.deployment_file("serverless", "svc-lsp", handlers, rng)
    files[name] = text
    for rel, text in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    handler = d / "src" / "handlers" / "orders.py"
    corpus.single_file(handler, 1000, seed=seed)
    return handler, 1 + sum(1 for rel in files if rel.endswith(".py"))


class _Editor:
    """The realistic keystrokes: characters typed one at a time into the log message of the
    handler function (diagnostics must stay exactly those of the opened file), and every
    ``toggle_every``-th keystroke a ``#`` typed / deleted at the start of the handler's
    HTTP call without a timeout, so its SLS201 must disappear / come back."""

    def __init__(self, text: str, toggle_every: int = 8):
        self.lines = text.split("\n")
        entry = max(i for i, ln in enumerate(self.lines) if ln.startswith("def handler("))
        self.type_line = next(i for i in range(entry, len(self.lines)) if "logger.info('request " in self.lines[i])
        self.type_col = self.lines[self.type_line].index("'request ") + len("'request ")
        self.call_line = next(i for i in range(entry, len(self.lines)) if "= requests." in self.lines[i])
        self.commented = False
        self.toggle_every = toggle_every
        self.typed = 0
        self.n = 0

    def next(self, incremental: bool) -> tuple[dict, str]:
        """(contentChanges entry, kind) of the next keystroke."""
        self.n += 1
        if self.toggle_every and self.n % self.toggle_every == 0:
            line = self.call_line
            if self.commented:
                self.lines[line] = self.lines[line][1:]
                rng = {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}
                change, kind = {"range": rng, "text": ""}, "uncomment"
            else:
                self.lines[line] = "#" + self.lines[line]
                pos = {"line": line, "character": 0}
                change, kind = {"range": {"start": pos, "end": pos}, "text": "#"}, "comment"
            self.commented = not self.commented
        else:
            ch = "abcdefghijklmnopqrstuvwxyz"[self.typed % 26]
            col = self.type_col + self.typed
            self.typed += 1
            ln = self.lines[self.type_line]
            self.lines[self.type_line] = ln[:col] + ch + ln[col:]
            pos = {"line": self.type_line, "character": col}
            change, kind = {"range": {"start": pos, "end": pos}, "text": ch}, "type"
        if not incremental:
            change = {"text": "\n".join(self.lines)}
        return change, kind


def _diag_keys(diags: list[dict]) -> list[tuple[str, int]]:
    return sorted((str(d.get("code")), d["range"]["start"]["line"]) for d in diags)


def lsp_session(sls: str, d: Path, handler: Path, *, edits: int, debounce_ms: int | None, env: dict) -> dict:
    """One editor session; returns the latencies (s), the server's peak RSS and what it advertised."""
    s = LspSession([sls, "lsp"], str(d), env)
    try:
        root_uri = d.resolve().as_uri()
        opts = {} if debounce_ms is None else {"debounce_ms": debounce_ms}
        t_start = time.perf_counter()
        init_s, init = s.request("initialize", {"processId": os.getpid(), "rootUri": root_uri, "capabilities": {},
                                                "initializationOptions": opts, "workspaceFolders": [{"uri": root_uri, "name": "bench"}]})
        start_s = time.perf_counter() - t_start  # process start + imports + initialize
        s.notify("initialized", {})
        sync = init["capabilities"].get("textDocumentSync")
        change_kind = sync.get("change") if isinstance(sync, dict) else sync
        incremental = change_kind == 2
        uri = handler.resolve().as_uri()
        text = handler.read_text(encoding="utf-8")
        t0 = s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
        t1, opened = s.diagnostics(uri, 1)
        base = _diag_keys(opened)
        ed = _Editor(text)
        sls201 = ("SLS201", ed.call_line)
        if sls201 not in base:
            raise RuntimeError("the opened handler has no SLS201 on its HTTP call: the edit check would prove nothing")
        changes: list[float] = []
        kinds: list[str] = []
        cpu0 = s.cpu_s()
        for v in range(2, edits + 2):
            change, kind = ed.next(incremental)
            t0c = s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]})
            t1c, got = s.diagnostics(uri, v)
            keys = _diag_keys(got)
            want = [k for k in base if k != sls201] if ed.commented else base
            if keys != want:
                raise RuntimeError(f"didChange v{v} ({kind}): diagnostics do not reflect the edit: {sorted(set(keys) ^ set(want))}")
            changes.append(t1c - t0c)
            kinds.append(kind)
        cpu1 = s.cpu_s()
        cpu = (cpu1 - cpu0) if (cpu0 is not None and cpu1 is not None) else None
        return {"cpu_s": cpu, "start_s": start_s, "init_s": init_s, "open_s": t1 - t0, "open_diags": len(opened), "changes_s": changes,
                "kinds": kinds, "peak_mb": s.peak_mb(), "incremental": incremental}
    finally:
        s.close()


def _pct(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))]


def bench_lsp(args, sls: str, work: Path) -> list[Measure]:
    """The editor case: the service alone (the workspace is the service), and, with
    ``--lsp-workspace N``, the same service inside an N-file generated monorepo opened as one
    workspace (no config file: the workspace folder is the project, every service in it)."""
    d = work / "lsp-project"
    if d.exists():
        shutil.rmtree(d)
    handler, n_py = lsp_project(d, args.seed)
    out = _bench_lsp_case(args, sls, d, handler, f"{n_py}-file project", sessions=max(1, min(args.repeat, 3)), with_default=True)
    if args.lsp_workspace:
        big = work / f"lsp-workspace-{args.lsp_workspace}"
        if not big.exists():
            corpus.generate(big, args.lsp_workspace, seed=args.seed)
        handler, n_py = lsp_project(big / "svc-lsp", args.seed)
        total = len(python_files(str(big)))
        out += _bench_lsp_case(args, sls, big, handler, f"{n_py}-file service in a {total}-file workspace", sessions=1, with_default=False)
    return out


def _bench_lsp_case(args, sls: str, d: Path, handler: Path, where: str, *, sessions: int, with_default: bool) -> list[Measure]:
    lines = handler.read_text(encoding="utf-8").count("\n")
    label = f"LSP: {lines}-line handler, {where}"
    env = dict(os.environ, NO_COLOR="1")
    starts, opens, changes, peaks, sync, cpu, kinds = [], [], [], [], "", [], set()
    try:
        for _ in range(sessions):
            r = lsp_session(sls, d, handler, edits=args.lsp_edits, debounce_ms=0, env=env)
            starts.append(r["start_s"])
            opens.append(r["open_s"])
            changes += r["changes_s"]
            kinds.update(r["kinds"])
            peaks.append(r["peak_mb"] or 0.0)
            if r["cpu_s"] is not None:
                cpu.append(r["cpu_s"] / max(1, len(r["changes_s"])))
            sync = "incremental" if r["incremental"] else "full"
        # what an editor sees with the server's default debounce (a few keystrokes, one at a time)
        dflt = lsp_session(sls, d, handler, edits=max(10, args.lsp_edits // 2), debounce_ms=None, env=env) if with_default else None
    except (RuntimeError, TimeoutError, OSError) as exc:
        return [Measure(label, "sls-lint lsp", 1, status="failed", note=str(exc)[:300])]
    rnd = lambda xs: [round(x, 4) for x in xs]  # noqa: E731
    ms = lambda x: f"{x * 1000:.0f} ms"  # noqa: E731
    rss = [round(p, 1) for p in peaks]
    out = [
        Measure(label, "lsp start: spawn -> initialize result", 1, runs=rnd(starts), rss_mb=rss, note="interpreter start + imports + initialize"),
        Measure(label, "lsp didOpen -> publishDiagnostics", 1, runs=rnd(opens), rss_mb=rss,
                note=f"first lint of the session ({sessions} session{'s' if sessions > 1 else ''})"),
    ]
    p90 = _pct(changes, 0.9)
    cpu_ms = statistics.mean(cpu) * 1000 if cpu else None
    m = Measure(label, "lsp didChange -> publishDiagnostics (debounce 0)", 1, runs=rnd(changes), rss_mb=rss,
                note=f"median {ms(statistics.median(changes))}, p90 {ms(p90)}, max {ms(max(changes))}"
                + (f", server CPU {cpu_ms:.0f} ms/edit" if cpu_ms is not None else "")
                + f"; {len(changes)} one-char edits, {sync} sync, version + findings checked")
    m.extra = {"median_ms": statistics.median(changes) * 1000, "p90_ms": p90 * 1000, "max_ms": max(changes) * 1000,
               "server_cpu_ms_per_edit": cpu_ms, "edits": len(changes), "sync": sync, "debounce_ms": 0, "edit_kinds": sorted(kinds)}
    out.append(m)
    if dflt is not None:
        dc = dflt["changes_s"]
        m = Measure(label, "lsp didChange -> publishDiagnostics (default debounce)", 1, runs=rnd(dc), rss_mb=[round(dflt["peak_mb"] or 0.0, 1)],
                    note=f"median {ms(statistics.median(dc))}, p90 {ms(_pct(dc, 0.9))}: what an editor sees per isolated keystroke, "
                    "the server's debounce included (default: adaptive, 1.5x recent lint time, 50-300 ms)")
        m.extra = {"median_ms": statistics.median(dc) * 1000, "p90_ms": _pct(dc, 0.9) * 1000, "edits": len(dc), "debounce_ms": "server default"}
        out.append(m)
    for m in out:
        m.extra["latency"] = True  # one file, many timings: files/s means nothing here
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
            f"{m.files / w:,.0f}" if (w and not m.extra.get("latency")) else "-",
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
    ap.add_argument("--lsp-edits", type=int, default=40, help="one-character edits per LSP session (default 40)")
    ap.add_argument("--lsp-workspace", type=int, default=300,
                    help="also time the LSP service inside an N-file generated workspace (default 300; 0: skip)")
    ap.add_argument("--no-lsp", action="store_true", help="skip the editor (LSP) case")
    ap.add_argument("--only-lsp", action="store_true", help="run only the editor (LSP) case")
    ap.add_argument("--out", help="where the JSON goes (default bench/results/latest.json; with --only-lsp, bench/results/lsp.json)")
    ap.add_argument("--keep", help="keep the generated corpora in this folder")
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = str(HERE / "results" / ("lsp.json" if args.only_lsp else "latest.json"))
    if args.quick:
        args.files, args.repeat, args.scaling = 300, 3, 50
        args.lsp_edits, args.lsp_workspace = min(args.lsp_edits, 20), min(args.lsp_workspace, 100)
    bytecode_env()
    sls = sls_lint_bin()
    feats = sls_features(sls)
    peers = {} if (args.no_peers or args.only_lsp) else ensure_peers(not args.no_install)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sls-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Measure] = []
    info: dict = {}
    try:
        if not args.only_lsp:
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
        if not args.no_lsp:
            rows += bench_lsp(args, sls, work)
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
