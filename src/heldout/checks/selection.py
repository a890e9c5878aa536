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

from heldout.checks.base import (
    CheckContext,
    Coverage,
    Finding,
    Outcome,
    Verdict,
    hint_pointer,
    register,
    rows_text,
)
from heldout.checks.baselines import DEFAULT_BASELINES
from heldout.checks.coverage import coverage_of, of_yours, sites, unfollowed
from heldout.checks.coverage import listed as listed_sites
from heldout.checks.models import ScoredModel, distinct, distinguishing, scored_model

__all__ = ["check_no_selection_on_final_rows"]


@register("no_selection_on_final_rows", "Models not chosen on the final evaluation rows", needs="report")
def check_no_selection_on_final_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    exempt = set(params.get("baselines", DEFAULT_BASELINES))
    overlap = float(params.get("min_overlap", 0.9))
    hint = hint_pointer(ctx, "no_selection_on_final_rows")
    reported = ctx.analysis.reported_events
    search = _search_behind(ctx, reported)
    most = int(params.get("max_compared", _MOST_COMPARED))
    if search is not None and search[1] > most:
        search_event, candidates = search
        return Outcome(
            Verdict.WARN,
            (
                f"The estimate you report is the cross-validated score of the best of {candidates} settings "
                f"that {search_event.name} ({search_event.site}) tried on the same folds (its best_score_): "
                "chosen because it was the highest there, so it is optimistic. Report a score of the chosen "
                "model on rows the search never saw (a held-out part, or nested cross-validation: "
                f"cross_val_score(search, X, y)). {hint}"
            ),
            (Finding(search_event.cell, search_event.line, f"best of {candidates} settings reported"),),
            coverage=Coverage("evaluation", len(reported)),
        )
    if len(reported) > 1:
        # Nothing to judge: no single set of final rows exists to be reused.
        few = (
            f" It is the best of {search[1]} settings {search[0].name} compared on those folds: with so few, "
            "the winner's luck is small."
            if search is not None
            else ""
        )
        return Outcome(
            Verdict.PASS,
            "Your estimate is a mean over cross-validation folds, so no single set of final rows was "
            f"reused for choosing.{few}",
            coverage=Coverage("evaluation", 0),
        )
    final = ctx.trace.row_set(reported[0]) if reported else None
    if not final:
        where = f" ({reported[0].name}, {reported[0].site})" if reported else ""
        return unfollowed(
            ctx,
            "no_selection_on_final_rows",
            Coverage("evaluation", 0, 1 if reported else 0, sites(reported)),
            (
                f"which rows your reported estimate{where} was computed on"
                if reported
                else "which computation your reported estimate comes from (no metric computed with "
                "scikit-learn has its value)"
            ),
            "it could not verify that no other model was scored on those rows",
        )
    chosen = scored_model(ctx.analysis, reported[0])
    scored: list[tuple[Any, ScoredModel]] = []
    unknown = [e for e in ctx.analysis.untraced_evaluations if e.id != reported[0].id]
    judged = 0
    for metric in ctx.analysis.evaluations:
        if ctx.trace.is_internal(metric):
            continue
        rows = ctx.trace.row_set(metric) or frozenset()
        if len(rows & final) < overlap * len(final):
            judged += 1
            continue
        model = scored_model(ctx.analysis, metric)
        if model is not None:
            judged += 1
            scored.append((metric, model))
        elif metric.id != reported[0].id:
            unknown.append(metric)  # scored the final rows, with predictions of a model not followed
        else:
            judged += 1
    coverage = coverage_of("evaluation", judged, sorted(unknown, key=lambda e: e.id))
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
        if unknown:
            return unfollowed(
                ctx,
                "no_selection_on_final_rows",
                coverage,
                f"which rows, or which model, {of_yours(len(unknown), coverage)} scored"
                f"{listed_sites(coverage.sites)}",
                f"it could not verify that only your final model was scored on the {rows_text(len(final))} "
                "behind your estimate",
            )
        return Outcome(
            Verdict.PASS,
            f"Only your final model was scored on the {rows_text(len(final))} behind your estimate "
            f"({coverage.units(coverage.judged)} checked).",
            coverage=coverage,
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
        coverage=coverage,
    )


# Settings a search may compare on the folds whose mean is then reported as the estimate (its best_score_)
# before heldout warns: the best of a handful is barely optimistic, the best of a large grid or a long
# random search is (Cawley and Talbot, 2010: nest the search in the evaluation).
_MOST_COMPARED = 10


def _search_behind(ctx: CheckContext, reported: list[Any]) -> tuple[Any, int] | None:
    """The search whose folds the reported estimate averages, and how many settings it compared there,
    when it compared more than one: the estimate is then its best_score_."""
    if len(reported) < 2 or len({e.parent for e in reported}) != 1 or reported[0].parent is None:
        return None
    parent = ctx.trace[reported[0].parent]
    if parent.kind != "fit" or parent.get("role") != "search":
        return None
    scored = [
        e
        for e in ctx.trace.children(parent.id)
        if e.kind == "metric" and e.get("via") == "scorer" and not ctx.analysis.is_training_score(e)
    ]
    candidates = len(scored) // len(reported)
    return (parent, candidates) if candidates > 1 else None


@register("no_tuning_on_evaluated_rows", "Hyper-parameters not chosen on evaluated rows")
def check_no_tuning_on_evaluated_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    """A search fitted on rows later scored chose its settings on them, even when the scored model is
    a fresh estimator built with those settings (``cross_val_score(search.best_estimator_, X, y)``)."""
    hint = hint_pointer(ctx, "no_tuning_on_evaluated_rows")
    searches = [e for e in ctx.trace.of_kind("fit") if e.get("role") == "search" and e.get("chosen")]
    if not searches:
        # Nothing to judge: every search's fit is traced, whatever its rows.
        return Outcome(Verdict.PASS, "No hyper-parameter search chose the settings of a model you scored.")
    events = ctx.analysis.reported_events or sorted(
        [e for e in ctx.analysis.evaluations if not ctx.trace.is_internal(e)]
        + ctx.analysis.untraced_evaluations,
        key=lambda e: e.id,
    )
    unknown = []
    for metric in events:
        model = scored_model(ctx.analysis, metric)
        scored = ctx.trace.row_set(metric)
        if model is None or scored is None:
            unknown.append(metric)  # which model, or which rows: a search may have chosen on them
            continue
        for search in searches:
            if (
                search.id > metric.id
                or search.id == model.fit.id
                or search.get("chosen_key") != model.config_key
            ):
                continue
            searched = ctx.trace.row_set(search)
            if searched is None:
                unknown.append(metric)
                continue
            overlap = len(searched & scored)
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
    unknown = list({e.id: e for e in unknown}.values())
    coverage = coverage_of("evaluation", len(events) - len(unknown), unknown)
    if not coverage.complete:
        return unfollowed(
            ctx,
            "no_tuning_on_evaluated_rows",
            coverage,
            (
                f"which rows, or which model, {of_yours(len(unknown), coverage)} scored"
                f"{listed_sites(coverage.sites)}, or which rows the search behind it saw"
                if unknown
                else "which evaluation your model was scored in (it saw none computed with scikit-learn)"
            ),
            f"it could not verify that {searches[0].name} ({searches[0].site}) did not choose its settings "
            "on rows that were scored",
        )
    return Outcome(
        Verdict.PASS,
        f"No search chose its settings on rows that were later scored ({coverage.units(coverage.judged)} "
        "checked).",
        coverage=coverage,
    )
