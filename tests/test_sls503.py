"""SLS503 deep-sdk-import: the measured narrow-import table and the rule beyond its VALID/INVALID cases."""
from __future__ import annotations

import subprocess
import sys

from sls_lint.importcost import DEFAULT_THRESHOLD_MS, narrow_table
from sls_lint.rule import Case, rule_by_code
from ruleharness import run_case


def _found(tmp_path, case):
    return [d for d in run_case(tmp_path, case, select=("SLS503",)).diagnostics if d.code == "SLS503"]


def test_table_rows_are_measured_and_worth_reporting():
    rows = {r.heavy: r for r in narrow_table()}
    assert set(rows) == {"matplotlib.pyplot", "plotly.express"}
    for r in rows.values():
        assert r.source == "measured" and r.measured_with
        assert r.saving_ms > DEFAULT_THRESHOLD_MS, r
        for name, target in r.same:
            assert target.startswith(r.alternative.split(".")[0] + "."), (name, target)
    assert dict(rows["matplotlib.pyplot"].same)["Normalize"] == "matplotlib.colors.Normalize"
    assert dict(rows["plotly.express"].same) == {} and dict(rows["plotly.express"].similar) == {"colors": "plotly.colors"}


def test_rejected_candidates_are_documented_not_shipped():
    from importlib import resources

    header = resources.files("sls_lint").joinpath("data/narrow-imports.tsv").read_text("utf-8")
    for rejected in ("boto3.dynamodb.conditions", "aws_lambda_powertools", "firestore_v1", "pubsub_v1", "azure.storage.blob", "matplotlib.figure.Figure"):
        assert rejected in header
    assert not any(r.heavy in ("boto3", "aws_lambda_powertools", "google.cloud.firestore") for r in narrow_table())


def test_docs_render_the_table():
    doc = rule_by_code("SLS503").doc
    assert "{table}" not in doc
    assert "- `matplotlib.pyplot` (~530 ms) → `matplotlib` (~246 ms)" in doc and "plotly 7.1.0" in doc


def test_lazy_import_elsewhere_does_not_count_as_loaded(tmp_path):
    files = {
        "charts.py": "import matplotlib.pyplot as plt\n\ndef draw():\n    return plt.figure()\n",
        "handler.py": "import matplotlib.pyplot as plt\n\ndef handler(event, context):\n    if event.get('draw'):\n        from charts import draw\n        return draw()\n    return plt.cm.viridis(0.5)\n",
    }
    found = _found(tmp_path, Case(files["handler.py"], files=files))
    assert [d.line for d in found] == [1]
    assert "saves ~284 ms of every cold start of `handler.py:handler`" in found[0].message


def test_import_in_a_helper_module_reported_for_the_function_that_loads_it(tmp_path):
    files = {
        "lib/palette.py": "from plotly import express as px\n\ndef colors():\n    return px.colors.qualitative.Plotly\n",
        "handler.py": "from lib.palette import colors\n\ndef handler(event, context):\n    return colors()\n",
    }
    found = _found(tmp_path, Case(files["lib/palette.py"], path="lib/palette.py", files=files))
    assert len(found) == 1 and found[0].function == "handler.py:handler" and found[0].fix is None


def test_mixed_names_get_advice_but_no_fix(tmp_path):
    code = "from matplotlib.pyplot import cm, get_cmap\n\ndef handler(event, context):\n    return cm.viridis(0.1), get_cmap('magma')(0.2)\n"
    found = _found(tmp_path, Case(code))
    assert len(found) == 1 and found[0].fix is None
    assert "`get_cmap` → `matplotlib.colormaps[name]`" in found[0].message


def test_fix_through_the_cli_is_stable(tmp_path):
    (tmp_path / "handler.py").write_text("import json\nfrom matplotlib.pyplot import rcParams, colormaps as cmaps  # palette\n\ndef handler(event, context):\n    return json.dumps([rcParams['font.size'], cmaps['viridis'](0.5).tolist()])\n")
    run = lambda *a: subprocess.run([sys.executable, "-m", "sls_lint.cli", "check", "--select", "SLS503", *a, "."], cwd=tmp_path, capture_output=True, text=True)
    first = run("--fix")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "handler.py").read_text().splitlines()[1] == "from matplotlib import rcParams, colormaps as cmaps  # palette"
    second = run()
    assert second.returncode == 0 and "SLS503" not in second.stdout
