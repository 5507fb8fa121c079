"""Python 3.10's ``ast.parse`` overflows the C stack on very deep nesting (a 200,000-term
``a + a + ...``, 50,000 chained calls): the interpreter dies with SIGSEGV, taking the whole run
with it. Python 3.11 and later raise RecursionError instead, which the engine reports as SLS001.

On 3.10 a text long enough to nest that deep (the C stack holds tens of thousands of levels, so
such a text is tens of kilobytes) is parsed first in a child interpreter; when the child dies,
the text is reported as unparsable instead of parsed here. Other versions never probe."""
from __future__ import annotations

import sys

PROBE_CHARS = 32_768  # shorter texts cannot nest deep enough to overflow the stack
CRASH_PRONE = sys.version_info < (3, 11)
MESSAGE = "cannot parse: nesting too deep for this Python's parser (Python 3.10 crashes on it; 3.11 and later report it)"
_PROBE = "import ast, sys, warnings; warnings.simplefilter('ignore'); ast.parse(sys.stdin.buffer.read().decode('utf-8', 'surrogatepass'))"


def crashes_parser(text: str) -> bool:
    """Whether ``ast.parse(text)`` would kill this interpreter (only ever True on 3.10)."""
    if not CRASH_PRONE or len(text) < PROBE_CHARS:
        return False
    import subprocess  # here: 3.11 and later never probe (and a run's start saves its import)

    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _PROBE],
            input=text.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False  # no verdict: parse here as before
    # 0: parsed; 1: an exception (a SyntaxError, a RecursionError): both are safe to parse here
    return done.returncode not in (0, 1)
