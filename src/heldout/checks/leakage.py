"""Fits that saw rows later used to evaluate: the preprocessing, selection, model and resampling leaks."""

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
from heldout.checks.evaluations import Leak
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
        )
    if not analysis.evaluations:
        return _untraced(ctx, "no_fit_on_evaluated_rows")
    return Outcome(
        Verdict.PASS,
        (
            f"Every fit upstream of your {len(analysis.evaluations)} evaluation(s) saw only rows that "
            "were not scored."
        ),
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
        )
    if not samplers:
        return Outcome(Verdict.PASS, "No resampling was used (class weights or thresholds instead).")
    if not analysis.evaluations:
        return _untraced(ctx, "resampling_inside_training")
    return Outcome(
        Verdict.PASS,
        (f"{samplers[0].name} was fitted {len(samplers)} time(s), never on rows you later scored."),
    )


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


def _untraced(ctx: CheckContext, check_id: str) -> Outcome:
    untraced = ctx.analysis.untraced_metrics
    where = f" ({untraced[0].name}, {untraced[0].site})" if untraced else ""
    return Outcome(
        Verdict.WARN,
        (
            f"heldout could not trace which rows your evaluation scored{where}, so it cannot confirm "
            "that no fit saw them. Load the data with pandas.read_csv and split with train_test_split or a "
            "scikit-learn splitter so the grader can follow the rows. "
            f"{hint_pointer(ctx, check_id)}"
        ),
    )
