"""Evaluation on untouched rows at the natural class ratio."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import binomtest

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
from heldout.trace.record import SYNTHETIC

__all__ = ["check_evaluation_on_untouched_rows"]


@register("evaluation_on_untouched_rows", "Evaluation on untouched rows at the natural class ratio")
def check_evaluation_on_untouched_rows(ctx: CheckContext, params: Mapping[str, Any]) -> Outcome:
    analysis = ctx.analysis
    already_blamed = {leak.fit.id for leak in analysis.leaks}
    ratio_limit = float(params.get("max_ratio_change", 2.0))
    alpha = float(params.get("alpha", 1e-3))
    untraced = analysis.untraced_metrics
    coverage = coverage_of("evaluation", len(analysis.evaluations), untraced)
    for metric in analysis.evaluations:
        rows = ctx.trace.rows(metric.get("rows"))
        if rows is None:
            continue
        samplers = [s for s in analysis.resampled_inputs(metric) if s.id not in already_blamed]
        synthetic = int((rows == SYNTHETIC).sum())
        if samplers:
            sampler = samplers[0]
            return _fail(
                ctx,
                metric,
                coverage,
                (
                    f"{ctx.trace.describe(metric)} ({metric.site}) scored {rows_text(len(rows))} "
                    f"that {sampler.name} ({sampler.site}) resampled"
                    + (f", {synthetic:,} of them synthetic" if synthetic else "")
                ),
            )
        if synthetic and not any(leak.evaluation.id == metric.id for leak in analysis.leaks):
            return _fail(
                ctx,
                metric,
                coverage,
                (
                    f"{ctx.trace.describe(metric)} ({metric.site}) scored {synthetic:,} synthetic "
                    "rows that exist in no data file"
                ),
            )
        real = rows[(rows >= 0) & (rows < len(ctx.train_labels))]
        if len(real):
            positives = int(np.sum(ctx.train_labels[real] == ctx.manifest.dataset.positive_label))
            rate = positives / len(real)
            natural = ctx.prevalence
            # Both a large change and one a random split would almost never produce: small
            # evaluation sets wobble, and a stratified split of rare positives is never exact.
            if (
                0 < natural < 1
                and (rate > natural * ratio_limit or rate < natural / ratio_limit)
                and binomtest(positives, len(real), natural).pvalue < alpha
            ):
                scored = (
                    f"{rows_text(len(real))} with"
                    if len(real) == len(rows)
                    # Synthetic rows have no label in the data: the rate is the real rows', said so.
                    else f"{rows_text(len(rows))}, {len(rows) - len(real):,} of them synthetic; its "
                    f"{len(real):,} real rows have"
                )
                return _fail(
                    ctx,
                    metric,
                    coverage,
                    (
                        f"{ctx.trace.describe(metric)} ({metric.site}) scored {scored} "
                        f"{rate:.1%} positives, against {natural:.2%} in the data"
                    ),
                )
    if not coverage.complete:
        unknown = (
            f"which rows {of_yours(len(untraced), coverage)} scored{listed(sites(untraced))}"
            if untraced
            else "which rows your model was scored on (it saw no metric computed with scikit-learn)"
        )
        judged = (
            f"; the other {coverage.units(coverage.judged)} scored real rows at the natural class ratio"
            if coverage.judged
            else ""
        )
        return unfollowed(
            ctx,
            "evaluation_on_untouched_rows",
            coverage,
            unknown,
            f"it could not verify that they were real, untouched rows at the natural class ratio{judged}",
        )
    return Outcome(
        Verdict.PASS,
        f"Every evaluation ({coverage.units(coverage.judged)}) scored real rows at the data's natural class "
        "ratio.",
        coverage=coverage,
    )


def _fail(ctx: CheckContext, metric: Any, coverage: Coverage, observed: str) -> Outcome:
    return Outcome(
        Verdict.FAIL,
        (
            f"{observed}. Production traffic arrives at the natural fraud rate; a score on rebalanced or "
            "synthetic rows says little about it (precision especially is inflated). Resample the training "
            "part only and evaluate on the untouched test rows. "
            f"{hint_pointer(ctx, 'evaluation_on_untouched_rows')}"
        ),
        (Finding(metric.cell, metric.line, observed, {"evaluation": metric.name}),),
        coverage=coverage,
    )
