"""Read and write source files exactly as they are stored: encoding, BOM and line breaks.

``read_source`` decodes without translating line breaks, so fixes run on the real text and
``write_source`` writes it back byte for byte where nothing changed. Writes are atomic: a
temporary file in the same folder, flushed to disk, then ``os.replace`` over the original, with
the original's permission bits. A write never replaces a file whose bytes changed since they
were read (by ``read_source`` in this process, or as given in ``expected``): it raises
:class:`FileChangedError` and leaves the file alone.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

_BREAK = re.compile(r"\r\n|\r|\n")
# real path -> digest of the bytes read_source last returned text for (checked before a write)
_READ_DIGESTS: dict[str, bytes] = {}
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")


@dataclass(frozen=True)
class Encoding:
    """How a file is stored: ``name`` is a Python codec name; ``newline`` the first line break used."""

    name: str = "utf-8"
    bom: bool = False
    newline: str = "\n"


def detect_newline(text: str) -> str:
    match = _BREAK.search(text)
    return match.group(0) if match else "\n"


def decode_source(data: bytes, *, python: bool = True) -> tuple[str, Encoding]:
    """Decode bytes: a UTF-8 BOM, else (Python files) a PEP 263 coding cookie, else UTF-8.

    Raises SyntaxError for an unknown or conflicting cookie and UnicodeDecodeError for bytes that
    do not match the encoding.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    if python and _cookie_free(data):
        # what detect_encoding gives without a cookie (UTF-8), without its line-by-line work; a
        # text that is not UTF-8 takes the full path below, for detect_encoding's own error
        try:
            text = (data[len(codecs.BOM_UTF8):] if bom else data).decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, Encoding("utf-8", bom, detect_newline(text))
    if python:
        name, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    else:
        name = "utf-8-sig" if bom else "utf-8"
    name = "utf-8" if name == "utf-8-sig" else codecs.lookup(name).name
    body = data[len(codecs.BOM_UTF8):] if bom else data
    text = body.decode(name)
    return text, Encoding(name, bom, detect_newline(text))


def _cookie_free(data: bytes) -> bool:
    """No PEP 263 coding cookie can be there: ``coding`` is not in the first two lines (lines as
    ``detect_encoding`` reads them: ending at ``\n``), the only place where a cookie counts."""
    end = data.find(b"\n")
    if end >= 0:
        end = data.find(b"\n", end + 1)
    return b"coding" not in (data if end < 0 else data[:end])


def encode_source(text: str, encoding: Encoding) -> bytes:
    data = text.encode(encoding.name)
    return codecs.BOM_UTF8 + data if encoding.bom else data


class FileChangedError(OSError):
    """The file on disk is not what was read: someone changed it meanwhile, so it is not written."""


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _open_regular(path: str, flags: int) -> int:
    """Open without blocking and refuse anything but a regular file (a FIFO named ``x.py`` would
    block the run forever; a device would never end)."""
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"not a regular file: {path}")
    except BaseException:
        os.close(fd)
        raise
    return fd


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_bytes(path: str) -> bytes:
    """The bytes of a regular file (see :func:`_open_regular`), read with plain system calls:
    no file object is built (a run reads every file of the project before it can start)."""
    fd = _open_regular(path, _READ_FLAGS)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)  # the whole file: a shorter read ends at the end of the file
        if len(data) > size or 0 < len(data) < size:  # it grew meanwhile, or a short read: read on to the end
            parts = [data]
            while chunk := os.read(fd, max(size, 1 << 16)):
                parts.append(chunk)
            data = b"".join(parts)
    finally:
        os.close(fd)
    return data


def read_source(path: str | os.PathLike[str], *, remember: bool = True) -> tuple[str, Encoding]:
    """The text and encoding of a file. ``remember``: record a digest of the bytes, which a later
    :func:`write_source` of the same path compares with the file before replacing it; a caller
    that will never write (a run without fixes) can leave it out (a hash of every file it reads)."""
    path = os.fspath(path)
    data = read_bytes(path)
    if remember:
        # keyed by the absolute path as read (realpath costs an lstat per component, for every
        # file of a run); a write looks its real path up first, then the path it was given
        _READ_DIGESTS[os.path.abspath(path)] = _digest(data)
    return decode_source(data, python=os.path.splitext(path)[1].lower() in PYTHON_SUFFIXES)


def write_source(path: str | os.PathLike[str], text: str, encoding: Encoding, *, expected: bytes | None = None) -> None:
    """Atomically replace the file with ``text`` stored as ``encoding`` (line breaks as given).

    The text is encoded before anything is touched, so a text the encoding cannot hold raises
    UnicodeEncodeError and leaves the file as it was. A symlink is followed: its target is written.
    Right before the replace, the file's bytes are compared with ``expected`` (or, by default,
    with what ``read_source`` last read from it): when they differ, FileChangedError is raised
    and nothing is written.
    """
    data = encode_source(text, encoding)
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o644  # a new file (os.umask cannot be read without changing it, thread-unsafely)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        _check_unchanged(target, expected, os.path.abspath(path))
        os.replace(tmp, target)
        _READ_DIGESTS[str(target)] = _READ_DIGESTS[os.path.abspath(path)] = _digest(data)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _check_unchanged(target: Path, expected: bytes | None, given: str | None = None) -> None:
    if expected is not None:
        want = _digest(expected)
    else:
        want = _READ_DIGESTS.get(str(target))
        if want is None and given is not None:
            want = _READ_DIGESTS.get(given)
    if want is None:
        return  # never read here and nothing given: a new file, or a caller that knows
    try:
        now = _digest(target.read_bytes())
    except FileNotFoundError:
        now = None
    if now != want:
        raise FileChangedError(f"{target} changed on disk since it was read; not written (run again)")
