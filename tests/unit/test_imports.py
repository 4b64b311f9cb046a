"""The modules of conformance/ depend on each other in one direction only: no import cycle, counting the
imports inside functions too, and every module imports alone in a fresh interpreter, in any order."""

from __future__ import annotations

import ast
import random
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module of the package this one imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}  # `from . import x` names a module
    return {m for m in found if m in MODULES and m != name}


def test_no_import_cycle_counting_deferred_imports():
    graph = {name: imports_of(name, path) for name, path in MODULES.items()}
    # A package imports its own submodules on purpose (rules/__init__ registers the checks); a submodule
    # importing its package back would be the cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == [], f"import cycles: {cycles}"


def test_every_module_imports_alone_in_a_fresh_interpreter():
    failures = []
    for name in sorted(MODULES):
        result = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                                cwd=PACKAGE.parent)
        if result.returncode != 0:
            failures.append(f"{name}: {result.stderr.strip().splitlines()[-1]}")
    assert not failures, failures


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
def test_the_modules_import_in_any_order(order):
    names = sorted(MODULES)
    if order == "reversed":
        names.reverse()
    elif order == "shuffled":
        random.Random(11).shuffle(names)
    script = "\n".join(f"import {name}" for name in names)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
