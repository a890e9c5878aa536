"""The replicate figures of an experiment readout, in the result's ``holdout`` section.

The keys the other scenarios use (metric, score, baselines, margin) mean the same here for the decision
accuracy over the hidden replicate experiments; ``readout`` adds what the interviewer's report plots:
the p-values on the A/A replicates, each replicate's interval against its true effect, and the rates.
"""

from __future__ import annotations

from typing import Any

from heldout.checks.base import CheckContext

__all__ = ["readout_summary"]


def _rounded(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def readout_summary(ctx: CheckContext) -> dict[str, Any]:
    evaluation = ctx.readout
    accuracy = evaluation.accuracy
    summary: dict[str, Any] = {
        "metric": ctx.manifest.holdout.metric,
        "score": None if evaluation.problem or accuracy is None else round(accuracy, 6),
        "baselines": {name: round(value, 6) for name, value in evaluation.baseline_accuracy.items()},
        "margin": ctx.manifest.holdout.margin,
        "reported_estimate": None,
        "optimism_gap": None,
    }
    rows = [row for row in evaluation.rows if not row.get("error")]
    aa = [row for row in rows if row["kind"] == "aa"]
    intervals = [row for row in rows if not row["true_srm"]]
    srm = [row for row in rows if row["true_srm"]]
    summary["readout"] = {
        "replicates": evaluation.replicates,
        "read": evaluation.read,
        "errors": evaluation.n_errors,
        "aa_false_positive_rate": _rate(sum(r["declared"] for r in aa), len(aa)),
        "coverage": _rate(sum(r["covered"] for r in intervals), len(intervals)),
        "srm_found": _rate(sum(r["srm"] for r in srm), len(srm)),
        "aa_p_values": [_rounded(r["p_value"]) for r in aa if r.get("p_value") is not None],
        "intervals": [
            {
                "replicate": r["replicate"],
                "kind": r["kind"],
                "true_effect": _rounded(r["true_effect"]),
                "effect": _rounded(r.get("effect")),
                "ci_low": _rounded(r.get("ci_low")),
                "ci_high": _rounded(r.get("ci_high")),
            }
            for r in intervals
        ],
        "probes": {name: list(evaluation.probe_changes(name)) for name in sorted(evaluation.probes)},
        "cpu_seconds": evaluation.cpu_seconds,
        "stopped_after": evaluation.stopped_after,
    }
    return summary


def _rate(count: int, total: int) -> float | None:
    return round(count / total, 6) if total else None
