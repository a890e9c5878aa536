"""What every check shares: verdicts, results, the context a check reads, and the registry.

A check is a plain function ``check(ctx, params) -> Outcome`` registered under an id; manifests pick
checks by id and give them points, a competency, hints and parameters. Checks never raise on a
candidate's code: what they cannot judge is a ``warn`` that says why, never a silent pass.

A check that reads the trace says what it judged: its ``Coverage`` counts the units it followed (the
evaluations, splits or fits it could trace to rows) and those it could not, and a pass needs at least
one judged and none that matter left unfollowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from heldout.manifest import Manifest
from heldout.trace.model import Trace

__all__ = ["CHECKS", "CheckContext", "CheckResult", "Coverage", "Finding", "Outcome", "Verdict", "register"]


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """One piece of evidence, located in the candidate's notebook."""

    cell: int | None
    line: int | None
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"cell": self.cell, "line": self.line, "text": self.text, **dict(self.data)}


@dataclass(frozen=True)
class Coverage:
    """How much of what a check is about it could follow: ``judged`` units (evaluations, splits, fits)
    traced to their rows, ``not_followed`` units it saw but could not trace, and where those are."""

    unit: str  # singular: "evaluation", "split", "fit"
    judged: int
    not_followed: int = 0
    sites: tuple[str, ...] = ()  # "cell 6, line 3" of the units not followed, first ones only

    @property
    def total(self) -> int:
        return self.judged + self.not_followed

    @property
    def complete(self) -> bool:
        """At least one judged and none left unfollowed: the only coverage a pass may rest on."""
        return self.judged > 0 and self.not_followed == 0

    def units(self, count: int) -> str:
        return f"{count:,} {self.unit}" + ("" if count == 1 else "s")

    def summary(self) -> str:
        """ "judged 3 of 5 evaluations", as the terminal report shows it."""
        return f"judged {self.judged:,} of {self.units(self.total)}"

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "judged": self.judged, "not_followed": self.not_followed}


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    message: str
    findings: tuple[Finding, ...] = ()
    coverage: Coverage | None = None  # None: the check judges a declaration, not traced data
    # The share of the check's points earned, where a check grades on a scale rather than by its verdict
    # alone (a sound model weaker than the baselines earns part of the holdout's points). None: by verdict.
    share: float | None = None


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    verdict: Verdict
    points: float
    max_points: int
    competency: str
    message: str
    findings: tuple[Finding, ...]
    coverage: Coverage | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "verdict": str(self.verdict),
            "points": self.points,
            "max_points": self.max_points,
            "competency": self.competency,
            "message": self.message,
            "findings": [finding.to_json() for finding in self.findings],
            "coverage": None if self.coverage is None else self.coverage.to_json(),
        }


@dataclass(frozen=True)
class HoldoutScores:
    """The model's scores on the hidden holdout rows and their labels (grader side only)."""

    scores: np.ndarray | None
    labels: np.ndarray
    problem: str | None = None


@dataclass
class CheckContext:
    manifest: Manifest
    trace: Trace
    report: Mapping[str, Any] | None
    train_labels: np.ndarray  # label of every row of the training file, by position
    holdout: HoldoutScores
    baselines: Mapping[str, float]
    baseline_scores: Mapping[str, np.ndarray] = field(default_factory=dict)  # for report curves
    experiments: list[dict[str, Any]] | None = None  # the notebook's experiment log, typed by the kernel
    experiments_problem: str | None = None  # why the log could not be read in full
    train: pd.DataFrame | None = None  # the candidate's training file, by position (row ids)
    model_fit: int | None = None  # the trace event that fitted the model the grader scored
    drift: list[dict[str, Any]] | None = None  # the notebook's drift report, typed by the kernel
    drift_problem: str | None = None  # why the drift report could not be read in full
    future_probe: Mapping[str, Any] | None = None  # the feature function re-run on truncated history
    truth: pd.DataFrame | None = None  # what the generator planted (hidden; grader side only)
    serving: Mapping[str, Any] | None = None  # the serving probes' facts (heldout.trace.serving)
    retrieval: Any = None  # the hidden queries scored (heldout.retrieval.evaluation.RetrievalEvaluation)
    column_use: Mapping[str, Any] | None = None  # the column-use probe (heldout.trace.column_use)
    decisions: np.ndarray | None = None  # the model's 0/1 decisions on the holdout (grader side)
    decisions_problem: str | None = None
    holdout_groups: pd.DataFrame | None = None  # the holdout rows' protected attributes (hidden)
    group_metrics: list[dict[str, Any]] | None = None  # the notebook's per-group metric table
    group_metrics_problem: str | None = None
    outputs: list[tuple[int, str]] | None = None  # (code cell, text of its outputs) as the run printed them
    model_facts: Mapping[str, Any] | None = None  # the final model read after the last cell (model_facts)
    readout: Any = None  # the replicate experiments read out (heldout.readout.evaluation.ReadoutEvaluation)
    readout_report: Mapping[str, Any] | None = None  # the notebook's readout of the experiment itself

    @cached_property
    def analysis(self) -> Any:
        from heldout.checks.evaluations import EvaluationAnalysis

        return EvaluationAnalysis(self)

    @cached_property
    def months(self) -> pd.Series | None:
        """Calendar month ("2024-04") of each training row, for scenarios with a time column."""
        column = self.manifest.dataset.time
        if column is None or self.train is None or column not in self.train:
            return None
        from heldout.trace.timeline import months_of

        return months_of(self.train[column])

    @property
    def prevalence(self) -> float:
        return float(np.mean(self.train_labels == self.manifest.dataset.positive_label))


CheckFunction = Callable[[CheckContext, Mapping[str, Any]], Outcome]


NEEDS = ("trace", "report", "final", "hidden")


@dataclass(frozen=True)
class RegisteredCheck:
    id: str
    title: str
    function: CheckFunction
    # What it reads besides the trace: "report" waits for the notebook's declared results (live mode
    # judges it once they exist); "final" needs what heldout runs after the last cell (the future probe);
    # "hidden" needs the hidden labels or ground truth (only `heldout grade` has them).
    needs: str = "trace"


CHECKS: dict[str, RegisteredCheck] = {}


def register(check_id: str, title: str, needs: str = "trace") -> Callable[[CheckFunction], CheckFunction]:
    if needs not in NEEDS:
        raise ValueError(f"check '{check_id}' needs '{needs}', not one of {NEEDS}")

    def decorate(function: CheckFunction) -> CheckFunction:
        if check_id in CHECKS:
            raise ValueError(f"check '{check_id}' is registered twice")
        CHECKS[check_id] = RegisteredCheck(check_id, title, function, needs)
        return function

    return decorate


def hint_pointer(ctx: CheckContext, check_id: str) -> str:
    return f"Hint: heldout hint {ctx.manifest.id} {check_id}"


def rows_text(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")
