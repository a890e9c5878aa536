"""heldout's checks: one function per methodological property, chosen per scenario by its manifest.

``run_checks(ctx)`` needs no pytest; the pytest plugin and the CLI both call it.
"""

from __future__ import annotations

from heldout.checks import (  # noqa: F401
    baselines,
    capacity,
    cost_metric,
    drift,
    entities,
    evaluation_rows,
    experiments,
    fairness,
    features,
    holdout,
    leakage,
    metrics,
    mitigation,
    personal_data,
    readout,
    retrieval,
    selection,
    serving,
    splits,
    temporal,
    thresholds,
)
from heldout.checks.base import (
    CHECKS,
    CheckContext,
    CheckResult,
    Coverage,
    Finding,
    HoldoutScores,
    Outcome,
    Verdict,
)

__all__ = [
    "CHECKS",
    "CheckContext",
    "CheckResult",
    "Coverage",
    "Finding",
    "HoldoutScores",
    "Outcome",
    "Verdict",
    "run_checks",
]

_POINTS_FOR = {Verdict.PASS: 1.0, Verdict.WARN: 0.5, Verdict.FAIL: 0.0}


def _points(maximum: int, outcome: Outcome) -> float:
    """The points an outcome earns: by its verdict, or on its scale. A scale never gives more than the
    verdict would, and a failed check's scale stays at or below a warning's half. In halves, as the
    pass mark expects."""
    share = _POINTS_FOR[outcome.verdict]
    if outcome.share is not None:
        cap = _POINTS_FOR[Verdict.WARN] if outcome.verdict == Verdict.FAIL else share
        share = min(cap, max(0.0, float(outcome.share)))
    return round(maximum * share * 2) / 2


def run_checks(ctx: CheckContext) -> list[CheckResult]:
    """Run the manifest's checks in manifest order; each check's result carries its points."""
    results = []
    for spec in ctx.manifest.checks:
        registered = CHECKS[spec.id]
        outcome = registered.function(ctx, spec.params)
        results.append(
            CheckResult(
                id=spec.id,
                title=registered.title,
                verdict=outcome.verdict,
                points=_points(spec.points, outcome),
                max_points=spec.points,
                competency=spec.competency,
                message=outcome.message,
                findings=outcome.findings,
                coverage=outcome.coverage,
            )
        )
    return results
