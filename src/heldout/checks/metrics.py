"""The headline metric the candidate declared, judged against the task's costs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.checks.evaluations import normalise_metric

__all__ = ["check_headline_metric"]


@register("headline_metric", "Headline metric fit for the task", needs="report")
def check_headline_metric(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    fit = {normalise_metric(m) for m in params.get("fit", [])}
    weak = {normalise_metric(m) for m in params.get("weak", [])}
    wrong = {normalise_metric(m) for m in params.get("wrong", [])}
    report = ctx.report or {}
    declared = report.get("metric")
    hint = hint_pointer(ctx, "headline_metric")
    if not isinstance(declared, str) or not declared.strip():
        return Outcome(
            Verdict.FAIL,
            (
                f"Your report declares no headline metric. Say which metric you would judge this model by "
                f"in production (report['metric']). {hint}"
            ),
        )
    metric = normalise_metric(declared)
    reported = ctx.analysis.reported_events
    traced = reported[0].name if reported else None
    if traced == "score" or (traced and traced.endswith(".score")):
        metric = "accuracy_score"
    where = (reported[0].cell, reported[0].line) if reported else (None, None)
    finding = (Finding(*where, f"headline metric: {declared}"),)
    prevalence = ctx.prevalence
    if metric in wrong:
        return Outcome(
            Verdict.FAIL,
            (
                f"Your headline metric is {declared}"
                + (f" (the estimate comes from {traced} in cell {reported[0].cell})" if traced else "")
                + f". With {prevalence:.2%} positives, a model that never flags anything scores "
                f"{1 - prevalence:.1%} accuracy: the number cannot tell a useless model from a good one. "
                "Report average precision (PR-AUC), recall at a fixed precision, or an expected cost. "
                f"{hint}"
            ),
            finding,
        )
    if metric in weak:
        return Outcome(
            Verdict.WARN,
            (
                f"Your headline metric is {declared}. It is threshold-free but dominated by the many easy "
                "negatives when positives are rare, so large ROC-AUC gains can hide poor precision. Report "
                f"average precision (PR-AUC) or recall at a fixed precision next to it. {hint}"
            ),
            finding,
        )
    if metric in fit:
        if not reported and not any(e.get("metric") == metric for e in ctx.trace.of_kind("metric")):
            return Outcome(
                Verdict.PASS,
                (
                    f"Headline metric {declared} fits the task (heldout did not see it computed with "
                    "scikit-learn, so it was taken as declared)."
                ),
                finding,
            )
        return Outcome(Verdict.PASS, f"Headline metric {declared} fits an imbalanced task.", finding)
    return Outcome(
        Verdict.WARN,
        (
            f"heldout does not know the metric '{declared}'. Known good choices here: "
            f"{', '.join(sorted(params.get('fit', [])))}. {hint}"
        ),
        finding,
    )
