"""The candidate's readouts of the replicate experiments, scored against what each replicate holds.

The kernel sends what ``analyze`` returned on each replicate and on the probes' altered copies
(heldout.trace.readout); the truth of each replicate (its kind, true effect, whether a sample-ratio
mismatch was planted, the right decision) stays here. Everything the checks and the report need is
computed once, into a ``ReadoutEvaluation``. The record comes from the candidate's process, so every
field is read defensively: a malformed record is a problem the checks report, never a crashed grader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["ReadoutEvaluation", "evaluate_readouts", "metric_key", "same_effect"]


def metric_key(name: str) -> str:
    """A metric's name as compared, case and punctuation aside ('User conversion' is 'user_conversion')."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def same_effect(a: float | None, b: float | None) -> bool:
    """Two effects equal up to the rounding of a sum taken in another order."""
    if a is None or b is None:
        return False
    return abs(a - b) <= 1e-9 + 1e-6 * max(abs(a), abs(b))


@dataclass
class ReadoutEvaluation:
    replicates: int  # in the hidden truth
    alpha: float
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per replicate read out
    errors: list[str] = field(default_factory=list)
    n_errors: int = 0
    stopped_after: int | None = None
    cpu_seconds: float | None = None
    probes: dict[str, dict[str, float | None]] = field(default_factory=dict)  # the probes' effects
    probe_metrics: dict[str, dict[str, str | None]] = field(default_factory=dict)  # and their metrics
    baseline_accuracy: dict[str, float] = field(default_factory=dict)
    problem: str | None = None

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["kind"] in kinds and not row.get("error")]

    @property
    def read(self) -> int:
        return len(self.rows)

    @property
    def accuracy(self) -> float | None:
        return sum(row["correct"] for row in self.rows) / len(self.rows) if self.rows else None

    def _row_of(self, replicate: str) -> dict[str, Any]:
        for row in self.rows:
            if str(row["replicate"]) == replicate:
                return row
        return {}

    def effect(self, replicate: str) -> float | None:
        return self._row_of(replicate).get("effect")

    def probe_changes(self, name: str, metrics: Collection[str] | None = None) -> tuple[int, int]:
        """(replicates the probe ran on whose effect changed, replicates it could compare); with
        ``metrics`` (names as ``metric_key`` gives them), only the replicates whose readout and probe
        both report one of them."""
        changed = compared = 0
        probed_metrics = self.probe_metrics.get(name) or {}
        for replicate, value in (self.probes.get(name) or {}).items():
            before = self.effect(replicate)
            if before is None or value is None:
                continue
            if metrics is not None:
                names = (str(self._row_of(replicate).get("metric", "")), str(probed_metrics.get(replicate)))
                if not all(metric_key(n) in metrics for n in names):
                    continue
            compared += 1
            changed += not same_effect(before, value)
        return changed, compared


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _row(truth: pd.Series, readout: Any, alpha: float) -> dict[str, Any]:
    row: dict[str, Any] = {
        "replicate": int(truth["replicate"]),
        "kind": str(truth["kind"]),
        "true_effect": float(truth["effect"]),
        "true_srm": bool(truth["srm"]),
        "true_decision": str(truth["decision"]),
    }
    if not isinstance(readout, dict) or readout.get("error"):
        error = readout.get("error") if isinstance(readout, dict) else "no readout"
        return {**row, "error": str(error)[:400], "correct": False, "declared": False, "covered": False}
    effect, low, high, p = (_number(readout.get(k)) for k in ("effect", "ci_low", "ci_high", "p_value"))
    decision = str(readout.get("decision", ""))
    segments = readout.get("segments")
    row.update(
        effect=effect,
        ci_low=low,
        ci_high=high,
        p_value=p,
        decision=decision,
        metric=str(readout.get("metric", ""))[:200],
        srm=bool(readout.get("srm")),
        segments=len(segments) if isinstance(segments, list) else 0,
        declared=(p is not None and p < alpha) or decision == "ship",
        covered=low is not None and high is not None and low <= row["true_effect"] <= high,
        correct=decision == row["true_decision"],
    )
    return row


def evaluate_readouts(
    facts: Any, truth: pd.DataFrame, alpha: float, baseline_decisions: dict[str, dict[int, str]]
) -> ReadoutEvaluation:
    evaluation = ReadoutEvaluation(replicates=len(truth), alpha=alpha)
    for name, decisions in baseline_decisions.items():
        right = sum(
            decisions.get(int(r)) == d for r, d in zip(truth["replicate"], truth["decision"], strict=True)
        )
        evaluation.baseline_accuracy[name] = right / max(1, len(truth))
    if not isinstance(facts, dict):
        evaluation.problem = "the run sent no readouts of the replicate experiments"
        return evaluation
    if facts.get("missing"):
        evaluation.problem = f"the notebook never defines `{str(facts['missing'])[:80]}` as a function"
        return evaluation
    if facts.get("problem"):
        evaluation.problem = f"heldout could not call it: {str(facts['problem'])[-600:]}"
        return evaluation
    readouts = facts.get("readouts")
    if not isinstance(readouts, dict):
        evaluation.problem = "the record of the readouts is malformed"
        return evaluation
    for _, row in truth.iterrows():
        key = str(int(row["replicate"]))
        if key in readouts:
            evaluation.rows.append(_row(row, readouts[key], alpha))
    evaluation.errors = [str(e)[:400] for e in facts.get("errors") or [] if isinstance(e, str)][:8]
    evaluation.n_errors = int(_number(facts.get("n_errors")) or 0)
    stopped = _number(facts.get("stopped_after"))
    evaluation.stopped_after = None if stopped is None else int(stopped)
    evaluation.cpu_seconds = _number(facts.get("cpu_seconds"))
    probes = facts.get("probes")
    if isinstance(probes, dict):
        for name, values in probes.items():
            if not isinstance(values, dict):
                continue
            readings = {str(k): v if isinstance(v, dict) else {} for k, v in values.items()}
            evaluation.probes[str(name)] = {k: _number(v.get("effect")) for k, v in readings.items()}
            evaluation.probe_metrics[str(name)] = {
                k: str(v["metric"])[:200] if isinstance(v.get("metric"), str) else None
                for k, v in readings.items()
            }
    if not evaluation.rows:
        evaluation.problem = "it read out none of the replicate experiments"
    elif all(row.get("error") for row in evaluation.rows):
        evaluation.problem = f"it failed on every replicate experiment ({evaluation.rows[0]['error']})"
    return evaluation
