"""Fits that saw rows later used to evaluate: the preprocessing, selection, model and resampling leaks."""

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
from heldout.checks.coverage import coverage_of, listed, of_yours, sites, unfollowed
from heldout.checks.evaluations import EvaluationAnalysis, Leak
from heldout.trace.model import Event, Trace
from heldout.trace.record import SYNTHETIC

__all__ = ["check_no_fit_on_evaluated_rows", "check_resampling_inside_training"]

_WHAT_IT_LEARNS = {
    "transformer": "its learned statistics",
    "selector": "which features it kept",
    "model": "its parameters",
    "sampler": "the synthetic rows it made (built from neighbours among those rows)",
    "statistic": "the values it computed (means, quantiles or group averages, target included)",
}
# More precise words for the common transformers, matched on the class name.
_WHAT_IT_LEARNS_BY_NAME = (
    ("Scaler", "its means and scales"),
    ("Imputer", "its fill values"),
    ("Encoder", "its categories and their codes"),
    ("Discretizer", "its bin edges"),
    ("Transformer", "its learned statistics"),
    ("PCA", "its components"),
    ("SVD", "its components"),
)


def _learns(fit) -> str:
    for fragment, words in _WHAT_IT_LEARNS_BY_NAME:
        if fragment in fit.name:
            return words
    return _WHAT_IT_LEARNS.get(fit.get("role"), "what it learned")


def _describe(leak: Leak) -> str:
    fit, evaluation = leak.fit, leak.evaluation
    return (
        f"{fit.name} ({fit.site}) was {'computed over' if fit.get('role') == 'statistic' else 'fitted on'} "
        f"{rows_text(leak.fit_rows)}, "
        f"{leak.overlap:,} of which {leak.evaluation_label} ({evaluation.site}) later scored"
    )


def _findings(leaks: list[Leak]) -> tuple[Finding, ...]:
    # One finding per (fit site, evaluation site): a leak repeated in five folds is one mistake.
    grouped: dict[tuple, list[Leak]] = {}
    for leak in leaks:
        key = (leak.fit.name, leak.fit.cell, leak.fit.line, leak.evaluation.cell, leak.evaluation.line)
        grouped.setdefault(key, []).append(leak)
    findings = []
    for group in grouped.values():
        first = group[0]
        times = f" (in {len(group)} evaluations)" if len(group) > 1 else ""
        findings.append(
            Finding(
                first.fit.cell,
                first.fit.line,
                _describe(first) + times,
                {
                    "estimator": first.fit.name,
                    "role": first.fit.get("role"),
                    "fitted_rows": first.fit_rows,
                    "overlap": first.overlap,
                    "evaluation": first.evaluation_label,
                    "evaluation_cell": first.evaluation.cell,
                    "evaluation_line": first.evaluation.line,
                    "side": first.side,
                },
            )
        )
    return tuple(findings)


@register("no_fit_on_evaluated_rows", "No preprocessing, selection or model fitted on evaluated rows")
def check_no_fit_on_evaluated_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    analysis = ctx.analysis
    leaks = [leak for leak in analysis.leaks if leak.fit.get("role") != "sampler"]
    reported_training_scores = [e for e in analysis.reported_events if analysis.is_training_score(e)]
    if reported_training_scores:
        event = reported_training_scores[0]
        return Outcome(
            Verdict.FAIL,
            (
                f"Your reported estimate is {event.name} ({event.site}) computed on the very "
                f"{rows_text(event.get('n_rows') or 0)} the model was fitted on. A score on training rows "
                "measures memory, not generalisation. Report a score on rows the model never saw "
                f"(a held-out split or cross-validation). {hint_pointer(ctx, 'no_fit_on_evaluated_rows')}"
            ),
            (Finding(event.cell, event.line, f"{event.name} scored the training rows"),),
            coverage=_Followed(analysis, role=None).coverage,
        )
    if leaks:
        findings = _findings(leaks)
        first = leaks[0]
        learns = _learns(first.fit)
        return Outcome(
            Verdict.FAIL,
            (
                f"{_describe(first)}. {learns[0].upper() + learns[1:]} came partly from the rows you "
                "evaluate on, so the estimate is optimistic and will not hold on new data. Fit every "
                "preprocessing step on the training part only: put it in a Pipeline, which "
                "cross_val_score and GridSearchCV refit inside each training fold. "
                f"{hint_pointer(ctx, 'no_fit_on_evaluated_rows')}"
            ),
            findings,
            coverage=_Followed(analysis, role=None).coverage,
        )
    followed = _Followed(analysis, role=None)
    if not followed.coverage.complete:
        return followed.warning(ctx, "no_fit_on_evaluated_rows", "no fit saw the rows they scored")
    return Outcome(
        Verdict.PASS,
        (
            f"Every fit upstream of your {followed.coverage.units(followed.coverage.judged)} saw only rows "
            "that were not scored."
        ),
        coverage=followed.coverage,
    )


