"""A check is unit-tested on a hand-made evidence record and context (evidence_kit.py), never on a stand-in
namespace: a test that judges a check with a SimpleNamespace proves the check against attributes that the real
Context, Operation, Catalog or Evidence may not have, or may not have any more."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).parent


def judges_a_check(tree: ast.AST) -> bool:
    """Does the module call CHECKS[...].judge (or .applies), or a function named judge?"""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "judge":
            return True
        if (isinstance(func, ast.Attribute) and func.attr in ("judge", "applies")
                and isinstance(func.value, ast.Subscript) and isinstance(func.value.value, ast.Name)
                and func.value.value.id == "CHECKS"):
            return True
    return False


def stand_ins(tree: ast.AST) -> list[int]:
    """The lines that name SimpleNamespace (imported, called or referred to as types.SimpleNamespace)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(alias.name == "SimpleNamespace" for alias in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "SimpleNamespace":
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "SimpleNamespace":
            lines.append(node.lineno)
    return sorted(set(lines))


def modules() -> dict[str, ast.AST]:
    return {str(path.relative_to(HERE)): ast.parse(path.read_text(encoding="utf-8"), str(path))
            for path in sorted(HERE.rglob("*.py"))}


def test_no_test_that_judges_a_check_uses_a_stand_in_namespace():
    found = {name: stand_ins(tree) for name, tree in modules().items() if judges_a_check(tree)}
    offenders = {name: lines for name, lines in found.items() if lines}
    assert not offenders, (
        "these tests judge a check on a SimpleNamespace (file: lines); give the check a real Context instead, made "
        f"with tests/unit/evidence_kit.py (context, operation, evidence): {offenders}")


def test_the_guard_sees_the_tests_that_judge_checks():
    """Not vacuous: the modules known to judge checks are found to, and the old stand-in helper is caught."""
    judging = {name for name, tree in modules().items() if judges_a_check(tree)}
    assert {"test_judge.py", "test_http_rules.py", "test_cors_preflight.py", "test_dates.py",
            "test_delete_removes.py", "test_pagination_checks.py", "test_put_replaces.py"} <= judging, judging
    old = ast.parse("from types import SimpleNamespace\nfrom conformance.rules import CHECKS\n\n"
                    "def judge(params):\n"
                    "    ctx = SimpleNamespace(params=params, operation=SimpleNamespace(method='GET'))\n"
                    "    return CHECKS['cors.preflight'].judge(ctx, None)\n")
    assert judges_a_check(old) and stand_ins(old) == [1, 5]
    assert stand_ins(ast.parse("import types\nctx = types.SimpleNamespace(params={})\n")) == [2]
