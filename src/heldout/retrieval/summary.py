"""The hidden-query figures of a retrieval submission, in the result's ``holdout`` section.

The keys the tabular scenarios use (metric, score, baselines, margin, reported estimate, optimism gap)
mean the same here, for nDCG at the product's k; ``retrieval`` adds recall@k and MRR, the recall curve
of the candidate and of each baseline, groundedness and latency.
"""

from __future__ import annotations

from typing import Any

from heldout.checks.base import CheckContext
from heldout.checks.retrieval import final_evaluation
from heldout.retrieval.evaluation import recall_curve

__all__ = ["retrieval_summary"]

_ESTIMATE_TOLERANCE = 1e-6


def _estimate_measure(ctx: CheckContext, estimate: float) -> str | None:
    """The measure of the candidate's final evaluation whose value is the estimate (None if none is)."""
    final, _ = final_evaluation(ctx)
    if final is None:
        return None
    for measure, value in (final.get("values") or {}).items():
        if abs(float(value) - estimate) <= _ESTIMATE_TOLERANCE:
            return str(measure)
    return None


def retrieval_summary(ctx: CheckContext) -> dict[str, Any]:
    evaluation = ctx.retrieval
    k = evaluation.k
    name = f"nDCG@{k}"
    estimate = (ctx.report or {}).get("estimate")
    estimate = float(estimate) if isinstance(estimate, (int, float)) else None
    measure = _estimate_measure(ctx, estimate) if estimate is not None else None
    comparable = measure is not None and measure.lower() == name.lower()
    summary: dict[str, Any] = {
        "metric": ctx.manifest.holdout.metric,
        "score": None if evaluation.problem else round(evaluation.scores[name], 6),
        "baselines": {b: round(s[name], 6) for b, s in evaluation.baselines.items()},
        "margin": ctx.manifest.holdout.margin,
        "reported_estimate": estimate if comparable else None,
        "optimism_gap": None,
        "estimate_metric": measure,
        "incomparable_estimate": None if comparable else estimate,
    }
    if comparable and summary["score"] is not None:
        # Positive: the candidate promised more than the hidden queries gave.
        summary["optimism_gap"] = round(estimate - summary["score"], 6)
    summary["retrieval"] = {
        "queries": evaluation.queries,
        "k": k,
        "scores": {m: round(v, 6) for m, v in evaluation.scores.items()},
        "baselines": {b: {m: round(v, 6) for m, v in s.items()} for b, s in evaluation.baselines.items()},
        "recall_curve": {
            "model": recall_curve(evaluation.scores),
            **{b: recall_curve(s) for b, s in evaluation.baselines.items()},
        },
        "ungrounded": evaluation.n_ungrounded,
        "supported_answers": evaluation.supported,
        "errors": evaluation.n_errors,
        "latency": {key: evaluation.latency.get(key) for key in ("calls", "p50_ms", "p99_ms")},
    }
    return summary
