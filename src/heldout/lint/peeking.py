"""Peeking in the code alone: a loop over days (or weeks, dates, looks) that runs a hypothesis test and
leaves the loop at the first p-value under a fixed level.

The runtime check (``no_peeking``) judges what the readout did on replicate experiments; this rule reads
one way of writing the mistake, the one the code proves: a ``for``/``while`` loop whose body runs a test
(a scipy or statsmodels test, or a function of the notebook that runs one) and ``break``s or
``return``s under ``if <p> < <constant>``. A level computed from the number of looks (``0.05 / 3``, a
boundary array) is a sequential design, not peeking, and is not flagged. A loop over something that is
not named as time is only a hint: stopping a search over segments at the first significant one is
suspicious, but not peeking.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from heldout.lint.findings import LintFinding, Severity

__all__ = ["TEST_FUNCTIONS", "peeking_loops"]

TEST_FUNCTIONS = frozenset(
    {
        "ttest_ind",
        "ttest_rel",
        "ttest_1samp",
        "mannwhitneyu",
        "ks_2samp",
        "brunnermunzel",
        "chisquare",
        "chi2_contingency",
        "fisher_exact",
        "binomtest",
        "binom_test",
        "proportions_ztest",
        "proportions_chisquare",
        "test_proportions_2indep",
        "ztest",
        "permutation_test",
    }
)
_TIME = re.compile(r"day|week|date|look|hour|time|period", re.IGNORECASE)
_MAX_LEVEL = 0.1


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def _testing_functions(modules: Iterable[ast.Module]) -> set[str]:
    """The test functions, and the notebook's own functions that run one (however deep)."""
    defined: dict[str, set[str]] = {}
    for module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defined[node.name] = _called_names(node)
    testing = set(TEST_FUNCTIONS)
    changed = True
    while changed:
        changed = False
        for name, calls in defined.items():
            if name not in testing and calls & testing:
                testing.add(name)
                changed = True
    return testing


def _named_constants(modules: Iterable[ast.Module]) -> dict[str, object]:
    """Names the notebook binds once, to a literal (``ALPHA = 0.05``): a level written as a name is as
    fixed as one written as a number. A name bound twice, or to anything computed, is not known."""
    values: dict[str, object] = {}
    bound: dict[str, int] = {}
    for module in modules:
        for node in ast.walk(module):
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets, value = [node.target], node.value if isinstance(node, ast.AnnAssign) else None
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        bound[name.id] = bound.get(name.id, 0) + 1
                        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
                            values[name.id] = value.value
            if isinstance(node, ast.For | ast.comprehension):
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        bound[name.id] = bound.get(name.id, 0) + 2
    return {name: value for name, value in values.items() if bound.get(name) == 1}


def _fixed_level(test: ast.expr, constants: dict[str, object]) -> float | None:
    """The constant of ``x < 0.05`` (or ``0.05 > x``, or a name bound once to one), if it is a
    plausible significance level."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    op, left, right = test.ops[0], test.left, test.comparators[0]
    side = right if isinstance(op, ast.Lt | ast.LtE) else left if isinstance(op, ast.Gt | ast.GtE) else None
    if isinstance(side, ast.Constant):
        value = side.value
    elif isinstance(side, ast.Name) and side.id in constants:
        value = constants[side.id]
    else:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= _MAX_LEVEL:
        return None
    return float(value)


def _leaves(body: list[ast.stmt]) -> bool:
    return any(isinstance(node, ast.Break | ast.Return) for stmt in body for node in ast.walk(stmt))


def peeking_loops(cells: list[tuple[int | None, ast.Module]]) -> list[LintFinding]:
    testing = _testing_functions(module for _, module in cells)
    constants = _named_constants(module for _, module in cells)
    findings = []
    for number, module in cells:
        for loop in ast.walk(module):
            if not isinstance(loop, ast.For | ast.While):
                continue
            if not _called_names(loop) & testing:
                continue
            for node in ast.walk(loop):
                if not isinstance(node, ast.If):
                    continue
                level = _fixed_level(node.test, constants)
                if level is None or not _leaves(node.body):
                    continue
                over = ast.unparse(loop.target if isinstance(loop, ast.For) else loop.test)
                over += " " + ast.unparse(loop.iter) if isinstance(loop, ast.For) else ""
                timed = bool(_TIME.search(over))
                where = f"cell {number}, line {node.lineno}" if number else f"line {node.lineno}"
                message = (
                    f"The loop over `{over.strip()[:60]}` runs a test on each pass and leaves at the first "
                    f"p < {level:g} ({where})"
                )
                if timed:
                    message += (
                        ": stopping an experiment at the first look under the level gives chance a try at "
                        "every look, so an A/A test comes out 'significant' far more often than the level "
                        "says. Test once at the planned end, or use a sequential test whose boundaries "
                        "account for the looks."
                    )
                else:
                    message += ": the first significant one of many tries is likelier to be chance."
                findings.append(
                    LintFinding.of(
                        "peeking_loop",
                        Severity.ERROR if timed else Severity.HINT,
                        (number, node.lineno),
                        over.strip()[:60],
                        message,
                    )
                )
                break
    return findings
