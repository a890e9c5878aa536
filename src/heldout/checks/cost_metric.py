"""The metric of a regression task, judged against the cost the prompt states.

A linear cost (every minute of error costs the same) is what mean absolute error measures; squared
errors weigh the rare large misses more than they cost; a percentage error divides by the target and
breaks on the zero targets the data holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from heldout.checks.base import CheckContext, Finding, Outcome, Verdict, hint_pointer, register
from heldout.metric_names import normalise_metric

__all__ = ["check_metric_fits_cost"]

_WHY = {
    "root_mean_squared_error": "squares each error, so a few long delays outweigh many small misses",
    "mean_squared_error": "squares each error (and is not in the target's unit)",
    "r2_score": "is relative to the target's variance, not in the unit the cost is counted in",
}


@register("metric_fits_cost", "Metric fits the stated cost", needs="report")
def check_metric_fits_cost(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    fit = {normalise_metric(m) for m in params.get("fit", [])}
    weak = {normalise_metric(m) for m in params.get("weak", [])}
    divides = {normalise_metric(m) for m in params.get("divides_by_target", ["mape"])}
    reason_key = params.get("reason_key", "metric_reason")
    min_words = int(params.get("min_reason_words", 4))
    cost = params.get("cost", "the stated cost")
    hint = hint_pointer(ctx, "metric_fits_cost")
    report = ctx.report or {}
    declared = report.get("metric")
    if not isinstance(declared, str) or not declared.strip():
        return Outcome(
            Verdict.FAIL,
            f"Your report declares no metric (report['metric']). Say which one you judge models by. {hint}",
        )
    metric = normalise_metric(declared)
    reported = ctx.analysis.reported_events
    computed = str(reported[0].get("metric")) if reported else None
    finding = (
        Finding(
            reported[0].cell if reported else None,
            reported[0].line if reported else None,
            f"declared metric: {declared}",
        ),
    )
    if metric in divides:
        zeros = int(np.sum(np.abs(np.asarray(ctx.train_labels, dtype=float)) < 1e-9))
        if zeros:
            return Outcome(
                Verdict.FAIL,
                (
                    f"Your metric is {declared}, which divides each error by the true value: "
                    f"{zeros:,} of the training targets are exactly 0, where it is infinite or "
                    f"meaningless, and near-zero targets dominate it. The cost is {cost}: report mean "
                    f"absolute error. {hint}"
                ),
                finding,
            )
    if computed is not None and computed != metric and computed in fit | weak | divides:
        return Outcome(
            Verdict.FAIL,
            (
                f"Your report says {declared}, but the estimate you reported is what {computed} "
                f"computed in cell {reported[0].cell}. Report the metric you actually computed. {hint}"
            ),
            finding,
        )
    if metric in weak:
        return Outcome(
            Verdict.WARN,
            (
                f"Your metric is {declared}, which {_WHY.get(metric, 'does not match the cost')}. The "
                f"cost is {cost}: mean absolute error counts it directly. {hint}"
            ),
            finding,
        )
    if metric not in fit:
        return Outcome(
            Verdict.WARN,
            f"heldout does not know the metric '{declared}'. For {cost}, use mean absolute error. {hint}",
            finding,
        )
    reason = report.get(reason_key)
    if not isinstance(reason, str) or len(reason.split()) < min_words:
        return Outcome(
            Verdict.WARN,
            (
                f"{declared} fits {cost}, but your report does not say why (report['{reason_key}'], one "
                f"sentence linking the metric to the cost). {hint}"
            ),
            finding,
        )
    return Outcome(Verdict.PASS, f'{declared} fits {cost}; your reason: "{reason[:160]}"', finding)
