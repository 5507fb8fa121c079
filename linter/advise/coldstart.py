"""Cold-start import cost of a function, behind one small interface.

``estimate(imports)`` takes the module-scope imports of a function's module closure (what runs
at a cold start) and returns a :class:`ColdStart`. The numbers come from the shared SLS5xx cost
model when it is available (``sls_lint.importcost``), else from the import-cost table shipped as
package data (``sls_lint/data/import-costs.tsv``), else from the copy below (same measurements:
``python -X importtime``, median of 5, CPython 3.11, 2 vCPU; shared/reference/import-costs.tsv).

The estimate here is deliberately simple: per top-level package the most expensive measured
entry, minus the interpreter start-up every measurement includes, summed; a package whose cost
already includes another's (boto3 loads botocore, pandas loads numpy, ...) is counted once.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .model import ColdStart, Contributor, Location

# every measurement includes the interpreter's own start-up imports (`python -c pass`)
BASELINE_MS = 12.8

# module  median_ms (a copy of shared/reference/import-costs.tsv, used only when the package data
# table is missing)
_BUILTIN_TABLE = """\
json	26.2
logging	37.5
asyncio	96.5
boto3	255.5
botocore.session	244.0
requests	144.5
httpx	133.6
aiohttp	250.8
urllib3	106.3
pydantic	68.7
sqlalchemy	361.5
numpy	140.0
pandas	486.3
scipy.stats	1138.8
sklearn	1527.0
sklearn.ensemble	1664.8
matplotlib.pyplot	626.2
PIL.Image	32.0
cv2	121.9
openai	827.4
anthropic	2104.6
langchain_core	142.5
langchain	7.3
psycopg2	49.5
pymysql	118.8
pymongo	186.8
redis	193.9
google.cloud.storage	461.1
google.cloud.firestore	464.2
azure.storage.blob	483.2
"""

# package -> packages it loads itself (their cost is inside its measurement)
INCLUDES = {
    "boto3": ("botocore", "urllib3"),
    "botocore": ("urllib3",),
    "requests": ("urllib3",),
    "pandas": ("numpy",),
    "scipy": ("numpy",),
    "sklearn": ("numpy", "scipy"),
    "matplotlib": ("numpy",),
    "openai": ("httpx", "pydantic"),
    "anthropic": ("httpx", "pydantic"),
    "langchain_core": ("pydantic",),
    "sqlalchemy": (),
}


@dataclass(frozen=True)
class ImportSite:
    module: str  # dotted name as imported (``google.cloud.storage``, ``pandas``)
    location: Location | None = None


def _parse_table(text: str) -> dict[str, float]:
    table: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.strip().split("\t")
        if len(parts) < 2 or parts[0] == "module":
            continue
        try:
            table[parts[0]] = float(parts[1])
        except ValueError:
            continue
    return table


@lru_cache(maxsize=1)
def cost_table() -> tuple[dict[str, float], str]:
    """(module -> median ms, where the table came from)."""
    try:
        from importlib.resources import files

        text = files("sls_lint").joinpath("data", "import-costs.tsv").read_text(encoding="utf-8")
        table = _parse_table(text)
        if table:
            return table, "sls_lint/data/import-costs.tsv"
    except (OSError, ModuleNotFoundError, ValueError):
        pass
    return _parse_table(_BUILTIN_TABLE), "built-in import-cost table"


def lookup(module: str, table: dict[str, float]) -> tuple[str, float] | None:
    """The table entry for a dotted module: itself or its closest measured parent."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in table:
            return key, table[key]
    return None


def is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    return top in getattr(sys, "stdlib_module_names", ()) or top in sys.builtin_module_names


def _external_estimator():
    """The SLS5xx cost model (``sls_lint.importcost``) when it exposes a per-module cost."""
    try:
        from sls_lint import importcost  # type: ignore[attr-defined]
    except ImportError:
        return None
    for name in ("module_cost_ms", "cost_of", "module_cost"):
        fn = getattr(importcost, name, None)
        if callable(fn):
            return fn
    return None


def estimate(imports: Iterable[ImportSite]) -> ColdStart:
    table, source = cost_table()
    external = _external_estimator()
    best: dict[str, tuple[str, float, Location | None]] = {}  # top package -> (entry, ms, first site)
    unmeasured: dict[str, None] = {}
    for site in imports:
        top = site.module.split(".")[0]
        cost: tuple[str, float] | None = None
        if external is not None:
            try:
                value = external(site.module)
            except Exception:  # a cost model under construction must not break the advisor
                value = None
            if isinstance(value, (int, float)):
                cost = (site.module, float(value))
            elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], (int, float)):
                cost = (str(value[0]), float(value[1]))
        if cost is None:
            cost = lookup(site.module, table)
        if cost is None:
            if not is_stdlib(site.module):
                unmeasured[top] = None
            continue
        prev = best.get(top)
        if prev is None or cost[1] > prev[1]:
            best[top] = (cost[0], cost[1], site.location if prev is None else prev[2])
    # a package measured together with the packages it loads is counted once
    for top in list(best):
        for inner in INCLUDES.get(top, ()):
            best.pop(inner, None)
    contributors = sorted(
        (Contributor(entry, round(max(ms - BASELINE_MS, 0.0), 1), loc) for entry, ms, loc in best.values()),
        key=lambda c: (-c.ms, c.module),
    )
    total = round(sum(c.ms for c in contributors), 1)
    used = "sls_lint.importcost" if external is not None else source
    note = "import time beyond interpreter start-up, measured on 2 vCPU; small Lambda sizes get a fraction of a vCPU, so expect several times more"
    return ColdStart(total, tuple(contributors), tuple(sorted(unmeasured)), used, note)


def run_estimator(index, functions, config):
    """A per-run ``(fn, imports, display) -> ColdStart``: the shared SLS5xx model
    (``sls_lint.importcost.ImportCosts``, with the ``heavy-modules`` option) when it is there,
    else :func:`estimate` over the imports the advisor collected itself."""

    def fallback(fn, imports, display) -> ColdStart:
        return estimate(imports)

    try:
        from sls_lint import importcost as ic

        try:
            overrides = config.option("heavy-modules")
        except KeyError:
            overrides = None
        costs = ic.ImportCosts(index, functions, ic.table_with(overrides if isinstance(overrides, dict) else None))
    except (ImportError, AttributeError, TypeError, OSError):
        return fallback

    def shared(fn, imports, display) -> ColdStart:
        own = estimate(imports)
        try:
            closure = costs.closure(fn)
        except Exception:  # the shared model is young: never let it break the advisor; use ours
            closure = None
        if closure is None:
            return own
        contributors = []
        for c in closure.contributors:
            if c.ms <= 0:
                continue
            where = Location(display(c.chain[-2]), c.line) if len(c.chain) >= 2 else None
            contributors.append(Contributor(c.module, round(float(c.ms), 1), where))
        contributors.sort(key=lambda c: (-c.ms, c.module))
        return ColdStart(round(float(closure.total_ms), 1), tuple(contributors), own.unmeasured, "sls_lint.importcost", own.note)

    return shared
