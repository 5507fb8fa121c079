"""Atomic writer: encoding, BOM, line breaks and file mode survive a read/write round trip."""
from __future__ import annotations

import codecs
import os
import stat

import pytest

from sls_lint.writer import Encoding, read_source, write_source


def roundtrip(path, data: bytes, change=lambda t: t) -> tuple[str, Encoding]:
    path.write_bytes(data)
    text, encoding = read_source(path)
    write_source(path, change(text), encoding)
    return text, encoding


def test_crlf_is_kept_exactly(tmp_path):
    path = tmp_path / "h.py"
    text, enc = roundtrip(path, b"import os\r\nx = 1\r\n", lambda t: t.replace("x = 1", "x = 2"))
    assert text == "import os\r\nx = 1\r\n"
    assert enc == Encoding("utf-8", False, "\r\n")
    assert path.read_bytes() == b"import os\r\nx = 2\r\n"


def test_old_mac_and_mixed_breaks_are_kept(tmp_path):
    path = tmp_path / "h.py"
    roundtrip(path, b"a = 1\rb = 2\n c\r\n")
    assert path.read_bytes() == b"a = 1\rb = 2\n c\r\n"
    assert read_source(path)[1].newline == "\r"


def test_utf8_bom_is_kept(tmp_path):
    path = tmp_path / "h.py"
    text, enc = roundtrip(path, codecs.BOM_UTF8 + "s = 'é'\n".encode(), lambda t: t + "t = 1\n")
    assert text == "s = 'é'\n"  # the BOM is not part of the text
    assert enc.bom and enc.name == "utf-8"
    assert path.read_bytes() == codecs.BOM_UTF8 + "s = 'é'\nt = 1\n".encode()


def test_latin1_cookie_is_kept(tmp_path):
    path = tmp_path / "h.py"
    data = "# -*- coding: latin-1 -*-\ns = 'café'\n".encode("latin-1")
    text, enc = roundtrip(path, data, lambda t: t.replace("café", "cafés"))
    assert "café" in text
    assert codecs.lookup(enc.name).name == "iso8859-1"
    assert path.read_bytes() == "# -*- coding: latin-1 -*-\ns = 'cafés'\n".encode("latin-1")


def test_cookie_is_ignored_outside_python(tmp_path):
    path = tmp_path / "serverless.yml"
    path.write_bytes("# coding: latin-1\nname: café\n".encode())
    assert read_source(path) == ("# coding: latin-1\nname: café\n", Encoding("utf-8", False, "\n"))


def test_mode_is_preserved_and_no_temp_file_left(tmp_path):
    path = tmp_path / "h.py"
    path.write_text("x = 1\n")
    os.chmod(path, 0o751)
    text, enc = read_source(path)
    write_source(path, "x = 2\n", enc)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert path.read_text() == "x = 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.py"]


def test_unencodable_text_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "h.py"
    data = "# coding: latin-1\nx = 1\n".encode("latin-1")
    path.write_bytes(data)
    _, enc = read_source(path)
    with pytest.raises(UnicodeEncodeError):
        write_source(path, "# coding: latin-1\nx = '😀'\n", enc)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.py"]


def test_failed_replace_removes_the_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "h.py"
    path.write_text("x = 1\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_source(path, "x = 2\n", Encoding())
    assert path.read_text() == "x = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.py"]


def test_symlink_target_is_written(tmp_path):
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_source(link, "x = 2\n", Encoding())
    assert link.is_symlink()
    assert real.read_text() == "x = 2\n"


@pytest.mark.parametrize("via_link", [False, True], ids=["real-path", "symlink"])
def test_a_file_changed_since_it_was_read_is_never_overwritten(tmp_path, via_link):
    """read_source remembers what it read (by the path it was given); write_source refuses to
    replace a file whose bytes changed since, whichever alias the file was read and written by."""
    from sls_lint.writer import FileChangedError

    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    path = real
    if via_link:
        path = tmp_path / "link.py"
        path.symlink_to(real)
    text, enc = read_source(path)
    real.write_text("x = 2  # someone else's edit\n")
    with pytest.raises(FileChangedError):
        write_source(path, text.replace("1", "3"), enc)
    assert real.read_text() == "x = 2  # someone else's edit\n"
    text, enc = read_source(path)  # read again: now the write goes through
    write_source(path, text.replace("2", "3"), enc)
    assert real.read_text() == "x = 3  # someone else's edit\n"


def _decode_by_tokenize(data: bytes) -> tuple[str, Encoding]:
    """decode_source for a Python file as it was before its no-cookie fast path: the reference."""
    import io
    import tokenize

    from sls_lint.writer import detect_newline

    bom = data.startswith(codecs.BOM_UTF8)
    name, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    name = "utf-8" if name == "utf-8-sig" else codecs.lookup(name).name
    text = (data[len(codecs.BOM_UTF8):] if bom else data).decode(name)
    return text, Encoding(name, bom, detect_newline(text))


def _outcome(fn, data: bytes):
    try:
        return fn(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return type(exc), str(exc)


_LINES = [b"x = 1", b"# -*- coding: latin-1 -*-", b"# coding=utf-8", b"# coding: cp1252", b"# vim: set fileencoding=utf-16 :",
          b"# coding: nonsense", b"s = 'caf\xc3\xa9'", b"s = 'caf\xe9'", b"# encoding utf-8", b"\xff\xfe", b"", b"  # coding: ascii",
          "# coding: latin-1\u00e9".encode("latin-1"), b"print('coding')"]


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("sep", [b"\n", b"\r\n", b"\r"])
def test_python_decoding_matches_detect_encoding(bom, sep):
    # every mix of three lines (cookies on line 1, 2 or 3, invalid UTF-8 before and after
    # them, "coding" in code): same text and encoding, or the same error, as tokenize's path
    from itertools import product

    from sls_lint.writer import decode_source

    for lines in product(_LINES, repeat=3):
        data = (codecs.BOM_UTF8 if bom else b"") + sep.join(lines) + sep
        assert _outcome(lambda d: decode_source(d, python=True), data) == _outcome(_decode_by_tokenize, data), data


def test_a_run_that_writes_nothing_records_no_digests(tmp_path):
    # the unchanged-since-read check needs a digest of what a fix run read; a plain check
    # hashes nothing (every file of the project is read)
    from sls_lint import writer
    from sls_lint.config import load_config
    from sls_lint.engine import Linter
    from sls_lint.rule import all_options

    (tmp_path / "handler.py").write_text("import requests\n\ndef handler(event, context):\n    return requests.get('https://x')\n")
    key = os.path.abspath(tmp_path / "handler.py")
    writer._READ_DIGESTS.pop(key, None)
    cfg = load_config(None, start=str(tmp_path), rule_options=all_options())
    assert Linter(cfg, cwd=str(tmp_path)).lint(["."]).diagnostics  # read and analysed
    assert key not in writer._READ_DIGESTS
    Linter(cfg, cwd=str(tmp_path)).fix(["."])
    assert key in writer._READ_DIGESTS
