"""The result of grading one submission, and its JSON form (schema ``heldout.result/1``).

Fields (stable within a schema version; additions only):

- ``schema``: "heldout.result/1"; ``heldout_version``
- ``submission``: {"path", "sha256"}; ``scenario``: {"id", "version", "title"}
- ``dataset``: {"name", "seed"} (a take-home bundle's own seed, or the shipped dataset's)
- ``bundle`` (added within schema 1): null, or for a take-home bundle {"id", "candidate", "grades",
  "submissions"}: how many grades the bundle has had so far, this one included, and of how many distinct
  notebooks (the one field that changes when the same submission is graded again)
- ``isolation``: "bubblewrap" or "none" (no isolation: the submission could read the host)
- ``status``: "passed" (the score reaches ``PASS_MARK`` of the points), "failed" (it does not) or "error"
  (not gradable to the end); the status follows the score alone, so a higher score never reads worse
- ``error``: null, or {"kind", "message", "cell"}; kinds: invalid, crashed, timeout, kernel_died,
  contract, tampered, sandbox_error
- ``score``: {"points", "max_points", "pass_mark"}; ``checks``: [{"id", "title", "verdict" (pass|warn|fail),
  "points", "max_points", "competency", "message", "findings": [{"cell", "line", "text", ...}],
  "coverage"}]; ``coverage`` (added within schema 1): null for a check that judges a declaration, else
  {"unit" (evaluation, split, fit, threshold curve, train/test pair), "judged": how many it followed to
  their rows and judged, "not_followed": how many it saw but could not follow}. A check passes only
  with judged >= 1 and not_followed == 0, or with nothing of its kind to judge (judged = not_followed =
  0, said in its message), or on evidence the others cannot undo (a baseline seen evaluated); otherwise
  it warns, naming what it could not follow
- ``holdout``: {"metric", "score", "baselines", "margin", "reported_estimate", "optimism_gap",
  "estimate_metric", "incomparable_estimate", "prevalence"} or null. ``estimate_metric`` is what the
  candidate's estimate is in (scikit-learn's function name, null when heldout cannot tell);
  ``reported_estimate`` and ``optimism_gap`` are set only when that is the holdout's metric, otherwise
  the estimate is in ``incomparable_estimate``. ``report``: what the notebook declared, or null
- ``drift``: for scenarios with planted drift, {"months", "features": [{"feature", "kind", "series",
  "planted", "reported"}]} (the drift timeline of the interviewer's report) or null
- ``followups``: interviewer questions chosen by the verdicts
- ``harness_notes``: heldout's own faults that did not stop the grade (its tracer failed on a call that
  then ran as without heldout), each with its place; never the candidate's
- ``levels`` (added within schema 1): [{"name", "pass_mark", "reached", "why_not"}] for the manifest's
  levels, or null when no check ran: a level is reached when the points reach its pass mark and no
  data-hygiene check failed (so a sound but weak notebook reaches the levels its points allow and a
  leaky one none), whatever the status says
- ``lint``: {"findings": static lint findings (kind, severity, cell, line, subject, message, check_id),
  "disagreements": where the code alone and the run's trace disagree} or null

The same submission graded twice gives the same JSON (but a bundle's grade count): no times, no
temporary paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heldout.checks.base import CheckResult

__all__ = ["EXIT_CODES", "PASS_MARK", "SCHEMA", "GradeError", "GradeResult", "passes"]

SCHEMA = "heldout.result/1"

# The share of its points a graded submission needs to pass, the same in every scenario. A failed check
# costs all its points and a warning half, so with 100 points a failing check of 10 points or more
# always fails the result, while a warning on a 10-point check, or a failing 5-point check alone, does
# not. The status follows the score and nothing else: two results with the same score read the same.
# (Levels in the manifests have their own, lower pass marks: the scorecard judges a candidate at a level.)
PASS_MARK = 0.95

# Documented in `heldout --help` and README.md.
EXIT_CODES = {
    "passed": 0,
    "failed": 1,
    "usage": 2,
    "error": 3,
    "harness": 4,
}


def passes(points: float, max_points: float) -> bool:
    """Whether a score reaches the pass mark (no checks, no points: nothing to fail)."""
    # Points come in halves (a warning): allow for float sums like 0.1 + 0.2.
    return max_points <= 0 or points >= PASS_MARK * max_points - 1e-9


@dataclass(frozen=True)
class GradeError:
    kind: str
    message: str
    cell: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "cell": self.cell}


@dataclass
class GradeResult:
    submission_path: str
    submission_sha256: str | None
    scenario: dict[str, str] | None
    isolation: str | None
    checks: list[CheckResult] = field(default_factory=list)
    error: GradeError | None = None
    holdout: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    followups: list[str] = field(default_factory=list)
    dataset: dict[str, Any] | None = None
    lint: dict[str, Any] | None = None
    drift: dict[str, Any] | None = None
    # heldout's own faults that did not stop the grade (a hook that failed on a call): never the
    # candidate's, but the checks rest on less evidence where they happened.
    harness_notes: list[str] = field(default_factory=list)
    # The manifest's levels this grade reaches (heldout.levels): null when no check ran.
    levels: list[dict[str, Any]] | None = None
    # A take-home bundle's id, candidate and how often it has been graded (heldout.bundle.GradeLedger).
    bundle: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "passed" if passes(self.points, self.max_points) else "failed"

    @property
    def exit_code(self) -> int:
        if self.error is not None and self.error.kind == "sandbox_error":
            return EXIT_CODES["harness"]
        return EXIT_CODES[self.status]

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.checks)

    def check(self, check_id: str) -> CheckResult:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        from heldout import __version__

        return {
            "schema": SCHEMA,
            "heldout_version": __version__,
            "submission": {"path": self.submission_path, "sha256": self.submission_sha256},
            "scenario": self.scenario,
            "dataset": self.dataset,
            "isolation": self.isolation,
            "status": self.status,
            "error": None if self.error is None else self.error.to_json(),
            "score": {"points": self.points, "max_points": self.max_points, "pass_mark": PASS_MARK},
            "checks": [c.to_json() for c in self.checks],
            "holdout": self.holdout,
            "report": self.report,
            "followups": self.followups,
            "lint": self.lint,
            "drift": self.drift,
            "harness_notes": self.harness_notes,
            "levels": self.levels,
            "bundle": self.bundle,
        }

    def write_json(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(path)