@register("resampling_inside_training", "Resampling only inside training folds")
def check_resampling_inside_training(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    analysis = ctx.analysis
    leaks = [leak for leak in analysis.leaks if leak.fit.get("role") == "sampler"]
    samplers = [e for e in ctx.trace.of_kind("fit") if e.get("role") == "sampler"]
    if leaks:
        first = leaks[0]
        return Outcome(
            Verdict.FAIL,
            (
                f"{_describe(first)}{_synthetic_scored(ctx, first)}. Resampling before the split lets "
                "copies or interpolations of evaluated rows into training, so the model is scored on "
                "rows it has effectively seen. Resample inside each training fold only: an imblearn "
                "Pipeline (make_pipeline(SMOTE(), model)) does this for cross_val_score and GridSearchCV. "
                f"{hint_pointer(ctx, 'resampling_inside_training')}"
            ),
            _findings(leaks),
            coverage=_Followed(analysis, role="sampler").coverage,
        )
    if not samplers:
        # Nothing to judge, and nothing hidden: every sampler fit is traced, whatever its rows.
        return Outcome(Verdict.PASS, "No resampling was used (class weights or thresholds instead).")
    followed = _Followed(analysis, role="sampler")
    if not followed.coverage.complete:
        return followed.warning(
            ctx, "resampling_inside_training", f"{samplers[0].name} never saw the rows they scored"
        )
    return Outcome(
        Verdict.PASS,
        (
            f"{samplers[0].name} was fitted {len(samplers)} time(s), never on rows you later scored "
            f"({followed.coverage.units(followed.coverage.judged)} checked)."
        ),
        coverage=followed.coverage,
    )


def _self_scored(trace: Trace, metric: Event) -> bool:
    fit = next((a for a in trace.ancestors(metric) if a.kind == "fit"), None)
    return fit is not None and fit.get("role") == "model" and metric.get("via") == "score_method"


class _Followed:
    """Which evaluations the leak checks could follow: their rows, their model, and the rows of every
    fit upstream (``role``: samplers only; None: every fit but samplers)."""

    def __init__(self, analysis: EvaluationAnalysis, role: str | None) -> None:
        # A model scoring itself inside its own fit (SGD's or an MLP's early stopping on a validation
        # fraction of its rows) evaluates nothing of the candidate's: it needs no following.
        self.untraced = [m for m in analysis.untraced_metrics if not _self_scored(analysis.trace, m)]
        self.unmodelled: list[Event] = []
        self.fits: dict[int, tuple[Event, list[Event]]] = {}  # fit id -> (fit, evaluations it is upstream of)
        judged = 0
        for metric in analysis.evaluations:
            if analysis.model_fit(metric) is None and metric.get("constant_prediction") is not None:
                # One number predicted for every row (a median by hand): no model learnt anything from
                # the scored rows but that number, so there is nothing upstream to follow.
                judged += 1
                continue
            if analysis.model_fit(metric) is None and not _out_of_fold(analysis, metric):
                self.unmodelled.append(metric)
                continue
            unknown = analysis.unknown_fits(metric, role)
            for fit in unknown:
                self.fits.setdefault(fit.id, (fit, []))[1].append(metric)
            judged += not unknown
        partly = {m.id: m for _, metrics in self.fits.values() for m in metrics}
        self.coverage: Coverage = coverage_of(
            "evaluation",
            judged,
            sorted([*self.untraced, *self.unmodelled, *partly.values()], key=lambda e: e.id),
        )

    def warning(self, ctx: CheckContext, check_id: str, cannot: str) -> Outcome:
        coverage = self.coverage
        told = []
        if self.untraced:
            told.append(
                f"which rows {of_yours(len(self.untraced), coverage)} scored{listed(sites(self.untraced))}"
            )
        if self.unmodelled:
            told.append(
                f"which model made the predictions {of_yours(len(self.unmodelled), coverage)} "
                f"scored{listed(sites(self.unmodelled))}"
            )
        if self.fits:
            fits = [fit for fit, _ in self.fits.values()]
            named = "; ".join(dict.fromkeys(f"{fit.name}, {fit.site}" for fit in fits[:3]))
            upstream = {m.id: m for _, metrics in self.fits.values() for m in metrics}
            told.append(
                f"which rows {named}{' and others' if len(fits) > 3 else ''} "
                f"{'was' if len(fits) == 1 else 'were'} fitted on, upstream of "
                f"{of_yours(len(upstream), coverage)}"
            )
        if not told:  # no evaluation at all
            return unfollowed(
                ctx,
                check_id,
                coverage,
                "which rows your model was scored on (it saw no metric computed with scikit-learn)",
                f"it could not verify that {cannot.replace('they', 'you')}",
            )
        judged = (
            f"; it judged the other {coverage.units(coverage.judged)}, and found no leak there"
            if coverage.judged
            else ""
        )
        return unfollowed(
            ctx, check_id, coverage, ", nor ".join(told), f"it could not verify that {cannot}{judged}"
        )


def _out_of_fold(analysis: EvaluationAnalysis, metric: Event) -> bool:
    source = analysis.prediction_source(metric)
    if source is not None:
        return source.kind == "cv"
    return bool(analysis.assembled_from(metric))


def _synthetic_scored(ctx: CheckContext, leak: Leak) -> str:
    """What else the leaking evaluation scored: the synthetic rows the sampler made, counted in the rows
    that evaluation (one fold, one test part) really had, next to how many the sampler made in all."""
    made = int(leak.fit.get("n_synthetic") or 0)
    if not made:
        return ""
    rows = ctx.trace.rows(leak.evaluation.get("rows"))
    scored = 0 if rows is None else int((rows == SYNTHETIC).sum())
    if not scored:
        return f", and made {made:,} synthetic rows from them"
    return f", together with {scored:,} of the {made:,} synthetic rows {leak.fit.name} made from them"
