"""Package list for the folder-to-namespace mapping of DESIGN.md.

``linter/`` -> ``sls_lint``, ``rules/`` -> ``sls_lint.rules``, ``fixers/`` -> ``sls_lint.fixers``.
Sub-packages (rule families) are found here so that adding a folder needs no edit anywhere.
"""
from setuptools import Extension, find_packages, setup

MAPPING = {"sls_lint": "linter", "sls_lint.rules": "rules", "sls_lint.fixers": "fixers"}


def _packages() -> list[str]:
    found: list[str] = []
    for package, folder in MAPPING.items():
        found.append(package)
        found.extend(f"{package}.{sub}" for sub in find_packages(folder) if f"{package}.{sub}" not in MAPPING)
    return found


# The semantic model's innermost traversal loop in C (linter/_speedups.c). Optional: without a
# C compiler the build goes on and sls_lint.semantic runs the same loop in Python.
SPEEDUPS = Extension("sls_lint._speedups", ["linter/_speedups.c"], optional=True)

setup(packages=_packages(), ext_modules=[SPEEDUPS])
