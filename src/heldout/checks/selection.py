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
from heldout.checks.models import ScoredModel, distinct, distinguishing, scored_model

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
    shown = distinguishing([m.describe() for m in models[:4]])
    listed = "; ".join(
        f"cell {first_site[m.key].cell}: {text}" for m, text in zip(models[:4], shown, strict=True)
    )
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


@register("no_tuning_on_evaluated_rows", "Hyper-parameters not chosen on evaluated rows")
def check_no_tuning_on_evaluated_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    """A search fitted on rows later scored chose its settings on them, even when the scored model is
    a fresh estimator built with those settings (``cross_val_score(search.best_estimator_, X, y)``)."""
    hint = hint_pointer(ctx, "no_tuning_on_evaluated_rows")
    searches = [e for e in ctx.trace.of_kind("fit") if e.get("role") == "search" and e.get("chosen")]
    if not searches:
        return Outcome(Verdict.PASS, "No hyper-parameter search chose the settings of a model you scored.")
    events = ctx.analysis.reported_events or [
        e for e in ctx.analysis.evaluations if not ctx.trace.is_internal(e)
    ]
    for metric in events:
        model = scored_model(ctx.analysis, metric)
        scored = ctx.trace.row_set(metric) or frozenset()
        if model is None or not scored:
            continue
        for search in searches:
            if (
                search.id > metric.id
                or search.id == model.fit.id
                or search.get("chosen_key") != model.config_key
            ):
                continue
            overlap = len((ctx.trace.row_set(search) or frozenset()) & scored)
            if overlap:
                return Outcome(
                    Verdict.FAIL,
                    (
                        f"{search.name} ({search.site}) chose {search.get('chosen')} after seeing "
                        f"{rows_text(len(ctx.trace.row_set(search) or ()))}, {overlap:,} of which "
                        f"{ctx.trace.describe(metric)} ({metric.site}) later scored it on. Settings chosen "
                        "on the rows you score are fitted to them. Nest the search inside the "
                        f"evaluation: cross_val_score(GridSearchCV(...), X, y), or search on the training "
                        f"part only. {hint}"
                    ),
                    (
                        Finding(
                            search.cell, search.line, f"search chose settings on {overlap:,} evaluated rows"
                        ),
                    ),
                )
    return Outcome(Verdict.PASS, "No search chose its settings on rows that were later scored.")
