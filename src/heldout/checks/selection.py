"""Choosing among models by their score on the rows of the final estimate (a multiple-testing leak).

Scoring one model on held-out rows is an honest estimate. Scoring several on those same rows and
reporting the best is a selection: the winner's score is the maximum of noisy numbers, optimistic by
construction, however clean each fit was. Comparisons belong on validation rows or inside
cross-validation; the final rows are scored once. Baselines are exempt: comparing the chosen model
with its baseline on the final rows is the point of keeping them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register, rows_text
from heldout.checks.baselines import DEFAULT_BASELINES
from heldout.checks.models import ScoredModel, distinct, scored_model

__all__ = ["check_no_selection_on_final_rows"]


@register("no_selection_on_final_rows", "Models not chosen on the final evaluation rows", needs="report")
def check_no_selection_on_final_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    exempt = set(params.get("baselines", DEFAULT_BASELINES))
    overlap = float(params.get("min_overlap", 0.9))
    hint = hint_pointer(ctx, "no_selection_on_final_rows")
    reported = ctx.analysis.reported_events
    if len(reported) != 1:
        return Outcome(
            Verdict.PASS,
            (
                "Your estimate is a mean over cross-validation folds (or could not be traced to one "
                "evaluation), so no single set of final rows was reused for choosing."
                if reported
                else "heldout found no single held-out evaluation behind your estimate to check."
            ),
        )
    final = ctx.trace.row_set(reported[0]) or frozenset()
    if not final:
        return Outcome(Verdict.PASS, "Your estimate's rows could not be traced; nothing to compare.")
    chosen = scored_model(ctx.analysis, reported[0])
    scored: list[tuple[Any, ScoredModel]] = []
    for metric in ctx.analysis.evaluations:
        if ctx.trace.is_internal(metric):
            continue
        rows = ctx.trace.row_set(metric) or frozenset()
        if len(rows & final) < overlap * len(final):
            continue
        model = scored_model(ctx.analysis, metric)
        if model is not None:
            scored.append((metric, model))
    # A baseline scored beside the model is exempt; several versions of one (a Ridge for each alpha)
    # are a search, and count.
    versions: dict[str, set] = {}
    for _, model in scored:
        versions.setdefault(model.estimator, set()).add(model.key)
    scored = [
        (metric, model)
        for metric, model in scored
        if not (
            model.estimator in exempt
            and len(versions[model.estimator]) == 1
            and (chosen is None or model.key != chosen.key)
        )
    ]
    models = distinct(m for _, m in scored)
    if len(models) <= 1:
        return Outcome(
            Verdict.PASS,
            f"Only your final model was scored on the {rows_text(len(final))} behind your estimate.",
        )
    first_site = {}
    for metric, model in scored:
        first_site.setdefault(model.key, metric)
    findings = tuple(
        Finding(first_site[m.key].cell, first_site[m.key].line, f"scored on the final rows: {m.describe()}")
        for m in models[:6]
    )
    listed = "; ".join(f"cell {first_site[m.key].cell}: {m.describe()[:80]}" for m in models[:4])
    return Outcome(
        Verdict.FAIL,
        (
            f"{len(models)} different models were scored on the {rows_text(len(final))} behind your "
            f"estimate ({listed}), and the estimate you report is one of those scores. Picking the best of "
            "several on the same rows makes its score optimistic. Compare models with cross-validation "
            f"or on a validation split, then score only the chosen one on the final rows. {hint}"
        ),
        findings,
    )
