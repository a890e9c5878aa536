"""The candidate's own baseline: there is one, it is the right kind, and it was judged like the model.

A gain means something only against the simplest honest model evaluated under the same protocol (the
same rows, the same folds, the same metric). The trace shows all three, so these checks read them
rather than trusting the candidate's table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heldout.checks.base import (
    CheckContext,
    Finding,
    Outcome,
    Verdict,
    hint_pointer,
    register,
    rows_text,
)
from heldout.checks.coverage import coverage_of, listed, of_yours, unfollowed
from heldout.checks.models import ScoredModel, scored_model
from heldout.trace.model import Event

__all__ = ["check_baseline_evaluated", "check_same_protocol"]

DEFAULT_BASELINES = ("DummyRegressor", "LinearRegression", "Ridge", "Lasso", "ElasticNet", "HuberRegressor")
DEFAULT_WRONG = ("DummyClassifier", "LogisticRegression")


def _scored(ctx: CheckContext) -> list[Event]:
    """Every evaluation, those on untraced rows included: a baseline scored there was still scored."""
    return sorted(ctx.analysis.evaluations + ctx.analysis.untraced_evaluations, key=lambda e: e.id)


def _baseline_evaluations(ctx: CheckContext, kinds: tuple[str, ...]) -> list[tuple[Event, ScoredModel]]:
    found = []
    for metric in _scored(ctx):
        model = scored_model(ctx.analysis, metric)
        if model is not None and model.estimator in kinds:
            found.append((metric, model))
    return found


def _reported_models(ctx: CheckContext) -> list[ScoredModel]:
    models = (scored_model(ctx.analysis, event) for event in ctx.analysis.reported_events)
    return [m for m in models if m is not None]


@register("baseline_evaluated", "A simple baseline was evaluated", needs="report")
def check_baseline_evaluated(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    kinds = tuple(params.get("baselines", DEFAULT_BASELINES))
    wrong = tuple(params.get("wrong", DEFAULT_WRONG))
    hint = hint_pointer(ctx, "baseline_evaluated")
    reported = {m.fit.id for m in _reported_models(ctx)}
    baselines = [(e, m) for e, m in _baseline_evaluations(ctx, kinds) if m.fit.id not in reported]
    scored = _scored(ctx)
    unmodelled = [e for e in scored if scored_model(ctx.analysis, e) is None]
    coverage = coverage_of("evaluation", len(scored) - len(unmodelled), unmodelled)
    if baselines:
        # Positive evidence: a baseline was scored, whatever the evaluations not followed were.
        metric, model = baselines[0]
        where = f"cell {metric.cell}" if metric.cell is not None else "your notebook"
        return Outcome(
            Verdict.PASS,
            f"Baseline {model.describe()} was evaluated in {where} ({ctx.trace.describe(metric)}).",
            tuple(Finding(e.cell, e.line, f"baseline {m.describe()}") for e, m in baselines[:3]),
            coverage=coverage,
        )
    misfits = _baseline_evaluations(ctx, wrong)
    if misfits:
        metric, model = misfits[0]
        return Outcome(
            Verdict.FAIL,
            (
                f"Your baseline {model.estimator} (cell {metric.cell}) predicts classes, but this task "
                f"predicts a number: it is not a baseline for it. Use DummyRegressor (the training mean "
                f"or median) or a plain linear model. {hint}"
            ),
            (Finding(metric.cell, metric.line, f"{model.estimator} used as a baseline"),),
            coverage=coverage,
        )
    if unmodelled:
        # The baseline may be among the evaluations whose model heldout could not follow.
        return unfollowed(
            ctx,
            "baseline_evaluated",
            coverage,
            f"which model made the predictions {of_yours(len(unmodelled), coverage)} scored"
            f"{listed(coverage.sites)}",
            f"it saw no baseline ({', '.join(kinds[:3])} ...) among the others, and could not verify that "
            "one was evaluated",
            "Score the baseline's own predictions (baseline.predict(X_test)) with a scikit-learn metric or "
            "cross_val_score.",
        )
    models = (scored_model(ctx.analysis, e) for e in scored)
    evaluated = sorted({m.estimator for m in models if m is not None})
    seen = (
        f"heldout saw {', '.join(evaluated)} evaluated, none of them a simple baseline"
        if evaluated
        else "heldout saw no model evaluated at all, let alone a simple baseline"
    )
    return Outcome(
        Verdict.FAIL,
        (
            f"No baseline was evaluated: {seen} ({', '.join(kinds[:3])} ...) other than the model you "
            f"report. Without one, nobody can tell what your model adds over predicting the average. {hint}"
        ),
        coverage=coverage,
    )


def _protocol(ctx: CheckContext, metric: Event) -> tuple[str, frozenset[int] | None]:
    return (str(metric.get("metric")), ctx.trace.row_set(metric))


def _how(ctx: CheckContext, events: list[Event]) -> str:
    """How an estimate was computed, in the candidate's terms: metric, rows, folds, where."""
    first = events[0]
    metric = str(first.get("metric"))
    rows = [ctx.trace.row_set(e) or frozenset() for e in events]
    if len(events) > 1:
        where = f"{len(events)} folds of {rows_text(len(frozenset().union(*rows)))}"
    else:
        where = rows_text(len(rows[0]))
    return f"{metric} on {where} (cell {first.cell})"


