"""The language server end to end: `sls-lint lsp` in a subprocess, driven over the real protocol
(JSON-RPC with Content-Length framing) by a small client in this file, over stdio and TCP."""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs pygls (a dependency of sls-lint)")

BAD = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"
CLIENT = "import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n"
TIMEOUT = 30


def uri(p: Path) -> str:
    return p.resolve().as_uri()


class Client:
    """A minimal LSP client: requests wait for their response; notifications are queued; the
    server's own requests (registerCapability, ...) are answered with null."""

    def __init__(self, reader, writer, closer=None):
        self._r = reader
        self._w = writer
        self._close = closer
        self._id = 0
        self.notes: queue.Queue = queue.Queue()
        self._responses: dict[int, queue.Queue] = {}
        self.server_requests: list[dict] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._pump, daemon=True).start()

    def _read(self):
        headers = {}
        while True:
            line = self._r.readline()
            if not line:
                return None
            line = line.decode("ascii").strip()
            if not line:
                break
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return json.loads(self._r.read(int(headers["content-length"])))

    def _pump(self):
        while True:
            try:
                msg = self._read()
            except (OSError, ValueError):
                return
            if msg is None:
                return
            if "id" in msg and "method" in msg:  # a request from the server
                self.server_requests.append(msg)
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "id" in msg:
                self._responses.setdefault(msg["id"], queue.Queue()).put(msg)
            else:
                self.notes.put(msg)

    def _send(self, msg):
        body = json.dumps(msg).encode()
        with self._lock:
            self._w.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._w.flush()

    def request(self, method, params):
        self._id += 1
        rid = self._id
        box = self._responses.setdefault(rid, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        msg = box.get(timeout=TIMEOUT)
        assert "error" not in msg, msg
        return msg["result"]

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, doc_uri, predicate=lambda ds: True, timeout=TIMEOUT):
        """The next publishDiagnostics for ``doc_uri`` whose list satisfies ``predicate``."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching diagnostics for {doc_uri}")
            msg = self.notes.get(timeout=left)
            if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == doc_uri:
                if predicate(msg["params"]["diagnostics"]):
                    return msg["params"]["diagnostics"]

    def start(self, root: Path, debounce_ms=50, watch=True):
        caps = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": watch}}, "textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}}}}
        opts = {} if debounce_ms is None else {"debounce_ms": debounce_ms}
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": uri(root), "capabilities": caps, "initializationOptions": opts, "workspaceFolders": [{"uri": uri(root), "name": "w"}]})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, version=1):
        text = path.read_text() if text is None else text
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri(path), "languageId": "python", "version": version, "text": text}})

    def stop(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
        finally:
            if self._close:
                self._close()


@pytest.fixture
def lsp(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "sls_lint.cli", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    client = Client(proc.stdout, proc.stdin)
    yield client
    try:
        client.stop()
        proc.wait(timeout=10)
    except Exception:
        proc.kill()
        proc.wait(timeout=10)


def test_diagnostics_on_open_with_doc_link_and_utf16_positions(lsp, tmp_path):
    f = tmp_path / "handler.py"
    # a non-BMP character before the call: LSP columns are UTF-16 code units by default
    f.write_text("import requests\n\n\ndef handler(event, context):\n    x = '😀'; return requests.get('https://x').json()\n")
    init = lsp.start(tmp_path)
    assert init["serverInfo"]["name"] == "sls-lint"
    lsp.open(f)
    (d,) = [d for d in lsp.diagnostics(uri(f), lambda ds: bool(ds)) if d["code"] == "SLS201"]
    assert d["source"] == "sls-lint" and d["severity"] in (1, 2)
    assert d["codeDescription"]["href"].endswith("docs/rules/SLS201.md")
    line = f.read_text().splitlines()[4]
    char_col = line.index("requests.get")
    assert d["range"]["start"] == {"line": 4, "character": char_col + 1}  # the emoji is 2 UTF-16 units


def test_change_is_debounced_and_save_relints(lsp, tmp_path):
    f = tmp_path / "handler.py"
    f.write_text("def handler(event, context):\n    return 1\n")
    lsp.start(tmp_path, debounce_ms=200)
    lsp.open(f)
    assert lsp.diagnostics(uri(f)) == []
    # three quick edits: only the last state is linted and published
    for v, text in enumerate(["import requests\n", "import requests\n\ndef handler(e, c):\n    pass\n", BAD], start=2):
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(f), "version": v}, "contentChanges": [{"text": text}]})
    got = lsp.diagnostics(uri(f), lambda ds: bool(ds))
    assert [d["code"] for d in got] == ["SLS201"]
    time.sleep(0.5)
    assert lsp.notes.empty(), "superseded edits must not be linted and published"
    # save after fixing the file on disk and in the buffer
    fixed = BAD.replace(".get('https://x')", ".get('https://x', timeout=5)")
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(f), "version": 5}, "contentChanges": [{"text": fixed}]})
    f.write_text(fixed)
    lsp.notify("textDocument/didSave", {"textDocument": {"uri": uri(f)}})
    assert lsp.diagnostics(uri(f), lambda ds: not ds) == []


def test_unsaved_buffer_linted_in_project_context(lsp, tmp_path):
    # the handler is named by serverless.yml; the buffer's unsaved text is what gets linted
    (tmp_path / "serverless.yml").write_text("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: app.main\n")
    f = tmp_path / "app.py"
    f.write_text("def main(event, context):\n    return 1\n")
    lsp.start(tmp_path)
    lsp.open(f, text=CLIENT.replace("def handler", "def main"))
    ds = lsp.diagnostics(uri(f), lambda ds: any(d["code"] == "SLS101" for d in ds))
    assert any(d["code"] == "SLS101" for d in ds)


def _actions(lsp, f, diag, only=None):
    ctx = {"diagnostics": [diag]}
    if only:
        ctx["only"] = only
    return lsp.request("textDocument/codeAction", {"textDocument": {"uri": uri(f)}, "range": diag["range"], "context": ctx})


def _apply(text: str, edits: list[dict]) -> str:
    lines = text.splitlines(True)

    def offset(pos):
        return sum(len(line) for line in lines[: pos["line"]]) + pos["character"]

    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
        lines = text.splitlines(True)
    return text


def test_code_actions_fix_unsafe_not_preferred_suppress_and_fix_all(lsp, tmp_path):
    f = tmp_path / "handler.py"
    text = CLIENT + BAD.replace("import requests\n", "import requests  # second import\n").replace("def handler", "def other")
    f.write_text(text)
    lsp.start(tmp_path)
    lsp.open(f)
    ds = lsp.diagnostics(uri(f), lambda ds: {"SLS101", "SLS201"} <= {d["code"] for d in ds})
    by = {d["code"]: d for d in ds}

    actions = _actions(lsp, f, by["SLS201"])
    titles = [a["title"] for a in actions]
    fix = next(a for a in actions if "timeout" in a["title"])
    assert fix["kind"] == "quickfix" and "unsafe" in fix["title"] and not fix.get("isPreferred")
    fixed = _apply(text, fix["edit"]["changes"][uri(f)])
    assert "timeout=" in fixed and compile(fixed, "x", "exec")
    sup = next(a for a in actions if a["title"].startswith("Suppress SLS201"))
    suppressed = _apply(text, sup["edit"]["changes"][uri(f)])
    assert "# sls-lint: ignore[SLS201]" in suppressed and compile(suppressed, "x", "exec")
    assert any("Fix all safe" in t for t in titles)

    safe = next(a for a in _actions(lsp, f, by["SLS101"]) if "SLS101" in a["title"] and not a["title"].startswith("Suppress"))
    assert safe["isPreferred"] is True

    (fix_all,) = _actions(lsp, f, by["SLS101"], only=["source.fixAll"])
    after = _apply(text, fix_all["edit"]["changes"][uri(f)])
    assert after.index("s3 = boto3.client('s3')") < after.index("def handler")  # the safe hoist
    assert "timeout=" not in after  # unsafe fixes are not part of "fix all safe"

    # the suppression, applied, silences the finding (no SLS002: it is used)
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(f), "version": 2}, "contentChanges": [{"text": suppressed}]})
    after_ds = lsp.diagnostics(uri(f), lambda ds: "SLS201" not in {d["code"] for d in ds})
    assert "SLS002" not in {d["code"] for d in after_ds}


def test_suppress_never_lands_inside_a_string(lsp, tmp_path):
    f = tmp_path / "handler.py"
    text = "import requests\n\n\ndef handler(event, context):\n    return requests.get('https://x', data='''a\nb''').json()\n"
    f.write_text(text)
    lsp.start(tmp_path)
    lsp.open(f)
    (d,) = [d for d in lsp.diagnostics(uri(f), lambda ds: bool(ds)) if d["code"] == "SLS201"]
    sup = next(a for a in _actions(lsp, f, d) if a["title"].startswith("Suppress"))
    new = _apply(text, sup["edit"]["changes"][uri(f)])
    assert compile(new, "x", "exec")
    assert "a\nb'''" in new and "ignore[SLS201]" in new
    assert "ignore[SLS201]" not in new.split("'''")[1]  # not inside the literal


def test_hover_on_suppression_code_shows_rule_doc(lsp, tmp_path):
    f = tmp_path / "handler.py"
    f.write_text("x = 1  # sls-lint: ignore[SLS201]\ny = 2  # SLS201 outside a suppression\n")
    lsp.start(tmp_path)
    lsp.open(f)
    col = f.read_text().splitlines()[0].index("SLS201") + 2
    h = lsp.request("textDocument/hover", {"textDocument": {"uri": uri(f)}, "position": {"line": 0, "character": col}})
    assert h["contents"]["kind"] == "markdown" and h["contents"]["value"].startswith("# SLS201 http-call-without-timeout")
    col2 = f.read_text().splitlines()[1].index("SLS201") + 2
    assert lsp.request("textDocument/hover", {"textDocument": {"uri": uri(f)}, "position": {"line": 1, "character": col2}}) is None


def test_config_change_is_picked_up(lsp, tmp_path):
    f = tmp_path / "handler.py"
    f.write_text(BAD)
    cfg = tmp_path / "sls-lint.toml"
    cfg.write_text("ignore = []\n")
    lsp.start(tmp_path)
    lsp.open(f)
    assert [d["code"] for d in lsp.diagnostics(uri(f), lambda ds: bool(ds))] == ["SLS201"]
    cfg.write_text("ignore = [\"SLS201\"]\n")
    lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri(cfg), "type": 2}]})
    assert lsp.diagnostics(uri(f), lambda ds: not ds) == []
    # a broken config is reported to the user, not a crash; fixing it brings findings back
    cfg.write_text("ignore = [\"SLS201\"]\nselct = 1\n")
    lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri(cfg), "type": 2}]})
    deadline = time.monotonic() + TIMEOUT
    while True:
        msg = lsp.notes.get(timeout=max(0.1, deadline - time.monotonic()))
        if msg.get("method") == "window/showMessage":
            assert "selct" in msg["params"]["message"]
            break
    cfg.write_text("ignore = []\n")
    lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri(cfg), "type": 2}]})
    assert [d["code"] for d in lsp.diagnostics(uri(f), lambda ds: bool(ds))] == ["SLS201"]


def test_registers_config_watchers(lsp, tmp_path):
    lsp.start(tmp_path)
    deadline = time.monotonic() + TIMEOUT
    while not lsp.server_requests and time.monotonic() < deadline:
        time.sleep(0.05)
    (req,) = [r for r in lsp.server_requests if r["method"] == "client/registerCapability"]
    globs = [w["globPattern"] for w in req["params"]["registrations"][0]["registerOptions"]["watchers"]]
    assert "**/pyproject.toml" in globs and "**/sls-lint.toml" in globs


def test_tcp(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sls_lint.cli", "lsp", "--tcp", "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        stream = sock.makefile("rwb")
        client = Client(stream, stream)
        f = tmp_path / "handler.py"
        f.write_text(BAD)
        client.start(tmp_path)
        client.open(f)
        assert [d["code"] for d in client.diagnostics(uri(f), lambda ds: bool(ds))] == ["SLS201"]
        client.request("shutdown", None)
        client.notify("exit", None)
        sock.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_deployment_file_buffer_is_linted_from_the_buffer(lsp, tmp_path):
    (tmp_path / "app.py").write_text("def main(event, context):\n    return 1\n")
    sls = tmp_path / "serverless.yml"
    sls.write_text("service: s\n")  # on disk: nothing to report
    lsp.start(tmp_path)
    text = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: app.main\n"
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri(sls), "languageId": "yaml", "version": 1, "text": text}})
    ds = lsp.diagnostics(uri(sls), lambda ds: bool(ds))
    assert ds and all(d["code"].startswith("SLS") and d["range"]["start"]["line"] < 7 for d in ds)


# --- a keystroke in one buffer changes what the other modules see ------------------------------
SLS_MAIN = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: app.main\n"
APP_CALLS = "from lib import get_client\n\n\ndef main(event, context):\n    return get_client().list_buckets()\n"
APP_IDLE = "from lib import get_client\n\n\ndef main(event, context):\n    return 1\n"
LIB = "import boto3\n\n\ndef get_client():\n    return boto3.client('s3')\n"


def _codes(ds):
    return {d["code"] for d in ds}


def _handler_and_helper(tmp_path):
    """serverless.yml deploying app.main, which calls lib.get_client() (a client per invocation)."""
    (tmp_path / "serverless.yml").write_text(SLS_MAIN)
    app, lib = tmp_path / "app.py", tmp_path / "lib.py"
    app.write_text(APP_CALLS)
    lib.write_text(LIB)
    return app, lib


def _change(lsp, f, version, text):
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri(f), "version": version}, "contentChanges": [{"text": text}]})


def test_edit_relints_the_other_open_documents_of_the_project(lsp, tmp_path):
    # lib.get_client() builds a client on every invocation only while the handler calls it
    app, lib = _handler_and_helper(tmp_path)
    lsp.start(tmp_path, debounce_ms=0)
    lsp.open(app)
    lsp.diagnostics(uri(app))
    lsp.open(lib)
    assert "SLS101" in _codes(lsp.diagnostics(uri(lib), lambda ds: "SLS101" in _codes(ds)))
    _change(lsp, app, 2, APP_IDLE)  # only app.py changes; lib.py's findings must follow
    ds = lsp.diagnostics(uri(lib), lambda ds: "SLS101" not in _codes(ds))
    assert "SLS501" in _codes(ds)  # boto3 is now imported at module scope for nothing per invocation
    _change(lsp, app, 3, APP_CALLS)
    assert "SLS101" in _codes(lsp.diagnostics(uri(lib), lambda ds: "SLS101" in _codes(ds)))


def test_handler_renamed_and_restored_in_the_buffer(lsp, tmp_path):
    # the edited buffer is parsed again on every keystroke; the project model follows its text
    (tmp_path / "serverless.yml").write_text(SLS_MAIN)
    f = tmp_path / "app.py"
    main = CLIENT.replace("def handler", "def main")
    f.write_text(main)
    lsp.start(tmp_path, debounce_ms=0)
    lsp.open(f)
    assert "SLS101" in _codes(lsp.diagnostics(uri(f), lambda ds: "SLS101" in _codes(ds)))
    _change(lsp, f, 2, main.replace("def main", "def main2"))  # no longer the deployed handler
    assert "SLS101" not in _codes(lsp.diagnostics(uri(f), lambda ds: "SLS101" not in _codes(ds)))
    _change(lsp, f, 3, main)
    assert "SLS101" in _codes(lsp.diagnostics(uri(f), lambda ds: "SLS101" in _codes(ds)))


def test_files_changed_on_disk_are_seen_on_the_next_keystroke(lsp, tmp_path):
    # modules that are not open are read from disk on every lint (never a stale parse)
    app, lib = _handler_and_helper(tmp_path)
    lsp.start(tmp_path, debounce_ms=0)
    lsp.open(lib)
    assert "SLS101" in _codes(lsp.diagnostics(uri(lib), lambda ds: "SLS101" in _codes(ds)))
    app.write_text(APP_IDLE)
    _change(lsp, lib, 2, LIB + "# edited\n")
    assert "SLS101" not in _codes(lsp.diagnostics(uri(lib), lambda ds: "SLS101" not in _codes(ds)))


def test_closing_a_modified_buffer_relints_the_others_from_disk(lsp, tmp_path):
    app, lib = _handler_and_helper(tmp_path)
    lsp.start(tmp_path, debounce_ms=0)
    lsp.open(lib)
    lsp.diagnostics(uri(lib), lambda ds: "SLS101" in _codes(ds))
    lsp.open(app, text=APP_IDLE)  # an unsaved buffer that differs from the file
    lsp.diagnostics(uri(lib), lambda ds: "SLS101" not in _codes(ds))
    lsp.notify("textDocument/didClose", {"textDocument": {"uri": uri(app)}})  # edits discarded
    assert "SLS101" in _codes(lsp.diagnostics(uri(lib), lambda ds: "SLS101" in _codes(ds)))


def test_default_debounce_still_coalesces_a_burst_of_edits(lsp, tmp_path):
    # no debounce_ms: the adaptive wait (at least 50 ms) still lints only the last of a burst
    f = tmp_path / "handler.py"
    f.write_text("def handler(event, context):\n    return 1\n")
    lsp.start(tmp_path, debounce_ms=None)
    lsp.open(f)
    assert lsp.diagnostics(uri(f)) == []
    for v, text in enumerate(["import requests\n", "import requests\n\ndef handler(e, c):\n    pass\n", BAD], start=2):
        _change(lsp, f, v, text)
    got = []
    while True:
        msg = lsp.notes.get(timeout=TIMEOUT)
        if msg.get("method") == "textDocument/publishDiagnostics":
            got.append(msg["params"])
            if msg["params"]["version"] == 4:
                break
    assert [p["version"] for p in got] == [4]
    assert [d["code"] for d in got[0]["diagnostics"]] == ["SLS201"]
