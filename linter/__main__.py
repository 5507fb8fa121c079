"""``python -m sls_lint``: the same as the ``sls-lint`` console script.

``python -m`` puts the working directory first on ``sys.path``, so a project file named
``click.py``, ``yaml.py`` or ``json.py`` in the checked directory would be imported by sls-lint
itself (and run). The console script has no such entry: drop it here, before anything else is
imported, so the checked code is never imported or executed this way either.
"""
import os
import sys


def drop_cwd_entry() -> None:
    """Remove the entry ``python -m`` added for the working directory (``''`` or its path).
    Only for the ``python -m`` entry points (here and ``sls_lint.cli``), never on import."""
    if getattr(sys.flags, "safe_path", False) or not sys.path:  # python -P / PYTHONSAFEPATH: none added
        return
    head = sys.path[0]
    try:
        here = os.getcwd()
    except OSError:  # the working directory was removed: only '' can mean it
        here = None
    if head in ("", ".") or (here is not None and os.path.realpath(head) == os.path.realpath(here)):
        del sys.path[0]


if __name__ == "__main__":
    drop_cwd_entry()  # before anything else is imported
    from sls_lint.cli import main

    main()
