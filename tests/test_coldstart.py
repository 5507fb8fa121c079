"""The import-cost engine (linter/importcost.py), the shipped table, and the move-import fixer."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sls_lint.core import Applicability, FixIntent, Span
from sls_lint.fixers import FixError, fix_source
from sls_lint.importcost import base_table, costs_for, lookup, table_with
from sls_lint.rule import Case
from ruleharness import run_case


def test_table_ships_measured_and_estimates():
    table = base_table()
    assert table["pandas"].ms == pytest.approx(486.3) and table["pandas"].source == "measured"
    for heavy in ("torch", "tensorflow", "transformers"):
        assert table[heavy].source == "estimate" and table[heavy].ms >= 1000
    assert "numpy" in table["pandas"].includes


def test_overrides_add_change_and_remove():
    table = table_with({"mylib": 300, "pandas": 0, "numpy": 50, "bad": "x"})
    assert table["mylib"].ms == 300 and table["mylib"].source == "option"
    assert "pandas" not in table and table["numpy"].ms == 50 and "bad" not in table


def test_lookup_uses_nearest_listed_parent():
    table = base_table()
    assert lookup(table, "pandas.io.formats").module == "pandas"
    assert lookup(table, "sklearn.ensemble._forest").module == "sklearn.ensemble"
    assert lookup(table, "somethingelse") is None


class _Ctx:
    def __init__(self, analysis):
        self.index = analysis.index
        self.project = analysis.project
        self.config = analysis.config

    def option(self, name):
        return self.config.option(name)


def _analysis(tmp_path: Path, files: dict[str, str]):
    from sls_lint.config import load_config
    from sls_lint.engine import Linter
    from sls_lint.rule import all_options

    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    config = load_config(None, start=str(tmp_path), rule_options=all_options(), overrides={"select": ["SLS5"]})
    linter = Linter(config, cwd=str(tmp_path))
    root, files_, checked, _errors, _context = linter._collect([str(tmp_path)], None)
    return linter._analysis(root, files_, checked, {})


def test_closure_chains_and_dedupe(tmp_path):
    analysis = _analysis(tmp_path, {
        "handler.py": "import numpy\nfrom lib import model\n\ndef handler(event, context):\n    def lazy():\n        import openai\n    return model.run(event)\n",
        "lib/__init__.py": "",
        "lib/model.py": "import pandas as pd\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import torch\n\ndef run(x):\n    return pd.DataFrame(x)\n",
    })
    ctx = _Ctx(analysis)
    costs = costs_for(ctx)
    assert costs_for(ctx) is costs  # once per run
    (fn,) = analysis.project.functions
    closure = costs.closure(fn)
    assert set(closure.modules) == {"handler.py", "lib/__init__.py", "lib/model.py"}
    by = {c.module: c for c in closure.contributors}
    assert "torch" not in by and "openai" not in by  # TYPE_CHECKING and function-level imports
    assert by["pandas"].chain == ("handler.py", "lib/model.py", "pandas")
    assert by["numpy"].ms == 0  # pandas already loads numpy
    assert closure.total_ms == pytest.approx(486.3)


def test_always_uses_follows_calls_and_branches(tmp_path):
    analysis = _analysis(tmp_path, {
        "handler.py": "import pandas as pd\n\ndef a(x):\n    return pd.DataFrame(x)\n\ndef handler(event, context):\n    if event:\n        a(1)\n    else:\n        a(2)\n    return 1\n",
    })
    costs = costs_for(_Ctx(analysis))
    model = analysis.index.model("handler.py")
    uses = frozenset(id(n) for n in ast.walk(model.tree) if isinstance(n, ast.Name) and n.id == "pd")
    (fn,) = analysis.project.functions
    assert costs.always_uses(fn, "handler.py", uses)


def _move(source: str, name: str, line: int, **params) -> str:
    tree = ast.parse(source)
    stmt = next(s for s in tree.body if s.lineno == line)
    span = Span(stmt.lineno, stmt.col_offset + 1, stmt.end_lineno, stmt.end_col_offset + 1)
    intent = FixIntent("move-import", "move", Applicability.SAFE, span, (("name", name), *params.items()))
    new, applied, failed = fix_source(source, [intent], path="m.py")
    assert not failed, failed
    return new


def test_move_import_one_line_suite_and_docstring():
    src = 'import numpy as np\n\ndef f(x):\n    """Doc."""\n    if x: return np.zeros(3)\n    return None\n'
    assert _move(src, "np", 1) == 'def f(x):\n    """Doc."""\n    if x:\n        import numpy as np\n        return np.zeros(3)\n    return None\n'


def test_move_import_nested_function_covered_by_outer_block():
    src = "import numpy as np\n\ndef f(x):\n    y = np.ones(1)\n    def g():\n        return np.zeros(1)\n    return g, y\n"
    out = _move(src, "np", 1)
    assert out == "def f(x):\n    import numpy as np\n    y = np.ones(1)\n    def g():\n        return np.zeros(1)\n    return g, y\n"


def test_move_import_refuses_module_scope_use():
    src = "import numpy as np\n\nZ = np.zeros(1)\n\ndef f():\n    return np\n"
    tree = ast.parse(src)
    stmt = tree.body[0]
    intent = FixIntent("move-import", "move", Applicability.SAFE, Span(1, 1, 1, stmt.end_col_offset + 1), (("name", "np"),))
    new, applied, failed = fix_source(src, [intent], path="m.py")
    assert new == src and failed and "module scope" in failed[0][1]


def test_move_import_from_keeps_other_names():
    src = "from pandas import DataFrame, Series\n\ndef f():\n    if 1:\n        return DataFrame()\n\nS = Series\n"
    assert _move(src, "DataFrame", 1) == "from pandas import Series\n\ndef f():\n    if 1:\n        from pandas import DataFrame\n        return DataFrame()\n\nS = Series\n"


def test_demo_app_findings():
    root = Path(__file__).resolve().parents[1] / "examples" / "orders-service"
    from sls_lint.config import load_config
    from sls_lint.engine import Linter
    from sls_lint.rule import all_options

    config = load_config(None, start=str(root), rule_options=all_options(), overrides={"select": ["SLS5", "SLS6"]})
    result = Linter(config, cwd=str(root)).lint([str(root)])
    got = {(d.code, d.path, d.line) for d in result.diagnostics}
    assert ("SLS501", "src/handlers/uploads.py", 5) in got
    assert ("SLS601", "src/handlers/uploads.py", 11) in got
    assert ("SLS603", "src/handlers/worker.py", 15) in got
    assert ("SLS607", "src/handlers/worker.py", 10) in got
