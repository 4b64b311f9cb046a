"""The house (issue 18): the reports know neither the engine nor the checks, the catalog knows no check, the run and
its report know nothing of pytest, and no module grows past 500 lines. Imports are counted as test_imports.py
counts them: at the top, inside functions and under TYPE_CHECKING alike, and through other modules too."""

from __future__ import annotations

import ast

import pytest
from test_imports import MODULES, PACKAGE, imports_of

MAX_LINES = 500
# Exempt from the bound: the bundled demo APIs (each a whole server in one file).
EXEMPT = ("conformance/demo/",)
# The engine: what sends requests and judges them (the reports are given its verdicts as data).
ENGINE = ("conformance.engine", "conformance.exercise", "conformance.judge")
PYTEST = ("pytest", "_pytest", "xdist")

GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def under(package: str) -> list[str]:
    return [name for name in MODULES if name == package or name.startswith(package + ".")]


def reached(start: list[str]) -> dict[str, list[str]]:
    """Every module the given ones import, directly or through others: module -> the path to it."""
    paths = {name: [name] for name in start}
    todo = list(start)
    while todo:
        name = todo.pop()
        for target in sorted(GRAPH[name]):
            if target not in paths:
                paths[target] = paths[name] + [target]
                todo.append(target)
    return {name: path for name, path in paths.items() if name not in start}


def third_party(name: str) -> set[str]:
    """The top-level names of what a module imports from outside the package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found - {"conformance"}


def test_the_reports_reach_neither_the_engine_nor_the_checks():
    banned = {name for name in MODULES if name in ENGINE or name in under("conformance.rules")}
    found = {name: " -> ".join(path) for name, path in reached(under("conformance.report")).items() if name in banned}
    assert not found, f"conformance/report/ reaches the engine or the checks: {found}"


def test_the_catalog_knows_no_check():
    found = {name: " -> ".join(path) for name, path in reached(under("conformance.catalog")).items()
             if name in under("conformance.rules")}
    assert not found, f"conformance/catalog/ reaches conformance/rules/ (give the loader the checks instead): {found}"


@pytest.mark.parametrize("package", ["conformance.report", "conformance.run"])
def test_the_run_and_its_report_know_nothing_of_pytest(package):
    modules = under(package) + list(reached(under(package)))
    found = {name: sorted(third_party(name) & set(PYTEST)) for name in modules if third_party(name) & set(PYTEST)}
    assert not found, f"{package} imports pytest or xdist: {found}"


def test_no_module_is_over_500_lines():
    root = PACKAGE.parent
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if any(relative == exempt or relative.startswith(exempt) for exempt in EXEMPT):
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            long[relative] = lines
    assert not long, f"modules over {MAX_LINES} lines (split them along a concept): {long}"


def test_the_exemptions_name_real_paths():
    root = PACKAGE.parent
    assert all((root / exempt).exists() for exempt in EXEMPT), EXEMPT
