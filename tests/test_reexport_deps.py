"""SLS501 skips a heavy import that other modules take from the module (a re-export). Which
modules do that is a cross-file fact: a warm run must see an importer change."""
from __future__ import annotations

from pathlib import Path

from sls_lint.config import find_config_file, load_config
from sls_lint.engine import Linter
from sls_lint.rule import all_options

HANDLER = "import lib\n\n\ndef handler(event, context):\n    return lib.frame(event)\n"
LIB = "import pandas as pd\n\n\ndef frame(rows):\n    if rows.get('table'):\n        return pd.DataFrame(rows['table'])\n    return None\n"


def _lint(root: Path, *, cache: bool) -> list[tuple[str, str]]:
    cfg = load_config(find_config_file(str(root)), start=str(root), rule_options=all_options(), overrides={"select": ["SLS501"]})
    result = Linter(cfg, cwd=str(root), cache=cache, jobs=1).lint([str(root)])
    return sorted((d.path, d.code) for d in result.diagnostics)


def test_a_new_reexport_in_an_importer_reaches_the_cached_module(tmp_path):
    # two services with a lib.py each: the importers of both are indexed while a/lib.py is
    # checked, so b/lib.py's dependencies must be recorded without parsing anything again
    for svc in ("a", "b"):
        (tmp_path / svc).mkdir()
        (tmp_path / svc / "handler.py").write_text(HANDLER)
        (tmp_path / svc / "lib.py").write_text(LIB)
        (tmp_path / svc / "report.py").write_text("import lib\n\nVALUE = 1\n")
    assert _lint(tmp_path, cache=True) == [("a/lib.py", "SLS501"), ("b/lib.py", "SLS501")]
    # b/report.py now takes `pd` from lib: the import is a re-export, no longer movable
    (tmp_path / "b" / "report.py").write_text("import lib\nfrom lib import pd\n\nVALUE = pd\n")
    fresh = _lint(tmp_path, cache=False)
    assert fresh == [("a/lib.py", "SLS501")]
    assert _lint(tmp_path, cache=True) == fresh


def test_the_reexport_table_is_read_only_for_imports_not_used_on_every_path(tmp_path, monkeypatch):
    """SLS501 asks for the re-export table last: an import used on every invocation is settled
    without it (so neither the other modules are read nor recorded as dependencies)."""
    from sls_lint import importcost

    (tmp_path / "handler.py").write_text("import lib\nimport numpy as np\n\n\ndef handler(event, context):\n    return lib.frame(event), np.zeros(1)\n")
    (tmp_path / "lib.py").write_text(LIB)
    (tmp_path / "report.py").write_text("import lib\n\nVALUE = 1\n")
    asked: list[str] = []
    real = importcost.ImportCosts.reexported
    monkeypatch.setattr(importcost.ImportCosts, "reexported", lambda self, path: asked.append(path) or real(self, path))
    assert _lint(tmp_path, cache=False) == [("lib.py", "SLS501")]
    assert asked == ["lib.py"]  # not handler.py: numpy is used on every invocation
