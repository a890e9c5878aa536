"""A fairness mitigation is judged on rows it did not learn from.

A post-processor (fairlearn's ThresholdOptimizer, a calibrator on a prefit model) or an in-processing
reduction (ExponentiatedGradient, GridSearch) learns from the rows it is fitted on, like any model:
a ThresholdOptimizer fitted on the rows it is then measured on meets its constraint there by
construction. The general check of fits on evaluated rows lets a model's score on its own training
rows pass as a diagnostic; this one does not, for mitigators: their figures on their own rows are what
a candidate reads as "the constraint holds".

A mitigator is a fit of one of the manifest's estimators, a fit that contains one (a model of the
notebook's own wrapping ExponentiatedGradient), or a fit that calls an estimator fitted before it (a
post-processor of a prefit model).
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
from heldout.trace.model import Event, Trace

__all__ = ["check_mitigation_on_training_rows", "mitigation_fits"]

MITIGATORS = ("ThresholdOptimizer", "ExponentiatedGradient", "GridSearch", "CalibratedClassifierCV")


def _is_mitigation(trace: Trace, fit: Event, names: tuple[str, ...]) -> bool:
    if fit.name in names:
        return True
    inner = list(trace.descendants(fit.id))
    inner_ids = {e.id for e in inner} | {fit.id}
    for event in inner:
        if event.kind == "fit" and event.name in names:
            return True
        fitted_by = event.get("fit_event") if event.kind == "predict" else None
        if isinstance(fitted_by, int) and fitted_by not in inner_ids:
            return True  # it post-processes a model fitted before it
    return False


def mitigation_fits(trace: Trace, names: tuple[str, ...] = MITIGATORS) -> list[Event]:
    """The notebook's own fits (not a library's inner ones) that are mitigations."""
    return [
        fit
        for fit in trace.of_kind("fit")
        if not any(a.kind == "fit" for a in trace.ancestors(fit)) and _is_mitigation(trace, fit, names)
    ]


@register("mitigation_on_training_rows", "The mitigation is measured on rows it did not learn from")
def check_mitigation_on_training_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    hint = hint_pointer(ctx, "mitigation_on_training_rows")
    names = tuple(params.get("mitigators", MITIGATORS))
    trace = ctx.trace
    fits = {fit.id: fit for fit in mitigation_fits(trace, names)}
    if not fits:
        return Outcome(
            Verdict.PASS,
            "Your notebook fits no mitigator of its own (a post-processor or a reduction): nothing to "
            "judge here.",
            coverage=Coverage("mitigation", 0),
        )
    judged, lost, findings = 0, 0, []
    for metric in trace.of_kind("metric"):
        producer = metric.get("pred_producer")
        if not isinstance(producer, int) or not 0 <= producer < len(trace.events):
            continue
        fit = fits.get(trace[producer].get("fit_event"))
        if fit is None:
            continue
        scored, fitted = trace.row_set(metric), trace.row_set(fit)
        if scored is None or fitted is None:
            lost += 1
            continue
        judged += 1
        overlap = len(scored & fitted)
        if overlap:
            findings.append(
                Finding(
                    fit.cell,
                    fit.line,
                    f"{fit.name} ({fit.site}) was fitted on {rows_text(len(fitted))}, {overlap:,} of which "
                    f"{metric.name} ({metric.site}) then measured",
                    {"evaluation_cell": metric.cell},
                )
            )
    coverage = Coverage("evaluation", judged, lost)
    if findings:
        return Outcome(
            Verdict.FAIL,
            (
                f"Your mitigation is measured on rows it learned from: {findings[0].text}. A mitigator "
                "fitted on the rows it is measured on meets its constraint there by construction, so the "
                "figure says nothing about new applicants. Fit the mitigation on the training split only "
                f"and measure it on the validation split. {hint}"
            ),
            tuple(findings),
            coverage=coverage,
        )
    if lost and not judged:
        return Outcome(
            Verdict.WARN,
            f"heldout could not tell which rows the {lost} evaluation(s) of your mitigator scored, so it "
            f"could not verify that it was measured on rows it did not learn from. {hint}",
            coverage=coverage,
        )
    return Outcome(
        Verdict.PASS,
        f"Your mitigation ({', '.join(sorted({f.name for f in fits.values()}))}) is measured only on rows it "
        "did not learn from.",
        coverage=coverage,
    )
