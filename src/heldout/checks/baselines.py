"""The candidate's own baseline: there is one, it is the right kind, and it was judged like the model.

A gain means something only against the simplest honest model evaluated under the same protocol (the
same rows, the same folds, the same metric). The trace shows all three, so these checks read them
rather than trusting the candidate's table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
# Steps that turn a linear model into a flexible one: a Ridge on polynomial or spline features is a
# candidate model, not the simplest honest one, whatever its class is called.
DEFAULT_EXPANDERS = ("PolynomialFeatures", "SplineTransformer", "Nystroem", "RBFSampler", "KBinsDiscretizer")


@dataclass(frozen=True)
class BaselineEvaluation:
    """One evaluation of a baseline, recognised by its class or by its predictions being one value."""

    metric: Event
    description: str  # as the candidate would recognise it: the model's settings, or the constant
    key: tuple  # evaluations with the same key are one baseline (its folds, its repeats)
    fit_id: int | None  # the fit that made the predictions, if heldout followed one


def _scored(ctx: CheckContext) -> list[Event]:
    """Every evaluation, those on untraced rows included: a baseline scored there was still scored."""
    return sorted(ctx.analysis.evaluations + ctx.analysis.untraced_evaluations, key=lambda e: e.id)


def _expands_features(ctx: CheckContext, fit: Event, expanders: tuple[str, ...]) -> bool:
    return fit.name in expanders or any(
        e.kind == "fit" and e.name in expanders for e in ctx.trace.descendants(fit.id)
    )


def _baseline_evaluations(
    ctx: CheckContext, kinds: tuple[str, ...], expanders: tuple[str, ...], wrong: tuple[str, ...]
) -> list[BaselineEvaluation]:
    reported = {e.id for e in ctx.analysis.reported_events}
    found = []
    for metric in _scored(ctx):
        model = scored_model(ctx.analysis, metric)
        if (
            model is not None
            and model.estimator in kinds
            and not _expands_features(ctx, model.fit, expanders)
        ):
            found.append(BaselineEvaluation(metric, model.describe(), model.key, model.fit.id))
            continue
        constant = metric.get("constant_prediction")
        wrong_kind = model is not None and model.estimator in wrong
        if constant is not None and kinds and not wrong_kind and metric.id not in reported:
            fit_id = model.fit.id if model is not None else None
            rule = metric.get("trivial_rule")
            description = (
                f"the {rule} of each fold's training rows ({constant:g} in the first fold)"
                if isinstance(rule, str)
                else f"a constant prediction ({constant:g})"
            )
            found.append(BaselineEvaluation(metric, description, ("constant",), fit_id))
    return found


def _named(ctx: CheckContext, model: ScoredModel, expanders: tuple[str, ...]) -> str:
    """The model's class, with the steps that make a linear model flexible when it has them."""
    steps = [model.fit, *ctx.trace.descendants(model.fit.id)]
    expanding = list(dict.fromkeys(e.name for e in steps if e.kind == "fit" and e.name in expanders))
    return f"{model.estimator} on {' and '.join(expanding)}" if expanding else model.estimator


def _reported_models(ctx: CheckContext) -> list[ScoredModel]:
    models = (scored_model(ctx.analysis, event) for event in ctx.analysis.reported_events)
    return [m for m in models if m is not None]


def _candidate_baselines(ctx: CheckContext, params: Mapping[str, Any]) -> list[BaselineEvaluation]:
    """Baseline evaluations other than of the model the candidate reports."""
    kinds = tuple(params.get("baselines", DEFAULT_BASELINES))
    expanders = tuple(params.get("expanders", DEFAULT_EXPANDERS))
    wrong = tuple(params.get("wrong", DEFAULT_WRONG))
    reported = {m.fit.id for m in _reported_models(ctx)}
    return [
        b
        for b in _baseline_evaluations(ctx, kinds, expanders, wrong)
        if b.fit_id is None or b.fit_id not in reported
    ]


@register("baseline_evaluated", "A simple baseline was evaluated", needs="report")
def check_baseline_evaluated(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    kinds = tuple(params.get("baselines", DEFAULT_BASELINES))
    wrong = tuple(params.get("wrong", DEFAULT_WRONG))
    hint = hint_pointer(ctx, "baseline_evaluated")
    baselines = _candidate_baselines(ctx, params)
    scored = _scored(ctx)
    unmodelled = [
        e for e in scored if scored_model(ctx.analysis, e) is None and e.get("constant_prediction") is None
    ]
    coverage = coverage_of("evaluation", len(scored) - len(unmodelled), unmodelled)
    if baselines:
        # Positive evidence: a baseline was scored, whatever the evaluations not followed were.
        first = baselines[0]
        where = f"cell {first.metric.cell}" if first.metric.cell is not None else "your notebook"
        return Outcome(
            Verdict.PASS,
            f"Baseline {first.description} was evaluated in {where} ({ctx.trace.describe(first.metric)}).",
            tuple(Finding(b.metric.cell, b.metric.line, f"baseline {b.description}") for b in baselines[:3]),
            coverage=coverage,
        )
    misfits = [
        (metric, model)
        for metric in _scored(ctx)
        if (model := scored_model(ctx.analysis, metric)) is not None and model.estimator in wrong
    ]
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
    expanders = tuple(params.get("expanders", DEFAULT_EXPANDERS))
    models = [m for m in (scored_model(ctx.analysis, e) for e in scored) if m is not None]
    evaluated = sorted({_named(ctx, m, expanders) for m in models})
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
    baselines = _candidate_baselines(ctx, params)
    if not baselines:
        # Judged by baseline_evaluated: failing here too would count one mistake twice.
        return Outcome(
            Verdict.WARN,
            f"There is no baseline evaluation to compare your estimate's protocol with. {hint}",
        )
    untraced = [e for e in reported if e.get("rows") is None]
    untraced += [b.metric for b in baselines if b.metric.get("rows") is None]
    coverage = coverage_of(
        "evaluation", len(reported) + len(baselines) - len(untraced), sorted(untraced, key=lambda e: e.id)
    )
    wanted = {_protocol(ctx, e) for e in reported}
    by_model: dict[tuple, list[BaselineEvaluation]] = {}
    for baseline in baselines:
        by_model.setdefault(baseline.key, []).append(baseline)
    for group in by_model.values() if not any(e.get("rows") is None for e in reported) else ():
        if wanted <= {_protocol(ctx, b.metric) for b in group if b.metric.get("rows") is not None}:
            return Outcome(
                Verdict.PASS,
                f"Your estimate and {group[0].description} were both computed as {_how(ctx, reported)}.",
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
    group = next(iter(by_model.values()))
    events = [b.metric for b in group]
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
            f"Your baseline {group[0].description} was scored with {baseline_how}, your "
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
