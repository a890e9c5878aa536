"""A retrieval evaluated only by measures of the first hit, in the code alone.

The runtime check (``graded_metric_at_k``) judges the measures of the evaluation behind the reported
estimate, from the trace of ir_measures. This rule reads what the code proves without a run: every
measure the notebook passes to ir_measures (``calc_aggregate``, ``iter_calc``, ``evaluator``) looks at
the first relevant passage only (``P@1``, ``Success@1``, ``RR`` or ``MRR`` at any cut-off), so no
evaluation of the notebook can know the grades or the order of the passages shown. A notebook that
also computes nDCG or recall anywhere, or measures by hand, is the runtime check's to judge.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from heldout.lint.findings import LintFinding, Severity

__all__ = ["first_hit_measures_only"]

_CALLS = frozenset({"calc_aggregate", "iter_calc", "evaluator", "calc"})
_FIRST_HIT = frozenset({"rr", "mrr", "success", "p", "precision", "hits"})
_AT_ANY_DEPTH = frozenset({"rr", "mrr"})  # the reciprocal rank of the first hit, whatever the cut-off


def _measure(node: ast.expr) -> str | None:
    """``P @ 1``, ``ir_measures.nDCG @ 10``, ``MRR``, ``"P@1"`` as the text ir_measures prints."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace(" ", "")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        name, cutoff = _measure(node.left), node.right
        if name is not None and isinstance(cutoff, ast.Constant):
            return f"{name}@{cutoff.value}"
        return None
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _first_hit(measure: str) -> bool:
    name, _, cutoff = measure.partition("@")
    name = name.split("(")[0].lower()
    if name in _AT_ANY_DEPTH:
        return True
    return name in _FIRST_HIT and cutoff == "1"


def _lists(modules: Iterable[ast.Module]) -> dict[str, ast.expr]:
    """Names bound to a list or tuple literal (``measures = [P @ 1]``), for calls that pass the name."""
    bound: dict[str, ast.expr] = {}
    for module in modules:
        for node in ast.walk(module):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.List | ast.Tuple)
            ):
                bound[node.targets[0].id] = node.value
    return bound


def _ir_measures_names(modules: Iterable[ast.Module]) -> tuple[set[str], set[str]]:
    """(names the module ir_measures goes by, its calculating functions imported by name)."""
    modules_as, functions = set(), set()
    for module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.Import):
                modules_as |= {a.asname or a.name for a in node.names if a.name == "ir_measures"}
            elif isinstance(node, ast.ImportFrom) and node.module == "ir_measures":
                functions |= {a.asname or a.name for a in node.names if a.name in _CALLS}
    return modules_as, functions


def _calculation(call: ast.Call, modules_as: set[str], functions: set[str]) -> bool:
    """A call of ir_measures' own calculating functions (not an evaluator's ``calc_aggregate(run)``,
    whose measures were given when the evaluator was made)."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id in modules_as and func.attr in _CALLS
    return isinstance(func, ast.Name) and func.id in functions


def first_hit_measures_only(cells: list[tuple[int | None, ast.Module]]) -> list[LintFinding]:
    lists = _lists(module for _, module in cells)
    modules_as, functions = _ir_measures_names(module for _, module in cells)
    measures: list[str] = []
    first_site: tuple[int | None, int] | None = None
    for number, module in cells:
        for call in ast.walk(module):
            if not isinstance(call, ast.Call) or not call.args:
                continue
            if not _calculation(call, modules_as, functions):
                continue
            argument = call.args[0]
            if isinstance(argument, ast.Name):
                argument = lists.get(argument.id, argument)
            if not isinstance(argument, ast.List | ast.Tuple):
                return []  # measures the code does not show: the run judges them
            found = [_measure(element) for element in argument.elts]
            if any(m is None for m in found):
                return []
            measures.extend(m for m in found if m is not None)
            first_site = first_site or (number, call.lineno)
    if not measures or first_site is None or not all(_first_hit(m) for m in measures):
        return []
    shown = ", ".join(dict.fromkeys(measures))
    where = f"cell {first_site[0]}, line {first_site[1]}" if first_site[0] else f"line {first_site[1]}"
    message = (
        f"Every retrieval measure the notebook computes ({shown}; first at {where}) looks at the first "
        "relevant passage only: none knows how relevant the passages are or where the others rank. An "
        "answer is built from the top k passages of graded relevance: measure nDCG@k (with recall@k "
        "beside it)."
    )
    return [LintFinding.of("first_hit_metric", Severity.ERROR, first_site, shown[:60], message)]