@register("same_protocol", "Baseline and model judged under one protocol", needs="report")
def check_same_protocol(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    kinds = tuple(params.get("baselines", DEFAULT_BASELINES))
    hint = hint_pointer(ctx, "same_protocol")
    reported = ctx.analysis.reported_events
    if not reported:
        return Outcome(
            Verdict.WARN,
            (
                "heldout could not find the computation behind your reported estimate, so it cannot "
                "compare it with your baseline's. Compute both with scikit-learn (cross_val_score, "
                f"cross_validate or a metric function) and report the number it returns. {hint}"
            ),
        )
    reported_fits = {m.fit.id for m in _reported_models(ctx)}
    baselines = [(e, m) for e, m in _baseline_evaluations(ctx, kinds) if m.fit.id not in reported_fits]
    if not baselines:
        # Judged by baseline_evaluated: failing here too would count one mistake twice.
        return Outcome(
            Verdict.WARN,
            f"There is no baseline evaluation to compare your estimate's protocol with. {hint}",
        )
    untraced = [e for e in reported if e.get("rows") is None]
    untraced += [e for e, _ in baselines if e.get("rows") is None]
    coverage = coverage_of(
        "evaluation", len(reported) + len(baselines) - len(untraced), sorted(untraced, key=lambda e: e.id)
    )
    wanted = {_protocol(ctx, e) for e in reported}
    by_model: dict[tuple, list[Event]] = {}
    for event, model in baselines:
        by_model.setdefault(model.key, []).append(event)
    for events in by_model.values() if not any(e.get("rows") is None for e in reported) else ():
        if wanted <= {_protocol(ctx, e) for e in events if e.get("rows") is not None}:
            model = scored_model(ctx.analysis, events[0])
            name = model.describe() if model else "your baseline"
            return Outcome(
                Verdict.PASS,
                f"Your estimate and {name} were both computed as {_how(ctx, reported)}.",
                coverage=coverage,
            )
    if untraced:
        return unfollowed(
            ctx,
            "same_protocol",
            coverage,
            f"which rows {of_yours(len(untraced), coverage)} (your estimate's and your baseline's) scored"
            f"{listed(coverage.sites)}",
            "it could not verify that your baseline and your model were scored on the same rows",
        )
    events = next(iter(by_model.values()))
    model = scored_model(ctx.analysis, events[0])
    same_fold_count = [e for e in events if e.parent == events[0].parent][: max(len(reported), 1)]
    baseline_how = _how(ctx, same_fold_count)
    metrics = {str(e.get("metric")) for e in reported}
    differs = (
        "a different metric"
        if not metrics & {str(e.get("metric")) for e in events}
        else "different rows or folds"
    )
    return Outcome(
        Verdict.FAIL,
        (
            f"Your baseline {model.describe() if model else ''} was scored with {baseline_how}, your "
            f"estimate with {_how(ctx, reported)}: {differs}, so the difference between them mixes the "
            f"models with the protocol. Evaluate both with the same cv object (or the same split) and "
            f"the same metric. {hint}"
        ),
        (
            Finding(events[0].cell, events[0].line, f"baseline: {baseline_how}"),
            Finding(reported[0].cell, reported[0].line, f"estimate: {_how(ctx, reported)}"),
        ),
        coverage=coverage,
    )
